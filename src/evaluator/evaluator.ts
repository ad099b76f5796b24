/**
 * Verified charges on a user's own network: a block-level declaration's derivation bound to every
 * site of one network, as typed functions — the charge at each site, the residual of each law on a
 * batch, and the charge's predicted trajectory under a learning rule, forward from its initial
 * value. Nothing is parsed: the declaration, the network and the rule are data.
 */
import { UserInputError } from '../../numeric/errors';
import { buildNetwork, type Network } from '../../numeric/mlp';
import { mat } from '../../numeric/linalg';
import { mlpSiteKinds, siteGroups, sitesOf, type Site, type SiteKind } from '../../numeric/sites';
import type { NetworkCase } from '../../numeric/arbitraries';
import type { BlockDeclaration } from '../declaration/types';
import type { Derivation, Law, Rendered } from '../derivation';
import { deriveBlock } from '../derive/block';
import type { WordSum } from '../derive/words';
import { compile } from '../expr/evaluate';
import type { Expr } from '../expr/ast';
import { deriveDynamics, type DynamicsLaw } from '../rules/dynamics';
import type { Rule } from '../rules/rule';
import { WordEvaluator, type Values } from '../check/bind';
import { caseValues, resolveDims, siteBlocks } from '../check/values';
import { oscillatorStep } from './oscillator';
import {
  batchOf,
  flatParameters,
  parameterNames,
  type BatchInput,
  type NamedNetwork,
  type ParameterName,
  type Parameters,
} from './params';

/** A charge's value at one site: a number, or a matrix (row-major) for a matrix charge. */
export type ChargeValue =
  | { readonly kind: 'scalar'; readonly site: string; readonly value: number }
  | {
      readonly kind: 'matrix';
      readonly site: string;
      readonly rows: number;
      readonly cols: number;
      readonly value: Float64Array;
    };

/** The relative residual of each checkable law at one site (0 when the law holds exactly). */
export interface SiteResiduals {
  readonly site: string;
  readonly laws: readonly { readonly id: Law['id']; readonly title: string; readonly relative: number }[];
}

/** One site of the network the evaluator is bound to. */
export interface SiteRef {
  readonly kind: SiteKind;
  readonly label: string;
  /** The site's roles (blocks of the declaration) as views into θ. */
  readonly site: Site;
}

/**
 * How a rule moves the charge, with its coefficients evaluated at the rule's hyper-parameters:
 * - `decay`: gradient flow with weight decay, Q(t) = e^{−rate·t} Q(0);
 * - `recursion`: SGD (any minibatch), Q_{k+1} = cQ·Q_k + cG·Q₂(g_k), where `drive` gives Q₂(g_k) per
 *   site from the minibatch gradient g_k (without weight decay) at step k;
 * - `two-step`: heavy-ball momentum on a linear charge, exactly Q_{k+1} = cCur·Q_k + cPrev·Q_{k−1}
 *   from v₀ = 0 (Q_{−1} = Q₀), so the whole trajectory follows from Q₀;
 * - `none`: the rule moves the charge by no closed law (the reason from the derivation).
 */
export type Prediction =
  | {
      readonly kind: 'decay';
      readonly law: Rendered;
      readonly rate: number;
      /** Q(t) from Q(0). */
      readonly at: (q0: ChargeValue, t: number) => ChargeValue;
    }
  | {
      readonly kind: 'recursion';
      readonly law: Rendered;
      readonly cQ: number;
      readonly cG: number;
      /** Q₂(g) at every site, from the gradient g (same layout as parameters). */
      readonly drive: (grad: Parameters) => readonly ChargeValue[];
      /** Q_{k+1} from Q_k and the drive Q₂(g_k). */
      readonly next: (q: ChargeValue, drive: ChargeValue) => ChargeValue;
      /** Q_0, Q_1, …, Q_K from Q_0 and the drives of steps 0 … K − 1. */
      readonly trajectory: (q0: ChargeValue, drives: readonly ChargeValue[]) => ChargeValue[];
    }
  | {
      readonly kind: 'two-step';
      readonly law: Rendered;
      readonly cCur: number;
      readonly cPrev: number;
      /** Q_0, Q_1, …, Q_K from Q_0 (v₀ = 0: Q_{−1} = Q_0). */
      readonly trajectory: (q0: ChargeValue, steps: number) => ChargeValue[];
    }
  | {
      readonly kind: 'oscillator';
      readonly law: Rendered;
      /** Q̈ + 2γQ̇ + ω²Q = 2Q₂(θ̇) in time t = η(1 − d)k; `h` = η(1 − d) is one step. */
      readonly gamma: number;
      readonly omega2: number;
      readonly h: number;
      /** Q̇(0) per site: Q's derivative along θ̇(0) = −(g₀ + λθ₀)/(1 + β), the derivation's start. */
      readonly rate0: (params: Parameters, grad: Parameters) => readonly ChargeValue[];
      /** Q₂(θ̇) per site, from the velocity θ̇ = (θ_{k+1} − θ_k)/h over a step. */
      readonly drive: (velocity: Parameters) => readonly ChargeValue[];
      /** (Q, Q̇) one step on, the drive held constant over the step. */
      readonly next: (
        state: { readonly q: ChargeValue; readonly rate: ChargeValue },
        drive: ChargeValue,
      ) => { readonly q: ChargeValue; readonly rate: ChargeValue };
    }
  | { readonly kind: 'none'; readonly reason: string };

