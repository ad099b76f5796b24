/**
 * K matrix factors W = M_1 ⋯ M_K trained with weight decay λΣ‖M_j‖² induce the Schatten penalty
 * R(W) = Kλ Σ_i σ_i(W)^(2/K) — for K = 2 the nuclear norm, 2λ‖W‖_* (docs/theory.md §4.7) — with the
 * same minima. Attainment: the balanced lift M_1 = PΣ^(1/K), M_j = Σ^(1/K), M_K = Σ^(1/K)Qᵀ of the
 * SVD W = PΣQᵀ (on the diagonal slice, derived exactly in src/recipe). Lower bound
 * Σ_j ‖M_j‖² ≥ K Σ_i σ_i(M_1⋯M_K)^(2/K) (Hölder's inequality for singular values with AM–GM):
 * sampled, not proved, at factor chains of random shapes, half of them near balanced ones.
 */
import { certificateOf, type Certificate } from '../src/certificate';
import { singularValues, svd } from '../numeric/svd';
import type { Rng } from '../numeric/rng';
import { attainment, power, sampledBound } from './recipe-lib';

export const recipeFactorTheorem = (K: number) =>
  ({
    id: 'sis-recipe-factor',
    title:
      K === 2
        ? 'Two matrix factors with weight decay are the nuclear-norm penalty 2λ‖W‖_*; same minima'
        : `${K} matrix factors with weight decay are the penalty ${K}λΣ${power('σ_i', K)}; same minima`,
    source: 'SIS §4',
    statement: {
      text:
        `min over M_1⋯M_${K} = W of λΣ‖M_j‖² = ${K}λ Σ_i ${power('σ_i(W)', K)}; hence ` +
        'min L(φ(θ)) + λ‖θ‖² = min_W L(W) + R(W), minimisers mapped by φ and the balanced lift',
      latex:
        `\\min_{M_1\\cdots M_{${K}} = W} \\lambda \\sum_j \\|M_j\\|_F^2 = ` +
        `${K}\\lambda \\sum_i \\sigma_i(W)^{2/${K}}`,
    },
  }) as const;

type M = number[][];
const mm = (a: M, b: M): M =>
  a.map((row) => b[0]!.map((_, j) => row.reduce((s, x, k) => s + x * b[k]![j]!, 0)));
const gauss = (r: Rng, m: number, n: number, scale = 1): M =>
  Array.from({ length: m }, () => Array.from({ length: n }, () => scale * r.normal()));
const frob2 = (a: M): number => a.reduce((s, row) => s + row.reduce((t, x) => t + x * x, 0), 0);
const inverse = (a: M): M => {
  // Inverse by Gauss–Jordan (the factors here are near the identity).
  const n = a.length;
  const w = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    const p = w[c]![c]!;
    for (let j = 0; j < 2 * n; j++) w[c]![j]! /= p;
    for (let i = 0; i < n; i++)
      if (i !== c) {
        const f = w[i]![c]!;
        for (let j = 0; j < 2 * n; j++) w[i]![j]! -= f * w[c]![j]!;
      }
  }
  return w.map((row) => row.slice(n));
};

/** A chain of K factors: generic (Gaussian), or the balanced lift of a random W moved along its fibre. */
function chainSample(r: Rng, K: number, near: boolean): M[] {
  const dims = Array.from({ length: K + 1 }, () => 1 + r.int(4));
  const scale = Math.exp(r.normal());
  if (!near) return Array.from({ length: K }, (_, j) => gauss(r, dims[j]!, dims[j + 1]!, scale));
  const inner = Math.min(dims[0]!, dims[K]!);
  const W = mm(gauss(r, dims[0]!, inner, scale), gauss(r, inner, dims[K]!));
  const { sigma, u, v } = svd(W);
  const root = sigma.map((s) => s ** (1 / K));
  const n = sigma.length;
  const ms: M[] = [
    Array.from({ length: dims[0]! }, (_, i) => root.map((x, k) => u[k]![i]! * x)),
    ...Array.from({ length: K - 2 }, () => root.map((x, i) => root.map((__, j) => (i === j ? x : 0)))),
    root.map((x, k) => v[k]!.map((y) => x * y)),
  ];
  // Move along the fibre: M_j ← M_j A, M_{j+1} ← A⁻¹ M_{j+1}, A near the identity.
  for (let j = 0; j + 1 < K; j++) {
    const A = gauss(r, n, n, 1e-3).map((row, i) => row.map((x, k) => x + (i === k ? 1 : 0)));
    ms[j] = mm(ms[j]!, A);
    ms[j + 1] = mm(inverse(A), ms[j + 1]!);
  }
  return ms;
}

export function proveRecipeFactor(K: number, seed = 1): Certificate {
  return certificateOf(recipeFactorTheorem(K), [
    ...attainment({ kind: 'factor', depth: K }, seed),
    sampledBound(
      `lower bound: Σ_j‖M_j‖² ≥ ${K}Σ_i ${power(`σ_i(M_1⋯M_${K})`, K)} at sampled factor chains ` +
        '(not proved exactly)',
      (r, near) => {
        const ms = chainSample(r, K, near);
        const cost = ms.reduce((s, m) => s + frob2(m), 0);
        const sig = singularValues(ms.reduce(mm));
        const bound = K * sig.reduce((s, x) => s + x ** (2 / K), 0);
        return {
          cost,
          bound,
          where: `factors of shapes ${ms.map((m) => `${m.length}×${m[0]!.length}`).join(', ')}`,
        };
      },
      seed,
    ),
  ]);
}
