/**
 * Rounding bounds of the evaluation in numeric/mlp.ts (`evaluate(…, { bound: true })`): for every
 * gradient entry and every entry of H v, a scale such that the float64 result errs from the exact
 * result (of the same formulas, on the same double inputs) by about 1e-16 of it. Laws are judged
 * against these scales (a residual above 1e-10 of the scale refutes), so a scale that does not cover
 * the rounding refutes true laws, and one far too large hides false ones.
 *
 * The model — first-order running error analysis. Every quantity x the evaluation computes (forward
 * value, tangent, adjoint, R-adjoint) gets a magnitude |x|⁺ ≥ |x| with |fl(x) − x| ≲ ε |x|⁺ to first
 * order in ε, up to the modest factor (the γ_n of a sum of n terms, a few roundings per entry) that
 * the whole toolkit sets aside: "rounding errs by about 1e-16 of the magnitude". The rules:
 *
 * - inputs (X, Y, θ, v) are exact doubles: |x|⁺ = |x|;
 * - a sum: the sum of its terms' magnitudes (this covers the sum's own rounding, ≤ γ_n Σ |terms|,
 *   and the errors its terms carry in);
 * - a product: δ(xy) = δx·y + x·δy + the product's own rounding, so |xy|⁺ = |x|⁺|y| + |x||y|⁺, each
 *   factor's magnitude times the other's value as computed (the evaluation keeps them all: forward
 *   values, tangents, adjoints, R-adjoints). Not |x|⁺|y|⁺: a product of magnitudes is second order
 *   in the conditioning — through a normalisation whose Z − μ cancels 50-fold, an R-operator bound
 *   built so came out 1e7 times too large;
 * - a smooth function f(x) (σ, σ′, σ″ of the activation, 1/s of a normalisation): δf = f′(x) δx, so
 *   |f(x)|⁺ = |f(x)| + |f′(x)| |x|⁺ (its own evaluation, and the error of x carried by its slope);
 * - a normalisation is, to first order, the projection P = I − (1 1ᵀ + N Nᵀ)/n over its group
 *   (divided by s): errors pass through it as |P| (see the section on normalisation);
 * - a kink (ReLU, leaky ReLU at 0) is not differentiable: the bounds are those of the branch the
 *   computed pre-activation lies on. A pre-activation within rounding of the kink (|Q| ≲ γ_n ε |Q|⁺)
 *   may lie on the other side in exact arithmetic; there the derivative jumps by the difference of
 *   the slopes — an O(1) change, which no bound first order in ε can cover. The computation is then
 *   the exact one (up to the bounds) of the network on the branch it took, whose laws are the same;
 *   laws about derivatives exactly on a kink are not decided (docs/theory.md §7).
 *
 * Before these passes, the bounds were absolute-value passes over the forward values as computed
 * (|F|, |A|, |N| where this module uses |F|⁺, |A|⁺, |N|⁺), which miss the forward pass's rounding
 * amplified by cancellation inside it: an output F = x·(w₂₁w₁₁ + w₂₂w₁₂) that is 1e-10 of its terms
 * carries an error of ε·|terms|, a relative error of 1e-6, into ∂L/∂W₂ = F·h/B, whose old bound was
 * |F|·|h|/B. test/numeric/bounds.test.ts checks the bounds from both sides against a 256-bit
 * reference.
 */
import { type Mat, mat, mulABt, addAtB, addAB } from './linalg';

// ---------------- what the evaluation hands over ----------------

/** A normalisation's forward values: N = (Z − μ)/s per group, and their tangents. */
export interface NormCache {
  readonly N: Mat;
  readonly s: Float64Array;
  readonly Ndot?: Mat;
  readonly sdot?: Float64Array;
}

/** One layer's forward values: input A, pre-normalisation Z, pre-activation Q (after γ, β), tangents. */
export interface LayerCache {
  readonly A: Mat;
  readonly Adot?: Mat;
  readonly Z: Mat;
  readonly Zdot?: Mat;
  readonly norm?: NormCache;
  readonly Q: Mat;
  readonly Qdot?: Mat;
}

/** One layer's adjoints from the backward pass, and their R-derivatives with a direction (the output
 * layer has only Z̄ = F̄ and R(F̄)). */
export interface LayerAdjoints {
  /** Adjoint of the layer's output H = σ(Q). */
  readonly Hbar?: Mat;
  readonly Qbar?: Mat;
  /** Adjoint of the normalised N (γ Q̄ with affine, else Q̄). */
  readonly Nbar?: Mat;
  readonly Zbar: Mat;
  readonly HbarR?: Mat;
  readonly QbarR?: Mat;
  readonly NbarR?: Mat;
  readonly ZbarR?: Mat;
}

/** An activation's σ, σ′, σ″ (piecewise-linear ones: on the side of the kink the argument is on). */
export interface ActivationDerivatives {
  readonly sigma: (z: number) => number;
  readonly d1: (z: number) => number;
  readonly d2: (z: number) => number;
  /**
   * The factors the bounds need at a pre-activation z whose error is up to ε·M, written into out:
   * |σ′(z)|, |σ″(z)|, and moved(d) for d = 0, 1, 2 — how far the computed σ^(d) can be, in units of
   * ε, from σ^(d) at the exact argument: |fl σ^(d)(z) − σ^(d)(z + δ)| ≤ ε · moved(d) for |δ| ≤ ε M.
   * To first order |σ^(d+1)(z)| M, plus (d > 0) the evaluation's own error, which the factor's value
   * does not bound where it cancels (tanh′ = 1 − tanh² in saturation). The activations add their
   * remainder (zᵏ exactly, tanh by the sup of the next derivative), so that where the first order
   * vanishes — zᵏ at a pre-activation that rounds to 0 — the bound still holds (there the error is
   * ε² |z|⁺² or ε³ |z|⁺³). (σ's own evaluation is within ε|σ| for all of them.)
   */
  readonly factors: (z: number, M: number, out: Float64Array) => void;
}

export type NormKind = 'none' | 'batch' | 'layer';

