/**
 * The parser (src/expr/parse.ts) against its grammar and documented limits: each construct's value
 * checked by evaluation at points (a grammar rule parsed wrongly changes a value), each refusal's
 * message and 1-based column counted by hand, each limit at its boundary (accepted at the limit,
 * refused one past it), and the term count against the documented bound — a sum adds, a product
 * multiplies, a sum of m terms to the k-th power has C(k + m − 1, m − 1) — worked out by hand.
 */
import {
  parseExpr,
  parseExprWithin,
  ExprSyntaxError,
  STRUCTURAL_LIMITS,
  DECLARATION_LIMITS,
  type ExprLimits,
} from '../../src/expr/parse';
import { type Expr, FUNCTIONS } from '../../src/expr/ast';
import { evaluate } from '../../src/expr/evaluate';

const POINTS = [
  [0.75, 1.25, -0.5],
  [-1.5, 0.375, 2],
  [2.5, -0.625, 1.75],
];
const at = (e: Expr, p: number[]): number =>
  evaluate(
    e,
    new Map([
      ['x', p[0]!],
      ['y', p[1]!],
      ['z', p[2]!],
    ]),
  );
/** src parses to an expression with the value f(x, y, z) at every point. */
const means = (src: string, f: (x: number, y: number, z: number) => number): void => {
  const e = parseExpr(src);
  for (const p of POINTS) {
    const want = f(p[0]!, p[1]!, p[2]!);
    expect(Math.abs(at(e, p) - want)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(want)));
  }
};
/** The error parsing src within the limits raises. */
const refusal = (src: string, limits: ExprLimits = STRUCTURAL_LIMITS): ExprSyntaxError => {
  try {
    parseExprWithin(src, limits);
  } catch (err) {
    if (err instanceof ExprSyntaxError) return err;
    throw err;
  }
  throw new Error(`'${src}' was accepted`);
};
const refused = (src: string, detail: string, column: number, limits?: ExprLimits): void => {
  const err = refusal(src, limits);
  expect(err.detail).toBe(detail);
  expect(err.column).toBe(column);
  expect(err.message).toBe(`${detail} (column ${column})`);
  expect(err.name).toBe('ExprSyntaxError');
};

describe('grammar, by value', () => {
  it('precedence: * and / before + and −; ^ before unary minus; left to right', () => {
    means('x + y*z', (x, y, z) => x + y * z);
    means('x - y - z', (x, y, z) => x - y - z);
    means('x - y + z', (x, y, z) => x - y + z);
    means('x/y/z', (x, y, z) => x / y / z);
    means('x/y*z', (x, y, z) => (x / y) * z);
    means('x*y/z', (x, y, z) => (x * y) / z);
    means('-x^2', (x) => -(x ** 2));
    means('+x', (x) => x);
    means('--x', (x) => x);
    means('-+-x', (x) => x);
    means('x*-y', (x, y) => -x * y);
    means('x - -y', (x, y) => x + y);
    means('(x + y)*z', (x, y, z) => (x + y) * z);
  });

  it('powers are right-associative and take a signed exponent', () => {
    means('2^3^2', () => 512);
    means('x^-2', (x) => x ** -2);
    means('x^+2', (x) => x ** 2);
    means('2^-1^2', () => 0.5);
    means('(x^2)^3', (x) => x ** 6);
  });

  it('numbers: integers, decimals, leading or trailing point, exponents; read exactly', () => {
    means('12', () => 12);
    means('2.5', () => 2.5);
    means('.5', () => 0.5);
    means('5.', () => 5);
    means('1e3', () => 1000);
    means('1.5E-2', () => 0.015);
    means('2e+2', () => 200);
    means('x*1e2', (x) => 100 * x);
    expect(parseExpr('0.1')).toEqual({ kind: 'num', value: '1/10' });
    expect(parseExpr('0.25e1')).toEqual({ kind: 'num', value: '5/2' });
    expect(parseExpr('1.25e1')).toEqual({ kind: 'num', value: '25/2' });
  });

  it('names and calls; spaces anywhere between tokens; both arguments of leaky_relu', () => {
    expect(parseExpr('w_in2')).toEqual({ kind: 'sym', name: 'w_in2' });
    expect(parseExpr('_a')).toEqual({ kind: 'sym', name: '_a' });
    expect(parseExpr('Ab9')).toEqual({ kind: 'sym', name: 'Ab9' });
    means(' \t x \n*\ty ', (x, y) => x * y);
    means('sin( x )', Math.sin);
    means('exp(x + y)', (x, y) => Math.exp(x + y));
    means('leaky_relu(x, 1/10)', (x) => (x > 0 ? x : x / 10));
    means('leaky_relu(x - y, z)', (x, y, z) => (x - y > 0 ? x - y : z * (x - y)));
    expect(parseExpr('leaky_relu(x, y)')).toEqual({
      kind: 'call',
      fn: 'leaky_relu',
      args: [
        { kind: 'sym', name: 'x' },
        { kind: 'sym', name: 'y' },
      ],
    });
  });

  it('x/1 is x itself; 0^k is accepted for k ≥ 0 and for a symbolic k', () => {
    expect(parseExpr('x/1')).toEqual({ kind: 'sym', name: 'x' });
    expect(parseExpr('0^2')).toEqual({
      kind: 'pow',
      base: { kind: 'num', value: '0' },
      exp: { kind: 'num', value: '2' },
    });
    expect(parseExpr('0^x').kind).toBe('pow');
    expect(parseExpr('x^-1')).toEqual({
      kind: 'pow',
      base: { kind: 'sym', name: 'x' },
      exp: { kind: 'num', value: '-1' },
    });
  });
});

