/**
 * Learning-rule dynamics checked on trajectories: sampled networks at the symmetry's sites, a data
 * set of 4×batch samples with a fresh random minibatch every step, the rule run with numeric
 * hyper-parameters (given, or sampled per case), and every derived per-step law evaluated at every
 * step against its rounding-aware scale. The first case's trajectory (predicted vs observed) is
 * kept for export.
 */
import type { Progress } from './progress';
import { SCHEMA_VERSION } from '../derivation';
import fc from 'fast-check';
import { DegenerateSample } from '../../numeric/errors';
import { rng, type Rng } from '../../numeric/rng';
import { siteCase, type ArchConstraints, type NetworkCase } from '../../numeric/arbitraries';
import { graphSiteCase, type GraphCase } from '../../numeric/graph/sites';
import { caseModel, stepModel } from './caseModel';
import { selectedKinds } from './runner';
import { isGraphSiteKind, type SiteKind } from '../../numeric/sites';
import { fixedParameters } from '../../numeric/sample';
import { allFinite, optimiser, withDecay, descend } from '../../numeric/optim';
import { optimiserSpec } from '../rules/optimiser';
import type { BlockDeclaration } from '../declaration/types';
import { resolveDims, caseValues, siteBlocks } from './values';
import { chargeDrift, type Drift } from './drift';
import { FLOW_REFUTE, FLOW_RTOL } from './flow';
import { WordEvaluator, type Values } from './bind';
import { compile } from '../expr/evaluate';
import type { Expr } from '../expr/ast';
import type { WordSum } from '../derive/words';
import { type Verdict, IDENTITY_TOLERANCE, weakest } from '../verdict';
import type { Dynamics, DynamicsLaw } from '../rules/dynamics';
import type { Rule } from '../rules/rule';
import { measureOrder, measureMomentumOrder, type OrderReport } from './order';
import { effectiveRate, type EffectiveRate } from './effectiveRate';

/** Options of {@link checkRule}: seed, networks per site kind, steps per trajectory, architecture, progress. */
export interface TrajectoryOptions {
  readonly seed?: number;
  /** Networks per site kind (default 10). */
  readonly runs?: number;
  /** Steps per trajectory (default 100). */
  readonly steps?: number;
  /** The architecture of the sampled networks, also for the convergence orders. */
  readonly arch?: ArchConstraints;
  /** The site kinds to follow (default: every site kind of the declaration). */
  readonly sites?: readonly SiteKind[];
  /** Called after each trajectory: `done` of `total`, and what is being done. */
  readonly progress?: Progress;
}

/** One step of a trajectory: the charge observed and as the derived law predicts it. */
export interface TrajectoryPoint {
  readonly step: number;
  readonly observed: number;
  readonly predicted: number;
}

/** One per-step law's result on trajectories: which law, its statement, its verdict over every step of every case. */
export interface TrajectoryLawCheck {
  readonly id: DynamicsLaw['id'];
  readonly title: string;
  readonly statement: string;
  readonly verdict: Verdict;
}

/**
 * What {@link checkRule} (and `noether check --rule`) reports: each per-step law's verdict on
 * minibatch trajectories of sampled networks, the first trajectory predicted against observed, and
 * per rule the steady state, metric-charge drift, total drift or convergence orders it measured.
 */
