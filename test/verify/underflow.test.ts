/**
 * Underflow leaves the range where float64 can judge a residual (src/expr/evaluate.ts
 * compileOutOfRange): a true law whose float evaluation passes through subnormal numbers must not
 * read as a failure. The softmax translation's Hessian constraint, s₁(1 − s₁) − s₁s₂ = 0, was
 * "inconclusive: exact normal form is 0 but evaluation gives relative residual 1" because
 * exp(u)·exp(u) at u ≈ −360 is subnormal (about ten significant bits).
 */
import { parseExpr } from '../../src/expr/parse';
import { compile, compileOutOfRange } from '../../src/expr/evaluate';
import { parseDeclarationText } from '../../src/declaration/load';
import { derive } from '../../src/derive';
import { decideZero } from '../../src/verify/zero';

const under = (src: string, vars: string[], at: number[]): boolean =>
  compileOutOfRange(parseExpr(src), vars)(at);

describe('compileOutOfRange', () => {
  it.each<[string, string[], number[], boolean]>([
    ['exp(u)*exp(u)', ['u'], [-360], true], // 5e-313: subnormal
    ['exp(u)*exp(u)', ['u'], [-10], false],
    ['exp(u)*exp(u)', ['u'], [-400], true], // 1e-348: a product of nonzero factors that came out 0
    ['exp(u)', ['u'], [-800], true], // 0 in place of e^-800
    ['exp(u)', ['u'], [-700], false], // 1e-304: still normal
    ['x*y', ['x', 'y'], [1e-200, 1e-200], true],
    ['x*y', ['x', 'y'], [0, 1e-200], false], // an exact zero is no underflow
    ['x^2', ['x'], [1e-160], true],
    ['x^(-1)', ['x'], [1e300], false], // 1e-300 is normal
    ['x - y', ['x', 'y'], [1e-300, 1e-300], false], // a difference is exact, whatever its size
    ['log(exp(u)*exp(u) + 1)', ['u'], [-360], true], // underflow inside a function's argument
    ['(x^a)^b', ['x', 'a', 'b'], [6.882838024632833, 400.894156185718, -0.0017245986288287943], true], // ∞^b = 0
    ['x^(a*b)', ['x', 'a', 'b'], [6.882838024632833, 400.894156185718, -0.0017245986288287943], false],
  ])('%s at %j: %s', (src, vars, at, expected) => {
    expect(under(src, vars, at)).toBe(expected);
    // The test's own check of the claim: the product really is (sub)normal / zero there.
    if (src === 'exp(u)*exp(u)' && expected) expect(compile(parseExpr(src), vars)(at)).toBeLessThan(2.3e-308);
  });
});

it(
  'an identity that overflows on the way is not refuted: ' +
    '(x^a)^b = x^(ab) for x > 0 (was refuted at x^a = ∞)',
  () => {
    const v = decideZero({
      terms: [parseExpr('(x^a)^b'), parseExpr('-x^(a*b)')],
      variables: [
        { name: 'x', role: 'constant' },
        { name: 'a', role: 'parameter' },
        { name: 'b', role: 'parameter' },
      ],
      seed: 1,
      claim: '(x^a)^b = x^(ab)',
    });
    expect(v.kind).not.toBe('refuted');
  },
);

it('a true law evaluated through subnormals is proved, not left inconclusive (softmax translation)', () => {
  const d = derive(
    parseDeclarationText(
      'name: translation-softmax\nkind: concrete\nparameters: [u1, u2]\ndata: [y]\ngroup: a\n' +
        'loss: log(exp(u1) + exp(u2)) - y*u1 - (1 - y)*u2\naction:\n  u1: u1 + a\n  u2: u2 + a\n',
      'translation-softmax.yaml',
    ),
    { seed: 1 },
  );
  expect(d.laws.map((l) => `${l.id}: ${l.verdict.kind}`)).toEqual([
    'invariance: proved',
    'gradient-constraint: proved',
    'hessian-constraint: proved',
    'charge: proved',
  ]);
});