/** Groups of a B×n matrix normalised together: columns (BatchNorm) or rows (LayerNorm). */
export function groups(
  norm: NormKind,
  rows: number,
  cols: number,
): { count: number; size: number; start: (g: number) => number; stride: number } {
  return norm === 'batch'
    ? { count: cols, size: rows, start: (g) => g, stride: cols }
    : { count: rows, size: cols, start: (g) => g * cols, stride: 1 };
}

export interface BoundInput {
  readonly norm: NormKind;
  readonly affine: boolean;
  readonly bias: boolean;
  readonly loss: 'mse' | 'ce';
  readonly act: ActivationDerivatives;
  readonly X: Mat;
  readonly Y: Mat;
  /** caches[l − 1], adjoints[l − 1]: layer l = 1 … L. */
  readonly caches: readonly LayerCache[];
  readonly adjoints: readonly LayerAdjoints[];
  /** The output adjoint given instead of the loss's (it is exact). */
  readonly outputAdjoint?: Mat;
  /** A block of θ (W1, b1, gamma1, beta1, …), of the direction v, and of the two bound vectors. */
  readonly param: (name: string) => Mat;
  readonly direction?: (name: string) => Mat;
  readonly gradBound: (name: string) => Mat;
  readonly hvBound?: (name: string) => Mat;
}

const absMat = (m: Mat): Mat => {
  const out = mat(m.rows, m.cols);
  const a = m.data,
    o = out.data;
  for (let k = 0; k < a.length; k++) o[k] = Math.abs(a[k]!);
  return out;
};
const absVec = (v: Float64Array): Float64Array => v.map(Math.abs);
const addRow = (M: Mat, row: Float64Array): void => {
  for (let i = 0; i < M.rows; i++) for (let j = 0; j < M.cols; j++) M.data[i * M.cols + j]! += row[j]!;
};
const colSumInto = (M: Mat, out: Float64Array): void => {
  for (let i = 0; i < M.rows; i++) for (let j = 0; j < M.cols; j++) out[j]! += M.data[i * M.cols + j]!;
};

/** The forward magnitudes of one layer, and the activation's slope factors at its pre-activations. */
interface LayerMagnitudes {
  /** |A| and |A|⁺ of the input (equal for the data X, which is exact). */
  readonly absA: Mat;
  readonly MA: Mat;
  readonly absW: Mat;
  readonly MZ: Mat;
  /** Normalisation: |s|⁺ per group, |N|⁺, and the projection's plan per group. */
  readonly Ms?: Float64Array;
  readonly plans?: readonly ProjectionPlan[];
  readonly MN?: Mat;
  readonly MQ: Mat;
  /** |σ′(Q)|, |σ″(Q)| (hidden layers). */
  readonly slope?: Float64Array;
  readonly curv?: Float64Array;
  /** How far σ′(Q) and σ″(Q) can move with Q, in units of ε (ActivationDerivatives.factors). */
  readonly slopeMoves?: Float64Array;
  readonly curvMoves?: Float64Array;
}

/**
 * Computes gradBound (and, with a direction, hvBound) into the blocks `gradBound(name)` and
 * `hvBound(name)`, which must start at zero.
 */
export function roundingBounds(inp: BoundInput): void {
  const mags = forwardMagnitudes(inp);
  const out = outputBound(inp, mags[mags.length - 1]!.MZ);
  const back = gradBoundPass(inp, mags, out.EF);
  if (inp.direction && inp.hvBound) hvBoundPass(inp, mags, out, back);
}

// ---------------- forward: the magnitude of every forward value ----------------

/**
 * |Z|⁺ = |A|⁺|W|ᵀ + |b| for every layer (|A|⁺ = |X| at the input); through a normalisation and the
 * affine γ, β; through the activation |H|⁺ = |σ(Q)| + |σ′(Q)| |Q|⁺ (to first order). The output's |F|⁺
 * is the last |Z|⁺.
 */
function forwardMagnitudes(inp: BoundInput): LayerMagnitudes[] {
  const { caches, act } = inp;
  const L = caches.length;
  const out: LayerMagnitudes[] = [];
  let MA = absMat(inp.X);
  for (let l = 1; l <= L; l++) {
    const c = caches[l - 1]!;
    const absW = absMat(inp.param(`W${l}`));
    const absA = l === 1 ? MA : absMat(c.A);
    // Z = A Wᵀ + b: a sum of products of A (error ε|A|⁺) with exact weights.
    const MZ = mulABt(MA, absW);
    if (inp.bias) addRow(MZ, absVec(inp.param(`b${l}`).data));
    if (l === L) {
      out.push({ absA, MA, absW, MZ, MQ: MZ });
      break;
    }
    let MQ = MZ;
    let norm: { Ms: Float64Array; MN: Mat; plans: ProjectionPlan[] } | undefined;
    if (c.norm) {
      norm = normMagnitudes(inp.norm, c.norm, c.Z, MZ);
      MQ = norm.MN;
      if (inp.affine) {
        // Q = γ N + β with exact γ, β.
        const g = inp.param(`gamma${l}`).data,
          bt = inp.param(`beta${l}`).data;
        MQ = mat(MZ.rows, MZ.cols);
        for (let i = 0; i < MZ.rows; i++)
          for (let j = 0; j < MZ.cols; j++) {
            const k = i * MZ.cols + j;
            MQ.data[k] = Math.abs(g[j]!) * norm.MN.data[k]! + Math.abs(bt[j]!);
          }
      }
    }
    // H = σ(Q): its own rounding (≤ ε|H|) and how far the error of Q moves σ (|σ′(Q)| |Q|⁺ to first
    // order).
    const n = MQ.data.length;
    const slope = new Float64Array(n),
      curv = new Float64Array(n),
      slopeMoves = new Float64Array(n);
    const MH = mat(MQ.rows, MQ.cols);
    const curvMoves = inp.direction ? new Float64Array(n) : undefined;
    const H = caches[l]!.A.data;
    const f = new Float64Array(5);
    for (let k = 0; k < n; k++) {
      act.factors(c.Q.data[k]!, MQ.data[k]!, f);
      slope[k] = f[0]!;
      curv[k] = f[1]!;
      MH.data[k] = Math.abs(H[k]!) + f[2]!;
      slopeMoves[k] = f[3]!;
      if (curvMoves) curvMoves[k] = f[4]!;
    }
    out.push({
      absA,
      MA,
      absW,
      MZ,
      ...(norm ?? {}),
      MQ,
      slope,
      curv,
      slopeMoves,
      ...(curvMoves ? { curvMoves } : {}),
    });
    MA = MH;
  }
  return out;
}

