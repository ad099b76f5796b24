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

/** An expression flattened in post-order: every node's operands come before it. */
interface Flat {
  readonly nodes: readonly FlatNode[];
}
type FlatNode =
  | { readonly kind: 'const'; readonly value: number }
  | { readonly kind: 'sym'; readonly slot: number }
  | { readonly kind: 'add' | 'mul'; readonly args: readonly number[] }
  | { readonly kind: 'pow'; readonly base: number; readonly exp: number }
  | { readonly kind: 'call'; readonly fn: string; readonly a: number; readonly b: number | undefined };

function flatten(e: Expr, vars: readonly string[]): Flat {
  const slot = new Map(vars.map((v, i) => [v, i]));
  const nodes: FlatNode[] = [];
  const go = (x: Expr): number => {
    let node: FlatNode;
    switch (x.kind) {
      case 'num':
        node = { kind: 'const', value: toNumber(numValue(x)) };
        break;
      case 'sym': {
        const i = slot.get(x.name);
        if (i === undefined) throw new UnboundSymbol(`no value for symbol '${x.name}'`);
        node = { kind: 'sym', slot: i };
        break;
      }
      case 'add':
        node = { kind: 'add', args: x.terms.map(go) };
        break;
      case 'mul':
        node = { kind: 'mul', args: x.factors.map(go) };
        break;
      case 'pow': {
        const base = go(x.base);
        node = { kind: 'pow', base, exp: go(x.exp) };
        break;
      }
      case 'call': {
        const a = go(x.args[0]!);
        node = { kind: 'call', fn: x.fn, a, b: x.args[1] ? go(x.args[1]) : undefined };
        break;
      }
    }
    nodes.push(node);
    return nodes.length - 1;
  };
  go(e);
  return { nodes };
}

/** Every node's float64 value, with the same operations in the same order as {@link compile}. */
function valuesInto(f: Flat, vs: ArrayLike<number>, val: Float64Array): void {
  const nodes = f.nodes;
  for (let i = 0; i < nodes.length; i++) {
    const x = nodes[i]!;
    switch (x.kind) {
      case 'const':
        val[i] = x.value;
        break;
      case 'sym':
        val[i] = vs[x.slot]!;
        break;
      case 'add': {
        let s = 0;
        for (const j of x.args) s += val[j]!;
        val[i] = s;
        break;
      }
      case 'mul': {
        let s = 1;
        for (const j of x.args) s *= val[j]!;
        val[i] = s;
        break;
      }
      case 'pow':
        val[i] = Math.pow(val[x.base]!, val[x.exp]!);
        break;
      case 'call':
        val[i] = applyFn(x.fn, val[x.a]!, x.b === undefined ? 0 : val[x.b]!);
        break;
    }
  }
}

/** The rounding magnitude of every node of f from its values `val` (see {@link compileMagnitude}). */
function magnitudeOf(f: Flat, val: Float64Array, mag: Float64Array): number {
  const n = f.nodes.length;
  for (let i = 0; i < n; i++) {
    const x = f.nodes[i]!;
    switch (x.kind) {
      case 'const':
      case 'sym':
        mag[i] = Math.abs(val[i]!);
        break;
      case 'add': {
        let s = 0;
        for (const j of x.args) s += mag[j]!;
        mag[i] = s;
        break;
      }
      case 'mul': {
        let s = 1;
        for (const j of x.args) s *= mag[j]!;
        mag[i] = s;
        break;
      }
      case 'pow': {
        const bv = val[x.base]!,
          ev = val[x.exp]!,
          v = Math.abs(val[i]!);
        // d(b^e) = e b^(e−1) db + b^e ln|b| de
        const dB = bv === 0 ? 0 : (Math.abs(ev) * v * mag[x.base]!) / Math.abs(bv);
        const dE = bv === 0 ? 0 : v * Math.abs(Math.log(Math.abs(bv))) * mag[x.exp]!;
        mag[i] = v + dB + dE;
        break;
      }
      case 'call': {
        const av = val[x.a]!;
        const bv = x.b === undefined ? 0 : val[x.b]!;
        mag[i] =
          Math.abs(val[i]!) +
          slope(x.fn, av, bv) * mag[x.a]! +
          (x.b === undefined ? 0 : Math.abs(av) * mag[x.b]!);
        break;
      }
    }
  }
  return mag[n - 1]!;
}

