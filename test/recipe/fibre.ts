/**
 * Brute force for the recipe tests, independent of src/recipe: the cheapest factorisation of w by
 * Nelder–Mead over the free factors (the last one is solved from φ = w), from several starts.
 */
import { rng } from '../../numeric/rng';

/** Nelder–Mead on f from x0 (the standard coefficients), to a simplex of relative size 1e-13. */
export function nelderMead(f: (x: number[]) => number, x0: number[], iterations = 20_000): number {
  const n = x0.length;
  let simplex = [x0, ...x0.map((_, i) => x0.map((x, j) => (i === j ? x + 0.2 * (Math.abs(x) + 0.1) : x)))];
  let values = simplex.map(f);
  for (let it = 0; it < iterations; it++) {
    const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
    simplex = order.map((i) => simplex[i]!);
    values = order.map((i) => values[i]!);
    if (Math.abs(values[n]! - values[0]!) <= 1e-15 * (Math.abs(values[0]!) + 1e-300)) break;
    const centroid = x0.map((_, j) => simplex.slice(0, n).reduce((s, p) => s + p[j]!, 0) / n);
    const along = (t: number): number[] => centroid.map((c, j) => c + t * (simplex[n]![j]! - c));
    const r = along(-1),
      fr = f(r);
    if (fr < values[0]!) {
      const e = along(-2),
        fe = f(e);
      [simplex[n], values[n]] = fe < fr ? [e, fe] : [r, fr];
    } else if (fr < values[n - 1]!) [simplex[n], values[n]] = [r, fr];
    else {
      const c = along(0.5),
        fc = f(c);
      if (fc < values[n]!) [simplex[n], values[n]] = [c, fc];
      else {
        simplex = simplex.map((p) => p.map((x, j) => simplex[0]![j]! + 0.5 * (x - simplex[0]![j]!)));
        values = simplex.map(f);
      }
    }
  }
  return Math.min(...values);
}

/** min over u_1⋯u_K = w of Σu_j² (u_K = w / Π others), best of several seeded starts. */
export function productFibreMin(w: number, K: number, seed: number): number {
  const r = rng(seed);
  const cost = (x: number[]): number => {
    const p = x.reduce((a, b) => a * b, 1);
    return x.reduce((s, y) => s + y * y, 0) + (w / p) ** 2;
  };
  let best = Infinity;
  for (let start = 0; start < 4; start++)
    best = Math.min(
      best,
      nelderMead(
        cost,
        Array.from({ length: K - 1 }, () => 0.5 + r.next()),
      ),
    );
  return best;
}

/** min over s·v = w_g of s² + ‖v‖² (v = w_g / s): a one-dimensional search in s. */
export function groupFibreMin(wg: readonly number[]): number {
  const n2 = wg.reduce((s, x) => s + x * x, 0);
  return nelderMead(([s]) => s! * s! + n2 / (s! * s!), [1]);
}

/** min over U Vᵀ = W (U, V square 2 × 2, V = (U⁻¹W)ᵀ) of ‖U‖² + ‖V‖². */
export function factorFibreMin(W: readonly (readonly number[])[], seed: number): number {
  const r = rng(seed);
  const cost = ([a, b, c, d]: number[]): number => {
    const det = a! * d! - b! * c!;
    if (Math.abs(det) < 1e-12) return Infinity;
    // U⁻¹ W, with U = [[a, b], [c, d]].
    const inv = [
      [d! / det, -b! / det],
      [-c! / det, a! / det],
    ];
    let v = 0;
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) v += (inv[i]![0]! * W[0]![j]! + inv[i]![1]! * W[1]![j]!) ** 2;
    return a! * a! + b! * b! + c! * c! + d! * d! + v;
  };
  let best = Infinity;
  for (let start = 0; start < 6; start++)
    best = Math.min(
      best,
      nelderMead(cost, [1 + r.normal() * 0.3, r.normal() * 0.3, r.normal() * 0.3, 1 + r.normal() * 0.3]),
    );
  return best;
}
