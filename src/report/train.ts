/**
 * A training run on a real data set with every charge measured at every step and predicted forward
 * from its initial value by the law the toolkit derived for the rule (src/evaluator):
 * - gradient flow with weight decay, integrated: Q(t) = e^{−rate·t} Q(0);
 * - SGD (full batch or minibatch): the exact recursion Q_{k+1} = c_Q Q_k + c_G Q₂(g_k) solved from
 *   Q₀, its driving term Q₂(g_k) measured from each step's minibatch gradient; next to it the same
 *   recursion without the driving term, c_Q^k Q₀, the part weight decay alone explains;
 * - heavy-ball momentum: the oscillator Q̈ + 2γQ̇ + ω²Q = 2Q₂(θ̇) stepped from (Q₀, Q̇₀), driven by
 *   each step's velocity; without the drive, the damped oscillator alone;
 * - a rule whose derivation gives no closed law (Adam): measured only, with the reason.
 * A matrix charge (gl) is followed by its Frobenius norm and its gap by the norm of the difference.
 */
import { UserInputError } from '../../numeric/errors';
import { evaluate, type MlpSpec } from '../../numeric/mlp';
import { integrate } from '../../numeric/ode';
import { allFinite, descend, optimiser, withDecay } from '../../numeric/optim';
import { rng, type Rng } from '../../numeric/rng';
import { rowsOf } from '../../numeric/sample';
import type { SiteKind } from '../../numeric/sites';
import type { BlockDeclaration } from '../declaration/types';
import type { Rendered } from '../derivation';
import { evaluator, ruleValues, type ChargeValue, type Prediction } from '../evaluator/evaluator';
import { optimiserSpec } from '../rules/optimiser';
import type { Rule } from '../rules/rule';
import { specText } from '../arch';
import type { Dataset } from './data';

/** What to train and how. */
export interface TrainingOptions {
  readonly data: Dataset;
  readonly spec: MlpSpec;
  /** A rule with numeric hyper-parameters (gf, sgd, momentum, adam). */
  readonly rule: Rule;
  /** Steps (or, for gradient flow, recorded times). */
  readonly steps: number;
  /** Rows per minibatch, drawn without replacement within an epoch; undefined: full batch. */
  readonly batchSize?: number;
  /** Gradient flow only: the time integrated to. */
  readonly time?: number;
  /** The parameters training starts from (a model's own weights), in the toolkit's layout; default: sampled. */
  readonly initial?: Float64Array;
  readonly seed: number;
}

/** One site's charge along the run. */
export interface ChargeSeries {
  readonly site: string;
  readonly kind: SiteKind;
  /** The site's layer as its label names it ('layer 2', 'output layer'), for per-layer views. */
  readonly layer: string;
  /** Measured at each record (a matrix charge: its Frobenius norm). */
  readonly observed: readonly number[];
  /** Predicted forward from the initial value; empty when the rule gives no law. */
  readonly predicted: readonly number[];
  /** The prediction without its driving term (SGD, momentum); empty otherwise. */
  readonly undriven: readonly number[];
  /**
   * The relative gap: max over records of |observed − predicted| / max over records of |observed|
   * (NaN without a prediction).
   */
  readonly gap: number;
  /** The gap at each record (|observed − predicted|, a matrix charge's Frobenius norm, over the same scale). */
  readonly gaps: readonly number[];
}

/** A training run with its charges, measured and predicted. */
export interface TrainingRun {
  readonly kind: 'training-run';
  readonly symmetry: string;
  readonly data: string;
  readonly source: string;
  readonly architecture: string;
  readonly rule: string;
  readonly hyper: Readonly<Record<string, number>>;
  readonly seed: number;
  /** Rows per step (the whole set for full batch). */
  readonly batchSize: number;
  readonly fullBatch: boolean;
  /** The time (gradient flow) or step number of each record. */
  readonly axis: 'time' | 'step';
  readonly at: readonly number[];
  readonly loss: readonly number[];
  readonly accuracy: readonly number[];
  /** The law predicted with (its statement), or why there is none. */
  readonly law:
    | { readonly kind: 'law'; readonly statement: Rendered; readonly form: Prediction['kind'] }
    | {
        readonly kind: 'none';
        readonly reason: string;
      };
  /** What drives the prediction, stated (SGD: Q₂ of each minibatch gradient). */
  readonly driving?: string;
  readonly series: readonly ChargeSeries[];
  /** Why the run ended early, when it did. */
  readonly note?: string;
  /** The largest gap over the sites. */
  readonly worstGap: number;
}

