/**
 * The CAS's "0" is a second opinion, trusted only where its known unsound rewrites cannot apply
 * (docs/theory.md §7, ARCHITECTURE.md "Soundness rules"). Here nothing else stands between a false
 * identity and "proved": the exact normal form does not reduce it, every sampled point is in the
 * domain and agrees with 0 — only the guard against symbolic exponents (and, in the second case,
 * against points outside the domain) keeps the verdict at "numerically verified".
 */
import { parseExpr } from '../../src/expr/parse';
import { add } from '../../src/expr/ast';
import { compile } from '../../src/expr/evaluate';
import { exactZero } from '../../src/expr/normal';
import { casSaysZero } from '../../src/cas/nerdamer';
import { decideZero } from '../../src/verify/zero';

describe('(x^a)^b = x^(ab): false for negative x, claimed 0 by nerdamer-prime', () => {
  const terms = [parseExpr('(x^a)^b'), parseExpr('-x^(a*b)')];
  const residual = add(...terms);

  it('is false: at x = −2, a = 2, b = 1/2 both sides are finite and differ (|x| against x)', () => {
    const at = [-2, 2, 0.5];
    const [lhs, rhs] = terms.map((t) => compile(t, ['x', 'a', 'b'])(at));
    expect(lhs).toBe(2);
    expect(rhs).toBe(2); // −x^(ab) = −(−2)¹ = 2: the residual is 4, not 0
    expect(lhs! + rhs!).toBe(4);
  });

  it('the exact normal form does not reduce it, and the CAS wrongly does', () => {
    expect(exactZero(residual)).not.toBe('zero');
    expect(casSaysZero(residual)).toBe('zero');
  });

  it(
    'with x sampled positive (a constant), every point agrees — ' +
      'still not proved: its exponents are symbolic',
    () => {
      const v = decideZero({
        terms,
        variables: [
          { name: 'x', role: 'constant' },
          { name: 'a', role: 'group' },
          { name: 'b', role: 'group' },
        ],
        seed: 7,
        claim: '(x^a)^b = x^(ab)',
        cas: true,
      });
      // Every point finite (the domain guard has nothing to say) and within the identity tolerance.
      expect(v.kind).toBe('numerically-verified');
      if (v.kind !== 'numerically-verified') return;
      expect(v.count).toBe(48);
      expect(v.why).toMatch(/CAS claims 0, not trusted here \(symbolic exponents\)/);
    },
  );
});

describe('log(x²) = 2 log(x): claimed 0 by nerdamer-prime, undefined for negative x', () => {
  const terms = [parseExpr('log(x^2)'), parseExpr('-2*log(x)')];

  it('the CAS claims 0; with x of both signs sampled, the points outside the domain keep it unproved', () => {
    expect(exactZero(add(...terms))).not.toBe('zero');
    expect(casSaysZero(add(...terms))).toBe('zero');
    const v = decideZero({
      terms,
      variables: [{ name: 'x', role: 'parameter' }],
      seed: 3,
      claim: 'log(x²) = 2 log(x)',
      cas: true,
    });
    expect(v.kind).not.toBe('proved');
  });
});
