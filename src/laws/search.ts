/**
 * Polynomial conservation laws up to a degree: h = Σ c_m m over the monomials m of degree 1…d with
 * ⟨∇h, X⟩ ≡ 0 for every generating field X — a sparse linear system on the coefficients, one equation
 * per (field, monomial of the product). It is solved modulo p; each solution is lifted to ℚ by
 * rational reconstruction and kept only when the identity is then confirmed exactly over ℚ, so every
 * law reported is proved. The laws are then reduced to a functionally independent set: ranks of
 * their gradients at a point (mod p), a lower bound on their generic rank.
 */
import { add, gcd, mul, rat, type Rational } from '../expr/rational';
import { nullspace } from '../expr/rmatrix';
import { addp, Echelon, invp, mulp, P, ratp, reconstruct } from './modp';
import { kernel, type Row } from './sparse';
import {
  compareTerms,
  forEachRun,
  gradient,
  lieDerivative,
  monoKey,
  mulMono,
  type Field,
  type Monomial,
  type Poly,
  type Term,
} from './poly';

/** The largest system the search builds (unknown coefficients; equations' nonzeros). */
export const SEARCH_LIMITS = { unknowns: 600_000, nonzeros: 12_000_000 } as const;

export interface FoundLaw {
  readonly poly: Poly;
  readonly degree: number;
}

export type LawSearch =
  | {
      readonly kind: 'searched';
      readonly degree: number;
      /** Functionally independent laws (their gradients independent at the point), lowest degree first. */
      readonly laws: readonly FoundLaw[];
      /** Dimension of the space of polynomial laws of degree ≤ d (constants excluded). */
      readonly space: number;
      /** Solutions mod p that did not lift to an exact law (dropped; they only make the list shorter). */
      readonly unconfirmed: number;
    }
  | { readonly kind: 'skipped'; readonly degree: number; readonly reason: string };

/** All monomials of degree 1…d in `dim` variables, by degree then lexicographically. */
function monomials(dim: number, d: number): Monomial[] {
  const out: Monomial[] = [];
  let layer: Monomial[] = [[]];
  for (let k = 1; k <= d; k++) {
    const next: Monomial[] = [];
    for (const m of layer) for (let v = m.length ? m[m.length - 1]! : 0; v < dim; v++) next.push([...m, v]);
    for (const m of next) out.push(m);
    layer = next;
  }
  return out;
}

const countMonomials = (dim: number, d: number): number => {
  let total = 0;
  let c = 1; // C(dim + k − 1, k)
  for (let k = 1; k <= d; k++) {
    c = (c * (dim + k - 1)) / k;
    total += c;
  }
  return total;
};

/**
 * A key for the product of two sorted monomials, the first without its entry at `skip` when given (≥ 0):
 * a number when the variables' indices pack into 52 bits (the common case), else text.
 */
function monomialKeyer(dim: number): (a: Monomial, b: Monomial, skip?: number) => number | string {
  const base = Math.max(2, dim + 1);
  // the longest monomial whose packed key stays below 2⁵² (base^n < 2⁵²; products of integers < 2⁵³ are exact)
  let fits = 0;
  for (let x = base; x < 2 ** 52; x *= base) fits++;
  return (a, b, skip = -1) => {
    const n = a.length + b.length - (skip < 0 ? 0 : 1);
    if (n > fits) return monoKey(mulMono(skip < 0 ? a : a.filter((_, i) => i !== skip), b));
    // the merged sorted monomial, packed in base dim + 1, without forming it
    let k = 0;
    let i = skip === 0 ? 1 : 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      let v: number;
      if (j >= b.length || (i < a.length && a[i]! <= b[j]!)) {
        v = a[i++]!;
        if (i === skip) i++;
      } else v = b[j++]!;
      k = k * base + (v + 1);
    }
    return k;
  };
}

/**
 * The same solution space in an echelon form whose columns run from the highest degree down: each
 * vector's leading unknown has its top degree, and the vectors led by degree ≤ k span every solution of
 * degree ≤ k — so a law of low degree is found as itself, not mixed with higher-degree ones.
 */