describe('refusals, with their columns', () => {
  it('characters outside the grammar, whole code points quoted', () => {
    refused('x; y', "unexpected character ';'", 2);
    refused('x + 😀', "unexpected character '😀'", 5);
    refused('a.b', "unexpected character '.'", 2);
    refused('x ** 2', "use '^' for powers, not '**'", 3);
  });

  it('missing operators and operands', () => {
    refused('2 x', "missing operator before 'x' (write '*' for products)", 3);
    refused('x 2', "missing operator before '2' (write '*' for products)", 3);
    refused('2 (y)', "missing operator before '(' (write '*' for products)", 3);
    refused('x (y)', `unknown function 'x' (known: ${Object.keys(FUNCTIONS).join(', ')})`, 1);
    refused('x +', 'unexpected end of expression', 4);
    refused('x * )', "unexpected ')'", 5);
    refused('x)', "unexpected ')'", 2);
    refused('x y', "missing operator before 'y' (write '*' for products)", 3);
    refused('(x + 1', "expected ')' but found end of expression", 7);
    refused('(x, y)', "expected ')' but found ','", 3);
    refused('sin(x y)', "missing operator before 'y' (write '*' for products)", 7);
  });

  it('empty input, and what is not a string', () => {
    refused('', 'empty expression', 1);
    refused('  \t', 'empty expression', 1);
    refused(3 as unknown as string, 'expression must be a string', 1);
  });

  it('functions: unknown, without arguments, wrong number of arguments', () => {
    refused('y + foo(x)', `unknown function 'foo' (known: ${Object.keys(FUNCTIONS).join(', ')})`, 5);
    expect(Object.keys(FUNCTIONS).join(', ')).toContain('exp, log, sqrt');
    refused('x*tanh', "function 'tanh' used without arguments", 3);
    refused('x + leaky_relu(x)', 'leaky_relu takes 2 arguments, got 1', 5);
    refused('sin(x, y)', 'sin takes 1 argument, got 2', 1);
    refused('exp(x, y, z)', 'exp takes 1 argument, got 3', 1);
    // A name that is not a function is a symbol, whatever follows it otherwise.
    expect(parseExpr('sine')).toEqual({ kind: 'sym', name: 'sine' });
  });

  it('long names and numbers are cut short in messages', () => {
    const long = 'a'.repeat(41);
    refused(
      `${long}(x)`,
      `unknown function '${'a'.repeat(40)}…' (known: ${Object.keys(FUNCTIONS).join(', ')})`,
      1,
    );
    const forty = 'b'.repeat(40);
    refused(`x ${forty}`, `missing operator before '${forty}' (write '*' for products)`, 3);
  });

  it('numbers that cannot be read exactly', () => {
    refused('x + 1e401', "malformed number '1e401'", 5);
    expect(parseExpr('1e400').kind).toBe('num');
  });

  it('division by zero, and 0 to a negative power', () => {
    refused('x/0', 'division by zero', 2);
    refused('x*0/0', 'division by zero', 4);
    refused('x/(1 - 1)', 'division by zero', 2);
    refused('1 + 0^-2', 'division by zero (0 to a negative power)', 6);
    refused('0^(0 - 3)', 'division by zero (0 to a negative power)', 2);
    expect(parseExpr('x*0')).toEqual({ kind: 'num', value: '0' });
  });
});

