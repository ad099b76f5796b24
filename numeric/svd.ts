/**
 * Singular value decomposition by one-sided Jacobi (Hestenes): rotate pairs of columns of A until
 * they are orthogonal; the column norms are then the singular values, the rotations V, and the
 * normalised columns U. Small singular values come out with relative accuracy (no AᵀA is formed),
 * which the recipe's lower bounds and rank comparisons rely on. Dense, row-major, for small matrices.
 */

/** A = U diag(σ) Vᵀ: `u` m × r and `v` n × r column-major by singular value, σ descending, r = min(m, n). */
export interface Svd {
  readonly sigma: number[];
  /** u[k] is the k-th left singular vector (length m); zero for σ_k = 0. */
  readonly u: number[][];
  /** v[k] is the k-th right singular vector (length n). */
  readonly v: number[][];
}

/** Sweeps stop when every pair of columns is orthogonal to this relative precision. */
const SVD_TOLERANCE = 1e-15;
const SVD_MAX_SWEEPS = 80;

/** The SVD of an m × n matrix given as rows. */
export function svd(a: readonly (readonly number[])[]): Svd {
  const m = a.length,
    n = a[0]?.length ?? 0;
  if (m < n) {
    const t = svd(Array.from({ length: n }, (_, j) => a.map((row) => row[j]!)));
    return { sigma: t.sigma, u: t.v, v: t.u };
  }
  // Columns of A (working copy) and of V.
  const A = Array.from({ length: n }, (_, j) => Float64Array.from(a, (row) => row[j]!));
  const V = Array.from({ length: n }, (_, j) =>
    Float64Array.from({ length: n }, (__, i) => (i === j ? 1 : 0)),
  );
  for (let sweep = 0; sweep < SVD_MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const x = A[p]!,
          y = A[q]!;
        let alpha = 0,
          beta = 0,
          gamma = 0;
        for (let i = 0; i < m; i++) {
          alpha += x[i]! * x[i]!;
          beta += y[i]! * y[i]!;
          gamma += x[i]! * y[i]!;
        }
        if (gamma === 0 || Math.abs(gamma) <= SVD_TOLERANCE * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t),
          s = c * t;
        for (const M of [A, V]) {
          const X = M[p]!,
            Y = M[q]!;
          for (let i = 0; i < X.length; i++) {
            const xi = X[i]!,
              yi = Y[i]!;
            X[i] = c * xi - s * yi;
            Y[i] = s * xi + c * yi;
          }
        }
      }
    if (!rotated) break;
  }
  const norms = A.map((col) => Math.hypot(...col));
  const order = norms.map((_, j) => j).sort((i, j) => norms[j]! - norms[i]!);
  return {
    sigma: order.map((j) => norms[j]!),
    u: order.map((j) => Array.from(A[j]!, (x) => (norms[j]! > 0 ? x / norms[j]! : 0))),
    v: order.map((j) => Array.from(V[j]!)),
  };
}

/** The singular values of a matrix, descending. */
export const singularValues = (a: readonly (readonly number[])[]): number[] => svd(a).sigma;
