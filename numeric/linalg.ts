/**
 * Dense float64 matrices (row-major Float64Array) and the three products a dense layer needs,
 * each written so that its inner loop runs over contiguous memory. Products large enough to repay
 * the copies run on the WebAssembly SIMD kernels (numeric/kernels.ts), whose results are identical
 * bit for bit (NaN payloads aside) to the JavaScript loops here (`jsKernels`, kept as the
 * reference and the fallback).
 */
import { arenaArray, simdAddAB, simdAddAtB, simdMulABt } from './kernels';

/** A dense float64 matrix, row-major: entry (i, j) is data[i * cols + j]. */
export interface Mat {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/**
 * A rows × cols matrix over `data`, or zeroed: in the open kernel arena when there is one (see
 * numeric/kernels.ts `withArena`; such a matrix must not outlive it), else on the heap.
 */
export const mat = (rows: number, cols: number, data?: Float64Array): Mat => ({
  rows,
  cols,
  data: data ?? arenaArray(rows * cols) ?? new Float64Array(rows * cols),
});

/**
 * Below this many multiply-adds a product stays in JavaScript: copying the operands into the
 * WebAssembly memory and the call cost more than they save (bench/kernels.js measures the crossover).
 */
const SIMD_MIN_WORK = 4096;

/**
 * Whether a product goes to the WebAssembly kernels: enough work, and not a C under four rows or
 * columns summed over few steps — every 4×4 tile would be partial and go through the kernels'
 * scalar edge path (measured 2–9× slower than the JavaScript loop for 1×4096 outputs of 1 step).
 */
const simd = (rows: number, cols: number, steps: number): boolean =>
  rows * cols * steps >= SIMD_MIN_WORK && (steps >= 32 || (rows >= 4 && cols >= 4));

/** A zeroed vector of n entries, in the open kernel arena when there is one (as `mat`). */
export const zeros = (n: number): Float64Array => arenaArray(n) ?? new Float64Array(n);

/** C = A Bᵀ (A: n×k, B: m×k → n×m), optionally accumulated into C. */
export function mulABt(A: Mat, B: Mat, C: Mat = mat(A.rows, B.rows), accumulate = false): Mat {
  if (simd(A.rows, B.rows, A.cols) && simdMulABt(A.data, B.data, C.data, A.rows, B.rows, A.cols, accumulate))
    return C;
  return mulABtJs(A, B, C, accumulate);
}

/** C += Aᵀ B (A: n×m, B: n×k → m×k). */
export function addAtB(A: Mat, B: Mat, C: Mat): Mat {
  if (simd(A.cols, B.cols, A.rows) && simdAddAtB(A.data, B.data, C.data, A.rows, A.cols, B.cols)) return C;
  return addAtBJs(A, B, C);
}

/** C += A B (A: n×m, B: m×k → n×k). */
export function addAB(A: Mat, B: Mat, C: Mat): Mat {
  if (simd(A.rows, B.cols, A.cols) && simdAddAB(A.data, B.data, C.data, A.rows, A.cols, B.cols)) return C;
  return addABJs(A, B, C);
}

/** C = A Bᵀ in JavaScript. Four rows of B at a time, so each element of A is loaded once per four
 * dot products. */
function mulABtJs(A: Mat, B: Mat, C: Mat = mat(A.rows, B.rows), accumulate = false): Mat {
  mulABtAt(A.data, 0, B.data, 0, C.data, 0, A.rows, B.rows, A.cols, accumulate);
  return C;
}

/**
 * `mulABtJs` on the n×k block of a at aOff, the m×k block of b at bOff and the n×m block of c at
 * cOff: the same sums in the same order (the offsets only move where each row starts).
 */
function mulABtAt(
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  c: Float64Array,
  cOff: number,
  n: number,
  m: number,
  k: number,
  accumulate: boolean,
): void {
  for (let i = 0; i < n; i++) {
    const ai = aOff + i * k;
    const ci = cOff + i * m;
    let j = 0;
    for (; j + 3 < m; j += 4) {
      const b0 = bOff + j * k,
        b1 = b0 + k,
        b2 = b1 + k,
        b3 = b2 + k;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let t = 0; t < k; t++) {
        const x = a[ai + t]!;
        s0 += x * b[b0 + t]!;
        s1 += x * b[b1 + t]!;
        s2 += x * b[b2 + t]!;
        s3 += x * b[b3 + t]!;
      }
      if (accumulate) {
        c[ci + j]! += s0;
        c[ci + j + 1]! += s1;
        c[ci + j + 2]! += s2;
        c[ci + j + 3]! += s3;
      } else {
        c[ci + j] = s0;
        c[ci + j + 1] = s1;
        c[ci + j + 2] = s2;
        c[ci + j + 3] = s3;
      }
    }
    for (; j < m; j++) {
      const bj = bOff + j * k;
      let s = 0;
      for (let t = 0; t < k; t++) s += a[ai + t]! * b[bj + t]!;
      c[ci + j] = accumulate ? c[ci + j]! + s : s;
    }
  }
}