// ---------------- the loss: the output adjoint and its magnitude ----------------

interface OutputBound {
  /** |F̄|⁺. */
  readonly EF: Mat;
  /** Softmax cross-entropy: the probabilities P and |P|⁺. */
  readonly p?: Mat;
  readonly Mp?: Mat;
}

/**
 * ½-mean squared error: F̄ = (F − Y)/B, so |F̄|⁺ = (|F|⁺ + |Y|)/B.
 *
 * Softmax cross-entropy, computed as lse = max F + log Σ exp(F − max F), P_c = exp(F_c − lse): an
 * error δF in the logits moves P_c by P_c (δF_c − Σ_j P_j δF_j) = P_c Σ_{j≠c} P_j (δF_c − δF_j) (lse
 * moves by Σ_j P_j δF_j; written so, the move vanishes as P_c → 1, as it does); the roundings add,
 * in the exponent, ε|F_c − lse| (the subtraction) and lse's own rounding — at most ε|lse|, and at
 * most log Σ exp(F − max F) itself, which vanishes when one logit dominates — and ε relative for exp
 * and the sum. So |P_c|⁺ = P_c (1 + |F_c − lse| + min(|lse|, log Σ/ε) + Σ_{j≠c} P_j (|F_c|⁺ + |F_j|⁺)).
 * Large logits thus count even without cancellation: P is only as accurate, in relative terms, as
 * the logits are in absolute ones. F̄_c = Σ_{j≠c} (P_c Y_j − Y_c P_j)/B (as computed: no
 * cancellation of P_c against Y_c), so |F̄_c|⁺ = Σ_{j≠c} (|P_c|⁺|Y_j| + |Y_c| |P_j|⁺)/B.
 *
 * A given output adjoint is exact: |F̄|⁺ = |F̄|.
 */
function outputBound(inp: BoundInput, MF: Mat): OutputBound {
  const F = inp.caches[inp.caches.length - 1]!.Z,
    Y = inp.Y;
  const B = F.rows,
    out = F.cols;
  const EF = mat(B, out);
  if (inp.loss === 'mse') {
    for (let k = 0; k < EF.data.length; k++) EF.data[k] = (MF.data[k]! + Math.abs(Y.data[k]!)) / B;
    if (inp.outputAdjoint) EF.data.set(absMat(inp.outputAdjoint).data);
    return { EF };
  }
  const p = mat(B, out),
    Mp = mat(B, out);
  for (let i = 0; i < B; i++) {
    const r = i * out;
    let mx = -Infinity;
    for (let j = 0; j < out; j++) mx = Math.max(mx, F.data[r + j]!);
    let se = 0;
    for (let j = 0; j < out; j++) se += Math.exp(F.data[r + j]! - mx);
    const ls = Math.log(se),
      lse = mx + ls;
    // lse's rounding: ≤ ε|lse|, and ≤ ls (max F is a double next to max F + ls), in units of ε.
    const lseRound = Math.min(Math.abs(lse), ls / Number.EPSILON);
    for (let j = 0; j < out; j++) p.data[r + j] = Math.exp(F.data[r + j]! - lse);
    for (let c = 0; c < out; c++) {
      let moved = 0;
      for (let j = 0; j < out; j++)
        if (j !== c) moved += p.data[r + j]! * (MF.data[r + c]! + MF.data[r + j]!);
      const f = F.data[r + c]!;
      Mp.data[r + c] = p.data[r + c]! * (1 + Math.abs(f - lse) + lseRound + moved);
    }
    // Σ_{j≠c} term by term, not Σ_j − (term c): P_j can be 1e-300 next to P_c ≈ 1.
    for (let c = 0; c < out; c++) {
      let e = 0;
      for (let j = 0; j < out; j++)
        if (j !== c)
          e += Mp.data[r + c]! * Math.abs(Y.data[r + j]!) + Math.abs(Y.data[r + c]!) * Mp.data[r + j]!;
      EF.data[r + c] = e / B;
    }
  }
  if (inp.outputAdjoint) EF.data.set(absMat(inp.outputAdjoint).data);
  return { EF, p, Mp };
}

// ---------------- backward: the gradient's bound ----------------

interface BackwardBounds {
  /** Per layer l (index l): |H̄|⁺, |Q̄|⁺, |N̄|⁺, |Z̄|⁺. */
  readonly EH: Mat[];
  readonly EQ: Mat[];
  readonly EN: Mat[];
  readonly EZ: Mat[];
}

/**
 * The backward pass in magnitudes, with the adjoints as computed for the first-order terms:
 *
 * - Q̄ = σ′(Q) H̄:  |Q̄|⁺ = |σ′(Q)| |H̄|⁺ + |σ″(Q)| |Q|⁺ |H̄| (to first order: `factors`);
 * - affine:  γ̄ += Q̄ N: |Q̄|⁺|N| + |Q̄| |N|⁺;  β̄ += Q̄;  N̄ = γ Q̄: |γ| |Q̄|⁺;
 * - normalisation (normBackwardBound);
 * - linear:  W̄ += Z̄ᵀ A: |Z̄|⁺ᵀ|A| + |Z̄|ᵀ|A|⁺ (the second only behind a layer: X is exact);
 *   b̄ += Σ Z̄;  Ā = Z̄ W: |Z̄|⁺|W|.
 */
