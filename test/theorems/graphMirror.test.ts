/**
 * Mirrors in transformer blocks and CNNs [SIS; MPG25 for the blocks]: exchanging two attention heads
 * (query, key and value projections with their biases, and the heads' column blocks of W_O) leaves
 * multi-head attention unchanged, as does exchanging two channels of a conv (any elementwise
 * activation) and flipping the sign of a channel of an odd activation. Each is first shown here by
 * permuting parameters BY NAME in θ (independently of the sites and of the derivation) and comparing
 * losses and gradients from evaluateGraph; then the catalog entries are checked by the toolkit,
 * with negative twins (a swap of Q/K only, a sign flip of ReLU channels) refuted with replayable
 * counterexamples; then the attraction threshold of identical heads, against an independent
 * finite-difference Hessian on the antisymmetric subspace, and against gradient descent.
 */
import fc from 'fast-check';
import { rng } from '../../numeric/rng';
import { minEigen } from '../../numeric/linalg';
import { type Graph, type GraphData, evaluateGraph } from '../../numeric/graph/graph';
import { cnnGraph, transformerGraph, type CnnSpec } from '../../numeric/graph/models';
import { graphSiteCase, type GraphCase } from '../../numeric/graph/sites';
import { type GraphActivation } from '../../numeric/graph/ops';
import { sizeOf } from '../../numeric/graph/shape';
import { loadCatalog } from '../../src/catalog';
import { loadDeclarationFile, readDeclaration } from '../../src/declaration/load';
import { checkBlockMirror } from '../../src/check/mirror';
import { caseReflection } from '../../src/check/reflection';
import { reflectionSums } from '../../src/mirror/deriveBlock';
import { networkCollapse, thresholdAt } from '../../src/mirror/threshold';
import type { BlockMirrorDeclaration, Declaration } from '../../src/declaration/types';
import { runCli } from '../helpers/cli';

/**
 * Two evaluations of one function at permuted parameters differ only by the order of floating-point
 * sums (a few dozen terms of magnitude ≤ the loss or gradient scale): 1e-12 of that scale.
 */
const REORDER_TOLERANCE = 1e-12;

const blockMirror = (name: string): BlockMirrorDeclaration => {
  const d = loadCatalog(name) as Declaration;
  if (d.kind !== 'block-mirror') throw new Error(`${name} is not a block-level mirror`);
  return d;
};

function sample(g: Graph, seed: number): { theta: Float64Array; data: GraphData } {
  const r = rng(seed);
  const theta = Float64Array.from({ length: g.size }, () => 0.7 * r.normal());
  const x = Float64Array.from({ length: sizeOf(g.input) }, () => r.normal());
  const y = Float64Array.from({ length: sizeOf(g.target) }, () => r.normal());
  return { theta, data: { x, y } };
}
const param = (g: Graph, name: string): { offset: number; shape: readonly number[] } =>
  g.params.find((p) => p.name === name)!;
const norm = (x: ArrayLike<number>): number => Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0));
const dist = (x: ArrayLike<number>, y: ArrayLike<number>): number =>
  Math.sqrt(Array.from(x).reduce((s, v, i) => s + (v - y[i]!) ** 2, 0));

/**
 * Index pairs (head h1's entry, head h2's entry) of every per-head parameter, read from the
 * parameter names: rows h·dh … of W_Q, W_K, W_V and of their biases, columns h·dh … of W_O.
 */
