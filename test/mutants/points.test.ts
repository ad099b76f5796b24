/**
 * The point design of src/verify/points.ts against its documented contract: a quarter of the points
 * from each strategy, in the stated ranges and grids; feature points on (or ±δ next to) the surface
 * where a feature's argument vanishes — checked by evaluating that argument independently.
 */
import { parseExpr } from '../../src/expr/parse';
import { toText } from '../../src/expr/print';
import { designPoints, kinkArguments, type PointDesign } from '../../src/verify/points';
import type { Role } from '../../src/verify/zero';

const design = (over: Partial<Omit<PointDesign, 'terms'>> & { terms: readonly string[] }): number[][] =>
  designPoints({
    roles: ['parameter'],
    names: ['x'],
    count: 48,
    seed: 1,
    almostEverywhere: false,
    ...over,
    terms: over.terms.map(parseExpr),
  });

/** The points of one strategy: index i mod 4 = k (grid, wide, uniform, feature). */
const strategy = (ps: number[][], k: number): number[][] => ps.filter((_, i) => i % 4 === k);
const isMultiple = (v: number, den: number): boolean => Number.isInteger(v * den);

describe('kinkArguments', () => {
  it('the arguments of every relu, abs, step, sign and leaky_relu, each once, however nested', () => {
    const args = kinkArguments([
      parseExpr('relu(x)*abs(y) + step(x)^sign(y - 1) + leaky_relu(relu(2*x), 3) + exp(z) + sin(x + y)'),
      parseExpr('abs(y)'),
    ]).map(toText);
    expect(new Set(args)).toEqual(new Set(['x', 'y', 'y - 1', 'relu(2*x)', '2*x']));
    expect(args).toHaveLength(5);
    expect(kinkArguments([parseExpr('exp(x) + x^2')])).toEqual([]);
    // Inside a product, a power, a call: found at any depth.
    expect(kinkArguments([parseExpr('2*relu(x - 1)')]).map(toText)).toEqual(['x - 1']);
    expect(kinkArguments([parseExpr('y*(3 + sign(x))')]).map(toText)).toEqual(['x']);
    expect(kinkArguments([parseExpr('exp(abs(x))^2')]).map(toText)).toEqual(['x']);
  });
});

