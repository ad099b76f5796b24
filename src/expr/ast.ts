/**
 * The project's own expression type. Plain readonly JSON data: every symbolic result the toolkit
 * prints or exports is one of these, never a CAS object. Numbers are exact rationals written as
 * strings ("3", "-1/2") so that records stay JSON-serialisable.
 *
 * Products keep their factor order (block-level actions multiply matrices, which do not commute).
 */
import {
  type Rational,
  rat,
  toString as ratToString,
  parseRational,
  isZero,
  isOne,
  mul as rmul,
  add as radd,
} from './rational';

/**
 * An expression: plain readonly JSON data (numbers are exact rationals written as strings, `"-1/2"`),
 * never a CAS object. Products keep their factor order (block-level actions multiply matrices).
 * Made by {@link parseExpr}, printed by {@link toText} and {@link toLatex}.
 */
export type Expr =
  | { readonly kind: 'num'; readonly value: string }
  | { readonly kind: 'sym'; readonly name: string }
  | { readonly kind: 'add'; readonly terms: readonly Expr[] }
  | { readonly kind: 'mul'; readonly factors: readonly Expr[] }
  | { readonly kind: 'pow'; readonly base: Expr; readonly exp: Expr }
  | { readonly kind: 'call'; readonly fn: FnName; readonly args: readonly Expr[] };

/** Functions a user expression may call, with their arity. Anything else is an input error. */
export const FUNCTIONS = {
  exp: 1,
  log: 1,
  sqrt: 1,
  sin: 1,
  cos: 1,
  tan: 1,
  sinh: 1,
  cosh: 1,
  tanh: 1,
  sigmoid: 1,
  softplus: 1,
  relu: 1,
  leaky_relu: 2,
  abs: 1,
  step: 1,
  sign: 1,
  /** Matrix exponential: block-level actions only. */
  expm: 1,
} as const;
/**
 * The functions an expression may call: `exp log sqrt sin cos tan sinh cosh tanh sigmoid softplus relu
 * leaky_relu abs step sign`, and `expm` in block-level actions.
 */
export type FnName = keyof typeof FUNCTIONS;
export const isFnName = (s: string): s is FnName => Object.prototype.hasOwnProperty.call(FUNCTIONS, s);

/** Parsed number literals, shared (rationals are immutable); cleared when it grows past its cap. */
const parsed = new Map<string, Rational>();
const PARSED_CAP = 1 << 14;
export const numValue = (e: Extract<Expr, { kind: 'num' }>): Rational => {
  let r = parsed.get(e.value);
  if (r === undefined) {
    r = parseRational(e.value)!;
    if (parsed.size >= PARSED_CAP) parsed.clear();
    parsed.set(e.value, r);
  }
  return r;
};
export const num = (v: Rational | number): Expr => ({
  kind: 'num',
  value: ratToString(typeof v === 'number' ? rat(v) : v),
});
export const sym = (name: string): Expr => ({ kind: 'sym', name });
export const ZERO_E = num(0);
export const ONE_E = num(1);

export const isNum = (e: Expr, v?: number): boolean =>
  e.kind === 'num' && (v === undefined || e.value === String(v));

/** Sum with light simplification: flattening, dropping zeros, folding numbers. */
export function add(...terms: Expr[]): Expr {
  const out: Expr[] = [];
  let c: Rational | undefined;
  for (const x of terms) {
    if (x.kind === 'add') {
      for (const t of x.terms)
        if (t.kind === 'num') c = c === undefined ? numValue(t) : radd(c, numValue(t));
        else out.push(t);
    } else if (x.kind === 'num') c = c === undefined ? numValue(x) : radd(c, numValue(x));
    else out.push(x);
  }
  if (c !== undefined && !isZero(c)) out.push(num(c));
  if (out.length === 0) return ZERO_E;
  return out.length === 1 ? out[0]! : { kind: 'add', terms: out };
}

/**
 * Product with light simplification: flattening, folding numbers to the front, 0 absorbs. Order of
 * other factors is kept.
 */
export function mul(...factors: Expr[]): Expr {
  const out: Expr[] = [];
  let c: Rational | undefined;
  for (const x of factors) {
    if (x.kind === 'mul') {
      for (const f of x.factors)
        if (f.kind === 'num') c = c === undefined ? numValue(f) : rmul(c, numValue(f));
        else out.push(f);
    } else if (x.kind === 'num') c = c === undefined ? numValue(x) : rmul(c, numValue(x));
    else out.push(x);
  }
  if (c === undefined)
    return out.length === 0 ? ONE_E : out.length === 1 ? out[0]! : { kind: 'mul', factors: out };
  if (isZero(c)) return ZERO_E;
  if (!isOne(c)) out.unshift(num(c));
  if (out.length === 0) return num(c);
  return out.length === 1 ? out[0]! : { kind: 'mul', factors: out };
}

export const neg = (e: Expr): Expr => mul(num(-1), e);
export const sub = (a: Expr, b: Expr): Expr => add(a, neg(b));

export function pow(base: Expr, exp: Expr): Expr {
  if (isNum(exp, 0)) return ONE_E;
  if (isNum(exp, 1)) return base;
  if (isNum(base, 1)) return ONE_E;
  return { kind: 'pow', base, exp };
}
export const div = (a: Expr, b: Expr): Expr => (isNum(b, 1) ? a : mul(a, pow(b, num(-1))));
export const call = (fn: FnName, ...args: Expr[]): Expr => ({ kind: 'call', fn, args });

/** Every symbol name occurring in e. */
export function symbols(e: Expr, into: Set<string> = new Set()): Set<string> {
  switch (e.kind) {
    case 'num':
      break;
    case 'sym':
      into.add(e.name);
      break;
    case 'add':
      e.terms.forEach((t) => symbols(t, into));
      break;
    case 'mul':
      e.factors.forEach((t) => symbols(t, into));
      break;
    case 'pow':
      symbols(e.base, into);
      symbols(e.exp, into);
      break;
    case 'call':
      e.args.forEach((t) => symbols(t, into));
      break;
  }
  return into;
}

export const dependsOn = (e: Expr, name: string): boolean => symbols(e).has(name);

/** Replace symbols by expressions (simultaneously). */
export function substitute(e: Expr, map: ReadonlyMap<string, Expr>): Expr {
  switch (e.kind) {
    case 'num':
      return e;
    case 'sym':
      return map.get(e.name) ?? e;
    case 'add':
      return add(...e.terms.map((t) => substitute(t, map)));
    case 'mul':
      return mul(...e.factors.map((t) => substitute(t, map)));
    case 'pow':
      return pow(substitute(e.base, map), substitute(e.exp, map));
    case 'call':
      return call(e.fn, ...e.args.map((t) => substitute(t, map)));
  }
}

/** Whether e calls the function fn anywhere. */
export function callsFn(e: Expr, fn: FnName): boolean {
  switch (e.kind) {
    case 'call':
      return e.fn === fn || e.args.some((a) => callsFn(a, fn));
    case 'add':
      return e.terms.some((t) => callsFn(t, fn));
    case 'mul':
      return e.factors.some((f) => callsFn(f, fn));
    case 'pow':
      return callsFn(e.base, fn) || callsFn(e.exp, fn);
    default:
      return false;
  }
}
