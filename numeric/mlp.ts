/**
 * Multilayer perceptrons in float64 with exact gradients and Hessian-vector products.
 *
 * The HVP is Pearlmutter's R-operator: a forward pass carries tangents (ẋ = J v) next to values,
 * and the backward pass carries R(x̄) = d/dt x̄(θ + t v) next to the adjoints x̄, so that at the
 * parameters R(∇L) = H v. Every op below has four rules — value, tangent, adjoint, R-adjoint —
 * written out by hand; test/numeric checks them against finite differences and PyTorch.
 *
 * Layers: Linear (W, b) → [BatchNorm | LayerNorm, optional affine γ, β] → activation, repeated, then
 * Linear → loss (½-mean squared error, or softmax cross-entropy). Normalisations use ε = 0 so that
 * their scale symmetry is exact (this requires batch ≥ 2 for BatchNorm and width ≥ 2 for LayerNorm).
 */
import { UserInputError, DegenerateSample } from './errors';
import { type Mat, mat, mulABt, addAtB, addAB, zeros } from './linalg';
import { arenaArray, heapCopy, withArena } from './kernels';
import {
  type ActivationDerivatives,
  type LayerAdjoints,
  type LayerCache,
  type NormCache,
  groups,
  roundingBounds,
} from './bounds';

/** A hidden layer's activation: ReLU, leaky ReLU (its slope), linear, tanh or zᵏ (its degree). */
export type Activation =
  | { readonly kind: 'relu' }
  | { readonly kind: 'leaky'; readonly slope: number }
  | { readonly kind: 'linear' }
  | { readonly kind: 'tanh' }
  | { readonly kind: 'poly'; readonly degree: number };
/** A hidden layer's normalisation: none, BatchNorm or LayerNorm (ε = 0, so their scale symmetry is exact). */
export type Norm = 'none' | 'batch' | 'layer';

/** The leaky ReLU slope used throughout. */
export const LEAKY_SLOPE = 0.1;

/** An activation from its kind (and the degree, for z^k). */
export function activation(kind: Activation['kind'], degree = 2): Activation {
  return kind === 'leaky' ? { kind, slope: LEAKY_SLOPE } : kind === 'poly' ? { kind, degree } : { kind };
}
/** The loss: ½-mean squared error or softmax cross-entropy. */
export type Loss = 'mse' | 'ce';

/**
 * A concrete multilayer perceptron: widths, activation, normalisation (with or without affine γ, β), loss,
 * biases.
 */
export interface MlpSpec {
  /** [input, hidden…, output]. */
  readonly widths: readonly number[];
  readonly act: Activation;
  readonly norm: Norm;
  /** Learnable γ, β after the normalisation. */
  readonly affine: boolean;
  readonly loss: Loss;
  readonly bias: boolean;
}

/** A named parameter block of a network (W1, b1, gamma1, …): its shape and offset in the flat θ. */
export interface Block {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  readonly offset: number;
}

/** A built network: its spec, its parameter blocks in θ order, and the number of parameters. */
export interface Network {
  readonly spec: MlpSpec;
  readonly blocks: readonly Block[];
  /** Number of parameters. */
  readonly size: number;
}

/** A batch of data: inputs X (rows × inputs) and targets Y (rows × outputs; class probabilities for ce). */
export interface Batch {
  readonly X: Mat;
  readonly Y: Mat;
}

export interface Evaluation {
  readonly loss: number;
  readonly grad: Float64Array;
  /** The network's outputs f on the batch (B × out). */
  readonly outputs: Mat;
  /** ∂L/∂f, the adjoint fed back from the loss (or the given output adjoint). */
  readonly outputAdjoint: Mat;
  /**
   * With `bound`: for every gradient entry, the sum of the magnitudes of the contributions that
   * make it up (an absolute-value backward pass), each forward value in it taken at its own
   * magnitude — the sum of what cancelled inside it — so that the forward pass's rounding, however
   * amplified by cancellation, is counted too (numeric/bounds.ts). Rounding errs by about 1e-16 of
   * this, so it is the scale against which a gradient that should cancel is measured.
   */
  readonly gradBound?: Float64Array;
  /** With `bound` and a direction: the same for every entry of H v (tangents and R-adjoints). */
  readonly hvBound?: Float64Array;
  /** H v, when a direction was given. */
  readonly hv?: Float64Array;
  /** ⟨∇L, v⟩, when a direction was given. */
  readonly lossDot?: number;
}

