/**
 * A group w_g = s·v (s a scalar, v ∈ ℝ^G) trained with weight decay λ(s² + ‖v‖²) is the group-lasso
 * penalty R(w_g) = 2λ‖w_g‖ (docs/theory.md §4.7), with the same minima. Lower bound, exactly:
 * ‖w_g‖² = s²‖v‖² and (s² + ‖v‖²)² − 4s²‖v‖² = (s² − ‖v‖²)² ≥ 0,
 * so s² + ‖v‖² ≥ 2‖w_g‖.
 * Attainment: the balanced lift s² = ‖v‖² (derived in src/recipe).
 */
import { add, mul, neg, num, sym, type Expr } from '../src/expr/ast';
import { certificateOf, type Certificate, type ProofStep } from '../src/certificate';
import { decideZero } from '../src/verify/zero';
import { attainment } from './recipe-lib';

export const recipeGroupTheorem = (G: number) =>
  ({
    id: 'sis-recipe-group',
    title: `A scalar times a vector of ${G} with weight decay is the group-lasso penalty 2λ‖w_g‖; same minima`,
    source: 'SIS §4',
    statement: {
      text:
        `min over s·v = w_g (v ∈ ℝ^${G}) of λ(s² + ‖v‖²) = 2λ‖w_g‖; hence ` +
        'min L(φ(θ)) + λ‖θ‖² = min_w L(w) + 2λΣ_g‖w_g‖, minimisers mapped by φ and the balanced lift',
      latex: `\\min_{s v = w_g} \\lambda (s^2 + \\|v\\|^2) = 2\\lambda \\|w_g\\|`,
    },
  }) as const;

function identity(claim: string, lhs: Expr, rhs: Expr, vars: string[], seed: number): ProofStep {
  const verdict = decideZero({
    terms: [lhs, neg(rhs)],
    variables: vars.map((name) => ({ name, role: 'parameter' as const })),
    seed,
    claim,
  });
  return { claim, verdict };
}

export function proveRecipeGroup(G: number, seed = 1): Certificate {
  const vs = Array.from({ length: G }, (_, i) => `v${i + 1}`);
  const s = sym('s');
  const sq = (e: Expr): Expr => mul(e, e);
  const v2 = add(...vs.map((v) => sq(sym(v))));
  const w2 = add(...vs.map((v) => sq(mul(s, sym(v)))));
  const c = add(sq(s), v2);
  return certificateOf(recipeGroupTheorem(G), [
    ...attainment({ kind: 'group', depth: 2, size: G }, seed),
    identity('lower bound: ‖w_g‖² = ‖s·v‖² = s²‖v‖²', w2, mul(sq(s), v2), ['s', ...vs], seed),
    identity(
      'lower bound: (s² + ‖v‖²)² − 4s²‖v‖² = (s² − ‖v‖²)² ≥ 0, ' +
        'so s² + ‖v‖² ≥ 2‖w_g‖ on every factorisation',
      add(sq(c), mul(num(-4), sq(s), v2)),
      sq(add(sq(s), neg(v2))),
      ['s', ...vs],
      seed,
    ),
  ]);
}