describe('structural limits', () => {
  it('are 20,000 characters and 200 levels by default', () => {
    expect(STRUCTURAL_LIMITS).toEqual({ length: 20_000, depth: 200 });
  });

  it('length: at the limit accepted, one past refused (column 1)', () => {
    const limits: ExprLimits = { length: 5, depth: 10 };
    expect(parseExprWithin('x+y+z', limits).kind).toBe('add');
    refused('x+y+zz', 'expression longer than 5 characters (the limit)', 1, limits);
    const big = `x${'+x'.repeat(9_999)}`;
    expect(big).toHaveLength(19_999);
    expect(() => parseExpr(`${big} `)).not.toThrow();
    refused(`${big}  `, 'expression longer than 20000 characters (the limit)', 1);
  });

  it('depth counts parentheses, calls, signs and exponents; at the limit accepted', () => {
    const limits: ExprLimits = { length: 100, depth: 3 };
    for (const ok of ['((x))', '(((x)))', 'sin(sin(sin(x)))', '---x', 'x^x^x^x', '(-sin(x))', 'x^-(y)'])
      expect(() => parseExprWithin(ok, limits)).not.toThrow();
    refused('((((x))))', 'expression nested more than 3 deep (the limit)', 4, limits);
    refused('sin(sin(sin(sin(x))))', 'expression nested more than 3 deep (the limit)', 13, limits);
    refused('----x', 'expression nested more than 3 deep (the limit)', 4, limits);
    refused('x^x^x^x^x', 'expression nested more than 3 deep (the limit)', 8, limits);
    refused('(-sin((x)))', 'expression nested more than 3 deep (the limit)', 7, limits);
    // Depth is released after each closing: many shallow groups in a row are fine.
    expect(() => parseExprWithin('(x)*(y)*(-z)*sin(x)*x^y*(x)*(y)', limits)).not.toThrow();
    const deep = `${'('.repeat(200)}x${')'.repeat(200)}`;
    expect(parseExpr(deep)).toEqual({ kind: 'sym', name: 'x' });
    refused(`(${deep})`, 'expression nested more than 200 deep (the limit)', 201);
  });
});

