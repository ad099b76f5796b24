/**
 * Convergence order of continuous-time forms: full-batch GD with step η, run to time T = ηK, is
 * compared with gradient flow θ̇ = −d (first order in η predicted) and with the modified flow
 * θ̇ = −d − (η/2)(H + λ)d, d = ∇L + λθ (second order predicted), through the charge's value at T.
 * The flows are integrated with the adaptive integrator far below the errors measured. Halving η
 * must shrink the errors by 2 and 4. η starts at 0.05/λ_max(H) (at most 0.02), so the expansions
 * in η·λ_max are in their asymptotic regime.
 */
import { descend, optimiser } from '../../numeric/optim';
import fc from 'fast-check';
import { evaluate } from '../../numeric/mlp';
import { DegenerateSample } from '../../numeric/errors';
import { siteCase, describeSpec, type ArchConstraints, type NetworkCase } from '../../numeric/arbitraries';
import { integrate } from '../../numeric/ode';
import type { BlockDeclaration } from '../declaration/types';
import { resolveDims, caseValues, siteBlocks } from './values';
import { WordEvaluator } from './bind';
import type { Dynamics } from '../rules/dynamics';
import type { SiteKind } from '../../numeric/sites';

/**
 * The measured convergence orders of a rule's continuous forms: the charge after time T under GD
 * (or heavy-ball) at several step sizes η against gradient flow and the modified flow (or the
 * oscillator limit), with the error ratios as η halves.
 */
export interface OrderReport {
  /**
   * sgd: GD against gradient flow and the modified flow; momentum: heavy-ball against its
   * oscillator limit (in modifiedErrors).
   */
  readonly kind: 'sgd' | 'momentum';
  readonly architecture: string;
  readonly site: string;
  readonly time: number;
  readonly etas: readonly number[];
  /** |Q_GD(T) − Q_GF(T)| for each η. */
  readonly flowErrors: readonly number[];
  /** |Q_GD(T) − Q_MF(T)| for each η. */
  readonly modifiedErrors: readonly number[];
  /** Successive error ratios as η halves (predicted 2 and 4); null where an error is below the rounding floor. */
  readonly flowRatios: readonly (number | null)[];
  readonly modifiedRatios: readonly (number | null)[];
  /** Errors below this (1e3 ε · |Q|) are rounding, not approximation error. */
  readonly floor: number;
}

/** Smooth activations per site kind, so that finite-step expansions hold. */
const SMOOTH: Record<SiteKind, ('tanh' | 'linear' | 'poly')[]> = {
  'hidden-unit': ['linear'],
  'poly-unit': ['poly'],
  'normalised-unit': ['tanh'],
  'normalised-layer': ['tanh'],
  'softmax-column': ['tanh'],
  'softmax-bias': ['tanh'],
  'bias-before-batchnorm': ['tanh'],
  'bias-before-layernorm': ['tanh'],
  'linear-layer': ['linear'],
  'homogeneous-layer': ['linear'],
  'augmented-input': ['linear'],
  'odd-unit': ['tanh'],
  'unit-pair': ['tanh'],
  'product-layer': ['linear'],
  // Graph sites: rules are not checked on graph models yet.
  'attention-qk': [],
  'attention-vo': [],
  'key-bias': [],
  'conv-channel': [],
  'normalised-channel': [],
  'channel-bias-before-batchnorm': [],
  'residual-unit': [],
  'graph-softmax-column': [],
  'graph-softmax-bias': [],
  'attention-bias-before-layernorm': [],
  'residual-channel': [],
  'head-pair': [],
  'channel-pair': [],
  'odd-channel': [],
};

/**
 * The charge's entries (one for a trace charge, every entry of a matrix charge) at parameters θ of
 * case c. Errors are distances between these vectors: a single entry's error can have a vanishing
 * leading term in η by accident (gl at one network: ratios 9.65, 13.1 as η halved, in entry (0, 0)),
 * the whole matrix's only where every entry's does.
 */
function chargeReader(
  decl: BlockDeclaration,
  dyn: Dynamics,
  c: NetworkCase,
): (theta: Float64Array) => Float64Array {
  const dims = resolveDims(decl, c);
  const { consts, scalars } = caseValues(decl, c, dims);
  const ev = new WordEvaluator();
  return (theta) => {
    const v = { blocks: siteBlocks(decl, c, theta), consts, scalars };
    if (dyn.charge.kind === 'trace') return Float64Array.of(ev.trace(dyn.chargeSum, v).value);
    const k = Object.values(consts)[0]!;
    return ev.matrix(dyn.chargeSum, v, k.rows, k.cols).value.data;
  };
}

