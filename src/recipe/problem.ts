/**
 * Sampled regression problems for the recipe's trajectory check (docs/theory.md §4.7): linear least
 * squares L(w) = (1/2n)‖Aw − y‖² with Gaussian rows and a planted sparse, group-sparse or low-rank w*
 * (matrix sensing: row i of A is a Gaussian p × q measurement A_i read as a vector, w = vec W).
 */
import { rng } from '../../numeric/rng';
import type { Family } from './family';

export interface Problem {
  /** n × d, row-major. */
  readonly A: Float64Array;
  readonly y: Float64Array;
  readonly n: number;
  readonly d: number;
  /** Matrix shape of w (singular values), or groups of `group` consecutive entries. */
  readonly shape?: readonly [number, number];
  readonly group?: number;
}

/** Shapes of the sampled problems. */
export const PROBLEM_SIZES = { entries: 10, groups: 4, rows: 5, cols: 4, noise: 0.1 } as const;

export function sampleProblem(f: Family, seed: number): Problem {
  const r = rng(seed);
  const S = PROBLEM_SIZES;
  let d: number, truth: Float64Array;
  let shape: readonly [number, number] | undefined, group: number | undefined;
  const sgn = (): number => (r.next() < 0.5 ? -1 : 1);
  if (f.kind === 'product') {
    d = S.entries;
    truth = new Float64Array(d);
    for (const i of [0, 3, 7]) truth[i] = sgn() * (1 + r.next());
  } else if (f.kind === 'group') {
    group = f.size ?? 1;
    d = S.groups * group;
    truth = new Float64Array(d);
    for (const g of [0, 2]) for (let i = 0; i < group; i++) truth[g * group + i] = r.normal();
  } else {
    shape = [S.rows, S.cols];
    d = S.rows * S.cols;
    truth = new Float64Array(d);
    // Rank 2: a bᵀ + c eᵀ.
    const vec = (n: number): number[] => Array.from({ length: n }, () => r.normal());
    const [a, b, c, e] = [vec(S.rows), vec(S.cols), vec(S.rows), vec(S.cols)];
    for (let i = 0; i < S.rows; i++)
      for (let j = 0; j < S.cols; j++) truth[i * S.cols + j] = a[i]! * b[j]! + c[i]! * e[j]!;
  }
  const n = 4 * d;
  const A = new Float64Array(n * d);
  for (let k = 0; k < A.length; k++) A[k] = r.normal();
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += A[i * d + j]! * truth[j]!;
    y[i] = s + S.noise * r.normal();
  }
  return { A, y, n, d, ...(shape ? { shape } : {}), ...(group ? { group } : {}) };
}

/** L(w) and ∇L(w). */
export function loss(p: Problem, w: ArrayLike<number>): { value: number; grad: Float64Array } {
  const { A, y, n, d } = p;
  const grad = new Float64Array(d);
  let value = 0;
  for (let i = 0; i < n; i++) {
    let r = -y[i]!;
    for (let j = 0; j < d; j++) r += A[i * d + j]! * w[j]!;
    value += r * r;
    for (let j = 0; j < d; j++) grad[j]! += (A[i * d + j]! * r) / n;
  }
  return { value: value / (2 * n), grad };
}
