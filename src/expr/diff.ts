/**
 * Symbolic differentiation of the project's expressions. Piecewise-linear functions use their
 * almost-everywhere derivatives (relu' = step, step' = 0), as autodiff frameworks do.
 */
import { type Expr, add, mul, neg, pow, div, num, call, dependsOn, ONE_E, ZERO_E, sub } from './ast';

export class UnsupportedDerivative extends Error {}

export function diff(e: Expr, x: string): Expr {
  if (!dependsOn(e, x)) return ZERO_E;
  switch (e.kind) {
    case 'num':
      return ZERO_E;
    case 'sym':
      return e.name === x ? ONE_E : ZERO_E;
    case 'add':
      return add(...e.terms.map((t) => diff(t, x)));
    case 'mul':
      return add(
        ...e.factors.map((f, i) => {
          const df = diff(f, x);
          return mul(...e.factors.map((g, j) => (i === j ? df : g)));
        }),
      );
    case 'pow': {
      const { base, exp } = e;
      if (!dependsOn(exp, x)) return mul(exp, pow(base, add(exp, num(-1))), diff(base, x));
      // d(b^c) = b^c (c' log b + c b'/b)
      return mul(e, add(mul(diff(exp, x), call('log', base)), mul(exp, diff(base, x), pow(base, num(-1)))));
    }
    case 'call': {
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
          if (dependsOn(s, x)) throw new UnsupportedDerivative(`leaky_relu slope depends on ${x}`);
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
