/** How far a charge moves along an integrated gradient flow (optionally under a constant metric). */
import { dot, norm2Of } from '../../numeric/linalg';
import { evaluate } from '../../numeric/mlp';
import { DegenerateSample } from '../../numeric/errors';
import type { NetworkCase } from '../../numeric/arbitraries';
import type { GraphCase } from '../../numeric/graph/sites';
import { evaluateGraph } from '../../numeric/graph/graph';
import { integrate } from '../../numeric/ode';
import { withDecay } from '../../numeric/optim';
import type { BlockDeclaration } from '../declaration/types';
import type { Law } from '../derivation';
import { WordEvaluator, type Values } from './bind';
import { resolveDims, caseValues, siteBlocks } from './values';

/** How far a charge moved along an integrated flow, relative to its natural scale. */
export interface Drift {
  /** |Q(T) − Q(0)| (Frobenius norm for a matrix charge) relative to the charge's natural scale. */
  readonly relative: number;
  /** Integrator steps taken: its global error grows at most linearly in them. */
  readonly steps: number;
  readonly time: number;
  /** How far the site's parameters moved, relative to their norm (0: at rest, e.g. a dead unit). */
  readonly moved: number;
}

/**
 * Follow gradient flow θ̇ = −∇L (with `decay`: −(∇L + λθ)) on the case's batch with the adaptive
 * integrator (rtol) and measure how much a charge moved (from e^{−rate·T} Q(0) with `decay`).
 * Undefined when the network is degenerate or the flow is too stiff for maxSteps. T defaults to the
 * time in which θ would move by a third of its norm at the initial speed.
 */
export function chargeDrift(
  decl: BlockDeclaration,
  charge: Pick<Law, 'data' | 'parameter' | 'id'>,
  c: NetworkCase | GraphCase,
  opts: {
    rtol?: number;
    time?: number;
    maxSteps?: number;
    metric?: Readonly<Record<string, number>>;
    /** Weight decay λ in the flow, θ̇ = −(∇L + λθ), and the rate at which the charge then decays. */
    decay?: { readonly wd: number; readonly rate: number };
  } = {},
): Drift | undefined {
  const rtol = opts.rtol ?? 1e-10;
  const dims = resolveDims(decl, c);
  const { consts, scalars: siteScalars } = caseValues(decl, c, dims);
  // A constant per-block metric γ_B: the flow is θ̇ = −G⁻¹∇L, and metric-weighted charges read γ_B
  // as gamma_<block>.
  const metric = opts.metric ?? {};
  const scalars = {
    ...siteScalars,
    ...Object.fromEntries(Object.entries(metric).map(([b, g]) => [`gamma_${b}`, g])),
  };
  // The loss's gradient on the case's data: an MLP's, or a graph model's (transformer block, CNN, …).
  const gradient =
    'kind' in c
      ? (th: Float64Array): Float64Array => evaluateGraph(c.graph, th, c.data).grad
      : (th: Float64Array): Float64Array => evaluate(c.net, th, c.batch).grad;
  const inverse = new Float64Array(c.theta.length).fill(1);
  for (const [b, g] of Object.entries(metric)) for (const i of c.site.views[b]!.index) inverse[i] = 1 / g;
  const ev = new WordEvaluator();
  const valuesAt = (theta: Float64Array): Values => ({ blocks: siteBlocks(decl, c, theta), consts, scalars });
  const measure = (theta: Float64Array): { value: Float64Array; bound: number } => {
    if (charge.data.kind === 'trace') {
      const t = ev.trace(charge.data.sum, valuesAt(theta));
      return { value: Float64Array.of(t.value), bound: t.bound };
    }
    if (charge.data.kind === 'matrix') {
      const k = consts[charge.parameter] ?? Object.values(consts)[0]!;
      const m = ev.matrix(charge.data.sum, valuesAt(theta), k.rows, k.cols);
      return { value: m.value.data, bound: m.bound };
    }
    throw new Error(`law ${charge.id} has no value to follow`);
  };
  try {
    const g0 = gradient(c.theta);
    const speed = Math.sqrt(dot(g0, g0)),
      size = Math.sqrt(dot(c.theta, c.theta));
    const time = opts.time ?? Math.min(5, size / (3 * speed + 1e-300));
    const wd = opts.decay?.wd ?? 0;
    const r = integrate(
      (_, th) => {
        const v = withDecay(gradient(th), th, wd);
        for (let i = 0; i < v.length; i++) v[i] = -v[i]! * inverse[i]!;
        return v;
      },
      c.theta,
      0,
      time,
      {
        rtol,
        atol: rtol * 1e-3 * (size / Math.sqrt(c.theta.length) + 1e-300),
        maxSteps: opts.maxSteps ?? 4000,
      },
    );
    if (!r.completed) return undefined;
    const [q0, q1] = [measure(c.theta), measure(r.y)];
    // Conserved, or decayed by e^{−rate·T} (gradient flow with weight decay).
    const factor = Math.exp(-(opts.decay?.rate ?? 0) * time);
    const diff = norm2Of(q0.value.length, (i) => factor * q0.value[i]! - q1.value[i]!);
    let d2 = 0,
      n2 = 0;
    for (const b of decl.blocks)
      for (const i of c.site.views[b.name]!.index) {
        d2 += (r.y[i]! - c.theta[i]!) ** 2;
        n2 += c.theta[i]! ** 2;
      }
    const moved = n2 > 0 ? Math.sqrt(d2 / n2) : Math.sqrt(d2);
    return { relative: diff / (q0.bound + q1.bound || 1e-300), steps: r.steps, time, moved };
  } catch (err) {
    if (err instanceof DegenerateSample) return undefined;
    throw err;
  }
}