/** A derivation bound to one network's sites (see {@link evaluator}). */
export interface Evaluator {
  readonly kind: 'evaluator';
  readonly symmetry: string;
  readonly derivation: Derivation;
  readonly network: Network;
  /** The tensor each block is (the model's names, or the spec's `nn.Sequential` names). */
  readonly names: Readonly<Record<string, ParameterName>>;
  /** The charge's statement and whether it is a number or a matrix per site. */
  readonly charge: { readonly statement: Rendered; readonly shape: 'scalar' | 'matrix' };
  readonly sites: readonly SiteRef[];
  /** θ in the toolkit's flat layout from named or flat parameters. */
  readonly theta: (params: Parameters) => Float64Array;
  /** The charge at every site. */
  readonly charges: (params: Parameters) => ChargeValue[];
  /** Every checkable law's relative residual at every site, on a batch (exact float64 gradients and H v). */
  readonly residuals: (params: Parameters, batch: BatchInput) => SiteResiduals[];
  /** How a rule moves the charge, its coefficients at the rule's numeric hyper-parameters. */
  readonly predict: (rule: Rule) => Prediction;
}

/** Options of {@link evaluator}. */
export interface EvaluatorOptions {
  /** A derivation of the declaration (default: derived here). */
  readonly derivation?: Derivation;
  /** Seed of the derivation and of the random constants a gradient constraint is tested with (gl's E). */
  readonly seed?: number;
}

/** The derivation's gradient-flow charge (a trace) or matrix charge, if it has one. */
export const chargeLaw = (d: Derivation): Law | undefined =>
  d.laws.find((l) => (l.id === 'charge' && l.data.kind === 'trace') || l.id === 'charge-matrix');

/**
 * Bind a block-level declaration's derivation to a network: every site of the kinds it declares,
 * and the laws as typed functions of the network's parameters.
 *
 * @param decl - A block-level declaration (catalog entry or file) with a charge.
 * @param network - A spec (`archSpec('4-8-3:relu')`), or a model read from ONNX (its tensor names).
 * @throws UserInputError when the declaration has no charge or no site in this network.
 *
 * @example
 * ```ts
 * import { archSpec, evaluator, loadCatalog } from 'noether';
 * const ev = evaluator(loadCatalog('rescale')!, { spec: archSpec('4-8-3:relu') });
 * ev.charges(theta); // [{ kind: 'scalar', site: 'layer 1, unit 1', value: … }, …]
 * ```
 */
