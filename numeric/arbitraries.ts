/**
 * fast-check arbitraries for networks and symmetry sites. Preconditions hold by construction:
 * the architecture fields are drawn only from values under which the requested site kind exists,
 * so no case is filtered away. A case is reproduced from its fields (the seed fixes parameters and
 * data), and shrinks towards shallower, narrower networks.
 */
import { NoSuchSite, UserInputError } from './errors';
import fc from 'fast-check';
import { rng } from './rng';
import {
  buildNetwork,
  activation,
  type MlpSpec,
  type Network,
  type Batch,
  type Activation,
  type Norm,
  type Loss,
} from './mlp';
import { sampleParams, sampleBatch, type ArchConstraints } from './sample';

export type { ArchConstraints };
import { siteAt, siteCount, type Site, type SiteKind } from './sites';
import { mat } from './linalg';

export interface NetworkCase {
  readonly spec: MlpSpec;
  readonly net: Network;
  readonly theta: Float64Array;
  readonly batch: Batch;
  readonly site: Site;
  /** The seed of parameters and data. */
  readonly seed: number;
}

interface Requirements {
  acts: Activation['kind'][];
  norms: Norm[];
  losses: Loss[];
  bias: boolean[];
  affine: boolean[];
  minDepth: number;
  minWidth: number;
  degrees?: number[];
  scalarProduct?: boolean;
}

const ALL: Requirements = {
  acts: ['relu', 'leaky', 'linear', 'tanh', 'poly'],
  norms: ['none', 'batch', 'layer'],
  losses: ['mse', 'ce'],
  bias: [true, false],
  affine: [true, false],
  minDepth: 0,
  minWidth: 1,
};

/** The architectures on which a site kind exists. */
function requirements(kind: SiteKind): Requirements {
  switch (kind) {
    case 'hidden-unit':
      return { ...ALL, acts: ['relu', 'leaky', 'linear'], minDepth: 1 };
    case 'poly-unit':
      return { ...ALL, acts: ['poly'], minDepth: 1 };
    case 'normalised-unit':
      return { ...ALL, norms: ['batch'], minDepth: 1 };
    case 'normalised-layer':
      return { ...ALL, norms: ['layer'], minDepth: 1, minWidth: 2 };
    case 'softmax-column':
      return { ...ALL, losses: ['ce'] };
    case 'softmax-bias':
      return { ...ALL, losses: ['ce'], bias: [true] };
    case 'bias-before-batchnorm':
      return { ...ALL, norms: ['batch'], bias: [true], minDepth: 1 };
    case 'bias-before-layernorm':
      return { ...ALL, norms: ['layer'], bias: [true], minDepth: 1, minWidth: 2 };
    case 'linear-layer':
      return { ...ALL, acts: ['linear'], norms: ['none'], minDepth: 1 };
    case 'homogeneous-layer':
      return { ...ALL, acts: ['relu', 'leaky', 'linear'], minDepth: 1 };
    // The loss must be a trigonometric polynomial in the rotation angle (polynomial network, squared loss).
    case 'augmented-input':
      return { ...ALL, acts: ['linear', 'poly'], norms: ['none'], losses: ['mse'] };
    case 'odd-unit':
      return { ...ALL, acts: ['tanh', 'linear', 'poly'], degrees: [3], minDepth: 1 };
    case 'unit-pair':
      return { ...ALL, minDepth: 1, minWidth: 2 };
    case 'attention-qk':
    case 'attention-vo':
    case 'key-bias':
    case 'conv-channel':
    case 'head-pair':
    case 'channel-pair':
    case 'odd-channel':
    case 'normalised-channel':
    case 'channel-bias-before-batchnorm':
    case 'residual-unit':
    case 'graph-softmax-column':
    case 'graph-softmax-bias':
    case 'attention-bias-before-layernorm':
    case 'residual-channel':
      throw new NoSuchSite(
        `${kind} sites live on graph models (transformer blocks, CNNs, residual MLPs), not on MLPs`,
      );
    // A linear 1-h-1 network without biases: f(x) = ⟨w, u⟩ x.
    case 'product-layer':
      return {
        ...ALL,
        acts: ['linear'],
        norms: ['none'],
        losses: ['mse'],
        bias: [false],
        minDepth: 1,
        scalarProduct: true,
      };
  }
}

