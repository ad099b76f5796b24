/**
 * Symmetry sites built on demand (numeric/sites.ts): counts against closed forms, every site of a
 * kind reachable by index and listed once, and — independently of how the indices were chosen —
 * each site's views doing what the site kind means on the network's own loss: swapping a unit
 * pair's views, or rescaling a homogeneous unit's, leaves the loss unchanged to rounding.
 */
import { test, fc } from '@fast-check/jest';
import { buildNetwork, evaluate, activation, type MlpSpec, type Network } from '../../numeric/mlp';
import { siteAt, siteCount, siteGroups, sitesOf, gather, scatter, type SiteKind } from '../../numeric/sites';
import { sampleParams, sampleBatch } from '../../numeric/sample';
import { rng } from '../../numeric/rng';
import { DegenerateSample } from '../../numeric/errors';

const specArb: fc.Arbitrary<MlpSpec> = fc
  .record({
    widths: fc.array(fc.integer({ min: 2, max: 6 }), { minLength: 2, maxLength: 5 }),
    act: fc.constantFrom('relu', 'leaky', 'linear', 'tanh', 'poly'),
    degree: fc.constantFrom(2, 3),
    norm: fc.constantFrom('none', 'batch', 'layer'),
    affine: fc.boolean(),
    loss: fc.constantFrom('mse', 'ce'),
    bias: fc.boolean(),
  })
  .map((f) => ({
    widths: f.widths,
    act: activation(f.act as never, f.degree),
    norm: f.norm as MlpSpec['norm'],
    affine: f.norm !== 'none' && f.affine,
    loss: f.loss as MlpSpec['loss'],
    bias: f.bias,
  }));

const hidden = (s: MlpSpec): number[] => s.widths.slice(1, -1);

/** The number of sites of each kind, from the architecture alone. */
function expectedCount(s: MlpSpec, kind: SiteKind): number {
  const h = hidden(s);
  const sum = (f: (n: number) => number): number => h.reduce((t, n) => t + f(n), 0);
  const act = s.act.kind;
  const degree = s.act.kind === 'poly' ? s.act.degree : 0;
  const hasIn = s.norm === 'none' || s.affine;
  switch (kind) {
    case 'unit-pair':
      return sum((n) => (n * (n - 1)) / 2);
    case 'attention-qk':
    case 'attention-vo':
    case 'key-bias':
    case 'conv-channel':
    case 'normalised-channel':
    case 'channel-bias-before-batchnorm':
    case 'residual-unit':
    case 'graph-softmax-column':
    case 'graph-softmax-bias':
    case 'attention-bias-before-layernorm':
    case 'residual-channel':
    case 'head-pair':
    case 'channel-pair':
    case 'odd-channel':
      return 0; // graph models only
    case 'hidden-unit':
      return hasIn && (act === 'relu' || act === 'leaky' || act === 'linear' || degree === 1)
        ? sum((n) => n)
        : 0;
    case 'poly-unit':
      return hasIn && act === 'poly' ? sum((n) => n) : 0;
    case 'odd-unit':
      return hasIn && (act === 'tanh' || act === 'linear' || degree % 2 === 1) ? sum((n) => n) : 0;
    case 'normalised-unit':
      return s.norm === 'batch' ? sum((n) => n) : 0;
    case 'bias-before-batchnorm':
      return s.norm === 'batch' && s.bias ? sum((n) => n) : 0;
    case 'normalised-layer':
      return s.norm === 'layer' ? h.length : 0;
    case 'bias-before-layernorm':
      return s.norm === 'layer' && s.bias ? h.length : 0;
    case 'linear-layer':
      return act === 'linear' && s.norm === 'none' ? h.length : 0;
    case 'homogeneous-layer':
      return hasIn && (act === 'relu' || act === 'leaky' || act === 'linear' || degree === 1) ? h.length : 0;
    case 'softmax-column':
      return s.loss === 'ce' ? s.widths[s.widths.length - 2]! : 0;
    case 'softmax-bias':
      return s.loss === 'ce' && s.bias ? 1 : 0;
    case 'product-layer':
      return s.widths.length === 3 &&
        s.widths[0] === 1 &&
        s.widths[2] === 1 &&
        act === 'linear' &&
        s.norm === 'none' &&
        !s.bias
        ? 1
        : 0;
    case 'augmented-input':
      return 0; // built by the sampler with its data set, not found in a network
  }
}

