/**
 * Float64 evaluation (src/expr/evaluate.ts) against the functions' definitions written out here, and
 * the rounding magnitude against its documented formula worked out by hand for each node kind and
 * each function's slope |f'(a)|.
 */
import { parseExpr } from '../../src/expr/parse';
import { applyFn, compile, compileMagnitude, evaluate, UnboundSymbol } from '../../src/expr/evaluate';

const VARS = ['x', 'y'] as const;
const val = (src: string, x: number, y = 0): number => compile(parseExpr(src), VARS)([x, y]);
const mag = (src: string, x: number, y = 0): number => compileMagnitude(parseExpr(src), VARS)([x, y]);
const close = (a: number, b: number, rel = 1e-14): void =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b)));

describe('applyFn against the definitions', () => {
  it('smooth functions', () => {
    close(applyFn('exp', 1.5), Math.E ** 1.5);
    close(applyFn('log', Math.E ** 2), 2);
    expect(applyFn('sqrt', 6.25)).toBe(2.5);
    close(applyFn('sin', Math.PI / 6), 0.5);
    close(applyFn('cos', Math.PI / 3), 0.5);
    close(applyFn('tan', Math.PI / 4), 1);
    close(applyFn('sinh', 1), (Math.E - 1 / Math.E) / 2);
    close(applyFn('cosh', 1), (Math.E + 1 / Math.E) / 2);
    close(applyFn('tanh', 1), (Math.E ** 2 - 1) / (Math.E ** 2 + 1));
  });

  it('sigmoid and softplus on both signs and far out', () => {
    for (const z of [-30, -2, -0.5, 0, 0.5, 2, 30]) {
      close(applyFn('sigmoid', z), 1 / (1 + Math.exp(-z)));
      close(applyFn('softplus', z), Math.log(1 + Math.exp(z)));
    }
    expect(applyFn('sigmoid', 0)).toBe(0.5);
    close(applyFn('softplus', 0), Math.LN2);
    // Far out: sigmoid(−800) is a tiny positive number in neither branch's overflow; softplus(800) = 800.
    expect(applyFn('sigmoid', -800)).toBe(0);
    expect(applyFn('sigmoid', 800)).toBe(1);
    expect(applyFn('softplus', 800)).toBe(800);
    expect(applyFn('softplus', -800)).toBe(0);
    // At z = 710, exp(z) overflows: only the branch for z > 0 stays finite.
    expect(applyFn('softplus', 710)).toBe(710);
    expect(Number.isNaN(applyFn('sigmoid', -710))).toBe(false);
    // Below −709, 1/(1 + e^{−z}) underflows to 0, while e^z/(1 + e^z) keeps the subnormal value e^z.
    expect(applyFn('sigmoid', -720)).toBeGreaterThan(0);
    expect(Math.abs(applyFn('sigmoid', -720) / Math.exp(-720) - 1)).toBeLessThan(1e-6);
  });

  it('kinked functions, on each side and exactly on the kink', () => {
    expect(applyFn('relu', 2)).toBe(2);
    expect(applyFn('relu', -2)).toBe(0);
    expect(applyFn('leaky_relu', 2, 0.1)).toBe(2);
    expect(applyFn('leaky_relu', -2, 0.1)).toBe(-0.2);
    expect(applyFn('abs', -3)).toBe(3);
    expect(applyFn('step', 2)).toBe(1);
    expect(applyFn('step', -2)).toBe(0);
    expect(applyFn('step', 0)).toBe(0);
    expect(applyFn('sign', 2)).toBe(1);
    expect(applyFn('sign', -2)).toBe(-1);
    expect(applyFn('sign', 0)).toBe(0);
  });

  it('expm and unknown names have no scalar value', () => {
    expect(() => applyFn('expm', 1)).toThrow(UnboundSymbol);
    expect(() => applyFn('expm', 1)).toThrow('function expm has no scalar value');
  });
});

describe('compile and evaluate', () => {
  it('sums, products, powers, calls of two arguments', () => {
    expect(val('x + y + 3', 1, 2)).toBe(6);
    expect(val('x * y * 3', 2, 5)).toBe(30);
    expect(val('x - y', 1, 2)).toBe(-1);
    expect(val('x ^ y', 2, 10)).toBe(1024);
    expect(val('x / y', 3, 4)).toBe(0.75);
    expect(val('leaky_relu(x, y)', -2, 0.25)).toBe(-0.5);
    expect(val('leaky_relu(x, 1/4)', -2)).toBe(-0.5);
    expect(val('1/8', 0)).toBe(0.125);
  });
  it('an unknown symbol throws at compile time', () => {
    expect(() => compile(parseExpr('x + z'), VARS)).toThrow(UnboundSymbol);
    expect(() => compile(parseExpr('x + z'), VARS)).toThrow("no value for symbol 'z'");
  });
  it('evaluate reads the values from a map', () => {
    expect(
      evaluate(
        parseExpr('x*y - z'),
        new Map([
          ['z', 1],
          ['x', 2],
          ['y', 5],
        ]),
      ),
    ).toBe(9);
  });
});

