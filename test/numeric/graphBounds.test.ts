/**
 * The graph's rounding scales (numeric/graph/bounds.ts): every gradient and H v entry's bound is at
 * least its magnitude (a sum of |contributions| is at least |their sum|), and two float64
 * evaluations that sum in different orders — the graph against PyTorch, the graph's MLP against the
 * hand-written one — differ by a small multiple of ε times it, also where the entry cancels to
 * (nearly) zero: the conv biases before BatchNorm and the attention key biases, whose gradients
 * vanish exactly, are rounding noise on that scale.
 */
import fc from 'fast-check';
import fixtures from '../fixtures/torch-graph.json';
import { type Graph, evaluateGraph } from '../../numeric/graph/graph';
import {
  type CnnSpec,
  cnnGraph,
  mlpGraph,
  type ResidualSpec,
  residualGraph,
  type TransformerSpec,
  transformerGraph,
} from '../../numeric/graph/models';
import { activation, buildNetwork, evaluate, type MlpSpec } from '../../numeric/mlp';
import { mat } from '../../numeric/linalg';
import { rng } from '../../numeric/rng';
import { DegenerateSample } from '../../numeric/errors';
import { nonlinearBackward, nonlinearForward } from '../../numeric/graph/bounds';
import { backward, forward, type Node, tangent } from '../../numeric/graph/ops';
import { sizeOf } from '../../numeric/graph/shape';

const EPS = Number.EPSILON;
/**
 * Two evaluations in different summation orders differ, entry by entry, by a few ε times the sum of
 * what cancelled (observed: at most 0.3 ε on these models); 16 ε leaves room, and an op whose bound
 * rule missed a contribution would show differences of order ε·|what was missed|/bound ≫ 16 ε
 * wherever that contribution dominates.
 */
const WITHIN = 16 * EPS;

/** Largest |a − b| / bound over the entries that differ (0/0 counts as agreement). */
function worst(a: ArrayLike<number>, b: ArrayLike<number>, bound: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > 0) w = Math.max(w, d / bound[i]!);
  }
  return w;
}
const covers = (bound: ArrayLike<number>, x: ArrayLike<number>): boolean =>
  Array.from(x).every((v, i) => bound[i]! >= Math.abs(v) * (1 - 1e-12));

function build(kind: string, spec: unknown): Graph {
  if (kind === 'cnn') return cnnGraph(spec as CnnSpec);
  if (kind === 'residual') return residualGraph(spec as ResidualSpec);
  return transformerGraph(spec as TransformerSpec);
}

describe.each(fixtures.cases.map((c) => [c.name, c] as const))('%s: rounding scales', (_name, c) => {
  const g = build(c.kind, c.spec);
  const e = evaluateGraph(
    g,
    Float64Array.from(c.theta),
    { x: Float64Array.from(c.x), y: Float64Array.from(c.y) },
    Float64Array.from(c.v),
    { bound: true },
  );
  it('cover every entry, and PyTorch differs from the graph by at most 16 ε of them', () => {
    expect(covers(e.gradBound!, e.grad)).toBe(true);
    expect(covers(e.hvBound!, e.hv!)).toBe(true);
    expect(worst(e.grad, c.grad, e.gradBound!)).toBeLessThanOrEqual(WITHIN);
    expect(worst(e.hv!, c.hv, e.hvBound!)).toBeLessThanOrEqual(WITHIN);
  });
  it('measure the gradients a translation makes vanish as rounding noise', () => {
    const zero = g.params.filter((p) => p.name === 'b_K' || (p.name.startsWith('cb') && c.spec.batchNorm));
    for (const p of zero)
      for (let i = p.offset; i < p.offset + p.shape[0]!; i++)
        expect(Math.abs(e.grad[i]!)).toBeLessThanOrEqual(WITHIN * e.gradBound![i]!);
  });
});