function gradBoundPass(inp: BoundInput, mags: readonly LayerMagnitudes[], EF: Mat): BackwardBounds {
  const { caches, adjoints } = inp;
  const L = caches.length;
  const res: BackwardBounds = { EH: [], EQ: [], EN: [], EZ: [] };
  let EH = EF;
  for (let l = L; l >= 1; l--) {
    const c = caches[l - 1]!,
      a = adjoints[l - 1]!,
      m = mags[l - 1]!;
    let EZ: Mat;
    if (l === L) EZ = EF;
    else {
      res.EH[l] = EH;
      const Hbar = a.Hbar!.data,
        eh = EH.data,
        sl = m.slope!,
        sm = m.slopeMoves!;
      const EQ = mat(EH.rows, EH.cols);
      const eq = EQ.data;
      for (let k = 0; k < eq.length; k++) eq[k] = sl[k]! * eh[k]! + sm[k]! * Math.abs(Hbar[k]!);
      res.EQ[l] = EQ;
      if (c.norm) {
        let EN = EQ;
        if (inp.affine) {
          const g = inp.param(`gamma${l}`).data;
          const gB = inp.gradBound(`gamma${l}`).data,
            bB = inp.gradBound(`beta${l}`).data;
          const n = c.norm.N.data,
            Qbar = a.Qbar!.data,
            mn = m.MN!.data;
          EN = mat(EQ.rows, EQ.cols);
          const en = EN.data,
            cols = EQ.cols;
          for (let i = 0; i < EQ.rows; i++)
            for (let j = 0; j < cols; j++) {
              const k = i * cols + j;
              gB[j]! += eq[k]! * Math.abs(n[k]!) + Math.abs(Qbar[k]!) * mn[k]!;
              bB[j]! += eq[k]!;
              en[k] = Math.abs(g[j]!) * eq[k]!;
            }
        }
        res.EN[l] = EN;
        EZ = normBackwardBound(inp.norm, c.norm, m, EN, a.Nbar!, a.Zbar);
      } else EZ = EQ;
    }
    res.EZ[l] = EZ;
    const GW = inp.gradBound(`W${l}`);
    addAtB(EZ, m.absA, GW);
    if (l > 1) addAtB(absMat(a.Zbar), m.MA, GW);
    if (inp.bias) colSumInto(EZ, inp.gradBound(`b${l}`).data);
    if (l > 1) {
      const next = mat(c.A.rows, c.A.cols);
      addAB(EZ, m.absW, next);
      EH = next;
    }
  }
  return res;
}

// ---------------- the R-operator's bound ----------------

/**
 * Rounding scale of H v: the R-operator's computation — tangents forward, R-adjoints backward —
 * repeated in magnitudes, first order as above: each term of a product at one factor's magnitude
 * times the others' values as computed; a smooth factor f(Q) at |f(Q)| + |f′(Q)||Q|⁺ (σ′, σ″, and
 * 1/s, whose error is |s|⁺/s relative); the adjoints at their magnitudes from the gradient's pass.
 */
