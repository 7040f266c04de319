/**
 * Fair share of partitions: every live node computes the same split from the same sorted list of
 * live nodes, so the targets add up to the partition count and no node is starved
 * (each gets floor(P/N) or ceil(P/N)).
 */

/** How many partitions `me` should own among `liveNodes` (any order; `me` counts even if missing). */
export function fairShare(partitions: number, liveNodes: readonly string[], me: string): number {
  const nodes = sortedWith(liveNodes, me);
  const rank = nodes.indexOf(me);
  const base = Math.floor(partitions / nodes.length);
  return base + (rank < partitions % nodes.length ? 1 : 0);
}

/**
 * Order in which `me` tries partitions: starting at its own slice so that nodes starting together
 * aim at different partitions (fewer lost compare-and-set races), then wrapping around.
 */
export function preferenceOrder(partitions: number, liveNodes: readonly string[], me: string): number[] {
  const nodes = sortedWith(liveNodes, me);
  const start = nodes.indexOf(me) * Math.ceil(partitions / nodes.length);
  return Array.from({ length: partitions }, (_, i) => (start + i) % partitions);
}

function sortedWith(liveNodes: readonly string[], me: string): string[] {
  const set = new Set(liveNodes);
  set.add(me);
  return [...set].sort();
}