/**
 * C += Aᵀ B in JavaScript: C[j][t] = ((C[j][t] + A[0][j]B[0][t]) + A[1][j]B[1][t]) + …, every
 * term added in order of the row of A (no term skipped, so 0·∞ is NaN as in IEEE arithmetic). Two
 * entries of C at a time, each held in a variable through its sum.
 */
function addAtBJs(A: Mat, B: Mat, C: Mat): Mat {
  addAtBAt(A.data, 0, B.data, 0, C.data, 0, A.rows, A.cols, B.cols);
  return C;
}

/** `addAtBJs` on blocks at offsets (A: n×m at aOff, B: n×k at bOff, C: m×k at cOff), as `mulABtAt`. */
function addAtBAt(
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  c: Float64Array,
  cOff: number,
  n: number,
  m: number,
  k: number,
): void {
  for (let j = 0; j < m; j++) {
    const cj = cOff + j * k;
    let t = 0;
    for (; t + 1 < k; t += 2) {
      let x = c[cj + t]!,
        y = c[cj + t + 1]!;
      for (let i = 0, ai = aOff + j, bi = bOff + t; i < n; i++, ai += m, bi += k) {
        const s = a[ai]!;
        x += s * b[bi]!;
        y += s * b[bi + 1]!;
      }
      c[cj + t] = x;
      c[cj + t + 1] = y;
    }
    if (t < k) {
      let x = c[cj + t]!;
      for (let i = 0, ai = aOff + j, bi = bOff + t; i < n; i++, ai += m, bi += k) x += a[ai]! * b[bi]!;
      c[cj + t] = x;
    }
  }
}

/**
 * C += A B in JavaScript: C[i][t] = ((C[i][t] + A[i][0]B[0][t]) + A[i][1]B[1][t]) + …, every term
 * added in order of the column of A; two entries of C at a time, as in `addAtBJs`.
 */
function addABJs(A: Mat, B: Mat, C: Mat): Mat {
  addABAt(A.data, 0, B.data, 0, C.data, 0, A.rows, A.cols, B.cols);
  return C;
}

/** `addABJs` on blocks at offsets (A: n×m at aOff, B: m×k at bOff, C: n×k at cOff), as `mulABtAt`. */
function addABAt(
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  c: Float64Array,
  cOff: number,
  n: number,
  m: number,
  k: number,
): void {
  for (let i = 0; i < n; i++) {
    const ci = cOff + i * k,
      ai = aOff + i * m;
    let t = 0;
    for (; t + 1 < k; t += 2) {
      let x = c[ci + t]!,
        y = c[ci + t + 1]!;
      for (let j = 0, bj = bOff + t; j < m; j++, bj += k) {
        const s = a[ai + j]!;
        x += s * b[bj]!;
        y += s * b[bj + 1]!;
      }
      c[ci + t] = x;
      c[ci + t + 1] = y;
    }
    if (t < k) {
      let x = c[ci + t]!;
      for (let j = 0, bj = bOff + t; j < m; j++, bj += k) x += a[ai + j]! * b[bj]!;
      c[ci + t] = x;
    }
  }
}

