/**
 * The standardisation kernels of the graph's `normalize` op (numeric/graph/ops.ts): each group of
 * entries to mean 0 and mean square 1, with ε = 0 so that scaling a group is an exact symmetry.
 *
 * A layout [outer, groups, inner] covers both normalisations: LayerNorm standardises each row of the
 * last axis (outer 1, a group per row, inner the row's length), BatchNorm each channel of [N, C, …]
 * over the batch and space (outer N, a group per channel, inner the spatial size). Every pass walks
 * the entries in memory order with one accumulator per group, so strided channels cost no gather.
 */
import { DegenerateSample } from '../errors';
import { DEGENERATE_SPREAD } from '../mlp';
import { sizeOf } from './shape';

/**
 * The groups of a normalisation: entry (o, g, s) is at (o·count + g)·inner + s and belongs to group
 * g, which has n = outer·inner entries.
 */
export interface NormGroups {
  readonly outer: number;
  readonly count: number;
  readonly inner: number;
  readonly n: number;
}

/** Rows of the last axis, or channels (axis 1) over the batch and the spatial axes. */
export function groupsOf(shape: readonly number[], groups: 'rows' | 'channels'): NormGroups {
  const inner = groups === 'rows' ? shape[shape.length - 1]! : sizeOf(shape, 2);
  const outer = groups === 'rows' ? 1 : shape[0]!;
  return { outer, count: sizeOf(shape) / (outer * inner), inner, n: outer * inner };
}

/** The flat index of entry j (0 ≤ j < n) of group r. */
export const entryOf = (g: NormGroups, r: number, j: number): number =>
  (Math.floor(j / g.inner) * g.count + r) * g.inner + (j % g.inner);

/** Mean and root mean square about it of group r (entry by entry: for the rules off the hot path). */
export function rowStats(a: Float64Array, g: NormGroups, r: number): { mean: number; s: number } {
  let mean = 0;
  for (let j = 0; j < g.n; j++) mean += a[entryOf(g, r, j)]!;
  mean /= g.n;
  let ms = 0;
  for (let j = 0; j < g.n; j++) ms += (a[entryOf(g, r, j)]! - mean) ** 2;
  return { mean, s: Math.sqrt(ms / g.n) };
}

/** Each group's root mean square about its mean, by the output array of the evaluation that made it. */
const spreads = new WeakMap<Float64Array, Float64Array>();

/*
 * The kernels run group by group, each pass one loop over the group's n entries with its sums in
 * registers: runs of `inner` consecutive entries, the first at r·inner, each next run `count · inner`
 * after the last (so BatchNorm after a dense layer, inner 1, is a plain strided loop).
 */

/** y = (a − mean)/s per group; refused when a group's spread is at rounding level of its entries. */
export function normalizeForward(g: NormGroups, label: string, a: Float64Array, y: Float64Array): void {
  const { count, inner, n } = g;
  // From the last entry of a run to the first of the next: the other groups' runs in between.
  const jump = (count - 1) * inner + 1;
  const spread = new Float64Array(count);
  for (let r = 0; r < count; r++) {
    let mean = 0,
      big = 0;
    for (let j = 0, i = r * inner, q = 0; j < n; j++, i = ++q === inner ? ((q = 0), i + jump) : i + 1) {
      mean += a[i]!;
      big = Math.max(big, Math.abs(a[i]!));
    }
    mean /= n;
    let ms = 0;
    for (let j = 0, i = r * inner, q = 0; j < n; j++, i = ++q === inner ? ((q = 0), i + jump) : i + 1)
      ms += (a[i]! - mean) ** 2;
    const s = Math.sqrt(ms / n);
    if (!(s > DEGENERATE_SPREAD * big))
      throw new DegenerateSample(`${label} of a group with (near-)zero variance is undefined (ε = 0)`);
    spread[r] = s;
    for (let j = 0, i = r * inner, q = 0; j < n; j++, i = ++q === inner ? ((q = 0), i + jump) : i + 1)
      y[i] = (a[i]! - mean) / s;
  }
  spreads.set(y, spread);
}

