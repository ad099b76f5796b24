/**
 * Exact refutation: when a residual's exact normal form is a nonzero rational function of plain
 * symbols, the law is false, whatever the size of the residual — and a point shows it. The point
 * is searched among small dyadic rationals (exact in float64 and printed exactly); the value there
 * is computed in exact rational arithmetic, or, for degrees too high to print, modulo the prime
 * 2⁶¹ − 1 (a nonzero residue proves a nonzero value).
 */
import type { Expr } from '../expr/ast';
import { NormalFormError, sharedNormalForm, type SymbolTerm } from '../expr/normal';
import * as Q from '../expr/rational';
import type { Rational } from '../expr/rational';
import { rng } from '../../numeric/rng';

/** A point where a nonzero rational function of the symbols is nonzero. */
export interface ExactWitness {
  /**
   * The symbols' values: exact dyadic rationals as decimals (float64 reads them exactly), or
   * log(E)/c for a symbol that enters only through exp(c·s) (then exp(c·s) = E exactly).
   */
  readonly point: Readonly<Record<string, string>>;
  readonly values: readonly number[];
  /** The residual's exact value there, or why it is not printed. */
  readonly exact: string;
}

/** Total degrees above this are evaluated modulo a prime instead of exactly. */
const EXACT_DEGREE = 400;
/** Exact values longer than this many characters are summarised. */
const PRINT_LIMIT = 160;
const P = (1n << 61n) - 1n;

const mod = (a: bigint): bigint => ((a % P) + P) % P;
function powMod(b: bigint, e: bigint): bigint {
  let r = 1n;
  let x = mod(b);
  let k = e;
  while (k > 0n) {
    if (k & 1n) r = (r * x) % P;
    x = (x * x) % P;
    k >>= 1n;
  }
  return r;
}
const invMod = (a: bigint): bigint => powMod(a, P - 2n);
/** a/b mod P (b not a multiple of P). */
const ratMod = (r: Rational): bigint | undefined => (mod(r.d) === 0n ? undefined : mod(r.n * invMod(r.d)));

function evalExact(terms: readonly SymbolTerm[], at: ReadonlyMap<string, Rational>): Rational {
  let s = Q.ZERO;
  for (const t of terms) {
    let v = t.coef;
    for (const [k, e] of t.powers) v = Q.mul(v, Q.powInt(at.get(k)!, e));
    s = Q.add(s, v);
  }
  return s;
}

function evalMod(terms: readonly SymbolTerm[], at: ReadonlyMap<string, Rational>): bigint | undefined {
  let s = 0n;
  for (const t of terms) {
    let v = ratMod(t.coef);
    if (v === undefined) return undefined;
    for (const [k, e] of t.powers) {
      const x = ratMod(at.get(k)!);
      if (x === undefined || x === 0n) return undefined;
      v = (v * powMod(e >= 0 ? x : invMod(x), BigInt(Math.abs(e)))) % P;
    }
    s = (s + v) % P;
  }
  return s;
}

const degreeOf = (terms: readonly SymbolTerm[]): number =>
  Math.max(0, ...terms.map((t) => t.powers.reduce((s, [, e]) => s + Math.abs(e), 0)));

/**
 * When the residual's normal form is a nonzero rational function of the symbols, a point where it
 * is nonzero (and defined); undefined when the normal form has other atoms, is zero, or cannot be
 * formed. `finite` says whether the original terms are finite at a candidate point (removable
 * singularities of the terms are avoided).
 */
export function exactWitness(
  residual: Expr,
  names: readonly string[],
  seed: number,
  finite: (xs: readonly number[]) => boolean,
): ExactWitness | undefined {
  let form;
  try {
    const { n, form: x } = sharedNormalForm(residual);
    if (n.isZero(x)) return undefined;
    form = n.symbolRational(x);
  } catch (err) {
    if (err instanceof NormalFormError) return undefined;
    throw err;
  }
  if (!form) return undefined;
  const exact = Math.max(degreeOf(form.num), degreeOf(form.den)) <= EXACT_DEGREE;
  // A symbol s that enters only through exp(c·s) takes the value log(E)/c for a positive dyadic E.
  const viaExp = new Map([...form.exps].map(([key, e]) => [e.symbol, { key, c: e.c }]));
  const r = rng(seed ^ 0x3c6ef372);
  for (let attempt = 0; attempt < 200; attempt++) {
    // Nonzero dyadic values ±k/2^j: exact in float64, printed exactly, never a pole of x^(−e).
    const range = attempt < 50 ? 4 : 16;
    const at = new Map<string, Rational>();
    const point: Record<string, string> = {};
    const floats = names.map((name) => {
      const e = viaExp.get(name);
      if (e) {
        let E = Q.rat(1 + r.int(range), 1 << r.int(3));
        if (Q.isOne(E)) E = Q.rat(2);
        at.set(e.key, E);
        point[name] = Q.isOne(e.c) ? `log(${Q.toString(E)})` : `log(${Q.toString(E)})/(${Q.toString(e.c)})`;
        return Math.log(Q.toNumber(E)) / Q.toNumber(e.c);
      }
      const v = Q.rat((r.next() < 0.5 ? -1 : 1) * (1 + r.int(range)), 1 << r.int(3));
      at.set(name, v);
      point[name] = String(Q.toNumber(v));
      return Q.toNumber(v);
    });
    if (exact) {
      const den = evalExact(form.den, at);
      const num = evalExact(form.num, at);
      if (Q.isZero(den) || Q.isZero(num) || !finite(floats)) continue;
      const value = Q.toString(Q.div(num, den));
      return {
        point,
        values: floats,
        exact:
          value.length <= PRINT_LIMIT
            ? value
            : `a rational of ${value.length} characters, ≈ ${Q.toNumber(Q.div(num, den)).toPrecision(6)}`,
      };
    }
    const den = evalMod(form.den, at);
    const num = evalMod(form.num, at);
    if (den === undefined || num === undefined || den === 0n || num === 0n) continue;
    return {
      point,
      values: floats,
      exact: `nonzero (its residue modulo 2^61 − 1 is ${(num * invMod(den)) % P}; degree too high to print)`,
    };
  }
  return undefined;
}
