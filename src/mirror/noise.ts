/**
 * SIS's gradient-noise criterion as a measured prediction [SIS §2.3, heuristic]. One-sample SGD
 * near a point θ* of the symmetric set that every sample's step fixes (∇ℓ_i(θ*) + 2γθ* = 0 for all
 * i): along the reflected directions the linearised step is z ↦ (I − η(M_i + 2γ)) z with
 * M_i = OᵀH_iO for the sample i drawn. When the M_i commute, along each common eigen-direction j
 * the log-amplitude is a sum of i.i.d. terms, and by the law of large numbers
 *
 *   the set attracts one-sample SGD  iff  max_j E_i log|1 − η(h_ij + 2γ)| < 0   (noise criterion),
 *
 * whereas the mean-field reading (full-batch GD at the same η) predicts attraction iff
 * |1 − η(h̄_j + 2γ)| < 1 for every j. Both are compared with the observed fate of a 1e-8 perturbation
 * over K steps; samples whose criterion is within 3 standard errors of 0 are ambiguous. So are those
 * the criterion calls attracting but whose log-amplitude walk may first climb out of the linear regime
 * (the observation's 1e-3): a negative drift wins only eventually, and with large per-step spread
 * (η·|h + 2γ| spanning 1) an early excursion is likely (one draw: drift −0.11, spread 0.9 per step,
 * z = −7.4, left the regime). The chance is bounded by Cramér–Lundberg, P(sup_k S_k ≥ a) ≤ e^{−Ra} with
 * R > 0 solving E e^{RX} = 1 for the step's increment X, summed over the reflected directions.
 * Where no common fixed point or no commuting blocks exist, the case is skipped with the reason.
 */
import { gdStep } from '../../numeric/optim';
import { evaluate } from '../../numeric/mlp';
import { rng } from '../../numeric/rng';
import { dot, symmetricEigen } from '../../numeric/linalg';
import { rowsOf } from '../../numeric/sample';
import fc from 'fast-check';
import { siteCase, type NetworkCase } from '../../numeric/arbitraries';
import type { SiteKind } from '../../numeric/sites';
import type { BlockMirrorDeclaration } from '../declaration/types';
import { caseReflection, reflectedBasis, projectedHessian } from '../check/reflection';
import { reflectionSums, type ReflectionSums } from './deriveBlock';

export const NOISE_STEPS = 4000;
/** Size of the starting perturbation along each reflected direction (times 1 + a uniform draw). */
const PERTURBATION = 1e-8;
/** Where the observation calls the perturbation grown: out of the linear regime. */
const GROWN = 1e-3;
/** An attracting criterion whose walk leaves the linear regime with a larger chance than this is ambiguous. */
const ESCAPE_LEVEL = 0.01;

/**
 * Cramér–Lundberg bound on P(sup_k S_k ≥ a) for a random walk whose increment is drawn uniformly from
 * xs (negative mean): e^{−Ra}, R > 0 the root of log mean e^{R x} = 0 (convex in R, slope mean(xs) < 0
 * at 0); 0 when no increment is positive (the walk never climbs).
 */
export function escapeBound(xs: readonly number[], a: number): number {
  const top = Math.max(...xs);
  if (!(top > 0)) return 0;
  // log mean e^{R x}, shifted by R·top so that no exponential overflows.
  const f = (R: number): number =>
    R * top + Math.log(xs.reduce((s, x) => s + Math.exp(R * (x - top)), 0) / xs.length);
  let lo = 0,
    hi = 1;
  while (f(hi) <= 0) {
    lo = hi;
    hi *= 2;
  }
  for (let it = 0; it < 100; it++) {
    const mid = (lo + hi) / 2;
    if (f(mid) <= 0) lo = mid;
    else hi = mid;
  }
  // lo ≤ R: e^{−lo·a} ≥ e^{−Ra}, still a bound.
  return Math.exp(-lo * a);
}