/** An architecture that cannot be built from the spec the user gave. */
export class ArchitectureError extends UserInputError {
  override readonly name: string = 'ArchitectureError';
}

/**
 * The largest network built (`check --arch`, `scan`). Sites are built one at a time, on demand, so
 * the work per sampled network is linear in its parameters (a few parameter-sized vectors for the
 * gradient, H v and their rounding bounds). Measured single-threaded: 4-100000-3 (800,003
 * parameters) `scan` 0.13 s / 57 MB and `check rescale --runs 1` 1 s / 243 MB; 2000-2000-10
 * (4 million) `check translation --runs 1` 2.3 s / 549 MB (an evaluation's arena in the kernels'
 * memory holds all its matrices until it returns, and that memory does not shrink). Laws that
 * form n × n matrices (gl at a layer of n units) have their own limit (src/check/values.ts).
 */
export const NETWORK_LIMITS = {
  /** Widths (input, hidden…, output). */
  widths: 64,
  /** Units in a layer. */
  width: 100_000,
  /** Parameters. */
  parameters: 5_000_000,
} as const;

export function buildNetwork(spec: MlpSpec): Network {
  const { widths } = spec;
  if (widths.length < 2 || widths.some((w) => !Number.isInteger(w) || w < 1))
    throw new ArchitectureError(
      `widths must be ≥ 2 positive integers, ` +
        `got [${widths.slice(0, 8).join(', ')}${widths.length > 8 ? ', …' : ''}]`,
    );
  if (widths.length > NETWORK_LIMITS.widths)
    throw new ArchitectureError(
      `a network has at most ${NETWORK_LIMITS.widths} layers (widths), got ${widths.length} (the limit)`,
    );
  if (spec.loss === 'ce' && widths[widths.length - 1]! < 2)
    throw new ArchitectureError('softmax cross-entropy needs at least 2 outputs');
  if (spec.norm === 'layer' && widths.slice(1, -1).some((w) => w < 2))
    throw new ArchitectureError('LayerNorm needs hidden widths ≥ 2');
  if (spec.act.kind === 'poly' && (!Number.isInteger(spec.act.degree) || spec.act.degree < 1))
    throw new ArchitectureError('polynomial activation needs an integer degree ≥ 1');
  const blocks: Block[] = [];
  let offset = 0;
  const add = (name: string, rows: number, cols: number): void => {
    blocks.push({ name, rows, cols, offset });
    offset += rows * cols;
  };
  const L = widths.length - 1;
  for (let l = 1; l <= L; l++) {
    add(`W${l}`, widths[l]!, widths[l - 1]!);
    if (spec.bias) add(`b${l}`, 1, widths[l]!);
    if (l < L && spec.norm !== 'none' && spec.affine) {
      add(`gamma${l}`, 1, widths[l]!);
      add(`beta${l}`, 1, widths[l]!);
    }
  }
  const name =
    widths.length > 8 ? `${widths.slice(0, 4).join('-')}-…-${widths.slice(-2).join('-')}` : widths.join('-');
  const tooLarge = (what: string): never => {
    throw new ArchitectureError(`${name} is too large: ${what}`);
  };
  const widest = Math.max(...widths);
  if (widest > NETWORK_LIMITS.width)
    tooLarge(`a layer of ${widest} units, above the limit ${NETWORK_LIMITS.width}`);
  if (offset > NETWORK_LIMITS.parameters)
    tooLarge(`${offset} parameters, above the limit ${NETWORK_LIMITS.parameters}`);
  return { spec, blocks, size: offset };
}

export function blockOf(net: Network, name: string): Block {
  const b = net.blocks.find((x) => x.name === name);
  if (!b) throw new Error(`internal: no block ${name}`);
  return b;
}

const view = (v: Float64Array, b: Block): Mat =>
  mat(b.rows, b.cols, v.subarray(b.offset, b.offset + b.rows * b.cols));

// ---------------- activations: σ, σ', σ'' ----------------

/** |C(m, j)| a^(m−j) h^(j−1) summed over j = 1 … m: ((a + h)^m − a^m)/h without the cancellation. */
function binomialGrowth(m: number, a: number, h: number): number {
  let s = 0,
    c = 1;
  for (let j = 1; j <= m; j++) {
    c = (c * (m - j + 1)) / j;
    s += c * a ** (m - j) * h ** (j - 1);
  }
  return s;
}

