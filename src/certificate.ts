/** Certificates: the record `noether prove` prints for a theorem. */
import { type Rendered, SCHEMA_VERSION } from './derivation';
import { type Verdict, weakest } from './verdict';

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

/** What a certificate says of its theorem. */
export interface TheoremHead {
  readonly id: string;
  readonly title: string;
  readonly source: string;
  readonly statement: Rendered;
}

/** The certificate of a theorem from its proof steps: the overall verdict is the weakest step's. */
export function certificateOf(t: TheoremHead, steps: readonly ProofStep[]): Certificate {
  return {
    kind: 'certificate',
    schemaVersion: SCHEMA_VERSION,
    theorem: t.id,
    title: t.title,
    source: t.source,
    statement: t.statement,
    steps: [...steps],
    verdict: weakest(steps.map((s) => s.verdict)),
  };
}
