/**
 * The generating fields of a model: the gradients ∇φ_k of the polynomials φ_k(θ) through which the
 * model (or the loss) depends on its parameters. A function of θ is conserved by gradient flow for
 * every loss and every data set exactly when its gradient is orthogonal to all of them (docs/theory.md
 * §6).
 *
 * - A concrete declaration: its loss, a polynomial in parameters and data, is Σ_α c_α(θ) d^α over
 *   data monomials d^α; the span of ∇_θ L(θ, d) over all data is the span of the ∇c_α.
 * - An MLP (`--arch`): the network's outputs as polynomials in θ and the input x, grouped by
 *   monomials of x (and of the bias paths). Linear and zᵏ activations at any depth; ReLU and leaky
 *   ReLU with one hidden layer, where every unit is active for some inputs and inactive for others
 *   (its hyperplane crosses the input space), so the span over inputs is that of each unit's own
 *   fields, W₂[:,k]·[W₁[k,:], b₁[k]] and b₂; with more hidden layers, the activation regions met by
 *   sampled inputs at one point, with every path's field as the superset laws are confirmed against.
 */
import type { Expr } from '../expr/ast';
import { gcd, parseRational, rat, type Rational } from '../expr/rational';
import type { ConcreteDeclaration } from '../declaration/types';
import type { MlpSpec } from '../../numeric/mlp';
import { UserInputError } from '../../numeric/errors';
import { rng } from '../../numeric/rng';
import {
  addPoly,
  addTerm,
  constant,
  gradient,
  mulPoly,
  powPoly,
  PolynomialTooLarge,
  variable,
  type Field,
  type Poly,
  type Term,
} from './poly';

/** How big a model `laws` takes (each refused with exit 2, naming the limit). */
export const LAWS_LIMITS = {
  /** Parameters D. */
  parameters: 1200,
  /** Terms of all generating fields together. */
  terms: 4_000_000,
  /** Terms of one intermediate polynomial while expanding a loss or a network. */
  polyTerms: 50_000,
} as const;

/** What the laws are computed for: D named parameters and their generating fields. */
export interface FieldSource {
  readonly names: readonly string[];
  readonly fields: readonly Field[];
  /**
   * Fields every law must also be orthogonal to, when `fields` may be only part of the model's (the
   * activation regions sampled of a deep ReLU network: here every path's own field, a superset).
   */
  readonly verify?: readonly Field[];
  /** What the fields are, for the report. */
  readonly model: string;
  /** Where the count holds, when only near a point (a ReLU network's activation region). */
  readonly scope?: string;
}

function checkSize(p: Poly, what: string): Poly {
  if (p.size > LAWS_LIMITS.polyTerms)
    throw new UserInputError(
      `laws: ${what} expands to more than ${LAWS_LIMITS.polyTerms} terms (the limit); take a smaller model`,
    );
  return p;
}

/** Group a polynomial in (θ, d) by monomials of the data variables (indices ≥ dim): the c_α(θ). */
function coefficientsByData(p: Poly, dim: number): Poly[] {
  const groups = new Map<string, Map<string, Term>>();
  for (const t of p.values()) {
    const theta = t.m.filter((v) => v < dim);
    const dataKey = t.m.filter((v) => v >= dim).join(',');
    let g = groups.get(dataKey);
    if (!g) groups.set(dataKey, (g = new Map()));
    addTerm(g, theta, t.c);
  }
  return [...groups.values()];
}

/**
 * A field scaled to coprime integer coefficients (times the lcm of its denominators, divided by the
 * gcd of its numerators): the span is the same, reduction mod p is defined for every coefficient, and a
 * field is not lost to a common factor p. (A coefficient that is a multiple of p reduces to 0, which
 * can only lower a rank: the sound direction.)
 */
function integral(f: Field): Field {
  let den = 1n;
  for (const p of f.values()) for (const t of p.values()) den = (den * t.c.d) / gcd(den, t.c.d);
  let num = 0n;
  for (const p of f.values()) for (const t of p.values()) num = gcd(num, (t.c.n * den) / t.c.d);
  if (den === 1n && num === 1n) return f;
  const out = new Map<number, Poly>();
  for (const [a, p] of f) out.set(a, addPoly(new Map(), p, rat(den, num)));
  return out;
}

/** The nonzero gradients of polynomials, each with coprime integer coefficients (within the term limit). */
export function fieldsOf(coefficients: readonly Poly[]): Field[] {
  const out: Field[] = [];
  for (const c of coefficients) {
    const g = gradient(c);
    if (g.size > 0) out.push(integral(g));
  }
  const terms = out.reduce((s, f) => s + [...f.values()].reduce((u, p) => u + p.size, 0), 0);
  if (terms > LAWS_LIMITS.terms)
    throw new UserInputError(
      `laws: the generating fields have ${terms} terms, over the limit ${LAWS_LIMITS.terms}; take a smaller model`,
    );
  return out;
}

