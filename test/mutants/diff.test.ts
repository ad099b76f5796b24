/**
 * Derivative rules of src/expr/diff.ts where the existing cases do not reach: powers with a constant
 * exponent at a zero or negative base, where b^c·(c′ log b + c b′/b) would give NaN (log of a
 * non-positive number, or 0·∞) while the derivative c·b^(c−1)·b′ exists. Values by hand.
 */
import { parseExpr } from '../../src/expr/parse';
import { compile } from '../../src/expr/evaluate';
import { diff } from '../../src/expr/diff';

const d = (src: string, x: number): number => compile(diff(parseExpr(src), 'x'), ['x'])([x]);

it('d/dx x² = 2x and d/dx x³ = 3x² at 0 and at negative x', () => {
  expect(d('x^2', 0)).toBe(0);
  expect(d('x^3', 0)).toBe(0);
  expect(d('x^2', -1.5)).toBe(-3);
  expect(d('x^3', -2)).toBe(12);
  expect(d('(x - 1)^2', 1)).toBe(0);
  expect(d('(x - 1)^3', -1)).toBe(12);
});
