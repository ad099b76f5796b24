/**
 * Printing (src/expr/print.ts): the text of each node kind in each context, written out by hand as
 * a person would write the expression (signs as operators, fractions with a slash, parentheses only
 * where precedence needs them), checked to read back to the same value; and the LaTeX of names,
 * numbers, functions and fractions written out by hand from the conventions of the module's doc.
 */
import { parseExpr } from '../../src/expr/parse';
import { toText, toLatex, latexName, gradSymbol } from '../../src/expr/print';
import { type Expr, sym, add, mul, neg, pow, div, call } from '../../src/expr/ast';
import { evaluate } from '../../src/expr/evaluate';

const x = sym('x');
const y = sym('y');
const z = sym('z');
const n = (value: string): Expr => ({ kind: 'num', value });
const POINTS = [
  [0.75, 1.25, -0.5],
  [-1.5, 0.375, 2],
  [2.5, -0.625, 1.75],
];
const value = (e: Expr, p: number[]): number =>
  evaluate(
    e,
    new Map([
      ['x', p[0]!],
      ['y', p[1]!],
      ['z', p[2]!],
    ]),
  );
/** The text, checked to read back to the same value at a few points. */
const text = (e: Expr): string => {
  const s = toText(e);
  const back = parseExpr(s);
  for (const p of POINTS) {
    const [a, b] = [value(back, p), value(e, p)];
    if (Number.isFinite(b)) expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(b)));
    else expect(Number.isFinite(a)).toBe(false);
  }
  return s;
};

describe('text: numbers and symbols', () => {
  it('integers, fractions and negative numbers alone', () => {
    expect(text(n('3'))).toBe('3');
    expect(text(n('-3'))).toBe('-3');
    expect(text(n('2/3'))).toBe('2/3');
    expect(text(n('-2/3'))).toBe('-2/3');
    expect(text(x)).toBe('x');
  });

  it('a negative number or a fraction as the base or exponent of a power is parenthesised', () => {
    expect(text(pow(n('-3'), x))).toBe('(-3)^x');
    expect(text(pow(n('1/2'), x))).toBe('(1/2)^x');
    expect(text(pow(n('-1/2'), x))).toBe('(-1/2)^x');
    expect(text(pow(n('3'), x))).toBe('3^x');
    expect(text(pow(x, n('1/2')))).toBe('x^(1/2)');
    expect(text(pow(x, n('-3')))).toBe('x^(-3)');
    expect(text(pow(x, n('-1/2')))).toBe('x^(-1/2)');
    expect(text(pow(x, n('3')))).toBe('x^3');
  });

  it('a fraction or negative number as a term of a sum or an argument needs no parentheses', () => {
    expect(text(add(x, n('1/2')))).toBe('x + 1/2');
    expect(text(call('sin', n('-1/2')))).toBe('sin(-1/2)');
    expect(text(call('leaky_relu', x, n('1/10')))).toBe('leaky_relu(x, 1/10)');
  });
});

describe('text: sums print their signs as operators', () => {
  it('a − b, a − 3, a − 2b, −a + b, −a − 2b', () => {
    expect(text(add(x, neg(y)))).toBe('x - y');
    expect(text(add(x, n('-3')))).toBe('x - 3');
    expect(text(add(x, n('3')))).toBe('x + 3');
    expect(text(add(x, mul(n('-2'), y)))).toBe('x - 2*y');
    expect(text(add(x, mul(n('-2'), y, z)))).toBe('x - 2*y*z');
    expect(text(add(neg(x), y))).toBe('-x + y');
    expect(text(add(neg(x), mul(n('-2'), y)))).toBe('-x - 2*y');
    expect(text(add(mul(n('2'), x), y))).toBe('2*x + y');
    expect(text(add(x, mul(n('-1/2'), y)))).toBe('x - y/2');
    expect(text(add(x, mul(n('-3/2'), y)))).toBe('x - 3*y/2');
  });

  it('a sum inside a product, a power or a negation is parenthesised; inside a call it is not', () => {
    const s = add(x, n('1'));
    expect(text(mul(s, y))).toBe('(x + 1)*y');
    expect(text(pow(s, n('2')))).toBe('(x + 1)^2');
    expect(text(pow(y, s))).toBe('y^(x + 1)');
    expect(text(neg(s))).toBe('-(x + 1)');
    expect(text(call('exp', s))).toBe('exp(x + 1)');
    expect(text(div(x, s))).toBe('x/(x + 1)');
  });
});

