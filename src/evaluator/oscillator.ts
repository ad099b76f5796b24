/**
 * Stepping the damped, driven oscillator Q̈ + 2γQ̇ + ω²Q = 2f exactly over one interval of length h
 * with the drive f held constant on it: (Q, Q̇) ← E (Q, Q̇) + e·2f, where [E e; 0 1] = exp(h·M) for the
 * augmented matrix M = [[0, 1, 0], [−ω², −2γ, 1], [0, 0, 0]]. The exponential is computed by scaling
 * and squaring a Taylor series (3 × 3, so its cost is nothing), which needs no case split between
 * under-, critically and over-damped motion, nor ω = 0 (no weight decay).
 */

/** exp(A) for a small dense matrix (row-major n × n): scaling and squaring of a 20-term Taylor series. */
export function expm(a: readonly number[], n: number): number[] {
  const norm = Math.max(
    ...Array.from({ length: n }, (_, i) => a.slice(i * n, i * n + n).reduce((s, x) => s + Math.abs(x), 0)),
  );
  const s = Math.max(0, Math.ceil(Math.log2(norm || 1)) + 1);
  const scaled = a.map((x) => x / 2 ** s);
  const mul = (x: number[], y: readonly number[]): number[] => {
    const out = new Array<number>(n * n).fill(0);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < n; k++)
        for (let j = 0; j < n; j++) out[i * n + j]! += x[i * n + k]! * y[k * n + j]!;
    return out;
  };
  let term: number[] = Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
  let sum = [...term];
  for (let k = 1; k <= 20; k++) {
    term = mul(term, scaled).map((x) => x / k);
    sum = sum.map((x, i) => x + term[i]!);
  }
  for (let i = 0; i < s; i++) sum = mul(sum, sum);
  return sum;
}

/** The one-interval propagator of Q̈ + 2γQ̇ + ω²Q = 2f: next(Q, Q̇, f). */
export function oscillatorStep(
  gamma: number,
  omega2: number,
  h: number,
): (q: number, qdot: number, f: number) => [number, number] {
  const E = expm([0, h, 0, -omega2 * h, -2 * gamma * h, h, 0, 0, 0], 3);
  return (q, qdot, f) => [E[0]! * q + E[1]! * qdot + E[2]! * 2 * f, E[3]! * q + E[4]! * qdot + E[5]! * 2 * f];
}
