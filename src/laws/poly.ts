/**
 * Sparse multivariate polynomials over ℚ in indexed variables, and polynomial vector fields.
 * A monomial is the sorted list of its variables' indices, repeated by exponent (x₀²x₃ is [0, 0, 3]);
 * its key is that list joined by commas ('' for 1). Plain data, exact arithmetic.
 */
import { add, isZero, mul, neg, rat, type Rational } from '../expr/rational';

export type Monomial = readonly number[];
export interface Term {
  readonly m: Monomial;
  readonly c: Rational;
}
/** A polynomial: its terms keyed by monomial key; no zero coefficients. */
export type Poly = ReadonlyMap<string, Term>;
/** A polynomial vector field on ℝᴰ: its nonzero components by index. */
export type Field = ReadonlyMap<number, Poly>;

export const monoKey = (m: Monomial): string => m.join(',');

export function mulMono(a: Monomial, b: Monomial): Monomial {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! <= b[j]!)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

/** Each variable's run in a sorted monomial: f(variable, exponent, index of its first copy). */
export function forEachRun(m: Monomial, f: (a: number, e: number, at: number) => void): void {
  for (let at = 0; at < m.length;) {
    const a = m[at]!;
    let end = at + 1;
    while (end < m.length && m[end] === a) end++;
    f(a, end - at, at);
    at = end;
  }
}

/** Add c·m into a mutable polynomial, dropping a coefficient that cancels. */
export function addTerm(p: Map<string, Term>, m: Monomial, c: Rational): void {
  if (isZero(c)) return;
  const k = monoKey(m);
  const old = p.get(k);
  if (!old) p.set(k, { m, c });
  else {
    const s = add(old.c, c);
    if (isZero(s)) p.delete(k);
    else p.set(k, { m, c: s });
  }
}

export const constant = (c: Rational): Poly => {
  const p = new Map<string, Term>();
  addTerm(p, [], c);
  return p;
};
export const variable = (i: number): Poly => new Map([[String(i), { m: [i], c: rat(1) }]]);

export function addPoly(a: Poly, b: Poly, scaleB: Rational = rat(1)): Poly {
  const p = new Map(a);
  for (const t of b.values()) addTerm(p, t.m, mul(t.c, scaleB));
  return p;
}

export const negPoly = (a: Poly): Poly => addPoly(new Map(), a, rat(-1));

/** The most term products one multiplication may take (a guard against expansions that would hang). */
export const PRODUCT_LIMIT = 5_000_000;

/** Thrown by {@link mulPoly} and {@link powPoly} past {@link PRODUCT_LIMIT} or a term limit. */
export class PolynomialTooLarge extends Error {}

export function mulPoly(a: Poly, b: Poly): Poly {
  if (a.size * b.size > PRODUCT_LIMIT) throw new PolynomialTooLarge(`${a.size} × ${b.size} term products`);
  const p = new Map<string, Term>();
  for (const s of a.values()) for (const t of b.values()) addTerm(p, mulMono(s.m, t.m), mul(s.c, t.c));
  return p;
}

/** aᵏ, refusing (PolynomialTooLarge) once an intermediate power passes `maxTerms` terms. */
export function powPoly(a: Poly, k: number, maxTerms = Infinity): Poly {
  // (n terms)ᵏ has at most C(n + k − 1, k) terms: refuse before expanding what would pass the limit
  let bound = 1;
  for (let i = 1; i <= k && bound <= maxTerms; i++) bound = (bound * (a.size + i - 1)) / i;
  if (bound > maxTerms) throw new PolynomialTooLarge(`a power that may reach ${Math.round(bound)} terms`);
  let r = constant(rat(1));
  for (let i = 0; i < k; i++) {
    r = mulPoly(r, a);
    if (r.size > maxTerms) throw new PolynomialTooLarge(`a power with more than ${maxTerms} terms`);
  }
  return r;
}

/** ∂p/∂x_v. */
export function diffPoly(p: Poly, v: number): Poly {
  const out = new Map<string, Term>();
  for (const t of p.values()) {
    const m = t.m;
    const at = m.indexOf(v);
    if (at < 0) continue;
    // m is sorted: the copies of v run from at; drop the first
    let e = 1;
    while (at + e < m.length && m[at + e] === v) e++;
    const rest = m.slice(0, at);
    for (let i = at + 1; i < m.length; i++) rest.push(m[i]!);
    addTerm(out, rest, e === 1 ? t.c : mul(t.c, rat(e)));
  }
  return out;
}

/** The variables a polynomial involves. */
export function variablesOf(p: Poly): Set<number> {
  const s = new Set<number>();
  for (const t of p.values()) for (const v of t.m) s.add(v);
  return s;
}

export const degreeOf = (p: Poly): number => Math.max(0, ...[...p.values()].map((t) => t.m.length));

/** ∇p as a field. */
export function gradient(p: Poly): Field {
  const f = new Map<number, Poly>();
  for (const v of [...variablesOf(p)].sort((a, b) => a - b)) {
    const d = diffPoly(p, v);
    if (d.size > 0) f.set(v, d);
  }
  return f;
}

/** ⟨∇h, X⟩ = Σ_a ∂_a h · X_a, exactly (∇h may be given, when pairing one h with many fields). */
export function lieDerivative(h: Poly, x: Field, grad?: Field): Poly {
  const out = new Map<string, Term>();
  for (const [a, xa] of x) {
    const d = grad ? grad.get(a) : diffPoly(h, a);
    if (!d) continue;
    for (const s of d.values()) for (const t of xa.values()) addTerm(out, mulMono(s.m, t.m), mul(s.c, t.c));
  }
  return out;
}

/** A polynomial as text over named variables: integer coefficients first, then x^k factors. */
export function polyText(p: Poly, names: readonly string[]): string {
  const terms = [...p.values()].sort(compareTerms);
  if (terms.length === 0) return '0';
  return terms
    .map((t, i) => {
      const neg0 = t.c.n < 0n;
      const abs = neg0 ? neg(t.c) : t.c;
      const factors = powers(t.m).map(([v, e]) => (e === 1 ? names[v]! : `${names[v]!}^${e}`));
      const coef = abs.d === 1n ? `${abs.n}` : `${abs.n}/${abs.d}`;
      const body =
        factors.length === 0 ? coef : coef === '1' ? factors.join('*') : [coef, ...factors].join('*');
      return i === 0 ? (neg0 ? `-${body}` : body) : `${neg0 ? '-' : '+'} ${body}`;
    })
    .join(' ');
}

/** Higher degree first, then by the variables' order. */
export function compareTerms(a: Term, b: Term): number {
  if (a.m.length !== b.m.length) return b.m.length - a.m.length;
  for (let i = 0; i < a.m.length; i++) if (a.m[i] !== b.m[i]) return a.m[i]! - b.m[i]!;
  return 0;
}

/** A monomial as (variable, exponent) pairs. */
export function powers(m: Monomial): [number, number][] {
  const out: [number, number][] = [];
  forEachRun(m, (v, e) => out.push([v, e]));
  return out;
}