function headPairs(g: Graph, dh: number, h1: number, h2: number, which: string): [number, number][] {
  const out: [number, number][] = [];
  for (const x of which.replace('O', '')) {
    const W = param(g, `W_${x}`),
      b = param(g, `b_${x}`);
    const d = W.shape[1]!;
    for (let i = 0; i < dh; i++) {
      for (let j = 0; j < d; j++)
        out.push([W.offset + (h1 * dh + i) * d + j, W.offset + (h2 * dh + i) * d + j]);
      out.push([b.offset + h1 * dh + i, b.offset + h2 * dh + i]);
    }
  }
  if (which.includes('O')) {
    const O = param(g, 'W_O');
    const [d, width] = O.shape as [number, number];
    for (let i = 0; i < d; i++)
      for (let j = 0; j < dh; j++)
        out.push([O.offset + i * width + h1 * dh + j, O.offset + i * width + h2 * dh + j]);
  }
  return out;
}
const swapped = (v: Float64Array, pairs: readonly [number, number][]): Float64Array => {
  const out = Float64Array.from(v);
  for (const [a, b] of pairs) [out[a], out[b]] = [v[b]!, v[a]!];
  return out;
};

const transformerSpec = fc.record({
  batch: fc.integer({ min: 2, max: 3 }),
  tokens: fc.integer({ min: 2, max: 3 }),
  dim: fc.integer({ min: 2, max: 4 }),
  heads: fc.integer({ min: 2, max: 3 }),
  headDim: fc.integer({ min: 1, max: 2 }),
  hidden: fc.integer({ min: 2, max: 3 }),
  causal: fc.boolean(),
  layerNorm: fc.boolean(),
  act: fc.constantFrom<GraphActivation>({ kind: 'relu' }, { kind: 'gelu' }, { kind: 'tanh' }),
  outputs: fc.integer({ min: 2, max: 3 }),
  loss: fc.constantFrom('ce' as const, 'mse' as const),
});

describe('swapping two heads by name in θ: loss kept, gradient permuted alike [MPG25, SIS]', () => {
  it('L(Pθ) = L(θ), ∇L(Pθ) = P∇L(θ) for P the exchange of all four blocks of two heads', () => {
    fc.assert(
      fc.property(transformerSpec, fc.nat(), fc.integer({ min: 1, max: 1e6 }), (s, pick, seed) => {
        const g = transformerGraph(s);
        const h1 = pick % s.heads,
          h2 = (h1 + 1 + (pick % (s.heads - 1))) % s.heads;
        const { theta, data } = sample(g, seed);
        const P = headPairs(g, s.headDim, h1, h2, 'QKVO');
        const e = evaluateGraph(g, theta, data),
          f = evaluateGraph(g, swapped(theta, P), data);
        expect(Math.abs(f.loss - e.loss)).toBeLessThanOrEqual(REORDER_TOLERANCE * Math.abs(e.loss));
        expect(dist(f.grad, swapped(e.grad, P))).toBeLessThanOrEqual(REORDER_TOLERANCE * norm(e.grad));
      }),
      { seed: 5, numRuns: 40 },
    );
  });
  it('twin: exchanging only the query and key projections changes the loss', () => {
    fc.assert(
      // Width ≥ 3: LayerNorm maps a row of 2 values onto ±(1, −1), flat in everything attention changes.
      fc.property(transformerSpec, fc.integer({ min: 1, max: 1e6 }), (s0, seed) => {
        const s = { ...s0, dim: Math.max(3, s0.dim) };
        const g = transformerGraph(s);
        const { theta, data } = sample(g, seed);
        const e = evaluateGraph(g, theta, data),
          f = evaluateGraph(g, swapped(theta, headPairs(g, s.headDim, 0, 1, 'QK')), data);
        expect(Math.abs(f.loss - e.loss)).toBeGreaterThan(1e-8 * Math.abs(e.loss));
      }),
      { seed: 6, numRuns: 30 },
    );
  });
  it('on identical heads (set by name) the gradients of the two heads are equal', () => {
    fc.assert(
      fc.property(transformerSpec, fc.integer({ min: 1, max: 1e6 }), (s, seed) => {
        const g = transformerGraph(s);
        const { theta, data } = sample(g, seed);
        const P = headPairs(g, s.headDim, 0, 1, 'QKVO');
        for (const [a, b] of P) theta[b] = theta[a]!;
        const { grad } = evaluateGraph(g, theta, data);
        const diff = Math.sqrt(P.reduce((t, [a, b]) => t + (grad[a]! - grad[b]!) ** 2, 0));
        expect(diff).toBeLessThanOrEqual(REORDER_TOLERANCE * norm(grad));
      }),
      { seed: 7, numRuns: 30 },
    );
  });
  it("the catalog's head-swap, evaluated on a head-pair site, is exactly the exchange by name", () => {
    const decl = blockMirror('head-swap');
    for (const c of fc.sample(graphSiteCase('head-pair'), { seed: 8, numRuns: 20 })) {
      const [, H, dh] = /(\d+)×(\d+) heads/.exec(c.architecture)!.map(Number);
      const [h1, h2] = /heads (\d+) and (\d+)/
        .exec(c.site.label)!
        .slice(1)
        .map((x) => Number(x) - 1);
      expect(h1! < h2! && h2! < H!).toBe(true);
      const R = caseReflection(decl, reflectionSums(decl), c);
      expect(Array.from(R.reflect(c.theta))).toEqual(
        Array.from(swapped(c.theta, headPairs(c.graph, dh!, h1!, h2!, 'QKVO'))),
      );
    }
  });
});