function byDegree(solutions: readonly Row[], unknowns: readonly Monomial[]): Row[] {
  const before = (u: number, w: number): boolean =>
    unknowns[u]!.length !== unknowns[w]!.length ? unknowns[u]!.length > unknowns[w]!.length : u < w;
  const lead = (r: Row): number => {
    let best = -1;
    for (const u of r.keys()) if (best < 0 || before(u, best)) best = u;
    return best;
  };
  const pivots = new Map<number, Row>();
  const out: Row[] = [];
  for (const sol of solutions) {
    const r = new Map(sol);
    for (let u = lead(r); u >= 0 && pivots.has(u); u = lead(r)) {
      const c = r.get(u)!;
      for (const [w, x] of pivots.get(u)!) {
        const v = addp(r.get(w) ?? 0, mulp(P - c, x));
        if (v === 0) r.delete(w);
        else r.set(w, v);
      }
    }
    if (r.size === 0) continue;
    const u = lead(r);
    const inv = invp(r.get(u)!);
    for (const [w, x] of r) r.set(w, mulp(x, inv));
    pivots.set(u, r);
    out.push(r);
  }
  return out;
}

/** Lift a solution mod p to ℚ (undefined when an entry does not reconstruct). */
function lift(entries: ReadonlyMap<number, number>, unknowns: readonly Monomial[]): Poly | undefined {
  const p = new Map<string, Term>();
  for (const [u, x] of entries) {
    const r = reconstruct(x);
    if (!r) return undefined;
    const m = unknowns[u]!;
    p.set(monoKey(m), { m, c: rat(r.n, r.d) });
  }
  return normalise(p);
}

/** The largest key table of the system build (entries, 8 MB); larger key spaces use a map. */
const TABLE_LIMIT = 1 << 21;

/** The largest support solved exactly when reconstruction fails (unknowns). */
const SUPPORT_LIMIT = 60;

/**
 * Laws supported on a set of monomials, solved exactly over ℚ: the equations ⟨∇h, X⟩ ≡ 0 restricted to
 * those unknowns (the others 0), row-reduced with exact rationals; one candidate per free unknown.
 * Used when a solution's residues do not reconstruct (coefficients above √(p/2)).
 */
function solveOnSupport(
  fields: readonly Field[],
  unknowns: readonly Monomial[],
  support: readonly number[],
): Poly[] {
  if (support.length > SUPPORT_LIMIT) return [];
  const col = new Map(support.map((u, j) => [u, j]));
  const rows = new Map<string, Rational[]>();
  fields.forEach((f, g) => {
    for (const u of support) {
      const m = unknowns[u]!;
      for (const a of new Set(m)) {
        const fa = f.get(a);
        if (!fa) continue;
        const at = m.indexOf(a);
        const rest = [...m.slice(0, at), ...m.slice(at + 1)];
        const e = rat(m.filter((x) => x === a).length);
        for (const t of fa.values()) {
          const key = `${g}|${monoKey(mulMono(rest, t.m))}`;
          let row = rows.get(key);
          if (!row) rows.set(key, (row = support.map(() => rat(0))));
          row[col.get(u)!] = add(row[col.get(u)!]!, mul(e, t.c));
        }
      }
    }
  });
  return nullspace([...rows.values()], support.length).map((x) => {
    const p = new Map<string, Term>();
    x.forEach((c, j) => {
      if (c.n !== 0n) p.set(monoKey(unknowns[support[j]!]!), { m: unknowns[support[j]!]!, c });
    });
    return normalise(p);
  });
}

/** Integer coefficients with gcd 1, the leading term positive. */
export function normalise(p: Poly): Poly {
  const terms = [...p.values()];
  if (terms.length === 0) return p;
  let den = 1n;
  for (const t of terms) den = (den * t.c.d) / gcd(den, t.c.d);
  let g = 0n;
  for (const t of terms) g = gcd(g, (t.c.n * den) / t.c.d);
  const lead = [...terms].sort(compareTerms)[0]!;
  const sign = lead.c.n < 0n ? -1n : 1n;
  const out = new Map<string, Term>();
  for (const t of terms) out.set(monoKey(t.m), { m: t.m, c: rat((sign * t.c.n * den) / t.c.d / g) });
  return out;
}

/** Exactly: ⟨∇h, X⟩ ≡ 0 for every field. */
export function conserved(h: Poly, fields: readonly Field[]): boolean {
  const shape = integerShape(h);
  let grad: Field | undefined;
  return fields.every(
    (f) =>
      (shape && integerPairingVanishes(h, shape, f)) ??
      lieDerivative(h, f, (grad ??= gradient(h))).size === 0,
  );
}

/** Of an integer polynomial h: per variable a, Σ |c|·e over its terms c·m with a's run of e copies in m. */
interface IntegerShape {
  readonly weights: ReadonlyMap<number, number>;
  readonly top: number;
}

