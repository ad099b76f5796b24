/**
 * Sparse linear systems modulo p: the kernel of rows (unknown → coefficient) by row reduction to a
 * reduced echelon form, one kernel vector per free unknown.
 */
import { addp, invp, mulp, P } from './modp';

export type Row = Map<number, number>;

/**
 * Row-reduced echelon form mod p of sparse rows: the unknowns forced to 0 (flags; pivots whose rows
 * say x_u = 0), and the other pivot rows keyed by pivot unknown.
 */
export function rref(
  rows: Iterable<Row>,
  n: number,
  zeros: Iterable<number> = [],
): { readonly forced: Uint8Array; readonly pivots: Map<number, Row> } {
  const pivots = new Map<number, Row>(); // pivot → row (1 at the pivot)
  const order: number[] = [];
  const created = new Map<number, number>();
  const { forced, live } = forceZeros(rows, zeros, n);
  for (const r of live) {
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
  return { forced, pivots };
}

/**
 * Most equations of a law search say one coefficient is zero. Propagate those first: a row with one
 * unknown forces it to 0; removing it from the other rows may leave them with one. Sweeps over the
 * rows until one forces nothing new (two or three here), a flag per unknown. Returns the flags and the
 * rows left (each with two unknowns or more, none forced), in their order.
 */
function forceZeros(
  rows: Iterable<Row>,
  zeros: Iterable<number>,
  n: number,
): { readonly forced: Uint8Array; readonly live: Row[] } {
  const forced = new Uint8Array(n);
  for (const u of zeros) forced[u] = 1;
  let live: Row[] = [];
  for (const r of rows) if (r.size > 0) live.push(r);
  for (let more = true; more;) {
    more = false;
    const next: Row[] = [];
    for (const r of live) {
      for (const u of r.keys()) if (forced[u]) r.delete(u);
      if (r.size === 1) {
        forced[r.keys().next().value as number] = 1;
        r.clear();
        more = true;
      } else if (r.size > 0) next.push(r);
    }
    live = next;
  }
  return { forced, live };
}

/** A basis of the kernel: for each free unknown f, x_f = 1, the other free 0, each pivot x_v = −row_v[f]. */
export function kernel(rows: Iterable<Row>, n: number, zeros: Iterable<number> = []): Row[] {
  const { forced, pivots } = rref(rows, n, zeros);
  const vectors = new Map<number, Row>();
  for (let u = 0; u < n; u++) if (!forced[u] && !pivots.has(u)) vectors.set(u, new Map([[u, 1]]));
  for (const [v, row] of pivots) for (const [w, x] of row) if (w !== v) vectors.get(w)!.set(v, P - x);
  return [...vectors.values()];
}