/** Index pairs of two channels o1, o2 of conv i (kernel, bias, the next conv's slices or W_out's columns). */
function channelPairs(g: Graph, i: number, o1: number, o2: number): [number, number][] {
  const K = param(g, `conv${i + 1}`),
    b = param(g, `cb${i + 1}`);
  const per = sizeOf(K.shape.slice(1));
  const out: [number, number][] = Array.from({ length: per }, (_, j) => [
    K.offset + o1 * per + j,
    K.offset + o2 * per + j,
  ]);
  out.push([b.offset + o1, b.offset + o2]);
  const next = g.params.find((p) => p.name === `conv${i + 2}`);
  if (next) {
    const [O2, C2, kh, kw] = next.shape as [number, number, number, number];
    for (let p = 0; p < O2; p++)
      for (let t = 0; t < kh * kw; t++)
        out.push([next.offset + (p * C2 + o1) * kh * kw + t, next.offset + (p * C2 + o2) * kh * kw + t]);
  } else {
    const W = param(g, 'W_out');
    const C = W.shape[1]!;
    for (let p = 0; p < W.shape[0]!; p++) out.push([W.offset + p * C + o1, W.offset + p * C + o2]);
  }
  return out;
}
const cnnSpec = (act: GraphActivation, channels: number, two: boolean): CnnSpec => ({
  input: [2, 2, 4, 4],
  convs: two
    ? [
        { channels, k: 3, stride: 1, pad: 1 },
        { channels: 2, k: 2, stride: 2, pad: 1 },
      ]
    : [{ channels, k: 3, stride: 1, pad: 1 }],
  batchNorm: false,
  act,
  pool: 1,
  classes: 3,
  loss: 'mse',
});

describe('conv channels by name: a swap for any activation, a sign flip for odd ones [SIS]', () => {
  const acts: GraphActivation[] = [{ kind: 'relu' }, { kind: 'tanh' }, { kind: 'gelu' }, { kind: 'linear' }];
  it.each(acts.flatMap((a) => [true, false].map((two) => [a.kind, two, a] as const)))(
    'swap of channels 1 and 3, %s, two convs: %s',
    (_, two, act) => {
      const g = cnnGraph(cnnSpec(act, 3, two));
      const { theta, data } = sample(g, 11);
      const P = channelPairs(g, 0, 0, 2);
      const e = evaluateGraph(g, theta, data),
        f = evaluateGraph(g, swapped(theta, P), data);
      expect(Math.abs(f.loss - e.loss)).toBeLessThanOrEqual(REORDER_TOLERANCE * Math.abs(e.loss));
      expect(dist(f.grad, swapped(e.grad, P))).toBeLessThanOrEqual(REORDER_TOLERANCE * norm(e.grad));
    },
  );
  it.each([
    ['tanh', true],
    ['linear', true],
    ['relu', false],
    ['gelu', false],
  ] as const)('sign flip of a channel, %s: a symmetry %s', (kind, odd) => {
    const g = cnnGraph(cnnSpec({ kind }, 2, true));
    const { theta, data } = sample(g, 12);
    const flipped = Float64Array.from(theta);
    for (const [a] of channelPairs(g, 0, 1, 0)) flipped[a] = -theta[a]!;
    const e = evaluateGraph(g, theta, data).loss,
      f = evaluateGraph(g, flipped, data).loss;
    if (odd) expect(Math.abs(f - e)).toBeLessThanOrEqual(REORDER_TOLERANCE * Math.abs(e));
    else expect(Math.abs(f - e)).toBeGreaterThan(1e-6 * Math.abs(e));
  });
});