/** Writes the five factors of ActivationDerivatives.factors. */
function put(out: Float64Array, s1: number, s2: number, m0: number, m1: number, m2: number): void {
  out[0] = s1;
  out[1] = s2;
  out[2] = m0;
  out[3] = m1;
  out[4] = m2;
}

/** σ, σ', σ'', and the factors the rounding bounds need (`factors`, for numeric/bounds.ts). */
export function actFns(a: Activation): ActivationDerivatives {
  const E = Number.EPSILON;
  switch (a.kind) {
    case 'relu':
      return {
        sigma: (z) => (z > 0 ? z : 0),
        d1: (z) => (z > 0 ? 1 : 0),
        d2: () => 0,
        factors: (z, M, out) => (z > 0 ? put(out, 1, 0, M, 0, 0) : put(out, 0, 0, 0, 0, 0)),
      };
    case 'leaky': {
      const s = Math.abs(a.slope);
      return {
        sigma: (z) => (z > 0 ? z : a.slope * z),
        d1: (z) => (z > 0 ? 1 : a.slope),
        d2: () => 0,
        factors: (z, M, out) => (z > 0 ? put(out, 1, 0, M, 0, 0) : put(out, s, 0, s * M, 0, 0)),
      };
    }
    case 'linear':
      return { sigma: (z) => z, d1: () => 1, d2: () => 0, factors: (_z, M, out) => put(out, 1, 0, M, 0, 0) };
    case 'tanh':
      return {
        sigma: Math.tanh,
        d1: (z) => {
          const t = Math.tanh(z);
          return 1 - t * t;
        },
        d2: (z) => {
          const t = Math.tanh(z);
          return -2 * t * (1 - t * t);
        },
        // First order, plus the remainder ½ sup|σ^(d+2)| δ² (sup|σ''| = 4/(3√3) < 0.77, sup|σ'''| = 2,
        // sup|σ''''| < 4.09), and never more than σ^(d) can move at all, 2 sup|σ^(d)|. And the
        // evaluation's own error, absolute: σ' = 1 − t·t cancels where tanh saturates (t = tanh z,
        // itself within an ulp): ε(1 + 2t²), 130 ε relative at t = 0.996; σ'' = −2t(1 − t·t): 8|t| ε.
        factors: (z, M, out) => {
          const t = Math.tanh(z),
            u = 1 - t * t,
            at = Math.abs(t);
          const s1 = u,
            s2 = 2 * at * u,
            s3 = Math.abs(u * (6 * t * t - 2));
          const r = E * M * M;
          put(
            out,
            s1,
            s2,
            Math.min(s1 * M + 0.385 * r, 2 / E),
            Math.min(s2 * M + r, 2 / E) + 1 + 2 * t * t,
            Math.min(s3 * M + 2.045 * r, 1.54 / E) + 8 * at,
          );
        },
      };
    case 'poly': {
      const k = a.degree;
      // σ^(d) = c z^m, m = k − d, moves by at most c ((|z| + εM)^m − |z|^m): every order counted; and
      // its evaluation (z ** m, times c) errs by a few ulps: m + 1 of them counted.
      const coef = [1, k, k * (k - 1)] as const;
      const moved = (x: number, M: number, d: 0 | 1 | 2): number => {
        const m = k - d;
        if (m < 1) return 0;
        return coef[d] * (binomialGrowth(m, x, E * M) * M + (d > 0 ? (m + 1) * x ** m : 0));
      };
      return {
        sigma: (z) => z ** k,
        d1: (z) => k * z ** (k - 1),
        d2: (z) => (k >= 2 ? k * (k - 1) * z ** (k - 2) : 0),
        factors: (z, M, out) => {
          const x = Math.abs(z);
          put(
            out,
            k * x ** (k - 1),
            k >= 2 ? k * (k - 1) * x ** (k - 2) : 0,
            moved(x, M, 0),
            moved(x, M, 1),
            moved(x, M, 2),
          );
        },
      };
    }
  }
}

// ---------------- normalisation over groups ----------------

/** A normalisation group whose standard deviation is below this fraction of its largest value is
 * refused: its normalised output would be rounding noise amplified. */
export const DEGENERATE_SPREAD = 1e-6;

