/**
 * `noether check` for block-level mirrors [SIS]: the derived laws on sampled networks at the
 * declaration's sites, with the involution R evaluated from its word sums on the site's blocks.
 * MLP sites are sampled as MLPs, graph sites (head-pair, channel-pair, odd-channel) as transformer
 * blocks and CNNs; both through the case's model (caseModel.ts), so every law below is the same code.
 *
 *   symmetry        L(Rθ) = L(θ) and ∇L(Rθ) = R∇L(θ) at a sampled θ (a declared mirror that is not a
 *                   symmetry of the network fails here, with a replayable counterexample)
 *   invariant set   at θ_s = (θ + Rθ)/2: (∇L − R∇L)/2 = 0
 *   Hessian block   at θ_s: H R v = R H v for a random v
 *   stays on set    SGD with weight decay from θ_s on random minibatches: ‖Oᵀθ_k‖ ≤ 1e-12 ‖θ_k‖
 *                   for every k ≤ 200 (on graph models, minibatches of B rows drawn with replacement)
 *
 * Each residual is relative to its rounding scale (the loss's magnitude; Σ |contributions| of
 * the gradient and H v entries, forward rounding included: numeric/bounds.ts), judged against
 * IDENTITY_TOLERANCE. The attraction threshold is an experiment, not an identity: see
 * mirror/threshold.ts.
 */
import { allFinite, gdStepInto } from '../../numeric/optim';
import { DegenerateSample } from '../../numeric/errors';
import { rng } from '../../numeric/rng';
import { norm2, norm2Of } from '../../numeric/linalg';
import type { NetworkCase } from '../../numeric/arbitraries';
import type { BlockMirrorDeclaration } from '../declaration/types';
import { requireReflection, type ReflectionSums } from '../mirror/deriveBlock';
import { networkCollapse } from '../mirror/threshold';
import { noiseExperiment } from '../mirror/noise';
import { type Verdict, weakest, IDENTITY_TOLERANCE } from '../verdict';
import { runModels, siteVerdict, selectedKinds, networkCheckFields } from './runner';
import { caseReflection } from './reflection';
import { caseModel, isGraphCase } from './caseModel';
import { type GraphCase, isGraphSiteKind } from '../../numeric/graph/sites';
import type { CheckOptions, MirrorCheckReport, LawCheck } from './report';

/** SGD steps a run started on the set must stay on it for, and how far it may drift off (relative to ‖θ‖). */
export const STAY_STEPS = 200;
export const STAY_TOLERANCE = 1e-12;

// Norms scaled where squares would leave the double range (numeric/linalg.ts).
const norm = norm2;
const distance = (x: ArrayLike<number>, y: ArrayLike<number>): number =>
  norm2Of(x.length, (i) => x[i]! - y[i]!);
const rel = (x: number, scale: number): number => (scale === 0 ? (x === 0 ? 0 : Infinity) : x / scale);

type Key = 'symmetry' | 'invariant-set' | 'hessian-block' | 'stays-on-set';
const TITLES: Record<Key, [string, string]> = {
  symmetry: [
    'The mirror is a symmetry of the network',
    'L(Rθ) = L(θ) and ∇L(Rθ) = R∇L(θ) at sampled parameters',
  ],
  'invariant-set': [
    'The symmetric set is invariant (gradient on the set)',
    'Oᵀ∇L = (∇L − R∇L)/2 = 0 at θ on the set',
  ],
  'hessian-block': ['On the set the Hessian is block-diagonal', 'H R v = R H v at θ on the set, v random'],
  'stays-on-set': [
    'SGD with weight decay started on the set stays on it',
    `‖Oᵀθ_k‖ ≤ ${STAY_TOLERANCE} ‖θ_k‖ for k ≤ ${STAY_STEPS} steps on random minibatches`,
  ],
};

