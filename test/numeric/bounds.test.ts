/**
 * The rounding bounds of numeric/mlp.ts (numeric/bounds.ts), from both sides. `evaluate(…, { bound:
 * true })` returns, for every gradient and H v entry, Σ |contributions| with every forward value at
 * its magnitude (gradBound, hvBound): the scale against which a law's residual is judged
 * (docs/theory.md §7), on the promise that rounding errs by a few ε of it.
 *
 * Checked here against a reference: the gradient and H v at the float64 inputs (θ, v, X, Y read
 * exactly), computed in 256-bit floating point by reverse-mode differentiation over dual numbers
 * θ + t v (H v is the tangent part of the gradient), for every architecture the float code has —
 * ReLU, leaky ReLU, linear, zᵏ and tanh activations, BatchNorm and LayerNorm with and without γ, β,
 * ½-mean squared error and softmax cross-entropy. Its own error, ~2^-220 of the magnitudes, is
 * invisible next to float64 rounding. On rational networks (no normalisation, no tanh, squared
 * error) it is itself checked against exact dyadic arithmetic. Then for every entry
 *
 *   covers:        |float64 − reference| ≤ K ε · bound          (K = 64: γ_n for the short sums here)
 *   not too loose: max over the case of |float64 − reference| / (ε · bound) ≥ 1/LOOSE
 *
 * including cases built to cancel, backward — targets equal to the outputs up to a few ulps (so
 * F − Y is pure rounding), every sample twice with residuals of opposite signs (so the batch sum
 * cancels), H v along a symmetry generator (J v = 0) — and forward: an output or hidden
 * pre-activation that is 1e-3 … 1e-12 of its terms or cancels to rounding (its rounding, relative
 * 1e-13 … 1, is in everything computed from it), a normalisation group whose spread is 1e-2 … 1e-4
 * of its values (Z − μ cancels), γ N + β cancelling at one unit; and both kinds together.
 *
 * What the bounds do not claim, and the checks below allow:
 * - the branch of a kink: at a ReLU pre-activation within rounding of 0 the exact value may lie on
 *   the other side, where the derivative jumps by O(1). The reference takes the float64 branch
 *   (compare);
 * - second order: the bounds are first order in ε (numeric/bounds.ts), so a product of two values
 *   that are both rounding noise can err where its bound is 0, by ε² of the magnitudes: allowed up
 *   to (Kε)² of the case's largest bound (violations);
 * - correlated rounding: equal computations round equally, so their errors can cancel exactly where
 *   a bound in absolute values counts each (Case.looseExempt): only the looseness side is waived.
 *
 * Measured over 60 runs of the whole file with different seeds (78,060 cases, 2.4 million entries;
 * BOUNDS_STATS=1 prints a run's figures): the largest error/(ε·bound) of any entry was 1.6 (K = 64),
 * and the loosest case's largest ratio 2.2e-5 (LOOSE = 1e6: 22 times inside).
 */
import { test, fc } from '@fast-check/jest';
import { buildNetwork, evaluate, type MlpSpec, type Network, type Batch } from '../../numeric/mlp';
import { mat } from '../../numeric/linalg';
import { DegenerateSample } from '../../numeric/errors';
import { projectionMagnitude, sortedOrder } from '../../numeric/bounds';

const EPS = Number.EPSILON;
/** Rounding factor of the covering inequality: γ_n = nε/(1 − nε) with n up to ~20 operations per entry. */
const K = 64;
/** Largest ratio of the bound to the actual rounding that is not "absurdly loose". */
const LOOSE = 1e6;
/** The reference's own error where the float64 result and its bound are exactly 0 (then nothing
 * scales it): products of tangents and adjoints that cancel to 2^-256 each, ~1e-150 here. */
const REFERENCE_FLOOR = 1e-100;

// ---------------- exact arithmetic: dyadic rationals m·2^e, and duals over them ----------------

interface Dy {
  readonly m: bigint;
  readonly e: number;
}
const ZERO: Dy = { m: 0n, e: 0 };
/** The exact value of a double. */
function dy(x: number): Dy {
  if (x === 0) return ZERO;
  let e = 0;
  let y = x;
  while (!Number.isInteger(y)) {
    y *= 2; // exact
    e--;
  }
  return { m: BigInt(y), e };
}
const ONE = dy(1);
function add(a: Dy, b: Dy): Dy {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  return { m: (a.m << BigInt(a.e - e)) + (b.m << BigInt(b.e - e)), e };
}
const neg = (a: Dy): Dy => ({ m: -a.m, e: a.e });
const sub = (a: Dy, b: Dy): Dy => add(a, neg(b));
const mul = (a: Dy, b: Dy): Dy => (a.m === 0n || b.m === 0n ? ZERO : { m: a.m * b.m, e: a.e + b.e });
const positive = (a: Dy): boolean => a.m > 0n;
/** The nearest double, to ~1e-16 relative, whatever the size of the mantissa. */
function toNumber(a: Dy): number {
  const bits = (a.m < 0n ? -a.m : a.m).toString(2).length;
  const s = Math.max(0, bits - 60);
  return Number(a.m >> BigInt(s)) * 2 ** (a.e + s);
}

/** a + t·b with t² = 0: values and tangents together (the tangent of the gradient is H v). */
interface Dual {
  readonly a: Dy;
  readonly b: Dy;
}
const D = (a: Dy, b: Dy = ZERO): Dual => ({ a, b });
const dadd = (x: Dual, y: Dual): Dual => D(add(x.a, y.a), add(x.b, y.b));
const dsub = (x: Dual, y: Dual): Dual => D(sub(x.a, y.a), sub(x.b, y.b));
const dmul = (x: Dual, y: Dual): Dual => D(mul(x.a, y.a), add(mul(x.a, y.b), mul(x.b, y.a)));
const dscale = (x: Dual, c: Dy): Dual => D(mul(x.a, c), mul(x.b, c));
function dpow(x: Dual, k: number): Dual {
  let r = D(ONE);
  for (let i = 0; i < k; i++) r = dmul(r, x);
  return r;
}

type Act = MlpSpec['act'];
/** σ and σ' on duals, as the float code defines them (σ'(0) of relu is 0; the leaky slope is the double 0.1). */
function activation(act: Act): { f: (z: Dual) => Dual; df: (z: Dual) => Dual } {
  switch (act.kind) {
    case 'relu':
      return { f: (z) => (positive(z.a) ? z : D(ZERO)), df: (z) => D(positive(z.a) ? ONE : ZERO) };
    case 'leaky': {
      const s = dy(act.slope);
      return { f: (z) => (positive(z.a) ? z : dscale(z, s)), df: (z) => D(positive(z.a) ? ONE : s) };
    }
    case 'linear':
      return { f: (z) => z, df: () => D(ONE) };
    case 'poly': {
      const k = act.degree;
      return { f: (z) => dpow(z, k), df: (z) => dscale(dpow(z, k - 1), dy(k)) };
    }
    case 'tanh':
      throw new Error('tanh is not rational');
  }
}

/**
 * Exact B·loss, B·gradient and B·(H v) of a norm-free network with ½-mean squared error (the factor
 * B, the batch size, keeps everything dyadic: the backward pass is linear in the output adjoint).
 */
