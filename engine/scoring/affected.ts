/**
 * What a changed fact feeds, finer than dimensions: for a household field path (as written in
 * the READS lists: `persons[].pensionMonthly`, `finances.medicalTotal`, `vehicles`), the
 * dimension scorers, cause factors and need types that read it. `applyFacts` ORs these masks
 * over the fields that really changed, and `rescore` recomputes exactly those and nothing else.
 *
 * The READS lists (DIMENSION_READS, CAUSE_READS, NEED_READS) are checked against what the
 * scorers really read by a recording proxy (engine/test/scoring-reads.test.ts), so a mask can
 * only be too wide, never too narrow. Membership fields feed everything.
 */
import { DIMENSIONS } from '../catalogue/departments.js';
import { CAUSE_READS } from '../causes.js';
import { DIMENSION_READS, MEMBERSHIP_READS } from '../dimensions/reads.js';
import { NEED_READS } from '../needs.js';
import { CAUSES, NEED_TYPES } from '../types.js';

/** Bit masks: bit i stands for DIMENSIONS[i], CAUSES[i], NEED_TYPES[i]. */
export interface Affected {
  dims: number;
  causes: number;
  needs: number;
}

export const ALL_DIMS = (1 << DIMENSIONS.length) - 1;
export const ALL_CAUSES = (1 << CAUSES.length) - 1;
export const ALL_NEEDS = (1 << NEED_TYPES.length) - 1;

/** Whether `read` (a leaf path some computation reads) lies at or under `path`. */
function under(read: string, path: string): boolean {
  return read === path || read.startsWith(`${path}.`) || read.startsWith(`${path}[]`);
}

function maskOf(lists: readonly (readonly string[])[], path: string): number {
  let m = 0;
  lists.forEach((reads, i) => {
    if (reads.some((r) => under(r, path))) m |= 1 << i;
  });
  return m;
}

/** The computations that read `path` or anything under it; membership fields feed all of them. */
export function affectedBy(path: string): Affected {
  if (MEMBERSHIP_READS.some((r) => under(r, path))) return { dims: ALL_DIMS, causes: ALL_CAUSES, needs: ALL_NEEDS };
  return {
    dims: maskOf(DIMENSIONS.map((d) => DIMENSION_READS[d]), path),
    causes: maskOf(CAUSES.map((c) => CAUSE_READS[c]), path),
    needs: maskOf(NEED_TYPES.map((t) => NEED_READS[t]), path),
  };
}

/** Everything: what a caller without field-level knowledge must assume. */
export const EVERYTHING: Readonly<Affected> = Object.freeze({ dims: ALL_DIMS, causes: ALL_CAUSES, needs: ALL_NEEDS });