describe('the four strategies, by index mod 4', () => {
  const roles: Role[] = ['parameter', 'data', 'group', 'constant'];
  // Built inside each test (not while the file loads), so that each test is seen to depend on the design.
  const ps = (): number[][] =>
    design({ roles, names: ['a', 'b', 'c', 'd'], terms: ['a*b*c*d'], count: 400, seed: 7 });

  it('count points of the right dimension', () => {
    expect(ps()).toHaveLength(400);
    for (const p of ps()) expect(p).toHaveLength(4);
    expect(design({ terms: ['x'], count: 5 })).toHaveLength(5);
  });

  it('grid: multiples of 1/32 in [−2, 2], of 1/16 in [−1.5, 1.5] but not 0 (group), of 1/8 in [0.5, 3]', () => {
    const g = strategy(ps(), 0);
    for (const [p, q, s, c] of g) {
      for (const v of [p!, q!]) {
        expect(isMultiple(v, 32)).toBe(true);
        expect(Math.abs(v)).toBeLessThanOrEqual(2);
      }
      expect(isMultiple(s!, 16)).toBe(true);
      expect(Math.abs(s!)).toBeLessThanOrEqual(1.5);
      expect(s).not.toBe(0);
      expect(isMultiple(c!, 8)).toBe(true);
      expect(c!).toBeGreaterThanOrEqual(0.5);
      expect(c!).toBeLessThanOrEqual(3);
    }
    // The grids are used to their ends, not a narrower box.
    const col = (k: number): number[] => g.map((p) => p[k]!);
    expect(Math.min(...col(0))).toBeLessThan(-1.5);
    expect(Math.max(...col(0))).toBeGreaterThan(1.5);
    expect(Math.min(...col(2))).toBeLessThan(-1);
    expect(Math.max(...col(2))).toBeGreaterThan(1);
    expect(Math.min(...col(3))).toBeLessThan(1);
    expect(Math.max(...col(3))).toBeGreaterThan(2.5);
    // Not all multiples of a coarser grid (1/32 really is the step).
    expect(col(0).some((v) => !isMultiple(v, 8))).toBe(true);
    expect(col(2).some((v) => !isMultiple(v, 4))).toBe(true);
    expect(col(3).some((v) => !isMultiple(v, 2))).toBe(true);
  });

  it('group grid values that would be 0 become 1/2', () => {
    const s = strategy(ps(), 0).map((p) => p[2]!);
    expect(s.filter((v) => v === 0.5).length).toBeGreaterThan(s.filter((v) => v === 0.25).length);
  });

  it('wide: magnitudes over six decades with both signs; group in [−2, 2); constant in [0.1, 10)', () => {
    const w = strategy(ps(), 1);
    for (const col of [0, 1]) {
      const vs = w.map((p) => p[col]!);
      for (const v of vs) {
        expect(Math.abs(v)).toBeGreaterThanOrEqual(1e-3);
        expect(Math.abs(v)).toBeLessThan(1e3);
      }
      expect(vs.some((v) => v < 0)).toBe(true);
      expect(vs.some((v) => v > 0)).toBe(true);
      expect(Math.min(...vs.map(Math.abs))).toBeLessThan(1e-2);
      expect(Math.max(...vs.map(Math.abs))).toBeGreaterThan(1e2);
    }
    const s = w.map((p) => p[2]!);
    for (const v of s) {
      expect(v).toBeGreaterThanOrEqual(-2);
      expect(v).toBeLessThan(2);
    }
    expect(Math.min(...s)).toBeLessThan(-1.5);
    expect(Math.max(...s)).toBeGreaterThan(1.5);
    const c = w.map((p) => p[3]!);
    for (const v of c) {
      expect(v).toBeGreaterThanOrEqual(0.1);
      expect(v).toBeLessThan(10);
    }
    expect(Math.min(...c)).toBeLessThan(0.3);
    expect(Math.max(...c)).toBeGreaterThan(3);
  });

  it('uniform: arbitrary doubles in [−2, 2), [−1.5, 1.5), [0.5, 3)', () => {
    // Without features (no call in the terms) the fourth strategy is uniform too.
    for (const u of [strategy(ps(), 2), strategy(ps(), 3)]) {
      const col = (k: number): number[] => u.map((p) => p[k]!);
      const boxes: [number, number][] = [
        [-2, 2],
        [-2, 2],
        [-1.5, 1.5],
        [0.5, 3],
      ];
      boxes.forEach(([lo, hi], k) => {
        for (const v of col(k)) {
          expect(v).toBeGreaterThanOrEqual(lo);
          expect(v).toBeLessThan(hi);
        }
        expect(Math.min(...col(k))).toBeLessThan(lo + (hi - lo) / 8);
        expect(Math.max(...col(k))).toBeGreaterThan(hi - (hi - lo) / 8);
        expect(col(k).some((v) => !isMultiple(v, 1024))).toBe(true);
      });
    }
  });

  it('is deterministic in the seed, and another seed gives other points', () => {
    expect(design({ roles, names: ['a', 'b', 'c', 'd'], terms: ['a*b*c*d'], count: 400, seed: 7 })).toEqual(
      ps(),
    );
    expect(
      design({ roles, names: ['a', 'b', 'c', 'd'], terms: ['a*b*c*d'], count: 400, seed: 8 }),
    ).not.toEqual(ps());
  });
});