function normForward(norm: Norm, Z: Mat, Zdot: Mat | undefined): NormCache {
  const G = groups(norm, Z.rows, Z.cols);
  const N = mat(Z.rows, Z.cols);
  const Ndot = Zdot ? mat(Z.rows, Z.cols) : undefined;
  const s = new Float64Array(G.count);
  const sdot = Zdot ? new Float64Array(G.count) : undefined;
  const z = Z.data,
    n = N.data;
  for (let g = 0; g < G.count; g++) {
    const st = G.start(g);
    let mu = 0;
    for (let t = 0; t < G.size; t++) mu += z[st + t * G.stride]!;
    mu /= G.size;
    let v = 0;
    for (let t = 0; t < G.size; t++) {
      const c = z[st + t * G.stride]! - mu;
      v += c * c;
    }
    const sg = Math.sqrt(v / G.size);
    let big = 0;
    for (let t = 0; t < G.size; t++) big = Math.max(big, Math.abs(z[st + t * G.stride]!));
    // With ε = 0 a group whose spread is rounding noise has no meaningful normalisation.
    if (!(sg > DEGENERATE_SPREAD * big))
      throw new DegenerateSample(
        `${norm === 'batch' ? 'BatchNorm' : 'LayerNorm'} of a group with (near-)zero variance is undefined (ε = 0)`,
      );
    s[g] = sg;
    for (let t = 0; t < G.size; t++) {
      const i = st + t * G.stride;
      n[i] = (z[i]! - mu) / sg;
    }
    if (Zdot && Ndot && sdot) {
      const zd = Zdot.data,
        nd = Ndot.data;
      let mud = 0;
      for (let t = 0; t < G.size; t++) mud += zd[st + t * G.stride]!;
      mud /= G.size;
      let cc = 0;
      for (let t = 0; t < G.size; t++) {
        const i = st + t * G.stride;
        cc += (z[i]! - mu) * (zd[i]! - mud);
      }
      const sd = cc / G.size / sg;
      sdot[g] = sd;
      for (let t = 0; t < G.size; t++) {
        const i = st + t * G.stride;
        nd[i] = (zd[i]! - mud - n[i]! * sd) / sg;
      }
    }
  }
  return { N, s, ...(Ndot ? { Ndot } : {}), ...(sdot ? { sdot } : {}) };
}

/** Z̄ = (N̄ − mean N̄ − N mean(N̄ N)) / s, and its R-derivative. */
function normBackward(
  norm: Norm,
  c: NormCache,
  Nbar: Mat,
  NbarR: Mat | undefined,
): { Zbar: Mat; ZbarR?: Mat } {
  const G = groups(norm, Nbar.rows, Nbar.cols);
  const Zbar = mat(Nbar.rows, Nbar.cols);
  const ZbarR = NbarR ? mat(Nbar.rows, Nbar.cols) : undefined;
  const n = c.N.data,
    nb = Nbar.data,
    zb = Zbar.data;
  for (let g = 0; g < G.count; g++) {
    const st = G.start(g);
    let m1 = 0,
      m2 = 0;
    for (let t = 0; t < G.size; t++) {
      const i = st + t * G.stride;
      m1 += nb[i]!;
      m2 += nb[i]! * n[i]!;
    }
    m1 /= G.size;
    m2 /= G.size;
    const sg = c.s[g]!;
    for (let t = 0; t < G.size; t++) {
      const i = st + t * G.stride;
      zb[i] = (nb[i]! - m1 - n[i]! * m2) / sg;
    }
    if (NbarR && ZbarR && c.Ndot && c.sdot) {
      const nbr = NbarR.data,
        nd = c.Ndot.data,
        zbr = ZbarR.data;
      let m1r = 0,
        m2r = 0;
      for (let t = 0; t < G.size; t++) {
        const i = st + t * G.stride;
        m1r += nbr[i]!;
        m2r += nbr[i]! * n[i]! + nb[i]! * nd[i]!;
      }
      m1r /= G.size;
      m2r /= G.size;
      const sd = c.sdot[g]!;
      for (let t = 0; t < G.size; t++) {
        const i = st + t * G.stride;
        zbr[i] = -(sd / sg) * zb[i]! + (nbr[i]! - m1r - nd[i]! * m2 - n[i]! * m2r) / sg;
      }
    }
  }
  return { Zbar, ...(ZbarR ? { ZbarR } : {}) };
}

