/**
 * Arithmetic modulo a prime below 2²⁶ (products of two residues stay below 2⁵³, exact in float64),
 * and an incremental row echelon form of dense vectors for exact rank tests.
 *
 * Ranks computed here are never above the rational rank: a set of integer vectors that is linearly
 * dependent over ℚ stays dependent modulo p, so rank mod p ≤ rank over ℚ. That is the direction every
 * bound in src/laws relies on.
 */
import type { Rational } from '../expr/rational';

/** The prime: 2²⁶ − 5. */
export const P = 67108859;
const PB = BigInt(P);

export const addp = (a: number, b: number): number => {
  const s = a + b;
  return s >= P ? s - P : s;
};
export const subp = (a: number, b: number): number => {
  const s = a - b;
  return s < 0 ? s + P : s;
};
const INV_P = 1 / P;
/**
 * x mod p for an integer 0 ≤ x < 2⁵² (a product of two residues plus a residue), without the float
 * `%` (a library call in V8, 2–3× slower). q = ⌊x·(1/p)⌋ is off by at most one (x·(1/p) is
 * within x/p·2⁻⁵¹ < 2⁻²⁵ of x/p), q·p ≤ x + p < 2⁵³ is exact, so x − q·p is exact and one
 * correction lands it in [0, p). (For this p no correction fires at the critical points, every multiple of p and its
 * predecessor below 2⁵², checked exhaustively; they stay, as cheap insurance.)
 */
export const modp = (x: number): number => {
  const r = x - Math.floor(x * INV_P) * P;
  return r < 0 ? r + P : r >= P ? r - P : r;
};
export const mulp = (a: number, b: number): number => modp(a * b);
export const negp = (a: number): number => (a === 0 ? 0 : P - a);

/**
 * Extended Euclid on (p, a) while the remainder is above `stop`, each remainder r kept with its
 * coefficient t (r ≡ t·a mod p): the last two pairs land in EUCLID as r₀, t₀, r₁, t₁.
 */
const EUCLID = new Float64Array(4);
function euclid(a: number, stop: number): void {
  let r0 = P;
  let r1 = a;
  let t0 = 0;
  let t1 = 1;
  while (r1 > stop) {
    const q = Math.floor(r0 / r1);
    const r = r0 - q * r1;
    r0 = r1;
    r1 = r;
    const t = t0 - q * t1;
    t0 = t1;
    t1 = t;
  }
  EUCLID[0] = r0;
  EUCLID[1] = t0;
  EUCLID[2] = r1;
  EUCLID[3] = t1;
}

/** a⁻¹ mod p (extended Euclid down to remainder 0: then r₀ = 1 = t₀·a); throws on 0. */
export function invp(a: number): number {
  if (a === 0) throw new RangeError('inverse of 0 modulo p');
  euclid(a, 0);
  const t0 = EUCLID[1]!;
  return t0 < 0 ? t0 + P : t0;
}

const TWO52 = 2n ** 52n;

/** A bigint reduced into [0, p). */
export const bigp = (n: bigint): number => Number(((n % PB) + PB) % PB);

/** A rational reduced mod p, or undefined when p divides its denominator. */
export function ratp(r: Rational): number | undefined {
  // an integer of at most 52 bits reduces as a double (the common case: integer fields and laws)
  if (r.d === 1n && r.n < TWO52 && r.n > -TWO52) {
    const x = Number(r.n);
    return x < 0 ? negp(modp(-x)) : modp(x);
  }
  const d = bigp(r.d);
  return d === 0 ? undefined : mulp(bigp(r.n), invp(d));
}

/**
 * The rational n/d with |n|, d ≤ √(p/2) that reduces to a mod p, if there is one (Wang's rational
 * reconstruction). A result is a candidate only: src/laws confirms every reconstructed law exactly.
 */
export function reconstruct(a: number): { readonly n: bigint; readonly d: bigint } | undefined {
  const bound = Math.floor(Math.sqrt(P / 2));
  euclid(a, bound);
  const r1 = EUCLID[2]!;
  const t1 = EUCLID[3]!;
  if (t1 === 0 || Math.abs(t1) > bound) return undefined;
  const sign = t1 < 0 ? -1n : 1n;
  return { n: sign * BigInt(r1), d: sign * BigInt(t1) };
}

/**
 * Dense vectors mod p kept in row echelon form: `add` reduces a vector against the rows kept so far
 * and keeps it when something is left (the rank went up).
 */
export class Echelon {
  private readonly rows: Int32Array[] = [];
  private readonly pivots: number[] = [];
  constructor(readonly length: number) {}

  get rank(): number {
    return this.rows.length;
  }

  /** Reduce v (consumed) against the kept rows; keep it and return true when it raises the rank. */
  add(v: Int32Array | number[]): boolean {
    const w = v instanceof Int32Array ? v : Int32Array.from(v);
    for (let r = 0; r < this.rows.length; r++) {
      const c = w[this.pivots[r]!]!;
      if (c === 0) continue;
      const row = this.rows[r]!;
      const f = P - c; // row is normalised to 1 at its pivot
      for (let j = this.pivots[r]!; j < this.length; j++) {
        const x = row[j]!;
        if (x !== 0) w[j] = modp(w[j]! + f * x);
      }
    }
    let piv = -1;
    for (let j = 0; j < this.length; j++)
      if (w[j] !== 0) {
        piv = j;
        break;
      }
    if (piv < 0) return false;
    const inv = invp(w[piv]!);
    for (let j = piv; j < this.length; j++) if (w[j] !== 0) w[j] = mulp(w[j]!, inv);
    this.rows.push(w);
    this.pivots.push(piv);
    return true;
  }
}
