/**
 * The teleportation experiment: on several seeds, plain descent against descent with teleports
 * (at step 0 and every `every` steps) from the same initial network on the same data, full batch.
 * Measured: the iterations each needs to reach a loss threshold (the loss plain descent reaches
 * halfway through its steps, so plain descent reaches it by construction; a run with teleports
 * that never reaches it counts as a speed-up of 0), the final losses, and
 * what each teleport did (‖∇L‖² before and after, the charge jumps predicted and observed, the loss
 * along the orbit). The speed-up is a measurement; the loss along the orbit and the charge jumps are
 * laws, with verdicts.
 */
import { UserInputError } from '../../numeric/errors';
import { buildNetwork, evaluate, type Batch, type MlpSpec } from '../../numeric/mlp';
import { optimiser, withDecay, descend } from '../../numeric/optim';
import { rng } from '../../numeric/rng';
import { sampleBatch, sampleParams } from '../../numeric/sample';
import type { BlockDeclaration } from '../declaration/types';
import { declarationRef, SCHEMA_VERSION, type Derivation } from '../derivation';
import { deriveBlock } from '../derive/block';
import { ruleValues } from '../evaluator/evaluator';
import type { Rule } from '../rules/rule';
import { optimiserSpec } from '../rules/optimiser';
import { IDENTITY_TOLERANCE, REFUTATION_THRESHOLD, weakest, type Verdict } from '../verdict';
import { teleport, type AscentOptions } from './ascent';
import { ORBIT_TOLERANCE } from './loss';
import { orbitOf } from './orbit';
import type { SpeedupSummary, TeleportEvent, TeleportLaw, TeleportReport, TeleportRun } from './report';

/** The data a run trains on: a named data set's rows, or a batch sampled from the seed. */
export type TeleportData =
  | { readonly kind: 'dataset'; readonly name: string; readonly source: string; readonly batch: Batch }
  | { readonly kind: 'sampled'; readonly rows: number };

/** Options of {@link teleportExperiment}. */
export interface TeleportOptions {
  readonly spec: MlpSpec;
  /** The architecture as written (for the report). */
  readonly arch: string;
  readonly rule: Rule;
  readonly data: TeleportData;
  /** The first seed; run i uses seed + i for the network (and sampled data). */
  readonly seed: number;
  readonly runs: number;
  /** Descent steps of each arm. */
  readonly steps: number;
  /** Teleport at step 0 and every `every` steps after. */
  readonly every: number;
  /** Teleports per run at most (default: as many as the schedule gives). */
  readonly teleports?: number;
  readonly ascent?: AscentOptions;
  /** A derivation of the declaration (default: derived here). */
  readonly derivation?: Derivation;
}

const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (pos - lo);
};

/** The first step k with loss ≤ threshold (losses[k] is the loss before step k + 1), or null. */
const firstBelow = (losses: readonly number[], threshold: number): number | null => {
  const k = losses.findIndex((l) => l <= threshold);
  return k < 0 ? null : k;
};

/**
 * Run the experiment (see the module comment) for a block-level declaration.
 *
 * @throws UserInputError for a rule that is not stepped (gf), a declaration the orbit cannot follow
 *   (see {@link orbitOf}), or a network without the declaration's sites.
 */