// ---------------- the network ----------------

const addRow = (M: Mat, row: Float64Array): void => {
  for (let i = 0; i < M.rows; i++) for (let j = 0; j < M.cols; j++) M.data[i * M.cols + j]! += row[j]!;
};
const colSumInto = (M: Mat, out: Float64Array): void => {
  for (let i = 0; i < M.rows; i++) for (let j = 0; j < M.cols; j++) out[j]! += M.data[i * M.cols + j]!;
};

export interface EvaluateOptions {
  /** Also the rounding bounds of ∇L and H v (`gradBound`, `hvBound`). */
  readonly bound?: boolean;
  /** Backpropagate this adjoint of the outputs instead of the loss's (a row of the Jacobian). */
  readonly outputAdjoint?: Mat;
  /**
   * Arrays of the network's size that receive ∇L and H v (and are returned as `grad` and `hv`): a
   * loop of evaluations reuses them instead of touching fresh memory for every result.
   */
  readonly into?: {
    readonly grad: Float64Array;
    readonly hv?: Float64Array;
    readonly gradBound?: Float64Array;
    readonly hvBound?: Float64Array;
  };
}

/**
 * Loss, gradient and (with a direction v) H v and ⟨∇L, v⟩ at parameters θ on a batch.
 * For softmax cross-entropy Y holds class probabilities per row (one-hot labels).
 */
export function evaluate(
  net: Network,
  theta: Float64Array,
  batch: Batch,
  v?: Float64Array,
  opts: EvaluateOptions = {},
): Evaluation {
  const { into } = opts;
  const outputs = into ? Object.values(into).filter((a): a is Float64Array => a !== undefined) : [];
  if (outputs.some((a) => a.length !== net.size) || new Set(outputs).size !== outputs.length)
    throw new Error('internal: output arrays do not match the network, or are the same array');
  return evaluateWith(net, theta, batch, v, opts, (e) => {
    // Nothing in the arena outlives it: what is returned is copied out (into `into` if given).
    const out = (x: Float64Array, to: Float64Array | undefined): Float64Array =>
      to ? (to.set(x), to) : heapCopy(x);
    const F = (m: Mat): Mat => mat(m.rows, m.cols, heapCopy(m.data));
    return {
      ...e,
      grad: out(e.grad, into?.grad),
      outputs: F(e.outputs),
      outputAdjoint: F(e.outputAdjoint),
      ...(e.hv ? { hv: out(e.hv, into?.hv) } : {}),
      ...(e.gradBound ? { gradBound: out(e.gradBound, into?.gradBound) } : {}),
      ...(e.hvBound ? { hvBound: out(e.hvBound, into?.hvBound) } : {}),
    };
  });
}

/**
 * The same evaluation, read in place by `read`: its arrays may live in the kernels' memory and are
 * valid only until `read` returns (copy what must outlive it). A check that needs a few entries of
 * ∇L and one norm of H v reads them where they are, instead of copying four model-size vectors out.
 */
export function evaluateWith<R>(
  net: Network,
  theta: Float64Array,
  batch: Batch,
  v: Float64Array | undefined,
  opts: Omit<EvaluateOptions, 'into'>,
  read: (e: Evaluation) => R,
): R {
  const { spec } = net;
  if (theta.length !== net.size)
    throw new Error(`internal: θ has ${theta.length} entries, the network ${net.size}`);
  if (v && v.length !== net.size)
    throw new Error(`internal: direction has ${v.length} entries, the network ${net.size}`);
  if (
    batch.X.cols !== spec.widths[0] ||
    batch.Y.cols !== spec.widths[spec.widths.length - 1] ||
    batch.X.rows !== batch.Y.rows
  )
    throw new Error('internal: batch shape does not match the network');
  if (spec.norm === 'batch' && batch.X.rows < 2)
    throw new Error('internal: BatchNorm needs a batch of at least 2');
  const B = batch.X.rows;
  // Every matrix of the evaluation in the kernels' memory, where the products use it in place; an
  // estimate — past it, matrices are allocated on the heap and copied around the products.
  // θ, ∇L (and v, H v; with bounds their bounds and the weights' magnitudes), the activations, and
  // the scratch of the largest product (A B packs a layer's weights: 32·m·(⌈B/4⌉ + ⌈k/4⌉) bytes).
  const widths = spec.widths.reduce((s, w) => s + w, 0);
  const vectors = 2 + (v ? 2 : 0) + (opts.bound ? 3 + (v ? 3 : 0) : 0);
  let scratch = 0;
  for (let l = 1; l < spec.widths.length; l++) {
    const [k, m] = [spec.widths[l - 1]!, spec.widths[l]!];
    scratch = Math.max(scratch, 32 * m * (Math.ceil(B / 4) + Math.ceil(k / 4)), 32 * k * Math.ceil(B / 4));
  }
  const bytes = 8 * (vectors * net.size + 48 * B * widths) + scratch + 65536;
  return withArena(bytes, () => {
    const inArena = (x: Float64Array): Float64Array => {
      const a = arenaArray(x.length, false);
      return a ? (a.set(x), a) : x;
    };
    const e = evaluateIn(
      net,
      inArena(theta),
      { X: mat(batch.X.rows, batch.X.cols, inArena(batch.X.data)), Y: batch.Y },
      v && inArena(v),
      opts,
    );
    return read(e);
  });
}

