/**
 * Laws (sparse polynomials over ℚ) evaluated in float64, and spans of functions compared exactly — for
 * tests of `src/laws`, independent of its own linear algebra.
 */
import type { Poly } from '../../src/laws/poly';
import { rng } from '../../numeric/rng';

export const polyValue = (h: Poly, t: ArrayLike<number>): number =>
  [...h.values()].reduce(
    (s, term) => s + (Number(term.c.n) / Number(term.c.d)) * term.m.reduce((p, v) => p * t[v]!, 1),
    0,
  );

/** ∇h at t (each occurrence of a variable in a monomial differentiated once). */
export function polyGradient(h: Poly, t: ArrayLike<number>): Float64Array {
  const g = new Float64Array(t.length);
  for (const term of h.values()) {
    const c = Number(term.c.n) / Number(term.c.d);
    term.m.forEach((v, i) => {
      g[v]! += c * term.m.reduce((p, w, j) => (j === i ? p : p * t[w]!), 1);
    });
  }
  return g;
}

const norm = (v: ArrayLike<number>): number => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

/** |⟨∇h, g⟩| / (‖∇h‖‖g‖): zero for a conserved h up to rounding (0 when either vanishes). */
export function pairing(h: Poly, t: ArrayLike<number>, g: ArrayLike<number>): number {
  const gh = polyGradient(h, t);
  const scale = norm(gh) * norm(g);
  return scale === 0 ? 0 : Math.abs(gh.reduce((s, x, i) => s + x * g[i]!, 0)) / scale;
}

/**
 * Do two sets of functions span the same space? Rank of their values at random integer points,
 * computed exactly modulo a prime (the values are integers below 2⁵³).
 */
export function sameSpan(
  polys: readonly Poly[],
  closed: readonly ((t: Float64Array) => number)[],
  dim: number,
): boolean {
  const r = rng(99);
  const points = Array.from({ length: polys.length + closed.length + 8 }, () =>
    Float64Array.from({ length: dim }, () => r.int(61) - 30),
  );
  const rows = (fs: readonly ((t: Float64Array) => number)[]): number[][] =>
    fs.map((f) => points.map((t) => f(t)));
  const a = rows(polys.map((h) => (t: Float64Array) => polyValue(h, t)));
  const b = rows(closed);
  const ra = rankModPrime(a);
  return ra === rankModPrime(b) && ra === rankModPrime([...a, ...b]);
}

export function rankModPrime(rows: readonly number[][]): number {
  const p = 1000003n;
  const m = rows.map((row) => row.map((x) => ((BigInt(Math.round(x)) % p) + p) % p));
  let rank = 0;
  const cols = m[0]?.length ?? 0;
  for (let c = 0; c < cols && rank < m.length; c++) {
    const piv = m.findIndex((row, i) => i >= rank && row[c] !== 0n);
    if (piv < 0) continue;
    [m[rank], m[piv]] = [m[piv]!, m[rank]!];
    const inv = modInverse(m[rank]![c]!, p);
    for (let i = 0; i < m.length; i++) {
      if (i === rank || m[i]![c] === 0n) continue;
      const f = (m[i]![c]! * inv) % p;
      m[i] = m[i]!.map((x, j) => (((x - f * m[rank]![j]!) % p) + p) % p);
    }
    rank++;
  }
  return rank;
}

function modInverse(a: bigint, p: bigint): bigint {
  let [r0, r1, t0, t1] = [p, a, 0n, 1n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, t0, t1] = [r1, r0 - q * r1, t1, t0 - q * t1];
  }
  return ((t0 % p) + p) % p;
}