/** ‖a − b‖₂ of two charge readings. */
const distance = (a: Float64Array, b: Float64Array): number => Math.hypot(...a.map((x, i) => x - b[i]!));
/** ‖a‖₂ of a charge reading. */
const size = (a: Float64Array): number => Math.hypot(...a);

/** λ_max of the Hessian at the case's parameters, by power iteration on H v. */
function topCurvature(c: NetworkCase): number {
  let v = Float64Array.from(c.theta, (_, i) => Math.sin(i + 1));
  let lmax = 0;
  for (let it = 0; it < 30; it++) {
    const hv = evaluate(c.net, c.theta, c.batch, v).hv!;
    lmax = Math.sqrt(hv.reduce((s, x) => s + x * x, 0)) / Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    if (!(lmax > 0)) break;
    v = hv.map((x) => x / lmax);
  }
  return lmax;
}

/**
 * Where the orders are measured: the site kind (default the declaration's first) and the
 * architecture (default a smooth 3-4-3 network, batch 6; what --arch fixes replaces the default).
 */
interface OrderSite {
  readonly site?: SiteKind;
  readonly arch?: ArchConstraints;
}

/**
 * The orders' architecture: the user's, with a smooth activation always (the expansions in η need
 * one: at a ReLU kink the second-order term is not defined) and sampled weights (not a model's).
 */
function orderArch(kind: SiteKind, arch: ArchConstraints = {}): ArchConstraints {
  const rest: ArchConstraints = { ...arch };
  for (const k of ['acts', 'degrees', 'weights'] as const)
    delete (rest as { -readonly [K in typeof k]?: unknown })[k];
  return { widths: [3, 4, 3], batch: 6, ...rest, acts: SMOOTH[kind] };
}

export function measureOrder(
  decl: BlockDeclaration,
  dyn: Dynamics,
  opts: OrderSite & { seed?: number; eta?: number; wd?: number; steps?: number } = {},
): OrderReport | undefined {
  const kind = opts.site ?? decl.sites[0];
  if (!kind) return undefined;
  const cases = fc.sample(siteCase(kind, orderArch(kind, opts.arch)), {
    seed: opts.seed ?? 1,
    numRuns: 8,
  });
  // The first case whose errors stand above rounding for both forms (a stiff case forces so small an η
  // that second-order errors vanish into rounding).
  let fallback: OrderReport | undefined;
  for (const c of cases) {
    const r = orderFor(decl, dyn, c, opts);
    if (!r) continue;
    if (r.flowRatios.some((x) => x !== null) && r.modifiedRatios.some((x) => x !== null)) return r;
    fallback ??= r;
  }
  return fallback;
}

function orderFor(
  decl: BlockDeclaration,
  dyn: Dynamics,
  c: NetworkCase,
  opts: { eta?: number; wd?: number; steps?: number },
): OrderReport | undefined {
  const Q = chargeReader(decl, dyn, c);
  const wd = opts.wd ?? 0.05;
  // The expansions in η need η·λ_max ≪ 1.
  const lmax = topCurvature(c);
  const eta0 = opts.eta ?? Math.min(0.02, 0.05 / (lmax + wd));
  const K0 = opts.steps ?? 100;
  const T = eta0 * K0;
  const d = (th: Float64Array): Float64Array =>
    evaluate(c.net, th, c.batch).grad.map((g, i) => g + wd * th[i]!);
  try {
    const gf = integrate((_, th) => d(th).map((x) => -x), c.theta, 0, T, {
      rtol: 1e-12,
      atol: 1e-14,
      maxSteps: 20000,
    });
    if (!gf.completed) return undefined;
    const etas = [eta0, eta0 / 2, eta0 / 4];
    const flowErrors: number[] = [],
      modifiedErrors: number[] = [];
    for (const eta of etas) {
      let th = Float64Array.from(c.theta);
      for (let k = 0; k < Math.round(T / eta); k++) {
        const dk = d(th);
        th = descend(th, dk, eta);
      }
      const mf = integrate(
        (_, t) => {
          const dt = d(t);
          const hv = evaluate(c.net, t, c.batch, dt).hv!;
          return dt.map((x, i) => -x - (eta / 2) * (hv[i]! + wd * x));
        },
        c.theta,
        0,
        T,
        { rtol: 1e-12, atol: 1e-14, maxSteps: 20000 },
      );
      if (!mf.completed) return undefined;
      flowErrors.push(distance(Q(th), Q(gf.y)));
      modifiedErrors.push(distance(Q(th), Q(mf.y)));
    }
    const floor = 1e3 * Number.EPSILON * Math.max(size(Q(c.theta)), size(Q(gf.y)));
    const ratios = (e: number[]): (number | null)[] =>
      e.slice(1).map((x, i) => (x > floor && e[i]! > floor ? e[i]! / x : null));
    return {
      kind: 'sgd',
      architecture: describeSpec(c.spec),
      site: c.site.label,
      time: T,
      etas,
      flowErrors,
      modifiedErrors,
      flowRatios: ratios(flowErrors),
      modifiedRatios: ratios(modifiedErrors),
      floor,
    };
  } catch (err) {
    if (err instanceof DegenerateSample) return undefined;
    throw err;
  }
}

