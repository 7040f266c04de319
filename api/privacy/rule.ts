/**
 * The one privacy rule for every figure a role without personal-data access can reach: no count
 * between 1 and k−1 is shown, and none can be worked out from the figures that are shown.
 *
 * The figures of a release are cells (`id` → count) tied by sum constraints (a township's count
 * is the sum of its communities', a total the sum of its tiers, a quarter the sum of its months).
 * Primary suppression hides every cell with 0 < count < k. Complementary suppression, as
 * statistical offices do it, then hides more until (1) no constraint has exactly one hidden cell,
 * (2) the hidden part of a constraint whose total is shown sums to 0 or at least k, and (3) an
 * exact check finds no hidden small cell in the span of the shown figures: the constraints are
 * reduced (Gaussian elimination over the hidden cells of each connected group); a hidden cell is
 * derivable by adding and subtracting shown figures exactly when a reduced row is that cell alone.
 */

/** total + more… = parts… (`more` for identities with several cells on the left). */
export interface SumConstraint {
  total: string;
  more?: readonly string[];
  parts: readonly string[];
}

const left = (c: SumConstraint): readonly string[] => (c.more && c.more.length > 0 ? [c.total, ...c.more] : [c.total]);
const members = (c: SumConstraint): string[] => [...left(c), ...c.parts];

export interface Protection {
  hidden: ReadonlySet<string>;
  /** Hidden because their own count is small. */
  primary: number;
  /** Hidden to protect others. */
  complementary: number;
  /** Connected groups of hidden cells too large for the exact check (the rules 1–2 still hold for them). */
  unaudited: number;
}

/** Groups of hidden cells larger than this skip the exact check (its cost grows with the group). */
export const AUDIT_LIMIT = 50_000;

const small = (v: number, k: number): boolean => v > 0 && v < k;

/**
 * The cells to hide so that no count in (0, k) is shown or derivable from the shown ones. Yields
 * to the event loop between rounds of the exact check (each round is a row reduction of the
 * hidden cells: about a second for 2,500 of them on a busy core).
 */
export async function protect(values: ReadonlyMap<string, number>, constraints: readonly SumConstraint[], k: number): Promise<Protection> {
  const hidden = new Set<string>();
  const val = (id: string) => values.get(id) ?? 0;
  for (const [id, v] of values) if (small(v, k)) hidden.add(id);
  const primary = hidden.size;
  if (k <= 1) return { hidden, primary, complementary: 0, unaudited: 0 };

  const byCell = new Map<string, number[]>();
  constraints.forEach((c, i) => {
    for (const id of members(c)) {
      let l = byCell.get(id);
      if (!l) byCell.set(id, (l = []));
      l.push(i);
    }
  });

  /** Hides one more member of constraint `c`: the smallest positive shown part, else any shown part, else the total. */
  const widen = (c: SumConstraint): boolean => {
    let best: string | null = null;
    for (const p of c.parts) {
      if (hidden.has(p)) continue;
      const v = val(p);
      if (best === null || (v > 0 && (val(best) === 0 || v < val(best)))) best = p;
    }
    if (best === null) best = left(c).find((id) => !hidden.has(id)) ?? null;
    if (best === null) return false;
    hidden.add(best);
    return true;
  };

  /** Rules 1 and 2 over every constraint until nothing changes. */
  const local = (): void => {
    let queue = new Set<number>();
    for (const id of hidden) for (const i of byCell.get(id) ?? []) queue.add(i);
    while (queue.size > 0) {
      const next = new Set<number>();
      for (const i of queue) {
        const c = constraints[i]!;
        let count = 0;
        let mass = 0;
        let totalHidden = false;
        for (const id of left(c)) if (hidden.has(id)) (count++, (totalHidden = true));
        for (const p of c.parts) if (hidden.has(p)) (count++, (mass += val(p)));
        const needs = count === 1 || (!totalHidden && small(mass, k));
        if (needs && widen(c)) {
          // the cell just hidden may now break its other constraints
          for (const id of members(c)) if (hidden.has(id)) for (const j of byCell.get(id) ?? []) next.add(j);
        }
      }
      queue = next;
    }
  };

  local();
  let unaudited = 0;
  for (let round = 0; round < 10_000; round++) {
    await new Promise<void>((r) => setImmediate(r));
    const { derivable, skipped } = derivableSmall(values, constraints, hidden, k);
    unaudited = skipped;
    if (derivable.length === 0) break;
    for (const id of derivable) {
      // widen the nearest constraint (through hidden cells) that still shows a member, fewest hidden first
      const seen = new Set<string>([id]);
      let frontier = [id];
      let done = false;
      while (!done && frontier.length > 0) {
        const options = [...new Set(frontier.flatMap((x) => byCell.get(x) ?? []))].map((i) => constraints[i]!);
        options.sort((a, b) => hiddenCount(a, hidden) - hiddenCount(b, hidden));
        for (const c of options) if ((done = widen(c))) break;
        const next: string[] = [];
        for (const c of options) for (const m of members(c)) if (hidden.has(m) && !seen.has(m)) (seen.add(m), next.push(m));
        frontier = next;
      }
    }
    local();
  }
  return { hidden, primary, complementary: hidden.size - primary, unaudited };
}

function hiddenCount(c: SumConstraint, hidden: ReadonlySet<string>): number {
  return members(c).filter((id) => hidden.has(id)).length;
}