/** The spreads of the evaluation that gave y from a (recomputed if y was not made here). */
function spreadOf(g: NormGroups, a: Float64Array, y: Float64Array): Float64Array {
  const hit = spreads.get(y);
  if (hit) return hit;
  return Float64Array.from({ length: g.count }, (_, r) => rowStats(a, g, r).s);
}

/** ẏ = (ẋ − mean ẋ − y ⟨y, ẋ − mean ẋ⟩/n)/s per group. */
export function normalizeTangent(
  g: NormGroups,
  a: Float64Array,
  y: Float64Array,
  t: Float64Array,
  dy: Float64Array,
): void {
  const { count, inner, n } = g;
  // From the last entry of a run to the first of the next: the other groups' runs in between.
  const jump = (count - 1) * inner + 1;
  const spread = spreadOf(g, a, y);
  for (let r = 0; r < count; r++) {
    let md = 0;
    for (let j = 0, i = r * inner, q = 0; j < n; j++, i = ++q === inner ? ((q = 0), i + jump) : i + 1)
      md += t[i]!;
    md /= n;
    let sd = 0;
    for (let j = 0, i = r * inner, q = 0; j < n; j++, i = ++q === inner ? ((q = 0), i + jump) : i + 1)
      sd += y[i]! * (t[i]! - md);
    sd /= n;
    const s = spread[r]!;
    for (let j = 0, i = r * inner, q = 0; j < n; j++, i = ++q === inner ? ((q = 0), i + jump) : i + 1)
      dy[i] = (t[i]! - md - y[i]! * sd) / s;
  }
}

/**
 * The adjoints, group by group, with y = (x − mean)/s: x̄ = (ȳ − m₁ − y m₂)/s, m₁ = mean ȳ,
 * m₂ = mean(y ȳ) (the mean of y is 0). Along the direction,
 * R x̄ = (Rȳ − Rm₁ − ẏ m₂ − y Rm₂)/s − x̄ ṡ/s,
 * with Rm₁ = mean Rȳ, Rm₂ = mean(y Rȳ + ẏ ȳ) and ṡ = mean(y ẋ).
 */
export function normalizeBackward(
  g: NormGroups,
  a: Float64Array,
  y: Float64Array,
  dx: Float64Array | undefined,
  dy: Float64Array | undefined,
  gy: Float64Array,
  rgy: Float64Array | undefined,
  adj: Float64Array,
  radj: Float64Array | undefined,
): void {
  const { count, inner, n } = g;
  // From the last entry of a run to the first of the next: the other groups' runs in between.
  const jump = (count - 1) * inner + 1;
  const spread = spreadOf(g, a, y);
  const xbar = new Float64Array(n);
  for (let r = 0; r < count; r++) {
    const s = spread[r]!;
    let m1 = 0,
      m2 = 0;
    for (let j = 0, i = r * inner, q = 0; j < n; j++, i = ++q === inner ? ((q = 0), i + jump) : i + 1) {
      m1 += gy[i]!;
      m2 += y[i]! * gy[i]!;
    }
    m1 /= n;
    m2 /= n;
    if (!radj) {
      for (let j = 0, i = r * inner, q = 0; j < n; j++, i = ++q === inner ? ((q = 0), i + jump) : i + 1)
        adj[i]! += (gy[i]! - m1 - y[i]! * m2) / s;
      continue;
    }
    // x̄ (kept for R x̄) and, in the same pass, the sums of the R-adjoint.
    let r1 = 0,
      r2 = 0,
      sd = 0;
    for (let j = 0, i = r * inner, q = 0; j < n; j++, i = ++q === inner ? ((q = 0), i + jump) : i + 1) {
      const xb = (gy[i]! - m1 - y[i]! * m2) / s;
      xbar[j] = xb;
      adj[i]! += xb;
      r1 += rgy![i]!;
      r2 += y[i]! * rgy![i]! + dy![i]! * gy[i]!;
      sd += y[i]! * dx![i]!;
    }
    r1 /= n;
    r2 /= n;
    sd /= n;
    for (let j = 0, i = r * inner, q = 0; j < n; j++, i = ++q === inner ? ((q = 0), i + jump) : i + 1)
      radj[i]! += (rgy![i]! - r1 - dy![i]! * m2 - y[i]! * r2) / s - (xbar[j]! * sd) / s;
  }
}
