/**
 * Every conservation law of one self-attention layer [MPG25] — `noether laws --arch attention:…`
 * against closed forms derived here, independently of the toolkit's computation (docs/theory.md §6.1).
 *
 * The layer depends on θ only through M_h = W_Q,hᵀW_K,h and N_h = W_O,hW_V,h per head (PyTorch's
 * layout: W_Q,h the head's d_head rows of W_Q, W_O,h its d_head columns of W_O). Each is a two-layer
 * linear factorisation with r = d_head hidden units between d inputs and d outputs, on its own
 * variables, so the laws are those of two independent two-layer linear networks per head: the entries
 * of W_Q,hW_Q,hᵀ − W_K,hW_K,hᵀ and of W_V,hW_V,hᵀ − W_O,hᵀW_O,h (the Gram matrices of the form
 * diag(I, −I) on the d_head columns of [W_Q,hᵀ; W_K,hᵀ] ∈ ℝ²ᵈ, resp. [W_V,hᵀ; W_O,h]):
 * d_head(d_head + 1)/2 each while d_head ≤ 2d, N·r − N(N − 1)/2 with N = 2d beyond.
 * With biases the query bias is one more input row of the scores (N = 2d + 1), the key bias is
 * ignored by the softmax (its d_head entries are each conserved, gradient zero), and the value biases
 * join the output bias as b_O + Σ_h W_O,h b_V,h: the brackets of that field with one head's N_h
 * fields separate the heads again (they act on that head's variables only) and b_O is a translation, so
 * each head keeps the laws of W̃_V,h = [W_V,h | b_V,h] against W_O,h (N = 2d + 1).
 *
 * The found laws are then checked on the real layer's gradients (numeric/graph, exact float64):
 * ⟨∇h, ∇L⟩ = 0 to IDENTITY_TOLERANCE relative to ‖∇h‖‖∇L‖, with a negative twin (a data term in one
 * head's raw W_K) that breaks exactly that head's query–key laws. The reparametrisation argument's
 * assumption — the loss gradients over all data span the same space as the fields — is measured too:
 * equal numerical ranks, with a twin (the key-bias column counted as a field) that the check refutes.
 */
import { test, fc } from '@fast-check/jest';
import { lawsForArch, lawsOf } from '../../src/laws';
import { attentionFields, parseAttentionSpec, type AttentionLawSpec } from '../../src/laws/attention';
import { searchLaws } from '../../src/laws/search';
import { addPoly, gradient, mulPoly, variable, type Field, type Poly } from '../../src/laws/poly';
import { evaluateGraph, type Graph } from '../../numeric/graph/graph';
import { attentionLayerGraph } from '../../numeric/graph/attentionLayer';
import { svd } from '../../numeric/svd';
import { rng, type Rng } from '../../numeric/rng';
import { IDENTITY_TOLERANCE } from '../../src/verdict';
import { pairing, polyValue, sameSpan } from '../helpers/polyLaws';

/** Independent laws of x ↦ UVx, V of r × m, U of n × r: the Gram matrix of r vectors in ℝⁿ⁺ᵐ. */
function gram(m: number, r: number, n: number): number {
  const N = n + m;
  return r <= N ? (r * (r + 1)) / 2 : N * r - (N * (N - 1)) / 2;
}

/** The closed form for one attention layer (see above). */
function attentionLaws(d: number, H: number, dh: number, bias: boolean): number {
  return bias ? H * (2 * gram(d + 1, dh, d) + dh) : H * 2 * gram(d, dh, d);
}

