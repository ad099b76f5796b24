/**
 * Text and LaTeX rendering of expressions. Symbols named `∂L/∂x` are gradient placeholders
 * (components of g = ∇L) and render as such.
 */
import { type Expr, numValue } from './ast';
import { type Rational } from './rational';

const GREEK = new Set([
  'alpha',
  'beta',
  'gamma',
  'delta',
  'epsilon',
  'zeta',
  'eta',
  'theta',
  'iota',
  'kappa',
  'lambda',
  'mu',
  'nu',
  'xi',
  'pi',
  'rho',
  'sigma',
  'tau',
  'phi',
  'chi',
  'psi',
  'omega',
]);

export const gradSymbol = (param: string): string => `∂L/∂${param}`;
const gradOf = (name: string): string | undefined => (name.startsWith('∂L/∂') ? name.slice(4) : undefined);

const PREC = { add: 1, mul: 2, neg: 2, pow: 4, atom: 5 } as const;

/** A term's sign and magnitude, so that sums print as a - b instead of a + -1*b. */
function splitSign(e: Expr): { negative: boolean; mag: Expr } {
  if (e.kind === 'num' && e.value.startsWith('-'))
    return { negative: true, mag: { kind: 'num', value: e.value.slice(1) } };
  if (e.kind === 'mul' && e.factors[0]?.kind === 'num' && e.factors[0].value.startsWith('-')) {
    const c = e.factors[0].value.slice(1);
    const rest = e.factors.slice(1);
    const factors = c === '1' ? rest : [{ kind: 'num', value: c } as Expr, ...rest];
    return { negative: true, mag: factors.length === 1 ? factors[0]! : { kind: 'mul', factors } };
  }
  return { negative: false, mag: e };
}

/** a + b - c: each term's sign becomes the operator in front of its magnitude. */
function signedSum(terms: readonly Expr[], body: (mag: Expr) => string): string {
  return terms
    .map((t, i) => {
      const { negative, mag } = splitSign(t);
      const b = body(mag);
      return i === 0 ? (negative ? `-${b}` : b) : negative ? ` - ${b}` : ` + ${b}`;
    })
    .join('');
}

const isInvPow = (e: Expr): e is Extract<Expr, { kind: 'pow' }> =>
  e.kind === 'pow' && e.exp.kind === 'num' && e.exp.value.startsWith('-');

/** Split a product into numerator and denominator factors; a leading fraction p/q puts p above and q below. */
function splitFraction(factors: readonly Expr[]): { numer: Expr[]; denom: Expr[] } {
  const numer: Expr[] = [];
  const denom: Expr[] = [];
  factors.forEach((f, i) => {
    if (i === 0 && f.kind === 'num' && factors.length > 1) {
      const r = numValue(f);
      if (r.d !== 1n) {
        if (r.n !== 1n) numer.push({ kind: 'num', value: String(r.n) });
        denom.push({ kind: 'num', value: String(r.d) });
        return;
      }
    }
    if (isInvPow(f))
      denom.push(
        f.exp.kind === 'num' && f.exp.value === '-1'
          ? f.base
          : { ...f, exp: { kind: 'num', value: f.exp.kind === 'num' ? f.exp.value.slice(1) : '1' } },
      );
    else numer.push(f);
  });
  return { numer, denom };
}

// ---------------- text ----------------

/** An expression as plain text with the fewest parentheses that keep its meaning, e.g. `exp(a)*w^2/2`. */
export function toText(e: Expr): string {
  return text(e, 0);
}

function text(e: Expr, outer: number): string {
  const wrap = (s: string, p: number): string => (p < outer ? `(${s})` : s);
  switch (e.kind) {
    case 'num': {
      const r: Rational = numValue(e);
      if (r.n < 0n) return wrap(e.value, PREC.neg);
      return r.d === 1n ? e.value : wrap(e.value, PREC.mul);
    }
    case 'sym':
      return e.name;
    case 'add':
      return wrap(
        signedSum(e.terms, (m) => text(m, PREC.add + 1)),
        PREC.add,
      );
    case 'mul': {
      const { negative, mag } = splitSign(e);
      if (negative) return wrap(`-${text(mag, PREC.mul + 1)}`, PREC.neg);
      if (mag.kind !== 'mul') return text(mag, outer);
      const { numer, denom } = splitFraction(mag.factors);
      const n = numer.length ? numer.map((f) => text(f, PREC.mul)).join('*') : '1';
      if (!denom.length) return wrap(n, PREC.mul);
      const d =
        denom.length === 1 ? text(denom[0]!, PREC.pow) : `(${denom.map((f) => text(f, PREC.mul)).join('*')})`;
      return wrap(`${n}/${d}`, PREC.mul);
    }
    case 'pow': {
      if (isInvPow(e) && e.exp.kind === 'num' && e.exp.value === '-1')
        return wrap(`1/${text(e.base, PREC.pow)}`, PREC.mul);
      return wrap(`${text(e.base, PREC.pow + 1)}^${text(e.exp, PREC.pow)}`, PREC.pow);
    }
    case 'call':
      return `${e.fn}(${e.args.map((a) => text(a, 0)).join(', ')})`;
  }
}

