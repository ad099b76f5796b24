/**
 * A product of K factors per entry, w = u_1 ⋯ u_K, trained with weight decay λ‖u‖², is the penalty
 * R(w) = Kλ|w|^(2/K) on w (docs/theory.md §4.7; [SIS] §4 for K = 2), and the two problems have the
 * same minima. Lower bound: AM–GM, Σ_j u_j² ≥ K Π_j |u_j|^(2/K). With y_j = |u_j|^(2/K) ≥ 0 it reads
 * Σ y_j^K − K Π y_j ≥ 0, proved by an exact identity with a manifestly non-negative right side for
 * K = 2, 3, 4 and sampled for larger K. Attainment: the balanced lift (derived in src/recipe).
 */
import { parseExpr } from '../src/expr/parse';
import { certificateOf, type Certificate, type ProofStep } from '../src/certificate';
import { decideZero } from '../src/verify/zero';
import { attainment, power, sampledBound } from './recipe-lib';

export const recipeProductTheorem = (K: number) =>
  ({
    id: 'sis-recipe-product',
    title: `A product of ${K} factors with weight decay is the penalty ${K}λ${power('|w|', K)}; same minima`,
    source: 'SIS §4',
    statement: {
      text:
        `min over u_1⋯u_${K} = w of λΣu_j² = ${K}λ${power('|w|', K)}; hence ` +
        'min_u L(φ(u)) + λ‖u‖² = min_w L(w) + R(w), minimisers mapped by φ and the balanced lift',
      latex: `\\min_{u_1\\cdots u_{${K}} = w} \\lambda \\sum_j u_j^2 = ${K}\\lambda |w|^{2/${K}}`,
    },
  }) as const;

/** Exact certificates of Σ y^K − K Π y for y ≥ 0: the right sides are non-negative there. */
const AMGM: Readonly<Record<number, { readonly rhs: string; readonly why: string }>> = {
  2: { rhs: '(y1 - y2)^2', why: 'a square' },
  3: {
    rhs: '(y1 + y2 + y3)*((y1 - y2)^2 + (y2 - y3)^2 + (y3 - y1)^2)/2',
    why: 'a non-negative sum times squares',
  },
  4: { rhs: '(y1^2 - y2^2)^2 + (y3^2 - y4^2)^2 + 2*(y1*y2 - y3*y4)^2', why: 'a sum of squares' },
};

function lowerBound(K: number, seed: number): ProofStep {
  const cert = AMGM[K];
  if (cert) {
    const ys = Array.from({ length: K }, (_, j) => `y${j + 1}`);
    const lhs = `${ys.map((y) => `${y}^${K}`).join(' + ')} - ${K}*${ys.join('*')}`;
    const claim =
      `lower bound: Σ y_j^${K} − ${K}Π y_j = ${cert.rhs} (${cert.why} for y ≥ 0); ` +
      `with y_j = ${power('|u_j|', K)}, ` +
      `λΣu_j² ≥ ${K}λ${power(`|u_1⋯u_${K}|`, K)} = R(w) on every factorisation`;
    const verdict = decideZero({
      terms: [parseExpr(lhs), parseExpr(`-(${cert.rhs})`)],
      variables: ys.map((name) => ({ name, role: 'parameter' as const })),
      seed,
      claim,
    });
    return { claim, verdict };
  }
  return sampledBound(
    `lower bound: Σu_j² ≥ ${K}${power(`|u_1⋯u_${K}|`, K)} (AM–GM) at sampled factorisations ` +
      '(not proved exactly)',
    (r, near) => {
      const base = Math.exp(2 * r.normal());
      const u = Array.from({ length: K }, () => (near ? base * (1 + 1e-3 * r.normal()) : r.normal() * base));
      const cost = u.reduce((s, x) => s + x * x, 0);
      const bound = K * Math.abs(u.reduce((p, x) => p * x, 1)) ** (2 / K);
      return { cost, bound, where: `u = (${u.map((x) => x.toPrecision(6)).join(', ')})` };
    },
    seed,
  );
}

export function proveRecipeProduct(K: number, seed = 1): Certificate {
  return certificateOf(recipeProductTheorem(K), [
    ...attainment({ kind: 'product', depth: K }, seed),
    lowerBound(K, seed),
  ]);
}
