/**
 * The ops of a float64 computation graph, each with its four rules: value, tangent (forward mode,
 * ẏ = J ẋ), adjoint (x̄ += Jᵀ ȳ) and R-adjoint (R x̄ = d/dt x̄(θ + t v), Pearlmutter's R-operator),
 * so that at the parameters R(∇L) = H v exactly, as in numeric/mlp.ts but op by op.
 *
 * Tensors are row-major Float64Arrays with a shape. An op is plain data (`kind` plus its settings);
 * the rules are the functions below, dispatched on the kind.
 */
import { type Activation, actFns } from '../mlp';
import { arenaArray } from '../kernels';
import { addAB, addAtB, batchedProducts, type Mat, mat, mulABt, zeros } from '../linalg';
import {
  groupsOf,
  type NormGroups,
  normalizeBackward,
  normalizeForward,
  normalizeTangent,
} from './normalize';
import { sizeOf } from './shape';

/** An elementwise activation of the graph: the MLP's, plus GELU (tanh form). */
export type GraphActivation = Activation | { readonly kind: 'gelu' };

/** One op: what it computes from its inputs (in `Node.inputs` order). */
export type Op =
  /** A block of θ (no inputs). */
  | { readonly kind: 'param'; readonly name: string; readonly offset: number }
  /** The data: inputs x or targets y (no inputs, no gradient). */
  | { readonly kind: 'data'; readonly role: 'x' | 'y' }
  /** Batched matrix product A·B or A·Bᵀ: [..., m, k] × [..., k, n] (or [..., n, k]) → [..., m, n]. */
  | { readonly kind: 'matmul'; readonly transB: boolean }
  /** x + b, b a vector broadcast along `axis` of x. */
  | { readonly kind: 'addBias'; readonly axis: number }
  /** x ⊙ γ + β, γ and β vectors broadcast along `axis` of x (a normalisation's scale and shift). */
  | { readonly kind: 'affine'; readonly axis: number }
  /** x₁ + x₂ (a residual connection). */
  | { readonly kind: 'add' }
  /** c · x. */
  | { readonly kind: 'scale'; readonly c: number }
  | { readonly kind: 'act'; readonly act: GraphActivation }
  /** Softmax over the last axis; `causal`: over [..., T, T] row t sees keys 0..t only. */
  | { readonly kind: 'softmax'; readonly causal: boolean }
  /** Axes permuted: output axis i is input axis axes[i]. */
  | { readonly kind: 'permute'; readonly axes: readonly number[] }
  /** The same entries with another shape. */
  | { readonly kind: 'reshape' }
  /**
   * Standardised, each group of entries to mean 0 and mean square 1 (ε = 0, so a scale of the
   * group is an exact symmetry): LayerNorm's rows or BatchNorm's channels.
   */
  | {
      readonly kind: 'normalize';
      readonly label: string;
      /**
       * `rows`: each row of the last axis (LayerNorm); `channels`: each channel (axis 1) of
       * [N, C, …] over the batch and the spatial axes (BatchNorm), read in place with its stride.
       */
      readonly groups: 'rows' | 'channels';
    }
  /** 2-D convolution, NCHW input, OIHW kernel (no bias). */
  | { readonly kind: 'conv2d'; readonly stride: number; readonly pad: number }
  /** Average pooling over non-overlapping k × k windows of NCHW. */
  | { readonly kind: 'avgpool'; readonly k: number }
  /** The mean over the spatial axes: [N, C, H, W] → [N, C]. */
  | { readonly kind: 'globalavg' }
  /** ½-mean squared error over the rows (the first axis), against the targets. */
  | { readonly kind: 'mse' }
  /** Softmax cross-entropy over the last axis, mean over rows, targets as class probabilities. */
  | { readonly kind: 'ce' };

/** A node: its op, the nodes it reads and the shape of its value. */
export interface Node {
  readonly op: Op;
  readonly inputs: readonly number[];
  readonly shape: readonly number[];
}

/** What the rules of a node see: its inputs' values and tangents, its own value and tangent. */
export interface Ctx {
  readonly node: Node;
  readonly shapes: readonly (readonly number[])[];
  readonly x: readonly Float64Array[];
  /** Tangents of the inputs (absent without a direction). */
  readonly dx?: readonly Float64Array[];
  readonly y: Float64Array;
  readonly dy?: Float64Array;
  /**
   * Per input, whether its tangent is known to be zero (the data, and what depends on the data
   * alone): the rules of products skip the terms it would enter. Absent: none is.
   */
  readonly still?: readonly boolean[];
}

/** Where the backward rules add: an input's adjoint and (with a direction) its R-adjoint. */
export interface Acc {
  readonly adj: Float64Array;
  readonly radj?: Float64Array | undefined;
}

// ---------------------------------------------------------------- helpers