describe('conv channels through BatchNorm by name: γ, β move with the channel [SIS]', () => {
  const bn = (act: GraphActivation): CnnSpec => ({ ...cnnSpec(act, 3, true), batchNorm: true, affine: true });
  const gb = (g: Graph, o1: number, o2: number): [number, number][] =>
    ['gamma1', 'beta1'].map((n) => [param(g, n).offset + o1, param(g, n).offset + o2]);
  it.each([{ kind: 'relu' }, { kind: 'tanh' }] as GraphActivation[])(
    'swap of channels 1 and 3 with their γ, β keeps the loss (%o); without γ, β it does not',
    (act) => {
      const g = cnnGraph(bn(act));
      const { theta, data } = sample(g, 13);
      const P = [...channelPairs(g, 0, 0, 2), ...gb(g, 0, 2)];
      const e = evaluateGraph(g, theta, data),
        f = evaluateGraph(g, swapped(theta, P), data);
      expect(Math.abs(f.loss - e.loss)).toBeLessThanOrEqual(REORDER_TOLERANCE * Math.abs(e.loss));
      expect(dist(f.grad, swapped(e.grad, P))).toBeLessThanOrEqual(REORDER_TOLERANCE * norm(e.grad));
      const twin = evaluateGraph(g, swapped(theta, channelPairs(g, 0, 0, 2)), data).loss;
      expect(Math.abs(twin - e.loss)).toBeGreaterThan(1e-6 * Math.abs(e.loss));
    },
  );
  it('sign flip of a tanh channel through γ, β (and its next-conv slices) keeps the loss; γ alone does not', () => {
    const g = cnnGraph(bn({ kind: 'tanh' }));
    const { theta, data } = sample(g, 14);
    const next = channelPairs(g, 0, 1, 0).slice(
      param(g, 'conv1')
        .shape.slice(1)
        .reduce((a, b) => a * b) + 1,
    );
    const flip = (idx: readonly number[]): number => {
      const t = Float64Array.from(theta);
      for (const a of idx) t[a] = -theta[a]!;
      return evaluateGraph(g, t, data).loss;
    };
    const e = evaluateGraph(g, theta, data).loss;
    const [gamma, beta] = gb(g, 1, 0).map(([a]) => a);
    const outs = next.map(([a]) => a);
    expect(Math.abs(flip([gamma!, beta!, ...outs]) - e)).toBeLessThanOrEqual(REORDER_TOLERANCE * Math.abs(e));
    expect(Math.abs(flip([gamma!, ...outs]) - e)).toBeGreaterThan(1e-6 * Math.abs(e));
  });
});

