/**
 * Float64 evaluation of expressions by walking the tree (no code generation, so user
 * expressions are never turned into code). `compile` pre-resolves symbols to slots for speed.
 */
import { type Expr, numValue } from './ast';
import { toNumber } from './rational';

export class UnboundSymbol extends Error {}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
const softplus = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

export function applyFn(fn: string, a: number, b = 0): number {
  switch (fn) {
    case 'exp':
      return Math.exp(a);
    case 'log':
      return Math.log(a);
    case 'sqrt':
      return Math.sqrt(a);
    case 'sin':
      return Math.sin(a);
    case 'cos':
      return Math.cos(a);
    case 'tan':
      return Math.tan(a);
    case 'sinh':
      return Math.sinh(a);
    case 'cosh':
      return Math.cosh(a);
    case 'tanh':
      return Math.tanh(a);
    case 'sigmoid':
      return sigmoid(a);
    case 'softplus':
      return softplus(a);
    case 'relu':
      return a > 0 ? a : 0;
    case 'leaky_relu':
      return a > 0 ? a : b * a;
    case 'abs':
      return Math.abs(a);
    case 'step':
      return a > 0 ? 1 : 0;
    case 'sign':
      return a > 0 ? 1 : a < 0 ? -1 : 0;
    default:
      throw new UnboundSymbol(`function ${fn} has no scalar value`);
  }
}

export type Compiled = (values: ArrayLike<number>) => number;

/** Compile e over the ordered variable list; unknown symbols throw UnboundSymbol at compile time. */
export function compile(e: Expr, vars: readonly string[]): Compiled {
  const slot = new Map(vars.map((v, i) => [v, i]));
  const go = (x: Expr): Compiled => {
    switch (x.kind) {
      case 'num': {
        const v = toNumber(numValue(x));
        return () => v;
      }
      case 'sym': {
        const i = slot.get(x.name);
        if (i === undefined) throw new UnboundSymbol(`no value for symbol '${x.name}'`);
        return (vs) => vs[i]!;
      }
      case 'add': {
        const ts = x.terms.map(go);
        return (vs) => {
          let s = 0;
          for (const t of ts) s += t(vs);
          return s;
        };
      }
      case 'mul': {
        const fs = x.factors.map(go);
        return (vs) => {
          let s = 1;
          for (const f of fs) s *= f(vs);
          return s;
        };
      }
      case 'pow': {
        const b = go(x.base);
        const e = go(x.exp);
        return (vs) => Math.pow(b(vs), e(vs));
      }
      case 'call': {
        const a = go(x.args[0]!);
        const b = x.args[1] ? go(x.args[1]) : () => 0;
        const fn = x.fn;
        return (vs) => applyFn(fn, a(vs), b(vs));
      }
    }
  };
  return go(e);
}

export function evaluate(e: Expr, env: ReadonlyMap<string, number>): number {
  const vars = [...env.keys()];
  return compile(e, vars)(vars.map((v) => env.get(v)!));
}

/** |f'(a)| for the scalar functions: how an error in the argument propagates to the value. */
function slope(fn: string, a: number, b: number): number {
  switch (fn) {
    case 'exp':
      return Math.exp(a);
    case 'log':
      return 1 / Math.abs(a);
    case 'sqrt':
      return 1 / (2 * Math.sqrt(a));
    case 'sin':
      return Math.abs(Math.cos(a));
    case 'cos':
      return Math.abs(Math.sin(a));
    case 'tan':
      return 1 + Math.tan(a) ** 2;
    case 'sinh':
      return Math.cosh(a);
    case 'cosh':
      return Math.abs(Math.sinh(a));
    case 'tanh':
      return 1 - Math.tanh(a) ** 2;
    case 'sigmoid': {
      const s = sigmoid(a);
      return s * (1 - s);
    }
    case 'softplus':
      return sigmoid(a);
    case 'relu':
      return a > 0 ? 1 : 0;
    case 'leaky_relu':
      return a > 0 ? 1 : Math.abs(b);
    case 'abs':
      return 1;
    default:
      return 0; // step, sign: piecewise constant
  }
}

/**
 * Compile the *rounding magnitude* of e: a value m(x) ≥ |e(x)| such that the float64 error of
 * evaluating e is a modest multiple of ε·m(x). Sums add their terms' magnitudes (what cancelled
 * still counts), products multiply them, and a function adds its slope times its argument's
 * magnitude. A residual that is within a few ε·m of zero cannot be told from zero in float64.
 */