/**
 * C[b] += op(A[b]) · op(B[b]) for every batch b; A is m×k (k×m if tA), B is k×n (n×k if tB). The
 * three forms a graph needs run on the layer kernels of numeric/linalg.ts (WebAssembly SIMD above
 * small sizes, the same sums in the same order as the JavaScript loops).
 */
function gemm(
  b: number,
  m: number,
  n: number,
  k: number,
  A: Float64Array,
  tA: boolean,
  B: Float64Array,
  tB: boolean,
  C: Float64Array,
): void {
  if (tA && tB) throw new Error('internal: AᵀBᵀ is not a product a graph forms');
  batchedProducts(tB ? 'ABt' : tA ? 'AtB' : 'AB', b, m, n, k, A, B, C);
}

/** Strides of a row-major shape. */
function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

const permCache = new WeakMap<Node, Int32Array>();
/** For each output entry of a permute node, the input entry it copies. */
function permutation(node: Node, inShape: readonly number[]): Int32Array {
  const hit = permCache.get(node);
  if (hit) return hit;
  if (node.op.kind !== 'permute') throw new Error('internal: not a permute');
  const { axes } = node.op;
  const inSt = strides(inShape);
  const out = node.shape;
  const map = new Int32Array(sizeOf(out));
  const idx = new Array<number>(out.length).fill(0);
  for (let i = 0; i < map.length; i++) {
    let src = 0;
    for (let a = 0; a < out.length; a++) src += idx[a]! * inSt[axes[a]!]!;
    map[i] = src;
    for (let a = out.length - 1; a >= 0; a--) {
      if (++idx[a]! < out[a]!) break;
      idx[a] = 0;
    }
  }
  permCache.set(node, map);
  return map;
}

/** A shape as [outer, dim, inner] around one axis (see `axisOf`). */
interface AxisDims {
  readonly outer: number;
  readonly dim: number;
  readonly inner: number;
}
const axisCache = new WeakMap<readonly number[], (AxisDims | undefined)[]>();
/**
 * A vector broadcast along `axis`: the shape as [outer, dim, inner], so entry (o, c, q) is at
 * (o·dim + c)·inner + q and reads the vector's entry c. Kept per shape (a node's shape is fixed).
 */
function axisOf(shape: readonly number[], axis: number): AxisDims {
  let kept = axisCache.get(shape);
  if (!kept) axisCache.set(shape, (kept = []));
  return (kept[axis] ??= {
    outer: sizeOf(shape, 0, axis),
    dim: shape[axis]!,
    inner: sizeOf(shape, axis + 1),
  });
}

const groupsCache = new WeakMap<Node, NormGroups>();
/** The groups a normalisation node standardises (numeric/graph/normalize.ts). */
export function normGroups(node: Node): NormGroups {
  const hit = groupsCache.get(node);
  if (hit) return hit;
  if (node.op.kind !== 'normalize') throw new Error('internal: not a normalisation');
  const g = groupsOf(node.shape, node.op.groups);
  groupsCache.set(node, g);
  return g;
}

/** The slope left of 0 of ReLU (0) and leaky ReLU, whose rules then need no calls; else undefined. */
const piecewiseSlope = (a: GraphActivation): number | undefined =>
  a.kind === 'relu' ? 0 : a.kind === 'leaky' ? a.slope : undefined;

/** σ, σ′, σ″ of a graph activation; GELU in its tanh form, x·(1 + tanh u)/2 with u = c(x + 0.044715x³). */
export function activationFns(a: GraphActivation): {
  readonly sigma: (z: number) => number;
  readonly d1: (z: number) => number;
  readonly d2: (z: number) => number;
} {
  if (a.kind !== 'gelu') return actFns(a);
  const c = Math.sqrt(2 / Math.PI),
    k = 0.044715;
  const parts = (x: number): { t: number; s: number; u1: number; u2: number } => {
    const t = Math.tanh(c * (x + k * x * x * x));
    return { t, s: 1 - t * t, u1: c * (1 + 3 * k * x * x), u2: c * 6 * k * x };
  };
  return {
    sigma: (x) => 0.5 * x * (1 + Math.tanh(c * (x + k * x * x * x))),
    d1: (x) => {
      const { t, s, u1 } = parts(x);
      return 0.5 * (1 + t) + 0.5 * x * s * u1;
    },
    d2: (x) => {
      const { t, s, u1, u2 } = parts(x);
      return s * u1 + 0.5 * x * (s * u2 - 2 * t * s * u1 * u1);
    },
  };
}

/** Rows of a softmax: for row r, how many leading entries it may use (all, or r mod T + 1 when causal). */
const rowSpan = (causal: boolean, r: number, n: number): number => (causal ? (r % n) + 1 : n);

