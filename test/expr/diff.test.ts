/**
 * Symbolic differentiation checked against something it does not share code with: derivatives
 * worked out by hand at known points, and Richardson-extrapolated central differences of the float64
 * evaluation on random expressions that use every function the parser accepts — away from kinks,
 * and on both sides of each kink (relu, leaky_relu, abs, step, sign at argument ±δ).
 *
 * Every derivative rule in src/expr/diff.ts is covered by a known value whose sign or side changes
 * if the rule's does: a rule written with the wrong sign (d/dx cos = +sin) or on the wrong side of
 * its kink (leaky_relu's slope for z > 0) fails here.
 */
import { test, fc } from '@fast-check/jest';
import { parseExpr } from '../../src/expr/parse';
import { type Expr, FUNCTIONS } from '../../src/expr/ast';
import { compile } from '../../src/expr/evaluate';
import { diff, gradient, UnsupportedDerivative } from '../../src/expr/diff';

const VARS = ['x', 'y', 'z'] as const;
type Point = readonly [number, number, number];

const value = (e: Expr, p: Point): number => compile(e, VARS)(p);
const derivative = (src: string, p: Point, wrt: (typeof VARS)[number] = 'x'): number =>
  value(diff(parseExpr(src), wrt), p);

/** Values worked out by hand (not by the code under test). */
const sigma = (z: number): number => 1 / (1 + Math.exp(-z));