/** A user expression as a polynomial; anything else is refused by name. */
export function exprToPoly(e: Expr, index: ReadonlyMap<string, number>, where: string): Poly {
  const rec = (x: Expr): Poly => {
    switch (x.kind) {
      case 'num': {
        const r = parseRational(x.value);
        if (!r) throw new UserInputError(`laws: ${where}: the number ${x.value} is not exact`);
        return constant(r);
      }
      case 'sym': {
        const i = index.get(x.name);
        if (i === undefined)
          throw new UserInputError(
            `laws: ${where} uses '${x.name}', which is neither a parameter nor data (give constants a value)`,
          );
        return variable(i);
      }
      case 'add':
        return checkSize(
          x.terms.reduce<Poly>((s, t) => addPoly(s, rec(t)), new Map()),
          where,
        );
      case 'mul':
        return checkSize(
          x.factors.reduce<Poly>((s, f) => mulPoly(s, rec(f)), constant(rat(1))),
          where,
        );
      case 'pow': {
        const k = x.exp.kind === 'num' ? parseRational(x.exp.value) : undefined;
        const base = rec(x.base);
        if (k && k.d === 1n && k.n >= 0n && k.n <= 64n)
          return checkSize(powPoly(base, Number(k.n), LAWS_LIMITS.polyTerms), where);
        const c = base.size === 1 ? base.get('') : undefined;
        if (k && k.d === 1n && k.n < 0n && k.n >= -64n && c) {
          const inv = rat(c.c.d, c.c.n);
          return constant(powPoly(constant(inv), Number(-k.n)).get('')!.c);
        }
        throw new UserInputError(
          `laws: ${where} is not a polynomial (a power with exponent other than 0…64)`,
        );
      }
      case 'call': {
        // a function of an exact constant with an exact value (what a generator at a = 0 leaves)
        const args = x.args.map(rec);
        const c = args.length === 1 && args[0]!.size <= 1 ? (args[0]!.get('')?.c ?? rat(0)) : undefined;
        const v = c && args[0]!.size === (c.n === 0n ? 0 : 1) ? atConstant(x.fn, c) : undefined;
        if (v) return constant(v);
        throw new UserInputError(
          `laws: ${where} is not a polynomial (${x.fn}); laws takes polynomial losses, ` +
            `and ReLU networks through --arch`,
        );
      }
    }
  };
  return rec(e);
}

/** f(c) for the functions whose value at a rational c is rational and known exactly. */
function atConstant(fn: string, c: Rational): Rational | undefined {
  const zero = c.n === 0n;
  const positive = c.n > 0n;
  switch (fn) {
    case 'exp':
    case 'cos':
    case 'cosh':
      return zero ? rat(1) : undefined;
    case 'sin':
    case 'tan':
    case 'sinh':
    case 'tanh':
    case 'sqrt':
      return zero ? rat(0) : undefined;
    case 'log':
      return c.n === 1n && c.d === 1n ? rat(0) : undefined;
    case 'sigmoid':
      return zero ? rat(1, 2) : undefined;
    case 'relu':
      return positive ? c : rat(0);
    case 'abs':
      return positive ? c : rat(-c.n, c.d);
    default:
      return undefined;
  }
}

/** The generating fields of a concrete declaration's loss, over all values of its data. */
export function concreteFields(d: ConcreteDeclaration): FieldSource {
  const index = new Map<string, number>();
  d.parameters.forEach((p, i) => index.set(p, i));
  d.data.forEach((x, i) => index.set(x, d.parameters.length + i));
  if (d.parameters.length > LAWS_LIMITS.parameters)
    throw new UserInputError(`laws: more than ${LAWS_LIMITS.parameters} parameters (the limit)`);
  const loss = sized(() => exprToPoly(d.loss, index, `the loss of '${d.name}'`), `the loss of '${d.name}'`);
  return {
    names: d.parameters,
    fields: fieldsOf(coefficientsByData(loss, d.parameters.length)),
    model: `the loss of '${d.name}' over all values of its data (${d.data.join(', ') || 'none'})`,
  };
}