describe("the graph's MLP and the hand-written MLP", () => {
  it('differ by at most 16 ε of the graph’s scales, gradient and H v', () => {
    fc.assert(
      fc.property(
        fc.record({
          widths: fc.array(fc.integer({ min: 2, max: 5 }), { minLength: 2, maxLength: 4 }),
          act: fc.constantFrom('relu', 'leaky', 'linear', 'tanh', 'poly' as const),
          norm: fc.constantFrom('none', 'batch', 'layer' as const),
          affine: fc.boolean(),
          loss: fc.constantFrom('mse', 'ce' as const),
          bias: fc.boolean(),
          batch: fc.integer({ min: 3, max: 6 }),
          seed: fc.integer({ min: 1, max: 1e6 }),
        }),
        (c) => {
          const spec: MlpSpec = { ...c, act: activation(c.act, 2) };
          const net = buildNetwork(spec);
          const g = mlpGraph(spec, c.batch);
          const r = rng(c.seed);
          const vec = (n: number, s: number): Float64Array =>
            Float64Array.from({ length: n }, () => s * r.normal());
          const theta = vec(net.size, 0.5),
            v = vec(net.size, 1);
          const [d0, out] = [c.widths[0]!, c.widths[c.widths.length - 1]!];
          const x = vec(c.batch * d0, 1);
          const y = new Float64Array(c.batch * out);
          for (let i = 0; i < c.batch; i++) y[i * out + r.int(out)] = 1;
          try {
            const e = evaluate(net, theta, { X: mat(c.batch, d0, x), Y: mat(c.batch, out, y) }, v);
            const h = evaluateGraph(g, theta, { x, y }, v, { bound: true });
            expect(covers(h.gradBound!, h.grad)).toBe(true);
            expect(worst(h.grad, e.grad, h.gradBound!)).toBeLessThanOrEqual(WITHIN);
            expect(worst(h.hv!, e.hv!, h.hvBound!)).toBeLessThanOrEqual(WITHIN);
          } catch (err) {
            if (!(err instanceof DegenerateSample)) throw err;
          }
        },
      ),
      { numRuns: 150, seed: 11 },
    );
  });
});

/**
 * Each nonlinear op's absolute rules against its exact ones (numeric/graph/ops.ts): the adjoint
 * bound is at least |J|ᵀ a (J's columns from the exact tangent rule), the R-adjoint bound at least
 * |J̇ᵀ a| (the exact R-rule with Rȳ = 0), the forward and tangent magnitudes at least |J| M and |J| T.
 * A rule that drops a term falls below these on some input.
 */
describe('nonlinear bound rules dominate the exact Jacobians', () => {
  const ops: readonly (readonly [string, Node])[] = [
    ['tanh', { op: { kind: 'act', act: { kind: 'tanh' } }, inputs: [0], shape: [3, 4] }],
    ['GELU', { op: { kind: 'act', act: { kind: 'gelu' } }, inputs: [0], shape: [3, 4] }],
    ['z³', { op: { kind: 'act', act: { kind: 'poly', degree: 3 } }, inputs: [0], shape: [3, 4] }],
    ['softmax', { op: { kind: 'softmax', causal: false }, inputs: [0], shape: [3, 4] }],
    ['causal softmax', { op: { kind: 'softmax', causal: true }, inputs: [0], shape: [2, 4, 4] }],
    [
      'LayerNorm',
      { op: { kind: 'normalize', label: 'LayerNorm', groups: 'rows' }, inputs: [0], shape: [3, 4] },
    ],
    [
      'BatchNorm',
      { op: { kind: 'normalize', label: 'BatchNorm', groups: 'channels' }, inputs: [0], shape: [3, 2, 2] },
    ],
  ];
  it.each(ops)('%s', (_name, node) => {
    const n = sizeOf(node.shape);
    const shapes = [node.shape];
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = rng(seed);
      const vec = (f: () => number): Float64Array => Float64Array.from({ length: n }, f);
      const x = vec(() => 2 * r.normal());
      const y = forward(node, shapes, [x]);
      const t = vec(() => r.normal());
      const a = vec(() => Math.abs(r.normal()));
      // |J| column by column from the exact tangent rule.
      const J: Float64Array[] = [];
      for (let k = 0; k < n; k++) {
        const e = new Float64Array(n);
        e[k] = 1;
        J.push(tangent({ node, shapes, x: [x], dx: [e], y }));
      }
      const absJt = (w: Float64Array): Float64Array =>
        vec(() => 0).map((_, k) => J[k]!.reduce((s, v, i) => s + Math.abs(v) * w[i]!, 0));
      const absJ = (w: Float64Array): Float64Array =>
        vec(() => 0).map((_, i) => J.reduce((s, col, k) => s + Math.abs(col[i]!) * w[k]!, 0));
      const dy = tangent({ node, shapes, x: [x], dx: [t], y });
      // Exact J̇ᵀ a: the R-adjoint with Rȳ = 0.
      const exact = { adj: new Float64Array(n), radj: new Float64Array(n) };
      backward({ node, shapes, x: [x], dx: [t], y, dy }, a, new Float64Array(n), [exact]);
      const mx = x.map((v) => Math.abs(v) * (1 + r.next()));
      const tx = t.map(Math.abs);
      const [m, tm] = nonlinearForward(node, x, y, mx, tx);
      const bound = { adj: new Float64Array(n), radj: new Float64Array(n) };
      nonlinearBackward(node, x, y, tx, tm, { adj: a, radj: new Float64Array(n) }, bound);
      const slack = 1 - 1e-12;
      const lower = (b: Float64Array, l: Float64Array): void =>
        l.forEach((v, i) => expect(b[i]!).toBeGreaterThanOrEqual(Math.abs(v) * slack));
      lower(bound.adj, absJt(a));
      lower(bound.radj, exact.radj);
      lower(m, absJ(mx));
      lower(tm!, absJ(tx));
    }
  });
});