function exactTimesB(
  net: Network,
  theta: Float64Array,
  batch: Batch,
  v: Float64Array,
): { loss: Dy; grad: Dy[]; hv: Dy[] } {
  const { widths, bias } = net.spec;
  const L = widths.length - 1;
  const B = batch.X.rows;
  const { f, df } = activation(net.spec.act);
  const param = (i: number): Dual => D(dy(theta[i]!), dy(v[i]!));
  const off = (name: string): number => net.blocks.find((b) => b.name === name)!.offset;
  // Forward: A[l] is B × widths[l]; Z[l] the pre-activations.
  const A: Dual[][][] = [
    Array.from({ length: B }, (_, i) =>
      Array.from({ length: widths[0]! }, (_, j) => D(dy(batch.X.data[i * widths[0]! + j]!))),
    ),
  ];
  const Z: Dual[][][] = [];
  for (let l = 1; l <= L; l++) {
    const [nin, nout] = [widths[l - 1]!, widths[l]!];
    const W = off(`W${l}`);
    Z[l] = A[l - 1]!.map((row) =>
      Array.from({ length: nout }, (_, o) => {
        let s = bias ? param(off(`b${l}`) + o) : D(ZERO);
        for (let k = 0; k < nin; k++) s = dadd(s, dmul(row[k]!, param(W + o * nin + k)));
        return s;
      }),
    );
    A[l] = l === L ? Z[l]! : Z[l]!.map((row) => row.map(f));
  }
  const out = widths[L]!;
  const half = dy(0.5);
  let loss = ZERO;
  // B times the adjoint of the output: F − Y.
  let bar: Dual[][] = A[L]!.map((row, i) =>
    row.map((x, j) => {
      const d = dsub(x, D(dy(batch.Y.data[i * out + j]!)));
      loss = add(loss, mul(half, mul(d.a, d.a)));
      return d;
    }),
  );
  const grad: Dual[] = Array.from({ length: net.size }, () => D(ZERO));
  for (let l = L; l >= 1; l--) {
    const [nin, nout] = [widths[l - 1]!, widths[l]!];
    const zbar = l === L ? bar : bar.map((row, i) => row.map((x, o) => dmul(x, df(Z[l]![i]![o]!))));
    const W = off(`W${l}`);
    for (let i = 0; i < B; i++)
      for (let o = 0; o < nout; o++) {
        for (let k = 0; k < nin; k++)
          grad[W + o * nin + k] = dadd(grad[W + o * nin + k]!, dmul(zbar[i]![o]!, A[l - 1]![i]![k]!));
        if (bias) grad[off(`b${l}`) + o] = dadd(grad[off(`b${l}`) + o]!, zbar[i]![o]!);
      }
    bar = Array.from({ length: B }, (_, i) =>
      Array.from({ length: nin }, (_, k) => {
        let s = D(ZERO);
        for (let o = 0; o < nout; o++) s = dadd(s, dmul(zbar[i]![o]!, param(W + o * nin + k)));
        return s;
      }),
    );
  }
  return { loss, grad: grad.map((g) => g.a), hv: grad.map((g) => g.b) };
}

// ---------------- the reference: 256-bit floating point, duals, reverse mode ----------------

/** Bits kept in a mantissa. Sums and products are exact before rounding to these; exp, tanh, √ and
 * division are accurate to the last few of them. */
const PREC = 256;
const bitlen = (m: bigint): number => (m < 0n ? -m : m).toString(2).length;
/** m·2^e, |m| < 2^PREC. */
type Bf = Dy;
function round(m: bigint, e: number): Bf {
  if (m === 0n) return ZERO;
  const extra = bitlen(m) - PREC;
  return extra > 0 ? { m: m >> BigInt(extra), e: e + extra } : { m, e };
}
/** |x| < 2^top(x). */
const top = (a: Bf): number => (a.m === 0n ? -Infinity : a.e + bitlen(a.m));
function badd(a: Bf, b: Bf): Bf {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  if (top(a) - top(b) > PREC + 8) return a;
  if (top(b) - top(a) > PREC + 8) return b;
  const e = Math.min(a.e, b.e);
  return round((a.m << BigInt(a.e - e)) + (b.m << BigInt(b.e - e)), e);
}
const bsub = (a: Bf, b: Bf): Bf => badd(a, neg(b));
const bmul = (a: Bf, b: Bf): Bf => round(a.m * b.m, a.e + b.e);
/** The exact result is undefined: a normalisation group whose values are exactly equal (s = 0) — in
 * float64, after a cancellation upstream, their rounding noise, normalised. Such a case is skipped. */
