/**
 * The penalised problem min_w L(w) + μ·P(w) solved directly in w, independently of any
 * reparametrisation (docs/theory.md §4.7): the penalty's value, proximal gradient descent with the
 * penalty's proximal map when it is convex (soft thresholding for L1, block soft thresholding for
 * groups, singular value thresholding for the nuclear norm), and the first-order residual of a point
 * on its support (the test for the non-convex exponents < 1, where no global solver is claimed).
 */
import { symmetricEigen } from '../../numeric/linalg';
import { svd } from '../../numeric/svd';
import type { PenaltyDomain } from './penalty';
import { loss, type Problem } from './problem';

/** A penalty on a problem: its domain, exponent and strength μ. */
export interface PenaltySpec {
  readonly domain: PenaltyDomain;
  readonly exponent: number;
  readonly mu: number;
}

/** Magnitudes the penalty acts on: |w_i|, ‖w_g‖ or σ_i(W). */
export function magnitudes(p: Problem, domain: PenaltyDomain, w: ArrayLike<number>): number[] {
  if (domain === 'entry') return Array.from(w, Math.abs);
  if (domain === 'group') {
    const G = p.group ?? 1;
    return Array.from({ length: p.d / G }, (_, k) => Math.hypot(...Array.from(w).slice(k * G, (k + 1) * G)));
  }
  const [rows, cols] = p.shape!;
  return svd(Array.from({ length: rows }, (_, i) => Array.from(w).slice(i * cols, (i + 1) * cols))).sigma;
}

/** F(w) = L(w) + μ Σ magnitude^exponent. */
export function objective(p: Problem, s: PenaltySpec, w: ArrayLike<number>): number {
  return loss(p, w).value + s.mu * magnitudes(p, s.domain, w).reduce((a, x) => a + x ** s.exponent, 0);
}

/** The proximal map of t·Σ magnitude (exponent 1). */
function prox(p: Problem, domain: PenaltyDomain, z: Float64Array, t: number): Float64Array {
  if (domain === 'entry') return z.map((x) => Math.sign(x) * Math.max(Math.abs(x) - t, 0));
  if (domain === 'group') {
    const G = p.group ?? 1;
    const out = new Float64Array(z.length);
    for (let k = 0; k < z.length / G; k++) {
      const norm = Math.hypot(...z.subarray(k * G, (k + 1) * G));
      const f = norm > t ? 1 - t / norm : 0;
      for (let i = k * G; i < (k + 1) * G; i++) out[i] = f * z[i]!;
    }
    return out;
  }
  const [rows, cols] = p.shape!;
  const { sigma, u, v } = svd(
    Array.from({ length: rows }, (_, i) => Array.from(z.subarray(i * cols, (i + 1) * cols))),
  );
  const out = new Float64Array(z.length);
  sigma.forEach((s, k) => {
    const shrunk = Math.max(s - t, 0);
    if (shrunk > 0)
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++) out[i * cols + j]! += shrunk * u[k]![i]! * v[k]![j]!;
  });
  return out;
}

/** Proximal gradient stops when a step moves w by at most this, relative to max(1, ‖w‖). */
export const PROX_STEP_TOLERANCE = 1e-13;
const PROX_MAX_ITERATIONS = 200_000;

/** min_w L(w) + μ Σ magnitude (exponent 1: convex) by proximal gradient descent at step 1/Lip(∇L). */
export function solvePenalised(
  p: Problem,
  s: PenaltySpec,
): { w: Float64Array; iterations: number; converged: boolean } {
  const { A, n, d } = p;
  const gram = Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (__, j) => {
      let x = 0;
      for (let k = 0; k < n; k++) x += A[k * d + i]! * A[k * d + j]!;
      return x / n;
    }),
  );
  const lip = Math.max(...symmetricEigen(gram).values);
  const t = 1 / lip;
  let w: Float64Array = new Float64Array(d);
  for (let it = 1; it <= PROX_MAX_ITERATIONS; it++) {
    const g = loss(p, w).grad;
    const next = prox(
      p,
      s.domain,
      w.map((x, i) => x - t * g[i]!),
      t * s.mu,
    );
    let move = 0,
      size = 1;
    for (let i = 0; i < d; i++) {
      move = Math.max(move, Math.abs(next[i]! - w[i]!));
      size = Math.max(size, Math.abs(next[i]!));
    }
    w = next;
    if (move <= PROX_STEP_TOLERANCE * size) return { w, iterations: it, converged: true };
  }
  return { w, iterations: PROX_MAX_ITERATIONS, converged: false };
}