function hvBoundPass(
  inp: BoundInput,
  mags: readonly LayerMagnitudes[],
  ob: OutputBound,
  back: BackwardBounds,
): void {
  const { caches, adjoints } = inp;
  const L = caches.length;
  const O = inp.hvBound!;
  const absDir: { W: Mat; b?: Float64Array; gamma?: Float64Array; beta?: Float64Array }[] = [];
  // Forward: magnitudes of the tangents — of each layer's input Ȧ, of Ṅ, ṡ, Q̇.
  const eA: (Mat | undefined)[] = [];
  const eN: Mat[] = [];
  const eS: Float64Array[] = [];
  const eQ: Mat[] = [];
  let EA: Mat | undefined; // the data X has no tangent
  for (let l = 1; l <= L; l++) {
    const c = caches[l - 1]!,
      m = mags[l - 1]!;
    const d = inp.direction!;
    absDir[l] = {
      W: absMat(d(`W${l}`)),
      ...(inp.bias ? { b: absVec(d(`b${l}`).data) } : {}),
      ...(c.norm && inp.affine && l < L
        ? { gamma: absVec(d(`gamma${l}`).data), beta: absVec(d(`beta${l}`).data) }
        : {}),
    };
    eA[l] = EA;
    // Ż = A Ẇᵀ + Ȧ Wᵀ + ḃ (W, Ẇ, ḃ exact).
    const EZ = mulABt(m.MA, absDir[l]!.W);
    if (EA) mulABt(EA, m.absW, EZ, true);
    if (inp.bias) addRow(EZ, absDir[l]!.b!);
    if (l === L) {
      EA = EZ;
      break;
    }
    let EQd = EZ;
    if (c.norm) {
      const e = normTangentBound(inp.norm, c.norm, m, c.Zdot!, EZ);
      eN[l] = e.EN;
      eS[l] = e.ES;
      EQd = e.EN;
      if (inp.affine) {
        // Q̇ = γ̇ N + γ Ṅ + β̇.
        const g = inp.param(`gamma${l}`).data,
          gd = absDir[l]!.gamma!,
          bd = absDir[l]!.beta!;
        const mn = m.MN!.data;
        EQd = mat(EZ.rows, EZ.cols);
        for (let i = 0; i < EZ.rows; i++)
          for (let j = 0; j < EZ.cols; j++) {
            const k = i * EZ.cols + j;
            EQd.data[k] = gd[j]! * mn[k]! + Math.abs(g[j]!) * e.EN.data[k]! + bd[j]!;
          }
      }
    }
    eQ[l] = EQd;
    // Ḣ = σ′(Q) Q̇: |σ′| |Q̇|⁺ + |σ″| |Q|⁺ |Q̇| (to first order).
    const Qd = c.Qdot!.data;
    const EH = mat(EQd.rows, EQd.cols);
    for (let k = 0; k < EH.data.length; k++)
      EH.data[k] = m.slope![k]! * EQd.data[k]! + m.slopeMoves![k]! * Math.abs(Qd[k]!);
    EA = EH;
  }
  // The loss's R-adjoint: Ḟ/B (mse); R(F̄_c) = P_c Σ_{j≠c} P_j (Ḟ_c − Ḟ_j)/B (ce).
  const EFd = EA!,
    Fd = caches[L - 1]!.Zdot!.data;
  const B = EFd.rows,
    outW = EFd.cols;
  let RH = mat(B, outW);
  if (inp.loss === 'mse') for (let k = 0; k < RH.data.length; k++) RH.data[k] = EFd.data[k]! / B;
  else {
    const p = ob.p!.data,
      Mp = ob.Mp!.data,
      ef = EFd.data;
    for (let i = 0; i < B; i++) {
      const r = i * outW;
      for (let c2 = 0; c2 < outW; c2++) {
        let q = 0;
        for (let j = 0; j < outW; j++)
          if (j !== c2)
            q +=
              (Mp[r + c2]! * p[r + j]! + p[r + c2]! * Mp[r + j]!) * Math.abs(Fd[r + c2]! - Fd[r + j]!) +
              p[r + c2]! * p[r + j]! * (ef[r + c2]! + ef[r + j]!);
        RH.data[r + c2] = q / B;
      }
    }
  }
  // Backward: magnitudes of the R-adjoints.
  for (let l = L; l >= 1; l--) {
    const c = caches[l - 1]!,
      m = mags[l - 1]!,
      a = adjoints[l - 1]!;
    const EZb = back.EZ[l]!;
    let RZ = RH;
    if (l < L) {
      // R(Q̄) = σ′(Q) R(H̄) + σ″(Q) Q̇ H̄.
      const EHb = back.EH[l]!.data,
        Hb = a.Hbar!.data,
        HbR = a.HbarR!.data,
        Qd = c.Qdot!.data,
        EQd = eQ[l]!.data;
      // How far σ′ and σ″ move with Q: |σ″| |Q|⁺ and |σ‴| |Q|⁺ to first order (`factors`).
      const RQ = mat(RH.rows, RH.cols);
      for (let k = 0; k < RQ.data.length; k++) {
        const s2 = m.curv![k]!,
          m2 = m.curvMoves![k]!;
        RQ.data[k] =
          m.slope![k]! * RH.data[k]! +
          m.slopeMoves![k]! * Math.abs(HbR[k]!) +
          (m2 * Math.abs(Qd[k]!) + s2 * EQd[k]!) * Math.abs(Hb[k]!) +
          s2 * Math.abs(Qd[k]!) * EHb[k]!;
      }
      RZ = RQ;
      if (c.norm) {
        let RN = RQ;
        if (inp.affine) {
          // R(γ̄) += R(Q̄) N + Q̄ Ṅ;  R(β̄) += R(Q̄);  R(N̄) = γ R(Q̄) + γ̇ Q̄.
          const g = inp.param(`gamma${l}`).data,
            gd = absDir[l]!.gamma!;
          const og = O(`gamma${l}`).data,
            obt = O(`beta${l}`).data;
          const n = c.norm.N.data,
            Nd = c.norm.Ndot!.data,
            mn = m.MN!.data,
            en = eN[l]!.data,
            EQb = back.EQ[l]!.data,
            Qb = a.Qbar!.data,
            QbR = a.QbarR!.data;
          RN = mat(RQ.rows, RQ.cols);
          for (let i = 0; i < RQ.rows; i++)
            for (let j = 0; j < RQ.cols; j++) {
              const k = i * RQ.cols + j;
              og[j]! +=
                RQ.data[k]! * Math.abs(n[k]!) +
                Math.abs(QbR[k]!) * mn[k]! +
                EQb[k]! * Math.abs(Nd[k]!) +
                Math.abs(Qb[k]!) * en[k]!;
              obt[j]! += RQ.data[k]!;
              RN.data[k] = Math.abs(g[j]!) * RQ.data[k]! + gd[j]! * EQb[k]!;
            }
        }
        RZ = normRBound(inp.norm, c.norm, m, a, back.EN[l]!, EZb, eN[l]!, eS[l]!, RN);
      }
    }
    // R(W̄) += R(Z̄)ᵀ A + Z̄ᵀ Ȧ;  R(b̄) += Σ R(Z̄);  R(Ā) = R(Z̄) W + Z̄ Ẇ.
    const OW = O(`W${l}`);
    addAtB(RZ, m.absA, OW);
    if (l > 1) addAtB(absMat(a.ZbarR!), m.MA, OW);
    if (eA[l]) {
      addAtB(EZb, absMat(c.Adot!), OW);
      addAtB(absMat(a.Zbar), eA[l]!, OW);
    }
    if (inp.bias) colSumInto(RZ, O(`b${l}`).data);
    if (l > 1) {
      const RA = mat(c.A.rows, c.A.cols);
      addAB(RZ, m.absW, RA);
      addAB(EZb, absDir[l]!.W, RA);
      RH = RA;
    }
  }
}

// ---------------- normalisation: the projection P and its magnitude ----------------

/*
 * A normalisation group of n values, computed as μ = mean Z, C = Z − μ, s = √(mean C²), N = C/s, is,
 * to first order, N + P δZ/s with the projection P = I − (1 1ᵀ + N Nᵀ)/n (δs = mean(N δZ)): it
 * drops the part of an error common to the group and the part along N. The magnitudes below carry
 * errors through P as |P| — Σ_k |P_ik| E_k, not the triangle inequality E_i + mean E + |N_i| mean(|N| E),
 * which is blind to P's cancellations: for a group of two values (a LayerNorm of width 2, a batch of
 * 2) P ≡ 0, N = ±1 whatever the input, and the triangle inequality would count the input's errors —
 * after a cancellation upstream, 1e9 times what N carries.
 */

/**
 * Σ_k |P_ik| E_k for a group, P_ik = δ_ik − (1 + N_i N_k)/n, prepared once from N (the same for the
 * forward, backward, tangent and R passes): small groups (n ≤ 64) directly, n² terms; larger ones
 * in O(n) per use — Σ_k |1 + a N_k| E_k is, with the N_k sorted, two prefix sums either side of
 * N_k = −1/a, whose place for every a = N_i the plan holds.
 */
interface ProjectionPlan {
  readonly N: Float64Array;
  /** Large groups: the order of N, and for every i the number of sorted N_k with 1 + N_i N_k < 0
   * before it (N_i > 0) or where they start (N_i < 0). */
  readonly order?: Uint32Array;
  readonly split?: Uint32Array;
}

/** sortedOrder's merge buffer, grown to the largest group met. */
let mergeScratch = new Uint32Array(0);

