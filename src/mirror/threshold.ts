/**
 * Block-level mirrors on real networks [SIS]: the predicted attraction threshold against what
 * gradient descent does, on MLPs and on small graph models (COLLAPSE_GRAPHS: transformer blocks at
 * head-pair sites, CNNs at channel sites). Per sampled network (architecture, parameters, batch) and
 * weight decay γ:
 *
 *   1. θ*: a minimum of L + γ‖θ‖² on the symmetric set (θ ↦ (θ + Rθ)/2 projects onto it), by
 *      Levenberg–Marquardt Newton steps until the gradient vanishes to 1e-10 of its starting size;
 *      networks where this fails, or that end at a saddle within the set, are skipped;
 *   2. O: an orthonormal basis of the reflected directions (the range of (I − R)/2 on the site);
 *   3. prediction: the set attracts iff γ > γ* = −λ_min(OᵀH(θ*)O)/2 (m Hessian-vector products);
 *   4. observation: θ* plus a 1e-6 perturbation along O — in equal parts along the eigenvector of
 *      λ_min (the mode the prediction is about) and a random direction of O (so any other unstable
 *      mode shows too) — then plain gradient descent with the same step; the set attracted iff
 *      ‖Oᵀθ‖ shrank by half, repelled iff it doubled. (A random direction alone may carry almost
 *      none of the unstable mode: the decaying modes then halve it before that mode shows, and an
 *      unstable set is observed as attracting.)
 *
 * The observation window is the time the linearisation needs to change the perturbation 32-fold
 * (5 ln 2 / (η |λ_min + 2γ|) steps, at most MAX_WINDOW): long enough to see the outcome, short
 * enough that far from the set nonlinear terms do not decide it. Samples with γ within 10% of γ*,
 * or whose perturbation neither halved nor doubled in the window, are counted as ambiguous.
 */
import { allFinite, descend } from '../../numeric/optim';
import fc from 'fast-check';
import { DegenerateSample } from '../../numeric/errors';
import { siteCase, type ArchConstraints, type NetworkCase } from '../../numeric/arbitraries';
import {
  type GraphCase,
  type GraphConstraints,
  type GraphSiteKind,
  graphSiteCase,
  isGraphSiteKind,
  modelsOf,
} from '../../numeric/graph/sites';
import { caseModel } from '../check/caseModel';
import { rng } from '../../numeric/rng';
import type { SiteKind } from '../../numeric/sites';
import type { BlockMirrorDeclaration } from '../declaration/types';
import { caseReflection, reflectedBasis, projectedHessian, type CaseReflection } from '../check/reflection';
import { reflectionSums, type ReflectionSums } from './deriveBlock';
import { dot, minEigen, solve, orthonormal, symmetricEigen } from '../../numeric/linalg';

export const MAX_WINDOW = 40000;
/**
 * The experiment's Newton steps form the dense Hessian (P Hessian-vector products, P² entries,
 * O(P³) to solve): --arch widths with more parameters than this are left to the laws' check, and
 * the experiment runs on its own small networks (with the other --arch constraints).
 */
export const COLLAPSE_MAX_PARAMETERS = 300;

/** Parameters of a network with these widths, counting a bias and an affine γ, β for every unit (an upper bound). */
const parametersAtMost = (w: readonly number[]): number =>
  w.slice(1).reduce((s, n, l) => s + n * (w[l]! + 1) + (l < w.length - 2 ? 2 * n : 0), 0);
/**
 * The graph models of the experiment unless the user's constraints say otherwise: a transformer block
 * of two heads of dimension 1 on width 2 (42 parameters without LayerNorm), a CNN of one 2-channel
 * 2 × 2 conv on 1 × 3 × 3 images, a residual MLP of one block on width 2; tanh, for a twice-differentiable
 * loss.
 */
export const COLLAPSE_GRAPHS: Readonly<Record<GraphConstraints['kind'], GraphConstraints>> = {
  residual: { kind: 'residual', batch: 3, inputs: 2, width: 2, hidden: 2, blocks: 1, act: { kind: 'tanh' } },
  transformer: {
    kind: 'transformer',
    batch: 3,
    tokens: 2,
    dim: 2,
    heads: 2,
    headDim: 1,
    hidden: 2,
    layerNorm: false,
    act: { kind: 'tanh' },
  },
  cnn: {
    kind: 'cnn',
    batch: 3,
    input: [1, 3, 3],
    convs: [{ channels: 2, k: 2, stride: 1 }],
    // Without BatchNorm, as measured (the channel mirrors reach BatchNorm CNNs in the laws' check).
    batchNorm: false,
    act: { kind: 'tanh' },
  },
};