export function teleportExperiment(decl: BlockDeclaration, o: TeleportOptions): TeleportReport {
  const d = o.derivation ?? deriveBlock(decl, { seed: o.seed });
  const net = buildNetwork(o.spec);
  const orbit = orbitOf(decl, d, net, o.seed);
  const rule = o.rule;
  if (rule.kind === 'gf' || rule.kind === 'precond')
    throw new UserInputError(`teleport descends with sgd, momentum or adam, not ${rule.text}`);
  const hyper = ruleValues(rule);
  const ospec = optimiserSpec(rule, hyper, () => new Float64Array(net.size).fill(1))!;
  const lr = hyper[rule.params.lr.symbol]!;
  const wd = hyper[rule.params.wd.symbol]!;
  const runs: TeleportRun[] = [];
  let lossPoints = 0;
  let worstLoss = 0;
  let broken:
    | { seed: number; step: number; site: string; a: number; before: number; after: number; relative: number }
    | undefined;
  let chargePoints = 0;
  let worstCharge = 0;
  let worstChargeAt:
    { seed: number; step: number; site: string; observed: number; predicted: number } | undefined;
  for (let i = 0; i < o.runs && !broken; i++) {
    const seed = (o.seed + i) >>> 0;
    const r = rng(seed);
    const theta0 = sampleParams(net, r);
    const batch = o.data.kind === 'dataset' ? o.data.batch : sampleBatch(o.spec, o.data.rows, r);
    const descendFrom = (tele: boolean): { losses: number[]; events: TeleportEvent[] } => {
      const opt = optimiser(ospec, net.size);
      let th: Float64Array = Float64Array.from(theta0);
      const losses: number[] = [];
      const events: TeleportEvent[] = [];
      for (let k = 0; k <= o.steps; k++) {
        if (
          tele &&
          k < o.steps &&
          k % o.every === 0 &&
          (o.teleports === undefined || events.length < o.teleports)
        ) {
          const t = teleport(orbit, th, batch, o.ascent);
          th = t.theta;
          lossPoints += t.step.tried;
          worstLoss = Math.max(worstLoss, t.step.worstLoss);
          const ch = t.step.charges;
          if (ch && !t.step.broken && t.step.steps > 0)
            ch.relative.forEach((x, s) => {
              chargePoints++;
              if (x >= worstCharge) {
                worstCharge = x;
                worstChargeAt = {
                  seed,
                  step: k,
                  site: orbit.sites[s]!.label,
                  observed: ch.observed[s]!,
                  predicted: ch.predicted[s]!,
                };
              }
            });
          events.push({
            step: k,
            ascentSteps: t.step.steps,
            pointsTried: t.step.tried,
            hessianProducts: t.step.products,
            gradNormSqBefore: t.step.gradNormSqBefore,
            gradNormSqAfter: t.step.gradNormSqAfter,
            largestMove: t.step.largestMove,
            ...(ch
              ? {
                  chargeJump: {
                    observed: ch.observed.reduce((s, x) => s + Math.abs(x), 0),
                    predicted: ch.predicted.reduce((s, x) => s + Math.abs(x), 0),
                    worstRelative: ch.relative.reduce((m, x) => Math.max(m, x), 0),
                  },
                }
              : {}),
          });
          if (t.step.broken) {
            broken = { seed, step: k, ...t.step.broken };
            break;
          }
        }
        const e = evaluate(net, th, batch);
        losses.push(e.loss);
        if (k === o.steps || !Number.isFinite(e.loss)) break;
        th = descend(th, opt.direction(withDecay(Float64Array.from(e.grad), th, wd)), lr);
      }
      return { losses, events };
    };
    const plain = descendFrom(false);
    const tele = descendFrom(true);
    if (broken) break;
    const half = plain.losses[Math.floor(o.steps / 2)];
    const threshold = half !== undefined && Number.isFinite(half) ? half : null;
    const itPlain = threshold === null ? null : firstBelow(plain.losses, threshold);
    const itTele = threshold === null ? null : firstBelow(tele.losses, threshold);
    const final = (ls: readonly number[]): number | null =>
      ls.length === o.steps + 1 && Number.isFinite(ls.at(-1)) ? ls.at(-1)! : null;
    runs.push({
      seed,
      initialLoss: plain.losses[0]!,
      threshold,
      plain: { iterations: itPlain, finalLoss: final(plain.losses) },
      teleport: { iterations: itTele, finalLoss: final(tele.losses) },
      // Never reaching the threshold is an infinite number of iterations: a speed-up of 0.
      speedup: itPlain === null ? null : itTele === null ? 0 : itPlain / Math.max(itTele, 1),
      teleports: tele.events,
    });
  }
  const laws: TeleportLaw[] = [
    {
      id: 'orbit-invariance',
      title: 'The loss is unchanged along the orbit',
      statement: `L(ψ(θ, a)) = L(θ) at every group element a teleport tried (relative to the loss's natural scale)`,
      verdict: broken
        ? broken.relative >= REFUTATION_THRESHOLD
          ? {
              kind: 'refuted',
              why: `the declared action changes the loss: not a symmetry of this network`,
              counterexample: {
                kind: 'sample',
                where: `seed ${broken.seed}, teleport at step ${broken.step}, ${broken.site}, a = ${broken.a}`,
                values: { 'L(θ)': broken.before, 'L(ψ(θ, a))': broken.after },
                relativeResidual: broken.relative,
                seed: broken.seed,
              },
            }
          : {
              kind: 'inconclusive',
              reason:
                `at seed ${broken.seed}, step ${broken.step}, ${broken.site}, a = ${broken.a} the loss moved by ` +
                `${broken.relative.toExponential(2)} of its scale: above ${ORBIT_TOLERANCE} (rounding), below ` +
                `${REFUTATION_THRESHOLD} (a non-symmetry); teleporting stopped`,
            }
        : lossPoints === 0
          ? {
              kind: 'inconclusive',
              reason: 'no teleport moved along the orbit (the ascent direction vanished)',
            }
          : {
              kind: 'numerically-verified',
              count: lossPoints,
              worstRelative: worstLoss,
              tolerance: ORBIT_TOLERANCE,
              seed: o.seed,
              why: 'the declared group elements applied exactly, the loss evaluated before and after',
            },
    },
  ];
  if (orbit.chargeStatement && !broken)
    laws.push({
      id: 'charge-jump',
      title: 'Each teleport moves the charge by the integral of ⟨X_s, X_t⟩ (∇Q = X)',
      statement:
        `ΔQ_s = Σ_t ∫ ⟨X_s, X_t⟩ da_t along the group path, ` + `for ${orbit.chargeStatement} at every site`,
      verdict:
        chargePoints === 0
          ? { kind: 'inconclusive', reason: 'no teleport moved along the orbit' }
          : worstCharge <= IDENTITY_TOLERANCE
            ? {
                kind: 'numerically-verified',
                count: chargePoints,
                worstRelative: worstCharge,
                tolerance: IDENTITY_TOLERANCE,
                seed: o.seed,
                why: 'observed: the charge at both ends; predicted: the generator integrated (Gauss–Legendre)',
              }
            : worstCharge >= REFUTATION_THRESHOLD && worstChargeAt
              ? {
                  kind: 'refuted',
                  why: 'the charge jump differs from the integrated generator',
                  counterexample: {
                    kind: 'sample',
                    where: `seed ${worstChargeAt.seed}, teleport at step ${worstChargeAt.step}, ${worstChargeAt.site}`,
                    values: { observed: worstChargeAt.observed, predicted: worstChargeAt.predicted },
                    relativeResidual: worstCharge,
                    seed: worstChargeAt.seed,
                  },
                }
              : {
                  kind: 'inconclusive',
                  reason:
                    `worst relative gap ${worstCharge.toExponential(2)}: above ${IDENTITY_TOLERANCE}, ` +
                    `below ${REFUTATION_THRESHOLD}`,
                },
    });
  const verdict: Verdict = weakest(laws.map((l) => l.verdict));
  return {
    kind: 'teleport-report',
    schemaVersion: SCHEMA_VERSION,
    declaration: declarationRef(decl),
    architecture: o.arch,
    data:
      o.data.kind === 'dataset'
        ? o.data.source
        : `sampled: ${o.data.rows} rows per seed (standard normal inputs, ` +
          `${o.spec.loss === 'ce' ? 'random classes' : 'standard normal targets'})`,
    rule: o.rule.text,
    steps: o.steps,
    every: o.every,
    sites: orbit.sites.length,
    threshold: 'the loss plain descent reaches after half its steps (per seed)',
    laws,
    runs,
    speedup: summary(runs),
    verdict,
  };
}

function summary(runs: readonly TeleportRun[]): SpeedupSummary {
  const xs = runs.map((r) => r.speedup).filter((x): x is number => x !== null);
  const notReached = runs.filter((r) => r.plain.iterations !== null && r.teleport.iterations === null).length;
  const plainDiverged = runs.length - xs.length;
  if (xs.length === 0) return { kind: 'none', runs: runs.length, notReached, plainDiverged };
  return {
    kind: 'measured',
    runs: runs.length,
    notReached,
    plainDiverged,
    median: quantile(xs, 0.5),
    q1: quantile(xs, 0.25),
    q3: quantile(xs, 0.75),
    min: Math.min(...xs),
    max: Math.max(...xs),
    finalLossRatio: finalRatio(runs),
  };
}

/**
 * Median of final loss with / without teleports; a diverged run with teleports counts as ∞, null if
 * the median is.
 */
function finalRatio(runs: readonly TeleportRun[]): number | null {
  const xs = runs
    .filter((r) => r.plain.finalLoss !== null)
    .map((r) => (r.teleport.finalLoss === null ? Infinity : r.teleport.finalLoss / r.plain.finalLoss!));
  const q = xs.length ? quantile(xs, 0.5) : NaN;
  return Number.isFinite(q) ? q : null;
}
