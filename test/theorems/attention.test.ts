/**
 * Theorems of attention and convolution layers, on graph models (numeric/graph): GL(d_head) acting
 * on a head's query and key projections (and on its value and output projections) conserves the
 * d_head × d_head matrix ½(W̃_K W̃_Kᵀ − W̃_Q W̃_Qᵀ) (and ½(W̃_V W̃_Vᵀ − W_O,hᵀ W_O,h)) under
 * gradient flow; a head's key bias does not move; a convolution channel of a ReLU network keeps
 * ‖w_in‖² − ‖w_out‖². The matrices are computed here from the parameters by name, independently of
 * the sites and of the derivation, and their time derivative −∇L·∂C is checked against rounding;
 * then the catalog entries are derived and checked by the toolkit, with negative twins (the inverse
 * on the wrong side of the product refutes).
 */
import { integrate } from '../../numeric/ode';
import { rng } from '../../numeric/rng';
import { type Graph, type GraphData, evaluateGraph } from '../../numeric/graph/graph';
import { transformerGraph, type TransformerSpec } from '../../numeric/graph/models';
import { sizeOf } from '../../numeric/graph/shape';
import { loadCatalog } from '../../src/catalog';
import { parseDeclarationText } from '../../src/declaration/load';
import { checkDeclaration } from '../../src/check/block';
import type { BlockDeclaration } from '../../src/declaration/types';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const spec = (causal: boolean): TransformerSpec => ({
  batch: 2,
  tokens: 3,
  dim: 4,
  heads: 2,
  headDim: 2,
  hidden: 3,
  causal,
  layerNorm: true,
  act: { kind: 'gelu' },
  outputs: 2,
  loss: 'ce',
});

function sample(g: Graph, seed: number): { theta: Float64Array; data: GraphData } {
  const r = rng(seed);
  const theta = Float64Array.from({ length: g.size }, () => 0.5 * r.normal());
  const x = Float64Array.from({ length: sizeOf(g.input) }, () => r.normal());
  const y = new Float64Array(sizeOf(g.target));
  for (let i = 0; i < g.target[0]!; i++) y[i * g.target[1]! + r.int(g.target[1]!)] = 1;
  return { theta, data: { x, y } };
}

/** Rows of head h of W̃ = [W | b] read from a vector by parameter names: dh × (d + 1). */
function headRows(g: Graph, v: Float64Array, w: string, b: string, h: number, dh: number): number[][] {
  const W = g.params.find((p) => p.name === w)!,
    B = g.params.find((p) => p.name === b)!;
  const d = W.shape[1]!;
  return Array.from({ length: dh }, (_, i) => [
    ...Array.from({ length: d }, (_, j) => v[W.offset + (h * dh + i) * d + j]!),
    v[B.offset + h * dh + i]!,
  ]);
}
/** Columns of head h of W_O [d, H·dh] as a dh × d matrix (W_O,hᵀ). */
function outCols(g: Graph, v: Float64Array, h: number, dh: number): number[][] {
  const O = g.params.find((p) => p.name === 'W_O')!;
  const [d, width] = O.shape as [number, number];
  return Array.from({ length: dh }, (_, j) =>
    Array.from({ length: d }, (_, i) => v[O.offset + i * width + h * dh + j]!),
  );
}
/** A Bᵀ + B Aᵀ for row-stacked A, B (the derivative of A Aᵀ along Ȧ = B). */
function symProduct(A: number[][], B: number[][]): number[][] {
  return A.map((ai, i) =>
    A.map((aj, j) => ai.reduce((s, x, k) => s + x * B[j]![k]! + B[i]![k]! * aj[k]!, 0)),
  );
}
const absProduct = (A: number[][], B: number[][]): number =>
  A.reduce(
    (s, ai, i) =>
      s +
      A.reduce(
        (t, aj, j) =>
          t + ai.reduce((u, x, k) => u + Math.abs(x * B[j]![k]!) + Math.abs(B[i]![k]! * aj[k]!), 0),
        0,
      ),
    0,
  );

