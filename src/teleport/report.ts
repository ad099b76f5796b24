/**
 * The record `noether teleport` returns (and prints with `--format json`): the laws a teleport relies
 * on, with verdicts, and the measured speed-up of descent with teleports over plain descent.
 */
import type { DeclarationRef, SCHEMA_VERSION } from '../derivation';
import type { Verdict } from '../verdict';

/** A law a teleport relies on: the loss along the orbit, or the charge jump. */
export interface TeleportLaw {
  readonly id: 'orbit-invariance' | 'charge-jump';
  readonly title: string;
  readonly statement: string;
  readonly verdict: Verdict;
}

/** What one teleport did. */
export interface TeleportEvent {
  /** The descent step before which it teleported. */
  readonly step: number;
  /** Ascent steps accepted (each raised ‖∇L‖²). */
  readonly ascentSteps: number;
  /** Points of the orbit evaluated (each one loss-and-gradient evaluation). */
  readonly pointsTried: number;
  /** Hessian-vector products (one per ascent direction). */
  readonly hessianProducts: number;
  readonly gradNormSqBefore: number;
  readonly gradNormSqAfter: number;
  /** The largest |a_s| a site moved in all. */
  readonly largestMove: number;
  /** Σ_s |ΔQ_s| observed and predicted, and the worst per-site relative gap. */
  readonly chargeJump?: {
    readonly observed: number;
    readonly predicted: number;
    readonly worstRelative: number;
  };
}

/** Iterations to the threshold (null: not reached within the steps) and the final loss of one arm. */
export interface TeleportArm {
  readonly iterations: number | null;
  /** null when the loss left the floats (descent diverged). */
  readonly finalLoss: number | null;
}

/** One seed: the same initial network and data for both arms. */
export interface TeleportRun {
  readonly seed: number;
  readonly initialLoss: number;
  /** null when plain descent diverged before its halfway step. */
  readonly threshold: number | null;
  readonly plain: TeleportArm;
  readonly teleport: TeleportArm;
  /**
   * Iterations plain / with teleports (0: never reached; null: plain descent diverged).
   */
  readonly speedup: number | null;
  readonly teleports: readonly TeleportEvent[];
}

/** The speed-up over the seeds (a measurement, not a verdict). */
export type SpeedupSummary =
  | {
      readonly kind: 'measured';
      readonly runs: number;
      /** Seeds where descent with teleports did not reach the threshold (in the quantiles as 0). */
      readonly notReached: number;
      /** Seeds where plain descent diverged before its halfway step (no threshold: left out). */
      readonly plainDiverged: number;
      readonly median: number;
      readonly q1: number;
      readonly q3: number;
      readonly min: number;
      readonly max: number;
      /** Median final loss with / without teleports (null: the median run diverged). */
      readonly finalLossRatio: number | null;
    }
  | {
      readonly kind: 'none';
      readonly runs: number;
      readonly notReached: number;
      readonly plainDiverged: number;
    };

/** Teleportation along a declared symmetry's orbit, measured against plain descent. */
export interface TeleportReport {
  readonly kind: 'teleport-report';
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly declaration: DeclarationRef;
  readonly architecture: string;
  /** The data set (or how data were sampled). */
  readonly data: string;
  readonly rule: string;
  readonly steps: number;
  /** Teleports at step 0 and every `every` steps. */
  readonly every: number;
  /** Sites of the orbit (each with its own group parameter). */
  readonly sites: number;
  /** How the loss threshold was chosen. */
  readonly threshold: string;
  readonly laws: readonly TeleportLaw[];
  readonly runs: readonly TeleportRun[];
  readonly speedup: SpeedupSummary;
  /** The weakest verdict of the laws (the speed-up is a measurement). */
  readonly verdict: Verdict;
}