export function evaluator(
  decl: BlockDeclaration,
  network: NamedNetwork,
  opts: EvaluatorOptions = {},
): Evaluator {
  const seed = opts.seed ?? 1;
  const kind = (decl as { kind: string }).kind;
  if (kind !== 'block')
    throw new UserInputError(
      `${decl.name} is a ${kind} declaration; the evaluator takes a block-level symmetry`,
    );
  const d = opts.derivation ?? deriveBlock(decl, { seed });
  const law = chargeLaw(d);
  if (!law) {
    const why = d.laws.find((l) => l.id === 'no-charge')?.statement.text ?? 'none derived';
    throw new UserInputError(`${decl.name} has no charge to evaluate (${why})`);
  }
  const net = buildNetwork(network.spec);
  const sites: SiteRef[] = [];
  for (const kind of decl.sites)
    for (const site of sitesOf(net, kind)) sites.push({ kind, label: site.label, site });
  if (sites.length === 0)
    throw new UserInputError(
      `${decl.name} acts at ${mlpSiteKinds(decl.sites).join(', ')} sites, and this ` +
        `${network.spec.widths.join('-')} network has none`,
    );
  withFixedScalars(decl, net, decl.name);
  const ev = new WordEvaluator();
  const matrixCharge = law.id === 'charge-matrix';
  const sum = law.data.kind === 'trace' || law.data.kind === 'matrix' ? law.data.sum : [];
  // One case per site: its views, constants and scalars; θ and the batch are filled in per call.
  const caseOf = (s: SiteRef, theta: Float64Array): NetworkCase => ({
    spec: network.spec,
    net,
    theta,
    batch: { X: mat(0, network.spec.widths[0]!), Y: mat(0, network.spec.widths.at(-1)!) },
    site: s.site,
    seed,
  });
  const context = sites.map((s) => {
    const c = caseOf(s, new Float64Array(net.size));
    const dims = resolveDims(decl, c);
    return { c, ...caseValues(decl, c, dims) };
  });
  const theta = (p: Parameters): Float64Array => flatParameters(network, p, net);
  const valueOf = (s: WordSum, v: Values, i: number): ChargeValue => {
    const label = sites[i]!.label;
    if (!matrixCharge) return { kind: 'scalar', site: label, value: ev.trace(s, v).value };
    const k = context[i]!.consts[law.parameter]!;
    const m = ev.matrix(s, v, k.rows, k.cols).value;
    return { kind: 'matrix', site: label, rows: m.rows, cols: m.cols, value: m.data };
  };
  const values = (i: number, th: Float64Array, grad?: Float64Array): Values => {
    const { c, consts, scalars } = context[i]!;
    return {
      blocks: siteBlocks(decl, c, th),
      ...(grad ? { grads: siteBlocks(decl, c, grad) } : {}),
      consts,
      scalars,
    };
  };
  const charges = (p: Parameters): ChargeValue[] => {
    const th = theta(p);
    return sites.map((_, i) => valueOf(sum, values(i, th), i));
  };
  const residuals = (p: Parameters, b: BatchInput): SiteResiduals[] => {
    // The check layer (and fast-check behind it) loads only when residuals are asked for.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const residualsOf = (require('../check/block') as typeof import('../check/block')).lawResiduals;
    const th = theta(p);
    const { X, Y, rows } = batchOf(network.spec, b);
    const batch = { X: mat(rows, network.spec.widths[0]!, X), Y: mat(rows, network.spec.widths.at(-1)!, Y) };
    return sites.map((s, i) => {
      const r = residualsOf(decl, d, { ...context[i]!.c, theta: th, batch });
      if (!r)
        throw new UserInputError(
          `the batch is degenerate at ${s.label} (a normalisation group without spread): no residual is defined`,
        );
      return {
        site: s.label,
        laws: [...r].map(([l, x]) => ({ id: l.id, title: l.title, relative: x })),
      };
    });
  };
  // The derivative of the charge along a direction v at site i (Q̇ = D_v Q).
  const along = (i: number, th: Float64Array, v: Float64Array): ChargeValue => {
    const vals = values(i, th);
    const dir = siteBlocks(decl, context[i]!.c, v);
    const label = sites[i]!.label;
    if (!matrixCharge)
      return { kind: 'scalar', site: label, value: ev.traceDerivative(sum, vals, dir).value };
    const k = context[i]!.consts[law.parameter]!;
    const m = ev.matrixDerivative(sum, vals, dir, k.rows, k.cols).value;
    return { kind: 'matrix', site: label, rows: m.rows, cols: m.cols, value: m.data };
  };
  const bound: BoundSites = {
    decl,
    d,
    sites,
    scalars: context[0]?.scalars ?? {},
    theta,
    values,
    valueOf,
    along,
  };
  const predict = (rule: Rule): Prediction => predictionOf(bound, rule);
  return {
    kind: 'evaluator',
    symmetry: decl.name,
    derivation: d,
    network: net,
    names: parameterNames(network),
    charge: { statement: law.statement, shape: matrixCharge ? 'matrix' : 'scalar' },
    sites,
    theta,
    charges,
    residuals,
    predict,
  };
}

/**
 * Refuse a declaration whose charge depends on a scalar its sites do not fix (the degree k of a
 * polynomial activation is fixed by poly-unit sites; any other would be a number nobody gave).
 */
export function withFixedScalars(decl: BlockDeclaration, net: Network, what: string): void {
  const fixed = (k: string): boolean =>
    decl.sites.every((kind) => siteGroups(net, kind).every((g) => k in g.site(0).scalars));
  const unfixed = decl.scalars.find((k) => !fixed(k));
  if (unfixed !== undefined)
    throw new UserInputError(
      `${what}: the charge depends on the scalar '${unfixed}', which its sites do not fix`,
    );
}

/** The rule's numeric hyper-parameters by symbol; a symbolic one is an input error. */
export function ruleValues(rule: Rule): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, p] of Object.entries(rule.params) as [string, { symbol: string; value?: number }][]) {
    if (p.value === undefined)
      throw new UserInputError(`the rule ${rule.text} needs a number for ${name} to predict a trajectory`);
    out[p.symbol] = p.value;
  }
  return out;
}

const lift = (q: ChargeValue, f: (x: number, i: number) => number): ChargeValue =>
  q.kind === 'scalar' ? { ...q, value: f(q.value, 0) } : { ...q, value: q.value.map((x, i) => f(x, i)) };