export interface TrajectoryReport {
  readonly kind: 'trajectory-check';
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly symmetry: string;
  readonly rule: string;
  readonly seed: number;
  readonly runs: number;
  /** Steps per trajectory; 0 for gradient flow (integrated, no steps). */
  readonly steps: number;
  readonly laws: readonly TrajectoryLawCheck[];
  /** Scale invariance: mean ρ⁴ over the last quarter of the first trajectory against the predicted steady state. */
  readonly steadyState?: {
    readonly rho4: number;
    readonly predicted: number;
    readonly relaxationTimes: number;
  };
  /**
   * Scale invariance under SGD: the first trajectory's effective learning rate η/ρ²_k observed, from
   * the exact recursion run forward from ρ²_0, and RMSProp-like (docs/theory.md §3.9).
   */
  readonly effectiveRate?: EffectiveRate;
  /**
   * Constant metric: drift of the G-weighted and of the plain charge along θ̇ = −G⁻¹∇L (first usable
   * case).
   */
  readonly metricCharge?: {
    readonly weighted: Drift;
    readonly unweighted: Drift;
    readonly metric: Readonly<Record<string, number>>;
  };
  /** For Adam / preconditioning: total drift of the charge and the sum of the breaking terms, first case. */
  readonly drift?: {
    readonly observed: number;
    readonly breakingSum: number;
    readonly secondOrderSum: number;
  };
  /** The first case: architecture, site, and the charge predicted vs observed per step. */
  readonly trajectory: {
    readonly architecture: string;
    readonly site: string;
    readonly hyper: Readonly<Record<string, number>>;
    readonly points: readonly TrajectoryPoint[];
  };
  readonly skipped: number;
  /** For SGD: the measured convergence orders of the continuous forms. */
  readonly order?: OrderReport;
  /** Why the orders were not measured (a network too large for them). */
  readonly orderNotMeasured?: string;
  readonly verdict: Verdict;
}

/** Above this many parameters the convergence orders are not measured (their flows take H v at every step). */
const ORDER_MAX_PARAMETERS = 5_000;

/** The dynamics' charge as a law a flow can follow (chargeDrift). */
const chargeOf = (dyn: Dynamics) => ({
  id: 'charge' as const,
  parameter: dyn.charge.kind === 'matrix' ? 'E' : 'a',
  data:
    dyn.charge.kind === 'trace'
      ? { kind: 'trace' as const, sum: dyn.chargeSum }
      : { kind: 'matrix' as const, sum: dyn.chargeSum },
});

/** Numeric hyper-parameters: the rule's values, else sampled (stable, small steps). */
function hyperValues(rule: Rule, r: Rng): Record<string, number> {
  const sample: Record<string, () => number> = {
    lr: () => 0.005 + 0.045 * r.next(),
    wd: () => 0.1 * r.next(),
    beta: () => 0.95 * r.next(),
    dampening: () => 0.5 * r.next(),
    beta1: () => 0.9,
    beta2: () => 0.999,
    eps: () => 1e-8,
  };
  const out: Record<string, number> = {};
  for (const [name, p] of Object.entries(rule.params)) out[p.symbol] = p.value ?? sample[name]!();
  return out;
}

/**
 * The site kinds a rule is followed on: those of the declaration that --site and --arch select
 * (src/check/runner.ts). Graph models' kinds when --arch names a graph model, --site a graph kind, or
 * the declaration has no MLP kind selected; else the MLP kinds only — a trajectory costs a hundred
 * evaluations with rounding bounds, so by default a rule is followed where it is cheapest.
 */
function trajectoryKinds(decl: BlockDeclaration, opts: TrajectoryOptions): SiteKind[] {
  const sel = { ...(opts.arch ? { arch: opts.arch } : {}), ...(opts.sites ? { sites: opts.sites } : {}) };
  const { kinds } = selectedKinds(decl, sel);
  const mlp = kinds.filter((k) => !isGraphSiteKind(k));
  const asked = opts.arch?.graph !== undefined || (opts.sites ?? []).some(isGraphSiteKind);
  return asked || mlp.length === 0 ? kinds : mlp;
}

/** `runs` sampled cases of a site kind (MLP networks, or graph models for a graph kind), seeded. */
function casesOf(
  kind: SiteKind,
  opts: TrajectoryOptions,
  seed: number,
  runs: number,
): readonly (NetworkCase | GraphCase)[] {
  return isGraphSiteKind(kind)
    ? fc.sample(graphSiteCase(kind, opts.arch?.graph), { seed, numRuns: runs })
    : fc.sample(siteCase(kind, opts.arch ?? {}), { seed, numRuns: runs });
}

