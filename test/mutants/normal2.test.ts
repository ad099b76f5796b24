/**
 * More of the exact normal form (src/expr/normal.ts) against its documented contract and independent
 * computations: the canonical argument signs the module doc states (tanh(−u) = −tanh(u), cos(−u) =
 * cos(u), sigmoid(−u) = 1 − sigmoid(u), softplus(−u) = softplus(u) − u), each form also keeping its
 * value at dyadic points; a true identity through a sign atom met as sign(x) and as sign(−x); the
 * options path of exactZero; and the display order (highest degree first, then by atom name).
 */
import { parseExpr } from '../../src/expr/parse';
import type { Expr } from '../../src/expr/ast';
import { evaluate } from '../../src/expr/evaluate';
import { toText } from '../../src/expr/print';
import { Normalizer, exactZero } from '../../src/expr/normal';

const NAMES = ['x', 'y', 'z', 's'];
/** Dyadic points away from 0 and ±1, both signs. */
const POINTS = [
  [0.75, -1.25, 1.5, 0.375],
  [-1.5, 0.625, -0.875, 2.5],
  [2.25, 1.75, -0.5, -0.25],
  [-0.625, -2.5, 3.25, 1.125],
];
const at = (e: Expr, p: readonly number[]): number => evaluate(e, new Map(NAMES.map((n, i) => [n, p[i]!])));
const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * (1 + Math.abs(a) + Math.abs(b));
const normal = (src: string): Expr => {
  const n = new Normalizer();
  return n.toExpr(n.normalize(parseExpr(src)));
};
/** src's normal form has src's value wherever src is finite (and is finite there too). */
const keepsValue = (src: string): void => {
  const e = parseExpr(src);
  const f = normal(src);
  let finite = 0;
  for (const p of POINTS) {
    const v = at(e, p);
    if (!Number.isFinite(v)) continue;
    finite++;
    const w = at(f, p);
    if (!close(v, w))
      throw new Error(`${src} = ${v} but its normal form ${toText(f)} = ${w} at ${p.join(', ')}`);
  }
  expect(finite).toBeGreaterThan(0);
};

describe('canonical argument signs, as the module doc states them', () => {
  // tanh(−u) = −tanh(u), cos(−u) = cos(u), sigmoid(−u) = 1 − sigmoid(u), softplus(−u) = softplus(u) − u:
  // an argument with a negative leading coefficient is negated; a positive one is kept.
  it.each([
    ['sin(-x)', '-sin(x)'],
    ['tan(-2*x)', '-tan(2*x)'],
    ['sinh(-x)', '-sinh(x)'],
    ['tanh(-x)', '-tanh(x)'],
    ['cos(-x)', 'cos(x)'],
    ['cosh(-3*x)', 'cosh(3*x)'],
    ['sigmoid(-x)', '-sigmoid(x) + 1'],
    ['softplus(-x)', 'softplus(x) - x'],
    ['sin(x)', 'sin(x)'],
    ['tanh(2*x)', 'tanh(2*x)'],
    ['cos(x)', 'cos(x)'],
    ['cosh(x)', 'cosh(x)'],
    ['sigmoid(x)', 'sigmoid(x)'],
    ['softplus(x)', 'softplus(x)'],
  ])('%s → %s', (src, want) => {
    expect(toText(normal(src))).toBe(want);
    keepsValue(src);
  });
});

describe('sign atoms met both ways', () => {
  it('sign(x)²·sign(−x) + sign(x) = 0: sign(−x) = −sign(x), then sign(x)³ = sign(x)', () => {
    // True everywhere: −sign(x)³ + sign(x) = 0 (sign takes the values −1, 0, 1).
    const src = 'sign(x)^2*sign(-x) + sign(x)';
    for (const p of [...POINTS, [0, 1, 1, 1]]) expect(at(parseExpr(src), p)).toBe(0);
    expect(exactZero(parseExpr(src))).toBe('zero');
    expect(exactZero(parseExpr('x*sign(x)^2*sign(-x)^2 - x'))).toBe('zero');
  });
});

it('exactZero with options proves zero too (its own normaliser, not the shared one)', () => {
  expect(exactZero(parseExpr('(x + 1)^2 - x^2 - 2*x - 1'), { maxTerms: 100 })).toBe('zero');
  expect(exactZero(parseExpr('(x + 1)^2 - x^2 - 2*x'), { maxTerms: 100 })).toBe('nonzero');
});

describe('display: highest degree first, then by atom name', () => {
  it.each([
    ['y + x', 'x + y'],
    ['z*y + y*x + z*x', 'x*y + x*z + y*z'],
    ['(y + 1)*(x + 1)', 'x*y + x + y + 1'],
    ['1/(2*y + x)', '1/(x + 2*y)'],
  ])('%s → %s', (src, want) => {
    expect(toText(normal(src))).toBe(want);
  });
});