/** The conv2d geometry of a node. */
interface ConvDims {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  kh: number;
  kw: number;
  Ho: number;
  Wo: number;
  s: number;
  p: number;
}
function convDims(ctx: { shapes: readonly (readonly number[])[]; node: Node }): ConvDims {
  const [N, C, H, W] = ctx.shapes[0]!;
  const [O, , kh, kw] = ctx.shapes[1]!;
  const [, , Ho, Wo] = ctx.node.shape;
  const op = ctx.node.op as Extract<Op, { kind: 'conv2d' }>;
  return { N: N!, C: C!, H: H!, W: W!, O: O!, kh: kh!, kw: kw!, Ho: Ho!, Wo: Wo!, s: op.stride, p: op.pad };
}
const colsCache = new WeakMap<Node, Int32Array>();
/**
 * The convolution as a matrix product (im2col): row (n, y, x) of the column matrix
 * [N·Ho·Wo, C·kh·kw] holds the input patch under output (y, x); entry → input index, −1 in the padding.
 */
function patchIndex(node: Node, d: ConvDims): Int32Array {
  const hit = colsCache.get(node);
  if (hit) return hit;
  const K = d.C * d.kh * d.kw;
  const map = new Int32Array(d.N * d.Ho * d.Wo * K).fill(-1);
  for (let n = 0; n < d.N; n++)
    for (let y = 0; y < d.Ho; y++)
      for (let x = 0; x < d.Wo; x++) {
        const row = ((n * d.Ho + y) * d.Wo + x) * K;
        for (let c = 0; c < d.C; c++)
          for (let a = 0; a < d.kh; a++) {
            const r = y * d.s - d.p + a;
            if (r < 0 || r >= d.H) continue;
            for (let b = 0; b < d.kw; b++) {
              const col = x * d.s - d.p + b;
              if (col >= 0 && col < d.W)
                map[row + (c * d.kh + a) * d.kw + b] = ((n * d.C + c) * d.H + r) * d.W + col;
            }
          }
      }
  colsCache.set(node, map);
  return map;
}
/** The column matrix of an input (or of its tangent). */
function im2col(map: Int32Array, x: Float64Array, d: ConvDims): Mat {
  const out = zeros(map.length);
  for (let i = 0; i < map.length; i++) if (map[i]! >= 0) out[i] = x[map[i]!]!;
  return mat(d.N * d.Ho * d.Wo, d.C * d.kh * d.kw, out);
}
/** x̄ += the column matrix's adjoint scattered back onto the input. */
function col2im(map: Int32Array, cols: Float64Array, into: Float64Array): void {
  for (let i = 0; i < map.length; i++) if (map[i]! >= 0) into[map[i]!]! += cols[i]!;
}
/** NCHW ↔ rows (n, y, x) × channels o, the layout of the column product. */
function toRows(t: Float64Array, d: ConvDims): Mat {
  const out = zeros(t.length);
  const hw = d.Ho * d.Wo;
  for (let n = 0; n < d.N; n++)
    for (let o = 0; o < d.O; o++)
      for (let q = 0; q < hw; q++) out[(n * hw + q) * d.O + o] = t[(n * d.O + o) * hw + q]!;
  return mat(d.N * hw, d.O, out);
}
function addFromRows(rows: Mat, into: Float64Array, d: ConvDims): void {
  const hw = d.Ho * d.Wo;
  for (let n = 0; n < d.N; n++)
    for (let o = 0; o < d.O; o++)
      for (let q = 0; q < hw; q++) into[(n * d.O + o) * hw + q]! += rows.data[(n * hw + q) * d.O + o]!;
}
/** A kernel [O, C, kh, kw] as the matrix [O, C·kh·kw]. */
const kernelMat = (K: Float64Array, d: ConvDims): Mat => mat(d.O, d.C * d.kh * d.kw, K);

/** For a linear op without parameters (pooling): y += L x, or x̄ += Lᵀ ȳ. */
function linearMap(
  node: Node,
  inShape: readonly number[],
  from: Float64Array,
  to: Float64Array,
  t: boolean,
): void {
  const [N, C, H, W] = inShape as [number, number, number, number];
  const k = node.op.kind === 'avgpool' ? node.op.k : 0;
  const Ho = node.op.kind === 'avgpool' ? Math.floor(H / k) : 1,
    Wo = node.op.kind === 'avgpool' ? Math.floor(W / k) : 1;
  const kh = node.op.kind === 'avgpool' ? k : H,
    kw = node.op.kind === 'avgpool' ? k : W;
  const w = 1 / (kh * kw);
  for (let nc = 0; nc < N * C; nc++)
    for (let y = 0; y < Ho; y++)
      for (let x = 0; x < Wo; x++) {
        const oi = (nc * Ho + y) * Wo + x;
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++) {
            const ii = (nc * H + y * kh + a) * W + x * kw + b;
            if (t) to[ii]! += w * from[oi]!;
            else to[oi]! += w * from[ii]!;
          }
      }
}

// ---------------------------------------------------------------- value

/** An array whose every entry the caller writes at once: from the open arena without zeroing it. */
const fresh = (n: number): Float64Array => arenaArray(n, false) ?? new Float64Array(n);