function integerShape(h: Poly): IntegerShape | undefined {
  const weights = new Map<number, number>();
  let top = 0;
  for (const t of h.values()) {
    if (t.c.d !== 1n) return undefined;
    const c = Math.abs(Number(t.c.n));
    forEachRun(t.m, (a, e) => {
      top = Math.max(top, a);
      weights.set(a, (weights.get(a) ?? 0) + c * e);
    });
  }
  return { weights, top };
}

/** The products' sums of one pairing (reused: pairings never nest). */
const SUMS = new Map<number | string, number>();

/**
 * ⟨∇h, X⟩ ≡ 0 in integer arithmetic, when every coefficient of h and X is an integer and the sum of
 * |products| stays below 2⁵² (then every partial sum is an exact double, with a margin for the rounding
 * of that bound itself): the products c·e·(m/θ_a)·X_a term by term, summed by monomial packed into a
 * number, without forming ∇h. Undefined when it does not apply (the rational path decides). The laws
 * are normalised to integers and the fields of the catalog's models have small integer coefficients,
 * so this is the common case, without a rational or a bigint in sight.
 */
function integerPairingVanishes(h: Poly, shape: IntegerShape, x: Field): boolean | undefined {
  const size = fieldSize(x);
  if (!size) return undefined;
  let mass = 0;
  for (const [a, w] of shape.weights) mass += w * (size.sums.get(a) ?? 0);
  if (!(mass < 2 ** 52)) return undefined;
  const key = monomialKeyer(Math.max(shape.top, size.top) + 1);
  const sums = SUMS;
  sums.clear();
  for (const t of h.values()) {
    const c = Number(t.c.n);
    const m = t.m;
    forEachRun(m, (a, e, at) => {
      const xa = x.get(a);
      if (!xa) return;
      for (const u of xa.values()) {
        const k = key(m, u.m, at);
        sums.set(k, (sums.get(k) ?? 0) + c * e * Number(u.c.n));
      }
    });
  }
  for (const v of sums.values()) if (v !== 0) return false;
  return true;
}

/** Of an integer field: Σ |coefficients| of each component, and the highest variable. */
interface FieldSize {
  readonly sums: ReadonlyMap<number, number>;
  readonly top: number;
}

/** Each field's size, once (null: a coefficient is not an integer). */
const FIELD_SIZES = new WeakMap<Field, FieldSize | null>();

function fieldSize(x: Field): FieldSize | undefined {
  let size = FIELD_SIZES.get(x);
  if (size === undefined) {
    size = integerFieldSize(x);
    FIELD_SIZES.set(x, size);
  }
  return size ?? undefined;
}

function integerFieldSize(x: Field): FieldSize | null {
  const sums = new Map<number, number>();
  let top = 0;
  for (const [a, p] of x) {
    let sum = 0;
    for (const t of p.values()) {
      if (t.c.d !== 1n) return null;
      sum += Math.abs(Number(t.c.n));
      for (const v of t.m) top = Math.max(top, v);
    }
    sums.set(a, sum);
    top = Math.max(top, a);
  }
  return { sums, top };
}