describe.each([false, true])('attention charges under gradient flow (causal: %s)', (causal) => {
  const g = transformerGraph(spec(causal));
  const dh = spec(causal).headDim;
  it('dC/dt = 0 for C = ½(W̃_K W̃_Kᵀ − W̃_Q W̃_Qᵀ), ½(W̃_V W̃_Vᵀ − W_O,hᵀ W_O,h) per head', () => {
    for (const seed of [1, 2, 3]) {
      const { theta, data } = sample(g, seed);
      const { grad } = evaluateGraph(g, theta, data);
      const minus = grad.map((x) => -x);
      for (const h of [0, 1]) {
        for (const [plus, minusPart] of [
          [
            (v: Float64Array) => headRows(g, v, 'W_K', 'b_K', h, dh),
            (v: Float64Array) => headRows(g, v, 'W_Q', 'b_Q', h, dh),
          ],
          [
            (v: Float64Array) => headRows(g, v, 'W_V', 'b_V', h, dh),
            (v: Float64Array) => outCols(g, v, h, dh),
          ],
        ] as const) {
          const dP = symProduct(plus(theta), plus(minus)),
            dM = symProduct(minusPart(theta), minusPart(minus));
          const scale = absProduct(plus(theta), plus(minus)) + absProduct(minusPart(theta), minusPart(minus));
          const worst = Math.max(...dP.flatMap((row, i) => row.map((x, j) => Math.abs(x - dM[i]![j]!))));
          expect(scale).toBeGreaterThan(0);
          expect(worst).toBeLessThanOrEqual(1e-13 * scale);
        }
      }
    }
  });
  it('stay constant along an integrated flow while the weights move (drift against the tolerance)', () => {
    const { theta, data } = sample(g, 7);
    const flow = (_t: number, th: Float64Array): Float64Array =>
      evaluateGraph(g, th, data).grad.map((x) => -x);
    const r = integrate(flow, theta, 0, 2, { rtol: 1e-10, atol: 1e-12 });
    expect(r.completed).toBe(true);
    const C = (v: Float64Array): number[][] => {
      const K = headRows(g, v, 'W_K', 'b_K', 0, dh),
        Q = headRows(g, v, 'W_Q', 'b_Q', 0, dh);
      const kk = symProduct(K, K),
        qq = symProduct(Q, Q);
      return kk.map((row, i) => row.map((x, j) => (x - qq[i]![j]!) / 4));
    };
    const [c0, c1] = [C(theta), C(r.y)];
    const moved = Math.max(...theta.map((x, i) => Math.abs(r.y[i]! - x)));
    const drift = Math.max(...c0.flatMap((row, i) => row.map((x, j) => Math.abs(c1[i]![j]! - x))));
    expect(moved).toBeGreaterThan(1e-2);
    // The integrator's local tolerance 1e-10 relative, over the steps taken: 1e-7 leaves room.
    expect(drift).toBeLessThanOrEqual(1e-7);
  });
});

const twin = (name: string, from: string, to: string): BlockDeclaration => {
  const text = readFileSync(join(__dirname, '../../catalog', `${name}.yaml`), 'utf8');
  if (!text.includes(from)) throw new Error(`the twin's anchor ${from} is not in ${name}.yaml`);
  return parseDeclarationText(text.replace(from, to), `${name} (twin)`) as BlockDeclaration;
};

describe('the catalog entries, derived from their actions and checked on sampled graph models', () => {
  it.each(['attention-qk', 'attention-vo', 'key-bias', 'channel-rescale'])(
    '%s: every law verified',
    (name) => {
      const decl = loadCatalog(name) as BlockDeclaration;
      const report = checkDeclaration(decl, { runs: 40 });
      expect(report.laws.length).toBeGreaterThanOrEqual(3);
      for (const l of report.laws) expect(l.verdict.kind).toBe('numerically-verified');
      expect(report.verdict.kind).toBe('numerically-verified');
    },
  );
  it.each([
    ['attention-qk', 'Qt: Qt*expm(-a*E)', 'Qt: Qt*expm(a*E)'],
    ['attention-vo', 'O: O*expm(-a*E)', 'O: O*expm(a*E)'],
    ['channel-rescale', 'w_out: exp(-a)*w_out', 'w_out: exp(a)*w_out'],
  ])('negative twin of %s (%s becomes %s) is refuted with a replayable case', (name, from, to) => {
    const report = checkDeclaration(twin(name, from, to), { runs: 40 });
    expect(report.verdict.kind).toBe('refuted');
    expect(report.counterexample?.replay.path).toBeTruthy();
  });
});