function evaluateIn(
  net: Network,
  theta: Float64Array,
  batch: Batch,
  v: Float64Array | undefined,
  opts: EvaluateOptions,
): Evaluation {
  const { spec } = net;
  const L = spec.widths.length - 1;
  const B = batch.X.rows;
  const act = actFns(spec.act);
  const { sigma, d1: dsigma, d2: d2sigma } = act;
  const P = (name: string): Mat => view(theta, blockOf(net, name));
  const V = (name: string): Mat | undefined => (v ? view(v, blockOf(net, name)) : undefined);
  const caches: LayerCache[] = [];

  let A = batch.X;
  let Adot: Mat | undefined;
  for (let l = 1; l <= L; l++) {
    const W = P(`W${l}`),
      Wd = V(`W${l}`);
    const Z = mulABt(A, W);
    let Zdot: Mat | undefined;
    if (v) {
      Zdot = mulABt(A, Wd!);
      if (Adot) mulABt(Adot, W, Zdot, true);
    }
    if (spec.bias) {
      addRow(Z, P(`b${l}`).data);
      if (Zdot) addRow(Zdot, V(`b${l}`)!.data);
    }
    if (l === L) {
      caches.push({ A, ...(Adot ? { Adot } : {}), Z, ...(Zdot ? { Zdot } : {}), Q: Z });
      A = Z;
      Adot = Zdot;
      break;
    }
    let Q = Z,
      Qdot = Zdot,
      nc: NormCache | undefined;
    if (spec.norm !== 'none') {
      nc = normForward(spec.norm, Z, Zdot);
      Q = nc.N;
      Qdot = nc.Ndot;
      if (spec.affine) {
        const g = P(`gamma${l}`).data,
          bt = P(`beta${l}`).data;
        const gd = V(`gamma${l}`)?.data,
          btd = V(`beta${l}`)?.data;
        const Q2 = mat(Q.rows, Q.cols);
        const Q2dot = Qdot ? mat(Q.rows, Q.cols) : undefined;
        for (let i = 0; i < Q.rows; i++)
          for (let j = 0; j < Q.cols; j++) {
            const k = i * Q.cols + j;
            Q2.data[k] = g[j]! * Q.data[k]! + bt[j]!;
            if (Q2dot) Q2dot.data[k] = gd![j]! * Q.data[k]! + g[j]! * Qdot!.data[k]! + btd![j]!;
          }
        Q = Q2;
        Qdot = Q2dot;
      }
    }
    caches.push({
      A,
      ...(Adot ? { Adot } : {}),
      Z,
      ...(Zdot ? { Zdot } : {}),
      ...(nc ? { norm: nc } : {}),
      Q,
      ...(Qdot ? { Qdot } : {}),
    });
    const H = mat(Q.rows, Q.cols);
    for (let k = 0; k < H.data.length; k++) H.data[k] = sigma(Q.data[k]!);
    let Hdot: Mat | undefined;
    if (Qdot) {
      Hdot = mat(Q.rows, Q.cols);
      for (let k = 0; k < H.data.length; k++) Hdot.data[k] = dsigma(Q.data[k]!) * Qdot.data[k]!;
    }
    A = H;
    Adot = Hdot;
  }

  // Loss and its adjoint at the output F = A.
  const F = A,
    Fdot = Adot,
    Y = batch.Y;
  const out = F.cols;
  let loss = 0;
  const Fbar = mat(B, out);
  const FbarR = v ? mat(B, out) : undefined;
  const prob = new Float64Array(out);
  for (let i = 0; i < B; i++) {
    const r = i * out;
    if (spec.loss === 'mse') {
      for (let j = 0; j < out; j++) {
        const d = F.data[r + j]! - Y.data[r + j]!;
        loss += (d * d) / (2 * B);
        Fbar.data[r + j] = d / B;
        if (FbarR) FbarR.data[r + j] = Fdot!.data[r + j]! / B;
      }
    } else {
      let mx = -Infinity;
      for (let j = 0; j < out; j++) mx = Math.max(mx, F.data[r + j]!);
      let se = 0;
      for (let j = 0; j < out; j++) se += Math.exp(F.data[r + j]! - mx);
      const lse = mx + Math.log(se);
      for (let j = 0; j < out; j++) prob[j] = Math.exp(F.data[r + j]! - lse);
      for (let c = 0; c < out; c++) {
        loss += (Y.data[r + c]! * (lse - F.data[r + c]!)) / B;
        // P_c − Y_c written as Σ_j (P_c Y_j − Y_c P_j) (Σ Y = Σ P = 1): no cancellation of P_c ≈ 1
        // against Y_c = 1.
        let d = 0;
        for (let j = 0; j < out; j++) if (j !== c) d += prob[c]! * Y.data[r + j]! - Y.data[r + c]! * prob[j]!;
        Fbar.data[r + c] = d / B;
        if (FbarR) {
          // R(P_c) = P_c Σ_j P_j (Ḟ_c − Ḟ_j).
          let q = 0;
          for (let j = 0; j < out; j++)
            if (j !== c) q += prob[j]! * (Fdot!.data[r + c]! - Fdot!.data[r + j]!);
          FbarR.data[r + c] = (prob[c]! * q) / B;
        }
      }
    }
  }
  // Backpropagating a given output adjoint instead (a row of the output Jacobian, for the NTK).
  if (opts.outputAdjoint) {
    if (opts.outputAdjoint.rows !== B || opts.outputAdjoint.cols !== out)
      throw new Error('internal: output adjoint shape does not match the batch');
    Fbar.data.set(opts.outputAdjoint.data);
  }
  let lossDot: number | undefined;
  if (Fdot) {
    lossDot = 0;
    for (let k = 0; k < Fbar.data.length; k++) lossDot += Fbar.data[k]! * Fdot.data[k]!;
  }

  // Backward, with R-adjoints.
  const grad = zeros(net.size);
  const hv = v ? zeros(net.size) : undefined;
  // With `bound`, the adjoints as computed, for the first-order terms of the bounds (numeric/bounds.ts).
  const adjoints: LayerAdjoints[] = [];
  const G = (name: string): Mat => view(grad, blockOf(net, name));
  const HV = (name: string): Mat | undefined => (hv ? view(hv, blockOf(net, name)) : undefined);
  let Hbar = Fbar,
    HbarR = FbarR; // adjoint of the current layer's output
  for (let l = L; l >= 1; l--) {
    const c = caches[l - 1]!;
    let Zbar: Mat, ZbarR: Mat | undefined;
    let Qbar: Mat | undefined, QbarR: Mat | undefined, Nbar: Mat | undefined, NbarR: Mat | undefined;
    if (l === L) {
      Zbar = Hbar;
      ZbarR = HbarR;
    } else {
      // Activation: Q̄ = σ'(Q) H̄;  R(Q̄) = σ'(Q) R(H̄) + σ''(Q) Q̇ H̄.
      Qbar = mat(c.Q.rows, c.Q.cols);
      QbarR = HbarR ? mat(c.Q.rows, c.Q.cols) : undefined;
      for (let k = 0; k < Qbar.data.length; k++) {
        const q = c.Q.data[k]!;
        Qbar.data[k] = dsigma(q) * Hbar.data[k]!;
        if (QbarR)
          QbarR.data[k] = dsigma(q) * HbarR!.data[k]! + d2sigma(q) * c.Qdot!.data[k]! * Hbar.data[k]!;
      }
      Nbar = Qbar;
      NbarR = QbarR;
      if (c.norm) {
        if (spec.affine) {
          const g = P(`gamma${l}`).data,
            gd = V(`gamma${l}`)?.data;
          const gG = G(`gamma${l}`).data,
            bG = G(`beta${l}`).data;
          const gH = HV(`gamma${l}`)?.data,
            bH = HV(`beta${l}`)?.data;
          Nbar = mat(Qbar.rows, Qbar.cols);
          NbarR = QbarR ? mat(Qbar.rows, Qbar.cols) : undefined;
          const N = c.norm.N.data,
            Nd = c.norm.Ndot?.data;
          for (let i = 0; i < Qbar.rows; i++)
            for (let j = 0; j < Qbar.cols; j++) {
              const k = i * Qbar.cols + j;
              gG[j]! += Qbar.data[k]! * N[k]!;
              bG[j]! += Qbar.data[k]!;
              Nbar.data[k] = g[j]! * Qbar.data[k]!;
              if (NbarR) {
                gH![j]! += QbarR!.data[k]! * N[k]! + Qbar.data[k]! * Nd![k]!;
                bH![j]! += QbarR!.data[k]!;
                NbarR.data[k] = g[j]! * QbarR!.data[k]! + gd![j]! * Qbar.data[k]!;
              }
            }
        }
        const nb = normBackward(spec.norm, c.norm, Nbar, NbarR);
        Zbar = nb.Zbar;
        ZbarR = nb.ZbarR;
      } else {
        Zbar = Nbar;
        ZbarR = NbarR;
      }
    }
    // Linear: W̄ = Z̄ᵀ A, b̄ = Σ Z̄, Ā = Z̄ W;
    // R: W̄' = Z̄'ᵀ A + Z̄ᵀ Ȧ, b̄' = Σ Z̄', Ā' = Z̄' W + Z̄ Ẇ.
    const W = P(`W${l}`);
    addAtB(Zbar, c.A, G(`W${l}`));
    if (spec.bias) colSumInto(Zbar, G(`b${l}`).data);
    if (ZbarR) {
      const WH = HV(`W${l}`)!;
      addAtB(ZbarR, c.A, WH);
      if (c.Adot) addAtB(Zbar, c.Adot, WH);
      if (spec.bias) colSumInto(ZbarR, HV(`b${l}`)!.data);
    }
    if (opts.bound)
      adjoints[l - 1] = {
        Zbar,
        ...(l < L ? { Hbar, Qbar: Qbar!, Nbar: Nbar! } : {}),
        ...(ZbarR ? { ZbarR } : {}),
        ...(l < L && HbarR ? { HbarR, QbarR: QbarR!, NbarR: NbarR! } : {}),
      };
    if (l > 1) {
      const Abar = mat(c.A.rows, c.A.cols);
      addAB(Zbar, W, Abar);
      let AbarR: Mat | undefined;
      if (ZbarR) {
        AbarR = mat(c.A.rows, c.A.cols);
        addAB(ZbarR, W, AbarR);
        addAB(Zbar, V(`W${l}`)!, AbarR);
      }
      Hbar = Abar;
      HbarR = AbarR;
    }
  }
  // Rounding bounds: what every gradient and H v entry is made of, in magnitudes (numeric/bounds.ts).
  const gradBound = opts.bound ? zeros(net.size) : undefined;
  const hvBound = opts.bound && v ? zeros(net.size) : undefined;
  if (gradBound)
    roundingBounds({
      norm: spec.norm,
      affine: spec.affine,
      bias: spec.bias,
      loss: spec.loss,
      act,
      X: batch.X,
      Y: batch.Y,
      caches,
      adjoints,
      ...(opts.outputAdjoint ? { outputAdjoint: opts.outputAdjoint } : {}),
      param: P,
      ...(v ? { direction: (name: string) => view(v, blockOf(net, name)) } : {}),
      gradBound: (name) => view(gradBound, blockOf(net, name)),
      ...(hvBound ? { hvBound: (name: string) => view(hvBound, blockOf(net, name)) } : {}),
    });
  return {
    loss,
    grad,
    outputs: F,
    outputAdjoint: Fbar,
    ...(hv ? { hv } : {}),
    ...(lossDot !== undefined ? { lossDot } : {}),
    ...(gradBound ? { gradBound } : {}),
    ...(hvBound ? { hvBound } : {}),
  };
}
