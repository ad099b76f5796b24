/**
 * One teleport: gradient ascent of ‖∇L‖² along the declared orbit, the loss held fixed.
 *
 * At θ the derivative of ½‖∇L(ψ_s(θ, a))‖² in site s's group parameter at a = 0 is ⟨g, H X_s⟩ =
 * ⟨H g, X_s⟩ (H is symmetric), so one Hessian-vector product gives the ascent direction c_s for every
 * site at once. A step applies the declared group element ψ_s(·, δ c_s / max|c|) at every site in
 * turn (a product of elements of the one-parameter subgroups, so a point of the orbit), accepts it
 * when ‖∇L‖² grew and doubles δ (up to `maxStep`), otherwise halves δ and tries again. Every point
 * tried is a point of the orbit, and the loss there is compared with the loss where the teleport
 * started (tolerance {@link ORBIT_TOLERANCE}).
 *
 * The charges jump. Since ∇Q_s = X_s, along site t's segment of a step Q_s changes at the rate
 * ⟨X_s, X_t⟩; the predicted jump integrates it (6-point Gauss–Legendre on each segment, the
 * generator evaluated at the declared action's intermediate points), the observed one evaluates the
 * derivation's charge at both ends.
 */
import { evaluate, type Batch, type Network } from '../../numeric/mlp';
import type { Orbit } from './orbit';
import { sparseDot } from './orbit';
import { lossAt, lossScale, ORBIT_TOLERANCE } from './loss';

/** How far and how long a teleport climbs. */
export interface AscentOptions {
  /** Ascent steps per teleport (default 3). */
  readonly steps?: number;
  /** The largest |a_s| of one step (default 0.2). */
  readonly maxStep?: number;
  /** The first step's largest |a_s| (default 0.1). */
  readonly firstStep?: number;
}

/** A point of the orbit where the loss moved: the first one found, with the site that moves it alone. */
export interface OrbitBreak {
  readonly site: string;
  readonly a: number;
  readonly before: number;
  readonly after: number;
  readonly relative: number;
}

/** What one teleport did (plain data). */
export interface TeleportStep {
  /** Ascent steps accepted. */
  readonly steps: number;
  /** Points of the orbit tried (each one evaluation of the loss and gradient). */
  readonly tried: number;
  /** Hessian-vector products (one per ascent direction). */
  readonly products: number;
  readonly gradNormSqBefore: number;
  readonly gradNormSqAfter: number;
  /** max_s |Σ a_s| over the teleport: how far along the orbit it went. */
  readonly largestMove: number;
  /** Σ a_s per site: the group parameters the accepted steps applied at each site, in all. */
  readonly moves: readonly number[];
  /** The worst |L(ψ(θ, a)) − L(θ)| / scale over the points tried. */
  readonly worstLoss: number;
  /** Charge jumps per site (when the derivation has a scalar charge). */
  readonly charges?: {
    readonly observed: readonly number[];
    readonly predicted: readonly number[];
    /** |predicted − observed| / (scale(Q before) + scale(Q after)) per site. */
    readonly relative: readonly number[];
  };
  /** The loss changed beyond the tolerance somewhere on the orbit: where, and by how much. */
  readonly broken?: OrbitBreak;
}

const GL_NODES = [
  [-0.9324695142031521, 0.1713244923791704],
  [-0.6612093864662645, 0.3607615730481386],
  [-0.2386191860831969, 0.467913934572691],
  [0.2386191860831969, 0.467913934572691],
  [0.6612093864662645, 0.3607615730481386],
  [0.9324695142031521, 0.1713244923791704],
] as const;

/** The relative growth of ‖∇L‖² an ascent step must make to be accepted (above rounding). */
const ACCEPT = 1e-9;

const normSq = (x: Float64Array): number => x.reduce((s, v) => s + v * v, 0);

/** The rate ⟨X_s, X_t⟩ at θ for every s overlapping t, added into rate[s] with weight w. */
function addRates(orbit: Orbit, t: number, theta: Float64Array, w: number, rate: Float64Array): void {
  const xt = orbit.generator(t, theta);
  const dense = new Map<number, number>();
  xt.index.forEach((k, i) => dense.set(k, xt.value[i]!));
  for (const s of orbit.overlaps[t]!) {
    const xs = s === t ? xt : orbit.generator(s, theta);
    let dot = 0;
    xs.index.forEach((k, i) => (dot += xs.value[i]! * (dense.get(k) ?? 0)));
    rate[s]! += w * dot;
  }
}

/**
 * Apply a_s at every site in turn; with `jumps`, integrate dQ_s = ⟨X_s, X_t⟩ da_t along each segment.
 */
function applyStep(orbit: Orbit, theta: Float64Array, a: Float64Array, jumps?: Float64Array): Float64Array {
  const th = Float64Array.from(theta);
  for (let t = 0; t < orbit.sites.length; t++) {
    const at = a[t]!;
    if (at === 0) continue;
    if (jumps)
      for (const [x, w] of GL_NODES) {
        const node = Float64Array.from(th);
        orbit.act(t, node, (at * (x + 1)) / 2);
        addRates(orbit, t, node, (w * at) / 2, jumps);
      }
    orbit.act(t, th, at);
  }
  return th;
}

