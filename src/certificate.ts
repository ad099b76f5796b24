/** Certificates: the record `noether prove` prints for a theorem. */
import type { Rendered, SCHEMA_VERSION } from './derivation';
import type { Verdict } from './verdict';

/** One step of a proof: a claim and the verdict that decides it. */
export interface ProofStep {
  readonly claim: string;
  readonly verdict: Verdict;
}

/**
 * The record `noether prove` prints for a theorem: its statement and source, each proof step with
 * its verdict, and the overall verdict (the weakest step's).
 */
export interface Certificate {
  readonly kind: 'certificate';
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly theorem: string;
  readonly title: string;
  readonly source: string;
  readonly statement: Rendered;
  readonly steps: readonly ProofStep[];
  readonly verdict: Verdict;
}