/** Whether an op's value rule writes every entry of its output (else it accumulates into zeros). */
const WRITES_ALL: ReadonlySet<Op['kind']> = new Set([
  'addBias',
  'affine',
  'add',
  'scale',
  'act',
  'permute',
  'normalize',
]);
const writesAll = (op: Op): boolean => WRITES_ALL.has(op.kind) || (op.kind === 'softmax' && !op.causal);
/** The same for the tangent rule (products accumulate, and skip the terms of still inputs). */
const TANGENT_WRITES_ALL: ReadonlySet<Op['kind']> = new Set(['affine', 'act', 'softmax', 'normalize']);
const writesAllTangent = (op: Op): boolean => TANGENT_WRITES_ALL.has(op.kind);

/** x + b, b along `axis`. */
function addBiasForward(
  shape: readonly number[],
  axis: number,
  a: Float64Array,
  b: Float64Array,
  y: Float64Array,
) {
  const { outer, dim, inner } = axisOf(shape, axis);
  for (let o = 0, i = 0; o < outer; o++)
    for (let c = 0; c < dim; c++) {
      const bc = b[c]!;
      for (let q = 0; q < inner; q++, i++) y[i] = a[i]! + bc;
    }
  return y;
}

/** x ⊙ γ + β (with their tangents: ẋ ⊙ γ + x ⊙ γ̇ + β̇), the vectors along `axis`. */
function affineForward(
  shape: readonly number[],
  axis: number,
  x: readonly Float64Array[],
  y: Float64Array,
  dx?: readonly Float64Array[],
): Float64Array {
  const { outer, dim, inner } = axisOf(shape, axis);
  const a = x[0]!,
    g = x[1]!,
    b = x[2]!;
  if (!dx) {
    for (let o = 0, i = 0; o < outer; o++)
      for (let c = 0; c < dim; c++) {
        const gc = g[c]!,
          bc = b[c]!;
        for (let q = 0; q < inner; q++, i++) y[i] = a[i]! * gc + bc;
      }
    return y;
  }
  const da = dx[0]!,
    dg = dx[1]!,
    db = dx[2]!;
  for (let o = 0, i = 0; o < outer; o++)
    for (let c = 0; c < dim; c++) {
      const gc = g[c]!,
        dgc = dg[c]!,
        dbc = db[c]!;
      for (let q = 0; q < inner; q++, i++) y[i] = da[i]! * gc + a[i]! * dgc + dbc;
    }
  return y;
}

/** σ(x) entry by entry; ReLU and leaky ReLU without calls. */
function actForward(act: GraphActivation, a: Float64Array, y: Float64Array): Float64Array {
  const slope = piecewiseSlope(act);
  if (slope !== undefined) for (let i = 0; i < y.length; i++) y[i] = a[i]! > 0 ? a[i]! : slope * a[i]!;
  else {
    const { sigma } = activationFns(act);
    for (let i = 0; i < y.length; i++) y[i] = sigma(a[i]!);
  }
  return y;
}

/** Softmax of each row of the last axis (n entries; the causal mask of row r keeps r mod n + 1). */
function softmaxForward(n: number, causal: boolean, a: Float64Array, y: Float64Array): Float64Array {
  for (let r = 0; r < y.length / n; r++) {
    const span = rowSpan(causal, r, n);
    let mx = -Infinity;
    for (let j = 0; j < span; j++) mx = Math.max(mx, a[r * n + j]!);
    let se = 0;
    for (let j = 0; j < span; j++) se += Math.exp(a[r * n + j]! - mx);
    const lse = mx + Math.log(se);
    for (let j = 0; j < span; j++) y[r * n + j] = Math.exp(a[r * n + j]! - lse);
  }
  return y;
}

/** The value of a node from its inputs' values (param and data nodes are set by the evaluator). */
export function forward(
  node: Node,
  shapes: readonly (readonly number[])[],
  x: readonly Float64Array[],
): Float64Array {
  const op = node.op;
  // The same entries: the input's array itself (no op writes into its inputs).
  if (op.kind === 'reshape') return x[0]!;
  const y = writesAll(op) ? fresh(sizeOf(node.shape)) : zeros(sizeOf(node.shape));
  switch (op.kind) {
    case 'param':
    case 'data':
      throw new Error('internal: leaves are set by the evaluator');
    case 'matmul': {
      const { b, m, n, k } = mmDims(node, shapes);
      gemm(b, m, n, k, x[0]!, false, x[1]!, op.transB, y);
      return y;
    }
    case 'addBias':
      return addBiasForward(node.shape, op.axis, x[0]!, x[1]!, y);
    case 'affine':
      return affineForward(node.shape, op.axis, x, y);
    case 'add':
      for (let i = 0; i < y.length; i++) y[i] = x[0]![i]! + x[1]![i]!;
      return y;
    case 'scale':
      for (let i = 0; i < y.length; i++) y[i] = op.c * x[0]![i]!;
      return y;
    case 'act':
      return actForward(op.act, x[0]!, y);
    case 'softmax':
      return softmaxForward(node.shape[node.shape.length - 1]!, op.causal, x[0]!, y);
    case 'permute': {
      const map = permutation(node, shapes[0]!);
      for (let i = 0; i < y.length; i++) y[i] = x[0]![map[i]!]!;
      return y;
    }
    case 'normalize':
      normalizeForward(normGroups(node), op.label, x[0]!, y);
      return y;
    case 'conv2d': {
      const d = convDims({ shapes, node });
      const rows = mat(d.N * d.Ho * d.Wo, d.O);
      mulABt(im2col(patchIndex(node, d), x[0]!, d), kernelMat(x[1]!, d), rows);
      addFromRows(rows, y, d);
      return y;
    }
    case 'avgpool':
    case 'globalavg':
      linearMap(node, shapes[0]!, x[0]!, y, false);
      return y;
    case 'mse':
    case 'ce':
      y[0] = lossValue(op.kind, shapes[0]!, x[0]!, x[1]!);
      return y;
  }
}