describe('known derivatives, worked out by hand', () => {
  const at = (x: number, y = 0, z = 0): Point => [x, y, z];
  // [expression, point, d/dx by hand]
  const CASES: readonly [string, Point, number][] = [
    ['x', at(0.3), 1],
    ['7', at(0.3), 0],
    ['y', at(0.3, 2), 0],
    ['x + y', at(0.3, 2), 1],
    ['y - x', at(0.3, 2), -1],
    ['x*y', at(2, 3), 3],
    ['x*sin(x)*exp(x)', at(1), Math.sin(1) * Math.E + Math.cos(1) * Math.E + Math.sin(1) * Math.E],
    ['y/x', at(2, 3), -3 / 4],
    ['x^3', at(2), 12],
    ['x^(-2)', at(2), -2 / 8],
    ['x^(1/2)', at(4), 1 / 4],
    ['(2*x + 1)^2', at(1), 12],
    ['2^x', at(1), 2 * Math.LN2],
    ['x^x', at(2), 4 * (Math.LN2 + 1)],
    ['y^x', at(1.5, 3), Math.pow(3, 1.5) * Math.log(3)],
    ['exp(x)', at(1), Math.E],
    ['exp(-2*x)', at(1), -2 * Math.exp(-2)],
    ['log(x)', at(2), 1 / 2],
    ['log(3*x)', at(2), 1 / 2],
    ['sqrt(x)', at(4), 1 / 4],
    ['sqrt(1 + x^2)', at(1), 1 / Math.SQRT2],
    ['sin(x)', at(1), Math.cos(1)],
    ['sin(2*x)', at(1), 2 * Math.cos(2)],
    ['cos(x)', at(1), -Math.sin(1)],
    ['cos(3*x)', at(1), -3 * Math.sin(3)],
    ['tan(x)', at(0.5), 1 / Math.cos(0.5) ** 2],
    ['tan(-x)', at(0.5), -1 / Math.cos(0.5) ** 2],
    ['sinh(x)', at(1), Math.cosh(1)],
    ['sinh(-x)', at(1), -Math.cosh(1)],
    ['cosh(x)', at(1), Math.sinh(1)],
    ['cosh(x)', at(-1), -Math.sinh(1)],
    ['tanh(x)', at(0.5), 1 / Math.cosh(0.5) ** 2],
    ['tanh(2*x)', at(0.5), 2 / Math.cosh(1) ** 2],
    ['sigmoid(x)', at(0.5), Math.exp(-0.5) / (1 + Math.exp(-0.5)) ** 2],
    ['sigmoid(x)', at(2), Math.exp(-2) / (1 + Math.exp(-2)) ** 2],
    ['sigmoid(-x)', at(2), -Math.exp(-2) / (1 + Math.exp(-2)) ** 2],
    ['softplus(x)', at(1.5), sigma(1.5)],
    ['softplus(x)', at(-1.5), sigma(-1.5)],
    ['softplus(-x)', at(1.5), -sigma(-1.5)],
    // Kinks, on both sides.
    ['relu(x)', at(0.5), 1],
    ['relu(x)', at(-0.5), 0],
    ['relu(-x)', at(0.5), 0],
    ['relu(-x)', at(-0.5), -1],
    ['relu(3*x)', at(0.5), 3],
    ['leaky_relu(x, 1/10)', at(0.5), 1],
    ['leaky_relu(x, 1/10)', at(-0.5), 1 / 10],
    ['leaky_relu(-x, 1/10)', at(0.5), -1 / 10],
    ['leaky_relu(-x, 1/10)', at(-0.5), -1],
    ['leaky_relu(2*x, y)', at(0.5, 0.25), 2],
    ['leaky_relu(2*x, y)', at(-0.5, 0.25), 0.5],
    ['leaky_relu(x, 3)', at(-0.5), 3],
    ['abs(x)', at(0.5), 1],
    ['abs(x)', at(-0.5), -1],
    ['abs(-2*x)', at(0.5), 2],
    ['abs(-2*x)', at(-0.5), -2],
    ['step(x)', at(0.5), 0],
    ['step(x)', at(-0.5), 0],
    ['sign(x)', at(0.5), 0],
    ['sign(x)', at(-0.5), 0],
    ['x*step(x)', at(0.5), 1],
    ['x*sign(x)', at(-0.5), -1],
  ];

  it.each(CASES)('d/dx %s at %j = %d', (src, p, expected) => {
    expect(Math.abs(derivative(src, p) - expected)).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(expected)));
  });

  it('differentiates with respect to the named symbol only: d/dy (x/y) = −x/y²', () => {
    expect(derivative('x/y', [3, 2, 0], 'y')).toBeCloseTo(-3 / 4, 14);
    expect(derivative('x*y^2 + z', [3, 2, 5], 'y')).toBeCloseTo(12, 14);
    expect(derivative('x*y^2 + z', [3, 2, 5], 'z')).toBe(1);
  });

  it('refuses a leaky_relu whose slope depends on the variable (no derivative rule for it)', () => {
    expect(() => diff(parseExpr('leaky_relu(y, x)'), 'x')).toThrow(UnsupportedDerivative);
    expect(() => diff(parseExpr('leaky_relu(x, x)'), 'x')).toThrow('leaky_relu slope depends on x');
    expect(derivative('leaky_relu(y, x)', [1, 2, 0], 'y')).toBe(1);
  });

  it('refuses the matrix exponential (block-level actions are differentiated by the block algebra)', () => {
    expect(() => diff(parseExpr('expm(x)'), 'x')).toThrow(UnsupportedDerivative);
    expect(() => diff(parseExpr('expm(x)'), 'x')).toThrow('expm is a matrix function');
  });

  it('anything that does not depend on the variable has derivative 0, even where no rule applies (expm)', () => {
    expect(diff(parseExpr('expm(y)'), 'x')).toEqual(parseExpr('0'));
    expect(diff(parseExpr('leaky_relu(y, x)'), 'z')).toEqual(parseExpr('0'));
  });
});

// ---------------- random expressions against finite differences ----------------

/** Every scalar function the parser accepts (expm is matrix-only). */
const UNARY = [
  'exp',
  'log',
  'sqrt',
  'sin',
  'cos',
  'tan',
  'sinh',
  'cosh',
  'tanh',
  'sigmoid',
  'softplus',
] as const;
const KINKED = ['relu', 'abs', 'step', 'sign'] as const;

it('the random expressions below use every function the parser accepts (but expm)', () => {
  expect(new Set([...UNARY, ...KINKED, 'leaky_relu', 'expm'])).toEqual(new Set(Object.keys(FUNCTIONS)));
});

