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
import { type Mat, mat, mulABt, addAtB, addAB } from './linalg';

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

/** A concrete multilayer perceptron: widths, activation, normalisation (with or without affine γ, β), loss, biases. */
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

export interface Block {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  readonly offset: number;
}

export interface Network {
  readonly spec: MlpSpec;
  readonly blocks: readonly Block[];
  /** Number of parameters. */
  readonly size: number;
}

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
   * make it up (an absolute-value backward pass). Rounding errs by about 1e-16 of this, so it is
   * the scale against which a gradient that should cancel is measured.
   */
  readonly gradBound?: Float64Array;
  /** With `bound` and a direction: the same for every entry of H v. */
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
 * parameters) `scan` 0.3 s / 70 MB and `check rescale --runs 1` 1 s / 170 MB; 2000-2000-10
 * (4 million) `check translation --runs 1` 12 s / 470 MB. Laws that form n × n matrices (gl at a
 * layer of n units) have their own limit (src/check/values.ts).
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
      `widths must be ≥ 2 positive integers, got [${widths.slice(0, 8).join(', ')}${widths.length > 8 ? ', …' : ''}]`,
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

function actFns(a: Activation): [(z: number) => number, (z: number) => number, (z: number) => number] {
  switch (a.kind) {
    case 'relu':
      return [(z) => (z > 0 ? z : 0), (z) => (z > 0 ? 1 : 0), () => 0];
    case 'leaky':
      return [(z) => (z > 0 ? z : a.slope * z), (z) => (z > 0 ? 1 : a.slope), () => 0];
    case 'linear':
      return [(z) => z, () => 1, () => 0];
    case 'tanh':
      return [
        Math.tanh,
        (z) => {
          const t = Math.tanh(z);
          return 1 - t * t;
        },
        (z) => {
          const t = Math.tanh(z);
          return -2 * t * (1 - t * t);
        },
      ];
    case 'poly': {
      const k = a.degree;
      return [(z) => z ** k, (z) => k * z ** (k - 1), (z) => (k >= 2 ? k * (k - 1) * z ** (k - 2) : 0)];
    }
  }
}

// ---------------- normalisation over groups ----------------

/** A normalisation group whose standard deviation is below this fraction of its largest value is
 * refused: its normalised output would be rounding noise amplified. */
export const DEGENERATE_SPREAD = 1e-6;

/** Groups of a B×n matrix normalised together: columns (BatchNorm) or rows (LayerNorm). */
function groups(
  norm: Norm,
  rows: number,
  cols: number,
): { count: number; size: number; start: (g: number) => number; stride: number } {
  return norm === 'batch'
    ? { count: cols, size: rows, start: (g) => g, stride: cols }
    : { count: rows, size: cols, start: (g) => g * cols, stride: 1 };
}

interface NormCache {
  readonly N: Mat;
  readonly s: Float64Array;
  readonly Ndot?: Mat;
  readonly sdot?: Float64Array;
}

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

