/**
 * Verdicts: every claim the toolkit makes ends in exactly one of these, with its evidence.
 * Plain readonly data (the `--json` output is these records).
 */

/** Relative tolerance for identities in float64 (THEORY §7): the residual relative to the
 * natural scale of its terms. Identities evaluate to ~1e-15; anything looser hides bugs. */
export const IDENTITY_TOLERANCE = 1e-10;
/** A float64 residual above this (relative) cannot be rounding error of an identity: it refutes. */
export const REFUTATION_THRESHOLD = 1e-6;

export interface Counterexample {
  /** Exact values of every symbol at the failing point (decimal strings, exactly representable). */
  readonly point: Readonly<Record<string, string>>;
  /** Named values at that point, e.g. both sides of an equation. */
  readonly values: Readonly<Record<string, number>>;
  readonly relativeResidual: number;
  readonly seed: number;
}

export type Verdict =
  | { readonly kind: 'proved'; readonly method: string; readonly evidence: string }
  | {
      readonly kind: 'numerically-verified';
      readonly count: number;
      readonly worstRelative: number;
      readonly tolerance: number;
      readonly seed: number;
      readonly why: string;
    }
  | { readonly kind: 'refuted'; readonly counterexample: Counterexample; readonly why: string }
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

export function describeVerdict(v: Verdict): string {
  switch (v.kind) {
    case 'proved':
      return `proved (${v.method}; ${v.evidence})`;
    case 'numerically-verified':
      return `numerically verified (${v.count} points, worst relative residual ${v.worstRelative.toExponential(2)} ≤ ${v.tolerance.toExponential(0)}, seed ${v.seed}; ${v.why})`;
    case 'refuted': {
      const pt = Object.entries(v.counterexample.point)
        .map(([k, x]) => `${k}=${x}`)
        .join(', ');
      const vals = Object.entries(v.counterexample.values)
        .map(([k, x]) => `${k}=${x.toPrecision(12)}`)
        .join(', ');
      return `refuted (${v.why}; counterexample ${pt}: ${vals}; relative residual ${v.counterexample.relativeResidual.toExponential(2)}; seed ${v.counterexample.seed})`;
    }
    case 'inconclusive':
      return `inconclusive (${v.reason})`;
  }
}