// ---------------- LaTeX ----------------

/** LaTeX for a symbol name: w1 → w_{1}, w_in → w_{\mathrm{in}}, theta → \theta. */
export function latexName(name: string): string {
  const g = gradOf(name);
  if (g !== undefined) return `\\frac{\\partial L}{\\partial ${latexName(g)}}`;
  const m = /^([A-Za-z]+?)_?(\d+)$/.exec(name) ?? /^([A-Za-z]+)_([A-Za-z0-9_]+)$/.exec(name);
  const base = (s: string): string => (GREEK.has(s) ? `\\${s}` : s.length > 1 ? `\\mathrm{${s}}` : s);
  if (m) {
    const sub = /^\d+$/.test(m[2]!) ? m[2]! : `\\mathrm{${m[2]!.replace(/_/g, '\\_')}}`;
    return `${base(m[1]!)}_{${sub}}`;
  }
  return base(name.replace(/_/g, '\\_'));
}

const FN_LATEX: Record<string, string> = {
  exp: '\\exp',
  log: '\\log',
  sin: '\\sin',
  cos: '\\cos',
  tan: '\\tan',
  sinh: '\\sinh',
  cosh: '\\cosh',
  tanh: '\\tanh',
  sigmoid: '\\sigma',
  softplus: '\\operatorname{softplus}',
  relu: '\\operatorname{relu}',
  leaky_relu: '\\operatorname{lrelu}',
  step: '\\operatorname{step}',
  sign: '\\operatorname{sign}',
  expm: '\\exp',
};

/** An expression as a LaTeX fragment (KaTeX renders it), e.g. `\frac{\exp\left(a\right) \, w^{2}}{2}`. */
export function toLatex(e: Expr): string {
  return latex(e, 0);
}

function latex(e: Expr, outer: number): string {
  const wrap = (s: string, p: number): string => (p < outer ? `\\left(${s}\\right)` : s);
  switch (e.kind) {
    case 'num': {
      const r = numValue(e);
      const mag = r.d === 1n ? `${r.n < 0n ? -r.n : r.n}` : `\\frac{${r.n < 0n ? -r.n : r.n}}{${r.d}}`;
      return r.n < 0n ? wrap(`-${mag}`, PREC.neg) : mag;
    }
    case 'sym':
      return latexName(e.name);
    case 'add':
      return wrap(
        signedSum(e.terms, (m) => latex(m, PREC.add + 1)),
        PREC.add,
      );
    case 'mul': {
      const { negative, mag } = splitSign(e);
      if (negative) return wrap(`-${latex(mag, PREC.mul + 1)}`, PREC.neg);
      if (mag.kind !== 'mul') return latex(mag, outer);
      const { numer, denom } = splitFraction(mag.factors);
      const n = numer.length ? numer.map((f) => latex(f, PREC.mul)).join(' \\, ') : '1';
      if (!denom.length) return wrap(n, PREC.mul);
      return `\\frac{${n}}{${denom.map((f) => latex(f, PREC.mul)).join(' \\, ')}}`;
    }
    case 'pow': {
      if (e.base.kind === 'call' && e.base.fn === 'sqrt')
        return wrap(`${latex(e.base, PREC.atom)}^{${latex(e.exp, 0)}}`, PREC.pow);
      if (isInvPow(e) && e.exp.kind === 'num' && e.exp.value === '-1')
        return `\\frac{1}{${latex(e.base, 0)}}`;
      return wrap(`${latex(e.base, PREC.pow + 1)}^{${latex(e.exp, 0)}}`, PREC.pow);
    }
    case 'call': {
      if (e.fn === 'sqrt') return `\\sqrt{${latex(e.args[0]!, 0)}}`;
      if (e.fn === 'abs') return `\\left|${latex(e.args[0]!, 0)}\\right|`;
      return `${FN_LATEX[e.fn] ?? e.fn}\\left(${e.args.map((a) => latex(a, 0)).join(', ')}\\right)`;
    }
  }
}
