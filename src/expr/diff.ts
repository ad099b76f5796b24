/**
 * Symbolic differentiation of the project's expressions. Piecewise-linear functions use their
 * almost-everywhere derivatives (relu' = step, step' = 0), as autodiff frameworks do.
 */
import { type Expr, add, mul, neg, pow, div, num, call, isNum, ONE_E, ZERO_E, sub, symbols } from './ast';

export class UnsupportedDerivative extends Error {}

/** Whether e mentions the symbol x. */
function mentions(e: Expr, x: string): boolean {
  switch (e.kind) {
    case 'num':
      return false;
    case 'sym':
      return e.name === x;
    case 'add':
      return e.terms.some((t) => mentions(t, x));
    case 'mul':
      return e.factors.some((t) => mentions(t, x));
    case 'pow':
      return mentions(e.base, x) || mentions(e.exp, x);
    case 'call':
      return e.args.some((t) => mentions(t, x));
  }
}

/**
 * The derivative of e by x. Each node is visited once: a subtree free of x differentiates to 0
 * through the rules themselves (a sum or product of zero derivatives folds to 0), so only an
 * exponent, a leaky_relu slope and expm ask whether they mention x.
 */
export function diff(e: Expr, x: string): Expr {
  switch (e.kind) {
    case 'num':
      return ZERO_E;
    case 'sym':
      return e.name === x ? ONE_E : ZERO_E;
    case 'add': {
      // Zero derivatives are left out: the sum would drop them.
      let ds: Expr[] | undefined;
      for (const t of e.terms) {
        const dt = diff(t, x);
        if (!isNum(dt, 0)) (ds ??= []).push(dt);
      }
      return ds ? add(...ds) : ZERO_E;
    }
    case 'mul': {
      // Product rule; a factor whose derivative is 0 contributes the term 0, which the sum drops.
      let ds: Expr[] | undefined;
      const fs = e.factors;
      for (let i = 0; i < fs.length; i++) {
        const df = diff(fs[i]!, x);
        if (isNum(df, 0)) continue;
        const parts = fs.slice();
        parts[i] = df;
        (ds ??= []).push(mul(...parts));
      }
      return ds ? add(...ds) : ZERO_E;
    }
    case 'pow': {
      const { base, exp } = e;
      if (!mentions(exp, x)) return mul(exp, pow(base, add(exp, num(-1))), diff(base, x));
      // d(b^c) = b^c (c' log b + c b'/b)
      return mul(e, add(mul(diff(exp, x), call('log', base)), mul(exp, diff(base, x), pow(base, num(-1)))));
    }
    case 'call': {
      // expm has no derivative, but a subtree free of x still differentiates to 0.
      if (e.fn === 'expm' && !mentions(e, x)) return ZERO_E;
      const u = e.args[0]!;
      const du = diff(u, x);
      const chain = (outer: Expr): Expr => mul(outer, du);
      switch (e.fn) {
        case 'exp':
          return chain(e);
        case 'log':
          return div(du, u);
        case 'sqrt':
          return div(du, mul(num(2), e));
        case 'sin':
          return chain(call('cos', u));
        case 'cos':
          return chain(neg(call('sin', u)));
        case 'tan':
          return chain(add(ONE_E, pow(e, num(2))));
        case 'sinh':
          return chain(call('cosh', u));
        case 'cosh':
          return chain(call('sinh', u));
        case 'tanh':
          return chain(sub(ONE_E, pow(e, num(2))));
        case 'sigmoid':
          return chain(mul(e, sub(ONE_E, e)));
        case 'softplus':
          return chain(call('sigmoid', u));
        case 'relu':
          return chain(call('step', u));
        case 'leaky_relu': {
          const s = e.args[1]!;
          if (mentions(s, x)) throw new UnsupportedDerivative(`leaky_relu slope depends on ${x}`);
          return chain(add(call('step', u), mul(s, sub(ONE_E, call('step', u)))));
        }
        case 'abs':
          return chain(call('sign', u));
        case 'step':
        case 'sign':
          return ZERO_E;
        case 'expm':
          throw new UnsupportedDerivative(
            'expm is a matrix function: differentiate block-level actions with the block algebra',
          );
      }
    }
  }
}

/**
 * ∂e/∂x for every x of xs: the same expressions as xs.map((x) => diff(e, x)), term for term, in one
 * pass over a sum's terms, each differentiated only by the symbols it mentions (a loss of n
 * parameters is walked once, not n times).
 */
export function gradient(e: Expr, xs: readonly string[]): Expr[] {
  const at = new Map(xs.map((x, i) => [x, i]));
  if (e.kind !== 'add' || at.size !== xs.length) return xs.map((x) => diff(e, x));
  const parts: Expr[][] = xs.map(() => []);
  for (const t of e.terms)
    for (const name of symbols(t)) {
      const i = at.get(name);
      if (i === undefined) continue;
      const dt = diff(t, name);
      if (!isNum(dt, 0)) parts[i]!.push(dt);
    }
  return parts.map((p) => (p.length ? add(...p) : ZERO_E));
}