interface LayerCache {
  readonly A: Mat;
  readonly Adot?: Mat; // input
  readonly Z: Mat;
  readonly Zdot?: Mat; // pre-normalisation
  readonly norm?: NormCache;
  readonly Q: Mat;
  readonly Qdot?: Mat; // pre-activation
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
  opts: { readonly bound?: boolean; readonly outputAdjoint?: Mat } = {},
): Evaluation {
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
  const L = spec.widths.length - 1;
  const B = batch.X.rows;
  const [sigma, dsigma, d2sigma] = actFns(spec.act);
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
  const FbarAbs = opts.bound ? mat(B, out) : undefined;
  for (let i = 0; i < B; i++) {
    const r = i * out;
    if (spec.loss === 'mse') {
      for (let j = 0; j < out; j++) {
        const d = F.data[r + j]! - Y.data[r + j]!;
        loss += (d * d) / (2 * B);
        Fbar.data[r + j] = d / B;
        if (FbarAbs) FbarAbs.data[r + j] = (Math.abs(F.data[r + j]!) + Math.abs(Y.data[r + j]!)) / B;
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
        // P_c − Y_c written as Σ_j (P_c Y_j − Y_c P_j) (Σ Y = Σ P = 1): no cancellation of P_c ≈ 1 against Y_c = 1.
        let d = 0;
        for (let j = 0; j < out; j++) if (j !== c) d += prob[c]! * Y.data[r + j]! - Y.data[r + c]! * prob[j]!;
        Fbar.data[r + c] = d / B;
        if (FbarAbs) FbarAbs.data[r + c] = (prob[c]! + Math.abs(Y.data[r + c]!)) / B;
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
  const grad = new Float64Array(net.size);
  const hv = v ? new Float64Array(net.size) : undefined;
  const gradBound = opts.bound ? new Float64Array(net.size) : undefined;
  const GB = (name: string): Mat => view(gradBound!, blockOf(net, name));
  const absMat = (m: Mat): Mat => mat(m.rows, m.cols, m.data.map(Math.abs));
  let HbarAbs = FbarAbs;
  const hAbs: Mat[] = [];
  const zAbs: Mat[] = [];
  const G = (name: string): Mat => view(grad, blockOf(net, name));
  const HV = (name: string): Mat | undefined => (hv ? view(hv, blockOf(net, name)) : undefined);
  let Hbar = Fbar,
    HbarR = FbarR; // adjoint of the current layer's output
  for (let l = L; l >= 1; l--) {
    const c = caches[l - 1]!;
    let Zbar: Mat, ZbarR: Mat | undefined;
    let ZbarAbs: Mat | undefined;
    if (HbarAbs) hAbs[l] = HbarAbs;
    if (l === L) {
      Zbar = Hbar;
      ZbarR = HbarR;
      ZbarAbs = HbarAbs;
    } else {
      if (HbarAbs) ZbarAbs = absBackward(spec, c, HbarAbs, dsigma, opts.bound ? P : undefined, l);
      // Activation: Q̄ = σ'(Q) H̄;  R(Q̄) = σ'(Q) R(H̄) + σ''(Q) Q̇ H̄.
      const Qbar = mat(c.Q.rows, c.Q.cols);
      const QbarR = HbarR ? mat(c.Q.rows, c.Q.cols) : undefined;
      for (let k = 0; k < Qbar.data.length; k++) {
        const q = c.Q.data[k]!;
        Qbar.data[k] = dsigma(q) * Hbar.data[k]!;
        if (QbarR)
          QbarR.data[k] = dsigma(q) * HbarR!.data[k]! + d2sigma(q) * c.Qdot!.data[k]! * Hbar.data[k]!;
      }
      let Nbar = Qbar,
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
    // Linear: W̄ = Z̄ᵀ A, b̄ = Σ Z̄, Ā = Z̄ W; R: W̄' = Z̄'ᵀ A + Z̄ᵀ Ȧ, b̄' = Σ Z̄', Ā' = Z̄' W + Z̄ Ẇ.
    const W = P(`W${l}`);
    addAtB(Zbar, c.A, G(`W${l}`));
    if (spec.bias) colSumInto(Zbar, G(`b${l}`).data);
    if (ZbarR) {
      const WH = HV(`W${l}`)!;
      addAtB(ZbarR, c.A, WH);
      if (c.Adot) addAtB(Zbar, c.Adot, WH);
      if (spec.bias) colSumInto(ZbarR, HV(`b${l}`)!.data);
    }
    if (ZbarAbs) {
      zAbs[l] = ZbarAbs;
      addAtB(ZbarAbs, absMat(c.A), GB(`W${l}`));
      if (spec.bias) colSumInto(ZbarAbs, GB(`b${l}`).data);
      if (spec.norm !== 'none' && spec.affine && l < L)
        absAffineGrads(c, HbarAbs!, dsigma, GB(`gamma${l}`).data, GB(`beta${l}`).data);
    }
    if (l > 1) {
      if (ZbarAbs) {
        const Ab = mat(c.A.rows, c.A.cols);
        addAB(ZbarAbs, absMat(W), Ab);
        HbarAbs = Ab;
      }
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
  const hvBound =
    opts.bound && v ? hvBoundPass(net, theta, v, batch, caches, hAbs, zAbs, dsigma, d2sigma) : undefined;
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

/**
 * Rounding scale of H v: the R-operator's computation repeated in absolute values (tangents
 * forward, R-adjoints backward), so every entry is the sum of the magnitudes of its contributions.
 * hAbs[l] / zAbs[l] are the absolute adjoints of layer l's output and pre-normalisation values.
 */
function hvBoundPass(
  net: Network,
  theta: Float64Array,
  v: Float64Array,
  batch: Batch,
  caches: readonly LayerCache[],
  hAbs: readonly Mat[],
  zAbs: readonly Mat[],
  dsigma: (z: number) => number,
  d2sigma: (z: number) => number,
): Float64Array {
  const { spec } = net;
  const L = spec.widths.length - 1;
  const B = batch.X.rows;
  const abs = (m: Mat): Mat => mat(m.rows, m.cols, m.data.map(Math.abs));
  const P = (name: string): Mat => abs(view(theta, blockOf(net, name)));
  const V = (name: string): Mat => abs(view(v, blockOf(net, name)));
  const out = new Float64Array(net.size);
  const O = (name: string): Mat => view(out, blockOf(net, name));
  // Forward: absolute tangents.
  const tA: (Mat | undefined)[] = [];
  const tQ: Mat[] = [];
  const tN: Mat[] = [];
  const tS: Float64Array[] = [];
  let TA: Mat | undefined;
  for (let l = 1; l <= L; l++) {
    const c = caches[l - 1]!;
    tA[l] = TA;
    const TZ = mulABt(abs(c.A), V(`W${l}`));
    if (TA) mulABt(TA, P(`W${l}`), TZ, true);
    if (spec.bias) addRow(TZ, V(`b${l}`).data);
    if (l === L) {
      TA = TZ;
      break;
    }
    let TQ = TZ;
    if (c.norm) {
      const G = groups(spec.norm, TZ.rows, TZ.cols);
      const TNl = mat(TZ.rows, TZ.cols);
      const ts = new Float64Array(G.count);
      const n = c.norm.N.data;
      for (let g = 0; g < G.count; g++) {
        const st = G.start(g);
        const sg = c.norm.s[g]!;
        let mt = 0;
        for (let t = 0; t < G.size; t++) mt += TZ.data[st + t * G.stride]!;
        mt /= G.size;
        let cc = 0;
        for (let t = 0; t < G.size; t++) {
          const i = st + t * G.stride;
          cc += Math.abs(n[i]! * sg) * (TZ.data[i]! + mt);
        }
        ts[g] = cc / G.size / sg;
        for (let t = 0; t < G.size; t++) {
          const i = st + t * G.stride;
          TNl.data[i] = (TZ.data[i]! + mt + Math.abs(n[i]!) * ts[g]!) / sg;
        }
      }
      tN[l] = TNl;
      tS[l] = ts;
      TQ = TNl;
      if (spec.affine) {
        const g = P(`gamma${l}`).data,
          gd = V(`gamma${l}`).data,
          bd = V(`beta${l}`).data;
        TQ = mat(TZ.rows, TZ.cols);
        for (let i = 0; i < TZ.rows; i++)
          for (let j = 0; j < TZ.cols; j++) {
            const k = i * TZ.cols + j;
            TQ.data[k] = gd[j]! * Math.abs(n[k]!) + g[j]! * TNl.data[k]! + bd[j]!;
          }
      }
    }
    tQ[l] = TQ;
    const TH = mat(TQ.rows, TQ.cols);
    for (let k = 0; k < TH.data.length; k++) TH.data[k] = Math.abs(dsigma(c.Q.data[k]!)) * TQ.data[k]!;
    TA = TH;
  }
  // The loss's R-adjoint in absolute values.
  const F = caches[L - 1]!.Z,
    TF = TA!;
  const outW = F.cols;
  let RH = mat(B, outW);
  for (let i = 0; i < B; i++) {
    const r = i * outW;
    if (spec.loss === 'mse') for (let j = 0; j < outW; j++) RH.data[r + j] = TF.data[r + j]! / B;
    else {
      let mx = -Infinity;
      for (let j = 0; j < outW; j++) mx = Math.max(mx, F.data[r + j]!);
      let se = 0;
      for (let j = 0; j < outW; j++) se += Math.exp(F.data[r + j]! - mx);
      const lse = mx + Math.log(se);
      const p = Array.from({ length: outW }, (_, j) => Math.exp(F.data[r + j]! - lse));
      for (let c2 = 0; c2 < outW; c2++) {
        let q = 0;
        for (let j = 0; j < outW; j++) if (j !== c2) q += p[j]! * (TF.data[r + c2]! + TF.data[r + j]!);
        RH.data[r + c2] = (p[c2]! * q) / B;
      }
    }
  }
  // Backward: absolute R-adjoints.
  for (let l = L; l >= 1; l--) {
    const c = caches[l - 1]!;
    let RZ = RH;
    if (l < L) {
      const Hb = hAbs[l]!;
      const RQ = mat(RH.rows, RH.cols);
      const Qb = mat(RH.rows, RH.cols);
      for (let k = 0; k < RQ.data.length; k++) {
        const q = c.Q.data[k]!;
        Qb.data[k] = Math.abs(dsigma(q)) * Hb.data[k]!;
        RQ.data[k] = Math.abs(dsigma(q)) * RH.data[k]! + Math.abs(d2sigma(q)) * tQ[l]!.data[k]! * Hb.data[k]!;
      }
      RZ = RQ;
      if (c.norm) {
        const n = c.norm.N.data;
        let RN = RQ,
          Nb = Qb;
        if (spec.affine) {
          const g = P(`gamma${l}`).data,
            gd = V(`gamma${l}`).data;
          const og = O(`gamma${l}`).data,
            ob = O(`beta${l}`).data;
          RN = mat(RQ.rows, RQ.cols);
          Nb = mat(RQ.rows, RQ.cols);
          for (let i = 0; i < RQ.rows; i++)
            for (let j = 0; j < RQ.cols; j++) {
              const k = i * RQ.cols + j;
              og[j]! += RQ.data[k]! * Math.abs(n[k]!) + Qb.data[k]! * tN[l]!.data[k]!;
              ob[j]! += RQ.data[k]!;
              RN.data[k] = g[j]! * RQ.data[k]! + gd[j]! * Qb.data[k]!;
              Nb.data[k] = g[j]! * Qb.data[k]!;
            }
        }
        const G = groups(spec.norm, RN.rows, RN.cols);
        RZ = mat(RN.rows, RN.cols);
        for (let gi = 0; gi < G.count; gi++) {
          const st = G.start(gi);
          const sg = c.norm.s[gi]!;
          let m1r = 0,
            m2 = 0,
            m2r = 0;
          for (let t = 0; t < G.size; t++) {
            const i = st + t * G.stride;
            m1r += RN.data[i]!;
            m2 += Nb.data[i]! * Math.abs(n[i]!);
            m2r += RN.data[i]! * Math.abs(n[i]!) + Nb.data[i]! * tN[l]!.data[i]!;
          }
          m1r /= G.size;
          m2 /= G.size;
          m2r /= G.size;
          for (let t = 0; t < G.size; t++) {
            const i = st + t * G.stride;
            RZ.data[i] =
              (tS[l]![gi]! / sg) * zAbs[l]!.data[i]! +
              (RN.data[i]! + m1r + tN[l]!.data[i]! * m2 + Math.abs(n[i]!) * m2r) / sg;
          }
        }
      }
    }
    addAtB(RZ, abs(c.A), O(`W${l}`));
    if (tA[l]) addAtB(zAbs[l]!, tA[l]!, O(`W${l}`));
    if (spec.bias) colSumInto(RZ, O(`b${l}`).data);
    if (l > 1) {
      const RA = mat(c.A.rows, c.A.cols);
      addAB(RZ, P(`W${l}`), RA);
      addAB(zAbs[l]!, V(`W${l}`), RA);
      RH = RA;
    }
  }
  return out;
}

/**
 * |Q̄| = |σ'(Q)| |H̄| and, behind a normalisation, |N̄| = |γ| |Q̄|, |Z̄| = (|N̄| + mean |N̄| + |N|
 * mean(|N̄| |N|)) / s.
 */
function absBackward(
  spec: MlpSpec,
  c: LayerCache,
  HbarAbs: Mat,
  dsigma: (z: number) => number,
  P: ((name: string) => Mat) | undefined,
  l: number,
): Mat {
  const Q = mat(c.Q.rows, c.Q.cols);
  for (let k = 0; k < Q.data.length; k++) Q.data[k] = Math.abs(dsigma(c.Q.data[k]!)) * HbarAbs.data[k]!;
  if (!c.norm) return Q;
  const Nb = mat(Q.rows, Q.cols);
  const g = spec.affine && P ? P(`gamma${l}`).data : undefined;
  for (let i = 0; i < Q.rows; i++)
    for (let j = 0; j < Q.cols; j++)
      Nb.data[i * Q.cols + j] = (g ? Math.abs(g[j]!) : 1) * Q.data[i * Q.cols + j]!;
  const G = groups(spec.norm, Q.rows, Q.cols);
  const Z = mat(Q.rows, Q.cols);
  const n = c.norm.N.data;
  for (let gi = 0; gi < G.count; gi++) {
    const st = G.start(gi);
    let m1 = 0,
      m2 = 0;
    for (let t = 0; t < G.size; t++) {
      const i = st + t * G.stride;
      m1 += Nb.data[i]!;
      m2 += Nb.data[i]! * Math.abs(n[i]!);
    }
    m1 /= G.size;
    m2 /= G.size;
    for (let t = 0; t < G.size; t++) {
      const i = st + t * G.stride;
      Z.data[i] = (Nb.data[i]! + m1 + Math.abs(n[i]!) * m2) / c.norm.s[gi]!;
    }
  }
  return Z;
}

/** |γ̄| += |Q̄| |N|, |β̄| += |Q̄| for the affine parameters behind a normalisation. */
function absAffineGrads(
  c: LayerCache,
  HbarAbs: Mat,
  dsigma: (z: number) => number,
  gB: Float64Array,
  bB: Float64Array,
): void {
  const n = c.norm!.N.data;
  for (let i = 0; i < c.Q.rows; i++)
    for (let j = 0; j < c.Q.cols; j++) {
      const k = i * c.Q.cols + j;
      const q = Math.abs(dsigma(c.Q.data[k]!)) * HbarAbs.data[k]!;
      gB[j]! += q * Math.abs(n[k]!);
      bB[j]! += q;
    }
}
