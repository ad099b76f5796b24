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
