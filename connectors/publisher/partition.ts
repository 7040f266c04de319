/**
 * Partitioning of updates: FNV-1a 32-bit of the household id's UTF-8 bytes modulo the stream's
 * partition count. Pure arithmetic so every process, run and language computes the same value.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const utf8 = new TextEncoder();

/** FNV-1a 32-bit over the UTF-8 bytes of `s`, as an unsigned integer. */
export function fnv1a32(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return fnv1a32Bytes(utf8.encode(s)); // rare: non-ASCII ids take the byte path
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h >>> 0;
}

function fnv1a32Bytes(bytes: Uint8Array): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return h >>> 0;
}

/** The partition (0 … partitions-1) that owns a household. */
export function partitionOf(householdId: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  return fnv1a32(householdId) % partitions;
}

/** `<prefix>.upd.<partition>.<source>` */
export function subjectFor(prefix: string, partition: number, source: string): string {
  return `${prefix}.upd.${partition}.${source}`;
}

/** `<prefix>.upd.<partition>.>`: every update of one partition (a worker's consumer filter). */
export function partitionFilter(prefix: string, partition: number): string {
  return `${prefix}.upd.${partition}.>`;
}

/** `<prefix>.dlq.<origin>` */
export function deadLetterSubject(prefix: string, origin: string): string {
  return `${prefix}.dlq.${origin}`;
}
