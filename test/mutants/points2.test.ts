/**
 * More of the point design's contract (src/verify/points.ts) where most of a feature's scan is
 * undefined or overflows: a feature point is a point where the feature's argument vanishes (or one
 * δ next to it), checked here by evaluating the argument independently — never a point where it is
 * plainly not zero because the values around it could not be compared.
 */
import { parseExpr } from '../../src/expr/parse';
import { designPoints } from '../../src/verify/points';

/** The feature points (index mod 4 = 3) of a one-parameter design over x. */
const featurePoints = (term: string, almostEverywhere: boolean, count = 40): number[] =>
  designPoints({
    roles: ['parameter'],
    names: ['x'],
    terms: [parseExpr(term)],
    count,
    seed: 1,
    almostEverywhere,
  })
    .filter((_, i) => i % 4 === 3)
    .map(([x]) => x!);

describe('feature points when most of the scan is not finite', () => {
  it('an argument never 0 (≥ 1 on the whole scan) gives no feature point, though most of its scan overflows', () => {
    // (x + 5)^1000: 1 at x = −4, finite only for x + 5 < 2.03 (5 of the 33 scan points of [−4, 4]),
    // +∞ beyond. It has no root, so every point of the fourth strategy is the uniform base point in
    // [−2, 2) — where the argument is far from 0 — and never the scan's least value 1 at x = −4.
    const xs = featurePoints('relu((x + 5)^1000)', false);
    expect(xs).toHaveLength(10);
    for (const x of xs) {
      expect(x).toBeGreaterThanOrEqual(-2);
      expect(x).toBeLessThan(2);
      expect((x + 5) ** 1000).toBeGreaterThan(1e3);
    }
  });

  it('a double root where the argument is exactly 0 is a feature point, though most of the scan is undefined', () => {
    // (x − 3/10)^64 · √(x − 1/5)/√(x − 1/5): NaN below x = 1/5 (17 of the 33 scan points), ≥ 0
    // elsewhere, and exactly 0 in floating point within 1e−5 of 3/10 (the 64th power underflows).
    // No sign change, so the golden-section search finds it; its value there is 0, a root.
    const term = 'exp((x - 3/10)^64*(x - 1/5)^(1/2)/(x - 1/5)^(1/2))';
    const arg = (x: number): number => (x - 0.3) ** 64 * (Math.sqrt(x - 0.2) / Math.sqrt(x - 0.2));
    for (const almostEverywhere of [false, true]) {
      const xs = featurePoints(term, almostEverywhere);
      expect(xs).toHaveLength(10);
      for (const x of xs) {
        // On the root, or δ = 1e−7 next to it: within 1e−5 of 3/10, where the argument is 0 to
        // rounding (at most (1e−5)^64 ≈ 1e−320; computed here in another order, a subnormal or 0).
        expect(Math.abs(x - 0.3)).toBeLessThanOrEqual(1e-5);
        expect(arg(x)).toBeLessThanOrEqual(1e-320);
      }
    }
  });
});
