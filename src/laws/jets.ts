/**
 * Values of iterated Lie brackets of polynomial vector fields at one point, modulo p, without ever
 * forming the brackets symbolically.
 *
 * A point carries k nilpotent directions ε₁…ε_k (εᵢ² = 0): each coordinate is a jet of 2ᵏ residues
 * indexed by subsets of the directions. For fields X and Y, [X, Y](θ) = DY(θ)·X(θ) − DX(θ)·Y(θ), and
 * DY(θ)·v is the ε-coefficient of Y(θ + εv) for one more direction ε; so a bracket of depth d is
 * evaluated by 2d + 1 field evaluations on jets of at most 2ᵈ residues, whatever its size as a
 * polynomial field would be.
 */
import { modp, mulp, P, ratp } from './modp';
import type { Field } from './poly';

/** A field compiled for evaluation mod p: per component its terms' coefficients and monomials. */
export interface CompiledField {
  readonly components: Int32Array;
  /** Terms of component i are starts[i] … starts[i+1] − 1. */
  readonly starts: Int32Array;
  readonly coefs: Float64Array;
  /** Variables of term t are vars[varStarts[t]] … vars[varStarts[t+1] − 1]. */
  readonly varStarts: Int32Array;
  readonly vars: Int32Array;
  /** The generator each term came from, and its coefficient before weighting. */
  readonly gens: Int32Array;
  readonly base: Float64Array;
}

/** Compile fields (each scaled by weights[i] mod p, when given) into one summed field. */
export function compile(fields: readonly Field[], weights?: readonly number[]): CompiledField {
  const byComp = new Map<number, { c: number; b: number; g: number; m: readonly number[] }[]>();
  fields.forEach((f, i) => {
    const w = weights ? weights[i]! : 1;
    if (w === 0) return;
    for (const [a, poly] of f) {
      let list = byComp.get(a);
      if (!list) byComp.set(a, (list = []));
      for (const t of poly.values()) {
        const c = ratp(t.c);
        if (c === undefined) throw new RangeError('a coefficient is not defined modulo p');
        list.push({ c: mulp(c, w), b: c, g: i, m: t.m });
      }
    }
  });
  const comps = [...byComp.keys()].sort((a, b) => a - b);
  const nTerms = comps.reduce((s, a) => s + byComp.get(a)!.length, 0);
  const starts = new Int32Array(comps.length + 1);
  const coefs = new Float64Array(nTerms);
  const base = new Float64Array(nTerms);
  const gens = new Int32Array(nTerms);
  const varStarts = new Int32Array(nTerms + 1);
  const vars: number[] = [];
  let t = 0;
  comps.forEach((a, i) => {
    starts[i] = t;
    for (const term of byComp.get(a)!) {
      coefs[t] = term.c;
      base[t] = term.b;
      gens[t] = term.g;
      varStarts[t] = vars.length;
      vars.push(...term.m);
      t++;
    }
  });
  starts[comps.length] = t;
  varStarts[t] = vars.length;
  return {
    components: Int32Array.from(comps),
    starts,
    coefs,
    varStarts,
    vars: Int32Array.from(vars),
    gens,
    base,
  };
}

/** The same summed field with new weights per generator (no recompilation). */
export function reweight(f: CompiledField, weights: readonly number[]): CompiledField {
  const coefs = new Float64Array(f.base.length);
  for (let t = 0; t < coefs.length; t++) coefs[t] = mulp(f.base[t]!, weights[f.gens[t]!]!);
  return { ...f, coefs };
}

/** Jets of size 2ᵏ: out = a · b[bAt … bAt + size) (subset convolution mod p). */
function jetMul(a: Float64Array, b: Float64Array, bAt: number, size: number, out: Float64Array): void {
  for (let s = 0; s < size; s++) {
    let acc = 0;
    // every split of s into t ∪ (s \ t)
    for (let t = s; ; t = (t - 1) & s) {
      const x = a[t]!;
      const y = b[bAt + (s ^ t)]!;
      if (x !== 0 && y !== 0) acc = modp(acc + x * y);
      if (t === 0) break;
    }
    out[s] = acc;
  }
}

/** A point: D coordinates, each a jet of `size` residues (flat, coordinate-major). */
export interface JetPoint {
  readonly size: number;
  readonly values: Float64Array;
}