describe('compileMagnitude: the documented formula, by hand', () => {
  it('numbers and symbols: |value|', () => {
    expect(mag('-3', 0)).toBe(3);
    expect(mag('x', -2.5)).toBe(2.5);
  });
  it('sums add the magnitudes of their terms, cancelled or not', () => {
    expect(mag('x - y', 1, 1)).toBe(2);
    expect(mag('x + y', -1, -2)).toBe(3);
  });
  it('products multiply them', () => {
    expect(mag('x * y', -2, 3)).toBe(6);
    expect(mag('x * y * (x - y)', 2, 2)).toBe(16);
  });
  it('powers: |v| + |e|·|v|·m(b)/|b| + |v|·|ln|b||·m(e)', () => {
    // x^2 at 3: 9 + 2·9·3/3 + 9·ln 3·2.
    close(mag('x^2', 3), 9 + 18 + 18 * Math.log(3));
    // x^y at (2, −1): v = 1/2; 1/2 + 1·(1/2)·2/2 + (1/2)·ln 2·1.
    close(mag('x^y', 2, -1), 0.5 + 0.5 + 0.5 * Math.LN2);
    // (x − y)^2 at (3, 1): v = 4, m(b) = 4, |b| = 2: 4 + 2·4·4/2 + 4·ln 2·2.
    close(mag('(x - y)^2', 3, 1), 4 + 16 + 8 * Math.LN2);
    // (−x)^3 at x = 2: v = −8, m(b) = 2 (the product −1·x), |b| = 2: 8 + 3·8·2/2 + 8·ln 2·3.
    close(mag('(-x)^3', 2), 8 + 24 + 24 * Math.LN2);
    // A zero base: only |v|.
    expect(mag('x^2', 0)).toBe(0);
    expect(mag('x^y', 0, 2)).toBe(0);
  });
  // slope(f, a)·m(a) + |f(a)| with m(a) = |a| for a = x, and a = x − y with m = |x| + |y|.
  const SLOPES: readonly [string, number, number][] = [
    ['exp', 0.7, Math.exp(0.7)],
    ['exp', -0.7, Math.exp(-0.7)],
    ['log', 2, 1 / 2],
    ['sqrt', 4, 1 / 4],
    ['sin', 2, Math.abs(Math.cos(2))],
    ['cos', -2, Math.abs(Math.sin(-2))],
    ['tan', 0.5, 1 / Math.cos(0.5) ** 2],
    ['sinh', -1, Math.cosh(-1)],
    ['cosh', -1, Math.abs(Math.sinh(-1))],
    ['tanh', 0.5, 1 / Math.cosh(0.5) ** 2],
    ['sigmoid', 1.5, Math.exp(-1.5) / (1 + Math.exp(-1.5)) ** 2],
    ['sigmoid', -1.5, Math.exp(-1.5) / (1 + Math.exp(-1.5)) ** 2],
    ['softplus', 1.5, 1 / (1 + Math.exp(-1.5))],
    ['softplus', -1.5, 1 / (1 + Math.exp(1.5))],
    ['relu', 2, 1],
    ['relu', -2, 0],
    ['abs', -2, 1],
    ['step', 2, 0],
    ['step', -2, 0],
    ['sign', 2, 0],
  ];
  it.each(SLOPES)("%s at %d: |f(a)| + |f'(a)|·m(a)", (fn, a, slope) => {
    const f = (z: number): number => applyFn(fn, z);
    close(mag(`${fn}(x)`, a), Math.abs(f(a)) + slope * Math.abs(a));
    // With an argument whose magnitude exceeds its value: x − y at (a + 1, 1) has m = |a + 1| + 1.
    close(mag(`${fn}(x - y)`, a + 1, 1), Math.abs(f(a)) + slope * (Math.abs(a + 1) + 1), 1e-13);
  });
  it('leaky_relu: slope 1 or |s|, plus |a|·m(s)', () => {
    // a = 2 > 0: 2 + 1·2 + 2·|s|.
    close(mag('leaky_relu(x, y)', 2, -0.25), 2 + 2 + 2 * 0.25);
    // a = −2: |−2·s| + |s|·2 + 2·|s|.
    close(mag('leaky_relu(x, y)', -2, -0.25), 0.5 + 0.5 + 0.5);
    close(mag('leaky_relu(x, 0.25)', -2), 0.5 + 0.5 + 0.5);
  });
  it('bounds the value: m ≥ |e| at sample points', () => {
    for (const src of ['x*y - sin(x)^2 + exp(y)/x', '(x + y)^3 - leaky_relu(x - y, 1/2)', 'sqrt(x^2 + 1)']) {
      for (const [x, y] of [
        [0.3, -1.2],
        [-2, 0.7],
        [1.5, 1.5],
      ])
        expect(mag(src, x!, y!)).toBeGreaterThanOrEqual(Math.abs(val(src, x!, y!)));
    }
  });
});