interface Measured {
  readonly value: Float64Array;
  readonly bound: number;
}

export function checkTrajectories(
  decl: BlockDeclaration,
  dyn: Dynamics,
  opts: TrajectoryOptions = {},
): TrajectoryReport {
  const seed = opts.seed ?? 1;
  const runs = opts.runs ?? 10;
  const steps = opts.steps ?? 100;
  const rule = dyn.rule;
  const laws = dyn.laws.filter(
    (l) =>
      l.data.kind === 'recursion' ||
      l.data.kind === 'two-step' ||
      l.data.kind === 'identity' ||
      l.data.kind === 'normalisation',
  );
  const worst = new Map<DynamicsLaw, number>(laws.map((l) => [l, 0]));
  const failures = new Map<DynamicsLaw, { residual: number; where: string }>();
  let evaluated = 0,
    skipped = 0;
  let first: TrajectoryReport['trajectory'] | undefined;
  let drift: TrajectoryReport['drift'];
  let steadyState: TrajectoryReport['steadyState'];
  let effective: EffectiveRate | undefined;
  const ev = new WordEvaluator();

  const kinds = trajectoryKinds(decl, opts);
  let done = 0;
  // Gradient flow has no discrete steps: its decay law is checked on the integrated flow instead.
  for (const kind of rule.kind === 'gf' ? [] : kinds) {
    for (const c of casesOf(kind, opts, seed, runs)) {
      opts.progress?.(++done, runs * kinds.length, `trajectories at ${kind} sites`);
      const r = rng(c.seed ^ 0x27d4eb2d);
      const hyper = hyperValues(rule, r);
      const res = runCase(decl, dyn, c, hyper, steps, r, ev, laws, !first);
      if (!res) {
        skipped++;
        continue;
      }
      evaluated++;
      for (const [l, x] of res.residuals) {
        worst.set(l, Math.max(worst.get(l)!, x.worst));
        if (x.worst > IDENTITY_TOLERANCE && !failures.has(l))
          failures.set(l, {
            residual: x.worst,
            where:
              `${c.site.label} of a ${caseModel(c).architecture} network, data seed ${c.seed}, step ` +
              `${x.at}, hyper-parameters ${JSON.stringify(hyper)}`,
          });
      }
      if (!first) {
        first = { architecture: caseModel(c).architecture, site: c.site.label, hyper, points: res.points };
        drift = res.drift;
        steadyState = res.steady;
        effective = res.effective;
      }
    }
  }
  const lawChecks: TrajectoryLawCheck[] = laws.map((l) => {
    const f = failures.get(l);
    const verdict: Verdict = f
      ? {
          kind: 'refuted',
          why: `fails at ${f.where}`,
          counterexample: {
            kind: 'sample',
            where: f.where,
            values: { relativeResidual: f.residual },
            relativeResidual: f.residual,
            seed,
          },
        }
      : evaluated === 0
        ? { kind: 'inconclusive', reason: 'every sampled case was degenerate' }
        : {
            kind: 'numerically-verified',
            count: evaluated * steps,
            worstRelative: worst.get(l)!,
            tolerance: IDENTITY_TOLERANCE,
            seed,
            why: `${evaluated} trajectories × ${steps} steps, a random minibatch per step`,
          };
    return { id: l.id, title: l.title, statement: l.statement.text, verdict };
  });
  // The orders at the rule's own values where it gives them (weight decay, β, dampening).
  const given = (p: { readonly value?: number } | undefined): number | undefined => p?.value;
  const values = {
    ...('wd' in rule.params && given(rule.params.wd) !== undefined ? { wd: given(rule.params.wd)! } : {}),
    ...(rule.kind === 'momentum' && given(rule.params.beta) !== undefined
      ? { beta: given(rule.params.beta)! }
      : {}),
    ...(rule.kind === 'momentum' && given(rule.params.dampening) !== undefined
      ? { dampening: given(rule.params.dampening)! }
      : {}),
  };
  // The orders are measured on MLP networks (numeric/mlp.ts flows), at the first MLP kind followed.
  const orderKind = kinds.find((k) => !isGraphSiteKind(k));
  const where = {
    seed,
    ...values,
    ...(orderKind ? { site: orderKind } : {}),
    ...(opts.arch ? { arch: opts.arch } : {}),
  };
  const size = fixedParameters(opts.arch ?? {});
  const wantsOrder = dyn.laws.some((l) => l.id === 'continuous-form' || l.id === 'oscillator');
  const orderNotMeasured = !wantsOrder
    ? undefined
    : !orderKind
      ? 'the convergence orders are measured on MLP networks, and no MLP site kind is followed here'
      : size > ORDER_MAX_PARAMETERS
        ? `about ${size} parameters: the orders integrate the flow with Hessian-vector products at every ` +
          `step, measured up to ${ORDER_MAX_PARAMETERS}`
        : undefined;
  const order = orderNotMeasured
    ? undefined
    : dyn.laws.some((l) => l.id === 'continuous-form')
      ? measureOrder(decl, dyn, where)
      : dyn.laws.some((l) => l.id === 'oscillator')
        ? measureMomentumOrder(decl, dyn, where)
        : undefined;
  const orderVerdict = order ? verdictOfOrder(order, seed) : undefined;
  const orderUnresolved =
    wantsOrder && !orderNotMeasured && !order
      ? 'the continuous form and the steps agree below what the comparison resolves (rounding, or the ' +
        "integrated limit's tolerance) at every step size, on every sampled network tried"
      : undefined;
  const whyNoOrder = orderNotMeasured ?? orderUnresolved;
  const metricLaw = dyn.laws.find((l) => l.data.kind === 'metric-charge');
  let metricCharge: TrajectoryReport['metricCharge'];
  let metricVerdict: Verdict | undefined;
  if (metricLaw && metricLaw.data.kind === 'metric-charge') {
    const plain = chargeOf(dyn);
    const weighted = {
      ...plain,
      data:
        dyn.charge.kind === 'trace'
          ? { kind: 'trace' as const, sum: metricLaw.data.sum }
          : { kind: 'matrix' as const, sum: metricLaw.data.sum },
    };
    for (const kind of kinds) {
      for (const c of casesOf(kind, opts, seed, Math.max(runs, 5))) {
        const r = rng(c.seed ^ 0x165667b1);
        const metric = Object.fromEntries(decl.blocks.map((b) => [b.name, 0.5 + 1.5 * r.next()]));
        const w = chargeDrift(decl, weighted, c, { metric, maxSteps: 3000 });
        const u = w ? chargeDrift(decl, plain, c, { metric, maxSteps: 3000 }) : undefined;
        if (w && u) {
          metricCharge = { weighted: w, unweighted: u, metric };
          break;
        }
      }
      if (metricCharge) break;
    }
    metricVerdict = !metricCharge
      ? { kind: 'inconclusive', reason: 'no sampled flow was integrable within the step budget' }
      : metricCharge.weighted.relative <= 1e-10 * metricCharge.weighted.steps
        ? {
            kind: 'numerically-verified',
            count: metricCharge.weighted.steps,
            worstRelative: metricCharge.weighted.relative,
            tolerance: 1e-10 * metricCharge.weighted.steps,
            seed,
            why:
              `Q_G along θ̇ = −G⁻¹∇L (adaptive RK45, rtol 1e-10, ${metricCharge.weighted.steps} ` +
              `steps); the plain charge moved by ${metricCharge.unweighted.relative.toExponential(2)}`,
          }
        : {
            kind: 'refuted',
            why: 'the G-weighted charge moves along the preconditioned flow',
            counterexample: {
              kind: 'sample',
              where: `the preconditioned flow with metric ${JSON.stringify(metricCharge.metric)}`,
              values: { relativeDrift: metricCharge.weighted.relative },
              relativeResidual: metricCharge.weighted.relative,
              seed,
            },
          };
  }
  const decayLaw = rule.kind === 'gf' ? dyn.laws.find((l) => l.data.kind === 'decay') : undefined;
  if (decayLaw && decayLaw.data.kind === 'decay')
    lawChecks.push({
      id: decayLaw.id,
      title: decayLaw.title,
      statement: decayLaw.statement.text,
      verdict: decayVerdict(decl, dyn, decayLaw.data.rate, kinds, opts),
    });
  const verdicts = [
    ...lawChecks.map((l) => l.verdict),
    ...(orderVerdict ? [orderVerdict] : []),
    ...(metricVerdict ? [metricVerdict] : []),
  ];
  return {
    kind: 'trajectory-check',
    schemaVersion: SCHEMA_VERSION,
    symmetry: decl.name,
    rule: rule.text,
    seed,
    runs,
    steps: rule.kind === 'gf' ? 0 : steps,
    laws: lawChecks,
    ...(order ? { order } : {}),
    ...(whyNoOrder !== undefined ? { orderNotMeasured: whyNoOrder } : {}),
    ...(drift ? { drift } : {}),
    ...(steadyState ? { steadyState } : {}),
    ...(effective ? { effectiveRate: effective } : {}),
    ...(metricCharge ? { metricCharge } : {}),
    trajectory: first ?? { architecture: '', site: '', hyper: {}, points: [] },
    skipped,
    verdict: verdicts.length
      ? weakest(verdicts)
      : { kind: 'inconclusive', reason: 'no per-step law to check for this rule' },
  };
}