describe('One attention layer: H·d_head(d_head + 1) laws while d_head ≤ 2d, the Gram count beyond [MPG25]', () => {
  const grid: [number, number, number][] = [];
  for (const d of [1, 2, 3]) for (const H of [1, 2]) for (const dh of [1, 2, 3, 5, 7]) grid.push([d, H, dh]);
  test.each(grid)('d = %i, %i heads of width %i, no biases: proved complete', (d, H, dh) => {
    const rep = lawsForArch(`attention:d${d}:h${H}x${dh}`, { symmetries: false });
    const expected = attentionLaws(d, H, dh, false);
    expect(rep.parameters).toBe(4 * H * dh * d);
    expect([rep.upperBound, rep.lowerBound, rep.complete]).toEqual([expected, expected, true]);
    if (dh <= 2 * d) expect(expected).toBe(H * dh * (dh + 1));
  });
  test.each([
    [1, 1, 1],
    [1, 2, 4],
    [2, 1, 2],
    [2, 2, 3],
    [2, 1, 6],
    [3, 2, 2],
  ])('d = %i, %i heads of width %i, with biases: the key bias adds d_head laws', (d, H, dh) => {
    const rep = lawsForArch(`attention:d${d}:h${H}x${dh}:bias`, { symmetries: false });
    const expected = attentionLaws(d, H, dh, true);
    expect([rep.upperBound, rep.lowerBound, rep.complete]).toEqual([expected, expected, true]);
  });
  it('the laws span the entries of W_Q,hW_Q,hᵀ − W_K,hW_K,hᵀ and W_V,hW_V,hᵀ − W_O,hᵀW_O,h', () => {
    const s = { dim: 3, heads: 2, headDim: 2, bias: false };
    const { polys, D } = lawPolys(s);
    expect(sameSpan(polys, closedLaws(s), D)).toBe(true);
    // the other orientation (W_Q,hᵀW_Q,h − W_K,hᵀW_K,h, d × d) is not what is conserved
    const at = offsets(s);
    const wrong = (t: Float64Array): number => {
      let v = 0;
      for (let a = 0; a < 2; a++) v += t[at.WQ + a * 3]! ** 2 - t[at.WK + a * 3]! ** 2;
      return v; // (W_QᵀW_Q − W_KᵀW_K)[1,1] of head 1
    };
    expect(sameSpan(polys, [...closedLaws(s), wrong], D)).toBe(false);
  });
  it('with biases: the augmented Gram matrices and each entry of the key bias', () => {
    const s = { dim: 2, heads: 2, headDim: 2, bias: true };
    const { polys, D } = lawPolys(s);
    expect(sameSpan(polys, closedLaws(s), D)).toBe(true);
  });
  it('negative twin: a field on one head’s raw W_K entries loses exactly that head’s query–key laws', () => {
    for (const [d, H, dh] of [
      [2, 2, 2],
      [3, 2, 1],
      [1, 3, 3],
    ] as const) {
      const s = { dim: d, heads: H, headDim: dh, bias: false };
      const src = attentionFields(s);
      const at = offsets(s);
      const raw: Field[] = [];
      for (let k = 0; k < dh * d; k++) raw.push(gradient(variable(at.WK + k)));
      const rep = lawsOf('twin', { ...src, fields: [...src.fields, ...raw] }, { symmetries: false });
      const expected = attentionLaws(d, H, dh, false) - gram(d, dh, d);
      expect([rep.upperBound, rep.lowerBound, rep.complete]).toEqual([expected, expected, true]);
    }
  });
});

describe('Spec grammar: malformed attention specs are one-line input errors', () => {
  test.each([
    ['attention', /width d<dim> is missing/],
    ['attention:d4', /heads h<heads>x<head dim> are missing/],
    ['attention:d4:h2', /unknown token 'h2'/],
    ['attention:d4:d3:h1x1', /width d is given twice/],
    ['attention:d0:h1x1', /the width d 0 is outside 1…16/],
    ['attention:d4:h9x1', /number of heads 9 is outside 1…8/],
    ['attention:d4:h1x17', /head width 17 is outside 1…16/],
    ['attention:d4:h1x1:relu', /unknown token 'relu'/],
    ['attention:d4:h1x1:bias:nobias', /given twice/],
  ])('%s', (spec, message) => {
    expect(() => parseAttentionSpec(spec)).toThrow(message);
  });
  it('within the per-axis limits, the parameter limit still holds', () => {
    expect(() => lawsForArch('attention:d16:h8x16')).toThrow(/parameters, over the limit 1200/);
  });
});

describe('The laws hold on the real layer: ⟨∇h, ∇L⟩ = 0 with exact float64 gradients (numeric/graph)', () => {
  const layer = fc.record({
    dim: fc.integer({ min: 1, max: 3 }),
    heads: fc.integer({ min: 1, max: 2 }),
    headDim: fc.integer({ min: 1, max: 3 }),
    bias: fc.boolean(),
    causal: fc.boolean(),
    seed: fc.integer({ min: 1, max: 1e6 }),
  });
  test.prop([layer], { numRuns: 20 })('sampled layers, random θ, data and targets', (a) => {
    const s: AttentionLawSpec = { dim: a.dim, heads: a.heads, headDim: a.headDim, bias: a.bias };
    const { polys } = lawPolys(s);
    const toGraph = graphIndex(s);
    const graph = attentionLayerGraph({ ...s, batch: 2, tokens: 3, causal: a.causal, loss: 'mse' });
    const r = rng(a.seed);
    const theta = sampleTheta(graph, s, r);
    const g = gradientOn(graph, theta, r);
    // the twin's loss adds ⟨Z, W_K,1⟩ for random Z: a data term in head 1's raw key weights
    const twin = Float64Array.from(g);
    const kBlock = graph.params.find((p) => p.name === 'W_K')!;
    for (let k = 0; k < s.headDim * s.dim; k++) twin[kBlock.offset + k]! += r.normal();
    for (const h of polys) {
      const hg = remap(h, toGraph);
      expect(pairing(hg, theta, g)).toBeLessThanOrEqual(IDENTITY_TOLERANCE);
      const touchesK1 = [...hg.values()].some((t) =>
        t.m.some((v) => v >= kBlock.offset && v < kBlock.offset + s.headDim * s.dim),
      );
      if (touchesK1) expect(pairing(hg, theta, twin)).toBeGreaterThan(IDENTITY_TOLERANCE);
      else expect(pairing(hg, theta, twin)).toBeLessThanOrEqual(IDENTITY_TOLERANCE);
    }
    expect(polys.length).toBe(attentionLaws(s.dim, s.heads, s.headDim, s.bias));
  });
});