describe('the mirror laws on sampled graph models (noether check)', () => {
  it.each([
    ['head-swap', ['head-pair']],
    ['unit-swap', ['channel-pair']],
    ['unit-sign-flip', ['odd-channel']],
  ] as const)('%s at %s sites: symmetry, invariant set, Hessian block, SGD staying on it', (name, sites) => {
    const r = checkBlockMirror(blockMirror(name), { runs: 15, seed: 3, sites, collapseSamples: 0 });
    expect(r.siteKinds).toEqual(sites);
    expect(r.laws.map((l) => l.verdict.kind)).toEqual(Array(4).fill('numerically-verified'));
    // Every case is counted or reported skipped: a BatchNorm CNN's SGD run under weight decay can shrink
    // a channel's kernel contribution below its bias's, to a group without spread (ε = 0) — degenerate.
    for (const l of r.laws)
      expect(l.verdict.kind === 'numerically-verified' && l.verdict.count + r.skipped).toBe(15);
    expect(r.skipped).toBeLessThanOrEqual(2);
  });
  it('twin: a swap of Q/K only is refuted, the counterexample replays, no threshold experiment', () => {
    const d = loadDeclarationFile('examples/head-swap-qk-only.yaml') as BlockMirrorDeclaration;
    const r = checkBlockMirror(d, { runs: 20, seed: 3 });
    expect(r.verdict.kind).toBe('refuted');
    expect(r.laws[0]!.verdict.kind).toBe('refuted');
    expect(r.collapse).toBeUndefined();
    expect(r.counterexample!.siteKind).toBe('head-pair');
    const again = checkBlockMirror(d, { runs: 20, seed: 3, replay: r.counterexample!.replay.path });
    expect(again.counterexample!.relativeResidual).toBe(r.counterexample!.relativeResidual);
  });
  it('twin: a sign flip of conv channels of positively homogeneous activations is refuted', () => {
    const d = readDeclaration({
      name: 'channel-flip',
      kind: 'mirror',
      sites: ['conv-channel'],
      blocks: { w_in: 'vector[n]', w_out: 'vector[m]' },
      action: { w_in: '-w_in', w_out: '-w_out' },
    }) as BlockMirrorDeclaration;
    const r = checkBlockMirror(d, { runs: 20, seed: 3 });
    expect(r.laws[0]!.verdict.kind).toBe('refuted');
  });
  it('the same seed gives the same report, byte for byte', () => {
    const once = (): string =>
      JSON.stringify(checkBlockMirror(blockMirror('unit-swap'), { runs: 6, seed: 4, collapseSamples: 3 }));
    expect(once()).toBe(once());
  });
});