function mmDims(
  node: Node,
  shapes: readonly (readonly number[])[],
): { b: number; m: number; n: number; k: number } {
  const a = shapes[0]!;
  const m = a[a.length - 2]!,
    k = a[a.length - 1]!;
  const n = node.shape[node.shape.length - 1]!;
  return { b: sizeOf(a, 0, a.length - 2), m, n, k };
}

/** Rows and row length of a loss's input: the first axis, and the rest. */
const lossRows = (shape: readonly number[]): { B: number; n: number } => ({
  B: shape[0]!,
  n: sizeOf(shape, 1),
});

/** Class probabilities of one row of logits. */
export function probabilities(F: Float64Array, r: number, n: number, out: Float64Array): number {
  let mx = -Infinity;
  for (let j = 0; j < n; j++) mx = Math.max(mx, F[r + j]!);
  let se = 0;
  for (let j = 0; j < n; j++) se += Math.exp(F[r + j]! - mx);
  const lse = mx + Math.log(se);
  for (let j = 0; j < n; j++) out[j] = Math.exp(F[r + j]! - lse);
  return lse;
}

function lossValue(kind: 'mse' | 'ce', shape: readonly number[], F: Float64Array, Y: Float64Array): number {
  const { B, n } = lossRows(shape);
  let loss = 0;
  if (kind === 'mse') {
    for (let i = 0; i < F.length; i++) {
      const d = F[i]! - Y[i]!;
      loss += (d * d) / (2 * B);
    }
    return loss;
  }
  const p = new Float64Array(n);
  for (let r = 0; r < B; r++) {
    const lse = probabilities(F, r * n, n, p);
    for (let c = 0; c < n; c++) loss += (Y[r * n + c]! * (lse - F[r * n + c]!)) / B;
  }
  return loss;
}

/**
 * ∂L/∂F of a loss (ȳ = 1) and, with Ḟ, its tangent: (F − Y)/B and Ḟ/B for MSE; (P − Y)/B and
 * Ṗ/B with Ṗ_c = P_c Σ_j P_j (Ḟ_c − Ḟ_j) for cross-entropy, P_c − Y_c written as
 * Σ_j (P_c Y_j − Y_c P_j) (Σ Y = Σ P = 1) so that P_c ≈ 1 does not cancel against Y_c = 1.
 */
function lossAdjoint(
  kind: 'mse' | 'ce',
  shape: readonly number[],
  F: Float64Array,
  Y: Float64Array,
  dF: Float64Array | undefined,
): { g: Float64Array; dg?: Float64Array | undefined } {
  const { B, n } = lossRows(shape);
  const g = new Float64Array(F.length);
  const dg = dF ? new Float64Array(F.length) : undefined;
  if (kind === 'mse') {
    for (let i = 0; i < F.length; i++) {
      g[i] = (F[i]! - Y[i]!) / B;
      if (dg) dg[i] = dF![i]! / B;
    }
    return { g, dg };
  }
  const p = new Float64Array(n);
  for (let r = 0; r < B; r++) {
    const o = r * n;
    probabilities(F, o, n, p);
    for (let c = 0; c < n; c++) {
      let d = 0;
      for (let j = 0; j < n; j++) if (j !== c) d += p[c]! * Y[o + j]! - Y[o + c]! * p[j]!;
      g[o + c] = d / B;
      if (dg) {
        let q = 0;
        for (let j = 0; j < n; j++) if (j !== c) q += p[j]! * (dF![o + c]! - dF![o + j]!);
        dg[o + c] = (p[c]! * q) / B;
      }
    }
  }
  return { g, dg };
}

/** A loss's ∂L/∂F and its tangent from the tangent pass, by the loss's tangent array. */
const lossAdjoints = new WeakMap<Float64Array, { g: Float64Array; dg?: Float64Array | undefined }>();