describe('feature points', () => {
  const feature = (ps: number[][], f: (p: number[]) => number): number[] => strategy(ps, 3).map(f);

  it('pointwise laws: on the kink, then −δ and +δ next to it, in turn', () => {
    const ps = design({
      roles: ['parameter', 'data'],
      names: ['x', 'y'],
      terms: ['relu(x - y)'],
      count: 120,
    });
    const fs = feature(ps, ([x, y]) => x! - y!);
    fs.forEach((f, j) => {
      const offset = [0, -1, 1][j % 3]!;
      if (offset === 0) expect(Math.abs(f)).toBeLessThanOrEqual(1e-15);
      else {
        // δ = 1e-7·max(1, |x₀|) along one symbol, whose coefficient in x − y is ±1.
        expect(Math.abs(f)).toBeGreaterThanOrEqual(0.9e-7);
        expect(Math.abs(f)).toBeLessThanOrEqual(5e-7);
      }
    });
    expect(fs.filter((f) => f === 0).length).toBeGreaterThan(5);
  });

  it('almost-everywhere laws: never on the kink, always ±δ next to it', () => {
    const ps = design({
      roles: ['parameter', 'data'],
      names: ['x', 'y'],
      terms: ['abs(x - y)'],
      count: 120,
      almostEverywhere: true,
    });
    for (const f of feature(ps, ([x, y]) => x! - y!)) {
      expect(Math.abs(f)).toBeGreaterThanOrEqual(0.9e-7);
      expect(Math.abs(f)).toBeLessThanOrEqual(5e-7);
    }
  });

  it('a root that is not a grid value is found to rounding by bisection (x³ = 2)', () => {
    const ps = design({ terms: ['step(x^3 - 2)'], count: 60 });
    const xs = strategy(ps, 3).filter((_, j) => j % 3 === 0);
    for (const [x] of xs) expect(Math.abs(x! - Math.cbrt(2))).toBeLessThanOrEqual(4e-16);
    const near = strategy(ps, 3).filter((_, j) => j % 3 !== 0);
    for (const [x] of near) {
      const d = x! - Math.cbrt(2);
      expect(Math.abs(Math.abs(d) - 1e-7 * Math.cbrt(2))).toBeLessThanOrEqual(1e-15);
    }
  });

  it('a root of a decreasing argument is found too (−x + 3/2)', () => {
    const ps = design({ terms: ['relu(3/2 - x)'], count: 24 });
    const xs = strategy(ps, 3).filter((_, j) => j % 3 === 0);
    for (const [x] of xs) expect(x).toBe(1.5);
  });

  it('a double root (the centre of a bump exp(−10(x − 0.3)²)) is found by the golden-section search', () => {
    const ps = design({ terms: ['exp(-10*(x - 3/10)^2)'], count: 60, almostEverywhere: true });
    for (const [x] of strategy(ps, 3)) {
      expect(Math.abs(x! - 0.3)).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(x! - 0.3)).toBeGreaterThanOrEqual(0.5e-7);
    }
  });

  it('the arguments of smooth functions are features too: their root x = 1/2 is a feature point', () => {
    for (const fn of [
      'exp',
      'tanh',
      'sigmoid',
      'softplus',
      'sin',
      'cos',
      'tan',
      'sinh',
      'cosh',
      'log',
      'sqrt',
    ]) {
      const ps = design({ terms: [`${fn}(x - 1/2)`], count: 24 });
      const on = strategy(ps, 3).filter((_, j) => j % 3 === 0);
      expect(on.length).toBeGreaterThan(0);
      for (const [x] of on) expect(x).toBe(0.5);
    }
  });

  it('both sides of the kink: x below and above the root, for a single symbol', () => {
    for (const almostEverywhere of [false, true]) {
      const ps = design({ terms: ['relu(x - 1/3)'], count: 96, almostEverywhere });
      const near = strategy(ps, 3)
        .map(([x]) => x! - 1 / 3)
        .filter((d) => Math.abs(d) > 1e-9);
      expect(near.some((d) => d > 0)).toBe(true);
      expect(near.some((d) => d < 0)).toBe(true);
    }
  });

  it('bisection returns the better of the two doubles bracketing the root', () => {
    const ps = design({ terms: ['step(x^3 - 2)'], count: 120 });
    const f = (x: number): number => Math.abs(x ** 3 - 2);
    const step = (x: number, dir: 1 | -1): number => {
      const b = new Float64Array([x]);
      const i = new BigInt64Array(b.buffer);
      i[0] = i[0]! + BigInt(dir);
      return b[0]!;
    };
    for (const [x] of strategy(ps, 3).filter((_, j) => j % 3 === 0)) {
      expect(f(x!)).toBeLessThanOrEqual(f(step(x!, 1)));
      expect(f(x!)).toBeLessThanOrEqual(f(step(x!, -1)));
    }
  });

  it('a root where the argument is undefined on part of the scan (√(x + 2) = 1.1)', () => {
    const ps = design({ terms: ['relu(sqrt(x + 2) - 11/10)'], count: 24 });
    for (const [x] of strategy(ps, 3).filter((_, j) => j % 3 === 0))
      expect(Math.abs(Math.sqrt(x! + 2) - 1.1)).toBeLessThanOrEqual(1e-15);
  });

  it('a double root at the end of the scan (x = −4) is found', () => {
    const ps = design({ terms: ['exp(-(x + 4)^2)'], count: 24, almostEverywhere: true });
    for (const [x] of strategy(ps, 3)) expect(Math.abs(x! + 4)).toBeLessThanOrEqual(1e-5);
  });

  it('a near-double root far smaller than the values around it is kept (min 1e−7 against ~40)', () => {
    const ps = design({ terms: ['exp(-10*(x - 3/10)^2 - 1/10000000)'], count: 24, almostEverywhere: true });
    for (const [x] of strategy(ps, 3)) expect(Math.abs(x! - 0.3)).toBeLessThanOrEqual(1e-4);
  });

  it('a feature with no root leaves the uniform base point', () => {
    const ps = design({ terms: ['exp(x^2 + 1)'], count: 40 });
    for (const [x] of strategy(ps, 3)) {
      expect(x).toBeGreaterThanOrEqual(-2);
      expect(x).toBeLessThan(2);
    }
    // exp(−(x − 5)²): its smallest value on [−4, 4] is at the end, not a double root.
    const far = design({ terms: ['exp(-(x - 5)^2)'], count: 40 });
    for (const [x] of strategy(far, 3)) expect(x).toBeLessThan(2);
  });

  it('constants are searched in [0.1, 4] only: a root at c = −1 is not used, one at c = 2 is', () => {
    const neg = design({ roles: ['constant'], names: ['c'], terms: ['relu(c + 1)'], count: 40 });
    for (const [c] of strategy(neg, 3)) expect(c).toBeGreaterThanOrEqual(0.5);
    const pos = design({ roles: ['constant'], names: ['c'], terms: ['relu(c - 2)'], count: 40 });
    for (const [c] of strategy(pos, 3).filter((_, j) => j % 3 === 0)) expect(c).toBe(2);
    // A root at 3.9 lies in [0.1, 4] but outside the uniform box of constants.
    const edge = design({ roles: ['constant'], names: ['c'], terms: ['relu(c - 39/10)'], count: 40 });
    for (const [c] of strategy(edge, 3).filter((_, j) => j % 3 === 0)) expect(c).toBeCloseTo(3.9, 14);
    // Parameters are searched in [−4, 4].
    const par = design({ terms: ['relu(x + 3.5)'], count: 40 });
    for (const [x] of strategy(par, 3).filter((_, j) => j % 3 === 0)) expect(x).toBe(-3.5);
  });

  it('the −δ point lies below the root and the +δ point above it, in that order', () => {
    const pointwise = strategy(design({ terms: ['relu(x - 1/3)'], count: 96 }), 3).map(([x]) => x! - 1 / 3);
    pointwise.forEach((d, j) => {
      if (j % 3 === 1) expect(d).toBeLessThan(-0.9e-7 / 3);
      if (j % 3 === 2) expect(d).toBeGreaterThan(0.9e-7 / 3);
    });
    const ae = strategy(design({ terms: ['relu(x - 1/3)'], count: 96, almostEverywhere: true }), 3).map(
      ([x]) => x! - 1 / 3,
    );
    ae.forEach((d, j) => {
      if (j % 2 === 0) expect(d).toBeLessThan(-0.9e-7 / 3);
      else expect(d).toBeGreaterThan(0.9e-7 / 3);
    });
  });

  it('bisection keeps the better double of the two bracketing an irrational root (x² = k, x³ = k)', () => {
    const next = (x: number, dir: 1 | -1): number => {
      const b = new Float64Array([x]);
      const i = new BigInt64Array(b.buffer);
      i[0] = i[0]! + BigInt(x > 0 ? dir : -dir);
      return b[0]!;
    };
    for (const p of [2, 3])
      for (const k of [2, 3, 5, 6, 7, 10, 11, 12, 13, 14, 15]) {
        const g = (x: number): number => Math.abs(x ** p - k);
        const [x] = strategy(design({ terms: [`relu(x^${p} - ${k})`], count: 4 }), 3)[0]!;
        expect(Math.abs(Math.abs(x!) - k ** (1 / p))).toBeLessThanOrEqual(1e-14 * k);
        expect(g(x!)).toBeLessThanOrEqual(g(next(x!, 1)));
        expect(g(x!)).toBeLessThanOrEqual(g(next(x!, -1)));
      }
  });

  it('a double root is found where the argument is undefined at the start of the scan', () => {
    // (x − 3/10)² for x > −37/10, NaN below (a power 1/2 of a negative number; not itself a feature).
    const ps = design({
      terms: ['exp(-(x - 3/10)^2*(x + 37/10)^0.5/(x + 37/10)^0.5)'],
      count: 40,
      almostEverywhere: true,
    });
    for (const [x] of strategy(ps, 3)) expect(Math.abs(x! - 0.3)).toBeLessThanOrEqual(1e-6);
  });

  it('a near-double root at the start of the scan, not on it (min 1e−9 at x = −4)', () => {
    const ps = design({ terms: ['exp(-(x + 4)^2 - 1/1000000000)'], count: 40, almostEverywhere: true });
    for (const [x] of strategy(ps, 3)) expect(Math.abs(x! + 4)).toBeLessThanOrEqual(1e-5);
  });

  it('a near-double root at either end of the scan, with a shallower dip just inside it', () => {
    // ((x ∓ 4)² + 1e−9)((x ∓ 3.69)² + 1/1000): |f| ≈ 1e−10 at ±4, ≈ 1e−4 at ±3.69.
    for (const s of [1, -1]) {
      const f = `-((x - ${4 * s})^2 + 1/1000000000)*((x - ${3.69 * s})^2 + 1/1000)`;
      const ps = design({ terms: [`exp(${f})`], count: 40, almostEverywhere: true });
      for (const [x] of strategy(ps, 3)) expect(Math.abs(x! - 4 * s)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('the golden-section search stays next to the scan minimum when |f| dips elsewhere too', () => {
    // |(x − 3/10)²((x + 113/50)² + 1/10)| has a second, shallower dip near x = −2.26.
    const ps = design({
      terms: ['exp((x - 3/10)^2*((x + 113/50)^2 + 1/10))'],
      count: 40,
      almostEverywhere: true,
    });
    for (const [x] of strategy(ps, 3)) expect(Math.abs(x! - 0.3)).toBeLessThanOrEqual(1e-6);
  });

  it('a near-double root is judged against the median |value| of the scan, not the value at one point', () => {
    // −(x − 1/1000)² − 1e−9: least 1e−9 near x = 0, where the scan has ≈ 1e−6; its median is ≈ 4.
    const ps = design({ terms: ['exp(-(x - 1/1000)^2 - 1/1000000000)'], count: 40, almostEverywhere: true });
    for (const [x] of strategy(ps, 3)) expect(Math.abs(x! - 0.001)).toBeLessThanOrEqual(1e-6);
  });

  it('the symbol moved onto the surface is chosen at random: sometimes the parameter, sometimes the constant', () => {
    // relu(x − c): moving x puts it at c ± δ, moving c puts it at x ± δ. Their own uniform boxes are
    // [−2, 2) and [0.5, 3); a moved coordinate can leave its box (x up to 3, c down to 0.1).
    const ps = design({
      roles: ['parameter', 'constant'],
      names: ['x', 'c'],
      terms: ['relu(x - c)'],
      count: 800,
    });
    const on = strategy(ps, 3).filter(([x, c]) => Math.abs(x! - c!) <= 1e-6 * Math.max(1, Math.abs(x!)));
    expect(on.some(([x]) => x! >= 2)).toBe(true);
    expect(on.some(([, c]) => c! < 0.5)).toBe(true);
  });

  it('features whose argument has a symbol outside the names are left out', () => {
    const ps = design({ terms: ['relu(z)', 'relu(x - 1/2)'], count: 40 });
    for (const [x] of strategy(ps, 3).filter((_, j) => j % 3 === 0)) expect(x).toBe(0.5);
  });
});