/**
 * Graph models per site kind by default: a transformer sample takes about 2 s (dense Newton steps of
 * 42 Hessian-vector products each through the graph, then up to MAX_WINDOW gradient steps).
 */
export const GRAPH_COLLAPSE_SAMPLES = 10;

/** n graph cases of a site kind for the experiment: small models, the user's graph constraints on top. */
function graphCollapseCases(
  kind: GraphSiteKind,
  n: number,
  seed: number,
  fixed?: GraphConstraints,
): GraphCase[] {
  const model = modelsOf(kind)[0]!;
  const own = COLLAPSE_GRAPHS[model];
  const constraints = (fixed?.kind === model ? { ...own, ...fixed } : own) as GraphConstraints;
  return Array.from(
    { length: n },
    (_, k) => fc.sample(graphSiteCase(kind, constraints), { seed: seed + 7919 * k, numRuns: 1 })[0]!,
  );
}

/** Weight decay is drawn log-uniform between these powers of ten: thresholds of sampled networks fall on both sides. */
const GAMMA_EXPONENTS = [-3, 0] as const;
/** Size of the perturbation off the set, relative to max(1, ‖θ*‖). */
const PERTURBATION = 1e-6;
/** The linearisation needs a twice-differentiable loss: smooth activations unless the user asks otherwise. */
const SMOOTH = ['tanh', 'linear', 'poly'] as const;
const MAX_NEWTON = 200;

/** One sampled network of {@link networkCollapse}: the predicted threshold and weight decay, and what happened. */
export interface NetworkCollapseSample {
  readonly siteKind: SiteKind;
  readonly site: string;
  readonly architecture: string;
  /** Reflected dimensions m (the size of OᵀHO). */
  readonly m: number;
  /** Of these, the flat (orbit) directions factored out of the threshold and the perturbation. */
  readonly flat: number;
  readonly gamma: number;
  readonly threshold: number;
  readonly predicted: boolean;
  /** undefined: neither halved nor doubled within the window. */
  readonly observed: boolean | undefined;
  readonly window: number;
}

/**
 * What {@link networkCollapse} found: every sample, how many were decided and agreed with the
 * prediction, how many were ambiguous or marginal, and why networks were skipped.
 */
export interface NetworkCollapseReport {
  readonly kind: 'collapse-report';
  readonly seed: number;
  /**
   * The design: weight decay drawn log-uniform in gammaRange; the perturbation off the set,
   * relative to max(1, ‖θ*‖).
   */
  readonly gammaRange: readonly [number, number];
  readonly perturbation: number;
  readonly samples: readonly NetworkCollapseSample[];
  readonly agree: number;
  readonly decided: number;
  readonly ambiguous: number;
  /**
   * Of the ambiguous: every reflected direction flat (an orbit of minima), so exactly marginal.
   */
  readonly marginal: number;
  /** Samples whose threshold was decided with some flat (orbit) directions factored out. */
  readonly factored: number;
  /** Networks where no minimum on the set was reached (no convergence, divergence, or a saddle). */
  readonly skipped: Readonly<Record<string, number>>;
  /** Set when --arch widths were too large for the experiment, which then ran on its own small networks. */
  readonly ownNetworks?: { readonly given: string; readonly parameters: number; readonly limit: number };
}

const normv = (x: ArrayLike<number>): number => Math.sqrt(dot(x, x));

/**
 * Reflected directions along which the regularised loss is flat (an eigenvalue of OᵀH(θ*)O within
 * this fraction of its largest magnitude of −2γ) are directions of an orbit of minima: a continuous
 * symmetry that weight decay keeps (the orthogonal mixing of a linear layer's units) rotates θ* into
 * an equivalent minimum off the set. Along them the set neither attracts nor repels, and what the
 * set encodes (a rank, a sparsity pattern) does not change, so they are factored out: the threshold
 * is that of the other reflected directions, and the perturbation avoids them. 1e-6 is far above the
 * rounding of a Hessian-vector product (about 1e-15 of ‖H‖) and far below any gap a sampled γ leaves
 * to a curvature that is not an exact symmetry's.
 */
