/**
 * The reparametrised model of a family on a problem (docs/theory.md §4.7): θ ↦ w = φ(θ), the
 * gradient of L(φ(θ)) by the chain rule, and the largest Noether charge |Q| (balance).
 *
 *   product(K)  θ = (u_1, …, u_K) ∈ (ℝ^d)^K, w = u_1 ⊙ ⋯ ⊙ u_K,   Q_j = u_j² − u_{j+1}² (entrywise)
 *   group       θ = (v ∈ ℝ^d, s ∈ ℝ^groups), w_i = v_i s_g(i),    Q_g = ‖v_g‖² − s_g²
 *   factor(K)   θ = (M_1 p×r, M_2…M_{K−1} r×r, M_K r×q), W = M_1⋯M_K, Q_j = M_jᵀM_j − M_{j+1}M_{j+1}ᵀ
 */
import type { Family } from './family';
import type { Problem } from './problem';

export interface Model {
  readonly size: number;
  readonly phi: (theta: Float64Array) => Float64Array;
  /** ∇_θ L(φ(θ)) from ∇_w L at w = φ(θ). */
  readonly pullback: (theta: Float64Array, gw: Float64Array) => Float64Array;
  /** max |Q| over the charges. */
  readonly charge: (theta: Float64Array) => number;
}

type Mat = { rows: number; cols: number; data: Float64Array };
const matOf = (rows: number, cols: number, data: Float64Array): Mat => ({ rows, cols, data });
function mm(a: Mat, b: Mat, ta = false, tb = false): Mat {
  const [m, k] = ta ? [a.cols, a.rows] : [a.rows, a.cols];
  const n = tb ? b.rows : b.cols;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++)
        s +=
          (ta ? a.data[l * a.cols + i]! : a.data[i * a.cols + l]!) *
          (tb ? b.data[j * b.cols + l]! : b.data[l * b.cols + j]!);
      out[i * n + j] = s;
    }
  return matOf(m, n, out);
}
const eye = (n: number): Mat => {
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) d[i * n + i] = 1;
  return matOf(n, n, d);
};

export function model(f: Family, p: Problem): Model {
  const d = p.d;
  if (f.kind === 'product') {
    const K = f.depth;
    const phi = (t: Float64Array): Float64Array => {
      const w = new Float64Array(d).fill(1);
      for (let j = 0; j < K; j++) for (let i = 0; i < d; i++) w[i]! *= t[j * d + i]!;
      return w;
    };
    return {
      size: K * d,
      phi,
      pullback: (t, gw) => {
        const g = new Float64Array(K * d);
        for (let j = 0; j < K; j++)
          for (let i = 0; i < d; i++) {
            let prod = gw[i]!;
            for (let k = 0; k < K; k++) if (k !== j) prod *= t[k * d + i]!;
            g[j * d + i] = prod;
          }
        return g;
      },
      charge: (t) => {
        let q = 0;
        for (let j = 0; j + 1 < K; j++)
          for (let i = 0; i < d; i++)
            q = Math.max(q, Math.abs(t[j * d + i]! ** 2 - t[(j + 1) * d + i]! ** 2));
        return q;
      },
    };
  }
  if (f.kind === 'group') {
    const G = p.group ?? 1,
      groups = d / G;
    return {
      size: d + groups,
      phi: (t) => Float64Array.from({ length: d }, (_, i) => t[i]! * t[d + Math.floor(i / G)]!),
      pullback: (t, gw) => {
        const g = new Float64Array(d + groups);
        for (let i = 0; i < d; i++) {
          const k = Math.floor(i / G);
          g[i] = gw[i]! * t[d + k]!;
          g[d + k]! += gw[i]! * t[i]!;
        }
        return g;
      },
      charge: (t) => {
        let q = 0;
        for (let k = 0; k < groups; k++) {
          let v2 = 0;
          for (let i = k * G; i < (k + 1) * G; i++) v2 += t[i]! ** 2;
          q = Math.max(q, Math.abs(v2 - t[d + k]! ** 2));
        }
        return q;
      },
    };
  }
  const [rows, cols] = p.shape!;
  const r = Math.min(rows, cols),
    K = f.depth;
  const shapes = Array.from({ length: K }, (_, j): [number, number] => [
    j === 0 ? rows : r,
    j === K - 1 ? cols : r,
  ]);
  const offsets = shapes.reduce<number[]>((o, [a, b], j) => [...o, o[j]! + a * b], [0]);
  const factorsOf = (t: Float64Array): Mat[] =>
    shapes.map(([a, b], j) => matOf(a, b, t.subarray(offsets[j]!, offsets[j + 1]!)));
  /** Products M_1⋯M_j for j = 0…K (j = 0: the identity). */
  const prefixes = (ms: Mat[]): Mat[] => ms.reduce<Mat[]>((ps, m, j) => [...ps, mm(ps[j]!, m)], [eye(rows)]);
  return {
    size: offsets[K]!,
    phi: (t) => Float64Array.from(prefixes(factorsOf(t))[K]!.data),
    pullback: (t, gw) => {
      const ms = factorsOf(t);
      const pre = prefixes(ms);
      const G = matOf(rows, cols, gw);
      const g = new Float64Array(offsets[K]!);
      // Products M_{j+1}⋯M_K from the right (j = K − 1: the identity).
      let right = eye(cols);
      for (let j = K - 1; j >= 0; j--) {
        g.set(mm(mm(pre[j]!, G, true), right, false, true).data, offsets[j]!);
        right = mm(ms[j]!, right);
      }
      return g;
    },
    charge: (t) => {
      const ms = factorsOf(t);
      let q = 0;
      for (let j = 0; j + 1 < K; j++) {
        const a = mm(ms[j]!, ms[j]!, true),
          b = mm(ms[j + 1]!, ms[j + 1]!, false, true);
        for (let k = 0; k < a.data.length; k++) q = Math.max(q, Math.abs(a.data[k]! - b.data[k]!));
      }
      return q;
    },
  };
}
