/**
 * The record `noether recipe` prints (docs/theory.md §4.7): the requested penalty, the derived
 * reparametrisation and weight decay, the certificate of the equivalence of minima, and the check on
 * trajectories. Its verdict is the weakest of the derivation's, the certificate's and the check's.
 */
import { SCHEMA_VERSION } from '../derivation';
import type { Certificate } from '../certificate';
import { weakest, type Verdict } from '../verdict';
import { toString as ratText } from '../expr/rational';
import type { RecipeDerivation } from './derive';
import type { Penalty, PenaltyDomain } from './penalty';
import type { TrajectoryCheck } from './trajectory';

export interface RecipeReport {
  readonly kind: 'recipe';
  readonly schemaVersion: typeof SCHEMA_VERSION;
  /** The penalty asked for, μ·Σ magnitude^exponent. */
  readonly penalty: {
    readonly text: string;
    readonly domain: PenaltyDomain;
    /** Exact rational, e.g. "2/3". */
    readonly exponent: string;
    readonly size?: number;
    /** μ (--lambda). */
    readonly strength: number;
  };
  readonly derivation: RecipeDerivation;
  /** λ = μ / c: the weight decay on the factors that induces μ·P(w). */
  readonly weightDecay: number;
  /** Equivalence of minima: attainment (exact) and the lower bound (exact or sampled). */
  readonly certificate: Certificate;
  /** The check on trajectories: seeds, maximal steps and the runs. */
  readonly trajectories: TrajectoryCheck & { readonly seed: number; readonly maxSteps: number };
  readonly verdict: Verdict;
}

export function recipeReport(
  p: Penalty,
  strength: number,
  derivation: RecipeDerivation,
  certificate: Certificate,
  trajectories: RecipeReport['trajectories'],
): RecipeReport {
  return {
    kind: 'recipe',
    schemaVersion: SCHEMA_VERSION,
    penalty: {
      text: p.text,
      domain: p.domain,
      exponent: ratText(p.exponent),
      ...(p.size !== undefined ? { size: p.size } : {}),
      strength,
    },
    derivation,
    weightDecay: strength / Number(derivation.coefficient),
    certificate,
    trajectories,
    verdict: weakest([...derivation.steps.map((s) => s.verdict), certificate.verdict, trajectories.verdict]),
  };
}
