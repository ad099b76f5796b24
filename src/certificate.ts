/** Certificates: the record `noether prove` prints for a theorem. */
import type { Rendered, SCHEMA_VERSION } from './derivation';
import type { Verdict } from './verdict';

export interface ProofStep {
  readonly claim: string;
  readonly verdict: Verdict;
}

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