/**
 * Numerical rank: singular values above this fraction of the largest. Gradients are exact up to
 * float64 rounding (relative ~1e-15 of the largest); the spread of random data and parameters keeps
 * the genuine directions many orders above this, so the two populations are separated by the cut.
 */
const RANK_CUT = 1e-9;

describe('The reparametrisation is generic: loss gradients over data span the fields’ span [MGP]', () => {
  test.each([
    [1, 1, 1, false, false],
    [2, 1, 2, false, true],
    [2, 2, 1, false, false],
    [2, 2, 3, false, false],
    [3, 1, 2, false, false],
    [2, 1, 2, true, false],
    [2, 2, 1, true, true],
  ])('d = %i, %i heads of width %i (biases %s, causal %s): equal ranks', (d, H, dh, bias, causal) => {
    const s = { dim: d, heads: H, headDim: dh, bias };
    const toGraph = graphIndex(s);
    const graph = attentionLayerGraph({ ...s, batch: 2, tokens: 4, causal, loss: 'mse' });
    const r = rng(17 + d + 10 * H + 100 * dh);
    const theta = sampleTheta(graph, s, r);
    const src = attentionFields(s);
    const fieldRows = src.fields.map((f) => fieldAt(f, toGraph, theta));
    const gradRows = Array.from({ length: 3 * src.fields.length + 10 }, () =>
      Array.from(restrict(gradientOn(graph, theta, r), toGraph)),
    );
    const rf = numericalRank(fieldRows);
    expect(numericalRank(gradRows)).toBe(rf);
    expect(numericalRank([...fieldRows, ...gradRows])).toBe(rf);
    // negative twin: the key-bias column of W̃_Q,hᵀW̃_K,h counted as a field (the softmax ignores it)
    if (bias) {
      const at = offsets(s);
      const extra: Field[] = [];
      for (let h = 0; h < H; h++)
        for (let i = 0; i <= d; i++) {
          let p: Poly = new Map();
          for (let a = h * dh; a < (h + 1) * dh; a++) {
            const q = i < d ? variable(at.WQ + a * d + i) : variable(at.bQ + a);
            p = addPoly(p, mulPoly(q, variable(at.bK + a)));
          }
          extra.push(gradient(p));
        }
      const wrongRows = [...fieldRows, ...extra.map((f) => fieldAt(f, toGraph, theta))];
      expect(numericalRank(wrongRows)).toBeGreaterThan(numericalRank(gradRows));
    }
  });
});

// ---------------------------------------------------------------- helpers (independent of src/laws)

/** Where each block starts among the spec's parameters (W_Q, b_Q, W_K, b_K, W_V, b_V, W_O, b_O). */
function offsets(s: AttentionLawSpec): Record<'WQ' | 'bQ' | 'WK' | 'bK' | 'WV' | 'bV' | 'WO' | 'bO', number> {
  const w = s.heads * s.headDim * s.dim;
  const b = s.bias ? s.heads * s.headDim : 0;
  return {
    WQ: 0,
    bQ: w,
    WK: w + b,
    bK: 2 * w + b,
    WV: 2 * w + 2 * b,
    bV: 3 * w + 2 * b,
    WO: 3 * w + 3 * b,
    bO: 4 * w + 3 * b,
  };
}