/**
 * Initial parameters: weights N(0, 1/fan-in), biases and β N(0, 0.1²) (so that no charge starts at
 * an exact zero it would keep), γ one.
 */
function initialParameters(
  blocks: readonly { name: string; rows: number; cols: number; offset: number }[],
  size: number,
  r: Rng,
): Float64Array {
  const theta = new Float64Array(size);
  for (const b of blocks) {
    const n = b.rows * b.cols;
    for (let i = 0; i < n; i++)
      theta[b.offset + i] = b.name.startsWith('W')
        ? r.normal() / Math.sqrt(b.cols)
        : b.name.startsWith('gamma')
          ? 1
          : 0.1 * r.normal();
  }
  return theta;
}

const size = (q: ChargeValue): number =>
  q.kind === 'scalar' ? q.value : Math.sqrt(q.value.reduce((s, x) => s + x * x, 0));
const distance = (a: ChargeValue, b: ChargeValue): number =>
  a.kind === 'scalar' && b.kind === 'scalar'
    ? Math.abs(a.value - b.value)
    : Math.sqrt(
        (a.value as Float64Array).reduce((s, x, i) => s + (x - (b.value as Float64Array)[i]!) ** 2, 0),
      );
const zeroLike = (q: ChargeValue): ChargeValue =>
  q.kind === 'scalar' ? { ...q, value: 0 } : { ...q, value: new Float64Array(q.value.length) };

/** The layer a site label names: 'layer 2, unit 3' → 'layer 2', 'output layer, column 1' → 'output layer'. */
const layerOf = (label: string): string => /^(layer \d+|output layer|input layer)/.exec(label)?.[1] ?? label;

/**
 * Refuse, before any work, what a training run cannot do: an architecture that does not fit the data
 * set, a rule without numeric values, precond (no metric to run it with). The rule's values.
 */
export function trainable(spec: MlpSpec, data: Dataset, rule: Rule): Record<string, number> {
  const [inputs, outputs] = [spec.widths[0]!, spec.widths.at(-1)!];
  if (inputs !== data.features.length || outputs !== data.classes.length)
    throw new UserInputError(
      `the ${data.name} data set has ${data.features.length} features and ${data.classes.length} classes; ` +
        `the architecture ${spec.widths.join('-')} takes ${inputs} and gives ${outputs}`,
    );
  if (rule.kind === 'precond')
    throw new UserInputError('a training run follows gf, sgd, momentum or adam; precond has no metric here');
  return ruleValues(rule);
}

/** Gradient flow: the integrator's tolerances (the gap then measures its error) and its step budget per run. */
const FLOW = { rtol: 1e-7, atol: 1e-9, steps: 50_000 } as const;
/** A parameter beyond this magnitude means training diverged (its charges, squares of it, still finite). */
const DIVERGED = 1e50;

/**
 * Train the network on the data set with the rule, recording every charge and its prediction.
 *
 * @throws UserInputError when the architecture does not fit the data set or the rule is not one a
 *   run can follow.
 */
