/**
 * Gaps the mutation run of src/expr/ast.ts, parse.ts and print.ts found, each pinned by a value worked
 * by hand: a number has no symbols; decimals with several integer digits or none; signs, exponents
 * and calls side by side at depth 1 (each closes its own level); 0^0; where a derivative-size refusal
 * points; negative powers printed as powers; zero printed without a sign; multi-letter names with a
 * subscript; quotients of products in LaTeX; the term bound C(k + m − 1, m − 1) at a 66-term square.
 */
import { num, pow, sym, symbols } from '../../src/expr/ast';
import { parseExpr, parseExprWithin, ExprSyntaxError, type ExprLimits } from '../../src/expr/parse';
import { latexName, toLatex, toText } from '../../src/expr/print';

const within = (src: string, limits: ExprLimits): string => {
  try {
    parseExprWithin(src, limits);
    return 'accepted';
  } catch (e) {
    if (e instanceof ExprSyntaxError) return e.message;
    throw e;
  }
};

describe('ast', () => {
  it('a number has no symbols (not even an undefined one)', () => {
    expect(symbols(num(4)).size).toBe(0);
    expect([...symbols(parseExpr('2*x + 3'))]).toEqual(['x']);
  });
});

describe('parse', () => {
  it('decimals with several integer digits, and with none', () => {
    expect(parseExpr('12.5')).toEqual({ kind: 'num', value: '25/2' });
    expect(parseExpr('.25')).toEqual({ kind: 'num', value: '1/4' });
  });
  it.each(['-x*-x*-x', 'x^2*x^2*x^2', 'sin(x)*sin(x)*sin(x)'])(
    '%s side by side stays at depth 1 (each sign, exponent and call closes its level)',
    (src) => {
      expect(within(src, { length: 100, depth: 1 })).toBe('accepted');
    },
  );
  it('0^0 is 1 (a zero base is refused only for a negative exponent)', () => {
    expect(parseExpr('0^0')).toEqual({ kind: 'num', value: '1' });
  });
  it('(a0 + … + a65)^2 has C(67, 2) = 2211 terms: accepted at that limit, refused one below', () => {
    const sum = Array.from({ length: 66 }, (_, i) => `a${i}`).join(' + ');
    expect(within(`(${sum})^2`, { length: 10_000, depth: 10, terms: 2211 })).toBe('accepted');
    expect(within(`(${sum})^2`, { length: 10_000, depth: 10, terms: 2210 })).not.toBe('accepted');
  });
  it('a derivative-size refusal points at the whole call chain (column 1), not an inner argument', () => {
    const message = within('tanh(sigmoid(sigmoid(x)))', { length: 100, depth: 20, derivative: 61 });
    expect(message).not.toBe('accepted');
    expect(message).toMatch(/column 1\b/);
  });
});

describe('print', () => {
  it('a negative power prints as a power, not a quotient', () => {
    expect(toText(parseExpr('x^-2'))).toBe('x^(-2)');
    expect(toLatex(parseExpr('x^-2'))).toBe('x^{-2}');
  });
  it('zero prints without a sign or parentheses', () => {
    expect(toText(pow(num(0), sym('x')))).toBe('0^x');
    expect(toLatex(num(0))).toBe('0');
  });
  it('multi-letter names with a subscript, and names that start with an underscore', () => {
    expect(latexName('lr_in')).toBe('\\mathrm{lr}_{\\mathrm{in}}');
    expect(latexName('_a_b')).toBe('\\mathrm{\\_a\\_b}');
  });
  it('quotients of products in LaTeX: a thin space between the factors below the bar', () => {
    expect(toLatex(parseExpr('x/(y*z)'))).toBe('\\frac{x}{y \\, z}');
    expect(toLatex(parseExpr('1/(x*y)'))).toBe('\\frac{1}{x \\, y}');
  });
});