/**
 * `count` products of the same shape over consecutive blocks of a, b and c (block q of each at q
 * times its size), each the one `mulABt` (accumulating), `addAtB` or `addAB` computes on its block:
 * C += A Bᵀ (A m×k, B n×k), C += Aᵀ B (A k×m, B k×n) or C += A B (A m×k, B k×n), C m×n. Products
 * the WebAssembly kernels would take go there on views of the blocks; the others run the JavaScript
 * loop at the blocks' offsets, without a view or a matrix record per block (a transformer's heads
 * are many products of a few entries each).
 */
export function batchedProducts(
  form: 'ABt' | 'AtB' | 'AB',
  count: number,
  m: number,
  n: number,
  k: number,
  a: Float64Array,
  b: Float64Array,
  c: Float64Array,
): void {
  const [aLen, bLen, cLen] = [m * k, k * n, m * n];
  if (simd(m, n, k)) {
    const part = (x: Float64Array, q: number, len: number): Float64Array =>
      count === 1 ? x : x.subarray(q * len, (q + 1) * len);
    for (let q = 0; q < count; q++) {
      const [A, B, C] = [part(a, q, aLen), part(b, q, bLen), mat(m, n, part(c, q, cLen))];
      if (form === 'ABt') mulABt(mat(m, k, A), mat(n, k, B), C, true);
      else if (form === 'AtB') addAtB(mat(k, m, A), mat(k, n, B), C);
      else addAB(mat(m, k, A), mat(k, n, B), C);
    }
    return;
  }
  for (let q = 0; q < count; q++) {
    const [ao, bo, co] = [q * aLen, q * bLen, q * cLen];
    if (form === 'ABt') mulABtAt(a, ao, b, bo, c, co, m, n, k, true);
    else if (form === 'AtB') addAtBAt(a, ao, b, bo, c, co, k, m, n);
    else addABAt(a, ao, b, bo, c, co, m, k, n);
  }
}

/** The JavaScript products: the reference the WebAssembly kernels are tested against bit for bit. */
export const jsKernels = { mulABt: mulABtJs, addAtB: addAtBJs, addAB: addABJs } as const;

/**
 * A sum of squares at or above this is free of underflow that matters: entries whose squares fell
 * below the double range lose at most n·2⁻¹⁰⁷⁴ of it, relative n·1e-73.
 */
const SQUARES_SAFE_MIN = 1e-250;
/** Whether √s is the norm of the values whose squares summed to s (nothing lost below or above the range). */
export const squaresInRange = (s: number): boolean => s >= SQUARES_SAFE_MIN && s < Infinity;

/**
 * The 2-norm of the values at(0), …, at(count − 1), without spurious underflow or overflow: the
 * plain √Σ at(i)² where that sum lies safely inside the double range (then the same bits), otherwise
 * scaled by the largest |at(i)| — entries of 1e-200, whose squares underflow to 0, or of 1e200, whose
 * squares overflow to ∞, would make a norm of 0 or ∞ out of finite, nonzero values. NaN stays NaN.
 */
export function norm2Of(count: number, at: (i: number) => number): number {
  let s = 0;
  for (let i = 0; i < count; i++) s += at(i) ** 2;
  return squaresInRange(s) ? Math.sqrt(s) : scaledNorm(count, at);
}

/**
 * ‖x‖₂, as {@link norm2Of}: √Σ x_i² in range, scaled outside it. The sum of squares is a loop of its
 * own: through norm2Of's closure, in code that calls norm2Of with many closures (a mirror check), each
 * entry came back as a boxed number (227 MB of them in one check).
 */