/**
 * 0 … n−1 ordered by N ascending, equal values by index: what a stable sort of the indices by
 * N[x] − N[y] gives (N finite). Runs of 16 by insertion, then merges, both stable, comparing the
 * values inline: 2.5× faster than Uint32Array.prototype.sort with a comparator, which calls it
 * per comparison and copies the array out and back (10 MB in a check of 100 normalised networks).
 */
export function sortedOrder(N: Float64Array): Uint32Array {
  const n = N.length;
  const RUN = 16;
  let a = new Uint32Array(n);
  for (let t = 0; t < n; t++) a[t] = t;
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(lo + RUN, n);
    for (let i = lo + 1; i < hi; i++) {
      const x = a[i]!;
      const v = N[x]!;
      let j = i - 1;
      for (; j >= lo && N[a[j]!]! > v; j--) a[j + 1] = a[j]!;
      a[j + 1] = x;
    }
  }
  if (n <= RUN) return a;
  if (mergeScratch.length < n) mergeScratch = new Uint32Array(n);
  const order = a;
  let b = mergeScratch.subarray(0, n);
  for (let w = RUN; w < n; w *= 2) {
    for (let lo = 0; lo < n; lo += 2 * w) {
      const mid = Math.min(lo + w, n);
      const hi = Math.min(lo + 2 * w, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) b[k++] = N[a[j]!]! < N[a[i]!]! ? a[j++]! : a[i++]!;
      while (i < mid) b[k++] = a[i++]!;
      while (j < hi) b[k++] = a[j++]!;
    }
    [a, b] = [b, a];
  }
  if (a !== order) order.set(a);
  return order;
}

function projectionPlan(N: Float64Array): ProjectionPlan {
  const n = N.length;
  if (n <= 64) return { N: N.slice() };
  const order = sortedOrder(N);
  const sN = new Float64Array(n);
  for (let r = 0; r < n; r++) sN[r] = N[order[r]!]!;
  const split = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const a = N[i]!;
    if (a === 0) continue;
    // The k with 1 + a N_k < 0: N_k < −1/a (a > 0), a prefix; N_k > −1/a (a < 0), a suffix.
    const th = -1 / a;
    let lo = 0,
      hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a > 0 ? sN[mid]! < th : sN[mid]! <= th) lo = mid + 1;
      else hi = mid;
    }
    split[i] = lo;
  }
  return { N: N.slice(), order, split };
}

function applyProjection(plan: ProjectionPlan, E: Float64Array, out: Float64Array): void {
  const { N, order, split } = plan;
  const n = N.length;
  if (!order || !split) {
    for (let i = 0; i < n; i++) {
      const a = N[i]!;
      let T = 0;
      for (let k = 0; k < n; k++) T += Math.abs(1 + a * N[k]!) * E[k]!;
      const aa = a * a;
      out[i] = Math.max(0, (T - (1 + aa) * E[i]! + Math.abs(n - 1 - aa) * E[i]!) / n);
    }
    return;
  }
  const pE = new Float64Array(n + 1),
    pNE = new Float64Array(n + 1);
  for (let r = 0; r < n; r++) {
    const t = order[r]!;
    pE[r + 1] = pE[r]! + E[t]!;
    pNE[r + 1] = pNE[r]! + N[t]! * E[t]!;
  }
  const Et = pE[n]!,
    NEt = pNE[n]!;
  for (let i = 0; i < n; i++) {
    const a = N[i]!;
    let T = Et;
    if (a !== 0) {
      const lo = split[i]!;
      const negE = a > 0 ? pE[lo]! : Et - pE[lo]!,
        negNE = a > 0 ? pNE[lo]! : NEt - pNE[lo]!;
      T = Et + a * NEt - 2 * (negE + a * negNE);
    }
    const aa = a * a;
    out[i] = Math.max(0, (T - (1 + aa) * E[i]! + Math.abs(n - 1 - aa) * E[i]!) / n);
  }
}

/** Σ_k |P_ik| E_k for every i of a group (dense arrays): projectionPlan and applyProjection at once. */
export function projectionMagnitude(N: Float64Array, E: Float64Array, out: Float64Array): void {
  applyProjection(projectionPlan(N), E, out);
}

/**
 * A group's entries gathered into a dense array: dst[t] = m[start + t·stride]. The group passes
 * below sum in plain loops, each mean's terms in index order, several means in one loop (each its
 * own accumulator, so each sum is the same as alone): closures per group and per mean cost 20–30 MB
 * of short-lived objects in a check of 100 normalised networks.
 */
function gather(m: Float64Array, start: number, stride: number, dst: Float64Array): void {
  for (let t = 0; t < dst.length; t++) dst[t] = m[start + t * stride]!;
}

/**
 * Forward: with the rounding of μ (≤ ε mean|Z|), of C (≤ ε|C|), of s (≤ ε s) and of N (≤ ε|N|),
 *
 * - |N_i|⁺ = (Σ_k |P_ik| |Z_k|⁺ + mean|Z|)/s + 4|N_i| (|C_i|/s = |N_i|, mean N² = 1). When the group's
 *   spread s is small against its values, Z − μ is a cancellation: μ's rounding and the errors of Z
 *   are large against s, and this is where it shows;
 * - |s|⁺ = mean(|N| |Z|⁺) + 2s: δs = mean(N δZ) (+ the roundings), ≥ s.
 */
function normMagnitudes(
  norm: NormKind,
  nc: NormCache,
  Z: Mat,
  MZ: Mat,
): { Ms: Float64Array; MN: Mat; plans: ProjectionPlan[] } {
  const G = groups(norm, MZ.rows, MZ.cols);
  const MN = mat(MZ.rows, MZ.cols);
  const Ms = new Float64Array(G.count);
  const plans: ProjectionPlan[] = [];
  const n = new Float64Array(G.size),
    mz = new Float64Array(G.size),
    S = new Float64Array(G.size);
  for (let g = 0; g < G.count; g++) {
    const st = G.start(g);
    gather(nc.N.data, st, G.stride, n);
    gather(MZ.data, st, G.stride, mz);
    const plan = projectionPlan(n);
    plans.push(plan);
    applyProjection(plan, mz, S);
    const sg = nc.s[g]!;
    let sz = 0,
      snz = 0;
    for (let t = 0; t < G.size; t++) {
      sz += Math.abs(Z.data[st + t * G.stride]!);
      snz += Math.abs(n[t]!) * mz[t]!;
    }
    const absZ = sz / G.size;
    Ms[g] = snz / G.size + 2 * sg;
    for (let t = 0; t < G.size; t++) {
      const i = st + t * G.stride;
      const an = Math.abs(n[t]!);
      MN.data[i] = (S[t]! + absZ) / sg + 4 * an;
    }
  }
  return { Ms, MN, plans };
}