/** The closed-form laws as functions of the spec's parameters. */
function closedLaws(s: AttentionLawSpec): ((t: Float64Array) => number)[] {
  const { dim: d, heads: H, headDim: dh, bias } = s;
  const at = offsets(s);
  const rows = H * dh;
  // W̃ entries: column d of W_Q / W_V is its bias (with biases); W_O[o, a] is row-major [d, H·dh]
  const Q = (t: Float64Array, a: number, i: number): number =>
    i < d ? t[at.WQ + a * d + i]! : t[at.bQ + a]!;
  const K = (t: Float64Array, a: number, j: number): number => t[at.WK + a * d + j]!;
  const V = (t: Float64Array, a: number, i: number): number =>
    i < d ? t[at.WV + a * d + i]! : t[at.bV + a]!;
  const O = (t: Float64Array, o: number, a: number): number => t[at.WO + o * rows + a]!;
  const cols = bias ? d + 1 : d;
  const out: ((t: Float64Array) => number)[] = [];
  for (let h = 0; h < H; h++)
    for (let a = h * dh; a < (h + 1) * dh; a++) {
      for (let b = a; b < (h + 1) * dh; b++) {
        out.push((t) => {
          let v = 0;
          for (let i = 0; i < cols; i++) v += Q(t, a, i) * Q(t, b, i);
          for (let j = 0; j < d; j++) v -= K(t, a, j) * K(t, b, j);
          return v;
        });
        out.push((t) => {
          let v = 0;
          for (let i = 0; i < cols; i++) v += V(t, a, i) * V(t, b, i);
          for (let o = 0; o < d; o++) v -= O(t, o, a) * O(t, o, b);
          return v;
        });
      }
      if (bias) out.push((t) => t[at.bK + a]!);
    }
  return out;
}

function lawPolys(s: AttentionLawSpec): { polys: Poly[]; D: number } {
  const src = attentionFields(s);
  const r = rng(7);
  const theta = src.names.map(() => 1 + Math.floor(r.next() * 1e7));
  const found = searchLaws(src.fields, src.names.length, 2, theta);
  if (found.kind !== 'searched') throw new Error('search skipped');
  return { polys: found.laws.map((l) => l.poly), D: src.names.length };
}

/** The spec's parameter k → its index in the graph's θ, read from the graph's blocks by name. */
function graphIndex(s: AttentionLawSpec): number[] {
  const graph = attentionLayerGraph({ ...s, batch: 1, tokens: 1, causal: false, loss: 'mse' });
  const names = attentionFields(s).names;
  return names.map((n) => {
    const m = /^(\w+)\[(\d+)(?:,(\d+))?\]$/.exec(n)!;
    const block = graph.params.find((p) => p.name === m[1])!;
    const col = m[3] === undefined ? 0 : Number(m[3]) - 1;
    return block.offset + (Number(m[2]) - 1) * (block.shape[1] ?? 1) + col;
  });
}

const remap = (h: Poly, to: readonly number[]): Poly =>
  new Map(
    [...h.values()].map((t) => [t.m.map((v) => to[v]!).join(','), { ...t, m: t.m.map((v) => to[v]!) }]),
  );

/** Random θ for the graph; biases zero when the spec has none (the layer without them). */
function sampleTheta(graph: Graph, s: AttentionLawSpec, r: Rng): Float64Array {
  const theta = new Float64Array(graph.size);
  for (const p of graph.params) {
    const n = p.shape.reduce((x, y) => x * y, 1);
    if (p.name.startsWith('b_') && !s.bias) continue;
    for (let k = 0; k < n; k++) theta[p.offset + k] = r.normal();
  }
  return theta;
}

function gradientOn(graph: Graph, theta: Float64Array, r: Rng): Float64Array {
  const n = (shape: readonly number[]): number => shape.reduce((x, y) => x * y, 1);
  const x = Float64Array.from({ length: n(graph.input) }, () => 2 * r.normal());
  const y = Float64Array.from({ length: n(graph.target) }, () => r.normal());
  return evaluateGraph(graph, theta, { x, y }).grad;
}

/** The spec's coordinates of a graph vector (a model without biases has no bias coordinates). */
const restrict = (v: Float64Array, to: readonly number[]): number[] => to.map((k) => v[k]!);

/** A field's value at the graph's θ, in the spec's coordinates. */
function fieldAt(f: Field, to: readonly number[], theta: Float64Array): number[] {
  const local = to.map((k) => theta[k]!);
  const out = new Array<number>(to.length).fill(0);
  for (const [a, p] of f) out[a] = polyValue(p, local);
  return out;
}

function numericalRank(rows: readonly (readonly number[])[]): number {
  const sigma = svd(rows).sigma;
  const top = sigma[0] ?? 0;
  return sigma.filter((x) => x > RANK_CUT * top).length;
}
