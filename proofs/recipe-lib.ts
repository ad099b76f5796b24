/**
 * Shared by the recipe theorems (docs/theory.md §4.7): the attainment half (the derivation's own
 * steps: invariance, balance, the balanced slice, equivariance; all exact) and a sampled lower
 * bound for the inequalities no exact certificate is given for.
 */
import { deriveFamily } from '../src/recipe/derive';
import type { Family } from '../src/recipe/family';
import type { ProofStep } from '../src/certificate';
import { IDENTITY_TOLERANCE } from '../src/verdict';
import { rng, type Rng } from '../numeric/rng';
import { rat, toString as ratText } from '../src/expr/rational';

/** x^(2/K) in words, reduced: |w| for K = 2, |w|^(1/2) for K = 4. */
export const power = (x: string, K: number): string => (K === 2 ? x : `${x}^(${ratText(rat(2, K))})`);

/** Sampled points of a lower bound: half generic, half near the balanced points where it is tight. */
export const BOUND_SAMPLES = 400;

/** The attainment half: what the derivation proves about the balanced lift. */
export function attainment(f: Family, seed: number): ProofStep[] {
  return deriveFamily(f, seed).steps.map((s) => ({ claim: `attainment: ${s.claim}`, verdict: s.verdict }));
}

/**
 * cost(θ) ≥ bound(θ) at sampled θ: numerically verified when every relative gap
 * (cost − bound)/cost is ≥ −IDENTITY_TOLERANCE (the bound is tight at balanced points, where both
 * sides agree to rounding), refuted at the first point below −1e-6, inconclusive in between.
 */
export function sampledBound(
  claim: string,
  sample: (r: Rng, nearBalanced: boolean) => { cost: number; bound: number; where: string },
  seed: number,
): ProofStep {
  const r = rng(seed);
  let worst = 0,
    tightest = Infinity;
  for (let i = 0; i < BOUND_SAMPLES; i++) {
    const { cost, bound, where } = sample(r, i % 2 === 1);
    const gap = (cost - bound) / cost;
    tightest = Math.min(tightest, gap);
    if (!(gap >= -1e-6))
      return {
        claim,
        verdict: {
          kind: 'refuted',
          why: 'the cost is below the bound',
          counterexample: { kind: 'sample', where, values: { cost, bound }, relativeResidual: -gap, seed },
        },
      };
    worst = Math.max(worst, -gap);
  }
  if (worst > IDENTITY_TOLERANCE)
    return {
      claim,
      verdict: { kind: 'inconclusive', reason: `a gap of −${worst.toExponential(2)} is not rounding` },
    };
  return {
    claim,
    verdict: {
      kind: 'numerically-verified',
      count: BOUND_SAMPLES,
      worstRelative: worst,
      tolerance: IDENTITY_TOLERANCE,
      seed,
      why: `relative gap (cost − bound)/cost ≥ 0 up to rounding; tightest ${tightest.toExponential(2)}`,
    },
  };
}