export const norm2 = (x: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! ** 2;
  return squaresInRange(s) ? Math.sqrt(s) : scaledNorm(x.length, (i) => x[i]!);
};

/** The norm scaled by the largest magnitude m: m·√Σ (at(i)/m)², each quotient at most 1. */
function scaledNorm(count: number, at: (i: number) => number): number {
  let m = 0;
  for (let i = 0; i < count; i++) {
    const a = Math.abs(at(i));
    if (Number.isNaN(a)) return NaN;
    if (a > m) m = a;
  }
  if (m === 0 || !Number.isFinite(m)) return m;
  let s = 0;
  for (let i = 0; i < count; i++) s += (at(i) / m) ** 2;
  return m * Math.sqrt(s);
}

export function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/**
 * Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations with threshold (Golub
 * and Van Loan §8.5; Numerical Recipes `jacobi`): the eigenvalues and orthonormal eigenvectors,
 * vectors[j] belonging to values[j] (in no particular order). Only the symmetric part (A + Aᵀ)/2 is
 * read. Scale-invariant: the matrix is scaled by a power of two (exactly) to a largest entry in
 * [1, 2), sweeps stop when the off-diagonal Frobenius norm falls to JACOBI_TOLERANCE·‖A‖_F, and an
 * element negligible next to both its diagonal entries is set to 0 rather than rotated. A
 * non-finite entry gives NaN values and vectors.
 */
export function symmetricEigen(a: readonly (readonly number[])[]): { values: number[]; vectors: number[][] } {
  /** Sweeps stop once the off-diagonal Frobenius norm is at most this fraction of ‖A‖_F. */
  const JACOBI_TOLERANCE = Number.EPSILON;
  const n = a.length;
  let big = 0,
    finite = true;
  for (const row of a)
    for (let j = 0; j < n; j++) {
      const x = Math.abs(row[j]!);
      if (!Number.isFinite(x)) finite = false;
      else if (x > big) big = x;
    }
  if (!finite) return { values: a.map(() => NaN), vectors: a.map(() => a.map(() => NaN)) };
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  if (big === 0) return { values: a.map(() => 0), vectors: columnsOf(V, n) };
  // Scale by 2^(-e) in two exact steps (2^1074 itself would overflow).
  const e = Math.floor(Math.log2(big));
  const up1 = 2 ** -Math.trunc(e / 2),
    up2 = 2 ** (Math.trunc(e / 2) - e);
  // and the way back, in the same two steps
  const down1 = 1 / up1,
    down2 = 1 / up2;
  const m = new Float64Array(n * n);
  let norm2 = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const x = 0.5 * (a[i]![j]! * up1 * up2 + a[j]![i]! * up1 * up2);
      m[i * n + j] = x;
      norm2 += x * x;
    }
  const d = new Float64Array(n),
    b = new Float64Array(n),
    z = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = b[i] = m[i * n + i]!;
  const limit = (JACOBI_TOLERANCE * JACOBI_TOLERANCE * norm2) / 2;
  jacobiSweeps(m, V, d, b, z, n, limit);
  return { values: Array.from(d, (x) => x * down2 * down1), vectors: columnsOf(V, n) };
}

/**
 * The cyclic Jacobi sweeps of {@link symmetricEigen} on m (n × n, rotated in place), accumulating the
 * rotations in V and the diagonal in d (b, z its running sums). A function of its own with nothing
 * after its loop: code after a loop compiled on the stack has no type feedback yet, and meeting it
 * there threw the compiled sweeps away at the end of every call (Node 20 and 22 alike, 24–90 times
 * in one mirror check).
 */