describe('declaration limits', () => {
  it('are the documented numbers', () => {
    expect(DECLARATION_LIMITS).toEqual({
      length: 2_000,
      depth: 32,
      calls: 3,
      factors: 16,
      terms: 50_000,
      derivative: 4_000,
    });
  });

  const only = (over: Partial<ExprLimits>): ExprLimits => ({ length: 10_000, depth: 100, ...over });

  it('calls: functions nested inside one another, not side by side', () => {
    const limits = only({ calls: 2 });
    expect(() => parseExprWithin('sin(cos(x))', limits)).not.toThrow();
    expect(() => parseExprWithin('sin(cos(x)) + tanh(exp(x))*sin(cos(x))', limits)).not.toThrow();
    expect(() => parseExprWithin('leaky_relu(sin(x), cos(y))', limits)).not.toThrow();
    refused('x + sin(cos(exp(x)))', 'functions nested more than 2 deep (the limit)', 13, limits);
    refused('leaky_relu(x, sin(cos(y)))', 'functions nested more than 2 deep (the limit)', 19, limits);
    // Without a calls limit, nesting is bounded by depth only.
    expect(() => parseExprWithin('sin(sin(sin(sin(x))))', only({}))).not.toThrow();
  });

  it('factors: non-numeric factors of a flattened product, at the limit accepted', () => {
    const limits = only({ factors: 3 });
    expect(() => parseExprWithin('2*x*3*y*4*z*5', limits)).not.toThrow();
    expect(() => parseExprWithin('(x*y)*z', limits)).not.toThrow();
    refused('1 + (x*y)*(z*x)', 'a product of more than 3 factors (the limit)', 5, limits);
    refused('x*y*z*x', 'a product of more than 3 factors (the limit)', 1, limits);
    refused('x/y/z/x', 'a product of more than 3 factors (the limit)', 1, limits);
  });

  // Terms: a symbol, number, call or power of one is 1; a sum adds; a product multiplies; an
  // integer power k of a sum of m terms is C(k + m − 1, m − 1); other powers are 1.
  const accepts = (src: string, terms: number): void => {
    expect(() => parseExprWithin(src, only({ terms }))).not.toThrow();
  };
  const termsOf = (src: string, terms: number): void => {
    accepts(src, terms);
    expect(refusal(src, only({ terms: terms - 1 })).detail).toBe(
      `expands to more than ${terms - 1} terms (the limit)`,
    );
  };

  it('terms: sums add, products multiply', () => {
    termsOf('x + y + z', 3);
    termsOf('x + 1', 2);
    termsOf('(x + y)*(y + z + 1)', 6);
    termsOf('(x + y)*(x + y)*(z + 1)', 8);
    termsOf('(x + y)*sin(x + y + z) + z', 3);
    termsOf('x*y + (x + 1)*z', 3);
  });

  it('terms: integer powers of sums are C(k + m − 1, m − 1); other powers one term', () => {
    termsOf('(x + y)^2', 3);
    termsOf('(x + y + z)^3', 10);
    termsOf('(x + y)^-2', 3);
    termsOf('(x + y + z + 1)^4', 35);
    termsOf('(x + y)^1000', 1001);
    termsOf('(x + y + z)^2*(x + 1)', 12);
    termsOf('((x + y)^2 + z)^2', 10);
    accepts('(x + y)^0.5 + (x + y)^x + x^1000000000 + (x + y)^y^2', 4);
    expect(() => parseExprWithin('(x + y)^(1/2)', only({ terms: 0 }))).toThrow(
      'expands to more than 0 terms',
    );
  });

  it('terms: a huge power of a sum is beyond any limit, without computing the binomial', () => {
    const err = refusal('(x + y + z)^1000000000', only({ terms: 10 ** 15 }));
    expect(err.detail).toBe(`expands to more than ${10 ** 15} terms (the limit)`);
    // C(100 + 65, 65) ≈ 3e46, more than 64 steps: refused even against a limit of 1e300.
    const wide = `(${Array.from({ length: 66 }, (_, i) => `a${i}`).join(' + ')})^100`;
    expect(refusal(wide, only({ terms: 1e300, factors: 100 })).detail).toBe(
      'expands to more than 1e+300 terms (the limit)',
    );
    // C(64 + 64, 64) ≈ 2.4e37 takes 64 steps: accepted against a limit of 1e38.
    const sum65 = `(${Array.from({ length: 65 }, (_, i) => `a${i}`).join(' + ')})^64`;
    expect(() => parseExprWithin(sum65, only({ terms: 1e38 }))).not.toThrow();
    expect(refusal(sum65, only({ terms: 2e37 })).detail).toBe('expands to more than 2e+37 terms (the limit)');
  });

  it('limits are checked where a product, power or sum is built, at the column where it starts', () => {
    refused('z + 2*(x + y)^3', 'expands to more than 3 terms (the limit)', 7, only({ terms: 3 }));
    refused('sin((x + y)*(x + z))', 'expands to more than 3 terms (the limit)', 5, only({ terms: 3 }));
    // Inside a call the argument's terms do not count outside it, but the argument itself is checked.
    expect(() => parseExprWithin('sin(x + y + z) * sin(x + y + z)', only({ terms: 3 }))).not.toThrow();
  });
});

