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
  /** Standard normal (Box–Muller). */
  normal(): number;
}

export function rng(seed: number): Rng {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    grid: (lo, hi, den) => {
      const a = Math.ceil(lo * den);
      const b = Math.floor(hi * den);
      return (a + Math.floor(next() * (b - a + 1))) / den;
    },
    normal: () => {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}