/**
 * Compile the *rounding magnitude* of e: a value m(x) ≥ |e(x)| such that the float64 error of
 * evaluating e is a modest multiple of ε·m(x). Sums add their terms' magnitudes (what cancelled
 * still counts), products multiply them, and a function adds its slope times its argument's
 * magnitude. A residual that is within a few ε·m of zero cannot be told from zero in float64.
 * One pass over the flattened tree: linear in its size.
 */
export function compileMagnitude(e: Expr, vars: readonly string[]): Compiled {
  const f = flatten(e, vars);
  const val = new Float64Array(f.nodes.length),
    mag = new Float64Array(f.nodes.length);
  return (vs) => {
    valuesInto(f, vs, val);
    return magnitudeOf(f, val, mag);
  };
}

/** The smallest positive normal double: below it a result keeps fewer than 53 significant bits. */
const MIN_NORMAL = 2.2250738585072014e-308;
const tiny = (v: number): boolean => !Number.isFinite(v) || (v !== 0 && Math.abs(v) < MIN_NORMAL);

/** Whether some node of f is out of range, from its values `val` (see {@link compileOutOfRange}). */
function outOfRangeIn(f: Flat, val: Float64Array): boolean {
  for (let i = 0; i < f.nodes.length; i++) {
    const x = f.nodes[i]!;
    const v = val[i]!;
    switch (x.kind) {
      case 'const':
      case 'sym':
        break;
      case 'add':
        if (!Number.isFinite(v)) return true;
        break;
      case 'mul':
        if (tiny(v) || (v === 0 && x.args.every((j) => val[j] !== 0))) return true;
        break;
      case 'pow':
        if (tiny(v) || (v === 0 && val[x.base] !== 0)) return true;
        break;
      case 'call':
        // exp, sinh… of a large negative argument: 0 or subnormal in place of a tiny positive value.
        if (tiny(v) || (v === 0 && (x.fn === 'exp' || x.fn === 'sigmoid'))) return true;
        break;
    }
  }
  return false;
}

/**
 * Compile a test for evaluating e *out of range*: whether some intermediate value overflows (is
 * infinite or NaN, even where the final value comes out finite: (x^a)^b with x^a = ∞ gives ∞^b = 0)
 * or underflows (a product, power or function value is subnormal, or nonzero factors multiply to
 * 0). There the rounding model behind {@link compileMagnitude} (a relative error ε per operation)
 * fails — exp(u)·exp(u) at u = −360 is subnormal with about ten significant bits — so such a point
 * has left the range in which float64 can judge the residual. One pass over the flattened tree.
 */
export function compileOutOfRange(e: Expr, vars: readonly string[]): (values: ArrayLike<number>) => boolean {
  const f = flatten(e, vars);
  const val = new Float64Array(f.nodes.length);
  return (vs) => {
    valuesInto(f, vs, val);
    return outOfRangeIn(f, val);
  };
}

/**
 * One evaluation of e at a point serving three questions: its value (the value {@link compile}
 * gives: the same operations in the same order), its rounding magnitude ({@link compileMagnitude})
 * and whether it left the range ({@link compileOutOfRange}), all three in one pass over the
 * flattened tree. `magnitude` and `outOfRange` answer for the point of the latest `value` call.
 * Unknown symbols throw UnboundSymbol at compile time.
 */
export interface Probe {
  readonly value: Compiled;
  readonly magnitude: () => number;
  readonly outOfRange: () => boolean;
}

/** Node kinds of a {@link Probe}'s typed program. */
const CONST = 0,
  SYM = 1,
  ADD = 2,
  MUL = 3,
  POW = 4,
  CALL = 5;