class Undefined extends Error {}
function bdiv(a: Bf, b: Bf): Bf {
  if (b.m === 0n) throw new Undefined('reference: division by zero');
  if (a.m === 0n) return ZERO;
  const s = Math.max(0, PREC + 4 + bitlen(b.m) - bitlen(a.m));
  return round((a.m << BigInt(s)) / b.m, a.e - b.e - s);
}
function bsqrt(a: Bf): Bf {
  if (a.m < 0n) throw new Error('reference: square root of a negative number');
  if (a.m === 0n) return ZERO;
  let s = Math.max(0, 2 * PREC + 8 - bitlen(a.m));
  if ((a.e - s) % 2 !== 0) s++;
  const m = a.m << BigInt(s);
  let x = 1n << BigInt(Math.ceil(bitlen(m) / 2));
  for (;;) {
    const y = (x + m / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  return round(x, (a.e - s) / 2);
}
/** exp(a) = exp(a / 2^j)^(2^j) with |a / 2^j| < 2^-16, by its Taylor series. */
function bexp(a: Bf): Bf {
  const j = Math.max(0, top(a) + 16);
  const r: Bf = { m: a.m, e: a.e - j };
  let term = ONE,
    sum = ONE;
  for (let n = 1; term.m !== 0n && top(term) > top(sum) - PREC - 16; n++) {
    term = bdiv(bmul(term, r), dy(n));
    sum = badd(sum, term);
  }
  for (let i = 0; i < j; i++) sum = bmul(sum, sum);
  return sum;
}
function btanh(a: Bf): Bf {
  if (a.m === 0n) return ZERO;
  const t = bexp(bmul(dy(-2), a.m < 0n ? neg(a) : a));
  const th = bdiv(bsub(ONE, t), badd(ONE, t));
  return a.m < 0n ? neg(th) : th;
}

/** a + t·b with t² = 0 over 256-bit floats. */
const B0: Dual = D(ZERO);
const B1: Dual = D(ONE);
const badd2 = (x: Dual, y: Dual): Dual => D(badd(x.a, y.a), badd(x.b, y.b));
const bsub2 = (x: Dual, y: Dual): Dual => D(bsub(x.a, y.a), bsub(x.b, y.b));
const bmul2 = (x: Dual, y: Dual): Dual => D(bmul(x.a, y.a), badd(bmul(x.a, y.b), bmul(x.b, y.a)));
function bdiv2(x: Dual, y: Dual): Dual {
  const q = bdiv(x.a, y.a);
  return D(q, bdiv(bsub(x.b, bmul(q, y.b)), y.a));
}
const bneg2 = (x: Dual): Dual => D(neg(x.a), neg(x.b));

/**
 * A tape for reverse mode: every node keeps its value (a dual) and, per operand, the partial
 * derivative (a dual too). The adjoints of a seed at the outputs, accumulated backwards in dual
 * arithmetic, are the gradient at θ + t v: its value part ∇L, its tangent part H v.
 */
class Tape {
  readonly val: Dual[] = [];
  readonly par: (readonly [number, Dual])[][] = [];
  node(v: Dual, parents: (readonly [number, Dual])[] = []): number {
    this.val.push(v);
    this.par.push(parents);
    return this.val.length - 1;
  }
  sum(xs: readonly number[]): number {
    return this.node(
      xs.reduce((s, x) => badd2(s, this.val[x]!), B0),
      xs.map((x) => [x, B1] as const),
    );
  }
  sub(x: number, y: number): number {
    return this.node(bsub2(this.val[x]!, this.val[y]!), [
      [x, B1],
      [y, D(dy(-1))],
    ]);
  }
  mul(x: number, y: number): number {
    return this.node(bmul2(this.val[x]!, this.val[y]!), [
      [x, this.val[y]!],
      [y, this.val[x]!],
    ]);
  }
  /** x · c for a constant c. */
  scale(x: number, c: Dual): number {
    return this.node(bmul2(this.val[x]!, c), [[x, c]]);
  }
  div(x: number, y: number): number {
    const q = bdiv2(this.val[x]!, this.val[y]!);
    return this.node(q, [
      [x, bdiv2(B1, this.val[y]!)],
      [y, bneg2(bdiv2(q, this.val[y]!))],
    ]);
  }
  sqrt(x: number): number {
    const v = this.val[x]!;
    const r = bsqrt(v.a);
    const rd = D(r, bdiv(v.b, bmul(dy(2), r)));
    return this.node(rd, [[x, bdiv2(D(dy(0.5)), rd)]]);
  }
  /** f(x) given f's value and slope at x as duals. */
  apply(x: number, f: Dual, df: Dual): number {
    return this.node(f, [[x, df]]);
  }
  /** The adjoint of every node, from the seeds (node, adjoint). */
  backward(seeds: readonly (readonly [number, Dual])[]): Dual[] {
    const adj: Dual[] = this.val.map(() => B0);
    for (const [n, s] of seeds) adj[n] = badd2(adj[n]!, s);
    for (let n = this.val.length - 1; n >= 0; n--) {
      const a = adj[n]!;
      if (a.a.m === 0n && a.b.m === 0n) continue;
      for (const [p, d] of this.par[n]!) adj[p] = badd2(adj[p]!, bmul2(a, d));
    }
    return adj;
  }
}

/** σ on duals: its value and slope at z, as the float code defines them (σ'(0) of relu is 0; the
 * leaky slope is the double 0.1); for ReLU and leaky ReLU on the branch `alive` (z > 0) says. */
function refActivation(act: Act, z: Dual, alive: boolean): { f: Dual; df: Dual } {
  switch (act.kind) {
    case 'relu':
      return alive ? { f: z, df: B1 } : { f: B0, df: B0 };
    case 'leaky': {
      const s = D(dy(act.slope));
      return alive ? { f: z, df: B1 } : { f: bmul2(z, s), df: s };
    }
    case 'linear':
      return { f: z, df: B1 };
    case 'poly': {
      let p = B1;
      for (let i = 0; i < act.degree - 1; i++) p = bmul2(p, z);
      return { f: bmul2(p, z), df: bmul2(p, D(dy(act.degree))) };
    }
    case 'tanh': {
      const th = btanh(z.a);
      const sl = bsub(ONE, bmul(th, th));
      const f = D(th, bmul(sl, z.b));
      return { f, df: bsub2(B1, bmul2(f, f)) };
    }
  }
}

/**
 * The gradient and H v of any network of numeric/mlp.ts, to ~2^-220 of their magnitudes. At kinks:
 * on the branch `alive(l, i, o)` names for pre-activation (i, o) of layer l — by default, that of
 * the exact value.
 */
function reference(
  net: Network,
  theta: Float64Array,
  batch: Batch,
  v: Float64Array,
  alive?: (l: number, i: number, o: number) => boolean,
): { grad: Bf[]; hv: Bf[] } {
  const { widths, bias, norm, affine, loss, act } = net.spec;
  const L = widths.length - 1;
  const B = batch.X.rows;
  const T = new Tape();
  const params = Array.from(theta, (x, i) => T.node(D(dy(x), dy(v[i]!))));
  const off = (name: string): number => net.blocks.find((b) => b.name === name)!.offset;
  let A: number[][] = Array.from({ length: B }, (_, i) =>
    Array.from({ length: widths[0]! }, (_, j) => T.node(D(dy(batch.X.data[i * widths[0]! + j]!)))),
  );
  for (let l = 1; l <= L; l++) {
    const [nin, nout] = [widths[l - 1]!, widths[l]!];
    const W = off(`W${l}`);
    const terms = (row: number[], o: number): number[] => [
      ...row.map((a, k) => T.mul(a, params[W + o * nin + k]!)),
      ...(bias ? [params[off(`b${l}`) + o]!] : []),
    ];
    const Z = A.map((row) => Array.from({ length: nout }, (_, o) => T.sum(terms(row, o))));
    if (l === L) {
      A = Z;
      break;
    }
    // Where Z comes from: the size (2^top) of its largest term, per entry.
    const size = A.map((row) =>
      Array.from({ length: nout }, (_, o) => Math.max(...terms(row, o).map((t) => top(T.val[t]!.a)))),
    );
    let Q = Z;
    if (norm !== 'none') {
      // Groups: a column over the batch (BatchNorm) or a row over the units (LayerNorm).
      const cells: [number, number][][] =
        norm === 'batch'
          ? Array.from({ length: nout }, (_, o) => Array.from({ length: B }, (_, i) => [i, o]))
          : Array.from({ length: B }, (_, i) => Array.from({ length: nout }, (_, o) => [i, o]));
      const N = Z.map((row) => row.slice());
      for (const group of cells) {
        const inv = D(bdiv(ONE, dy(group.length)));
        const mu = T.scale(T.sum(group.map(([i, o]) => Z[i]![o]!)), inv);
        const C = group.map(([i, o]) => T.sub(Z[i]![o]!, mu));
        const s = T.sqrt(T.scale(T.sum(C.map((c) => T.mul(c, c))), inv));
        // A group of values equal in exact arithmetic (after a cancellation upstream, or two columns
        // equal by a normalisation's scale invariance) has s = 0, here the reference's own noise.
        if (top(T.val[s]!.a) < Math.max(...group.map(([i, o]) => size[i]![o]!)) - 200)
          throw new Undefined('reference: a normalisation group of equal values');
        group.forEach(([i, o], t) => (N[i]![o] = T.div(C[t]!, s)));
      }
      Q = affine
        ? N.map((row) =>
            row.map((n, o) => T.sum([T.mul(params[off(`gamma${l}`) + o]!, n), params[off(`beta${l}`) + o]!])),
          )
        : N;
    }
    A = Q.map((row, i) =>
      row.map((q, o) => {
        const { f, df } = refActivation(act, T.val[q]!, alive ? alive(l, i, o) : positive(T.val[q]!.a));
        return T.apply(q, f, df);
      }),
    );
  }
  // The output adjoint, as a dual: (F − Y)/B; or for the softmax P of F, (P_c ΣY − Y_c ΣP)/B =
  // Σ_{j≠c} (P_c Y_j − Y_c P_j)/B with tangent P_c Σ_{j≠c} P_j (Ḟ_c − Ḟ_j) of P_c — written so that
  // nothing cancels: 1 − P_c can be 1e-170, below any fixed precision's reach.
  const out = widths[L]!;
  const invB = D(bdiv(ONE, dy(B)));
  const seeds: (readonly [number, Dual])[] = [];
  A.forEach((row, i) => {
    const y = (j: number): Bf => dy(batch.Y.data[i * out + j]!);
    if (loss === 'mse') row.forEach((f, j) => seeds.push([f, bmul2(bsub2(T.val[f]!, D(y(j))), invB)]));
    else {
      const F = row.map((f) => T.val[f]!);
      const mx = dy(Math.max(...F.map((f) => toNumber(f.a))));
      const e = F.map((f) => bexp(bsub(f.a, mx)));
      const se = e.reduce(badd, ZERO);
      const P = e.map((x) => bdiv(x, se));
      const others = (c: number, term: (j: number) => Bf): Bf =>
        row.reduce((s, _, j) => (j === c ? s : badd(s, term(j))), ZERO);
      const Pdot = P.map((pc, c) =>
        bmul(
          pc,
          others(c, (j) => bmul(P[j]!, bsub(F[c]!.b, F[j]!.b))),
        ),
      );
      row.forEach((f, c) => {
        const value = others(c, (j) => bsub(bmul(P[c]!, y(j)), bmul(y(c), P[j]!)));
        const tangent = others(c, (j) => bsub(bmul(Pdot[c]!, y(j)), bmul(y(c), Pdot[j]!)));
        seeds.push([f, bmul2(D(value, tangent), invB)]);
      });
    }
  });
  const adj = T.backward(seeds);
  return { grad: params.map((p) => adj[p]!.a), hv: params.map((p) => adj[p]!.b) };
}

// ---------------- the comparison ----------------

interface Case {
  readonly net: Network;
  readonly theta: Float64Array;
  readonly batch: Batch;
  readonly v: Float64Array;
  /**
   * Where the looseness side is not checked, because the rounding errors are correlated in a way no
   * bound in absolute values can see (it still must cover):
   * - 'pair': a case built to cancel, through a normalisation group of 2 values. N = ±1 whatever the
   *   input, so what follows is computed from values equal up to sign, whose roundings are equal and
   *   cancel where they meet: a cancelled output w·N₁ + w·N₂ is then exactly 0 (measured: 1.8e-7 of
   *   ε·bound, FC_SEED=462779004). Where Z − μ cancels (an offset 1e2 … 1e4 times the spread), what
   *   is left of it is μ = (z₁ + z₂)/2, which for two close doubles rounds or is exact — half the time
   *   the bound's μ term (offset/spread) meets no error at all;
   * - 'repeats': a batch with repeated samples (mirroredBatch) through a normalisation. Equal samples
   *   round equally: under BatchNorm their errors cancel in Z − μ, which the bound counts once per
   *   sample, too large by up to a cancellation upstream (measured 1e7 for a natural one of 2e3, 1e9
   *   for a constructed one); and mirrored targets make fl(F − Y') = −fl(F − Y) exactly, which with
   *   a LayerNorm of width 2 (N = ±1 exactly) leaves nothing else to round at first order. Without
   *   normalisation, mirrored batches are checked on both sides.
   */
  readonly looseExempt?: 'pair' | 'repeats';
}

interface Entry {
  /** |float64 − reference| */
  readonly err: number;
  /** ε · bound */
  readonly bound: number;
  readonly value: number;
}

/** The float64 evaluation with its bounds, or undefined where a normalisation group is degenerate. */
function evaluateBounded(c: Case): ReturnType<typeof evaluate> | undefined {
  try {
    return evaluate(c.net, c.theta, c.batch, c.v, { bound: true });
  } catch (e) {
    if (e instanceof DegenerateSample) return undefined;
    throw e;
  }
}

/**
 * The float64 result against the reference, entry by entry. At a ReLU or leaky-ReLU pre-activation
 * within rounding of the kink, the exact value may lie on the other side of it from the computed
 * one: the derivative jumps there, by O(1), and no bound first order in ε covers that (nor need it:
 * the computation is then that of the network on the branch it took). So the reference takes the
 * branch of the float64 pre-activation — the same as the exact one everywhere else.
 */
function compare(c: Case): { grad: Entry[]; hv: Entry[] } | undefined {
  const e = evaluateBounded(c);
  if (!e) return undefined;
  const Q = forwardValues(c.net, c.theta, c.batch.X).Q;
  let x: ReturnType<typeof reference>;
  try {
    x = reference(c.net, c.theta, c.batch, c.v, (l, i, o) => Q[l]![i]![o]! > 0);
  } catch (err) {
    if (err instanceof Undefined) return undefined;
    throw err;
  }
  const entry = (fl: number, r: Bf, b: number): Entry => ({
    err: Math.abs(toNumber(bsub(dy(fl), r))),
    bound: EPS * b,
    value: fl,
  });
  return {
    grad: x.grad.map((g, i) => entry(e.grad[i]!, g, e.gradBound![i]!)),
    hv: x.hv.map((h, i) => entry(e.hv![i]!, h, e.hvBound![i]!)),
  };
}

/** What the covering tests saw, over the whole run (printed with BOUNDS_STATS=1). */
const seen = { cases: 0, entries: 0, worstCover: 0, worstCoverAt: '', loosest: Infinity, loosestAt: '' };

/**
 * Entries where the bound fails to cover the error; and whether the bounds are absurdly loose — the
 * largest error relative to ε·bound in the whole case under 1/LOOSE (one entry can round almost
 * exactly by luck; a whole case of full-mantissa values does not: measured, the largest ratio of a
 * case lies between 2.2e-5 and 1.6 — see the top of this file).
 */
function violations(
  cmp: { grad: Entry[]; hv: Entry[] },
  what = '',
  exempt = false,
): {
  uncovered: string[];
  loose: string[];
  worst: number;
} {
  const uncovered: string[] = [];
  let worst = 0;
  let errors = 0;
  const scale = Math.max(0, ...[...cmp.grad, ...cmp.hv].map((x) => x.bound / EPS));
  for (const [kind, list] of [
    ['grad', cmp.grad],
    ['hv', cmp.hv],
  ] as const) {
    // The bounds are first order in ε: a product of two values that are both rounding noise (both
    // computed 0, say) errs by ε² |x|⁺ |y|⁺ where its bound says 0. That is allowed up to (Kε)² of
    // the case's largest bound (gradient or H v), 1e-25 of the scale any check could see.
    const secondOrder = (K * EPS) ** 2 * scale;
    list.forEach((x, i) => {
      if (x.err > K * x.bound + secondOrder + REFERENCE_FLOOR)
        uncovered.push(`${kind}[${i}]: error ${x.err} > ${K}·ε·bound = ${K * x.bound}`);
      // An entry that is its exact value correctly rounded, or off by no more than the second-order
      // allowance, shows no first-order rounding of what it is made of.
      if (x.err > EPS * Math.abs(x.value) + secondOrder + REFERENCE_FLOOR) errors++;
      // The ratio error/(ε·bound), where the error is not inside those allowances.
      if (x.bound > 0 && x.err > secondOrder + REFERENCE_FLOOR) worst = Math.max(worst, x.err / x.bound);
    });
  }
  // A case where fewer than 4 entries round at all (dead ReLU units, outputs equal to a bias) says
  // nothing about looseness: a bound is a worst case, and one exact operation can beat it by 1e16.
  const loose =
    errors >= 4 && worst < 1 / LOOSE && !exempt
      ? [`largest error / (ε·bound) = ${worst}: the bounds are absurdly loose`]
      : [];
  seen.cases++;
  seen.entries += cmp.grad.length + cmp.hv.length;
  if (worst > seen.worstCover) [seen.worstCover, seen.worstCoverAt] = [worst, what];
  if (errors >= 4 && !exempt && worst < seen.loosest) [seen.loosest, seen.loosestAt] = [worst, what];
  return { uncovered, loose, worst };
}

/** The worst condition Σ|terms| / |Σ terms| of the forward pass's sums (pre-activations, outputs), in
 * float64, of a network without normalisation. */
function forwardCondition(c: Case): number {
  const { widths, bias, act } = c.net.spec;
  const L = widths.length - 1;
  const B = c.batch.X.rows;
  const off = (name: string): number => c.net.blocks.find((b) => b.name === name)!.offset;
  const sigma = (z: number): number =>
    act.kind === 'relu'
      ? Math.max(z, 0)
      : act.kind === 'leaky'
        ? z > 0
          ? z
          : act.slope * z
        : act.kind === 'poly'
          ? z ** act.degree
          : act.kind === 'tanh'
            ? Math.tanh(z)
            : z;
  let A = Array.from({ length: B }, (_, i) =>
    Array.from(c.batch.X.data.subarray(i * widths[0]!, (i + 1) * widths[0]!)),
  );
  let worst = 1;
  for (let l = 1; l <= L; l++) {
    const [nin, nout] = [widths[l - 1]!, widths[l]!];
    A = A.map((row) =>
      Array.from({ length: nout }, (_, o) => {
        const terms = row.map((a, k) => a * c.theta[off(`W${l}`) + o * nin + k]!);
        if (bias) terms.push(c.theta[off(`b${l}`) + o]!);
        const s = terms.reduce((x, y) => x + y, 0);
        const m = terms.reduce((x, y) => x + Math.abs(y), 0);
        if (m > 0) worst = Math.max(worst, s === 0 ? Infinity : m / Math.abs(s));
        return l === L ? s : sigma(s);
      }),
    );
  }
  return worst;
}

// ---------------- cases ----------------

const RATIONAL_ACTS: Act[] = [
  { kind: 'relu' },
  { kind: 'leaky', slope: 0.1 },
  { kind: 'linear' },
  { kind: 'poly', degree: 2 },
  { kind: 'poly', degree: 3 },
];
const ACTS: Act[] = [...RATIONAL_ACTS, { kind: 'tanh' }, { kind: 'tanh' }];
const WIDTHS = [
  [1, 2, 1],
  [2, 2, 1],
  [2, 3, 2],
  [3, 2, 2],
  [1, 2, 2, 1],
  [2, 2, 2, 2],
  [2, 3, 3, 2],
];
/** A double with a full mantissa (not a short dyadic), so that products and sums really round:
 * magnitude in [0.3, 1.5), either sign. */
const real: fc.Arbitrary<number> = fc
  .tuple(fc.boolean(), fc.integer({ min: 0, max: 2 ** 30 }))
  .map(([negative, k]) => (negative ? -1 : 1) * (0.3 + ((k * 0.6180339887498949) % 1.2)));

const offsetOf = (net: Network, name: string): number => net.blocks.find((b) => b.name === name)!.offset;

/**
 * The float64 forward pass written out plainly (for building cases, and for the branch the float64
 * pre-activations take at kinks — not for checking values): per layer l, its input A[l − 1],
 * pre-normalisation Z[l], normalised N[l] and pre-activation Q[l] (after γ, β), B rows each. Its
 * sums run in the order of numeric/mlp.ts's, so its values are bit for bit the same.
 */
function forwardValues(
  net: Network,
  theta: Float64Array,
  X: Batch['X'],
): { A: number[][][]; Z: number[][][]; N: number[][][]; Q: number[][][] } {
  const { widths, bias, norm, affine, act } = net.spec;
  const L = widths.length - 1;
  const B = X.rows;
  const sigma = (z: number): number =>
    act.kind === 'relu'
      ? Math.max(z, 0)
      : act.kind === 'leaky'
        ? z > 0
          ? z
          : act.slope * z
        : act.kind === 'poly'
          ? z ** act.degree
          : act.kind === 'tanh'
            ? Math.tanh(z)
            : z;
  const res = { A: [] as number[][][], Z: [] as number[][][], N: [] as number[][][], Q: [] as number[][][] };
  let A = Array.from({ length: B }, (_, i) =>
    Array.from(X.data.subarray(i * widths[0]!, (i + 1) * widths[0]!)),
  );
  for (let l = 1; l <= L; l++) {
    res.A[l - 1] = A;
    const [nin, nout] = [widths[l - 1]!, widths[l]!];
    const W = offsetOf(net, `W${l}`);
    const Z = A.map((row) =>
      Array.from({ length: nout }, (_, o) => {
        let s = 0;
        for (let k = 0; k < nin; k++) s += row[k]! * theta[W + o * nin + k]!;
        return bias ? s + theta[offsetOf(net, `b${l}`) + o]! : s;
      }),
    );
    res.Z[l] = Z;
    if (l === L) break;
    let Q = Z;
    if (norm !== 'none') {
      const N = Z.map((row) => row.slice());
      const groups =
        norm === 'batch'
          ? Array.from({ length: nout }, (_, o) => Array.from({ length: B }, (_, i) => [i, o] as const))
          : Array.from({ length: B }, (_, i) => Array.from({ length: nout }, (_, o) => [i, o] as const));
      for (const g of groups) {
        const mu = g.reduce((s, [i, o]) => s + Z[i]![o]!, 0) / g.length;
        const sd = Math.sqrt(g.reduce((s, [i, o]) => s + (Z[i]![o]! - mu) * (Z[i]![o]! - mu), 0) / g.length);
        for (const [i, o] of g) N[i]![o] = (Z[i]![o]! - mu) / sd;
      }
      res.N[l] = N;
      Q = affine
        ? N.map((row) =>
            row.map(
              (n, o) => theta[offsetOf(net, `gamma${l}`) + o]! * n + theta[offsetOf(net, `beta${l}`) + o]!,
            ),
          )
        : N;
    }
    res.Q[l] = Q;
    A = Q.map((row) => row.map(sigma));
  }
  return res;
}

/**
 * Forward cancellation built into θ:
 * - 'output' / 'hidden': a unit's pre-activation Z at one sample made `depth` of the sum of its terms'
 *   magnitudes (0: the terms cancel to rounding — for ReLU a pre-activation within rounding of the
 *   kink), by solving for one weight; the unit's weights first scaled by `scale` (large terms);
 * - 'offset': a normalisation group whose values share an offset `1/spread` times their size (Z − μ
 *   cancels): a unit's bias (BatchNorm) or every bias of the layer (LayerNorm);
 * - 'affine': γ_j N_ij + β_j made `depth` of |γ_j N_ij| at one unit and sample.
 */
type Cancel = 'output' | 'hidden' | 'offset' | 'affine';
interface CancelAt {
  readonly at: number;
  readonly depth: number;
  readonly scale: number;
  readonly spread: number;
  readonly positive: boolean;
}
function applicable(net: Network): Cancel[] {
  const { widths, norm, affine, bias } = net.spec;
  const hidden = widths.length > 2;
  return [
    'output',
    ...(hidden ? (['hidden'] as const) : []),
    ...(hidden && norm !== 'none' && bias ? (['offset'] as const) : []),
    ...(hidden && norm !== 'none' && affine ? (['affine'] as const) : []),
  ];
}
function cancel(net: Network, theta: Float64Array, X: Batch['X'], kind: Cancel, p: CancelAt): void {
  const { widths, bias, norm } = net.spec;
  const L = widths.length - 1;
  const B = X.rows;
  const i = p.at % B;
  const l = kind === 'output' ? L : 1 + (p.at % (L - 1));
  const j = Math.floor(p.at / 7) % widths[l]!;
  const sign = p.positive ? 1 : -1;
  if (kind === 'output' || kind === 'hidden') {
    const nin = widths[l - 1]!;
    const W = offsetOf(net, `W${l}`) + j * nin;
    const b = bias ? offsetOf(net, `b${l}`) + j : -1;
    for (let k = 0; k < nin; k++) theta[W + k]! *= p.scale;
    if (b >= 0) theta[b]! *= p.scale;
    const a = forwardValues(net, theta, X).A[l - 1]![i]!;
    let kk = 0;
    for (let k = 1; k < nin; k++) if (Math.abs(a[k]!) > Math.abs(a[kk]!)) kk = k;
    if (a[kk] === 0) return;
    let rest = b >= 0 ? theta[b]! : 0,
      size = Math.abs(rest);
    for (let k = 0; k < nin; k++)
      if (k !== kk) {
        rest += a[k]! * theta[W + k]!;
        size += Math.abs(a[k]! * theta[W + k]!);
      }
    theta[W + kk] = (sign * p.depth * size - rest) / a[kk]!;
  } else if (kind === 'offset') {
    const Z = forwardValues(net, theta, X).Z[l]!;
    const shift = (sign * Math.max(...Z.flat().map(Math.abs))) / p.spread;
    const b = offsetOf(net, `b${l}`);
    for (let o = 0; o < widths[l]!; o++) if (norm === 'layer' || o === j) theta[b + o]! += shift;
  } else {
    const n = forwardValues(net, theta, X).N[l]![i]![j]!;
    const g = theta[offsetOf(net, `gamma${l}`) + j]!;
    theta[offsetOf(net, `beta${l}`) + j] = -g * n * (1 - sign * p.depth);
  }
}

/**
 * A symmetry generator, so that along v the outputs (or the loss) do not move: J v = 0 exactly and
 * the forward tangents cancel, H v is made of what the adjoints carry — the Hessian constraint's
 * case, where a bound missing a term shows. Rescaling (ReLU, leaky, linear) or homogeneity (zᵏ) at a
 * hidden unit: v = (w_in, b_in, −k w_out); scale invariance of a normalisation group: v = the weights
 * and biases into it (one unit for BatchNorm, the layer for LayerNorm); cross-entropy's translation
 * of the logits: v = 1 on the output biases. Undefined where the network has none of these.
 */
function symmetryDirection(net: Network, theta: Float64Array, at: number): Float64Array | undefined {
  const { widths, bias, act, norm, loss } = net.spec;
  const L = widths.length - 1;
  const v = new Float64Array(net.size);
  const blk = (name: string) => net.blocks.find((b) => b.name === name)!;
  const kinds = [
    ...(L >= 2 && norm === 'none' && act.kind !== 'tanh' ? ['unit'] : []),
    ...(L >= 2 && norm !== 'none' ? ['norm'] : []),
    ...(loss === 'ce' && bias ? ['softmax'] : []),
  ];
  if (kinds.length === 0) return undefined;
  const kind = kinds[at % kinds.length];
  const l = 1 + (at % (L - 1 || 1));
  const j = Math.floor(at / 5) % widths[l]!;
  const win = blk(`W${l}`);
  if (kind === 'softmax') v.fill(1, blk(`b${L}`).offset, blk(`b${L}`).offset + widths[L]!);
  else if (kind === 'norm') {
    for (let o = 0; o < widths[l]!; o++) {
      if (norm === 'batch' && o !== j) continue;
      for (let i = 0; i < win.cols; i++)
        v[win.offset + o * win.cols + i] = theta[win.offset + o * win.cols + i]!;
      if (bias) v[blk(`b${l}`).offset + o] = theta[blk(`b${l}`).offset + o]!;
    }
  } else {
    const k = act.kind === 'poly' ? act.degree : 1;
    for (let i = 0; i < win.cols; i++)
      v[win.offset + j * win.cols + i] = theta[win.offset + j * win.cols + i]!;
    if (bias) v[blk(`b${l}`).offset + j] = theta[blk(`b${l}`).offset + j]!;
    const wout = blk(`W${l + 1}`);
    for (let o = 0; o < widths[l + 1]!; o++)
      v[wout.offset + o * wout.cols + j] = -k * theta[wout.offset + o * wout.cols + j]!;
  }
  return v;
}

/** How a case's targets are chosen: at random (one-hot for cross-entropy); equal to the outputs up
 * to a few ulps (F − Y is all rounding; squared error); or far (|F − Y| ~ 1e3, the adjoint-carried
 * parts of H v dominate the Gauss–Newton part; squared error). */
type Targets = 'random' | 'cancel' | 'far';
/** The direction v of H v: random; a symmetry generator (J v = 0; random where there is none); only
 * the first layer's weights (then σ''·Q̇·H̄ dominates R(Q̄) for zᵏ, tanh); only the biases. */
type Direction = 'random' | 'symmetry' | 'first-layer' | 'biases';

interface CaseOptions {
  readonly targets?: Targets;
  readonly mirroredBatch?: boolean;
  readonly direction?: Direction;
  /** Forward cancellation: none, one of the kinds, or any kind the network admits. */
  readonly cancel?: Cancel | 'any';
  /** Only what the exact dyadic reference handles: no normalisation, no tanh, squared error. */
  readonly rational?: boolean;
  /** Restrict the normalisation. */
  readonly norms?: readonly MlpSpec['norm'][];
  /** Other architectures than WIDTHS, and a larger smallest batch. */
  readonly widths?: readonly (readonly number[])[];
  readonly minBatch?: number;
}

/**
 * Layers whose products (batch × inputs × outputs ≥ 4096 multiply-adds at batch 2) run on the
 * WebAssembly kernels (numeric/linalg.ts), not on the JavaScript loops.
 */
const KERNEL_WIDTHS = [
  [48, 48, 3],
  [40, 56, 2],
];

const caseArb = (opts: CaseOptions = {}): fc.Arbitrary<Case> =>
  fc
    .record({
      widths: fc.constantFrom(...(opts.widths ?? WIDTHS)),
      act: fc.constantFrom(...(opts.rational ? RATIONAL_ACTS : ACTS)),
      norm: fc.constantFrom<MlpSpec['norm']>(
        ...(opts.norms ?? (opts.rational ? ['none'] : ['none', 'none', 'batch', 'layer'])),
      ),
      affine: fc.boolean(),
      loss: fc.constantFrom<MlpSpec['loss']>(
        ...(opts.rational || opts.targets === 'cancel' || opts.targets === 'far'
          ? ['mse' as const]
          : (['mse', 'ce'] as const)),
      ),
      bias: fc.boolean(),
      batch: fc.integer({ min: opts.minBatch ?? 1, max: Math.max(opts.minBatch ?? 1, 3) }),
      values: fc.array(real, { minLength: 64, maxLength: 64 }),
      ulps: fc.array(fc.integer({ min: -4, max: 4 }), { minLength: 16, maxLength: 16 }),
      at: fc.nat(),
      depth: fc.constantFrom(1e-3, 1e-6, 1e-9, 1e-12, 0),
      scale: fc.constantFrom(1, 1, 1e3),
      spread: fc.constantFrom(1e-2, 1e-3, 1e-4),
      positive: fc.boolean(),
    })
    .map(
      ({
        widths,
        act,
        norm,
        affine,
        loss,
        bias,
        batch,
        values,
        ulps,
        at,
        depth,
        scale,
        spread,
        positive,
      }) => {
        const direction = opts.direction ?? 'random';
        const out = Math.max(loss === 'ce' ? 2 : 1, widths[widths.length - 1]!);
        const net = buildNetwork({
          widths: [...widths.slice(0, -1), out],
          act,
          norm,
          affine: norm !== 'none' && affine,
          loss,
          bias: bias || direction === 'biases' || opts.cancel === 'offset',
        });
        let k = 0;
        const next = (): number => values[k++ % values.length]!;
        const theta = Float64Array.from({ length: net.size }, next);
        const [inp] = [widths[0]!];
        const rows0 = norm === 'batch' && !opts.mirroredBatch ? Math.max(2, batch) : batch;
        const rows = opts.mirroredBatch ? 2 * rows0 : rows0;
        const X = mat(rows, inp);
        const Y = mat(rows, out);
        for (let i = 0; i < rows0 * inp; i++) X.data[i] = next();
        // The same inputs again (a mirrored batch).
        if (opts.mirroredBatch) X.data.copyWithin(rows0 * inp, 0, rows0 * inp);
        let looseExempt: Case['looseExempt'];
        if (opts.cancel) {
          const kinds = applicable(net);
          const kind = opts.cancel === 'any' ? kinds[at % kinds.length]! : opts.cancel;
          if (kinds.includes(kind)) cancel(net, theta, X, kind, { at, depth, scale, spread, positive });
          if (norm !== 'none' && (norm === 'batch' ? rows : Math.min(...widths.slice(1, -1))) === 2)
            looseExempt = 'pair';
        }
        if (norm !== 'none' && opts.mirroredBatch) looseExempt = 'repeats';
        let v: Float64Array = Float64Array.from({ length: net.size }, next);
        if (direction === 'symmetry') v = symmetryDirection(net, theta, at) ?? v;
        else if (direction !== 'random') {
          const keep = (name: string): boolean =>
            direction === 'biases' ? name.startsWith('b') : name === 'W1';
          for (const b of net.blocks) if (!keep(b.name)) v.fill(0, b.offset, b.offset + b.rows * b.cols);
        }
        if (loss === 'ce')
          for (let i = 0; i < rows; i++) Y.data[i * out + ((Math.abs(next() * 1e6) % out) | 0)] = 1;
        else for (let i = 0; i < rows0 * out; i++) Y.data[i] = (opts.targets === 'far' ? 1e3 : 1) * next();
        const outputs = (): Float64Array | undefined => {
          try {
            return evaluate(net, theta, { X, Y }).outputs.data;
          } catch (e) {
            if (e instanceof DegenerateSample) return undefined;
            throw e;
          }
        };
        if (opts.mirroredBatch && loss === 'mse') {
          // Targets mirrored about the outputs: residuals cancel in pairs.
          const F = outputs();
          if (F) for (let i = 0; i < rows0 * out; i++) Y.data[rows0 * out + i] = 2 * F[i]! - Y.data[i]!;
        }
        if (opts.targets === 'cancel') {
          const F = outputs();
          if (F)
            for (let i = 0; i < Y.data.length; i++)
              Y.data[i] = F[i]! + ulps[i % ulps.length]! * EPS * Math.abs(F[i]!);
        }
        return { net, theta, batch: { X, Y }, v, ...(looseExempt ? { looseExempt } : {}) };
      },
    );

// ---------------- tests ----------------

describe('the reference', () => {
  it('matches derivatives worked out by hand: L = ½ (w2 w1 x − y)², its gradient and H v', () => {
    const net = buildNetwork({
      widths: [1, 1, 1],
      act: { kind: 'linear' },
      norm: 'none',
      affine: false,
      loss: 'mse',
      bias: false,
    });
    const [w1, w2, x, y] = [3, -2, 5, 7];
    const batch = { X: mat(1, 1, Float64Array.of(x)), Y: mat(1, 1, Float64Array.of(y)) };
    const r = exactTimesB(net, Float64Array.of(w1, w2), batch, Float64Array.of(1, 2));
    const res = w2 * w1 * x - y; // −37
    const h12 = x * (res + w1 * w2 * x);
    expect(toNumber(r.loss)).toBe((res * res) / 2);
    expect(r.grad.map(toNumber)).toEqual([res * w2 * x, res * w1 * x]);
    expect(r.hv.map(toNumber)).toEqual([w2 * w2 * x * x + h12 * 2, h12 + w1 * w1 * x * x * 2]);
    const f = reference(net, Float64Array.of(w1, w2), batch, Float64Array.of(1, 2));
    expect(f.grad.map(toNumber)).toEqual([res * w2 * x, res * w1 * x]);
    expect(f.hv.map(toNumber)).toEqual([w2 * w2 * x * x + h12 * 2, h12 + w1 * w1 * x * x * 2]);
  });

  it('computes exp, tanh and √ to 225 bits', () => {
    // e = Σ 1/n!, tanh(1/2) = (e − 1)/(e + 1) with e = exp(1), √2² = 2, from independent identities.
    let e = ONE,
      t = ONE;
    for (let n = 1; n < 80; n++) e = badd(e, (t = bdiv(t, dy(n))));
    const rel = (a: Bf, b: Bf): number => Math.abs(toNumber(bdiv(bsub(a, b), b)));
    expect(rel(bexp(ONE), e)).toBeLessThan(2 ** -230);
    expect(rel(bmul(bexp(dy(-3.5)), bexp(dy(3.5))), ONE)).toBeLessThan(2 ** -225);
    expect(rel(btanh(dy(0.5)), bdiv(bsub(e, ONE), badd(e, ONE)))).toBeLessThan(2 ** -225);
    expect(rel(bmul(bsqrt(dy(2)), bsqrt(dy(2))), dy(2))).toBeLessThan(2 ** -250);
    expect(toNumber(btanh(dy(-0.5)))).toBe(Math.tanh(-0.5));
  });

  test.prop([caseArb({ rational: true })], { numRuns: 30 })(
    'agrees with exact dyadic arithmetic on rational networks',
    (c) => {
      const B = c.batch.X.rows;
      const x = exactTimesB(c.net, c.theta, c.batch, c.v);
      const r = reference(c.net, c.theta, c.batch, c.v);
      const e = evaluate(c.net, c.theta, c.batch, c.v, { bound: true });
      for (const [ex, rf, b] of [
        [x.grad, r.grad, e.gradBound!],
        [x.hv, r.hv, e.hvBound!],
      ] as const)
        ex.forEach((g, i) =>
          expect(Math.abs(toNumber(bsub(bmul(rf[i]!, dy(B)), g))) / B).toBeLessThanOrEqual(2 ** -200 * b[i]!),
        );
    },
  );

  test.prop([caseArb()], { numRuns: 30 })('agrees with the float64 evaluation up to rounding', (c) => {
    const cmp = compare(c);
    fc.pre(cmp !== undefined);
    for (const x of [...cmp!.grad, ...cmp!.hv])
      expect(x.err).toBeLessThanOrEqual(1e-9 * (Math.abs(x.value) + x.bound / EPS) + REFERENCE_FLOOR);
  });
});

describe("a normalisation's projection P = I − (1 1ᵀ + N Nᵀ)/n in magnitudes", () => {
  /** Σ_k |P_ik| E_k, term by term. */
  const direct = (N: number[], E: number[]): number[] =>
    N.map((a, i) =>
      E.reduce((s, e, k) => s + Math.abs((i === k ? 1 : 0) - (1 + a * N[k]!) / N.length) * e, 0),
    );
  /** N of a group: its values centred and scaled to mean N² = 1, as a normalisation makes them. */
  const normalised = (z: number[]): number[] => {
    const mu = z.reduce((a, b) => a + b, 0) / z.length;
    const s = Math.sqrt(z.reduce((a, b) => a + (b - mu) ** 2, 0) / z.length);
    return z.map((x) => (x - mu) / s);
  };
  const check = (N: number[], E: number[]): void => {
    const out = new Float64Array(N.length);
    projectionMagnitude(Float64Array.from(N), Float64Array.from(E), out);
    const want = direct(N, E);
    const scale = E.reduce((a, b) => a + b, 0) * (1 + Math.max(...N.map(Math.abs)) ** 2);
    out.forEach((x, i) => expect(Math.abs(x - want[i]!)).toBeLessThanOrEqual(1e-12 * scale));
  };
  test.prop(
    [
      fc
        .integer({ min: 2, max: 300 })
        .chain((n) =>
          fc.tuple(
            fc.array(real, { minLength: n, maxLength: n }),
            fc.array(real.map(Math.abs), { minLength: n, maxLength: n }),
            fc.integer({ min: 1, max: 4 }),
          ),
        ),
    ],
    { numRuns: 100 },
  )(
    'equals Σ_k |P_ik| E_k, directly (n ≤ 64) and through sorted prefix sums (n > 64)',
    ([z, E, distinct]) => {
      // A few distinct values repeated (ties in N, and N_i N_k = −1 exactly) as well as all distinct.
      const zz = distinct < 4 ? z.map((_, t) => z[t % (distinct + 1)]!) : z;
      fc.pre(new Set(zz).size > 1);
      check(normalised(zz), E);
    },
  );
  it('is 0 for a group of two (N = ±1 whatever the input)', () => {
    const out = new Float64Array(2);
    projectionMagnitude(Float64Array.of(1, -1), Float64Array.of(3, 5), out);
    expect(Array.from(out)).toEqual([0, 0]);
  });
});

describe("the order of a group's values (the projection's prefix sums are taken in it)", () => {
  /** The reference: a stable sort of the indices by N[x] − N[y] (equal values keep index order). */
  const stable = (N: Float64Array): number[] =>
    Array.from(N, (_, i) => i).sort((x, y) => N[x]! - N[y]! || x - y);
  test.prop(
    [
      fc
        .integer({ min: 0, max: 300 })
        .chain((n) =>
          fc.tuple(
            fc.array(
              fc.oneof(
                fc.constantFrom(0, -0, 1, -1, 2.5),
                fc.double({ min: -1e308, max: 1e308, noNaN: true, noDefaultInfinity: true }),
              ),
              { minLength: n, maxLength: n },
            ),
            fc.constantFrom('as drawn', 'ascending', 'descending'),
          ),
        ),
    ],
    { numRuns: 200 },
  )(
    'is the stable order, ties (−0 and 0 alike) by index, for every size across the runs of 16',
    ([xs, how]) => {
      const v = how === 'as drawn' ? xs : [...xs].sort((a, b) => (how === 'ascending' ? a - b : b - a));
      const N = Float64Array.from(v);
      expect(Array.from(sortedOrder(N))).toEqual(stable(N));
    },
  );
  it('keeps an earlier order intact after another sort (the merge buffer is shared)', () => {
    // 20 values: one merge pass, whose result lands in the shared buffer and is copied out.
    const first = sortedOrder(Float64Array.from({ length: 20 }, (_, i) => (i * 7) % 13));
    const copy = Array.from(first);
    sortedOrder(Float64Array.from({ length: 20 }, (_, i) => -i));
    expect(Array.from(first)).toEqual(copy);
  });
});

describe('gradBound and hvBound cover the actual rounding error, and are not absurdly loose', () => {
  const holds =
    (what: string) =>
    (c: Case): void => {
      const cmp = compare(c);
      fc.pre(cmp !== undefined);
      const { uncovered, loose } = violations(cmp!, what, c.looseExempt !== undefined);
      expect(uncovered).toEqual([]);
      expect(loose).toEqual([]);
    };
  afterAll(() => {
    if (process.env['BOUNDS_STATS']) process.stdout.write(`bounds coverage: ${JSON.stringify(seen)}\n`);
  });

  test.prop([caseArb()], { numRuns: 150 })('random tiny networks', holds('random'));
  test.prop([caseArb({ widths: KERNEL_WIDTHS, minBatch: 2 })], { numRuns: 12 })(
    'networks whose products run on the WebAssembly kernels',
    holds('kernels'),
  );
  test.prop([caseArb({ targets: 'cancel' })], { numRuns: 100 })(
    'near-cancellation: targets equal to the outputs up to a few ulps (F − Y is rounding)',
    holds('targets'),
  );
  test.prop([caseArb({ mirroredBatch: true })], { numRuns: 100 })(
    'near-cancellation: every sample twice, with residuals of opposite signs (the batch sum cancels)',
    holds('mirrored'),
  );
  test.prop([caseArb({ direction: 'symmetry' })], { numRuns: 100 })(
    'near-cancellation: H v along a symmetry generator (the forward tangents cancel: J v = 0)',
    holds('symmetry'),
  );
  test.prop([caseArb({ direction: 'symmetry', mirroredBatch: true })], { numRuns: 60 })(
    'near-cancellation: a symmetry generator on a mirrored batch (tangents and residuals both cancel)',
    holds('symmetry+mirrored'),
  );
  test.prop(
    [
      fc
        .constantFrom<Direction>('random', 'symmetry', 'first-layer', 'biases')
        .chain((direction) => caseArb({ targets: 'far', direction })),
    ],
    { numRuns: 100 },
  )(
    'far from the targets: the adjoint-carried terms of H v dominate (random, symmetry, first-layer, bias directions)',
    holds('far'),
  );

  describe('forward cancellation (rounding of the forward pass, amplified, in everything computed from it)', () => {
    test.prop([caseArb({ cancel: 'output' })], { numRuns: 150 })(
      'an output (a logit) that is 1e-3 … 1e-12 of its terms, or rounding, with squared error and cross-entropy',
      holds('output'),
    );
    test.prop([caseArb({ cancel: 'hidden' })], { numRuns: 150 })(
      'a hidden pre-activation that is 1e-3 … 1e-12 of its terms, or rounding (for ReLU: on its kink)',
      holds('hidden'),
    );
    test.prop([caseArb({ cancel: 'offset', norms: ['batch', 'layer'] })], { numRuns: 120 })(
      'a normalisation group whose spread is 1e-2 … 1e-4 of its values (Z − μ cancels)',
      holds('offset'),
    );
    test.prop([caseArb({ cancel: 'affine', norms: ['batch', 'layer'] })], { numRuns: 120 })(
      'γ N + β cancelling at one unit and sample',
      holds('affine'),
    );
    test.prop(
      [
        fc
          .record({
            targets: fc.constantFrom<Targets>('random', 'cancel', 'far'),
            direction: fc.constantFrom<Direction>('random', 'symmetry', 'first-layer', 'biases'),
            mirroredBatch: fc.boolean(),
          })
          .chain((o) => caseArb({ ...o, cancel: 'any' })),
      ],
      { numRuns: 150 },
    )('together with backward cancellation: targets, mirrored batches, symmetry generators', holds('mixed'));
  });

  // Formerly a known bug (the bounds were absolute-value passes over the forward values as computed):
  // the output F = x·(w₂₁w₁₁ + w₂₂w₁₂) is ~1e-10 of its terms and Y = 0, so F carries an absolute
  // error ~ε·|terms|, a relative error ~1e-6, which passes unchanged into ∂L/∂W₂ = F·h/B; the bound
  // there was ~|F|·|h|/B. Now F counts at |F|⁺ = Σ|terms|.
  it('forward cancellation: an output that is a tiny difference of large terms (its rounding is in the bound)', () => {
    const net = buildNetwork({
      widths: [1, 2, 1],
      act: { kind: 'linear' },
      norm: 'none',
      affine: false,
      loss: 'mse',
      bias: false,
    });
    // W1 = [1.1, 0.9]ᵀ, W2 = [0.7, w] with 0.9·w ≈ −0.77 (1 − 1e-10): F ≈ 1e-10·0.77·x.
    const w = (-0.77 * (1 - 1e-10)) / 0.9;
    const theta = Float64Array.of(1.1, 0.9, 0.7, w);
    const batch = { X: mat(1, 1, Float64Array.of(1.3)), Y: mat(1, 1, Float64Array.of(0)) };
    const c: Case = { net, theta, batch, v: Float64Array.of(0.3, -0.6, 0.8, 0.45) };
    expect(forwardCondition(c)).toBeGreaterThan(1e8);
    const { uncovered, loose, worst } = violations(compare(c)!);
    expect(uncovered).toEqual([]);
    expect(loose).toEqual([]);
    // The error is a large part of the bound (the bound is not merely loose enough).
    expect(worst).toBeGreaterThan(0.01);
  });
});
