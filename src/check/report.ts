/** The records `noether check` returns: options, per-law results, counterexamples, reports. */
import type { FlowCheck, FlowNotRun } from './flow';
import type { Progress } from './progress';
import type { SiteKind } from '../../numeric/sites';
import type { ArchConstraints } from '../../numeric/arbitraries';
import type { Derivation, Law } from '../derivation';
import { SCHEMA_VERSION } from '../derivation';
import type { CollapseReport } from '../mirror/toyCollapse';
import type { TrajectoryReport } from './trajectory';
import type { Verdict, NetworkCounterexample } from '../verdict';
import type { NetworkCollapseReport } from '../mirror/threshold';
import type { NoiseReport } from '../mirror/noise';

/** Options of {@link check}, {@link checkDeclaration} and {@link checkBlockMirror}; every field is optional. */
export interface CheckOptions {
  readonly seed?: number;
  /** Sampled networks per site kind (default 100). */
  readonly runs?: number;
  readonly arch?: ArchConstraints;
  /** Restrict to these site kinds. */
  readonly sites?: readonly SiteKind[];
  /** Replay one failing case: fast-check's path, printed with a counterexample. */
  readonly replay?: string;
  /** Called as cases are evaluated: `done` of `total`, and what is being done. */
  readonly progress?: Progress;
  /**
   * Threads to evaluate sampled networks on (default 1): the calling thread and jobs − 1 workers,
   * taking cases from one counter. The report is the same for any number.
   */
  readonly jobs?: number;
  /**
   * With jobs > 1, whether the calling thread takes cases too (default true). False leaves every case
   * to the workers (jobs of them), for tests of what the workers compute.
   */
  readonly callerTakesCases?: boolean;
  /** Gradient-flow trajectories per site kind along which a charge's drift is measured (default 3; 0: none). */
  readonly flowRuns?: number;
}

/** One law's result in a network check: which law, its statement, and the verdict over every sampled case. */
export interface LawCheck {
  readonly id: Law['id'];
  readonly parameter: string;
  readonly title: string;
  readonly statement: string;
  readonly verdict: Verdict;
}

/** The first failing network case of a check, with the law that failed worst there. */
export interface CheckCounterexample extends NetworkCounterexample {
  readonly siteKind: SiteKind;
  /** The title of the law that fails worst at this case. */
  readonly law: string;
}

/** What a network check of a block-level declaration found, whatever its kind. */
interface NetworkCheck {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly declaration: { readonly name: string; readonly origin: string };
  readonly seed: number;
  /** Sampled networks per site kind. */
  readonly runs: number;
  /** The fast-check path of the one case replayed (`--replay`), when it was a replay. */
  readonly replayed?: string;
  /** The site kinds checked. */
  readonly siteKinds: readonly SiteKind[];
  /** At fixed parameters (a model's weights, `--weights`): only batches and sites sampled. */
  readonly fixedWeights?: true;
  /** The declaration's site kinds that no architecture allowed by `arch` has (not checked). */
  readonly excludedSiteKinds?: readonly SiteKind[];
  readonly laws: readonly LawCheck[];
  /** Cases skipped because a normalisation group was degenerate (the network is undefined there). */
  readonly skipped: number;
  readonly counterexample?: CheckCounterexample;
  readonly verdict: Verdict;
}

/** A continuous block-level symmetry's laws on sampled networks. */
export interface BlockCheckReport extends NetworkCheck {
  readonly kind: 'block-check';
  /** The charge's drift along integrated gradient flow (once the laws held pointwise). */
  readonly flow?: FlowCheck | FlowNotRun;
}

/** A block-level mirror's laws on sampled networks, and the experiments its set supports. */
export interface MirrorCheckReport extends NetworkCheck {
  readonly kind: 'mirror-check';
  /** The attraction threshold predicted per network against observed collapse. */
  readonly collapse?: NetworkCollapseReport;
  /** SIS's gradient-noise criterion against one-sample SGD, beside the mean-field reading. */
  readonly noise?: NoiseReport;
}

/** A concrete (or concrete mirror) declaration re-derived with the check's points and seed. */
export interface PointCheckReport {
  readonly kind: 'point-check';
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly derivation: Derivation;
  /** Mirrors: the threshold prediction against gradient descent on sampled data sets. */
  readonly collapse?: CollapseReport;
  readonly verdict: Verdict;
}

/** A network check's report (block-level declarations). */
export type NetworkCheckReport = BlockCheckReport | MirrorCheckReport;

/** What `noether check` reports: one record kind per declaration kind, and per rule for trajectories. */
export type CheckReport = NetworkCheckReport | PointCheckReport | TrajectoryReport;