/**
 * Backward: Z̄ = (N̄ − m₁ − N m₂)/s = P N̄/s, m₁ = mean N̄, m₂ = mean(N̄ N). Its magnitude:
 *
 * - the error N̄ carries: Σ_k |P_ik| |N̄_k|⁺ / s;
 * - the rounding here: (|N̄_i| + |m₁| + mean|N̄| + |N_i| (|m₂| + mean|N̄ N|))/s + |Z̄_i|;
 * - the error of N, in N m₂ and inside m₂: (|N_i|⁺ |m₂| + |N_i| mean(|N̄| |N|⁺))/s;
 * - the error of s, in the factor 1/s: |Z̄_i| |s|⁺/s.
 */
function normBackwardBound(
  norm: NormKind,
  nc: NormCache,
  m: LayerMagnitudes,
  EN: Mat,
  Nbar: Mat,
  Zbar: Mat,
): Mat {
  const G = groups(norm, EN.rows, EN.cols);
  const EZ = mat(EN.rows, EN.cols);
  const n = new Float64Array(G.size),
    en = new Float64Array(G.size),
    nb = new Float64Array(G.size),
    mn = new Float64Array(G.size),
    S = new Float64Array(G.size);
  for (let g = 0; g < G.count; g++) {
    const st = G.start(g);
    gather(nc.N.data, st, G.stride, n);
    gather(EN.data, st, G.stride, en);
    gather(Nbar.data, st, G.stride, nb);
    gather(m.MN!.data, st, G.stride, mn);
    applyProjection(m.plans![g]!, en, S);
    const sg = nc.s[g]!,
      rs = m.Ms![g]! / sg;
    let s1 = 0,
      s2 = 0,
      s3 = 0,
      s4 = 0,
      s5 = 0;
    for (let t = 0; t < G.size; t++) {
      s1 += nb[t]!;
      s2 += nb[t]! * n[t]!;
      s3 += Math.abs(nb[t]!);
      s4 += Math.abs(nb[t]! * n[t]!);
      s5 += Math.abs(nb[t]!) * mn[t]!;
    }
    const m1 = Math.abs(s1 / G.size),
      m2 = Math.abs(s2 / G.size),
      anb = s3 / G.size,
      anbn = s4 / G.size,
      anbmn = s5 / G.size;
    for (let t = 0; t < G.size; t++) {
      const i = st + t * G.stride;
      const an = Math.abs(n[t]!),
        zb = Math.abs(Zbar.data[i]!);
      EZ.data[i] =
        (S[t]! + Math.abs(nb[t]!) + m1 + anb + an * (m2 + anbn) + mn[t]! * m2 + an * anbmn) / sg +
        zb * (1 + rs);
    }
  }
  return EZ;
}

/**
 * Tangents: Ċ = Ż − mean Ż, ṡ = mean(C Ċ)/s = mean(N Ċ), Ṅ = (Ċ − N ṡ)/s = P Ż/s.
 *
 * - |ṡ|⁺ = mean(|N| |Ż|⁺) + mean(|N|⁺ |Ċ|) + mean(|N| |Ċ|) + |ṡ| (the error Ż carries, the error of N
 *   — δṡ = mean(δN Ċ) —, the rounding);
 * - |Ṅ_i|⁺ = (Σ_k |P_ik| |Ż_k|⁺ + |N_i|⁺ |ṡ| + |N_i| mean(|N|⁺ |Ċ|))/s + |Ṅ_i| |s|⁺/s + the rounding
 *   (mean|Ż| + |Ċ_i| + |N_i| (|ṡ| + mean|N Ċ|))/s + |Ṅ_i|.
 */
function normTangentBound(
  norm: NormKind,
  nc: NormCache,
  m: LayerMagnitudes,
  Zdot: Mat,
  EZ: Mat,
): { EN: Mat; ES: Float64Array } {
  const G = groups(norm, EZ.rows, EZ.cols);
  const EN = mat(EZ.rows, EZ.cols);
  const ES = new Float64Array(G.count);
  const n = new Float64Array(G.size),
    zd = new Float64Array(G.size),
    ez = new Float64Array(G.size),
    mn = new Float64Array(G.size),
    S = new Float64Array(G.size);
  for (let g = 0; g < G.count; g++) {
    const st = G.start(g);
    gather(nc.N.data, st, G.stride, n);
    gather(Zdot.data, st, G.stride, zd);
    gather(EZ.data, st, G.stride, ez);
    gather(m.MN!.data, st, G.stride, mn);
    applyProjection(m.plans![g]!, ez, S);
    const sg = nc.s[g]!,
      rs = m.Ms![g]! / sg,
      sd = Math.abs(nc.sdot![g]!);
    let s1 = 0,
      s2 = 0;
    for (let t = 0; t < G.size; t++) {
      s1 += zd[t]!;
      s2 += Math.abs(zd[t]!);
    }
    const mzd = s1 / G.size,
      azd = s2 / G.size;
    let s3 = 0,
      s4 = 0,
      s5 = 0;
    for (let t = 0; t < G.size; t++) {
      s3 += mn[t]! * Math.abs(zd[t]! - mzd);
      s4 += Math.abs(n[t]! * (zd[t]! - mzd));
      s5 += Math.abs(n[t]!) * ez[t]!;
    }
    const mnc = s3 / G.size,
      anc = s4 / G.size;
    ES[g] = s5 / G.size + mnc + anc + sd;
    for (let t = 0; t < G.size; t++) {
      const i = st + t * G.stride;
      const an = Math.abs(n[t]!),
        nd = Math.abs(nc.Ndot!.data[i]!);
      EN.data[i] =
        (S[t]! + mn[t]! * sd + an * mnc + azd + Math.abs(zd[t]! - mzd) + an * (sd + anc)) / sg +
        nd * (1 + rs);
    }
  }
  return { EN, ES };
}