// ---------------------------------------------------------------- tangent

/** σ′(x) ẋ. */
function actTangent(act: GraphActivation, a: Float64Array, da: Float64Array, dy: Float64Array): Float64Array {
  const slope = piecewiseSlope(act);
  if (slope !== undefined) for (let i = 0; i < dy.length; i++) dy[i] = a[i]! > 0 ? da[i]! : slope * da[i]!;
  else {
    const { d1 } = activationFns(act);
    for (let i = 0; i < dy.length; i++) dy[i] = d1(a[i]!) * da[i]!;
  }
  return dy;
}

/** ẏ = y ⊙ (ẋ − ⟨y, ẋ⟩) row by row (n entries; masked entries have y = 0). */
function softmaxTangent(n: number, y: Float64Array, t: Float64Array, dy: Float64Array): Float64Array {
  for (let r = 0; r < y.length / n; r++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += y[r * n + j]! * t[r * n + j]!;
    for (let j = 0; j < n; j++) dy[r * n + j] = y[r * n + j]! * (t[r * n + j]! - s);
  }
  return dy;
}

/** ẏ = J ẋ (ctx.dx present). */
export function tangent(ctx: Ctx): Float64Array {
  const { node, shapes, x, y } = ctx;
  const dx = ctx.dx!;
  const op = node.op;
  const dy = writesAllTangent(op) ? fresh(y.length) : zeros(y.length);
  switch (op.kind) {
    case 'param':
    case 'data':
      throw new Error('internal: leaves are set by the evaluator');
    case 'matmul': {
      const { b, m, n, k } = mmDims(node, shapes);
      if (!ctx.still?.[0]) gemm(b, m, n, k, dx[0]!, false, x[1]!, op.transB, dy);
      if (!ctx.still?.[1]) gemm(b, m, n, k, x[0]!, false, dx[1]!, op.transB, dy);
      return dy;
    }
    case 'affine':
      return affineForward(node.shape, op.axis, x, dy, dx);
    // Linear ops: the tangent is the op applied to the tangents.
    case 'addBias':
    case 'add':
    case 'scale':
    case 'permute':
    case 'reshape':
    case 'avgpool':
    case 'globalavg':
      return forward(node, shapes, dx);
    case 'act':
      return actTangent(op.act, ctx.x[0]!, ctx.dx![0]!, dy);
    case 'softmax':
      return softmaxTangent(ctx.node.shape[ctx.node.shape.length - 1]!, ctx.y, ctx.dx![0]!, dy);
    case 'normalize':
      normalizeTangent(normGroups(node), x[0]!, y, dx[0]!, dy);
      return dy;
    case 'conv2d': {
      const d = convDims(ctx);
      const map = patchIndex(node, d);
      const rows = mat(d.N * d.Ho * d.Wo, d.O);
      if (!ctx.still?.[0]) mulABt(im2col(map, dx[0]!, d), kernelMat(x[1]!, d), rows, true);
      if (!ctx.still?.[1]) mulABt(im2col(map, x[0]!, d), kernelMat(dx[1]!, d), rows, true);
      addFromRows(rows, dy, d);
      return dy;
    }
    case 'mse':
    case 'ce': {
      // ∂L/∂F and its tangent, kept for the backward pass of the same evaluation (keyed by dy).
      const ga = lossAdjoint(op.kind, shapes[0]!, x[0]!, x[1]!, dx[0]!);
      lossAdjoints.set(dy, ga);
      const { g } = ga;
      let s = 0;
      for (let i = 0; i < g.length; i++) s += g[i]! * dx[0]![i]!;
      dy[0] = s;
      return dy;
    }
  }
}

// ---------------------------------------------------------------- adjoint and R-adjoint

/** An input's adjoint (and R-adjoint) += ȳ (and Rȳ): the rule of every op whose Jacobian is 1. */
function addInto(a: Acc, gy: Float64Array, rgy: Float64Array | undefined): void {
  const adj = a.adj,
    radj = a.radj;
  for (let i = 0; i < gy.length; i++) adj[i]! += gy[i]!;
  if (radj) for (let i = 0; i < gy.length; i++) radj[i]! += rgy![i]!;
}

/**
 * Ā = Ȳ op(B)ᵀ, B̄ = Aᵀ Ȳ (Ȳᵀ A when B is stored transposed); R-adjoints by the product rule, a
 * term with a still input's tangent (zero) skipped.
 */