describe('text: products and quotients', () => {
  it('products with a leading integer, and negated products', () => {
    expect(text(mul(x, y))).toBe('x*y');
    expect(text(mul(n('2'), x))).toBe('2*x');
    expect(text(neg(x))).toBe('-x');
    // A negated product on its own keeps the product together, as in the tutorial's X_v = -(2*v).
    expect(text(mul(n('-2'), x))).toBe('-(2*x)');
    expect(text(mul(n('-1'), x, y))).toBe('-(x*y)');
    expect(text(neg(call('exp', x)))).toBe('-exp(x)');
    expect(text(neg(pow(x, n('2'))))).toBe('-x^2');
  });

  it('a leading fraction p/q puts p above and q below; 1/q puts nothing above', () => {
    expect(text(mul(n('2/3'), x))).toBe('2*x/3');
    expect(text(mul(n('1/3'), x))).toBe('x/3');
    expect(text(mul(n('1/3'), x, y))).toBe('x*y/3');
    // A lone fraction is a number, not a product.
    expect(text(mul(n('1/3')))).toBe('1/3');
  });

  it('negative powers go below the line; several denominators are parenthesised together', () => {
    expect(text(div(x, y))).toBe('x/y');
    expect(text(mul(x, pow(y, n('-2'))))).toBe('x/y^2');
    expect(text(mul(pow(y, n('-1')), x))).toBe('x/y');
    expect(text(mul(x, pow(y, n('-1')), pow(z, n('-1'))))).toBe('x/(y*z)');
    expect(text(mul(n('1/2'), pow(y, n('-1'))))).toBe('1/(2*y)');
    expect(text(mul(n('3/2'), x, pow(y, n('-1'))))).toBe('3*x/(2*y)');
    expect(text(mul(pow(y, n('-1')), pow(z, n('-1'))))).toBe('1/(y*z)');
    expect(text(mul(x, pow(mul(y, z), n('-1'))))).toBe('x/(y*z)');
    expect(text(mul(x, pow(pow(y, n('2')), n('-1'))))).toBe('x/y^2');
  });

  it('a quotient or product as the base of a power is parenthesised; as a factor it is not', () => {
    expect(text(pow(mul(x, y), n('2')))).toBe('(x*y)^2');
    expect(text(pow(div(x, y), n('2')))).toBe('(x/y)^2');
    expect(text(pow(neg(x), n('2')))).toBe('(-x)^2');
    expect(text(mul(call('exp', x), pow(y, n('2')), n('1/2')))).toBe('exp(x)*y^2/2');
  });

  it('a negated quotient keeps the quotient together', () => {
    expect(text(mul(n('-1/2'), x))).toBe('-(x/2)');
    expect(text(add(y, mul(n('-1'), x, pow(z, n('-1')))))).toBe('y - x/z');
  });
});

describe('text: powers', () => {
  it('x^(−1) is 1/x; a power of a power is parenthesised on the left, not on the right', () => {
    expect(text(pow(x, n('-1')))).toBe('1/x');
    expect(text(pow(add(x, y), n('-1')))).toBe('1/(x + y)');
    expect(text(pow(pow(x, n('-1')), n('2')))).toBe('(1/x)^2');
    expect(text(pow(pow(x, n('2')), n('3')))).toBe('(x^2)^3');
    expect(text(pow(x, pow(y, n('2'))))).toBe('x^y^2');
    expect(text(mul(y, pow(x, n('-1'))))).toBe('y/x');
    expect(text(add(y, pow(x, n('-1'))))).toBe('y + 1/x');
  });

  it('calls print their arguments plainly', () => {
    expect(text(call('tanh', mul(x, y)))).toBe('tanh(x*y)');
    expect(text(pow(call('sin', x), n('2')))).toBe('sin(x)^2');
  });
});

describe('LaTeX names', () => {
  it('indices, multi-letter names and underscores', () => {
    expect(latexName('x')).toBe('x');
    expect(latexName('w1')).toBe('w_{1}');
    expect(latexName('w12')).toBe('w_{12}');
    expect(latexName('w_1')).toBe('w_{1}');
    expect(latexName('ab12')).toBe('\\mathrm{ab}_{12}');
    expect(latexName('w_in')).toBe('w_{\\mathrm{in}}');
    expect(latexName('w_in_2')).toBe('w_{\\mathrm{in\\_2}}');
    expect(latexName('w_1a')).toBe('w_{\\mathrm{1a}}');
    expect(latexName('lr')).toBe('\\mathrm{lr}');
    expect(latexName('x_')).toBe('\\mathrm{x\\_}');
    expect(latexName('w1b')).toBe('\\mathrm{w1b}');
    expect(latexName('_w1')).toBe('\\mathrm{\\_w1}');
  });

  it('Greek letters, alone and indexed', () => {
    const greek =
      'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau phi chi psi omega';
    for (const g of greek.split(' ')) {
      expect(latexName(g)).toBe(`\\${g}`);
      expect(latexName(`${g}2`)).toBe(`\\${g}_{2}`);
    }
    expect(latexName('omicron')).toBe('\\mathrm{omicron}');
  });

  it('gradient placeholders ∂L/∂x render as partial derivatives', () => {
    expect(gradSymbol('w1')).toBe('∂L/∂w1');
    expect(latexName(gradSymbol('w1'))).toBe('\\frac{\\partial L}{\\partial w_{1}}');
    expect(latexName(gradSymbol('theta'))).toBe('\\frac{\\partial L}{\\partial \\theta}');
    expect(toText(sym(gradSymbol('x')))).toBe('∂L/∂x');
  });
});