export const FLAT_TOLERANCE = 1e-6;

/**
 * The attraction threshold with the flat (orbit) directions factored out: the reflected basis
 * rotated onto OᵀHO's eigenvectors, those with eigenvalue −2γ (to {@link FLAT_TOLERANCE}) set
 * aside. With every reflected direction flat, the set is exactly marginal (threshold γ).
 */
export function thresholdModuloOrbit(
  R: CaseReflection,
  c: NetworkCase | GraphCase,
  theta: Float64Array,
  gamma: number,
): { O: Float64Array[]; flat: number; lmin: number; threshold: number; minIndex: number } {
  const m = caseModel(c);
  const O0 = reflectedBasis(R, m.size);
  const { values, vectors } = symmetricEigen(projectedHessian(O0, (o) => m.evaluate(theta, o).hv!));
  const scale = Math.max(2 * gamma, ...values.map(Math.abs));
  const keep = values.flatMap((l, i) => (Math.abs(l + 2 * gamma) > FLAT_TOLERANCE * scale ? [i] : []));
  const O = keep.map((i) =>
    O0.reduce((acc, o, j) => acc.map((x, k) => x + vectors[i]![j]! * o[k]!), new Float64Array(m.size)),
  );
  const lmin = keep.length ? Math.min(...keep.map((i) => values[i]!)) : -2 * gamma;
  const minIndex = keep.findIndex((i) => values[i] === lmin);
  return { O, flat: values.length - keep.length, lmin, threshold: -lmin / 2, minIndex };
}

/**
 * The attraction threshold at parameters θ on the set: γ* = −λ_min(OᵀHO)/2, with OᵀHO from one
 * Hessian-vector product per reflected direction (symmetrised against rounding).
 */
export function thresholdAt(
  R: CaseReflection,
  c: NetworkCase | GraphCase,
  theta: Float64Array,
): { O: Float64Array[]; lmin: number; threshold: number } {
  const m = caseModel(c);
  const O = reflectedBasis(R, m.size);
  const lmin = minEigen(projectedHessian(O, (o) => m.evaluate(theta, o).hv!));
  return { O, lmin, threshold: -lmin / 2 };
}

