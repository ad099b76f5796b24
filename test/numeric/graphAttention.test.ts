/**
 * Symmetries of multi-head self-attention, checked on the graph layer's transformer block: the
 * scores Q_h K_hᵀ are unchanged by (W_Q,h, b_Q,h) → A·(W_Q,h, b_Q,h), (W_K,h, b_K,h) → A⁻ᵀ·(…) for
 * any invertible d_head × d_head A, and the values-output product by W_V,h → A W_V,h (and b_V,h),
 * W_O[:, h] → W_O[:, h] A⁻¹; adding a vector to a head's key bias adds to every score of a row the
 * same q·c, which the softmax over keys ignores (causal or not). Negative twins: A⁻¹ in place of
 * A⁻ᵀ, and the query bias, which is no translation symmetry.
 */
import { solve } from '../../numeric/linalg';
import { rng } from '../../numeric/rng';
import { type Graph, type GraphData, evaluateGraph } from '../../numeric/graph/graph';
import { transformerGraph, type TransformerSpec } from '../../numeric/graph/models';
import { sizeOf } from '../../numeric/graph/shape';

const spec = (causal: boolean): TransformerSpec => ({
  batch: 2,
  tokens: 5,
  dim: 6,
  heads: 2,
  headDim: 3,
  hidden: 4,
  causal,
  layerNorm: true,
  act: { kind: 'gelu' },
  outputs: 3,
  loss: 'ce',
});

/**
 * A moved parameter vector is rounded (A's condition number is O(1)), and the loss then differs from
 * the unmoved one by rounding of its evaluation, about 1e-15 relative per op: 1e-11 leaves room, and
 * a broken symmetry moves the loss by far more than 1e-6.
 */
const INVARIANT = 1e-11;
type M = number[][];
const tr = (A: M): M => A[0]!.map((_, j) => A.map((r) => r[j]!));
const inv = (A: M): M =>
  tr(
    A.map((_, j) =>
      solve(
        A,
        A.map((__, i) => (i === j ? 1 : 0)),
      ),
    ),
  );

function setup(causal: boolean, seed: number): { g: Graph; theta: Float64Array; data: GraphData } {
  const g = transformerGraph(spec(causal));
  const r = rng(seed);
  const theta = Float64Array.from({ length: g.size }, () => r.normal() / 2);
  const x = Float64Array.from({ length: sizeOf(g.input) }, () => r.normal());
  const y = new Float64Array(sizeOf(g.target));
  for (let i = 0; i < g.target[0]!; i++) y[i * 3 + r.int(3)] = 1;
  return { g, theta, data: { x, y } };
}
const block = (g: Graph, name: string): { offset: number; rows: number; cols: number } => {
  const p = g.params.find((q) => q.name === name)!;
  return { offset: p.offset, rows: p.shape[0]!, cols: p.shape.length > 1 ? p.shape[1]! : 1 };
};
/**
 * Rows h·dh … (h+1)·dh of a [H·dh, cols] block (a bias is a column) of `from`, times A, written into
 * `to` (by default `from` itself).
 */
function leftMul(from: Float64Array, g: Graph, name: string, h: number, A: M, to = from): void {
  const { offset, cols } = block(g, name);
  const dh = A.length;
  for (let c = 0; c < cols; c++) {
    const col = A.map((_, i) => from[offset + (h * dh + i) * cols + c]!);
    A.forEach(
      (row, i) => (to[offset + (h * dh + i) * cols + c] = row.reduce((s, a, k) => s + a * col[k]!, 0)),
    );
  }
}
/** Columns h·dh … (h+1)·dh of W_O [d, H·dh] replaced by those columns times B. */
function rightMul(theta: Float64Array, g: Graph, name: string, h: number, B: M): void {
  const { offset, rows, cols } = block(g, name);
  const dh = B.length;
  for (let r = 0; r < rows; r++) {
    const row = B.map((_, k) => theta[offset + r * cols + h * dh + k]!);
    B.forEach(
      (_, j) => (theta[offset + r * cols + h * dh + j] = row.reduce((s, x, k) => s + x * B[k]![j]!, 0)),
    );
  }
}
const randomA = (seed: number): M => {
  const r = rng(seed);
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? 1.5 : 0) + r.normal() * 0.6));
};