export function compileMagnitude(e: Expr, vars: readonly string[]): Compiled {
  const go = (x: Expr): { value: Compiled; mag: Compiled } => {
    switch (x.kind) {
      case 'num':
      case 'sym': {
        const value = compile(x, vars);
        return { value, mag: (vs) => Math.abs(value(vs)) };
      }
      case 'add': {
        const ts = x.terms.map(go);
        return {
          value: compile(x, vars),
          mag: (vs) => {
            let s = 0;
            for (const t of ts) s += t.mag(vs);
            return s;
          },
        };
      }
      case 'mul': {
        const fs = x.factors.map(go);
        return {
          value: compile(x, vars),
          mag: (vs) => {
            let s = 1;
            for (const f of fs) s *= f.mag(vs);
            return s;
          },
        };
      }
      case 'pow': {
        const b = go(x.base);
        const ex = go(x.exp);
        const value = compile(x, vars);
        return {
          value,
          mag: (vs) => {
            const bv = b.value(vs),
              ev = ex.value(vs),
              v = Math.abs(value(vs));
            // d(b^e) = e b^(e−1) db + b^e ln|b| de
            const dB = bv === 0 ? 0 : (Math.abs(ev) * v * b.mag(vs)) / Math.abs(bv);
            const dE = bv === 0 ? 0 : v * Math.abs(Math.log(Math.abs(bv))) * ex.mag(vs);
            return v + dB + dE;
          },
        };
      }
      case 'call': {
        const a = go(x.args[0]!);
        const b = x.args[1] ? go(x.args[1]) : undefined;
        const value = compile(x, vars);
        const fn = x.fn;
        return {
          value,
          mag: (vs) => {
            const av = a.value(vs);
            const bv = b ? b.value(vs) : 0;
            return Math.abs(value(vs)) + slope(fn, av, bv) * a.mag(vs) + (b ? Math.abs(av) * b.mag(vs) : 0);
          },
        };
      }
    }
  };
  return go(e).mag;
}

/** The smallest positive normal double: below it a result keeps fewer than 53 significant bits. */
const MIN_NORMAL = 2.2250738585072014e-308;

/**
 * Compile a test for evaluating e *out of range*: whether some intermediate value overflows (is
 * infinite or NaN, even where the final value comes out finite: (x^a)^b with x^a = ∞ gives ∞^b = 0)
 * or underflows (a product, power or function value is subnormal, or nonzero factors multiply to
 * 0). There the rounding model behind {@link compileMagnitude} (a relative error ε per operation)
 * fails — exp(u)·exp(u) at u = −360 is subnormal with about ten significant bits — so such a point
 * has left the range in which float64 can judge the residual.
 */
export function compileOutOfRange(e: Expr, vars: readonly string[]): (values: ArrayLike<number>) => boolean {
  const tiny = (v: number): boolean => !Number.isFinite(v) || (v !== 0 && Math.abs(v) < MIN_NORMAL);
  const go = (x: Expr): { value: Compiled; under: (vs: ArrayLike<number>) => boolean } => {
    switch (x.kind) {
      case 'num':
      case 'sym':
        return { value: compile(x, vars), under: () => false };
      case 'add': {
        const ts = x.terms.map(go);
        const value = compile(x, vars);
        return { value, under: (vs) => ts.some((t) => t.under(vs)) || !Number.isFinite(value(vs)) };
      }
      case 'mul': {
        const fs = x.factors.map(go);
        const value = compile(x, vars);
        return {
          value,
          under: (vs) => {
            if (fs.some((f) => f.under(vs))) return true;
            const v = value(vs);
            return tiny(v) || (v === 0 && fs.every((f) => f.value(vs) !== 0));
          },
        };
      }
      case 'pow': {
        const b = go(x.base);
        const ex = go(x.exp);
        const value = compile(x, vars);
        return {
          value,
          under: (vs) => {
            if (b.under(vs) || ex.under(vs)) return true;
            const v = value(vs);
            return tiny(v) || (v === 0 && b.value(vs) !== 0);
          },
        };
      }
      case 'call': {
        const args = x.args.map(go);
        const value = compile(x, vars);
        return {
          value,
          under: (vs) => {
            if (args.some((a) => a.under(vs))) return true;
            const v = value(vs);
            // exp, sinh… of a large negative argument: 0 or subnormal in place of a tiny positive value.
            return tiny(v) || (v === 0 && (x.fn === 'exp' || x.fn === 'sigmoid'));
          },
        };
      }
    }
  };
  return go(e).under;
}