/** Parameter names of an MLP in the order W1, b1, W2, b2, …; and each layer's index arrays. */
function layout(spec: MlpSpec): {
  names: string[];
  w: number[][][];
  b: (number[] | undefined)[];
} {
  const names: string[] = [];
  const w: number[][][] = [];
  const b: (number[] | undefined)[] = [];
  for (let l = 1; l < spec.widths.length; l++) {
    const rows = spec.widths[l]!;
    const cols = spec.widths[l - 1]!;
    const m: number[][] = [];
    for (let i = 0; i < rows; i++) {
      const row: number[] = [];
      for (let j = 0; j < cols; j++) {
        row.push(names.length);
        names.push(`W${l}[${i + 1},${j + 1}]`);
      }
      m.push(row);
    }
    w.push(m);
    if (spec.bias) {
      const v: number[] = [];
      for (let i = 0; i < rows; i++) {
        v.push(names.length);
        names.push(`b${l}[${i + 1}]`);
      }
      b.push(v);
    } else b.push(undefined);
  }
  return { names, w, b };
}

/**
 * The outputs of an MLP as polynomials in θ and x (x's variables after θ's): `hidden` maps each
 * hidden pre-activation to its activation (zᵏ, z, or 0 for a unit switched off).
 */
function forward(
  spec: MlpSpec,
  lay: ReturnType<typeof layout>,
  hidden: (z: Poly, layer: number, unit: number) => Poly,
): Poly[] {
  const dim = lay.names.length;
  let h: Poly[] = [];
  for (let i = 0; i < spec.widths[0]!; i++) h.push(variable(dim + i));
  const layers = spec.widths.length - 1;
  for (let l = 0; l < layers; l++) {
    const z = lay.w[l]!.map((row, i) => {
      let s: Poly = lay.b[l] ? variable(lay.b[l]![i]!) : new Map();
      row.forEach((wij, j) => {
        s = addPoly(s, mulPoly(variable(wij), h[j]!));
      });
      return checkSize(s, 'the network');
    });
    h = l === layers - 1 ? z : z.map((zi, i) => checkSize(hidden(zi, l, i), 'the network'));
  }
  return h;
}

/** The generating fields of an MLP's outputs over all inputs (see the module comment). */
export function archFields(spec: MlpSpec, seed = 1): FieldSource {
  return sized(() => archFieldsOf(spec, seed), `the ${spec.widths.join('-')} network`);
}

/** Run an expansion, turning a polynomial past the limits into an input error naming it. */
function sized<T>(f: () => T, what: string): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof PolynomialTooLarge)
      throw new UserInputError(
        `laws: ${what} expands past the limits (${e.message}; at most ${LAWS_LIMITS.polyTerms} terms); ` +
          `take a smaller model`,
      );
    throw e;
  }
}

function archFieldsOf(spec: MlpSpec, seed: number): FieldSource {
  if (spec.norm !== 'none')
    throw new UserInputError(
      'laws: normalised layers are not polynomial; take an architecture without norms',
    );
  const act = spec.act;
  if (act.kind === 'tanh')
    throw new UserInputError('laws: tanh is not polynomial; take linear, relu, leaky or poly<k>');
  const lay = layout(spec);
  const dim = lay.names.length;
  if (dim > LAWS_LIMITS.parameters)
    throw new UserInputError(`laws: ${dim} parameters, over the limit ${LAWS_LIMITS.parameters}`);
  const hiddenLayers = spec.widths.length - 2;
  const bias = spec.bias ? '' : ', no biases';
  if (act.kind === 'relu' || act.kind === 'leaky') {
    // unit by unit only where every unit's hyperplane is its own: with one input and no bias they all
    // are x = 0, units of one sign act as one, and the count depends on the region (sampled instead)
    if (hiddenLayers > 1 || (spec.widths[0] === 1 && !spec.bias)) return regionFields(spec, lay, seed);
    const coefficients: Poly[] = [];
    const units = hiddenLayers === 1 ? spec.widths[1]! : 0;
    for (let k = -1; k < units; k++) {
      // k = −1: every unit off (the output bias alone); else unit k alone (its slope is a scale)
      const out = forward(spec, lay, (z, _l, unit) => (unit === k ? z : new Map()));
      for (const f of out) coefficients.push(...coefficientsByData(f, dim));
    }
    return {
      names: lay.names,
      fields: fieldsOf(dedupe(coefficients)),
      model: `${spec.widths.join('-')} ${act.kind} network${bias}: each unit's paths, over all inputs`,
    };
  }
  const k = act.kind === 'poly' ? act.degree : 1;
  const out = forward(spec, lay, (z) => (k === 1 ? z : powPoly(z, k, LAWS_LIMITS.polyTerms)));
  const coefficients = out.flatMap((f) => coefficientsByData(f, dim));
  return {
    names: lay.names,
    fields: fieldsOf(coefficients),
    model: `${spec.widths.join('-')} ${act.kind === 'poly' ? `z^${k}` : 'linear'} network${bias}, over all inputs`,
  };
}