export function compileProbe(e: Expr, vars: readonly string[]): Probe {
  // The tree flattened in post-order as flatten() does, into typed arrays: a node's operands are
  // node indices (for a sum or product, the range arg[a[i]] … arg[b[i] − 1]); a constant's value
  // sits in `num`, a symbol's slot in `a`.
  const slot = new Map(vars.map((v, i) => [v, i]));
  const ops: number[] = [],
    as: number[] = [],
    bs: number[] = [],
    nums: number[] = [],
    fns: string[] = [],
    args: number[] = [];
  const node = (o: number, x: number, y: number, value = 0, f = ''): number => {
    ops.push(o);
    as.push(x);
    bs.push(y);
    nums.push(value);
    fns.push(f);
    return ops.length - 1;
  };
  const go = (x: Expr): number => {
    switch (x.kind) {
      case 'num':
        return node(CONST, 0, 0, toNumber(numValue(x)));
      case 'sym': {
        const i = slot.get(x.name);
        if (i === undefined) throw new UnboundSymbol(`no value for symbol '${x.name}'`);
        return node(SYM, i, 0);
      }
      case 'add':
      case 'mul': {
        const js = (x.kind === 'add' ? x.terms : x.factors).map(go);
        const start = args.length;
        for (const j of js) args.push(j);
        return node(x.kind === 'add' ? ADD : MUL, start, args.length);
      }
      case 'pow': {
        const base = go(x.base);
        return node(POW, base, go(x.exp));
      }
      case 'call': {
        const ia = go(x.args[0]!);
        return node(CALL, ia, x.args[1] ? go(x.args[1]) : -1, 0, x.fn);
      }
    }
  };
  go(e);
  const n = ops.length;
  const op = Uint8Array.from(ops),
    a = Int32Array.from(as),
    b = Int32Array.from(bs),
    num = Float64Array.from(nums),
    fn = fns,
    arg = Int32Array.from(args);
  const val = new Float64Array(n),
    mag = new Float64Array(n);
  let out = false;
  return {
    value: (vs) => {
      out = false;
      for (let i = 0; i < n; i++) {
        let v: number;
        // Each case: the value as valuesInto, the magnitude as magnitudeOf, the range as outOfRangeIn.
        switch (op[i]) {
          case CONST:
            v = val[i] = num[i]!;
            mag[i] = Math.abs(v);
            break;
          case SYM:
            v = val[i] = vs[a[i]!]!;
            mag[i] = Math.abs(v);
            break;
          case ADD: {
            let s = 0,
              m = 0;
            for (let k = a[i]!, end = b[i]!; k < end; k++) {
              const j = arg[k]!;
              s += val[j]!;
              m += mag[j]!;
            }
            v = val[i] = s;
            mag[i] = m;
            if (!Number.isFinite(v)) out = true;
            break;
          }
          case MUL: {
            let s = 1,
              m = 1;
            for (let k = a[i]!, end = b[i]!; k < end; k++) {
              const j = arg[k]!;
              s *= val[j]!;
              m *= mag[j]!;
            }
            v = val[i] = s;
            mag[i] = m;
            if (!out && tiny(v)) out = true;
            if (!out && v === 0) {
              let nonzero = true;
              for (let k = a[i]!, end = b[i]!; k < end; k++) if (val[arg[k]!] === 0) nonzero = false;
              if (nonzero) out = true;
            }
            break;
          }
          case POW: {
            const bv = val[a[i]!]!,
              ev = val[b[i]!]!;
            v = val[i] = Math.pow(bv, ev);
            const av = Math.abs(v);
            // d(b^e) = e b^(e−1) db + b^e ln|b| de
            const dB = bv === 0 ? 0 : (Math.abs(ev) * av * mag[a[i]!]!) / Math.abs(bv);
            const dE = bv === 0 ? 0 : av * Math.abs(Math.log(Math.abs(bv))) * mag[b[i]!]!;
            mag[i] = av + dB + dE;
            if (!out && (tiny(v) || (v === 0 && bv !== 0))) out = true;
            break;
          }
          default: {
            const f = fn[i]!;
            const av = val[a[i]!]!;
            const hasB = b[i]! >= 0;
            const bv = hasB ? val[b[i]!]! : 0;
            v = val[i] = applyFn(f, av, bv);
            mag[i] = Math.abs(v) + slope(f, av, bv) * mag[a[i]!]! + (hasB ? Math.abs(av) * mag[b[i]!]! : 0);
            if (!out && (tiny(v) || (v === 0 && (f === 'exp' || f === 'sigmoid')))) out = true;
            break;
          }
        }
      }
      return val[n - 1]!;
    },
    magnitude: () => mag[n - 1]!,
    outOfRange: () => out,
  };
}