/**
 * The first-order residual of F at w on its support:
 * ∇L + μ·∂(penalty) there, relative to the sum of the two terms' sizes (the support: magnitudes above
 * `threshold`·max(1, largest)). For entries and groups, per
 * supported entry / group; for singular values, the residual projected on the tangent space of the
 * rank-r matrices (P Pᵀ D + D Q Qᵀ − P Pᵀ D Q Qᵀ).
 */
export function supportResidual(p: Problem, s: PenaltySpec, w: Float64Array, threshold: number): number {
  const g = loss(p, w).grad;
  const e = s.exponent;
  const mags = magnitudes(p, s.domain, w);
  const cut = threshold * Math.max(...mags, 1);
  if (s.domain === 'entry' || s.domain === 'group') {
    const G = s.domain === 'group' ? (p.group ?? 1) : 1;
    let worst = 0;
    mags.forEach((m, k) => {
      if (!(m > cut) || m === 0) return;
      let res = 0,
        scale = 0;
      for (let i = k * G; i < (k + 1) * G; i++) {
        const pen = s.mu * e * m ** (e - 1) * (w[i]! / m);
        res += (g[i]! + pen) ** 2;
        scale += (Math.abs(g[i]!) + Math.abs(pen)) ** 2;
      }
      worst = Math.max(worst, Math.sqrt(res / scale));
    });
    return worst;
  }
  const [rows, cols] = p.shape!;
  const { sigma, u, v } = svd(
    Array.from({ length: rows }, (_, i) => Array.from(w.subarray(i * cols, (i + 1) * cols))),
  );
  const keep = sigma.map((_, k) => k).filter((k) => sigma[k]! > cut && sigma[k]! > 0);
  const D = Float64Array.from(g),
    Pen = new Float64Array(rows * cols);
  for (const k of keep)
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++)
        Pen[i * cols + j]! += s.mu * e * sigma[k]! ** (e - 1) * u[k]![i]! * v[k]![j]!;
  const tangent = (X: Float64Array): Float64Array => {
    const PX = new Float64Array(X.length),
      XQ = new Float64Array(X.length),
      PXQ = new Float64Array(X.length);
    for (const k of keep) {
      const uk = u[k]!,
        vk = v[k]!;
      const utX = Array.from({ length: cols }, (_, j) => uk.reduce((a, x, i) => a + x * X[i * cols + j]!, 0));
      const Xv = Array.from({ length: rows }, (_, i) => vk.reduce((a, x, j) => a + X[i * cols + j]! * x, 0));
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++) {
          PX[i * cols + j]! += uk[i]! * utX[j]!;
          XQ[i * cols + j]! += Xv[i]! * vk[j]!;
        }
    }
    for (const k of keep)
      for (const l of keep) {
        const ukXvl = u[k]!.reduce(
          (a, x, i) => a + x * v[l]!.reduce((b, y, j) => b + X[i * cols + j]! * y, 0),
          0,
        );
        for (let i = 0; i < rows; i++)
          for (let j = 0; j < cols; j++) PXQ[i * cols + j]! += u[k]![i]! * ukXvl * v[l]![j]!;
      }
    return X.map((_, i) => PX[i]! + XQ[i]! - PXQ[i]!);
  };
  const tg = tangent(D),
    tp = tangent(Pen);
  const res = Math.hypot(...tg.map((x, i) => x + tp[i]!));
  return res / (Math.hypot(...tg) + Math.hypot(...tp) || 1);
}
