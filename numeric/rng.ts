/**
 * Seeded pseudo-random numbers (mulberry32). Deterministic for a given seed, so every sampled
 * point, network and counterexample can be reproduced from the seed that is printed with it.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** A multiple of 1/denominator in [lo, hi], exactly representable as a double. */
  grid(lo: number, hi: number, denominator: number): number;
  /** Standard normal (ziggurat: one 32-bit draw for 98.8% of the values). */
  normal(): number;
  /** out[k] = shift + scale · normal() for k in [from, to), the same values as that loop, faster. */
  fillNormal(out: Float64Array, from: number, to: number, scale?: number, shift?: number): void;
}

/**
 * The 128-layer ziggurat of the standard normal density f(x) = exp(−x²/2) (unnormalised): R is
 * the start of the tail, V the area of every layer (Marsaglia and Tsang 2000; the layer index and
 * the uniform from disjoint bits, as Doornik 2005 recommends). `X[i]` is layer i's right edge
 * (X[0] = V / f(R) the base layer's width as a rectangle, X[128] = 0); `RATIO[i]` = X[i+1] / X[i],
 * below which a point of layer i lies under the curve for certain.
 */
const LAYERS = 128;
const R = 3.442619855899;
const V = 9.91256303526217e-3;
const X = new Float64Array(LAYERS + 1);
const RATIO = new Float64Array(LAYERS);
/** 2^−24: a layer's uniform is u = (m + ½)·2^−24 − 1 for the 25-bit m, in (−1, 1). */
const TWO_M24 = 1 / 16777216;
{
  let f = Math.exp(-0.5 * R * R);
  X[0] = V / f;
  X[1] = R;
  for (let i = 2; i < LAYERS; i++) {
    X[i] = Math.sqrt(-2 * Math.log(V / X[i - 1]! + f));
    f = Math.exp(-0.5 * X[i]! * X[i]!);
  }
  for (let i = 0; i < LAYERS; i++) RATIO[i] = X[i + 1]! / X[i]!;
}

/**
 * The generator as a class: its methods are shared by every instance, so the hot loops are compiled
 * once for all seeds (closures made per `rng(seed)` recompiled per seed: 23 ns a draw in a check
 * that draws a network per seed; with the class and fillLayers, 9–10 ns).
 */
class Mulberry32 implements Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  private bits(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  next(): number {
    return this.bits() / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  grid(lo: number, hi: number, den: number): number {
    const a = Math.ceil(lo * den);
    const b = Math.floor(hi * den);
    return (a + Math.floor(this.next() * (b - a + 1))) / den;
  }
  /** The rare draws: the wedges beside the layers, and the tail beyond R. */
  private slow(i: number, u: number): number | undefined {
    if (i === 0) {
      // Tail |z| > R (Marsaglia 1964): exact, by rejection from an exponential.
      let x: number, y: number;
      do {
        x = Math.log(1 - this.next()) / R;
        y = Math.log(1 - this.next());
      } while (-2 * y < x * x);
      return u < 0 ? x - R : R - x;
    }
    const x = u * X[i]!;
    const f0 = Math.exp(-0.5 * (X[i]! * X[i]! - x * x));
    const f1 = Math.exp(-0.5 * (X[i + 1]! * X[i + 1]! - x * x));
    return f1 + this.next() * (f0 - f1) < 1 ? x : undefined;
  }
  normal(): number {
    this.fillNormal(ONE, 0, 1);
    return ONE[0]!;
  }
  fillNormal(out: Float64Array, from: number, to: number, scale = 1, shift = 0): void {
    // a range that is not one (NaN, undefined from untyped callers) would never reach `to`
    if (!(from >= 0 && to <= out.length)) throw new RangeError(`fillNormal: no range [${from}, ${to})`);
    // The layers in a small hot loop (fillLayers); each rare draw here, then back to the loop.
    HOT_STATE[0] = this.s | 0;
    for (let k = from; ;) {
      k = fillLayers(out, k, to, scale, shift);
      this.s = HOT_STATE[0]! >>> 0;
      if (k >= to) return;
      const z = this.slow(RARE[0]!, RARE[1]!);
      if (z !== undefined) out[k++] = shift + scale * z;
      HOT_STATE[0] = this.s | 0;
    }
  }
}

/** fillLayers' generator state (int32: the same bits as the uint32 of next()), and its rare draw's layer and u. */
const HOT_STATE = new Int32Array(1);
const RARE = new Float64Array(2);
/** normal()'s one-entry fill. */
const ONE = new Float64Array(1);

/**
 * out[k] = shift + scale · normal() from k on while the draws land inside a layer (98.8% of them);
 * stops at the first that does not, leaving its layer and u in RARE, and returns its index (or `to`).
 * Mulberry32 inlined, its state in a local; kept apart from the rare paths (exp, log, rejection loops)
 * so that it compiles small: 10 ns a draw, against 16 with them in the loop.
 */
function fillLayers(out: Float64Array, k: number, to: number, scale: number, shift: number): number {
  let st = HOT_STATE[0]!;
  for (; k < to; k++) {
    st = (st + 0x6d2b79f5) | 0;
    let t = st;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const b = t ^ (t >>> 14);
    const i = b & (LAYERS - 1);
    const u = ((b >>> 7) + 0.5) * TWO_M24 - 1;
    if (Math.abs(u) < RATIO[i]!) {
      out[k] = shift + scale * (u * X[i]!);
      continue;
    }
    RARE[0] = i;
    RARE[1] = u;
    break;
  }
  HOT_STATE[0] = st;
  return k;
}

export function rng(seed: number): Rng {
  return new Mulberry32(seed);
}