function matmulBackward(
  ctx: Ctx,
  gy: Float64Array,
  rgy: Float64Array | undefined,
  a0: Acc | undefined,
  a1: Acc | undefined,
  transB: boolean,
): void {
  const { node, shapes, x, dx, still } = ctx;
  const { b, m, n, k } = mmDims(node, shapes);
  const intoA = (G: Float64Array, Bm: Float64Array, out: Float64Array): void =>
    gemm(b, m, k, n, G, false, Bm, !transB, out);
  const intoB = (Am: Float64Array, G: Float64Array, out: Float64Array): void =>
    transB ? gemm(b, n, k, m, G, true, Am, false, out) : gemm(b, k, n, m, Am, true, G, false, out);
  if (a0) {
    intoA(gy, x[1]!, a0.adj);
    if (a0.radj) {
      intoA(rgy!, x[1]!, a0.radj);
      if (!still?.[1]) intoA(gy, dx![1]!, a0.radj);
    }
  }
  if (a1) {
    intoB(x[0]!, gy, a1.adj);
    if (a1.radj) {
      intoB(x[0]!, rgy!, a1.radj);
      if (!still?.[0]) intoB(dx![0]!, gy, a1.radj);
    }
  }
}

/**
 * x̄ += ȳ ⊙ γ, γ̄ += Σ ȳ ⊙ x and β̄ += Σ ȳ over the broadcast axes, and their R-adjoints by the
 * product rule: one pass over the entries in memory order, the channel c kept by counters (no
 * division per entry, no inner loop of length 1 when the vectors run along the last axis).
 */
function affineBackward(
  ctx: Ctx,
  gy: Float64Array,
  rgy: Float64Array | undefined,
  acc: readonly (Acc | undefined)[],
  axis: number,
): void {
  const { node, x, dx } = ctx;
  const { dim, inner } = axisOf(node.shape, axis);
  const a = x[0]!,
    g = x[1]!,
    len = gy.length;
  const xa = acc[0]?.adj,
    xr = acc[0]?.radj,
    ga = acc[1]?.adj,
    gr = acc[1]?.radj,
    ba = acc[2]?.adj,
    br = acc[2]?.radj;
  const da = dx?.[0],
    dg = dx?.[1];
  for (let i = 0, c = 0, q = 0; i < len; i++) {
    const gi = gy[i]!;
    if (xa) xa[i]! += gi * g[c]!;
    if (ga) ga[c]! += gi * a[i]!;
    if (ba) ba[c]! += gi;
    if (rgy) {
      const ri = rgy[i]!;
      if (xr) xr[i]! += ri * g[c]! + gi * dg![c]!;
      if (gr) gr[c]! += ri * a[i]! + gi * da![i]!;
      if (br) br[c]! += ri;
    }
    if (++q === inner && ((q = 0), ++c === dim)) c = 0;
  }
}

/** x̄ += σ′(x) ȳ; Rx̄ += σ″(x) ẋ ȳ + σ′(x) Rȳ (for ReLU and leaky ReLU σ″ = 0 off the kink). */
function actBackward(
  act: GraphActivation,
  a: Float64Array,
  da: Float64Array | undefined,
  gy: Float64Array,
  rgy: Float64Array | undefined,
  into: Acc,
): void {
  const { adj, radj } = into;
  const slope = piecewiseSlope(act);
  if (slope !== undefined) {
    if (!radj) for (let i = 0; i < gy.length; i++) adj[i]! += a[i]! > 0 ? gy[i]! : slope * gy[i]!;
    else
      for (let i = 0; i < gy.length; i++) {
        const d = a[i]! > 0 ? 1 : slope;
        adj[i]! += d * gy[i]!;
        radj[i]! += d * rgy![i]!;
      }
    return;
  }
  const { d1, d2 } = activationFns(act);
  for (let i = 0; i < gy.length; i++) {
    const z = a[i]!;
    adj[i]! += d1(z) * gy[i]!;
    if (radj) radj[i]! += d2(z) * da![i]! * gy[i]! + d1(z) * rgy![i]!;
  }
}

/** x̄ += y ⊙ (ȳ − ⟨y, ȳ⟩) row by row, and its derivative along the direction. */
function softmaxBackward(ctx: Ctx, gy: Float64Array, rgy: Float64Array | undefined, a0: Acc): void {
  const { node, y, dy } = ctx;
  const n = node.shape[node.shape.length - 1]!;
  for (let r = 0; r < y.length / n; r++) {
    const o = r * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += y[o + j]! * gy[o + j]!;
    for (let j = 0; j < n; j++) a0.adj[o + j]! += y[o + j]! * (gy[o + j]! - s);
    if (a0.radj) {
      let ds = 0;
      for (let j = 0; j < n; j++) ds += dy![o + j]! * gy[o + j]! + y[o + j]! * rgy![o + j]!;
      for (let j = 0; j < n; j++)
        a0.radj[o + j]! += dy![o + j]! * (gy[o + j]! - s) + y[o + j]! * (rgy![o + j]! - ds);
    }
  }
  return;
}