/**
 * R(Z̄) = −(ṡ/s) Z̄ + U/s per group,
 * U = R(N̄) − mean R(N̄) − Ṅ m₂ − N R(m₂) = P R(N̄) − Ṅ m₂ − N mean(N̄ Ṅ),
 * m₂ = mean(N̄ N), R(m₂) = mean(R(N̄) N + N̄ Ṅ). Its magnitude, term by term:
 *
 * - the error R(N̄) carries, through P: Σ_k |P_ik| |R(N̄)_k|⁺ / s;
 * - of N̄ (in m₂ and R(m₂)): (|Ṅ_i| mean(|N̄|⁺|N|) + |N_i| mean(|N̄|⁺|Ṅ|))/s;
 * - of Ṅ: (|Ṅ_i|⁺ |m₂| + |N_i| mean(|N̄| |Ṅ|⁺))/s;
 * - of N (in P, in m₂, in the last term):
 *   (|N_i|⁺ (|mean(N R(N̄))| + |mean(N̄ Ṅ)|) + |N_i| mean(|N|⁺|R(N̄)|) + |Ṅ_i| mean(|N̄| |N|⁺))/s;
 * - of ṡ and Z̄: (|ṡ|⁺ |Z̄_i| + |ṡ| |Z̄_i|⁺)/s; of s, in both 1/s: (|R(Z̄)_i| + 2|ṡ Z̄_i|/s) |s|⁺/s;
 * - the rounding: (|R(N̄)_i| + |mean R(N̄)| + mean|R(N̄)| + |N_i| (|R(m₂)| + mean|R(N̄) N| + mean|N̄ Ṅ|) +
 *   |Ṅ_i| (|m₂| + mean|N̄ N|) + |ṡ Z̄_i|)/s + |R(Z̄)_i|.
 */
function normRBound(
  norm: NormKind,
  nc: NormCache,
  m: LayerMagnitudes,
  a: LayerAdjoints,
  ENb: Mat,
  EZb: Mat,
  ENd: Mat,
  ESd: Float64Array,
  RN: Mat,
): Mat {
  const G = groups(norm, RN.rows, RN.cols);
  const RZ = mat(RN.rows, RN.cols);
  const size = G.size;
  const n = new Float64Array(size),
    nd = new Float64Array(size),
    mn = new Float64Array(size),
    nb = new Float64Array(size),
    nbr = new Float64Array(size),
    enb = new Float64Array(size),
    end = new Float64Array(size),
    rn = new Float64Array(size),
    S = new Float64Array(size);
  for (let g = 0; g < G.count; g++) {
    const st = G.start(g);
    gather(nc.N.data, st, G.stride, n);
    gather(nc.Ndot!.data, st, G.stride, nd);
    gather(m.MN!.data, st, G.stride, mn);
    gather(a.Nbar!.data, st, G.stride, nb);
    gather(a.NbarR!.data, st, G.stride, nbr);
    gather(ENb.data, st, G.stride, enb);
    gather(ENd.data, st, G.stride, end);
    gather(RN.data, st, G.stride, rn);
    applyProjection(m.plans![g]!, rn, S);
    const sg = nc.s[g]!,
      rs = m.Ms![g]! / sg,
      sd = Math.abs(nc.sdot![g]!),
      esd = ESd[g]!;
    // The means, each summed in index order (sum k below is the k-th mean's).
    let s1 = 0,
      s2 = 0,
      s3 = 0,
      s4 = 0,
      s5 = 0,
      s6 = 0,
      s7 = 0,
      s8 = 0,
      s9 = 0,
      s10 = 0,
      s11 = 0,
      s12 = 0,
      s13 = 0,
      s14 = 0;
    for (let t = 0; t < size; t++) {
      s1 += nb[t]! * n[t]!;
      s2 += nbr[t]! * n[t]! + nb[t]! * nd[t]!;
      s3 += n[t]! * nbr[t]!;
      s4 += nb[t]! * nd[t]!;
      s5 += nbr[t]!;
      s6 += enb[t]! * Math.abs(nd[t]!);
      s7 += Math.abs(nb[t]!) * end[t]!;
      s8 += mn[t]! * Math.abs(nbr[t]!);
      s9 += Math.abs(nbr[t]! * n[t]!);
      s10 += Math.abs(nb[t]! * nd[t]!);
      s11 += enb[t]! * Math.abs(n[t]!);
      s12 += Math.abs(nb[t]!) * mn[t]!;
      s13 += Math.abs(nb[t]! * n[t]!);
      s14 += Math.abs(nbr[t]!);
    }
    const m2 = Math.abs(s1 / size),
      rm2 = Math.abs(s2 / size),
      nNbr = Math.abs(s3 / size),
      nbNd = Math.abs(s4 / size),
      m1r = Math.abs(s5 / size);
    // Errors carried in (N̄, Ṅ, N) and the rounding, per term that multiplies |N_i|, |Ṅ_i|, |N_i|⁺.
    const perN = s6 / size + s7 / size + s8 / size + rm2 + s9 / size + s10 / size;
    const perNd = s11 / size + s12 / size + m2 + s13 / size;
    const anbr = s14 / size;
    for (let t = 0; t < size; t++) {
      const i = st + t * G.stride;
      const zb = Math.abs(a.Zbar.data[i]!),
        szb = (sd * zb) / sg;
      RZ.data[i] =
        (S[t]! +
          Math.abs(nd[t]!) * perNd +
          Math.abs(n[t]!) * perN +
          end[t]! * m2 +
          mn[t]! * (nNbr + nbNd) +
          esd * zb +
          sd * EZb.data[i]! +
          Math.abs(nbr[t]!) +
          m1r +
          anbr) /
          sg +
        szb +
        (Math.abs(a.ZbarR!.data[i]!) + 2 * szb) * rs +
        Math.abs(a.ZbarR!.data[i]!);
    }
  }
  return RZ;
}