describe.each([false, true])('attention symmetries (causal: %s)', (causal) => {
  it('GL(d_head) on (W_Q, W_K): the loss is unchanged by A and A⁻ᵀ; A⁻¹ in place of A⁻ᵀ changes it', () => {
    for (const seed of [1, 2, 3]) {
      const { g, theta, data } = setup(causal, seed);
      const L0 = evaluateGraph(g, theta, data).loss;
      const A = randomA(seed + 10);
      const moved = (kInverse: M): number => {
        const t = theta.slice();
        for (const h of [0, 1]) {
          leftMul(t, g, 'W_Q', h, A);
          leftMul(t, g, 'b_Q', h, A);
          leftMul(t, g, 'W_K', h, kInverse);
          leftMul(t, g, 'b_K', h, kInverse);
        }
        return evaluateGraph(g, t, data).loss;
      };
      expect(Math.abs(moved(tr(inv(A))) - L0)).toBeLessThanOrEqual(INVARIANT * Math.abs(L0));
      expect(Math.abs(moved(inv(A)) - L0)).toBeGreaterThan(1e-6 * Math.abs(L0));
    }
  });
  it('GL(d_head) on (W_V, W_O): W_V,h → A W_V,h, W_O[:, h] → W_O[:, h] A⁻¹ keeps the loss', () => {
    for (const seed of [4, 5]) {
      const { g, theta, data } = setup(causal, seed);
      const L0 = evaluateGraph(g, theta, data).loss;
      const A = randomA(seed + 10);
      const t = theta.slice();
      for (const h of [0, 1]) {
        leftMul(t, g, 'W_V', h, A);
        leftMul(t, g, 'b_V', h, A);
        rightMul(t, g, 'W_O', h, inv(A));
      }
      expect(Math.abs(evaluateGraph(g, t, data).loss - L0)).toBeLessThanOrEqual(INVARIANT * Math.abs(L0));
      // Twin: A on the values without its inverse on the output projection.
      const u = theta.slice();
      leftMul(u, g, 'W_V', 0, A);
      expect(Math.abs(evaluateGraph(g, u, data).loss - L0)).toBeGreaterThan(1e-6 * Math.abs(L0));
    }
  });
  it('the gradient constraint of the generator E: ⟨g_Q, E Q⟩ − ⟨g_K, Eᵀ K⟩ = 0 per head', () => {
    for (const seed of [6, 7, 8]) {
      const { g, theta, data } = setup(causal, seed);
      const { grad } = evaluateGraph(g, theta, data);
      const E = randomA(seed + 20);
      // d/dε of the loss along e^{εE} on the queries and e^{−εEᵀ} on the keys, from the gradient.
      let s = 0,
        scale = 0;
      for (const h of [0, 1])
        for (const [name, F, sign] of [
          ['W_Q', E, 1],
          ['b_Q', E, 1],
          ['W_K', tr(E), -1],
          ['b_K', tr(E), -1],
        ] as const) {
          // The generator's direction on this block: F times head h's rows, zero elsewhere.
          const t = new Float64Array(theta.length);
          leftMul(theta, g, name, h, F, t);
          const { offset, rows, cols } = block(g, name);
          for (let i = offset; i < offset + rows * cols; i++) {
            s += sign * grad[i]! * t[i]!;
            scale += Math.abs(grad[i]! * t[i]!);
          }
        }
      expect(Math.abs(s)).toBeLessThanOrEqual(1e-13 * scale);
      expect(scale).toBeGreaterThan(0);
    }
  });
  it("a head's key bias is a translation: its gradient vanishes; the query bias's does not", () => {
    for (const seed of [9, 10]) {
      const { g, theta, data } = setup(causal, seed);
      const { grad } = evaluateGraph(g, theta, data);
      const part = (name: string): Float64Array => {
        const { offset, rows, cols } = block(g, name);
        return grad.subarray(offset, offset + rows * cols);
      };
      const big = Math.max(...part('b_Q').map(Math.abs));
      expect(big).toBeGreaterThan(1e-6);
      expect(Math.max(...part('b_K').map(Math.abs))).toBeLessThanOrEqual(
        1e-14 * Math.max(...grad.map(Math.abs)),
      );
    }
  });
  it('twin: a nonlinearity on the keys (tanh after the projection) breaks the key-bias translation', () => {
    for (const seed of [9, 10]) {
      const { theta, data } = setup(causal, seed);
      const g = transformerGraph({ ...spec(causal), keyAct: { kind: 'tanh' } });
      const { grad } = evaluateGraph(g, theta, data);
      const { offset, rows, cols } = block(g, 'b_K');
      const bK = Math.max(...grad.subarray(offset, offset + rows * cols).map(Math.abs));
      expect(bK).toBeGreaterThan(1e-6 * Math.max(...grad.map(Math.abs)));
    }
  });
});