const KINDS: SiteKind[] = [
  'unit-pair',
  'hidden-unit',
  'poly-unit',
  'odd-unit',
  'normalised-unit',
  'bias-before-batchnorm',
  'normalised-layer',
  'bias-before-layernorm',
  'linear-layer',
  'homogeneous-layer',
  'softmax-column',
  'softmax-bias',
  'product-layer',
  'augmented-input',
];

const build = (s: MlpSpec): Network | undefined => {
  try {
    return buildNetwork(s);
  } catch {
    return undefined; // e.g. cross-entropy with one output, LayerNorm on a width-1 layer
  }
};

describe('sites on demand', () => {
  test.prop([specArb])('every kind counts as the architecture says, per layer and in all', (s) => {
    const net = build(s);
    fc.pre(net !== undefined);
    for (const kind of KINDS) {
      expect(siteCount(net!, kind)).toBe(expectedCount(s, kind));
      expect(siteGroups(net!, kind).reduce((t, g) => t + g.count, 0)).toBe(expectedCount(s, kind));
    }
  });

  test.prop([specArb])('siteAt(i) is the i-th listed site, and no two sites of a kind coincide', (s) => {
    const net = build(s);
    fc.pre(net !== undefined);
    for (const kind of KINDS) {
      const listed = [...sitesOf(net!, kind)];
      expect(listed).toHaveLength(siteCount(net!, kind));
      listed.forEach((site, i) => expect(siteAt(net!, kind, i)).toEqual(site));
      const keys = listed.map((x) =>
        Object.values(x.views)
          .map((v) => Array.from(v.index).join(','))
          .join('|'),
      );
      expect(new Set(keys).size).toBe(listed.length);
      expect(new Set(listed.map((x) => x.label)).size).toBe(listed.length);
      expect(() => siteAt(net!, kind, listed.length)).toThrow(RangeError);
    }
  });

  it('unit pairs of a layer are listed in order (1,2), (1,3), …, (n−1,n)', () => {
    const net = buildNetwork({
      widths: [3, 5, 2],
      act: activation('tanh'),
      norm: 'none',
      affine: false,
      loss: 'mse',
      bias: true,
    });
    const labels = [...sitesOf(net, 'unit-pair')].map((x) => x.label.replace('layer 1, units ', ''));
    expect(labels).toEqual([
      '1 and 2',
      '1 and 3',
      '1 and 4',
      '1 and 5',
      '2 and 3',
      '2 and 4',
      '2 and 5',
      '3 and 4',
      '3 and 5',
      '4 and 5',
    ]);
  });

  it('a layer of 100,000 units: its 5·10⁹ pairs are counted and any one is built, without listing them', () => {
    const net = buildNetwork({
      widths: [4, 100_000, 3],
      act: activation('relu'),
      norm: 'none',
      affine: false,
      loss: 'mse',
      bias: true,
    });
    expect(siteCount(net, 'unit-pair')).toBe(4_999_950_000);
    expect(siteAt(net, 'unit-pair', 4_999_949_999).label).toBe('layer 1, units 99999 and 100000');
    expect(siteAt(net, 'unit-pair', 99_999).label).toBe('layer 1, units 2 and 3');
  });
});