/** The hidden cells with a small count that shown figures determine, found group by group. */
export function derivableSmall(
  values: ReadonlyMap<string, number>,
  constraints: readonly SumConstraint[],
  hidden: ReadonlySet<string>,
  k: number,
): { derivable: string[]; skipped: number } {
  // connected groups of hidden cells (two are linked when a constraint holds both)
  const group = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (group.get(r) !== r) r = group.get(r)!;
    let y = x;
    while (group.get(y) !== r) {
      const n = group.get(y)!;
      group.set(y, r);
      y = n;
    }
    return r;
  };
  for (const id of hidden) group.set(id, id);
  const rowsOf = new Map<string, number[]>();
  for (const c of constraints) {
    const h = members(c).filter((id) => hidden.has(id));
    for (let j = 1; j < h.length; j++) {
      const a = find(h[0]!);
      const b = find(h[j]!);
      if (a !== b) group.set(a, b);
    }
  }
  constraints.forEach((c, i) => {
    const first = members(c).find((id) => hidden.has(id));
    if (first === undefined) return;
    const r = find(first);
    let l = rowsOf.get(r);
    if (!l) rowsOf.set(r, (l = []));
    l.push(i);
  });
  const cellsOf = new Map<string, string[]>();
  for (const id of hidden) {
    const r = find(id);
    let l = cellsOf.get(r);
    if (!l) cellsOf.set(r, (l = []));
    l.push(id);
  }
  const derivable: string[] = [];
  let skipped = 0;
  for (const [root, cells] of cellsOf) {
    if (!cells.some((id) => small(values.get(id) ?? 0, k))) continue;
    const rows = rowsOf.get(root) ?? [];
    if (cells.length > AUDIT_LIMIT) {
      skipped++;
      continue;
    }
    const col = new Map(cells.map((id, j) => [id, j]));
    // rows over few hidden cells first, each pivoting on its cell held by the fewest rows: the
    // constraints are sums over a tree, and eliminating leaves first keeps the rows short
    const uses = new Map<number, number>();
    const built = rows.map((i) => {
      const r = new Map<number, number>();
      const c = constraints[i]!;
      for (const id of left(c)) {
        const j = col.get(id);
        if (j !== undefined) r.set(j, (r.get(j) ?? 0) + 1);
      }
      for (const p of c.parts) {
        const j = col.get(p);
        if (j !== undefined) r.set(j, (r.get(j) ?? 0) - 1);
      }
      for (const j of r.keys()) uses.set(j, (uses.get(j) ?? 0) + 1);
      return r;
    });
    built.sort((a, b) => a.size - b.size);
    const span = new SparseSpan((j) => uses.get(j) ?? 0);
    for (const r of built) span.add(r);
    for (const j of span.unitColumns()) if (small(values.get(cells[j]!) ?? 0, k)) derivable.push(cells[j]!);
  }
  return { derivable, skipped };
}

const EPS = 1e-9;

/**
 * A row space kept fully reduced (each pivot column nonzero in its own row only), with sparse
 * rows: the constraints of a city are sums over a tree, so rows stay short. A column's unit
 * vector is in the space exactly when some reduced row is that column alone.
 */
export class SparseSpan {
  private readonly rows = new Map<number, Map<number, number>>(); // pivot → row
  private readonly holders = new Map<number, Set<number>>(); // column → pivots of the rows holding it

  /** `cost(j)`: how many rows hold column j (pivots on cheap columns cause less fill-in). */
  constructor(private readonly cost: (column: number) => number = () => 0) {}

  /** True when the vector is a combination of the rows added so far. */
  contains(input: ReadonlyMap<number, number>): boolean {
    return this.reduce(input).size === 0;
  }

  private reduce(input: ReadonlyMap<number, number>): Map<number, number> {
    const r = new Map<number, number>();
    for (const [j, x] of input) if (Math.abs(x) > EPS) r.set(j, x);
    for (const j of [...r.keys()]) {
      const f = r.get(j);
      const b = this.rows.get(j);
      if (f === undefined || b === undefined) continue;
      for (const [c, x] of b) {
        const y = (r.get(c) ?? 0) - f * x;
        if (Math.abs(y) > EPS) r.set(c, y);
        else r.delete(c);
      }
    }
    return r;
  }

  add(input: ReadonlyMap<number, number>): void {
    const r = this.reduce(input);
    if (r.size === 0) return;
    // the pivot: a well-sized entry on the column fewest rows hold (±1 entries all qualify)
    const [pivot, pv] = [...r.entries()].reduce((best, e) => {
      const big = Math.abs(e[1]) > 0.1 * Math.abs(best[1]);
      return big && (Math.abs(best[1]) <= 0.1 * Math.abs(e[1]) || this.cost(e[0]) < this.cost(best[0])) ? e : best;
    });
    for (const [c, x] of r) r.set(c, x / pv);
    // the new pivot leaves every other row
    for (const q of [...(this.holders.get(pivot) ?? [])]) {
      const row = this.rows.get(q)!;
      const f = row.get(pivot)!;
      for (const [c, x] of r) {
        const y = (row.get(c) ?? 0) - f * x;
        if (Math.abs(y) > EPS) {
          if (!row.has(c)) this.hold(c, q);
          row.set(c, y);
        } else if (row.has(c)) {
          row.delete(c);
          this.holders.get(c)?.delete(q);
        }
      }
    }
    this.rows.set(pivot, r);
    for (const c of r.keys()) this.hold(c, pivot);
  }

  private hold(c: number, q: number): void {
    let h = this.holders.get(c);
    if (!h) this.holders.set(c, (h = new Set()));
    h.add(q);
  }

  /** Columns whose unit vector is in the space. */
  unitColumns(): number[] {
    const out: number[] = [];
    for (const [p, r] of this.rows) if (r.size === 1) out.push(p);
    return out;
  }
}