/** One sample of the experiment, or why it was skipped. */
export function collapseSample(
  decl: BlockMirrorDeclaration,
  sums: ReflectionSums,
  c: NetworkCase | GraphCase,
  gamma: number,
  seed: number,
): NetworkCollapseSample | { readonly skipped: string } {
  const R = caseReflection(decl, sums, c);
  const model = caseModel(c);
  const grad = (th: Float64Array): Float64Array => {
    const g = model.evaluate(th).grad;
    return g.map((x, i) => x + 2 * gamma * th[i]!);
  };
  const hvp = (th: Float64Array, v: Float64Array): Float64Array => {
    const h = model.evaluate(th, v).hv!;
    return h.map((x, i) => x + 2 * gamma * v[i]!);
  };
  const r = rng(seed);
  const size = model.size;
  const lossG = (th: Float64Array): number => model.evaluate(th).loss + gamma * dot(th, th);
  // 1. θ*: Levenberg–Marquardt Newton steps on L + γ‖θ‖² within the set (the projected Hessian from
  // `size` Hessian-vector products), accepted only when the regularised loss decreases.
  let th = R.project(c.theta);
  // The projector's columns P e_j, formed once: every projected Hessian reads them.
  const Pset = Array.from({ length: size }, (_, j) => {
    const e = new Float64Array(size);
    e[j] = 1;
    return R.project(e);
  });
  const hessian = (x: Float64Array): number[][] => {
    const cols = Pset.map((p) => R.project(hvp(x, p)));
    return Array.from({ length: size }, (_, i) => cols.map((col, j) => (col[i]! + cols[i]![j]!) / 2));
  };
  const symmetricBasis = orthonormal(Pset);
  // λ_min of H restricted to the set: BᵀHB with H·b formed once per basis vector (O(P²k), not O(P²k²)).
  const lminSet = (H: number[][]): number => {
    if (!symmetricBasis.length) return 0;
    const HB = symmetricBasis.map((b) => H.map((row) => row.reduce((t, h, j) => t + h * b[j]!, 0)));
    return minEigen(symmetricBasis.map((a) => HB.map((hb) => a.reduce((s, x, i) => s + x * hb[i]!, 0))));
  };
  const g0 = normv(R.project(grad(th)));
  let mu = 1e-3;
  let converged = false;
  for (let it = 0; it < MAX_NEWTON && !converged; it++) {
    const e = model.evaluate(th, undefined, true);
    const g = R.project(e.grad.map((x, i) => x + 2 * gamma * th[i]!));
    // Converged: the gradient is 1e-10 of its start, or at the rounding floor of its own computation.
    if (normv(g) <= Math.max(1e-10 * g0, 1e-13 * normv(e.gradBound!)) || normv(g) < 1e-14) {
      converged = true;
      break;
    }
    const H = hessian(th);
    // Damping at least past the most negative curvature within the set: every step is a descent step,
    // so the iteration settles in minima, not saddles.
    const floor = Math.max(0, -1.5 * lminSet(H));
    const f0 = lossG(th);
    for (let tries = 0; tries < 40; tries++) {
      const delta = solve(
        H.map((row, i) => row.map((x, j) => x + (i === j ? floor + mu : 0))),
        Array.from(g, (x) => -x),
      );
      const next = R.project(th.map((x, i) => x + delta[i]!));
      if (allFinite(next) && lossG(next) <= f0) {
        th = next;
        mu = Math.max(mu / 3, 1e-12);
        break;
      }
      mu *= 4;
    }
  }
  if (!converged) return { skipped: 'no convergence on the set' };
  // Only minima within the set: at a saddle the run would leave θ* along symmetric directions too.
  // (Flat directions, e.g. the orthogonal symmetry of a linear layer that weight decay keeps, give λ ≈ 0.)
  const Hend = hessian(th);
  if (lminSet(Hend) < -1e-8 * Math.max(...Hend.map((row, i) => Math.abs(row[i]!))))
    return { skipped: 'a saddle within the set' };
  // The step for the observation: 1/λ_max of the regularised Hessian (power iteration).
  let v = Float64Array.from({ length: size }, () => r.normal());
  let lmax = 1;
  for (let k = 0; k < 30; k++) {
    const hv = hvp(th, v);
    lmax = normv(hv) / normv(v);
    v = hv.map((x) => x / normv(hv));
  }
  const eta = 1 / Math.max(lmax, 1e-6);
  const { O, flat, lmin, threshold, minIndex } = thresholdModuloOrbit(R, c, th, gamma);
  const predicted = gamma > threshold;
  const m = O.length + flat;
  // Exactly marginal (every reflected direction flat): nothing to observe in a finite window.
  if (O.length === 0)
    return {
      siteKind: c.site.kind,
      site: c.site.label,
      architecture: model.architecture,
      m,
      flat,
      gamma,
      threshold,
      predicted,
      observed: undefined,
      window: 0,
    };
  const rate = eta * Math.abs(lmin + 2 * gamma);
  const window = Math.min(MAX_WINDOW, Math.max(100, Math.ceil((5 * Math.LN2) / Math.max(rate, 1e-300))));
  const scale = PERTURBATION * Math.max(1, normv(th));
  const random = O.reduce((acc, o) => {
    const w = r.normal();
    return acc.map((x, i) => x + w * o[i]!);
  }, new Float64Array(size));
  // Half along the λ_min mode (O is orthonormal, rotated onto OᵀHO's eigenvectors), half random.
  const nr = normv(random);
  const z = random.map((x, i) => x / nr + O[minIndex]![i]!);
  const nz = normv(z);
  let p = th.map((x, i) => x + (scale * z[i]!) / nz);
  const start = R.offSet(p);
  let observed: boolean | undefined;
  for (let k = 0; k < window; k++) {
    const g = grad(p);
    p = descend(p, g, eta);
    const off = R.offSet(p);
    if (!Number.isFinite(off) || off > 2 * start) {
      observed = false;
      break;
    }
  }
  if (observed === undefined) {
    const off = R.offSet(p);
    observed = off < start / 2 ? true : off > 2 * start ? false : undefined;
  }
  return {
    siteKind: c.site.kind,
    site: c.site.label,
    architecture: model.architecture,
    m,
    flat,
    gamma,
    threshold,
    predicted,
    observed,
    window,
  };
}

/**
 * The attraction threshold of a block-level mirror's set on sampled networks, predicted per network
 * against what gradient descent with weight decay does to a perturbation off the set (see the module
 * comment for the design). The public entry point exports a wrapper that loads this module on first call.
 */
