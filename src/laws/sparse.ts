/**
 * Sparse linear systems modulo p: the kernel of rows (unknown → coefficient) by row reduction to a
 * reduced echelon form, one kernel vector per free unknown.
 */
import { addp, invp, mulp, P } from './modp';

export type Row = Map<number, number>;

/** Row-reduced echelon form mod p of sparse rows; returns pivot rows keyed by pivot unknown. */
export function rref(rows: Iterable<Row>, zeros: Iterable<number> = []): Map<number, Row> {
  const pivots = new Map<number, Row>(); // pivot → row (1 at the pivot)
  const order: number[] = [];
  const created = new Map<number, number>();
  for (const r of forceZeros(rows, zeros, pivots, order, created)) {
    // reduce by existing pivots, oldest first (a row holds no pivot older than its own)
    for (;;) {
      let best = -1;
      let bestAge = Infinity;
      for (const v of r.keys()) {
        const age = created.get(v);
        if (age !== undefined && age < bestAge) {
          bestAge = age;
          best = v;
        }
      }
      if (best < 0) break;
      const c = r.get(best)!;
      for (const [w, x] of pivots.get(best)!) {
        const s = addp(r.get(w) ?? 0, mulp(P - c, x));
        if (s === 0) r.delete(w);
        else r.set(w, s);
      }
    }
    if (r.size === 0) continue;
    let piv = -1;
    for (const v of r.keys()) if (v > piv) piv = v;
    const inv = invp(r.get(piv)!);
    for (const [w, x] of r) r.set(w, mulp(x, inv));
    created.set(piv, order.length);
    order.push(piv);
    pivots.set(piv, r);
  }
  // back-substitution: newest pivots first, so each row ends with its pivot and free unknowns only
  for (let i = order.length - 1; i >= 0; i--) {
    const row = pivots.get(order[i]!)!;
    // newer pivots in this row; their rows already hold free unknowns only, so one pass suffices
    const newer = [...row.keys()].filter((v) => created.get(v)! > i);
    for (const v of newer) {
      const c = row.get(v)!;
      row.delete(v);
      for (const [w, x] of pivots.get(v)!) {
        if (w === v) continue;
        const s = addp(row.get(w) ?? 0, mulp(P - c, x));
        if (s === 0) row.delete(w);
        else row.set(w, s);
      }
    }
  }
  return pivots;
}

/**
 * Most equations of a law search say one coefficient is zero. Propagate those first: a row with one
 * unknown makes it a pivot with value 0; removing it from the other rows may leave them with one.
 * Returns the rows left (each with two unknowns or more).
 */
function forceZeros(
  rows: Iterable<Row>,
  zeros: Iterable<number>,
  pivots: Map<number, Row>,
  order: number[],
  created: Map<number, number>,
): Row[] {
  const all = [...[...zeros].map((u): Row => new Map([[u, 1]])), ...rows].filter((r) => r.size > 0);
  const containing = new Map<number, number[]>();
  all.forEach((r, i) => {
    for (const u of r.keys()) {
      let l = containing.get(u);
      if (!l) containing.set(u, (l = []));
      l.push(i);
    }
  });
  const queue = all.flatMap((r, i) => (r.size === 1 ? [i] : []));
  while (queue.length > 0) {
    const r = all[queue.pop()!]!;
    if (r.size !== 1) continue;
    const u = r.keys().next().value as number;
    if (pivots.has(u)) continue;
    created.set(u, order.length);
    order.push(u);
    pivots.set(u, new Map([[u, 1]]));
    for (const i of containing.get(u)!) {
      const row = all[i]!;
      if (!row.delete(u)) continue;
      if (row.size === 1) queue.push(i);
    }
  }
  return all.filter((r) => r.size > 0);
}

/** A basis of the kernel: for each free unknown f, x_f = 1, the other free 0, each pivot x_v = −row_v[f]. */
export function kernel(rows: Iterable<Row>, n: number, zeros: Iterable<number> = []): Row[] {
  const pivots = rref(rows, zeros);
  const vectors = new Map<number, Row>();
  for (let u = 0; u < n; u++) if (!pivots.has(u)) vectors.set(u, new Map([[u, 1]]));
  for (const [v, row] of pivots) for (const [w, x] of row) if (w !== v) vectors.get(w)!.set(v, P - x);
  return [...vectors.values()];
}