const meet = <T>(xs: readonly T[], ys: readonly T[] | undefined): T[] =>
  ys ? xs.filter((x) => ys.includes(x)) : [...xs];

export { NoSuchSite };

/** The fields a case is built from: small plain data (a worker rebuilds the case from them). */
export interface CaseFields {
  readonly widths: readonly number[];
  readonly act: Activation['kind'];
  readonly degree: number;
  readonly norm: Norm;
  readonly loss: Loss;
  readonly bias: boolean;
  readonly affine: boolean;
  readonly batch: number;
  readonly seed: number;
  readonly pick: number;
}

/** Cases for one site kind under the user's constraints; throws NoSuchSite when they exclude it. */
export function siteCase(kind: SiteKind, c: ArchConstraints = {}): fc.Arbitrary<NetworkCase> {
  const { fields, build } = siteCaseParts(kind, c);
  return fields.map(build);
}

/**
 * {@link siteCase} in two parts: the arbitrary of a case's fields (cheap to sample) and the build
 * of the case from them (the network, its parameters and data, the site). Sampling the fields with
 * a seed gives the same sequence as sampling the cases: mapping consumes no randomness.
 */
export function siteCaseParts(
  kind: SiteKind,
  c: ArchConstraints = {},
): { readonly fields: fc.Arbitrary<CaseFields>; readonly build: (f: CaseFields) => NetworkCase } {
  const req = requirements(kind);
  const acts = meet(req.acts, c.acts);
  // LayerNorm needs every hidden width ≥ 2: fixed widths with a width-1 layer rule it out.
  const narrow = c.widths !== undefined && c.widths.slice(1, -1).some((w) => w < 2);
  const norms = meet(req.norms, c.norms).filter((n) => !(narrow && n === 'layer'));
  // Cross-entropy needs 2 outputs: fixed widths with one output rule it out (never widen them).
  const oneOutput = c.widths !== undefined && c.widths[c.widths.length - 1]! < 2;
  const losses = meet(req.losses, c.losses).filter((l) => !(oneOutput && l === 'ce'));
  const biases = meet(req.bias, c.bias === undefined ? undefined : [c.bias]);
  // A homogeneity site behind a normalisation acts on its affine γ, β, so it needs them.
  const needsAffine =
    kind === 'hidden-unit' || kind === 'homogeneous-layer' || kind === 'poly-unit' || kind === 'odd-unit';
  const degrees = req.degrees ? meet(req.degrees, c.degrees) : (c.degrees ?? [2, 3]);
  const depthOk =
    !c.widths ||
    (c.widths.length - 2 >= req.minDepth &&
      (!req.scalarProduct || (c.widths.length === 3 && c.widths[0] === 1 && c.widths[2] === 1)));
  const widthOk =
    (!c.widths || c.widths.slice(1, -1).every((w) => w >= req.minWidth)) &&
    (kind !== 'augmented-input' || !c.widths || c.widths[0]! >= 2);
  if (
    !acts.length ||
    !norms.length ||
    !losses.length ||
    !biases.length ||
    !degrees.length ||
    !depthOk ||
    !widthOk
  ) {
    throw new NoSuchSite(`no architecture allowed by the constraints has a ${kind} site`);
  }
  const widthsArb = c.widths
    ? fc.constant([...c.widths])
    : req.scalarProduct
      ? fc.integer({ min: 1, max: 6 }).map((h) => [1, h, 1])
      : fc
          .tuple(
            fc.integer({ min: req.minDepth, max: 3 }),
            fc.array(fc.integer({ min: Math.max(2, req.minWidth), max: 6 }), { minLength: 5, maxLength: 5 }),
          )
          .map(([depth, ws]) => ws.slice(0, depth + 2));
  const fields = fc.record({
    widths: widthsArb,
    act: fc.constantFrom(...acts),
    degree: fc.constantFrom(...degrees),
    norm: fc.constantFrom(...norms),
    loss: fc.constantFrom(...losses),
    bias: fc.constantFrom(...biases),
    affine: c.affine !== undefined ? fc.constant(c.affine) : fc.boolean(),
    batch: c.batch !== undefined ? fc.constant(c.batch) : fc.integer({ min: 2, max: 8 }),
    seed: fc.integer({ min: 0, max: 0x7fffffff }),
    pick: fc.nat(),
  });
  const build = (f: CaseFields): NetworkCase => {
    const act = activation(f.act, f.degree);
    const widths = [...f.widths];
    if (f.loss === 'ce') widths[widths.length - 1] = Math.max(2, widths[widths.length - 1]!);
    const affine = f.norm !== 'none' && (needsAffine || f.affine);
    const spec: MlpSpec = { widths, act, norm: f.norm, affine, loss: f.loss, bias: f.bias };
    const net = buildNetwork(spec);
    const r = rng(f.seed);
    const sampled = sampleParams(net, r);
    if (c.weights && c.weights.length !== net.size)
      throw new UserInputError(`the given weights have ${c.weights.length} entries, the network ${net.size}`);
    const theta = c.weights ? Float64Array.from(c.weights) : sampled;
    const base = sampleBatch(spec, f.norm === 'batch' ? Math.max(2, f.batch) : f.batch, r);
    if (kind === 'augmented-input') {
      const A = rotationPlane(spec.widths[0]!, r);
      const batch = rotatedCopies(base, A, augmentationOrbit(spec));
      const W1 = net.blocks.find((b) => b.name === 'W1')!;
      const site: Site = {
        kind,
        label: 'input layer (augmented data)',
        views: {
          W1: {
            rows: W1.rows,
            cols: W1.cols,
            index: Int32Array.from({ length: W1.rows * W1.cols }, (_, i) => W1.offset + i),
          },
        },
        scalars: {},
        constants: { A },
      };
      return { spec, net, theta, batch, site, seed: f.seed };
    }
    const batch = base;
    // Only the picked site is built: a layer of n units has n(n − 1)/2 unit pairs.
    const site = siteAt(net, kind, f.pick % siteCount(net, kind));
    return { spec, net, theta, batch, site, seed: f.seed };
  };
  return { fields, build };
}