/** Search for polynomial laws of degree 1…d and keep a functionally independent set. */
export function searchLaws(
  fields: readonly Field[],
  dim: number,
  degree: number,
  theta: readonly number[],
): LawSearch {
  const count = countMonomials(dim, degree);
  if (count > SEARCH_LIMITS.unknowns)
    return {
      kind: 'skipped',
      degree,
      reason: `${count} unknown coefficients at degree ${degree}, over the search limit ${SEARCH_LIMITS.unknowns}`,
    };
  const unknowns = monomials(dim, degree);
  // for each variable a: the unknowns m containing it, with m/θ_a and the exponent of θ_a in m
  const byVar: { u: number; e: number; rest: Monomial }[][] = Array.from({ length: dim }, () => []);
  unknowns.forEach((m, u) =>
    forEachRun(m, (a, e, at) => {
      const rest = m.slice(0, at);
      for (let i = at + 1; i < m.length; i++) rest.push(m[i]!);
      byVar[a]!.push({ u, e, rest });
    }),
  );
  // one field at a time: its equations (keyed by the product's monomial) are its own; entries are
  // grouped by key — a group with one unknown says that coefficient is 0
  const rows: Row[] = [];
  const isZero = new Uint8Array(unknowns.length);
  let nonzeros = 0;
  const key = monomialKeyer(dim);
  // per key: the first unknown and its coefficient, and a row once a second unknown shows up
  const index = new Map<number | string, number>();
  const firstU: number[] = [];
  const firstC: number[] = [];
  const firstK: number[] = [];
  const more: (Row | undefined)[] = [];
  // Small systems index their equations in a table by packed key (every key < base^(d − 1 + the
  // fields' top degree)) instead of the map: no hashing, reset key by key after each field.
  let top = 0;
  for (const f of fields)
    for (const poly of f.values()) for (const t of poly.values()) top = Math.max(top, t.m.length);
  const span = Math.pow(Math.max(2, dim + 1), degree - 1 + top);
  const table = span <= TABLE_LIMIT ? new Int32Array(span).fill(-1) : undefined;
  for (let g = 0; g < fields.length; g++) {
    if (table) for (const k of firstK) table[k] = -1;
    else index.clear();
    firstU.length = 0;
    firstC.length = 0;
    firstK.length = 0;
    more.length = 0;
    for (const [a, fa] of fields[g]!) {
      const terms = [...fa.values()].map((t) => ({ m: t.m, c: ratp(t.c)! }));
      for (const { u, e, rest } of byVar[a]!) {
        for (const t of terms) {
          const k = key(rest, t.m);
          const c = mulp(e, t.c);
          let i: number | undefined;
          if (table) {
            i = table[k as number]!;
            if (i < 0) i = undefined;
          } else i = index.get(k);
          if (i === undefined) {
            if (table) {
              table[k as number] = firstU.length;
              firstK.push(k as number);
            } else index.set(k, firstU.length);
            firstU.push(u);
            firstC.push(c);
            more.push(undefined);
          } else if (more[i]) {
            const row = more[i]!;
            row.set(u, addp(row.get(u) ?? 0, c));
          } else if (firstU[i] === u) firstC[i] = addp(firstC[i]!, c);
          else
            more[i] = new Map([
              [firstU[i]!, firstC[i]!],
              [u, c],
            ]);
        }
        nonzeros += terms.length;
      }
      if (nonzeros > SEARCH_LIMITS.nonzeros)
        return {
          kind: 'skipped',
          degree,
          reason: `the system has over ${SEARCH_LIMITS.nonzeros} nonzeros at degree ${degree} (the limit)`,
        };
    }
    for (let i = 0; i < firstU.length; i++) {
      const row = more[i];
      if (!row) {
        if (firstC[i] !== 0) isZero[firstU[i]!] = 1;
        continue;
      }
      for (const [u, c] of row) if (c === 0) row.delete(u);
      if (row.size === 1) isZero[row.keys().next().value as number] = 1;
      else if (row.size > 1) rows.push(row);
    }
  }
  const zeros: number[] = [];
  for (let u = 0; u < isZero.length; u++) if (isZero[u]) zeros.push(u);
  const solutions = byDegree(kernel(rows, unknowns.length, zeros), unknowns);
  const exact: FoundLaw[] = [];
  let unconfirmed = 0;
  for (const sol of solutions) {
    // reconstruct from the residues; failing that, solve exactly over ℚ on the solution's support
    const lifted = lift(sol, unknowns);
    const candidates = lifted ? [lifted] : solveOnSupport(fields, unknowns, [...sol.keys()]);
    const laws = candidates.filter((h) => conserved(h, fields));
    if (laws.length === 0) unconfirmed++;
    for (const h of laws)
      exact.push({ poly: h, degree: Math.max(...[...h.values()].map((t) => t.m.length)) });
  }
  exact.sort((a, b) => a.degree - b.degree || a.poly.size - b.poly.size);
  return {
    kind: 'searched',
    degree,
    laws: independent(exact, dim, theta),
    space: solutions.length,
    unconfirmed,
  };
}

/** A maximal subset whose gradients are independent at θ (mod p), keeping the earlier ones. */
export function independent(laws: readonly FoundLaw[], dim: number, theta: readonly number[]): FoundLaw[] {
  const ech = new Echelon(dim);
  return laws.filter((l) => ech.add(gradientAt(l.poly, theta, dim)));
}

/**
 * ∇h at θ mod p, term by term (∂(c·m)/∂θ_a = c·e·m/θ_a for a's run of e copies in the sorted m),
 * without forming ∇h as polynomials.
 */
function gradientAt(h: Poly, theta: readonly number[], dim: number): Int32Array {
  const g = new Int32Array(dim);
  for (const t of h.values()) {
    const c = ratp(t.c);
    if (c === undefined) throw new RangeError('a coefficient is not defined modulo p');
    const m = t.m;
    forEachRun(m, (a, e, at) => {
      let x = mulp(c, e);
      for (let i = 0; i < m.length; i++) if (i !== at) x = mulp(x, theta[m[i]!]!);
      g[a] = addp(g[a]!, x);
    });
  }
  return g;
}
