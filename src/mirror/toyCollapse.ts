/**
 * Mirror symmetries: the predicted attraction threshold against what gradient descent does
 * [SIS]. Per sample: random data (a batch), a weight decay γ, the stationary point θ*(γ) of
 * L + γ‖θ‖² on the symmetric set (reached by gradient descent started on the set, which it never
 * leaves), the prediction "stable iff λ_min(OᵀH(θ*)O) + 2γ > 0", and the observed fate of a small
 * perturbation off the set. Samples whose γ lies within 10% of the predicted threshold are
 * ambiguous for a finite run and are counted apart.
 */
import { allFinite, descend } from '../../numeric/optim';
import type { MirrorDeclaration } from '../declaration/types';
import { diff } from '../expr/diff';
import { compile, type Compiled } from '../expr/evaluate';
import { rng } from '../../numeric/rng';
import { minEigen } from '../../numeric/linalg';

/** One sample of {@link collapseExperiment}: weight decay γ, the threshold, the prediction and the observation. */
export interface CollapseSample {
  readonly gamma: number;
  readonly threshold: number;
  readonly predicted: boolean;
  readonly observed: boolean;
}
/** What {@link collapseExperiment} found: every sample, agreement among the decided, ambiguous and skipped counts. */
export interface CollapseReport {
  readonly kind: 'toy-collapse';
  readonly samples: readonly CollapseSample[];
  readonly agree: number;
  readonly decided: number;
  readonly ambiguous: number;
  readonly skipped: number;
}

/**
 * A concrete mirror's attraction threshold against gradient descent: per sample, random data, a
 * weight decay γ, the stationary point of L + γ‖θ‖² on the symmetric set, the prediction "stable iff
 * λ_min(OᵀH(θ*)O) + 2γ > 0", and the observed fate of a small perturbation off the set. Samples with
 * γ within 10% of the threshold are counted as ambiguous.
 *
 * @param d - A mirror declaration.
 * @param reflection - Its reflection R as numbers, e.g.
 *   `reflectionOf(d).map((r) => r.map((x) => Number(x.n) / Number(x.d)))`.
 * @param opts - Samples (default 50), seed, batch size (default 8), gradient-descent steps (default 4000).
 */
export function collapseExperiment(
  d: MirrorDeclaration,
  reflection: number[][],
  opts: { samples?: number; seed?: number; batch?: number; steps?: number } = {},
): CollapseReport {
  const P = d.parameters,
    n = P.length;
  const samples = opts.samples ?? 50,
    B = opts.batch ?? 8,
    steps = opts.steps ?? 4000;
  const r = rng(opts.seed ?? 1);
  const vars = [...P, ...d.data, ...d.constants];
  const grad: Compiled[] = P.map((p) => compile(diff(d.loss, p), vars));
  const hess: Compiled[][] = P.map((p) => P.map((q) => compile(diff(diff(d.loss, p), q), vars)));
  // O: orthonormal basis of the reflected directions, the range of (I − R)/2.
  const Aproj = reflection.map((row, i) => row.map((x, j) => ((i === j ? 1 : 0) - x) / 2));
  const O: number[][] = [];
  for (let j = 0; j < n; j++) {
    const v = Aproj.map((row) => row[j]!);
    for (const o of O) {
      const c = o.reduce((s, x, i) => s + x * v[i]!, 0);
      for (let i = 0; i < n; i++) v[i]! -= c * o[i]!;
    }
    const nv = Math.hypot(...v);
    if (nv > 1e-9) O.push(v.map((x) => x / nv));
  }
  const mean = (f: Compiled, theta: number[], data: number[][], consts: number[]): number =>
    data.reduce((s, x) => s + f([...theta, ...x, ...consts]), 0) / data.length;
  const offSet = (theta: number[]): number =>
    Math.hypot(...O.map((o) => o.reduce((s, x, i) => s + x * theta[i]!, 0)));
  const out: CollapseSample[] = [];
  let skipped = 0;
  for (let sIdx = 0; sIdx < samples; sIdx++) {
    const data = Array.from({ length: B }, () => d.data.map(() => r.grid(-2, 2, 64)));
    const consts = d.constants.map(() => r.grid(0.5, 3, 8));
    const gd = (theta0: number[], gamma: number, eta: number): number[] | undefined => {
      let th = [...theta0];
      for (let k = 0; k < steps; k++) {
        const g = grad.map((f, i) => mean(f, th, data, consts) + 2 * gamma * th[i]!);
        th = Array.from(descend(Float64Array.from(th), g, eta));
        if (!allFinite(th) || Math.hypot(...th) > 1e6) return undefined;
      }
      return th;
    };
    // A start on the set: project random parameters onto it (θ − O Oᵀ θ).
    const raw = P.map(() => r.normal());
    const start = raw.map(
      (x, i) => x - O.reduce((s, o) => s + o[i]! * o.reduce((t, y, j) => t + y * raw[j]!, 0), 0),
    );
    const gamma = 0.02 + 1.5 * r.next();
    const eta = 0.02;
    const star = gd(start, gamma, eta);
    if (!star) {
      skipped++;
      continue;
    }
    const H = hess.map((row) => row.map((f) => mean(f, star, data, consts)));
    const M = O.map((a) =>
      O.map((b) => a.reduce((s, x, i) => s + x * H[i]!.reduce((t, h, j) => t + h * b[j]!, 0), 0)),
    );
    const lmin = minEigen(M);
    const threshold = -lmin / 2;
    const predicted = gamma > threshold;
    const z = O.reduce(
      (acc, o) => acc.map((x, i) => x + 1e-3 * r.normal() * o[i]!),
      new Array(n).fill(0) as number[],
    );
    const perturbed = star.map((x, i) => x + z[i]!);
    const end = gd(perturbed, gamma, eta);
    const observed = end !== undefined && offSet(end) < 0.5 * offSet(perturbed);
    out.push({ gamma, threshold, predicted, observed });
  }
  const clear = out.filter(
    (s) => Math.abs(s.gamma - s.threshold) > 0.1 * Math.max(Math.abs(s.threshold), 1e-3),
  );
  return {
    kind: 'toy-collapse',
    samples: out,
    agree: clear.filter((s) => s.predicted === s.observed).length,
    decided: clear.length,
    ambiguous: out.length - clear.length,
    skipped,
  };
}