/** The most rotated copies of a batch an augmented-input case builds. */
export const AUGMENTATION_LIMITS = { orbit: 1000 } as const;

/**
 * How many rotated copies N make the orbit average exact for a network (docs/theory.md §5.4): with
 * squared loss and H hidden layers of z^k (k = 1 for a linear network), a sample's loss is a
 * polynomial of degree 2k^H in its input, so a trigonometric polynomial of degree D = 2k^H in the
 * rotation angle; the average over N equally spaced angles is invariant under every rotation of the
 * plane iff no frequency 1 … D is a multiple of N, i.e. N > D. The sampler takes N = max(8, D + 1).
 * Refused (as input) above {@link AUGMENTATION_LIMITS}.
 */
export function augmentationOrbit(spec: MlpSpec): number {
  const k = spec.act.kind === 'poly' ? spec.act.degree : 1;
  const H = spec.widths.length - 2;
  const D = 2 * k ** H;
  if (D + 1 > AUGMENTATION_LIMITS.orbit)
    throw new UserInputError(
      `augmented data for ${H} hidden layers of z^${k} needs more than 2·${k}^${H} = ${D} rotated copies: ` +
        `above the ${AUGMENTATION_LIMITS.orbit} a check builds (use fewer hidden layers or a lower degree)`,
    );
  return Math.max(8, D + 1);
}

