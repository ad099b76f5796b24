/** The records `noether check` returns: options, per-law results, counterexamples, reports. */
import type { SiteKind } from '../../numeric/sites';
import type { ArchConstraints } from '../../numeric/arbitraries';
import type { Law } from '../derivation';
import type { Verdict } from '../verdict';
import type { NetworkCollapseReport } from '../mirror/threshold';
import type { NoiseReport } from '../mirror/noise';

export interface CheckOptions {
  readonly seed?: number;
  /** Sampled networks per site kind (default 100). */
  readonly runs?: number;
  readonly arch?: ArchConstraints;
  /** Restrict to these site kinds. */
  readonly sites?: readonly SiteKind[];
  /** Replay one failing case: fast-check's path, printed with a counterexample. */
  readonly replay?: string;
}

export interface LawCheck {
  readonly id: Law['id'];
  readonly parameter: string;
  readonly title: string;
  readonly statement: string;
  readonly verdict: Verdict;
}

export interface CheckCounterexample {
  readonly site: string;
  readonly siteKind: SiteKind;
  readonly architecture: string;
  readonly dataSeed: number;
  readonly law: string;
  readonly relativeResidual: number;
  readonly replay: { readonly seed: number; readonly path: string };
}

export interface CheckReport {
  readonly kind: 'check-report';
  readonly declaration: { readonly name: string; readonly origin: string };
  readonly seed: number;
  readonly runs: number;
  readonly siteKinds: readonly SiteKind[];
  readonly laws: readonly LawCheck[];
  /** Cases skipped because a normalisation group was degenerate (the network is undefined there). */
  readonly skipped: number;
  readonly counterexample?: CheckCounterexample;
  /** Mirrors: the attraction threshold predicted per network against observed collapse. */
  readonly collapse?: NetworkCollapseReport;
  /** Mirrors: SIS's gradient-noise criterion against one-sample SGD, beside the mean-field reading. */
  readonly noise?: NoiseReport;
  readonly verdict: Verdict;
}
