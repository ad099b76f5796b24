/**
 * The derived penalty against brute force: the cheapest factorisation found by direct minimisation
 * over the fibre (test/recipe/fibre.ts), never the derivation's own output. Negative twins: weight
 * decay on one factor only induces no penalty (the fibre's infimum is 0), and a family whose
 * exponent differs is not matched.
 */
import { test, fc } from '@fast-check/jest';
import { deriveFamily, recipeFor } from '../../src/recipe/derive';
import { parsePenalty, PenaltyError } from '../../src/recipe/penalty';
import { factorFibreMin, groupFibreMin, nelderMead, productFibreMin } from './fibre';

const coefficient = (K: number, kind: 'product' | 'factor' = 'product'): { c: number; e: number } => {
  const d = deriveFamily({ kind, depth: K });
  const [n, m = '1'] = d.exponent.split('/');
  return { c: Number(d.coefficient), e: Number(n) / Number(m) };
};

describe('theorem sis-recipe-product: min over u_1⋯u_K = w of Σu_j² is the derived K|w|^(2/K)', () => {
  test.prop([fc.integer({ min: 2, max: 5 }), fc.double({ min: 0.05, max: 20, noNaN: true }), fc.boolean()], {
    numRuns: 20,
    seed: 11,
  })('K, w', (K, magnitude, negative) => {
    const w = negative ? -magnitude : magnitude;
    const { c, e } = coefficient(K);
    const derived = c * Math.abs(w) ** e;
    expect(Math.abs(productFibreMin(w, K, 3) - derived) / derived).toBeLessThan(1e-6);
  });

  it('every derivation step is proved exactly', () => {
    for (const K of [2, 3, 4, 6])
      for (const s of deriveFamily({ kind: 'product', depth: K }).steps)
        expect(s.verdict.kind).toBe('proved');
  });
});

describe('theorem sis-recipe-group: min over s·v = w_g of s² + ‖v‖² is the derived 2‖w_g‖', () => {
  test.prop([fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 })], {
    numRuns: 20,
    seed: 12,
  })('w_g', (wg) => {
    fc.pre(Math.hypot(...wg) > 1e-2);
    const d = deriveFamily({ kind: 'group', depth: 2, size: 3 });
    expect(d.exponent).toBe('1');
    const derived = Number(d.coefficient) * Math.hypot(...wg);
    expect(Math.abs(groupFibreMin(wg) - derived) / derived).toBeLessThan(1e-6);
  });
});

describe('theorem sis-recipe-factor: min over U Vᵀ = W of ‖U‖² + ‖V‖² is the derived 2‖W‖_*', () => {
  test.prop([fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 })], {
    numRuns: 12,
    seed: 13,
  })('W (2 × 2)', ([a, b, c, d]) => {
    // σ₁ + σ₂ of a 2 × 2 matrix in closed form: sqrt(‖W‖² + 2|det W|).
    const nuclear = Math.sqrt(a! * a! + b! * b! + c! * c! + d! * d! + 2 * Math.abs(a! * d! - b! * c!));
    fc.pre(nuclear > 0.1 && Math.abs(a! * d! - b! * c!) > 1e-2);
    const { c: k, e } = coefficient(2, 'factor');
    expect(e).toBe(1);
    const W = [
      [a!, b!],
      [c!, d!],
    ];
    expect(Math.abs(factorFibreMin(W, 5) - k * nuclear) / (k * nuclear)).toBeLessThan(1e-6);
  });
});

describe('negative twins', () => {
  it('weight decay on one factor only induces no penalty: the fibre infimum of u_1² is 0', () => {
    const w = 2;
    // u_1 = w / u_2: the cost (w/u_2)² falls to 0 as u_2 grows; the derived penalty 2|w| = 4 is not it.
    const inf = nelderMead(([u2]) => (w / u2!) ** 2, [1], 2000);
    expect(inf).toBeLessThan(1e-6);
    expect(productFibreMin(w, 2, 1)).toBeGreaterThan(3.99);
  });

  it('a penalty no family induces is refused, naming it', () => {
    expect(() => recipeFor(parsePenalty('lp(p=3/2)'))).toThrow(PenaltyError);
    expect(() => recipeFor(parsePenalty('lp(p=3/2)'))).toThrow(/\|w_i\|\^\(3\/2\)/);
    expect(() => recipeFor(parsePenalty('schatten(p=2)'))).toThrow(/weight decay on w itself/);
  });

  it('the matched family is the one whose exponent is asked for, not the first one tried', () => {
    expect(recipeFor(parsePenalty('lp(p=1/2)')).family).toEqual({ kind: 'product', depth: 4 });
    expect(recipeFor(parsePenalty('schatten(k=3)')).family).toEqual({ kind: 'factor', depth: 3 });
    expect(recipeFor(parsePenalty('l1')).family).toEqual({ kind: 'product', depth: 2 });
  });
});