/**
 * Convergence orders are asymptotic: the ratio at the smallest step sizes tried (the last measured
 * one of each series) within 20% of the predicted factor (2 for first order, 4 for second) verifies
 * the form; outside that, the verdict is inconclusive. Earlier ratios are reported, not judged: at
 * larger η the next order's term still shows (heavy-ball at BatchNorm sites: 6.18, 5.71, 5.12, 4.65).
 */
function verdictOfOrder(o: OrderReport, seed: number): Verdict {
  const last = (rs: readonly (number | null)[], p: number): [number, number][] => {
    const x = rs.filter((r): r is number => r !== null).at(-1);
    return x === undefined ? [] : [[x, p]];
  };
  const measured = [...last(o.flowRatios, 2), ...last(o.modifiedRatios, 4)];
  const all = [...o.flowRatios, ...o.modifiedRatios].filter((r): r is number => r !== null);
  if (!measured.length)
    return { kind: 'inconclusive', reason: 'the continuous-form errors are below rounding at every η tried' };
  const worst = Math.max(...measured.map(([x, p]) => Math.abs(x - p) / p));
  return worst <= 0.2
    ? {
        kind: 'numerically-verified',
        count: measured.length,
        worstRelative: worst,
        tolerance: 0.2,
        seed,
        why:
          `measured convergence ratios ${all.map((x) => x.toFixed(2)).join(', ')} as η halves; at the ` +
          `smallest η ${measured.map(([x]) => x.toFixed(2)).join(', ')} against the predicted ` +
          `${measured.map(([, p]) => p).join(', ')}`,
      }
    : {
        kind: 'inconclusive',
        reason:
          `measured convergence ratios ${all.map((x) => x.toFixed(2)).join(', ')} as η halves; at the ` +
          `smallest η ${measured.map(([x]) => x.toFixed(2)).join(', ')} differ from the predicted ` +
          `${measured.map(([, p]) => p).join(', ')} by more than 20%`,
      };
}