/** How many inputs are tried for new activation regions, and how many regions are kept. */
export const REGION_SAMPLING = { inputs: 4000, quiet: 400, regions: 64 } as const;

/**
 * A ReLU or leaky ReLU network with several hidden layers: the fields of the activation regions met
 * by sampled inputs at one integer point θ₀ (exact integer arithmetic; an input on a kink is skipped).
 * A region met at θ₀ is met near θ₀ (its pre-activations are strictly signed), so these are fields of
 * the model there: a subset of them, so D − rank stays an upper bound. Laws are then confirmed
 * against every path's own field, a superset of every region's (a region's output is a sum of path
 * products), so a law found is conserved in every region, sampled or not.
 */
function regionFields(spec: MlpSpec, lay: ReturnType<typeof layout>, seed: number): FieldSource {
  const dim = lay.names.length;
  const r = rng(seed);
  // a few integer points; the one whose sampled inputs meet the most regions is kept
  let patterns = new Map<string, boolean[][]>();
  for (let attempt = 0; attempt < 6; attempt++) {
    const theta0 = lay.names.map(() => BigInt((r.int(9) + 1) * (r.next() < 0.5 ? -1 : 1)));
    const met = regionsAt(spec, lay, theta0, r);
    if (met.size > patterns.size) patterns = met;
  }
  const leaky = spec.act.kind === 'leaky';
  const slope = rat(1, 10);
  const coefficients: Poly[] = [];
  for (const pattern of patterns.values()) {
    const out = forward(spec, lay, (z, l, unit) =>
      pattern[l]![unit] ? z : leaky ? addPoly(new Map(), z, slope) : new Map(),
    );
    for (const f of out) coefficients.push(...coefficientsByData(f, dim));
  }
  // every path's own field: the monomials of the all-active network's outputs
  const paths: Poly[] = [];
  for (const f of forward(spec, lay, (z) => z))
    for (const t of f.values()) {
      const m = t.m.filter((v) => v < dim);
      if (m.length) paths.push(new Map([[m.join(','), { m, c: rat(1) }]]));
    }
  const bias = spec.bias ? '' : ', no biases';
  return {
    names: lay.names,
    fields: fieldsOf(dedupe(coefficients)),
    verify: fieldsOf(dedupe(paths)),
    scope:
      `near the sampled point θ₀ (seed ${seed}): a ReLU network's laws can differ between ` +
      `activation regions of the parameters`,
    model:
      `${spec.widths.join('-')} ${spec.act.kind} network${bias}: the ${patterns.size} activation regions ` +
      `met by sampled inputs at an integer point (seed ${seed}); laws confirmed on every path`,
  };
}

/** The activation patterns sampled inputs meet at θ₀ (inputs on a kink are skipped). */
function regionsAt(
  spec: MlpSpec,
  lay: ReturnType<typeof layout>,
  theta0: readonly bigint[],
  r: ReturnType<typeof rng>,
): Map<string, boolean[][]> {
  const layers = spec.widths.length - 1;
  const leaky = spec.act.kind === 'leaky';
  const patterns = new Map<string, boolean[][]>();
  let quiet = 0;
  for (let n = 0; n < REGION_SAMPLING.inputs && quiet < REGION_SAMPLING.quiet; n++) {
    const scale = [10, 100, 1000][n % 3]!;
    let h = Array.from({ length: spec.widths[0]! }, () => BigInt(r.int(2 * scale + 1) - scale));
    const pattern: boolean[][] = [];
    let onKink = false;
    for (let l = 0; l < layers - 1; l++) {
      const z = lay.w[l]!.map((row, i) =>
        row.reduce((s, wij, j) => s + theta0[wij]! * h[j]!, lay.b[l] ? theta0[lay.b[l]![i]!]! : 0n),
      );
      if (z.some((x) => x === 0n)) onKink = true;
      pattern.push(z.map((x) => x > 0n));
      // leaky: ×1/10 on the negative side, kept exact by scaling the positive side by 10 instead
      h = z.map((x) => (x > 0n ? (leaky ? 10n * x : x) : leaky ? x : 0n));
    }
    const key = pattern.map((p) => p.map((b) => (b ? '1' : '0')).join('')).join('|');
    if (onKink || patterns.has(key)) {
      quiet++;
      continue;
    }
    quiet = 0;
    patterns.set(key, pattern);
    if (patterns.size >= REGION_SAMPLING.regions) break;
  }
  return patterns;
}

/** Drop repeated polynomials (the output bias appears once per unit switched on). */
function dedupe(ps: readonly Poly[]): Poly[] {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const key = [...p.entries()].map(([k, t]) => `${k}:${t.c.n}/${t.c.d}`).join(';');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