function jacobiSweeps(
  m: Float64Array,
  V: Float64Array,
  d: Float64Array,
  b: Float64Array,
  z: Float64Array,
  n: number,
  limit: number,
): void {
  /** Cyclic Jacobi converges quadratically: matrices of order ≤ 30 take at most about 11 sweeps. */
  const JACOBI_MAX_SWEEPS = 60;
  for (let sweep = 0; sweep < JACOBI_MAX_SWEEPS; sweep++) {
    let off2 = 0,
      sum = 0;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const x = m[p * n + q]!;
        off2 += x * x;
        sum += Math.abs(x);
      }
    if (off2 <= limit) break;
    // The first sweeps rotate only the larger elements; then every element that is not negligible.
    const threshold = sweep < 3 ? (0.2 * sum) / (n * n) : 0;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        const g = 100 * Math.abs(apq);
        const dp = Math.abs(d[p]!),
          dq = Math.abs(d[q]!);
        if (sweep > 3 && dp + g === dp && dq + g === dq) {
          m[p * n + q] = m[q * n + p] = 0;
          continue;
        }
        if (!(Math.abs(apq) > threshold)) continue;
        let h = d[q]! - d[p]!;
        let t: number;
        if (Math.abs(h) + g === Math.abs(h)) t = apq / h;
        else {
          const theta = (0.5 * h) / apq;
          t = 1 / (Math.abs(theta) + Math.sqrt(1 + theta * theta));
          if (theta < 0) t = -t;
        }
        const c = 1 / Math.sqrt(1 + t * t),
          s = t * c,
          tau = s / (1 + c);
        h = t * apq;
        z[p]! -= h;
        z[q]! += h;
        d[p]! -= h;
        d[q]! += h;
        m[p * n + q] = m[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          if (k !== p && k !== q) {
            const x = m[k * n + p]!,
              y = m[k * n + q]!;
            m[k * n + p] = m[p * n + k] = x - s * (y + x * tau);
            m[k * n + q] = m[q * n + k] = y + s * (x - y * tau);
          }
          const x = V[k * n + p]!,
            y = V[k * n + q]!;
          V[k * n + p] = x - s * (y + x * tau);
          V[k * n + q] = y + s * (x - y * tau);
        }
      }
    // Fold the sweep's diagonal updates in once (Numerical Recipes), for less rounding.
    for (let i = 0; i < n; i++) {
      b[i]! += z[i]!;
      d[i] = b[i]!;
      z[i] = 0;
    }
  }
}

/** The columns of a row-major n × n matrix, as arrays. */
function columnsOf(V: Float64Array, n: number): number[][] {
  return Array.from({ length: n }, (_, j) => Array.from({ length: n }, (__, k) => V[k * n + j]!));
}

/** Smallest eigenvalue of a small symmetric matrix. */
export const minEigen = (a: readonly (readonly number[])[]): number => Math.min(...symmetricEigen(a).values);

/** Orthonormal basis of the span of some vectors (Gram–Schmidt, dropping dependent ones). */
export function orthonormal(vs: readonly Float64Array[]): Float64Array[] {
  const O: Float64Array[] = [];
  for (const v0 of vs) {
    const v = Float64Array.from(v0);
    for (const o of O) {
      const c = dot(o, v);
      for (let i = 0; i < v.length; i++) v[i]! -= c * o[i]!;
    }
    const n = Math.sqrt(dot(v, v));
    if (n > 1e-9) O.push(v.map((x) => x / n));
  }
  return O;
}

export /** Solve A x = b (Gaussian elimination with partial pivoting). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const a = A.map((row, i) => [...row, b[i]!]);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i]![k]!) > Math.abs(a[p]![k]!)) p = i;
    [a[k], a[p]] = [a[p]!, a[k]!];
    const piv = a[k]![k]!;
    for (let i = k + 1; i < n; i++) {
      const f = a[i]![k]! / piv;
      if (f !== 0) for (let j = k; j <= n; j++) a[i]![j]! -= f * a[k]![j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--)
    x[i] = (a[i]![n]! - a[i]!.slice(i + 1, n).reduce((s, y, j) => s + y * x[i + 1 + j]!, 0)) / a[i]![i]!;
  return x;
}
