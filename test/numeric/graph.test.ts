/**
 * The graph layer (numeric/graph): every op's four rules, checked against independent computations —
 * the hand-written MLP (numeric/mlp.ts) on the same θ, central finite differences, and two exact
 * identities that a wrong rule breaks (⟨∇L, v⟩ by forward mode equals the reverse-mode gradient
 * dotted with v; the Hessian is symmetric, uᵀ(Hv) = vᵀ(Hu)).
 */
import fc from 'fast-check';
import { activation, buildNetwork, evaluate, type MlpSpec } from '../../numeric/mlp';
import { rng } from '../../numeric/rng';
import { mat } from '../../numeric/linalg';
import { DegenerateSample } from '../../numeric/errors';
import { type Graph, GraphBuilder, type GraphData, evaluateGraph } from '../../numeric/graph/graph';
import {
  cnnGraph,
  mlpGraph,
  residualGraph,
  transformerGraph,
  type TransformerSpec,
} from '../../numeric/graph/models';
import { sizeOf } from '../../numeric/graph/shape';

const rel = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0,
    s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(a[i]!), Math.abs(b[i]!));
  }
  return s === 0 ? d : d / s;
};
const dotOf = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** Parameters of a graph, data and a direction, all seeded. */
function sample(g: Graph, seed: number): { theta: Float64Array; data: GraphData; v: Float64Array } {
  const r = rng(seed);
  const theta = new Float64Array(g.size);
  for (const p of g.params) {
    const fan = p.shape.length > 1 ? sizeOf(p.shape.slice(1)) : 1;
    for (let i = 0; i < sizeOf(p.shape); i++) theta[p.offset + i] = r.normal() / Math.sqrt(fan);
  }
  const x = Float64Array.from({ length: sizeOf(g.input) }, () => r.normal());
  const rows = g.target[0]!,
    cols = sizeOf(g.target) / rows;
  const y = new Float64Array(sizeOf(g.target));
  const ce = g.nodes[g.loss]!.op.kind === 'ce';
  for (let i = 0; i < rows; i++)
    if (ce) y[i * cols + r.int(cols)] = 1;
    else for (let j = 0; j < cols; j++) y[i * cols + j] = r.normal();
  const v = Float64Array.from({ length: g.size }, () => r.normal());
  return { theta, data: { x, y }, v };
}

describe('the MLP as a graph evaluates what the hand-written MLP does', () => {
  const acts = ['relu', 'leaky', 'linear', 'tanh', 'poly'] as const;
  it('loss, ∇L and H v agree to rounding on random specs', () => {
    fc.assert(
      fc.property(
        fc.record({
          widths: fc.array(fc.integer({ min: 2, max: 5 }), { minLength: 2, maxLength: 4 }),
          act: fc.constantFrom(...acts),
          norm: fc.constantFrom('none', 'batch', 'layer'),
          affine: fc.boolean(),
          loss: fc.constantFrom('mse', 'ce'),
          bias: fc.boolean(),
          batch: fc.integer({ min: 3, max: 6 }),
          seed: fc.integer({ min: 1, max: 1e6 }),
        }),
        (c) => {
          const spec: MlpSpec = {
            widths: c.widths,
            act: activation(c.act, 2),
            norm: c.norm as MlpSpec['norm'],
            affine: c.affine,
            loss: c.loss as MlpSpec['loss'],
            bias: c.bias,
          };
          const g = mlpGraph(spec, c.batch);
          const net = buildNetwork(spec);
          expect(g.size).toBe(net.size);
          const { theta, data, v } = sample(g, c.seed);
          const [B, d0] = [c.batch, c.widths[0]!];
          const out = c.widths[c.widths.length - 1]!;
          const run = <T>(f: () => T): T | DegenerateSample => {
            try {
              return f();
            } catch (err) {
              if (err instanceof DegenerateSample) return err;
              throw err;
            }
          };
          const e = run(() => evaluate(net, theta, { X: mat(B, d0, data.x), Y: mat(B, out, data.y) }, v));
          const h = run(() => evaluateGraph(g, theta, data, v));
          // A group without spread (a LayerNorm after dead ReLUs) is refused by both, or by neither.
          if (e instanceof DegenerateSample || h instanceof DegenerateSample) {
            expect([e instanceof DegenerateSample, h instanceof DegenerateSample]).toEqual([true, true]);
            return;
          }
          expect(Math.abs(h.loss - e.loss)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(e.loss)));
          expect(rel(h.grad, e.grad)).toBeLessThanOrEqual(1e-12);
          expect(rel(h.hv!, e.hv!)).toBeLessThanOrEqual(1e-11);
        },
      ),
      { numRuns: 150, seed: 7 },
    );
  });
});