export function trainAndPredict(decl: BlockDeclaration, o: TrainingOptions): TrainingRun {
  const { data, spec, rule, seed } = o;
  const outputs = spec.widths.at(-1)!;
  const hyper = trainable(spec, data, rule);
  const ev = evaluator(decl, { spec }, { seed });
  const net = ev.network;
  const r = rng(seed);
  if (o.initial && o.initial.length !== net.size)
    throw new UserInputError(
      `the initial parameters have ${o.initial.length} entries, the network ${net.size}`,
    );
  let theta = o.initial
    ? Float64Array.from(o.initial)
    : initialParameters(net.blocks, net.size, rng(seed ^ 0x5bd1e995));
  const all = data.batch;
  const rows = all.X.rows;
  const batchSize = Math.min(o.batchSize ?? rows, rows);
  const fullBatch = batchSize === rows;
  if (spec.norm === 'batch' && batchSize < 2)
    throw new UserInputError('BatchNorm needs minibatches of at least 2 rows');
  const pred = ev.predict(rule);
  const wd = hyper[rule.params.wd.symbol] ?? 0;
  // The whole set's evaluation at the last recorded θ: a full-batch step takes its gradient from it.
  let atLast: { theta: Float64Array; grad: Float64Array } | undefined;
  const lossOf = (th: Float64Array): { loss: number; accuracy: number } => {
    const e = evaluate(net, th, all);
    atLast = { theta: th, grad: e.grad };
    let right = 0;
    for (let i = 0; i < rows; i++) {
      const out = e.outputs.data.subarray(i * outputs, (i + 1) * outputs);
      const y = all.Y.data.subarray(i * outputs, (i + 1) * outputs);
      if (y[out.indexOf(Math.max(...out))] === 1) right++;
    }
    return { loss: e.loss, accuracy: right / rows };
  };
  const observed: ChargeValue[][] = [];
  const predicted: ChargeValue[][] = [];
  const undriven: ChargeValue[][] = [];
  const at: number[] = [];
  const loss: number[] = [];
  const accuracy: number[] = [];
  const record = (t: number, th: Float64Array): void => {
    at.push(t);
    observed.push(ev.charges(th));
    const l = lossOf(th);
    loss.push(l.loss);
    accuracy.push(l.accuracy);
  };
  record(0, theta);
  const q0 = observed[0]!;
  let driving: string | undefined;
  let note: string | undefined;
  if (rule.kind === 'gf') {
    const T = o.time ?? 10;
    const f = (_t: number, y: Float64Array): Float64Array => {
      const g = evaluate(net, y, all).grad;
      return g.map((x, i) => -(x + wd * y[i]!));
    };
    let budget: number = FLOW.steps;
    for (let k = 1; k <= o.steps; k++) {
      const res = integrate(f, theta, ((k - 1) * T) / o.steps, (k * T) / o.steps, {
        rtol: FLOW.rtol,
        atol: FLOW.atol,
        maxSteps: budget,
      });
      budget -= res.steps + res.rejected;
      if (!res.completed || !res.y.every(Number.isFinite)) {
        // ReLU kinks force tiny steps where the flow crosses them.
        note =
          `ended early: the flow was integrated to t = ${at.at(-1)} of ${T} within ` +
          `${FLOW.steps} integrator steps (rtol ${FLOW.rtol}; kinks of the activation force small steps)`;
        break;
      }
      theta = Float64Array.from(res.y);
      record((k * T) / o.steps, theta);
    }
    if (pred.kind === 'decay') predicted.push(...at.map((t) => q0.map((q) => pred.at(q, t))));
  } else {
    const spec2 = optimiserSpec(rule, hyper, () => {
      throw new Error('internal: precond is refused before training (trainable)');
    })!;
    const opt = optimiser(spec2, net.size);
    const eta = hyper[rule.params.lr.symbol]!;
    let order: number[] = [];
    const nextRows = (): number[] => {
      if (fullBatch) return Array.from({ length: rows }, (_, i) => i);
      if (order.length < batchSize) {
        const perm = Array.from({ length: rows }, (_, i) => i);
        for (let i = rows - 1; i > 0; i--) {
          const j = r.int(i + 1);
          [perm[i], perm[j]] = [perm[j]!, perm[i]!];
        }
        order = perm;
      }
      return order.splice(0, batchSize);
    };
    let qp = q0,
      qu = q0;
    let osc: { q: ChargeValue; rate: ChargeValue }[] | undefined;
    let oscFree: { q: ChargeValue; rate: ChargeValue }[] | undefined;
    if (pred.kind === 'recursion') {
      predicted.push(q0);
      undriven.push(q0);
      driving =
        "Q₂(g_k) of each step's gradient g_k (on its minibatch, weight decay excluded), measured along the run";
    }
    for (let k = 1; k <= o.steps; k++) {
      const mb = fullBatch ? all : rowsOf(all, nextRows());
      const g =
        fullBatch && atLast?.theta === theta
          ? Float64Array.from(atLast.grad)
          : Float64Array.from(evaluate(net, theta, mb).grad);
      if (pred.kind === 'oscillator' && osc === undefined) {
        const rate0 = pred.rate0(theta, g);
        osc = q0.map((q, i) => ({ q, rate: rate0[i]! }));
        oscFree = osc;
        predicted.push(q0);
        undriven.push(q0);
        driving = "Q₂(θ̇) of each step's velocity θ̇ = (θ_{k+1} − θ_k)/h, measured along the run";
      }
      const next = descend(theta, opt.direction(withDecay(g, theta, wd)), eta);
      if (!next.every((x) => Math.abs(x) < DIVERGED) || !allFinite(g)) {
        note = `ended early: training diverged at step ${k} (a parameter beyond ${DIVERGED}); records stop at ${k - 1}`;
        break;
      }
      if (pred.kind === 'recursion') {
        const drive = pred.drive(g);
        qp = qp.map((q, i) => pred.next(q, drive[i]!));
        qu = qu.map((q) => pred.next(q, zeroLike(q)));
        predicted.push(qp);
        undriven.push(qu);
      } else if (pred.kind === 'oscillator' && osc && oscFree) {
        const v = next.map((x, i) => (x - theta[i]!) / pred.h);
        const drive = pred.drive(v);
        osc = osc.map((s, i) => pred.next(s, drive[i]!));
        oscFree = oscFree.map((s) => pred.next(s, zeroLike(s.q)));
        predicted.push(osc.map((s) => s.q));
        undriven.push(oscFree.map((s) => s.q));
      }
      theta = next;
      record(k, theta);
    }
    if (pred.kind === 'two-step') {
      const perSite = q0.map((q) => pred.trajectory(q, at.length - 1));
      predicted.push(...at.map((_, k) => perSite.map((t) => t[k]!)));
    }
  }
  const scales = ev.sites.map((_, i) => Math.max(...observed.map((q) => Math.abs(size(q[i]!)))));
  // A charge that stays within rounding of zero (1e-12 of the largest) is measured against that floor.
  const floor = Math.max(...scales, 1e-300) * 1e-12;
  const series: ChargeSeries[] = ev.sites.map((s, i) => {
    const obs = observed.map((q) => q[i]!);
    const pre = predicted.map((q) => q[i]!);
    const scale = Math.max(scales[i]!, floor);
    const gaps = pre.map((p, k) => distance(obs[k]!, p) / scale);
    const gap = pre.length ? Math.max(...gaps) : NaN;
    return {
      site: s.label,
      kind: s.kind,
      layer: layerOf(s.label),
      observed: obs.map(size),
      predicted: pre.map(size),
      undriven: undriven.map((q) => size(q[i]!)),
      gaps,
      gap,
    };
  });
  return {
    kind: 'training-run',
    symmetry: decl.name,
    data: data.name,
    source: data.source,
    architecture: specText(spec),
    rule: rule.text,
    hyper,
    seed,
    batchSize,
    fullBatch,
    axis: rule.kind === 'gf' ? 'time' : 'step',
    at,
    loss,
    accuracy,
    law:
      pred.kind === 'none'
        ? { kind: 'none', reason: pred.reason }
        : { kind: 'law', statement: pred.law, form: pred.kind },
    ...(driving ? { driving } : {}),
    ...(note ? { note } : {}),
    series,
    worstGap: Math.max(...series.map((s) => s.gap)),
  };
}