describe('the second-derivative estimate', () => {
  const within = (src: string, derivative: number): boolean => {
    try {
      parseExprWithin(src, { length: 10_000, depth: 100, derivative });
      return true;
    } catch (err) {
      if (!(err instanceof ExprSyntaxError)) throw err;
      return false;
    }
  };
  /** The estimate: the smallest derivative limit at which src is accepted, found by bisection. */
  const estimate = (src: string): number => {
    let [lo, hi] = [-1, 1];
    while (!within(src, hi)) [lo, hi] = [hi, hi * 2];
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (within(src, mid)) hi = mid;
      else lo = mid;
    }
    return hi;
  };

  it('one below the estimate, the refusal names it and the limit', () => {
    const d = estimate('sigmoid(x*y)*tanh(x)');
    expect(refusal('sigmoid(x*y)*tanh(x)', { length: 100, depth: 10, derivative: d - 1 }).detail).toBe(
      `too complex to differentiate: its second derivative has about ${d} nodes, above the limit ${d - 1}`,
    );
  });

  // DECLARATION_LIMITS.derivative was calibrated in the units of this estimate, so its recurrences
  // are part of the limit's meaning. Each node kind worked by hand (size, d1, d2 of the parts; a
  // symbol is (1, 1, 0), a number (1, 0, 0)):
  //   product of n factors with summed parts (s, d1, d2):  d2 + 2(n − 1)·d1 + (n − 1)²·s,
  //                                                        its d1 = d1 + (n − 1)·s;
  //   power to a number, base b, size s:                   s + 2·b.d1 + b.d2 + 4,  d1 = s + b.d1 + 2;
  //   other power, base b, exponent e, size s:             3s + 2(e.d1 + b.d1) + e.d2 + b.d2 + 2·b.s + 8,
  //                                                        d1 = 2s + e.d1 + b.d1 + b.s + 4;
  //   call with c copies (sigmoid, leaky_relu 2; step, sign 0; others 1), arguments a, size a.s + 1:
  //                                                        c(c·s + a.d1) + a.d1 + c·s + a.d2 + 4,
  //                                                        d1 = c·s + a.d1 + 2;
  //   sum: the parts' d2 added.
  it.each([
    ['x*y', 6], //                 0 + 2·1·2 + 1·2
    ['x*y*z', 24], //              0 + 2·2·3 + 4·3
    ['2*x', 4], //                 0 + 2·1·1 + 1·2
    ['x*y + z*x', 12], //          6 + 6
    ['x^3', 9], //                 3 + 2 + 0 + 4
    ['x^y', 23], //                9 + 4 + 0 + 0 + 2 + 8
    ['(x*y)^2', 22], //            4 + 8 + 6 + 4
    ['x^(y*z)', 38], //            12 + 2·(4 + 1) + 6 + 0 + 2 + 8
    ['(x*y)^(y*z)', 55], //        15 + 2·(4 + 4) + 6 + 6 + 4 + 8
    ['sin(x)', 10], //             1·(2 + 1) + 1 + 2 + 0 + 4
    ['sigmoid(x)', 19], //         2·(4 + 1) + 1 + 4 + 0 + 4
    ['step(x)', 5], //             0 + 1 + 0 + 0 + 4
    ['sign(x)', 5],
    ['leaky_relu(x, y)', 28], //   2·(6 + 2) + 2 + 6 + 0 + 4
    ['sin(x*y)', 24], //           (3 + 4) + 4 + 3 + 6 + 4
    ['sin(x)*y', 25], //           parts (3, 5 + 1, 10): 10 + 2·6 + 3
    ['sin(x^2)', 33], //           x^2 = (3, 6, 9): (4 + 6) + 6 + 4 + 9 + 4
    ['sin(x^y)', 61], //           x^y = (3, 13, 23): (4 + 13) + 13 + 4 + 23 + 4
    ['sin(sin(x))', 30], //        sin(x) = (2, 5, 10): (3 + 5) + 5 + 3 + 10 + 4
    ['sigmoid(sigmoid(x))', 62], // sigmoid(x) = (2, 7, 19): 2·(6 + 7) + 7 + 6 + 19 + 4
  ])('%s: %i', (src, d2) => {
    expect(estimate(src)).toBe(d2);
  });

  it('a number alone has none', () => {
    expect(within('7', 0)).toBe(true);
    expect(within('x + 1', 0)).toBe(true);
  });
});