/** A random rotation plane of R^d: A = u vᵀ − v uᵀ for orthonormal u, v (Gram–Schmidt), row-major. */
function rotationPlane(
  d: number,
  r: ReturnType<typeof rng>,
): { rows: number; cols: number; data: Float64Array } {
  const u = Array.from({ length: d }, () => r.normal());
  const nu = Math.hypot(...u);
  for (let i = 0; i < d; i++) u[i]! /= nu;
  const v = Array.from({ length: d }, () => r.normal());
  const uv = v.reduce((s, x, i) => s + x * u[i]!, 0);
  for (let i = 0; i < d; i++) v[i]! -= uv * u[i]!;
  const nv = Math.hypot(...v);
  for (let i = 0; i < d; i++) v[i]! /= nv;
  const A = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A[i * d + j] = u[i]! * v[j]! - v[i]! * u[j]!;
  return { rows: d, cols: d, data: A };
}

/**
 * Copies of every sample rotated by 2πk/N (k = 0 … N − 1, the unrotated copies first) in the plane
 * of A (A = u vᵀ − v uᵀ, so e^{φA} = I + sin φ A + (1 − cos φ) A²); targets unchanged.
 */
export function rotatedCopies(base: Batch, A: { readonly data: Float64Array }, N: number): Batch {
  const d = base.X.cols;
  const A2 = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += A.data[i * d + k]! * A.data[k * d + j]!;
      A2[i * d + j] = s;
    }
  const B = base.X.rows,
    out = base.Y.cols;
  const X = mat(B * N, d),
    Y = mat(B * N, out);
  for (let k = 0; k < N; k++) {
    const phi = (2 * Math.PI * k) / N;
    for (let b = 0; b < B; b++) {
      const row = k * B + b;
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let j = 0; j < d; j++)
          s +=
            ((i === j ? 1 : 0) + Math.sin(phi) * A.data[i * d + j]! + (1 - Math.cos(phi)) * A2[i * d + j]!) *
            base.X.data[b * d + j]!;
        X.data[row * d + i] = s;
      }
      Y.data.set(base.Y.data.subarray(b * out, (b + 1) * out), row * out);
    }
  }
  return { X, Y };
}

export function describeSpec(s: MlpSpec): string {
  const act = s.act.kind === 'poly' ? `poly${s.act.degree}` : s.act.kind;
  return [
    s.widths.join('-'),
    act,
    s.norm === 'none' ? undefined : `${s.norm}${s.affine ? '+affine' : ''}`,
    s.loss,
    s.bias ? undefined : 'nobias',
  ]
    .filter(Boolean)
    .join(':');
}

/**
 * Whether fast-check's replay `path` (the `3:1:0` a counterexample prints) names a case of
 * `siteCase(kind, c)` at `seed`. A path past the end of a shrink list names nothing: fast-check
 * then runs no case at all (or throws "Unable to replay" when steps remain), so a replay of it
 * would check nothing. Building the named case costs one network.
 */
export function hasReplayCase(kind: SiteKind, c: ArchConstraints, seed: number, path: string): boolean {
  return replayNamesCase(siteCase(kind, c), seed, path);
}

/** Whether `path` names a case of the arbitrary at `seed` (see {@link hasReplayCase}). */
export function replayNamesCase<T>(arb: fc.Arbitrary<T>, seed: number, path: string): boolean {
  try {
    const details = fc.check(
      fc.property(arb, () => true),
      { seed, numRuns: 1, path },
    );
    return details.numRuns > 0;
  } catch (err) {
    if (err instanceof Error && /^Unable to replay/.test(err.message)) return false;
    throw err;
  }
}

/**
 * The case fast-check's replay `path` names for `siteCase(kind, c)` at `seed` (what a counterexample
 * prints), rebuilt exactly: its network, parameters, batch and site. Undefined when the path names
 * no case.
 */
export function caseAt(
  kind: SiteKind,
  c: ArchConstraints,
  seed: number,
  path: string,
): NetworkCase | undefined {
  let found: NetworkCase | undefined;
  try {
    fc.check(
      fc.property(siteCase(kind, c), (x) => {
        found ??= x;
        return true;
      }),
      { seed, numRuns: 1, path },
    );
  } catch (err) {
    if (err instanceof Error && /^Unable to replay/.test(err.message)) return undefined;
    throw err;
  }
  return found;
}