function convBackward(
  ctx: Ctx,
  gy: Float64Array,
  rgy: Float64Array | undefined,
  a0: Acc | undefined,
  a1: Acc | undefined,
): void {
  const { node, x, dx, still } = ctx;
  // Ȳ as rows: K̄ += Ȳᵀ cols, cols̄ = Ȳ K; along the direction R(K̄) += RȲᵀ cols + Ȳᵀ cols˙,
  // R(cols̄) = RȲ K + Ȳ K̇.
  const d = convDims(ctx);
  const map = patchIndex(node, d);
  const G = toRows(gy, d);
  const RG = rgy ? toRows(rgy, d) : undefined;
  const cols = im2col(map, x[0]!, d);
  const Km = kernelMat(x[1]!, d);
  if (a0) {
    const cb = mat(cols.rows, cols.cols);
    addAB(G, Km, cb);
    col2im(map, cb.data, a0.adj);
    if (a0.radj) {
      const rcb = mat(cols.rows, cols.cols);
      addAB(RG!, Km, rcb);
      if (!still?.[1]) addAB(G, kernelMat(dx![1]!, d), rcb);
      col2im(map, rcb.data, a0.radj);
    }
  }
  if (a1) {
    addAtB(G, cols, kernelMat(a1.adj, d));
    if (a1.radj) {
      addAtB(RG!, cols, kernelMat(a1.radj, d));
      if (!still?.[0]) addAtB(G, im2col(map, dx![0]!, d), kernelMat(a1.radj, d));
    }
  }
  return;
}

/**
 * Adds Jᵀ ȳ to each input's adjoint and, with a direction, R(Jᵀ ȳ) = Jᵀ Rȳ + (J̇)ᵀ ȳ to its
 * R-adjoint. `acc[i]` is absent for an input that takes no gradient (data).
 */
export function backward(
  ctx: Ctx,
  gy: Float64Array,
  rgy: Float64Array | undefined,
  acc: readonly (Acc | undefined)[],
): void {
  const { node, shapes, x, y, dx, dy } = ctx;
  const op = node.op;
  const [a0, a1] = [acc[0], acc[1]];
  switch (op.kind) {
    case 'param':
    case 'data':
      return;
    case 'matmul':
      return matmulBackward(ctx, gy, rgy, a0, a1, op.transB);
    case 'addBias':
      if (a0) addInto(a0, gy, rgy);
      if (a1) {
        // b̄ (and Rb̄) += Σ ȳ (Rȳ) over the broadcast axes, one pass with the channel kept by counters.
        const { dim, inner } = axisOf(node.shape, op.axis);
        const ba = a1.adj,
          br = a1.radj;
        for (let i = 0, c = 0, q = 0; i < gy.length; i++) {
          ba[c]! += gy[i]!;
          if (br) br[c]! += rgy![i]!;
          if (++q === inner && ((q = 0), ++c === dim)) c = 0;
        }
      }
      return;
    case 'affine':
      return affineBackward(ctx, gy, rgy, acc, op.axis);
    case 'add':
      for (const a of [a0, a1]) if (a) addInto(a, gy, rgy);
      return;
    case 'scale':
      if (a0)
        for (let i = 0; i < gy.length; i++) {
          a0.adj[i]! += op.c * gy[i]!;
          if (a0.radj) a0.radj[i]! += op.c * rgy![i]!;
        }
      return;
    case 'act':
      if (a0) actBackward(op.act, x[0]!, dx?.[0], gy, rgy, a0);
      return;
    case 'softmax':
      if (a0) softmaxBackward(ctx, gy, rgy, a0);
      return;
    case 'permute': {
      if (!a0) return;
      const map = permutation(node, shapes[0]!);
      for (let i = 0; i < gy.length; i++) {
        a0.adj[map[i]!]! += gy[i]!;
        if (a0.radj) a0.radj[map[i]!]! += rgy![i]!;
      }
      return;
    }
    case 'reshape':
      if (a0) addInto(a0, gy, rgy);
      return;
    case 'normalize':
      if (a0) normalizeBackward(normGroups(node), x[0]!, y, dx?.[0], dy, gy, rgy, a0.adj, a0.radj);
      return;
    case 'conv2d':
      return convBackward(ctx, gy, rgy, a0, a1);
    case 'avgpool':
    case 'globalavg':
      if (!a0) return;
      linearMap(node, shapes[0]!, gy, a0.adj, true);
      if (a0.radj) linearMap(node, shapes[0]!, rgy!, a0.radj, true);
      return;
    case 'mse':
    case 'ce': {
      if (!a0) return;
      const kept = ctx.dy && lossAdjoints.get(ctx.dy);
      const { g, dg } = kept ?? lossAdjoint(op.kind, shapes[0]!, x[0]!, x[1]!, a0.radj ? dx![0]! : undefined);
      // ȳ and Rȳ of the scalar loss.
      const s = gy[0]!,
        rs = rgy ? rgy[0]! : 0;
      for (let i = 0; i < g.length; i++) {
        a0.adj[i]! += s * g[i]!;
        if (a0.radj) a0.radj[i]! += rs * g[i]! + s * dg![i]!;
      }
      return;
    }
  }
}