/** F(θ) on jets: a flat D × size array. */
export function evaluate(f: CompiledField, at: JetPoint, dim: number): Float64Array {
  const { size, values } = at;
  const out = new Float64Array(dim * size);
  if (size === 1) {
    evaluatePlain(f, values, out);
    return out;
  }
  const [acc, p0, t0] = scratchOf(size);
  let prod = p0;
  let tmp = t0;
  const { components, starts, coefs, varStarts, vars } = f;
  for (let i = 0; i < components.length; i++) {
    acc.fill(0);
    for (let t = starts[i]!; t < starts[i + 1]!; t++) {
      const c = coefs[t]!;
      const v0 = varStarts[t]!;
      const v1 = varStarts[t + 1]!;
      if (v0 === v1) {
        acc[0] = modp(acc[0]! + c);
        continue;
      }
      // the first factor scales the constant; each further one is a subset convolution
      const j0 = vars[v0]! * size;
      for (let s = 0; s < size; s++) prod[s] = mulp(c, values[j0 + s]!);
      for (let v = v0 + 1; v < v1; v++) {
        jetMul(prod, values, vars[v]! * size, size, tmp);
        const swap = prod;
        prod = tmp;
        tmp = swap;
      }
      for (let s = 0; s < size; s++) {
        const x = acc[s]! + prod[s]!;
        acc[s] = x >= P ? x - P : x;
      }
    }
    out.set(acc, components[i]! * size);
  }
  return out;
}

/** Three work jets per size, reused by every evaluation (evaluations never nest: brackets run them in turn). */
type Jets3 = readonly [Float64Array, Float64Array, Float64Array];
const SCRATCH = new Map<number, Jets3>();
function scratchOf(size: number): Jets3 {
  let s = SCRATCH.get(size);
  if (!s) SCRATCH.set(size, (s = [new Float64Array(size), new Float64Array(size), new Float64Array(size)]));
  return s;
}

/** F(θ) at a plain point (jets of size 1), into out (zeroed). */
function evaluatePlain(f: CompiledField, values: Float64Array, out: Float64Array): void {
  const { components, starts, coefs, varStarts, vars } = f;
  for (let i = 0; i < components.length; i++) {
    let acc = 0;
    for (let t = starts[i]!; t < starts[i + 1]!; t++) {
      let x = coefs[t]!;
      for (let v = varStarts[t]!; v < varStarts[t + 1]!; v++) x = mulp(x, values[vars[v]!]!);
      acc += x;
      if (acc >= P) acc -= P;
    }
    out[components[i]!] = acc;
  }
}

/**
 * Each generator's own value at a plain point, from the summed field (its terms remember their
 * generator and unweighted coefficient): one pass instead of compiling every generator apart.
 */
export function generatorValues(
  f: CompiledField,
  count: number,
  theta: Float64Array,
  dim: number,
): Float64Array[] {
  const out = Array.from({ length: count }, () => new Float64Array(dim));
  const { components, starts, base, gens, varStarts, vars } = f;
  for (let i = 0; i < components.length; i++) {
    const a = components[i]!;
    for (let t = starts[i]!; t < starts[i + 1]!; t++) {
      let x = base[t]!;
      for (let v = varStarts[t]!; v < varStarts[t + 1]!; v++) x = mulp(x, theta[vars[v]!]!);
      const g = out[gens[t]!]!;
      const y = g[a]! + x;
      g[a] = y >= P ? y - P : y;
    }
  }
  return out;
}

/** An element of the Lie algebra: a (compiled) field, or the bracket of two elements. */
export type LieElement =
  | { readonly kind: 'field'; readonly field: CompiledField }
  | { readonly kind: 'bracket'; readonly left: LieElement; readonly right: LieElement };

/** θ + ε·v for a new nilpotent direction ε: jets of twice the size. */
function extend(at: JetPoint, v: Float64Array, dim: number): JetPoint {
  const size = at.size;
  const src = at.values;
  const values = new Float64Array(dim * 2 * size);
  for (let a = 0, o = 0; a < dim; a++, o += 2 * size)
    for (let s = 0; s < size; s++) {
      values[o + s] = src[a * size + s]!;
      values[o + size + s] = v[a * size + s]!;
    }
  return { size: 2 * size, values };
}

/** Split jets of size 2s into the part without the newest direction and its coefficient. */
function split(x: Float64Array, size: number, dim: number): [Float64Array, Float64Array] {
  const base = new Float64Array(dim * size);
  const eps = new Float64Array(dim * size);
  for (let a = 0, o = 0; a < dim; a++, o += 2 * size)
    for (let s = 0; s < size; s++) {
      base[a * size + s] = x[o + s]!;
      eps[a * size + s] = x[o + size + s]!;
    }
  return [base, eps];
}

/** The value of a Lie element at a jet point: [X, Y](θ) = DY·X(θ) − DX·Y(θ). */
export function evaluateElement(e: LieElement, at: JetPoint, dim: number): Float64Array {
  if (e.kind === 'field') return evaluate(e.field, at, dim);
  const x = evaluateElement(e.left, at, dim);
  const [y, dyx] = split(evaluateElement(e.right, extend(at, x, dim), dim), at.size, dim);
  const [, dxy] = split(evaluateElement(e.left, extend(at, y, dim), dim), at.size, dim);
  const out = new Float64Array(dim * at.size);
  for (let i = 0; i < out.length; i++) {
    const d = dyx[i]! - dxy[i]!;
    out[i] = d < 0 ? d + P : d;
  }
  return out;
}

/** A plain point (no nilpotent directions). */
export const pointOf = (theta: readonly number[]): JetPoint => ({
  size: 1,
  values: Float64Array.from(theta),
});