/** The oscillator limit is integrated to this relative tolerance. */
const MOMENTUM_RTOL = 1e-12;

/**
 * Momentum's continuous limit: discrete heavy-ball (v₀ = 0) against m θ̈ + (1 − β) θ̇ = −(g + λθ),
 * t = η(1 − d)k, compared through the charge at time T as η halves.
 *
 * Taylor expansion of (θ_{k+1} − θ_k) − β(θ_k − θ_{k−1}) = −h d_k, h = η(1 − d), leaves an O(h²)
 * residual in the equation. The start matters: v₀ = 0 excites the recursion's parasitic root β^k,
 * which (for constant d) shifts θ by h β d/(1 − β)²; the equation's fast mode shifts it by
 * (θ̇(0) + d/(1 − β)) m/(1 − β). Equal shifts give θ̇(0) = −d₀/(1 + β), and with that start the
 * error is predicted to fall by 4 per halving (any other start leaves an O(h) shift: factor 2).
 */
export function measureMomentumOrder(
  decl: BlockDeclaration,
  dyn: Dynamics,
  opts: OrderSite & { seed?: number; beta?: number; dampening?: number; wd?: number } = {},
): OrderReport | undefined {
  const kind = opts.site ?? decl.sites[0];
  if (!kind) return undefined;
  const beta = opts.beta ?? 0.5,
    damp = opts.dampening ?? 0,
    wd = opts.wd ?? 0.05;
  for (const c of fc.sample(siteCase(kind, orderArch(kind, opts.arch)), {
    seed: opts.seed ?? 1,
    numRuns: 8,
  })) {
    try {
      const Q = chargeReader(decl, dyn, c);
      const d = (th: Float64Array): Float64Array =>
        evaluate(c.net, th, c.batch).grad.map((g, i) => g + wd * th[i]!);
      const lmax = topCurvature(c);
      const eta0 = Math.min(0.02, (0.05 * (1 - beta)) / (lmax + wd));
      const T = eta0 * (1 - damp) * 100;
      const n = c.theta.length;
      // Five step sizes: the ratio at the smallest is judged (the next order still shows at the larger ones).
      const etas = [eta0, eta0 / 2, eta0 / 4, eta0 / 8, eta0 / 16];
      const errs: number[] = [];
      const d0 = d(c.theta);
      for (const eta of etas) {
        const h = eta * (1 - damp);
        let th = Float64Array.from(c.theta);
        const opt = optimiser({ kind: 'momentum', beta, dampening: damp }, n);
        for (let k = 0; k < Math.round(T / h); k++) th = descend(th, opt.direction(d(th)), eta);
        const m = (eta * (1 - damp) * (1 + beta)) / 2;
        const y0 = new Float64Array(2 * n);
        y0.set(c.theta, 0);
        y0.set(
          d0.map((x) => -x / (1 + beta)),
          n,
        );
        const sol = integrate(
          (_, y) => {
            const t = y.subarray(0, n),
              w = y.subarray(n);
            const dt = d(Float64Array.from(t));
            const out = new Float64Array(2 * n);
            out.set(w, 0);
            for (let i = 0; i < n; i++) out[n + i] = -((1 - beta) * w[i]! + dt[i]!) / m;
            return out;
          },
          y0,
          0,
          T,
          { rtol: MOMENTUM_RTOL, atol: 1e-14, maxSteps: 50000 },
        );
        if (!sol.completed) throw new DegenerateSample('the flow is too stiff to integrate');
        errs.push(distance(Q(th), Q(sol.y.subarray(0, n) as Float64Array)));
      }
      // Below rounding, or below what the integrated limit resolves (10× its tolerance), nothing is measured.
      const floor = Math.max(1e3 * Number.EPSILON, 10 * MOMENTUM_RTOL) * size(Q(c.theta));
      const ratios = errs.slice(1).map((x, i) => (x > floor && errs[i]! > floor ? errs[i]! / x : null));
      if (!ratios.some((x) => x !== null)) continue;
      return {
        kind: 'momentum',
        architecture: describeSpec(c.spec),
        site: c.site.label,
        time: T,
        etas,
        flowErrors: [],
        modifiedErrors: errs,
        flowRatios: [],
        modifiedRatios: ratios,
        floor,
      };
    } catch (err) {
      if (err instanceof DegenerateSample) continue;
      throw err;
    }
  }
  return undefined;
}