describe("each site's views act as its kind says on the network's loss", () => {
  const caseArb = fc.tuple(specArb, fc.integer({ min: 0, max: 1e6 }), fc.nat());

  /** The loss, or undefined for a degenerate sample (a normalisation group without spread). */
  const loss = (net: Network, theta: Float64Array, seed: number): number | undefined => {
    const batch = sampleBatch(net.spec, 4, rng(seed));
    try {
      return evaluate(net, theta, batch).loss;
    } catch (err) {
      if (err instanceof DegenerateSample) return undefined;
      throw err;
    }
  };
  /** L at θ and at the transformed θ agree to rounding (cases without a loss are discarded). */
  const same = (a: number | undefined, b: number | undefined): void => {
    fc.pre(a !== undefined && b !== undefined);
    expect(Math.abs(a! - b!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(a!)));
  };

  test.prop([caseArb])(
    'swapping a unit pair (incoming, normalisation γ β, outgoing) leaves L unchanged',
    ([s, seed, pick]) => {
      const net = build(s);
      fc.pre(net !== undefined && siteCount(net, 'unit-pair') > 0);
      const site = siteAt(net!, 'unit-pair', pick % siteCount(net!, 'unit-pair'));
      const theta = sampleParams(net!, rng(seed));
      const swapped = Float64Array.from(theta);
      const v = site.views;
      scatter(swapped, v.w_in1!, gather(theta, v.w_in2!));
      scatter(swapped, v.w_in2!, gather(theta, v.w_in1!));
      scatter(swapped, v.w_out1!, gather(theta, v.w_out2!));
      scatter(swapped, v.w_out2!, gather(theta, v.w_out1!));
      same(loss(net!, theta, seed), loss(net!, swapped, seed));
    },
  );

  test.prop([caseArb, fc.double({ min: 0.25, max: 4, noNaN: true })])(
    'rescaling a homogeneous unit (w_in·α, w_out/α) leaves L unchanged',
    ([s, seed, pick], alpha) => {
      const net = build(s);
      fc.pre(net !== undefined && siteCount(net, 'hidden-unit') > 0);
      const site = siteAt(net!, 'hidden-unit', pick % siteCount(net!, 'hidden-unit'));
      const theta = sampleParams(net!, rng(seed));
      const scaled = Float64Array.from(theta);
      scatter(
        scaled,
        site.views.w_in!,
        Array.from(gather(theta, site.views.w_in!), (x) => alpha * x),
      );
      scatter(
        scaled,
        site.views.w_out!,
        Array.from(gather(theta, site.views.w_out!), (x) => x / alpha),
      );
      same(loss(net!, theta, seed), loss(net!, scaled, seed));
    },
  );

  test.prop([caseArb, fc.double({ min: 0.25, max: 4, noNaN: true })])(
    'rescaling a whole homogeneous layer (W_in·α, W_out/α) leaves L unchanged; the layer is its units',
    ([s, seed, pick], alpha) => {
      const net = build(s);
      fc.pre(net !== undefined && siteCount(net, 'homogeneous-layer') > 0);
      const i = pick % siteCount(net!, 'homogeneous-layer');
      const site = siteAt(net!, 'homogeneous-layer', i);
      const theta = sampleParams(net!, rng(seed));
      const scaled = Float64Array.from(theta);
      const { W_in, W_out } = site.views;
      scatter(
        scaled,
        W_in!,
        Array.from(gather(theta, W_in!), (x) => alpha * x),
      );
      scatter(
        scaled,
        W_out!,
        Array.from(gather(theta, W_out!), (x) => x / alpha),
      );
      same(loss(net!, theta, seed), loss(net!, scaled, seed));
      // Row k of W_in and column k of W_out are the k-th hidden-unit site of the same layer.
      const units = siteGroups(net!, 'hidden-unit')[i]!;
      expect(units.count).toBe(W_in!.rows);
      for (let k = 0; k < units.count; k++) {
        const u = units.site(k).views;
        expect(Array.from(W_in!.index.subarray(k * W_in!.cols, (k + 1) * W_in!.cols))).toEqual(
          Array.from(u.w_in!.index),
        );
        expect(Array.from({ length: W_out!.rows }, (_, r) => W_out!.index[r * W_out!.cols + k])).toEqual(
          Array.from(u.w_out!.index),
        );
      }
    },
  );

  test.prop([caseArb])('shifting a softmax column leaves cross-entropy unchanged', ([s, seed, pick]) => {
    const net = build(s);
    fc.pre(net !== undefined && siteCount(net, 'softmax-column') > 0);
    const site = siteAt(net!, 'softmax-column', pick % siteCount(net!, 'softmax-column'));
    const theta = sampleParams(net!, rng(seed));
    const shifted = Float64Array.from(theta);
    scatter(
      shifted,
      site.views.theta!,
      Array.from(gather(theta, site.views.theta!), (x) => x + 0.75),
    );
    same(loss(net!, theta, seed), loss(net!, shifted, seed));
  });
});