function residuals(
  decl: BlockMirrorDeclaration,
  sums: ReflectionSums,
  c: NetworkCase | GraphCase,
  symmetryOnly = false,
): Map<Key, number> | undefined {
  const R = caseReflection(decl, sums, c);
  const m = caseModel(c);
  const out = new Map<Key, number>();
  try {
    const e1 = m.evaluate(c.theta, undefined, true);
    const e2 = m.evaluate(R.reflect(c.theta), undefined, true);
    const lossRes = rel(Math.abs(e1.loss - e2.loss), Math.abs(e1.loss) + Math.abs(e2.loss));
    const gradRes = rel(distance(e2.grad, R.reflect(e1.grad)), norm(e1.gradBound!) + norm(e2.gradBound!));
    out.set('symmetry', Math.max(lossRes, gradRes));
    if (symmetryOnly) return out;

    const ts = R.project(c.theta);
    const r = rng(c.seed ^ 0x2545f491);
    const v = new Float64Array(m.size);
    r.fillNormal(v, 0, m.size);
    const es = m.evaluate(ts, v, true);
    out.set('invariant-set', rel(R.offSet(es.grad), norm(es.gradBound!)));
    const er = m.evaluate(ts, R.reflect(v), true);
    out.set('hessian-block', rel(distance(R.reflect(es.hv!), er.hv!), norm(es.hvBound!) + norm(er.hvBound!)));

    // SGD with weight decay from the set; a step small enough for the batch's curvature scale.
    const gamma = 0.5 * r.next();
    const eta = 0.05 / (1 + norm(es.hv!) / norm(v));
    const minRows = !isGraphCase(c) && c.spec.norm === 'batch' ? 2 : 1;
    // The steps alternate two vectors, each written from the other and from ∇L read in place.
    const steps = [new Float64Array(m.size), new Float64Array(m.size)];
    let th = ts,
      worst = 0;
    for (let k = 0; k < STAY_STEPS; k++) {
      const from = th;
      th = m.minibatchGradWith(from, r, minRows, (g) => gdStepInto(steps[k % 2]!, from, g, eta, 2 * gamma));
      if (!allFinite(th)) break;
      worst = Math.max(worst, rel(R.offSet(th), norm(th)));
    }
    out.set('stays-on-set', worst);
  } catch (err) {
    if (err instanceof DegenerateSample) return undefined;
    throw err;
  }
  return out;
}

const title = (k: Key): string => TITLES[k][0];

/** The residual function of a mirror check, with its keys in order. */
export function mirrorResidualFunction(decl: BlockMirrorDeclaration): {
  readonly keys: readonly Key[];
  readonly residualsOf: (c: NetworkCase | GraphCase) => Map<Key, number> | undefined;
} {
  const sums = requireReflection(decl);
  return { keys: Object.keys(TITLES) as Key[], residualsOf: (c) => residuals(decl, sums, c) };
}

/**
 * Check a block-level mirror on sampled networks: the symmetry, its laws, SGD staying on the
 * symmetric set, and (where the set exists) the attraction-threshold and gradient-noise experiments.
 */
export function checkBlockMirror(
  decl: BlockMirrorDeclaration,
  opts: CheckOptions & { readonly collapseSamples?: number } = {},
): MirrorCheckReport {
  const seed = opts.seed ?? 1;
  // A declaration that is not an orthogonal reflection is refused as input, as by `noether derive`.
  const { keys, residualsOf } = mirrorResidualFunction(decl);
  const { kinds, excluded } = selectedKinds(decl, opts);
  const tolerance = (k: Key): number => (k === 'stays-on-set' ? STAY_TOLERANCE : IDENTITY_TOLERANCE);
  const run = runModels(kinds, opts, keys, title, residualsOf, tolerance, { kind: 'mirror', decl });
  const laws: LawCheck[] = keys.map((k) => ({
    id: k === 'symmetry' ? 'invariance' : k === 'stays-on-set' ? 'invariant-set' : k,
    parameter: 'R',
    title: TITLES[k][0],
    statement: TITLES[k][1],
    verdict: siteVerdict(
      run,
      k,
      kinds,
      seed,
      k === 'stays-on-set'
        ? `SGD on L + γ‖θ‖² (γ in [0, 0.5)) on random minibatches, worst ‖Oᵀθ_k‖/‖θ_k‖`
        : 'exact float64 gradients and Hessian-vector products',
      tolerance(k),
    ),
  }));
  // The threshold experiment only for a mirror whose laws held: a refuted symmetry has no set to attract.
  const collapse =
    run.counterexample || opts.collapseSamples === 0
      ? undefined
      : networkCollapse(decl, {
          samples: opts.collapseSamples ?? 50,
          seed,
          ...(opts.arch ? { arch: opts.arch } : {}),
          sites: kinds,
        });
  // The noise criterion needs a point every sample's step fixes: sampled on MLPs only.
  const mlpKinds = kinds.filter((k) => !isGraphSiteKind(k));
  const noise =
    collapse && mlpKinds.length
      ? noiseExperiment(decl, { samples: opts.collapseSamples ?? 50, seed, sites: mlpKinds })
      : undefined;
  return {
    kind: 'mirror-check',
    ...networkCheckFields(decl, opts, { kinds, excluded }, run, laws),
    ...(collapse ? { collapse } : {}),
    ...(noise ? { noise } : {}),
    verdict: weakest(laws.map((l) => l.verdict)),
  };
}

/**
 * Only the symmetry of the networks, L(Rθ) = L(θ) and ∇L(Rθ) = R∇L(θ), on sampled networks at the
 * declaration's sites: what `noether derive` tests before stating a block-level mirror's laws.
 */
export function mirrorSymmetryVerdict(decl: BlockMirrorDeclaration, opts: CheckOptions = {}): Verdict {
  const sums = requireReflection(decl);
  const { kinds } = selectedKinds(decl, opts);
  const run = runModels(kinds, opts, ['symmetry'] as Key[], title, (c) => residuals(decl, sums, c, true));
  return siteVerdict(run, 'symmetry', kinds, opts.seed ?? 1, 'exact float64 gradients');
}