/** Expression source text (parsed by parseExpr, so the parser is part of what is checked). */
const srcArb: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', maxDepth: 4, withCrossShrink: true },
    fc.constantFrom('x', 'x', 'y', 'z'),
    fc.constantFrom('2', '-1', '1/3', '0.7'),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a}) + (${b})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a}) - (${b})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a}) * (${b})`),
    // Division and fractional powers only by what stays away from 0 and negative values.
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a}) / (1 + (${b})^2)`),
    fc
      .tuple(tie('e'), fc.constantFrom('2', '3', '-1', '1/2', '-3/2'))
      .map(([a, k]) => `(1 + (${a})^2)^(${k})`),
    fc.tuple(tie('e'), fc.constantFrom('2', '3')).map(([a, k]) => `(${a})^${k}`),
    // A symbolic exponent: (positive base)^(expression).
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(2 + sin(${a}))^(${b})`),
    fc
      .tuple(fc.constantFrom(...UNARY), tie('e'))
      .map(([f, a]) =>
        f === 'log' || f === 'sqrt'
          ? `${f}(1 + (${a})^2)`
          : f === 'exp' || f === 'sinh' || f === 'cosh'
            ? `${f}((${a})/4)`
            : `${f}(${a})`,
      ),
    fc.tuple(fc.constantFrom(...KINKED), tie('e')).map(([f, a]) => `${f}(${a})`),
    fc
      .tuple(tie('e'), fc.constantFrom('1/10', '1/4', '2', 'y', 'z'))
      .map(([a, s]) => `leaky_relu(${a}, ${s})`),
  ),
})).e;

/** Arguments of every kinked call in e (where the function is not differentiable, or jumps). */
function kinkArgs(e: Expr, into: Expr[] = []): Expr[] {
  switch (e.kind) {
    case 'add':
      e.terms.forEach((t) => kinkArgs(t, into));
      break;
    case 'mul':
      e.factors.forEach((t) => kinkArgs(t, into));
      break;
    case 'pow':
      kinkArgs(e.base, into);
      kinkArgs(e.exp, into);
      break;
    case 'call':
      if (e.fn === 'relu' || e.fn === 'abs' || e.fn === 'step' || e.fn === 'sign' || e.fn === 'leaky_relu')
        into.push(e.args[0]!);
      e.args.forEach((t) => kinkArgs(t, into));
      break;
    default:
      break;
  }
  return into;
}

/** Points away from dyadic values (so that no kink argument is exactly 0 by construction). */
const coord = fc.integer({ min: -2000, max: 2000 }).map((k) => k / 1000 + 0.000123);
const pointArb = fc.tuple(coord, coord, coord);

/**
 * d/dx by central differences, Richardson-extrapolated twice (error O(h⁶)) from steps h, h/2, h/4,
 * and an estimate of its own error: the difference between the extrapolations started at h and at
 * h/2.
 */
function fdDerivative(f: (x: number) => number, x: number, h: number): { d: number; err: number } {
  const central = (s: number): number => (f(x + s) - f(x - s)) / (2 * s);
  const table = (s: number): number => {
    const [a, b, c] = [central(s), central(s / 2), central(s / 4)];
    const [ab, bc] = [(4 * b - a) / 3, (4 * c - b) / 3];
    return (16 * bc - ab) / 15;
  };
  const [d1, d2] = [table(h), table(h / 2)];
  return { d: d2, err: Math.abs(d1 - d2) };
}

const H = 1 / 64;
/** Agreement required of the symbolic derivative with the extrapolated difference quotient: relative
 * to the size of the derivative and of the function (rounding of f, divided by the step, lands in
 * the quotient), plus a multiple of the quotient's own error estimate. */
const FD_REL = 1e-7;

function checkAgainstFd(e: Expr, p: Point, h: number): 'skip' | { sym: number; fd: number; tol: number } {
  const f = compile(e, VARS);
  const fx = (x: number): number => f([x, p[1], p[2]]);
  const stencil = [-h, -h / 2, -h / 4, -h / 8, 0, h / 8, h / 4, h / 2, h].map((s) => p[0] + s);
  const vals = stencil.map(fx);
  if (!vals.every((v) => Number.isFinite(v) && Math.abs(v) < 1e6)) return 'skip';
  // Away from kinks: every kinked call's argument keeps one strict sign over the whole stencil.
  for (const k of kinkArgs(e)) {
    const g = compile(k, VARS);
    const signs = stencil.map((x) => Math.sign(g([x, p[1], p[2]])));
    if (signs.some((s) => s === 0 || s !== signs[0])) return 'skip';
  }
  const sym = value(diff(e, 'x'), p);
  if (!Number.isFinite(sym)) return 'skip';
  const { d, err } = fdDerivative(fx, p[0], h);
  const size = Math.max(...vals.map(Math.abs));
  // An ill-conditioned stencil (the extrapolations disagree) says nothing either way.
  if (err > 1e-6 * (1 + Math.abs(d) + size)) return 'skip';
  return { sym, fd: d, tol: FD_REL * (1 + Math.abs(d) + size) + 10 * err };
}

describe('random expressions over every function: d/dx agrees with extrapolated central differences', () => {
  test.prop([srcArb, pointArb], { numRuns: 400 })('away from kinks', (src, p) => {
    const e = parseExpr(src);
    const r = checkAgainstFd(e, p, H);
    fc.pre(r !== 'skip');
    expect(Math.abs(r.sym - r.fd)).toBeLessThanOrEqual(r.tol);
  });

  // On either side of a kink, at distance δ from it, the function is smooth over a stencil narrower
  // than δ: the derivative there is the one-sided derivative of that side.
  const DELTA = 1e-3;
  const KINK_H = DELTA / 8;
  const kinkCase = fc.record({
    f: fc.constantFrom('relu', 'abs', 'step', 'sign', 'leaky_relu'),
    /** The kink's argument is a·(x − x₀) with x₀ = ±δ/a off the kink, times a smooth outer factor. */
    a: fc.constantFrom(1, -1, 2, -3, 0.5),
    side: fc.constantFrom(1, -1),
    slope: fc.constantFrom('1/10', '1/4', '3', 'y'),
    outer: fc.constantFrom('1', 'cos(x)', 'exp(x)', 'x^2 + 1', 'sigmoid(3*x)'),
    p: pointArb,
  });
  test.prop([kinkCase], { numRuns: 300 })('on both sides of every kink (argument ±δ)', (k) => {
    const x0 = k.p[0];
    // Argument u = a·(x − c) with c chosen so that u(x0) = side·δ.
    const c = x0 - (k.side * DELTA) / k.a;
    const u = `${k.a}*(x - ${c.toPrecision(17)})`;
    const inner = k.f === 'leaky_relu' ? `leaky_relu(${u}, ${k.slope})` : `${k.f}(${u})`;
    const e = parseExpr(`(${k.outer}) * ${inner}`);
    const r = checkAgainstFd(e, k.p, KINK_H);
    expect(r).not.toBe('skip');
    if (r === 'skip') return;
    expect(Math.abs(r.sym - r.fd)).toBeLessThanOrEqual(r.tol);
  });
});

describe('gradient: every partial derivative in one pass, the same expressions as diff one by one', () => {
  /** diff's answer per variable, or its refusal. */
  const oneByOne = (e: Expr, xs: readonly string[]): Expr[] | 'refused' => {
    try {
      return xs.map((x) => diff(e, x));
    } catch (err) {
      if (err instanceof UnsupportedDerivative) return 'refused';
      throw err;
    }
  };
  const inOnePass = (e: Expr, xs: readonly string[]): Expr[] | 'refused' => {
    try {
      return gradient(e, xs);
    } catch (err) {
      if (err instanceof UnsupportedDerivative) return 'refused';
      throw err;
    }
  };
  const names = fc.constantFrom<readonly string[]>(
    ['x', 'y', 'z'],
    ['z', 'x'],
    ['y'],
    ['x', 'w'],
    ['x', 'x', 'y'],
    [],
  );
  test.prop([fc.array(srcArb, { minLength: 1, maxLength: 5 }), names], { numRuns: 300 })(
    'on sums of random expressions (and on the expressions themselves), for any list of names',
    (srcs, xs) => {
      const sum = parseExpr(srcs.map((t) => `(${t})`).join(' + '));
      expect(inOnePass(sum, xs)).toEqual(oneByOne(sum, xs));
      const one = parseExpr(srcs[0]!);
      expect(inOnePass(one, xs)).toEqual(oneByOne(one, xs));
    },
  );
});
