/**
 * The charge along an integrated gradient flow: the pointwise check shows dQ/dt = −⟨∇Q, ∇L⟩ = 0 at
 * sampled networks; this follows θ̇ = −∇L with the adaptive integrator from a few of them and
 * measures how far Q moved in the end.
 *
 * Judged against the integrator's own error: with a local error of rtol per accepted step, a
 * conserved Q may move by about rtol per step (the global error), so a drift of at most rtol ×
 * steps is numerically verified. A drift a thousand times that is refuted — a charge that is not
 * conserved moves by many orders more (the negative twins in test/theorems/continuous.test.ts) —
 * and a drift in between is inconclusive: the global error of an adaptive integrator is not
 * rigorously bounded by its local tolerance, so it is not taken as a refutation.
 */
import fc from 'fast-check';
import { siteCase, describeSpec, type NetworkCase } from '../../numeric/arbitraries';
import { isGraphSiteKind, type SiteKind } from '../../numeric/sites';
import { graphSiteCase, type GraphCase } from '../../numeric/graph/sites';
import type { BlockDeclaration } from '../declaration/types';
import type { Law } from '../derivation';
import type { Verdict } from '../verdict';
import { chargeDrift } from './drift';
import type { CheckOptions } from './report';

/** Local error tolerance of the integration: the drift allowed per accepted step. */
export const FLOW_RTOL = 1e-10;
/** A drift beyond this many times the integrator's allowance is a refutation. */
export const FLOW_REFUTE = 1e3;
/**
 * Integrator steps per trajectory at most (a flow too stiff for them is skipped and counted); each
 * step takes six gradients. ReLU flows, stiff at their kinks, mostly end here, so the budget is
 * what bounds the check's cost.
 */
const FLOW_MAX_STEPS = 400;
/**
 * A site whose parameters moved less than this (relative), with the charge within the allowance, is
 * at rest (its gradient is zero, e.g. a dead unit): no evidence either way.
 */
const AT_REST = 1e-6;
/** Sampled networks tried per trajectory wanted. */
const CANDIDATES = 2;

/**
 * Above this many parameters the flow is integrated only when asked for (--flow N): its thousands of
 * gradient evaluations per trajectory would dominate the check.
 */
export const FLOW_DEFAULT_PARAMETERS = 5_000;

/** The integrated-flow check of a charge. */
export interface FlowCheck {
  readonly kind: 'flow';
  readonly law: string;
  /** Trajectories integrated to the end, and those skipped (degenerate, or too stiff). */
  readonly trajectories: number;
  readonly skipped: number;
  /** Trajectories along which the site did not move (dead units): integrated, but not counted. */
  readonly atRest: number;
  /** The largest drift relative to the charge's scale, and that trajectory's integrator steps. */
  readonly worstDrift: number;
  readonly worstSteps: number;
  readonly verdict: Verdict;
}

/**
 * Integrate gradient flow from `perKind` sampled networks at each site kind and judge the charge's
 * drift (see the module comment); not run when no flow could be judged.
 */
export function flowCheck(
  decl: BlockDeclaration,
  charge: Law,
  kinds: readonly SiteKind[],
  opts: CheckOptions,
  perKind: number,
): FlowCheck | FlowNotRun {
  const seed = opts.seed ?? 1;
  let trajectories = 0,
    skipped = 0,
    worstDrift = 0,
    worstSteps = 0,
    worstRatio = 0,
    atRest = 0;
  let failure: { ratio: number; drift: number; steps: number; where: string } | undefined;
  for (const kind of kinds) {
    // Its own stream of networks (seed offset), so the flow does not repeat the pointwise cases; up
    // to CANDIDATES per trajectory wanted, as sites at rest and stiff flows are passed over.
    let here = 0;
    const arb: fc.Arbitrary<NetworkCase | GraphCase> = isGraphSiteKind(kind)
      ? graphSiteCase(kind, opts.arch?.graph)
      : siteCase(kind, opts.arch ?? {});
    for (const c of fc.sample(arb, { seed: seed + 0x5eed, numRuns: CANDIDATES * perKind })) {
      if (here === perKind) break;
      const r = chargeDrift(decl, charge, c, { rtol: FLOW_RTOL, maxSteps: FLOW_MAX_STEPS });
      if (!r) {
        skipped++;
        continue;
      }
      const ratio = r.relative / (FLOW_RTOL * Math.max(1, r.steps));
      if (r.moved < AT_REST && ratio <= 1) {
        atRest++;
        continue;
      }
      trajectories++;
      here++;
      if (ratio > worstRatio) [worstRatio, worstDrift, worstSteps] = [ratio, r.relative, r.steps];
      if (ratio > 1 && (!failure || ratio > failure.ratio))
        failure = {
          ratio,
          drift: r.relative,
          steps: r.steps,
          where:
            `${c.site.label} of a ${'kind' in c ? c.architecture : `${describeSpec(c.spec)} network`}, ` +
            `data seed ${c.seed}, ` +
            `to t = ${r.time.toPrecision(3)}`,
        };
    }
  }
  const title = `${charge.title}, along the integrated flow`;
  if (trajectories === 0)
    return {
      kind: 'flow-not-run',
      reason:
        `no sampled flow could be judged: ${skipped} degenerate or too stiff for ${FLOW_MAX_STEPS} ` +
        `integrator steps, ${atRest} with a zero gradient at the site`,
    };
  const verdict: Verdict =
    failure && failure.ratio > FLOW_REFUTE
      ? {
          kind: 'refuted',
          why:
            `the charge moved by ${failure.drift.toExponential(2)} (relative) along gradient flow at ` +
            `${failure.where}: ${failure.ratio.toExponential(1)} times the integrator's error allowance`,
          counterexample: {
            kind: 'sample',
            where: failure.where,
            values: { relativeDrift: failure.drift, integratorSteps: failure.steps },
            relativeResidual: failure.drift,
            seed,
          },
        }
      : failure
        ? {
            kind: 'inconclusive',
            reason:
              `the charge moved by ${failure.drift.toExponential(2)} (relative) at ${failure.where}, ` +
              `${failure.ratio.toFixed(1)} times the integrator's allowance of ${FLOW_RTOL} per step: ` +
              `more than its error estimate, too little to refute`,
          }
        : {
            kind: 'numerically-verified',
            count: trajectories,
            worstRelative: worstDrift / Math.max(1, worstSteps),
            tolerance: FLOW_RTOL,
            seed,
            why:
              `drift per integrator step along θ̇ = −∇L (adaptive RK45, rtol ${FLOW_RTOL}), ` +
              `${trajectories} trajectories at ${kinds.join(', ')} sites` +
              (skipped ? `, ${skipped} skipped (degenerate or too stiff)` : '') +
              (atRest ? `, ${atRest} with a zero gradient at the site (not counted)` : ''),
          };
  return { kind: 'flow', law: title, trajectories, skipped, atRest, worstDrift, worstSteps, verdict };
}

/** The flow check left out, and why (networks too large for it by default). */
export interface FlowNotRun {
  readonly kind: 'flow-not-run';
  readonly reason: string;
}