const transformer = (over: Partial<TransformerSpec> = {}): TransformerSpec => ({
  batch: 2,
  tokens: 4,
  dim: 6,
  heads: 2,
  headDim: 3,
  hidden: 5,
  causal: false,
  layerNorm: true,
  act: { kind: 'gelu' },
  outputs: 3,
  loss: 'ce',
  ...over,
});

/** Smooth graphs covering every op: conv, pooling, BatchNorm, LayerNorm, residual adds, attention. */
const smooth: readonly (readonly [string, () => Graph])[] = [
  [
    'CNN with BatchNorm, tanh, pooling',
    () =>
      cnnGraph({
        input: [3, 2, 6, 6],
        convs: [
          { channels: 3, k: 3, stride: 1, pad: 1 },
          { channels: 4, k: 2, stride: 2, pad: 0 },
        ],
        batchNorm: true,
        act: { kind: 'tanh' },
        pool: 1,
        classes: 3,
        loss: 'ce',
      }),
  ],
  [
    'CNN with GELU and average pooling, squared loss',
    () =>
      cnnGraph({
        input: [2, 1, 8, 8],
        convs: [{ channels: 2, k: 3, stride: 1, pad: 0 }],
        batchNorm: false,
        act: { kind: 'gelu' },
        pool: 2,
        classes: 2,
        loss: 'mse',
      }),
  ],
  [
    'residual MLP',
    () =>
      residualGraph({
        batch: 4,
        inputs: 3,
        width: 4,
        hidden: 5,
        blocks: 2,
        outputs: 2,
        act: { kind: 'tanh' },
        loss: 'mse',
      }),
  ],
  ['transformer block', () => transformerGraph(transformer())],
  [
    // The evaluator shares adjoint arrays where an op passes its adjoint through (reshape; x of x + b
    // and the terms of a sum, when used once): nodes used once and twice, a sum of a node with itself.
    'shared adjoints: reshapes, biases and sums of nodes used once and twice',
    () => {
      const b = new GraphBuilder();
      const tanh = { kind: 'tanh' } as const;
      const z = b.dense(b.input([4, 3]), b.param('W', [6, 3]));
      const once = b.reshape(b.act(z, tanh), [4, 6]);
      const twice = b.reshape(z, [4, 6]);
      const s = b.add(once, b.addBias(z, b.param('c', [6]), 1));
      const t = b.add(b.add(s, s), b.act(twice, tanh));
      const u = b.addBias(b.reshape(b.act(t, tanh), [4, 6]), b.param('e', [6]), 1);
      const f = b.dense(b.act(u, tanh), b.param('V', [2, 6]), b.param('d', [2]));
      return b.build(b.loss('mse', f, b.target([4, 2])));
    },
  ],
  ['causal transformer block', () => transformerGraph(transformer({ causal: true, layerNorm: false }))],
];

describe.each(smooth)('%s: gradients and H v', (_name, make) => {
  const g = make();
  it('⟨∇L, u⟩ and H v match central finite differences', () => {
    for (const seed of [1, 2, 3]) {
      const { theta, data, v } = sample(g, seed);
      const e = evaluateGraph(g, theta, data, v);
      const h = 1e-5;
      const at = (t: number): Float64Array => theta.map((x, i) => x + t * v[i]!);
      const lp = evaluateGraph(g, at(h), data),
        lm = evaluateGraph(g, at(-h), data);
      const fd = (lp.loss - lm.loss) / (2 * h);
      expect(Math.abs(fd - dotOf(e.grad, v))).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(fd)));
      const fdHv = lp.grad.map((x, i) => (x - lm.grad[i]!) / (2 * h));
      expect(rel(fdHv, e.hv!)).toBeLessThanOrEqual(1e-6);
    }
  });
  it('forward mode and reverse mode agree, and the Hessian is symmetric (exact identities)', () => {
    for (const seed of [4, 5, 6]) {
      const { theta, data, v } = sample(g, seed);
      const u = sample(g, seed + 100).v;
      const ev = evaluateGraph(g, theta, data, v),
        eu = evaluateGraph(g, theta, data, u);
      const scale = ev.grad.reduce((s, x, i) => s + Math.abs(x * v[i]!), 0);
      expect(Math.abs(ev.lossDot! - dotOf(ev.grad, v))).toBeLessThanOrEqual(1e-13 * scale);
      const a = dotOf(u, ev.hv!),
        b = dotOf(v, eu.hv!);
      const hs = u.reduce((s, x, i) => s + Math.abs(x * ev.hv![i]!), 0);
      expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * hs);
    }
  });
});