/** One case of {@link noiseExperiment}: the criterion with its standard error, both predictions and the observation. */
export interface NoiseSample {
  readonly gamma: number;
  readonly eta: number;
  /** max_j E log|1 − η(h_ij + 2γ)| and its standard error over K steps. */
  readonly criterion: number;
  readonly standardError: number;
  readonly noisePredicted: boolean;
  readonly meanFieldPredicted: boolean;
  readonly observed: boolean;
  /**
   * Where the criterion predicts attraction: a bound on the chance that the walk first leaves the
   * linear regime (Σ_j of the Cramér–Lundberg bound, `escapeBound`); 0 otherwise.
   */
  readonly escape: number;
}

/** One case: the criterion, both predictions and the observation, or why the criterion does not apply. */
export function noiseSample(
  decl: BlockMirrorDeclaration,
  sums: ReflectionSums,
  c: NetworkCase,
  seed: number,
): NoiseSample | { readonly skipped: string } {
  const R = caseReflection(decl, sums, c);
  const th = R.project(c.theta);
  const B = c.batch.X.rows;
  const rows = Array.from({ length: B }, (_, i) => rowsOf(c.batch, [i]));
  const r = rng(seed);
  // A common fixed point needs θ* = 0 (weight decay moves any other point) and every sample's gradient 0.
  if (Math.sqrt(dot(th, th)) > 0)
    return { skipped: "the set has no common fixed point of every sample's step" };
  for (const b of rows) {
    const g = evaluate(c.net, th, b).grad;
    if (Math.sqrt(dot(g, g)) > 1e-14)
      return { skipped: "the set has no common fixed point of every sample's step" };
  }
  const O = reflectedBasis(R, c.net.size);
  const Ms = rows.map((b) => projectedHessian(O, (o) => evaluate(c.net, th, b, o).hv!));
  const scale = Math.max(...Ms.flatMap((M) => M.flat().map(Math.abs)), 1e-300);
  const mm = (A: number[][], Bm: number[][]): number[][] =>
    A.map((row) => Bm[0]!.map((_, j) => row.reduce((s, x, k) => s + x * Bm[k]![j]!, 0)));
  for (const A of Ms)
    for (const Bm of Ms) {
      const AB = mm(A, Bm),
        BA = mm(Bm, A);
      if (AB.some((row, i) => row.some((x, j) => Math.abs(x - BA[i]![j]!) > 1e-12 * scale * scale)))
        return { skipped: 'the per-sample blocks do not commute (the criterion is only a heuristic there)' };
    }
  const mix = Ms.reduce(
    (acc, M) => {
      const w = r.normal();
      return acc.map((row, i) => row.map((x, j) => x + w * M[i]![j]!));
    },
    O.map(() => O.map(() => 0)),
  );
  const V = symmetricEigen(mix).vectors;
  const h = Ms.map((M) =>
    V.map((v) =>
      dot(
        v,
        M.map((row) => dot(row, v)),
      ),
    ),
  );
  const hbar = V.map((_, j) => h.reduce((s, hi) => s + hi[j]!, 0) / B);
  // The design: γ below or above the mean-field threshold, and η·|h + 2γ| spanning 1, where the
  // criteria can disagree.
  const gstar = Math.max(0, -Math.min(...hbar) / 2);
  const gamma = (0.05 + 1.95 * r.next()) * Math.max(gstar, 1e-3);
  const spread = Math.max(...h.flat().map((x) => Math.abs(x + 2 * gamma)));
  const eta = (0.2 + 2.8 * r.next()) / spread;
  const terms = V.map((_, j) => h.map((hi) => Math.log(Math.abs(1 - eta * (hi[j]! + 2 * gamma)))));
  const stats = terms.map((t) => {
    const m = t.reduce((s, x) => s + x, 0) / t.length;
    const sd = Math.sqrt(t.reduce((s, x) => s + (x - m) ** 2, 0) / t.length);
    return { m, se: sd / Math.sqrt(NOISE_STEPS) };
  });
  const worst = stats.reduce((a, b) => (b.m > a.m ? b : a));
  // From the largest start (every direction at 2·PERTURBATION) to GROWN: the climb an escape needs.
  const climb = Math.log(GROWN / (2 * PERTURBATION * Math.sqrt(V.length)));
  const escape = worst.m < 0 ? terms.reduce((sum, t) => sum + escapeBound(t, climb), 0) : 0;
  const meanFieldPredicted = hbar.every((x) => Math.abs(1 - eta * (x + 2 * gamma)) < 1);
  // Observation: one-sample SGD from a small perturbation spread over every reflected direction.
  let p = O.reduce((acc, o) => {
    const w = PERTURBATION * (1 + r.next());
    return acc.map((x, i) => x + w * o[i]!);
  }, new Float64Array(c.net.size));
  const start = R.offSet(p);
  let grew = false;
  for (let k = 0; k < NOISE_STEPS; k++) {
    const g = evaluate(c.net, p, rows[r.int(B)]!).grad;
    p = gdStep(p, g, eta, 2 * gamma);
    const off = R.offSet(p);
    if (!(off < GROWN)) {
      grew = true;
      break;
    }
    if (off === 0) break;
  }
  const observed = !grew && R.offSet(p) < start;
  return {
    gamma,
    eta,
    criterion: worst.m,
    standardError: worst.se,
    noisePredicted: worst.m < 0,
    meanFieldPredicted,
    observed,
    escape,
  };
}

