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

export function rng(seed: number): Rng {
  let s = seed >>> 0;
  const bits = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => bits() / 4294967296;
  /** The rare draws: the wedges beside the layers, and the tail beyond R. */
  const slow = (i: number, u: number): number | undefined => {
    if (i === 0) {
      // Tail |z| > R (Marsaglia 1964): exact, by rejection from an exponential.
      let x: number, y: number;
      do {
        x = Math.log(1 - next()) / R;
        y = Math.log(1 - next());
      } while (-2 * y < x * x);
      return u < 0 ? x - R : R - x;
    }
    const x = u * X[i]!;
    const f0 = Math.exp(-0.5 * (X[i]! * X[i]! - x * x));
    const f1 = Math.exp(-0.5 * (X[i + 1]! * X[i + 1]! - x * x));
    return f1 + next() * (f0 - f1) < 1 ? x : undefined;
  };
  const normal = (): number => {
    for (;;) {
      const b = bits();
      const i = b & (LAYERS - 1);
      // 25 bits for u ∈ (−1, 1), the low 7 for the layer.
      const u = ((b >>> 7) + 0.5) * TWO_M24 - 1;
      if (Math.abs(u) < RATIO[i]!) return u * X[i]!;
      const z = slow(i, u);
      if (z !== undefined) return z;
    }
  };
  const fillNormal = (out: Float64Array, from: number, to: number, scale = 1, shift = 0): void => {
    // normal() with mulberry32 inlined and its state in a local: the hot loop of every sampler.
    // The state as int32 (the same bits as the uint32 of next(); the shifts and products see bits).
    let st = s | 0;
    for (let k = from; k < to; k++) {
      for (;;) {
        st = (st + 0x6d2b79f5) | 0;
        let t = st;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        const b = t ^ (t >>> 14);
        const i = b & (LAYERS - 1);
        const u = ((b >>> 7) + 0.5) * TWO_M24 - 1;
        if (Math.abs(u) < RATIO[i]!) {
          out[k] = shift + scale * (u * X[i]!);
          break;
        }
        s = st >>> 0;
        const z = slow(i, u);
        st = s | 0;
        if (z !== undefined) {
          out[k] = shift + scale * z;
          break;
        }
      }
    }
    s = st >>> 0;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    grid: (lo, hi, den) => {
      const a = Math.ceil(lo * den);
      const b = Math.floor(hi * den);
      return (a + Math.floor(next() * (b - a + 1))) / den;
    },
    normal,
    fillNormal,
  };
}