describe('LaTeX expressions', () => {
  const L = (src: string): string => toLatex(parseExpr(src));

  it('numbers: integers, fractions, signs', () => {
    expect(toLatex(n('3'))).toBe('3');
    expect(toLatex(n('-3'))).toBe('-3');
    expect(toLatex(n('2/3'))).toBe('\\frac{2}{3}');
    expect(toLatex(n('-2/3'))).toBe('-\\frac{2}{3}');
    expect(toLatex(pow(n('-3'), x))).toBe('\\left(-3\\right)^{x}');
    expect(toLatex(pow(x, n('-3')))).toBe('x^{-3}');
  });

  it('every function by its LaTeX name', () => {
    const names: [string, string][] = [
      ['exp', '\\exp'],
      ['log', '\\log'],
      ['sin', '\\sin'],
      ['cos', '\\cos'],
      ['tan', '\\tan'],
      ['sinh', '\\sinh'],
      ['cosh', '\\cosh'],
      ['tanh', '\\tanh'],
      ['sigmoid', '\\sigma'],
      ['softplus', '\\operatorname{softplus}'],
      ['relu', '\\operatorname{relu}'],
      ['step', '\\operatorname{step}'],
      ['sign', '\\operatorname{sign}'],
      ['expm', '\\exp'],
    ];
    for (const [fn, tex] of names) expect(L(`${fn}(x)`)).toBe(`${tex}\\left(x\\right)`);
    expect(L('leaky_relu(x, 1/10)')).toBe('\\operatorname{lrelu}\\left(x, \\frac{1}{10}\\right)');
    expect(L('sqrt(x + 1)')).toBe('\\sqrt{x + 1}');
    expect(L('abs(x - 1)')).toBe('\\left|x - 1\\right|');
  });

  it('sums, products and quotients', () => {
    expect(L('x - 2*y')).toBe('x - 2 \\, y');
    expect(L('-x + y')).toBe('-x + y');
    expect(L('x*y')).toBe('x \\, y');
    expect(L('-(x + y)')).toBe('-\\left(x + y\\right)');
    expect(L('(x + 1)*y')).toBe('\\left(x + 1\\right) \\, y');
    expect(L('x/y')).toBe('\\frac{x}{y}');
    expect(L('x/(y*z)')).toBe('\\frac{x}{y \\, z}');
    expect(L('2*x/3')).toBe('\\frac{2 \\, x}{3}');
    expect(L('x/3')).toBe('\\frac{x}{3}');
    expect(L('1/(y*z)')).toBe('\\frac{1}{y \\, z}');
    expect(L('exp(a)*w^2/2')).toBe('\\frac{\\exp\\left(a\\right) \\, w^{2}}{2}');
    expect(L('(x*y)^2')).toBe('\\left(x \\, y\\right)^{2}');
  });

  it('powers: inverse as a fraction, powers of roots and of powers', () => {
    expect(L('1/x')).toBe('\\frac{1}{x}');
    expect(toLatex(pow(add(x, y), n('-1')))).toBe('\\frac{1}{x + y}');
    expect(L('x^(y + 1)')).toBe('x^{y + 1}');
    expect(L('(x + 1)^2')).toBe('\\left(x + 1\\right)^{2}');
    expect(L('(x^2)^3')).toBe('\\left(x^{2}\\right)^{3}');
    expect(L('sqrt(x)^3')).toBe('\\sqrt{x}^{3}');
    expect(toLatex(pow(pow(call('sqrt', x), n('3')), n('2')))).toBe('\\left(\\sqrt{x}^{3}\\right)^{2}');
    expect(L('sin(x)^2')).toBe('\\sin\\left(x\\right)^{2}');
    expect(L('theta_1^2')).toBe('\\theta_{1}^{2}');
  });
});