/** What {@link noiseExperiment} found: how often the noise criterion and the mean-field reading match observation. */
export interface NoiseReport {
  readonly kind: 'noise-report';
  readonly seed: number;
  readonly steps: number;
  readonly perturbation: number;
  /** Decided cases: beyond 3 standard errors of 0, unlikely (≤ 1%) to leave the linear range. */
  readonly decided: number;
  readonly noiseAgree: number;
  readonly meanFieldAgree: number;
  /** Decided cases where the noise criterion and the mean-field reading predict differently. */
  readonly disagree: number;
  /** …and how many of those the noise criterion got right. */
  readonly noiseRightWhereTheyDisagree: number;
  /** Cases set apart: within 3 standard errors of 0, or likely to leave the regime (mayEscape). */
  readonly ambiguous: number;
  /** Of the ambiguous: attracting, but leaving the linear regime with chance > 1%. */
  readonly mayEscape: number;
  readonly skipped: Readonly<Record<string, number>>;
}

/**
 * SIS's gradient-noise criterion against one-sample SGD near a block-level mirror's set, beside the
 * mean-field reading (see the module comment). The public entry point exports a wrapper that loads
 * this module on first call.
 */
export function noiseExperiment(
  decl: BlockMirrorDeclaration,
  opts: { samples?: number; seed?: number; sites?: readonly SiteKind[] } = {},
): NoiseReport {
  const seed = opts.seed ?? 1;
  const kinds = decl.sites.filter((k) => !opts.sites || opts.sites.includes(k));
  const sums = reflectionSums(decl);
  let decided = 0,
    noiseAgree = 0,
    meanFieldAgree = 0,
    disagree = 0,
    noiseRight = 0,
    ambiguous = 0,
    mayEscape = 0;
  const skipped = new Map<string, number>();
  for (const kind of kinds) {
    for (const c of fc.sample(siteCase(kind, { norms: ['none'] }), { seed, numRuns: opts.samples ?? 50 })) {
      const s = noiseSample(decl, sums, c, c.seed ^ 0x1234);
      if ('skipped' in s) {
        skipped.set(s.skipped, (skipped.get(s.skipped) ?? 0) + 1);
        continue;
      }
      if (Math.abs(s.criterion) < 3 * s.standardError) {
        ambiguous++;
        continue;
      }
      if (s.escape > ESCAPE_LEVEL) {
        ambiguous++;
        mayEscape++;
        continue;
      }
      decided++;
      if (s.noisePredicted === s.observed) noiseAgree++;
      if (s.meanFieldPredicted === s.observed) meanFieldAgree++;
      if (s.noisePredicted !== s.meanFieldPredicted) {
        disagree++;
        if (s.noisePredicted === s.observed) noiseRight++;
      }
    }
  }
  return {
    kind: 'noise-report',
    seed,
    steps: NOISE_STEPS,
    perturbation: PERTURBATION,
    decided,
    noiseAgree,
    meanFieldAgree,
    disagree,
    noiseRightWhereTheyDisagree: noiseRight,
    ambiguous,
    mayEscape,
    skipped: Object.fromEntries(skipped),
  };
}
