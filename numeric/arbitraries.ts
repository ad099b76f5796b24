/**
 * fast-check arbitraries for networks and symmetry sites. Preconditions hold by construction:
 * the architecture fields are drawn only from values under which the requested site kind exists,
 * so no case is filtered away. A case is reproduced from its fields (the seed fixes parameters and
 * data), and shrinks towards shallower, narrower networks.
 */
import fc from 'fast-check';
import { rng } from './rng';
import { buildNetwork, type MlpSpec, type Network, type Batch, type Activation, type Norm, type Loss } from './mlp';
import { sampleParams, sampleBatch, type ArchConstraints } from './sample';

export type { ArchConstraints };
import { sites, type Site, type SiteKind } from './sites';

export interface NetworkCase {
  readonly spec: MlpSpec;
  readonly net: Network;
  readonly theta: Float64Array;
  readonly batch: Batch;
  readonly site: Site;
  /** The seed of parameters and data. */
  readonly seed: number;
}

interface Requirements { acts: Activation['kind'][]; norms: Norm[]; losses: Loss[]; bias: boolean[]; affine: boolean[]; minDepth: number; minWidth: number }

const ALL: Requirements = { acts: ['relu', 'leaky', 'linear', 'tanh', 'poly'], norms: ['none', 'batch', 'layer'], losses: ['mse', 'ce'], bias: [true, false], affine: [true, false], minDepth: 0, minWidth: 1 };

/** The architectures on which a site kind exists. */
function requirements(kind: SiteKind): Requirements {
  switch (kind) {
    case 'hidden-unit': return { ...ALL, acts: ['relu', 'leaky', 'linear'], minDepth: 1 };
    case 'poly-unit': return { ...ALL, acts: ['poly'], minDepth: 1 };
    case 'normalised-unit': return { ...ALL, norms: ['batch'], minDepth: 1 };
    case 'normalised-layer': return { ...ALL, norms: ['layer'], minDepth: 1, minWidth: 2 };
    case 'softmax-column': return { ...ALL, losses: ['ce'] };
    case 'softmax-bias': return { ...ALL, losses: ['ce'], bias: [true] };
    case 'bias-before-batchnorm': return { ...ALL, norms: ['batch'], bias: [true], minDepth: 1 };
    case 'bias-before-layernorm': return { ...ALL, norms: ['layer'], bias: [true], minDepth: 1, minWidth: 2 };
    case 'linear-layer': return { ...ALL, acts: ['linear'], norms: ['none'], minDepth: 1 };
  }
}

const meet = <T>(xs: readonly T[], ys: readonly T[] | undefined): T[] => (ys ? xs.filter((x) => ys.includes(x)) : [...xs]);

export class NoSuchSite extends Error {}

/** Cases for one site kind under the user's constraints; throws NoSuchSite when they exclude it. */
export function siteCase(kind: SiteKind, c: ArchConstraints = {}): fc.Arbitrary<NetworkCase> {
  const req = requirements(kind);
  const acts = meet(req.acts, c.acts);
  const norms = meet(req.norms, c.norms);
  const losses = meet(req.losses, c.losses);
  const biases = meet(req.bias, c.bias === undefined ? undefined : [c.bias]);
  // A homogeneity site behind a normalisation acts on its affine γ, β, so it needs them.
  const needsAffine = (kind === 'hidden-unit' || kind === 'poly-unit');
  const depthOk = !c.widths || c.widths.length - 2 >= req.minDepth;
  const widthOk = !c.widths || c.widths.slice(1, -1).every((w) => w >= req.minWidth);
  if (!acts.length || !norms.length || !losses.length || !biases.length || !depthOk || !widthOk) {
    throw new NoSuchSite(`no architecture allowed by the constraints has a ${kind} site`);
  }
  const widthsArb = c.widths
    ? fc.constant([...c.widths])
    : fc.tuple(fc.integer({ min: req.minDepth, max: 3 }), fc.array(fc.integer({ min: Math.max(2, req.minWidth), max: 6 }), { minLength: 5, maxLength: 5 }))
      .map(([depth, ws]) => ws.slice(0, depth + 2));
  return fc.record({
    widths: widthsArb,
    act: fc.constantFrom(...acts),
    degree: fc.constantFrom(...(c.degrees ?? [2, 3])),
    norm: fc.constantFrom(...norms),
    loss: fc.constantFrom(...losses),
    bias: fc.constantFrom(...biases),
    affine: c.affine !== undefined ? fc.constant(c.affine) : fc.boolean(),
    batch: c.batch !== undefined ? fc.constant(c.batch) : fc.integer({ min: 2, max: 8 }),
    seed: fc.integer({ min: 0, max: 0x7fffffff }),
    pick: fc.nat(),
  }).map((f) => {
    const act: Activation = f.act === 'leaky' ? { kind: 'leaky', slope: 0.1 } : f.act === 'poly' ? { kind: 'poly', degree: f.degree } : { kind: f.act } as Activation;
    const widths = [...f.widths];
    if (f.loss === 'ce') widths[widths.length - 1] = Math.max(2, widths[widths.length - 1]!);
    const affine = f.norm !== 'none' && (needsAffine || f.affine);
    const spec: MlpSpec = { widths, act, norm: f.norm, affine, loss: f.loss, bias: f.bias };
    const net = buildNetwork(spec);
    const r = rng(f.seed);
    const theta = sampleParams(net, r);
    const batch = sampleBatch(spec, f.norm === 'batch' ? Math.max(2, f.batch) : f.batch, r);
    const matching = sites(net).filter((s) => s.kind === kind);
    const site = matching[f.pick % matching.length]!;
    return { spec, net, theta, batch, site, seed: f.seed };
  });
}

export function describeSpec(s: MlpSpec): string {
  const act = s.act.kind === 'poly' ? `poly${s.act.degree}` : s.act.kind;
  return [s.widths.join('-'), act, s.norm === 'none' ? undefined : `${s.norm}${s.affine ? '+affine' : ''}`, s.loss, s.bias ? undefined : 'nobias'].filter(Boolean).join(':');
}