function runCase(
  decl: BlockDeclaration,
  dyn: Dynamics,
  c: NetworkCase | GraphCase,
  hyper: Record<string, number>,
  steps: number,
  r: Rng,
  ev: WordEvaluator,
  laws: readonly DynamicsLaw[],
  keep: boolean,
):
  | {
      residuals: Map<DynamicsLaw, { worst: number; at: number }>;
      points: TrajectoryPoint[];
      drift?: TrajectoryReport['drift'];
      steady?: TrajectoryReport['steadyState'];
      effective?: EffectiveRate;
    }
  | undefined {
  const dims = resolveDims(decl, c);
  const { consts, scalars: siteScalars } = caseValues(decl, c, dims);
  const scalars = { ...siteScalars, ...hyper };
  const views = c.site.views;
  const chargeSum = dyn.chargeSum;
  const isMatrix = dyn.charge.kind === 'matrix';
  const msize = isMatrix ? consts[Object.keys(consts)[0]!]! : undefined;
  const values = (
    theta: Float64Array,
    grad?: Float64Array,
    gradBound?: Float64Array,
    step?: Float64Array,
  ): Values => ({
    blocks: siteBlocks(decl, c, theta),
    ...(grad ? { grads: siteBlocks(decl, c, grad) } : {}),
    ...(gradBound ? { gradBounds: siteBlocks(decl, c, gradBound) } : {}),
    ...(step ? { steps: siteBlocks(decl, c, step) } : {}),
    consts,
    scalars,
  });
  const measure = (s: WordSum, v: Values): Measured => {
    if (!isMatrix) {
      const t = ev.trace(s, v);
      return { value: Float64Array.of(t.value), bound: t.bound };
    }
    const m = ev.matrix(s, v, msize!.rows, msize!.cols);
    return { value: m.value.data, bound: m.bound };
  };
  // Coefficients depend only on this case's scalars: evaluate each expression once.
  const coefCache = new Map<Expr, number>();
  const coef = (e: Expr): number => {
    let x = coefCache.get(e);
    if (x === undefined) {
      x = compile(e, Object.keys(scalars))(Object.values(scalars));
      coefCache.set(e, x);
    }
    return x;
  };
  const model = stepModel(c, r);
  const rule = dyn.rule;
  const lr = 'lr' in rule.params ? hyper[rule.params.lr.symbol]! : 0;
  const wd = hyper[rule.params.wd.symbol] ?? 0;
  const residuals = new Map<DynamicsLaw, { worst: number; at: number }>(
    laws.map((l) => [l, { worst: 0, at: 0 }]),
  );
  const note = (l: DynamicsLaw, x: number, k: number): void => {
    const w = residuals.get(l)!;
    if (x > w.worst) residuals.set(l, { worst: x, at: k });
  };
  const points: TrajectoryPoint[] = [];
  const n = model.size;
  let theta = Float64Array.from(model.theta);
  const G = Float64Array.from({ length: n }, () => 0.5 + r.next()); // constant diagonal preconditioner
  const spec = optimiserSpec(rule, hyper, () => G);
  if (!spec) return undefined;
  const opt = optimiser(spec, n);
  const history: Measured[] = [];
  let breakingSum = 0,
    secondOrderSum = 0;
  const siteIdx = [...new Set(decl.blocks.flatMap((b) => Array.from(views[b.name]!.index)))];
  const rho4s: number[] = [],
    ghat2s: number[] = [];
  let steadyCoef: number | undefined;
  let normalisation: { cQ: number; cG: number } | undefined;
  try {
    for (let k = 0; k < steps; k++) {
      const onMinibatch = model.step(r);
      const e = onMinibatch(theta);
      const u = opt.direction(withDecay(e.grad, theta, wd));
      const next = descend(theta, u, lr);
      const vNow = values(theta, e.grad, e.gradBound, u);
      const Qk = measure(chargeSum, vNow);
      const Qn = measure(chargeSum, values(next));
      history.push(Qk);
      for (const law of laws) {
        const dd = law.data;
        let predicted: Float64Array, scale: number;
        if (dd.kind === 'recursion') {
          const [cQ, cG, cD] = [coef(dd.cQ), coef(dd.cG), coef(dd.cDropped)];
          const q2 = dd.quadG.length
            ? measure(dd.quadG, vNow)
            : { value: new Float64Array(Qk.value.length), bound: 0 };
          const gc = measure(dyn.constraint, vNow);
          predicted = Qk.value.map((x, i) => cQ * x + cG * q2.value[i]!);
          scale = Math.abs(cQ) * Qk.bound + Math.abs(cG) * q2.bound + Qn.bound + Math.abs(cD) * gc.bound;
        } else if (dd.kind === 'two-step') {
          if (k === 0) continue;
          const [cur, prev, cD] = [coef(dd.cur), coef(dd.prev), coef(dd.cDropped)];
          const Qp = history[k - 1]!;
          const gc = measure(dyn.constraint, vNow);
          predicted = Qk.value.map((x, i) => cur * x + prev * Qp.value[i]!);
          scale = Math.abs(cur) * Qk.bound + Math.abs(prev) * Qp.bound + Qn.bound + Math.abs(cD) * gc.bound;
        } else if (dd.kind === 'identity') {
          const lin = measure(dd.linU, vNow),
            quad = dd.quadU.length
              ? measure(dd.quadU, vNow)
              : { value: new Float64Array(Qk.value.length), bound: 0 };
          predicted = Qk.value.map((x, i) => x - lr * lin.value[i]! + lr * lr * quad.value[i]!);
          scale = Qk.bound + Qn.bound + lr * lin.bound + lr * lr * quad.bound;
          breakingSum += -lr * lin.value[0]!;
          secondOrderSum += lr * lr * quad.value[0]!;
        } else if (dd.kind === 'normalisation') {
          // g(θ/ρ) = ρ g(θ) on the blocks of the site (homogeneity of degree −1), on this step's minibatch.
          const rho = Math.sqrt(siteIdx.reduce((s2, i) => s2 + theta[i]! ** 2, 0));
          const hat = Float64Array.from(theta);
          for (const i of siteIdx) hat[i] = theta[i]! / rho;
          const eh = onMinibatch(hat);
          let r2 = 0,
            b1 = 0,
            b2 = 0,
            gh2 = 0;
          for (const i of siteIdx) {
            r2 += (eh.grad[i]! - rho * e.grad[i]!) ** 2;
            b1 += eh.gradBound![i]! ** 2;
            b2 += (rho * e.gradBound![i]!) ** 2;
            gh2 += eh.grad[i]! ** 2;
          }
          rho4s.push(rho ** 4);
          ghat2s.push(gh2);
          normalisation ??= { cQ: coef(dd.cQ), cG: coef(dd.cG) };
          // A steady state only where ρ² shrinks by itself at these values (0 ≤ c_Q < 1).
          if (dd.steady && coef(dd.cQ) < 1) steadyCoef = coef(dd.steady);
          note(law, Math.sqrt(r2) / (Math.sqrt(b1) + Math.sqrt(b2) || 1e-300), k);
          continue;
        } else continue;
        const err = Math.sqrt(Qn.value.reduce((s, x, i) => s + (x - predicted[i]!) ** 2, 0));
        note(law, scale === 0 ? (err === 0 ? 0 : Infinity) : err / scale, k);
        if (keep && law === laws[0])
          points.push({ step: k + 1, observed: Qn.value[0]!, predicted: predicted[0]! });
      }
      theta = next;
      if (!allFinite(theta)) return undefined;
    }
  } catch (err) {
    if (err instanceof DegenerateSample) return undefined;
    throw err;
  }
  const drift =
    (dyn.rule.kind === 'adam' || dyn.rule.kind === 'precond') && history.length
      ? {
          observed: measure(chargeSum, values(theta)).value[0]! - history[0]!.value[0]!,
          breakingSum,
          secondOrderSum,
        }
      : undefined;
  const tail = Math.max(1, Math.floor(rho4s.length / 4));
  const mean = (xs: number[]): number => xs.slice(-tail).reduce((a, b) => a + b, 0) / tail;
  const steady =
    steadyCoef !== undefined && rho4s.length
      ? { rho4: mean(rho4s), predicted: steadyCoef * mean(ghat2s), relaxationTimes: steps * 2 * lr * wd }
      : undefined;
  // ρ²_0 … ρ²_K observed (ρ⁴ recorded before each step, ρ² after the last), for the first trajectory.
  const effective =
    keep && normalisation && rho4s.length
      ? effectiveRate(
          [...rho4s.map(Math.sqrt), siteIdx.reduce((s2, i) => s2 + theta[i]! ** 2, 0)],
          ghat2s,
          normalisation.cQ,
          normalisation.cG,
          lr,
        )
      : undefined;
  return {
    residuals,
    points,
    ...(drift ? { drift } : {}),
    ...(steady ? { steady } : {}),
    ...(effective ? { effective } : {}),
  };
}