const entry = (q: ChargeValue, i: number): number => (q.kind === 'scalar' ? q.value : q.value[i]!);

/** What a prediction needs of an evaluator: its sites and how to read values at them. */
interface BoundSites {
  readonly decl: BlockDeclaration;
  readonly d: Derivation;
  readonly sites: readonly SiteRef[];
  /** The scalars the sites fix (the degree k of a polynomial activation). */
  readonly scalars: Readonly<Record<string, number>>;
  readonly theta: (p: Parameters) => Float64Array;
  readonly values: (i: number, th: Float64Array, grad?: Float64Array) => Values;
  readonly valueOf: (s: WordSum, v: Values, i: number) => ChargeValue;
  readonly along: (i: number, th: Float64Array, v: Float64Array) => ChargeValue;
}

function predictionOf(b: BoundSites, rule: Rule): Prediction {
  const { decl, d, sites, theta, values, valueOf, along } = b;
  const hyper = ruleValues(rule);
  const dyn = deriveDynamics(decl, d, rule);
  const coef = (e: Expr): number => {
    const env = { ...b.scalars, ...hyper };
    return compile(e, Object.keys(env))(Object.values(env));
  };
  const pick = (id: DynamicsLaw['id']): DynamicsLaw | undefined => dyn.laws.find((l) => l.id === id);
  const decay = pick('continuous-decay');
  if (decay && decay.data.kind === 'decay') {
    const rate = coef(decay.data.rate);
    return {
      kind: 'decay',
      law: decay.statement,
      rate,
      at: (q0, t) => lift(q0, (x) => Math.exp(-rate * t) * x),
    };
  }
  const rec = pick('exact-recursion');
  if (rec && rec.data.kind === 'recursion') {
    const { quadG } = rec.data;
    const [cQ, cG] = [coef(rec.data.cQ), coef(rec.data.cG)];
    const next = (q: ChargeValue, g: ChargeValue): ChargeValue =>
      lift(q, (x, i) => cQ * x + cG * entry(g, i));
    return {
      kind: 'recursion',
      law: rec.statement,
      cQ,
      cG,
      drive: (grad) => {
        const g = theta(grad);
        const zero = new Float64Array(g.length);
        return sites.map((_, i) => valueOf(quadG, values(i, zero, g), i));
      },
      next,
      trajectory: (q0, drives) => {
        const out = [q0];
        for (const g of drives) out.push(next(out.at(-1)!, g));
        return out;
      },
    };
  }
  const two = pick('two-step-recursion');
  if (two && two.data.kind === 'two-step') {
    const [cCur, cPrev] = [coef(two.data.cur), coef(two.data.prev)];
    return {
      kind: 'two-step',
      law: two.statement,
      cCur,
      cPrev,
      trajectory: (q0, steps) => {
        const out = [q0];
        let prev = q0;
        for (let k = 0; k < steps; k++) {
          const cur = out.at(-1)!;
          out.push(lift(cur, (x, i) => cCur * x + cPrev * entry(prev, i)));
          prev = cur;
        }
        return out;
      },
    };
  }
  const osc = pick('oscillator');
  if (osc && osc.data.kind === 'oscillator' && rule.kind === 'momentum') {
    const { quadV } = osc.data;
    const [gamma, omega2] = [coef(osc.data.gamma), coef(osc.data.omega2)];
    const h = hyper[rule.params.lr.symbol]! * (1 - hyper[rule.params.dampening.symbol]!);
    const [beta, lambda] = [hyper[rule.params.beta.symbol]!, hyper[rule.params.wd.symbol]!];
    const step = oscillatorStep(gamma, omega2, h);
    return {
      kind: 'oscillator',
      law: osc.statement,
      gamma,
      omega2,
      h,
      rate0: (params, grad) => {
        const th = theta(params);
        const g = theta(grad);
        const v = th.map((x, i) => -(g[i]! + lambda * x) / (1 + beta));
        return sites.map((_, i) => along(i, th, v));
      },
      drive: (velocity) => {
        const v = theta(velocity);
        const zero = new Float64Array(v.length);
        return sites.map((_, i) => valueOf(quadV, { ...values(i, zero), steps: values(i, v).blocks }, i));
      },
      next: (s, f) => ({
        q: lift(s.q, (x, i) => step(x, entry(s.rate, i), entry(f, i))[0]),
        rate: lift(s.rate, (x, i) => step(entry(s.q, i), x, entry(f, i))[1]),
      }),
    };
  }
  const why = dyn.laws.find((l) => l.id === 'no-closed-recursion') ?? dyn.laws[0];
  return { kind: 'none', reason: why ? why.statement.text : `${rule.kind} gives no law for this charge` };
}