/** The site that alone moves the loss (a step's group element failed): the first found, or the step. */
function whereBroken(
  orbit: Orbit,
  theta: Float64Array,
  a: Float64Array,
  batch: Batch,
  before: number,
  scale: number,
): OrbitBreak {
  let worst: OrbitBreak | undefined;
  for (let t = 0; t < orbit.sites.length; t++) {
    if (a[t] === 0) continue;
    const th = Float64Array.from(theta);
    orbit.act(t, th, a[t]!);
    const after = evaluate(orbit.net, th, batch).loss;
    const relative = Math.abs(after - before) / scale;
    if (!worst || relative > worst.relative)
      worst = { site: orbit.sites[t]!.label, a: a[t]!, before, after, relative };
    if (relative > ORBIT_TOLERANCE) return worst;
  }
  return worst!;
}

/**
 * Teleport from θ on a batch: climb ‖∇L‖² along the orbit (see the module comment). Returns the new θ
 * and what the teleport did; stops at the first point of the orbit where the loss moved beyond
 * {@link ORBIT_TOLERANCE} (returning θ unchanged, with `broken`).
 */
export function teleport(
  orbit: Orbit,
  theta: Float64Array,
  batch: Batch,
  opts: AscentOptions = {},
): { theta: Float64Array; step: TeleportStep } {
  const steps = opts.steps ?? 3;
  const maxStep = opts.maxStep ?? 0.2;
  let delta = opts.firstStep ?? 0.1;
  const S = orbit.sites.length;
  const net: Network = orbit.net;
  const start = lossAt(net, theta, batch);
  const q0 = orbit.sites.map((_, s) => orbit.charge(s, theta));
  const predicted = new Float64Array(S);
  const total = new Float64Array(S);
  let th: Float64Array = Float64Array.from(theta);
  let g = start.grad;
  let gn = normSq(g);
  const gn0 = gn;
  let accepted = 0;
  let tried = 0;
  let products = 0;
  let worstLoss = 0;
  const finish = (broken?: OrbitBreak): { theta: Float64Array; step: TeleportStep } => {
    const q1 = orbit.sites.map((_, s) => orbit.charge(s, broken ? theta : th));
    const charges = q0.every((q) => q !== undefined)
      ? (() => {
          const observed = q0.map((q, s) => q1[s]!.value - q!.value);
          const pred = broken ? observed.map(() => 0) : [...predicted];
          return {
            observed,
            predicted: pred,
            relative: observed.map((o, s) => Math.abs(pred[s]! - o) / (q0[s]!.scale + q1[s]!.scale || 1)),
          };
        })()
      : undefined;
    return {
      theta: broken ? Float64Array.from(theta) : th,
      step: {
        steps: accepted,
        tried,
        products,
        gradNormSqBefore: gn0,
        gradNormSqAfter: broken ? gn0 : gn,
        largestMove: broken ? 0 : total.reduce((m, x) => Math.max(m, Math.abs(x)), 0),
        moves: broken ? orbit.sites.map(() => 0) : [...total],
        worstLoss,
        ...(charges ? { charges } : {}),
        ...(broken ? { broken } : {}),
      },
    };
  };
  for (let k = 0; k < steps; k++) {
    const hg = evaluate(net, th, batch, g).hv!;
    products++;
    const c = Float64Array.from(orbit.sites, (_, s) => sparseDot(orbit.generator(s, th), hg));
    const cmax = c.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    if (!(cmax > 0) || !Number.isFinite(cmax)) break;
    let moved = false;
    while (delta >= 1e-4) {
      const a = c.map((x) => (delta * x) / cmax);
      const next = applyStep(orbit, th, a);
      const e = evaluate(net, next, batch);
      tried++;
      const rel = Math.abs(e.loss - start.loss) / Math.max(start.scale, lossScale(net, e, batch));
      worstLoss = Math.max(worstLoss, Number.isNaN(rel) ? Infinity : rel);
      if (!(rel <= ORBIT_TOLERANCE)) return finish(whereBroken(orbit, th, a, batch, start.loss, start.scale));
      const gNext = Float64Array.from(e.grad);
      const gnNext = normSq(gNext);
      // Growth within rounding is no growth (along a translation ‖∇L‖² is constant on the orbit).
      if (gnNext > gn * (1 + ACCEPT) && Number.isFinite(gnNext)) {
        applyStep(orbit, th, a, predicted);
        for (let s = 0; s < S; s++) total[s]! += a[s]!;
        th = next;
        g = gNext;
        gn = gnNext;
        accepted++;
        delta = Math.min(2 * delta, maxStep);
        moved = true;
        break;
      }
      delta /= 2;
    }
    if (!moved) break;
  }
  return finish();
}