export function networkCollapse(
  decl: BlockMirrorDeclaration,
  opts: {
    samples?: number;
    /** Samples per graph site kind (default: samples, at most GRAPH_COLLAPSE_SAMPLES). */
    graphSamples?: number;
    seed?: number;
    arch?: ArchConstraints;
    sites?: readonly SiteKind[];
  } = {},
): NetworkCollapseReport {
  const seed = opts.seed ?? 1;
  const n = opts.samples ?? 50;
  const nGraph = opts.graphSamples ?? Math.min(n, GRAPH_COLLAPSE_SAMPLES);
  const kinds = decl.sites.filter((k) => !opts.sites || opts.sites.includes(k));
  const r = rng(seed ^ 0x1b873593);
  const sums = reflectionSums(decl);
  const out: NetworkCollapseSample[] = [];
  const skipped = new Map<string, number>();
  const given = opts.arch?.widths;
  const tooLarge = given !== undefined && parametersAtMost(given) > COLLAPSE_MAX_PARAMETERS;
  const widthsGiven = tooLarge ? undefined : given;
  for (const kind of kinds) {
    // MLPs as below; graph models as COLLAPSE_GRAPHS, with the user's graph constraints on top.
    const cases: (NetworkCase | GraphCase)[] = isGraphSiteKind(kind)
      ? graphCollapseCases(kind, nGraph, seed, opts.arch?.graph)
      : mlpCollapseCases(kind, n);
    for (const c of cases) {
      const [lo, hi] = GAMMA_EXPONENTS;
      const gamma = 10 ** (lo + (hi - lo) * r.next());
      let s: NetworkCollapseSample | { readonly skipped: string } = { skipped: 'degenerate network' };
      try {
        s =
          caseModel(c).size > COLLAPSE_MAX_PARAMETERS
            ? { skipped: 'more parameters than the dense Newton steps take' }
            : collapseSample(decl, sums, c, gamma, c.seed ^ 0x68e31da4);
      } catch (err) {
        if (!(err instanceof DegenerateSample)) throw err;
      }
      if ('skipped' in s) skipped.set(s.skipped, (skipped.get(s.skipped) ?? 0) + 1);
      else out.push(s);
    }
  }
  function mlpCollapseCases(kind: SiteKind, n: number): NetworkCase[] {
    // One hidden layer of h = 2–3 units with h − 1 or h inputs and h or h + 1 outputs (a 1-h-1 network
    // for product layers), smooth activations, no normalisation, unless the user's constraints say
    // otherwise: small enough
    // for Newton steps on dense Hessians, never a normalisation group without spread on the set, and
    // wide enough at both ends that a linear layer's rank constraint is a real one (with fewer outputs
    // than hidden units the set holds the unconstrained minima's orbit and is exactly marginal).
    return Array.from({ length: n }, (_, k) => {
      const h = 2 + r.int(2);
      const widths =
        widthsGiven ??
        (kind === 'product-layer' ? [1, 1 + r.int(4), 1] : [h - 1 + r.int(2), h, h + r.int(2)]);
      return fc.sample(siteCase(kind, { norms: ['none'], acts: SMOOTH, ...opts.arch, widths }), {
        seed: seed + 7919 * k,
        numRuns: 1,
      })[0]!;
    });
  }
  const clear = out.filter(
    (s) => s.observed !== undefined && Math.abs(s.gamma - s.threshold) > 0.1 * Math.abs(s.threshold),
  );
  const marginal = out.filter((s) => s.flat === s.m).length;
  return {
    kind: 'collapse-report',
    seed,
    gammaRange: [10 ** GAMMA_EXPONENTS[0], 10 ** GAMMA_EXPONENTS[1]],
    perturbation: PERTURBATION,
    samples: out,
    agree: clear.filter((s) => s.predicted === s.observed).length,
    decided: clear.length,
    ambiguous: out.length - clear.length,
    marginal,
    factored: out.filter((s) => s.flat > 0 && s.flat < s.m).length,
    skipped: Object.fromEntries(skipped),
    ...(tooLarge
      ? {
          ownNetworks: {
            given: given.join('-'),
            parameters: parametersAtMost(given),
            limit: COLLAPSE_MAX_PARAMETERS,
          },
        }
      : {}),
  };
}