describe('attraction threshold of identical heads: γ* = −λ_min(OᵀHO)/2 [SIS, derived]', () => {
  // OᵀHO by central differences of ∇L (step 1e-5: truncation ~1e-10, rounding ~1e-11 of ‖H‖) along
  // the antisymmetric directions (e_a − e_b)/√2 of every per-head parameter pair, read by name.
  const FD_TOLERANCE = 1e-6;
  const decl = blockMirror('head-swap');
  const cases = fc.sample(
    graphSiteCase('head-pair', { kind: 'transformer', heads: 2, act: { kind: 'tanh' } }),
    {
      seed: 13,
      numRuns: 5,
    },
  );
  it.each(cases.map((c, i) => [i, c] as const))(
    'model %i: thresholdAt against finite differences',
    (_, c) => {
      const [, , dh] = /(\d+)×(\d+) heads/.exec((c as GraphCase).architecture)!.map(Number);
      const P = headPairs(c.graph, dh!, 0, 1, 'QKVO');
      const theta = Float64Array.from(c.theta);
      for (const [a, b] of P) theta[a] = theta[b] = (c.theta[a]! + c.theta[b]!) / 2;
      const grad = (t: Float64Array): Float64Array => evaluateGraph(c.graph, t, c.data).grad;
      const eps = 1e-5;
      const HO = P.map(([a, b]) => {
        const plus = Float64Array.from(theta),
          minus = Float64Array.from(theta);
        plus[a]! += eps / Math.SQRT2;
        plus[b]! -= eps / Math.SQRT2;
        minus[a]! -= eps / Math.SQRT2;
        minus[b]! += eps / Math.SQRT2;
        const gp = grad(plus),
          gm = grad(minus);
        return gp.map((x, i) => (x - gm[i]!) / (2 * eps));
      });
      const M = P.map(([a, b]) => HO.map((h) => (h[a]! - h[b]!) / Math.SQRT2));
      const sym = M.map((row, i) => row.map((x, j) => (x + M[j]![i]!) / 2));
      const scale = Math.max(...sym.flat().map(Math.abs));
      const R = caseReflection(decl, reflectionSums(decl), c);
      const t = thresholdAt(R, c, theta);
      expect(t.O).toHaveLength(P.length);
      expect(Math.abs(t.lmin - minEigen(sym))).toBeLessThanOrEqual(FD_TOLERANCE * scale);
    },
  );
  it('weight decay above γ* collapses two heads onto identical ones, below it does not', () => {
    // Measured (seed 3, 8 transformer blocks): every decided network agrees, both outcomes occur.
    const r = networkCollapse(decl, { samples: 8, seed: 3 });
    expect(r.samples.every((s) => s.siteKind === 'head-pair')).toBe(true);
    expect(r.decided).toBeGreaterThanOrEqual(6);
    expect(r.agree).toBe(r.decided);
    const stable = r.samples.filter((s) => s.predicted).length;
    expect(stable).toBeGreaterThan(0);
    expect(r.samples.length - stable).toBeGreaterThan(0);
  }, 120_000);
  it.each([
    ['unit-swap', 'channel-pair'],
    ['unit-sign-flip', 'odd-channel'],
  ] as const)(
    '%s at %s sites of small tanh CNNs: every decided network agrees',
    (name, site) => {
      const r = networkCollapse(blockMirror(name), { samples: 8, seed: 1, sites: [site] });
      expect(r.samples.every((s) => s.siteKind === site)).toBe(true);
      expect(r.decided).toBeGreaterThanOrEqual(6);
      expect(r.agree).toBe(r.decided);
    },
    60_000,
  );
});

describe('noether check on graph mirrors (CLI)', () => {
  const big = 'transformer:t2:d8:h2x4:n2';
  it('head-swap: verified, and the same output twice', () => {
    const a = runCli('check', 'head-swap', '--arch', big, '--runs', '4', '--format', 'json');
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/"siteKinds": \[\s*"head-pair"\s*\]/);
    expect(runCli('check', 'head-swap', '--arch', big, '--runs', '4', '--format', 'json').out).toBe(a.out);
  }, 120_000);
  it('the Q/K-only twin is refuted (exit 1) and its replay command reproduces the case', () => {
    const r = runCli('check', 'examples/head-swap-qk-only.yaml', '--arch', big, '--runs', '20');
    expect(r.code).toBe(1);
    const replay = /replay: noether check (.*)/.exec(r.out)![1]!.split(' ');
    const residual = /relative residual (\S+)\n/.exec(r.out)![1];
    const again = runCli('check', ...replay, '--arch', big);
    expect(again.code).toBe(1);
    expect(/relative residual (\S+)\n/.exec(again.out)![1]).toBe(residual);
  }, 60_000);
  it('unit-sign-flip on a tanh CNN: odd-channel sites only, verified', () => {
    const r = runCli('check', 'unit-sign-flip', '--arch', 'cnn:1x4x4:c2k3s1:tanh', '--runs', '5');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/at odd-channel sites/);
  }, 60_000);
  it('too few heads or channels, or an even activation, is a one-line input error (exit 2)', () => {
    for (const [name, arch, msg] of [
      ['head-swap', 'transformer:h1x2', /at least 2 heads/],
      ['unit-swap', 'cnn:1x4x4:c1k3s1', /at least 2 channels/],
      ['unit-sign-flip', 'cnn:1x4x4:c2k3s1:relu', /an odd-channel site \(it needs a tanh, linear activation/],
    ] as const) {
      const r = runCli('check', name, '--arch', arch, '--runs', '2');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});
