/**
 * Verdicts: every claim the toolkit makes ends in exactly one of these, with its evidence.
 * Plain readonly data (the `--json` output is these records).
 */

/** Relative tolerance for identities in float64 (docs/theory.md §7): the residual relative to the
 * natural scale of its terms. Identities evaluate to ~1e-15; anything looser hides bugs. */
export const IDENTITY_TOLERANCE = 1e-10;
/** A float64 residual above this (relative) cannot be rounding error of an identity: it refutes. */
export const REFUTATION_THRESHOLD = 1e-6;

/** A point of the symbols at which a law fails: exact values, reproducible as printed. */
export interface PointCounterexample {
  readonly kind: 'point';
  /** Exact values of every symbol at the failing point (decimal strings, exactly representable). */
  readonly point: Readonly<Record<string, string>>;
  /** Named values at that point, e.g. both sides of an equation. */
  readonly values: Readonly<Record<string, number>>;
  readonly relativeResidual: number;
  readonly seed: number;
  /** When decided exactly: the residual's exact value at the point (a nonzero rational). */
  readonly exact?: string;
}

/** A sampled network case (site, architecture, data), replayable with fast-check's seed and path. */
export interface NetworkCounterexample {
  readonly kind: 'network';
  readonly site: string;
  readonly architecture: string;
  readonly dataSeed: number;
  readonly replay: { readonly seed: number; readonly path: string };
  readonly relativeResidual: number;
}

/** A sampled case described in words (a trajectory step, a network of a theorem's sample). */
export interface SampleCounterexample {
  readonly kind: 'sample';
  readonly where: string;
  readonly values: Readonly<Record<string, number>>;
  readonly relativeResidual: number;
  readonly seed: number;
}

/** Two exact forms that differ (a stated formula against the derived one): no point is involved. */
export interface MismatchCounterexample {
  readonly kind: 'mismatch';
  readonly stated: string;
  readonly derived: string;
}

/** What a refutation points at. */
export type Counterexample =
  PointCounterexample | NetworkCounterexample | SampleCounterexample | MismatchCounterexample;

/** A verdict; `C` narrows what its counterexample can be (a point, for decisions over symbols). */
export type Verdict<C extends Counterexample = Counterexample> =
  | { readonly kind: 'proved'; readonly method: string; readonly evidence: string }
  | {
      readonly kind: 'numerically-verified';
      readonly count: number;
      readonly worstRelative: number;
      readonly tolerance: number;
      readonly seed: number;
      readonly why: string;
    }
  | { readonly kind: 'refuted'; readonly counterexample: C; readonly why: string }
  | { readonly kind: 'inconclusive'; readonly reason: string };

const RANK: Record<Verdict['kind'], number> = {
  refuted: 0,
  inconclusive: 1,
  'numerically-verified': 2,
  proved: 3,
};

/** The weakest of several verdicts (a conjunction is only as strong as its weakest part). */
export function weakest(vs: readonly Verdict[]): Verdict {
  return vs.reduce((w, v) => (RANK[v.kind] < RANK[w.kind] ? v : w));
}

/**
 * A verdict in one line of words, with its evidence: the method of a proof; the count, worst
 * residual, tolerance and seed of a numerical verification; the reason and counterexample of a
 * refutation; the reason of an inconclusive one. This is what `noether` prints after `verdict:`.
 */
export function describeVerdict(v: Verdict): string {
  switch (v.kind) {
    case 'proved':
      return `proved (${v.method}; ${v.evidence})`;
    case 'numerically-verified':
      return (
        `numerically verified (${v.count} points, worst relative residual ` +
        `${v.worstRelative.toExponential(2)} ≤ ${v.tolerance.toExponential(0)}, seed ${v.seed}; ${v.why})`
      );
    case 'refuted':
      return `refuted (${v.why}${describeCounterexample(v.counterexample)})`;
    case 'inconclusive':
      return `inconclusive (${v.reason})`;
  }
}

const values = (vals: Readonly<Record<string, number>>): string =>
  Object.entries(vals)
    .map(([k, x]) => `${k}=${x.toPrecision(12)}`)
    .join(', ');

/** The counterexample's part of a refuted verdict's description (after its reason). */
function describeCounterexample(c: Counterexample): string {
  switch (c.kind) {
    case 'point': {
      const pt = Object.entries(c.point)
        .map(([k, x]) => `${k}=${x}`)
        .join(', ');
      return (
        `; counterexample ${pt}: ${values(c.values)}; relative residual ` +
        `${c.relativeResidual.toExponential(2)}; seed ${c.seed}`
      );
    }
    case 'network':
      return (
        `; counterexample site=${c.site}, architecture=${c.architecture}, dataSeed=${c.dataSeed}, ` +
        `replayPath=${c.replay.path}: relativeResidual=${c.relativeResidual.toPrecision(12)}; ` +
        `relative residual ${c.relativeResidual.toExponential(2)}; seed ${c.replay.seed}`
      );
    case 'sample':
      return (
        `; counterexample at ${c.where}: ${values(c.values)}; relative residual ` +
        `${c.relativeResidual.toExponential(2)}; seed ${c.seed}`
      );
    case 'mismatch':
      return `; stated ${c.stated}, derived ${c.derived}`;
  }
}
