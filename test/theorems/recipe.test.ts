/**
 * The recipe's equivalence of minima (docs/theory.md §4.7), as certificates: attainment and the
 * lower bound, each with the verdict it earns (proved exactly for products of 2–4 factors and for
 * groups; sampled for deeper products and for matrix factors). Negative twins: a wrong
 * certificate identity is not proved, and a bound that is too strong is refuted at a sample.
 */
import katex from 'katex';
import {
  proveRecipeFactor,
  proveRecipeGroup,
  proveRecipeProduct,
  recipeFactorTheorem,
  recipeGroupTheorem,
  recipeProductTheorem,
} from '../../proofs';
import { sampledBound } from '../../proofs/recipe-lib';
import { decideZero } from '../../src/verify/zero';
import { parseExpr } from '../../src/expr/parse';

describe('sis-recipe-*: min_θ L(φ(θ)) + λ‖θ‖² = min_w L(w) + R(w)', () => {
  it.each([2, 3, 4])('product of %i factors: proved', (K) => {
    const c = proveRecipeProduct(K);
    expect(c.verdict.kind).toBe('proved');
    expect(c.steps.some((s) => s.claim.startsWith('lower bound'))).toBe(true);
    expect(c.steps.some((s) => s.claim.startsWith('attainment'))).toBe(true);
  });

  it('product of 6 factors: the lower bound is sampled, so the certificate says numerically verified', () => {
    const c = proveRecipeProduct(6);
    expect(c.verdict.kind).toBe('numerically-verified');
    const bound = c.steps.find((s) => s.claim.startsWith('lower bound'))!;
    expect(bound.claim).toContain('not proved exactly');
  });

  it('group lasso: proved', () => {
    expect(proveRecipeGroup(4).verdict.kind).toBe('proved');
  });

  it.each([2, 3])('%i matrix factors: numerically verified (the matrix bound is sampled)', (K) => {
    const c = proveRecipeFactor(K);
    expect(c.verdict.kind).toBe('numerically-verified');
    expect(
      c.steps.filter((s) => s.claim.startsWith('attainment')).every((s) => s.verdict.kind === 'proved'),
    ).toBe(true);
  });

  it('statements typeset', () => {
    for (const t of [recipeProductTheorem(3), recipeGroupTheorem(3), recipeFactorTheorem(2)])
      expect(() => katex.renderToString(t.statement.latex, { throwOnError: true })).not.toThrow();
  });
});

describe('negative twins', () => {
  it('a wrong AM–GM certificate is refuted', () => {
    const v = decideZero({
      terms: [parseExpr('y1^3 + y2^3 + y3^3 - 3*y1*y2*y3'), parseExpr('-(y1 - y2)^2*(y1 + y2 + y3)')],
      variables: ['y1', 'y2', 'y3'].map((name) => ({ name, role: 'parameter' as const })),
      seed: 1,
      claim: 'wrong certificate',
    });
    expect(v.kind).toBe('refuted');
  });

  it('a bound 1% above the nuclear-norm bound is refuted at a sampled near-balanced factorisation', () => {
    const step = sampledBound(
      'Σu² ≥ 2.02|uv|',
      (r, near) => {
        const u = r.normal(),
          v = near ? u * (1 + 1e-3 * r.normal()) : r.normal();
        return { cost: u * u + v * v, bound: 2.02 * Math.abs(u * v), where: `u=${u}, v=${v}` };
      },
      1,
    );
    expect(step.verdict.kind).toBe('refuted');
  });
});