/**
 * Gradient flow with weight decay, θ̇ = −(∇L + λθ): the charge's decay Q(T) = e^{−rate·T} Q(0),
 * integrated (adaptive RK45, FLOW_RTOL) from `runs` networks per site kind and judged as the
 * integrated-flow check of `check` is (src/check/flow.ts): within the integrator's error per
 * step verified, a thousand times that refuted, in between inconclusive.
 */
function decayVerdict(
  decl: BlockDeclaration,
  dyn: Dynamics,
  rate: Expr,
  kinds: readonly SiteKind[],
  opts: TrajectoryOptions,
): Verdict {
  const seed = opts.seed ?? 1;
  const charge = chargeOf(dyn);
  let count = 0,
    worstPerStep = 0,
    worstRatio = 0,
    where = '';
  const runs = opts.runs ?? 10;
  for (const kind of kinds) {
    // Up to four networks per flow wanted: sites at rest (dead units) and stiff flows are passed over.
    let here = 0;
    for (const c of casesOf(kind, opts, seed, 4 * runs)) {
      if (here === runs) break;
      const hyper = hyperValues(dyn.rule, rng(c.seed ^ 0x2545f491));
      const wd = 'wd' in dyn.rule.params ? hyper[dyn.rule.params.wd.symbol]! : 0;
      const k = compile(rate, Object.keys(hyper))(Object.values(hyper));
      const d = chargeDrift(decl, charge, c, { rtol: FLOW_RTOL, maxSteps: 3000, decay: { wd, rate: k } });
      if (!d || d.moved < 1e-6) continue;
      count++;
      here++;
      worstPerStep = Math.max(worstPerStep, d.relative / d.steps);
      const ratio = d.relative / (FLOW_RTOL * d.steps);
      if (ratio > worstRatio) {
        worstRatio = ratio;
        where =
          `${c.site.label} of a ${caseModel(c).architecture} network, data seed ${c.seed}, ` +
          `λ = ${wd.toPrecision(3)}, to t = ${d.time.toPrecision(3)}`;
      }
    }
  }
  if (count === 0)
    return { kind: 'inconclusive', reason: 'no sampled flow was integrable and moved the site' };
  if (worstRatio > FLOW_REFUTE)
    return {
      kind: 'refuted',
      why:
        `Q(T) misses e^{−rate·T}Q(0) by ${worstRatio.toExponential(1)} times the integrator's ` +
        `allowance at ${where}`,
      counterexample: {
        kind: 'sample',
        where,
        values: { ratio: worstRatio },
        relativeResidual: worstRatio,
        seed,
      },
    };
  if (worstRatio > 1)
    return {
      kind: 'inconclusive',
      reason: `Q(T) misses e^{−rate·T}Q(0) by ${worstRatio.toFixed(1)} times the integrator's allowance at ${where}`,
    };
  return {
    kind: 'numerically-verified',
    count,
    worstRelative: worstPerStep,
    tolerance: FLOW_RTOL,
    seed,
    why:
      `|Q(T) − e^{−rate·T}Q(0)| per integrator step along θ̇ = −(∇L + λθ) (adaptive RK45, rtol ` +
      `${FLOW_RTOL}), ${count} flows at ${kinds.join(', ')} sites`,
  };
}
