/**
 * The linear (affine) symmetries of a model, discovered rather than declared: every generator
 * X(θ) = Aθ + b with ⟨∇φ_k, X⟩ ≡ 0 for every generating field — a linear system on A and b, solved mod p,
 * lifted to ℚ and confirmed exactly. They form a Lie algebra g ([X, Y] = DY·X − DX·Y stays linear).
 *
 * Noether's charge of X exists for gradient flow exactly when A is symmetric (then X = ∇Q with
 * Q = ½θᵀAθ + bᵀθ); an antisymmetric part gives a constraint on the gradient and no charge. Conversely
 * every law h of degree ≤ 2 is the charge of the symmetric linear symmetry ∇h; a law of higher degree
 * is explained by no linear symmetry.
 */
import * as Q from '../expr/rational';
import { nullspace } from '../expr/rmatrix';
import { addp, Echelon, modp, mulp, P, ratp, reconstruct } from './modp';
import { kernel } from './sparse';
import { addTerm, lieDerivative, monoKey, mulMono, polyText, type Field, type Poly, type Term } from './poly';
import { normalise, type FoundLaw } from './search';
import type { FieldSource } from './fields';

/** The largest system the discovery builds (unknowns D² + D; the exact basis size). */
export const SYMMETRY_LIMITS = { unknowns: 20_000, nonzeros: 4_000_000, basis: 200 } as const;

/** The linear symmetries discovered for a laws report, or why they were not sought. */
export type SymmetryReport =
  | {
      readonly kind: 'found';
      /** dim g, constant translations included (a lower bound when some were dropped). */
      readonly dimension: number;
      /** Solutions mod p that did not lift to an exact symmetry (dropped: dim g may be larger). */
      readonly unconfirmed: number;
      /** dim [g, g]: 0 when g is abelian. */
      readonly derivedDimension: number;
      /** Generators with a symmetric A: one Noether charge each. */
      readonly symmetricDimension: number;
      /** A basis of the charges ½θᵀAθ + bᵀθ (written with integer coefficients). */
      readonly charges: readonly string[];
      /** Indices (into the report's laws) of laws that are charges of a linear symmetry. */
      readonly explained: readonly number[];
      /** Indices of laws no linear symmetry explains (degree above 2). */
      readonly unexplained: readonly number[];
    }
  | { readonly kind: 'skipped'; readonly reason: string };

interface Affine {
  readonly a: Q.Rational[][];
  readonly b: Q.Rational[];
}

function affineField(x: Affine): Field {
  const f = new Map<number, Poly>();
  x.a.forEach((row, i) => {
    const p = new Map<string, Term>();
    row.forEach((c, j) => {
      if (!Q.isZero(c)) p.set(String(j), { m: [j], c });
    });
    if (!Q.isZero(x.b[i]!)) p.set('', { m: [], c: x.b[i]! });
    if (p.size > 0) f.set(i, p);
  });
  return f;
}

/** ⟨F, X⟩ as a polynomial (exact). */
export function pairing(f: Field, x: Field): Poly {
  const out = new Map<string, Term>();
  for (const [a, fa] of f) {
    const xa = x.get(a);
    if (!xa) continue;
    for (const u of fa.values())
      for (const v of xa.values()) addTerm(out, mulMono(u.m, v.m), Q.mul(u.c, v.c));
  }
  return out;
}

/** Discover g, its charges, and which of the laws they explain. */
export function discoverSymmetries(
  src: FieldSource,
  laws: readonly FoundLaw[],
  _theta: readonly number[],
): SymmetryReport {
  const dim = src.names.length;
  const unknowns = dim * dim + dim;
  if (unknowns > SYMMETRY_LIMITS.unknowns)
    return {
      kind: 'skipped',
      reason: `${unknowns} unknowns (A and b), over the discovery limit ${SYMMETRY_LIMITS.unknowns}`,
    };
  // unknown u < D²: A[a][b] with u = a·D + b (the θ_b term of X_a); u ≥ D²: b[a]
  const equations = new Map<string, Map<number, number>>();
  let nonzeros = 0;
  // solved against the superset of fields when there is one (a symmetry of every region)
  const eqFields = src.verify ?? src.fields;
  for (let g = 0; g < eqFields.length; g++)
    for (const [a, fa] of eqFields[g]!)
      for (const t of fa.values()) {
        const c = ratp(t.c)!;
        for (let b = 0; b <= dim; b++) {
          const u = b < dim ? a * dim + b : dim * dim + a;
          const m = b < dim ? [...t.m, b].sort((x, y) => x - y) : t.m;
          const key = `${g}|${monoKey(m)}`;
          let row = equations.get(key);
          if (!row) equations.set(key, (row = new Map()));
          const s = addp(row.get(u) ?? 0, c);
          if (s === 0) row.delete(u);
          else row.set(u, s);
          if (++nonzeros > SYMMETRY_LIMITS.nonzeros)
            return {
              kind: 'skipped',
              reason: `over ${SYMMETRY_LIMITS.nonzeros} nonzeros (the discovery limit)`,
            };
        }
      }
  const basis = kernel(equations.values(), unknowns);
  if (basis.length > SYMMETRY_LIMITS.basis)
    return {
      kind: 'skipped',
      reason: `${basis.length} independent generators, over the limit ${SYMMETRY_LIMITS.basis}`,
    };
  const gens: Affine[] = [];
  let unconfirmed = 0;
  for (const v of basis) {
    // reconstruct from the residues; failing that, solve exactly over ℚ on the solution's support
    const lifted = toAffine(v, dim);
    const candidates = lifted ? [lifted] : solveOnSupport(eqFields, [...v.keys()], dim);
    const kept = candidates.filter((x) => {
      const field = affineField(x);
      return [...src.fields, ...(src.verify ?? [])].every((f) => pairing(f, field).size === 0);
    });
    if (kept.length === 0) unconfirmed++;
    gens.push(...kept);
  }
  // exact solves on supports can repeat a generator: keep an independent set (rank mod p, never above ℚ's)
  const basisEch = new Echelon(dim * dim + dim);
  const independentGens = gens.filter((x) => {
    const m = toModp(x, dim);
    const flat = new Int32Array(dim * dim + dim);
    for (const [k, c] of m.a) flat[k] = c;
    for (const [k, c] of m.b) flat[dim * dim + k] = c;
    return basisEch.add(flat);
  });
  gens.length = 0;
  gens.push(...independentGens);
  // [X, Y] = (BA − AB)θ + (B a − A b) for X = Aθ + a, Y = Bθ + b; its span's rank mod p
  const modp = gens.map((x) => toModp(x, dim));
  const derived = new Echelon(dim * dim + dim);
  for (let i = 0; i < modp.length; i++)
    for (let j = i + 1; j < modp.length; j++) derived.add(flatBracket(modp[i]!, modp[j]!, dim));
  // combinations Σ cᵢ Xᵢ whose A is symmetric: the kernel of the antisymmetric parts
  const rows = new Map<number, Map<number, number>>();
  modp.forEach((x, i) => {
    for (const [key, c] of x.a) {
      const [r, col] = [Math.floor(key / dim), key % dim];
      if (r === col) continue;
      const [lo, hi, sign] = r < col ? [r, col, 1] : [col, r, -1];
      const k = lo * dim + hi;
      let row = rows.get(k);
      if (!row) rows.set(k, (row = new Map()));
      const s0 = addp(row.get(i) ?? 0, sign > 0 ? c : P - c);
      if (s0 === 0) row.delete(i);
      else row.set(i, s0);
    }
  });
  const charges: Poly[] = [];
  for (const combo of kernel(rows.values(), gens.length)) {
    const x = combine(gens, combo);
    if (!x) continue;
    const q = charge(x);
    // a charge is a law: confirmed exactly, like every law
    if (q.size > 0 && [...src.fields, ...(src.verify ?? [])].every((f) => lieDerivative(q, f).size === 0))
      charges.push(normalise(q));
  }
  // a law of degree ≤ 2 is the charge of the symmetric linear symmetry ∇h (its own identity proves it)
  const explained: number[] = [];
  const unexplained: number[] = [];
  laws.forEach((l, i) => (l.degree <= 2 ? explained : unexplained).push(i));
  return {
    kind: 'found',
    dimension: gens.length,
    unconfirmed,
    derivedDimension: derived.rank,
    symmetricDimension: charges.length,
    charges: charges.map((c) => polyText(c, src.names)),
    explained,
    unexplained,
  };
}

/** A generator mod p, sparse: A's entries keyed row·D + column, and b. */
interface SparseAffine {
  readonly a: Map<number, number>;
  readonly b: Map<number, number>;
}

function toModp(x: Affine, dim: number): SparseAffine {
  const a = new Map<number, number>();
  const b = new Map<number, number>();
  x.a.forEach((row, i) =>
    row.forEach((c, j) => {
      if (!Q.isZero(c)) a.set(i * dim + j, ratp(c)!);
    }),
  );
  x.b.forEach((c, i) => {
    if (!Q.isZero(c)) b.set(i, ratp(c)!);
  });
  return { a, b };
}

/** [X, Y] mod p, flattened (A row-major, then b). */
function flatBracket(x: SparseAffine, y: SparseAffine, dim: number): Int32Array {
  const out = new Int32Array(dim * dim + dim);
  const rowsOf = (m: Map<number, number>): Map<number, [number, number][]> => {
    const r = new Map<number, [number, number][]>();
    for (const [k, c] of m) {
      const i = Math.floor(k / dim);
      let l = r.get(i);
      if (!l) r.set(i, (l = []));
      l.push([k % dim, c]);
    }
    return r;
  };
  const xr = rowsOf(x.a);
  const yr = rowsOf(y.a);
  const acc = (i: number, v: number): void => {
    out[i] = modp(out[i]! + v);
  };
  // BA − AB: (BA)_ij = Σ_k B_ik A_kj
  for (const [k, c] of y.a) {
    const [i, kk] = [Math.floor(k / dim), k % dim];
    for (const [j, a] of xr.get(kk) ?? []) acc(i * dim + j, mulp(c, a));
    const bk = x.b.get(kk);
    if (bk !== undefined) acc(dim * dim + i, mulp(c, bk));
  }
  for (const [k, c] of x.a) {
    const [i, kk] = [Math.floor(k / dim), k % dim];
    for (const [j, b] of yr.get(kk) ?? []) acc(i * dim + j, P - mulp(c, b));
    const bk = y.b.get(kk);
    if (bk !== undefined) acc(dim * dim + i, P - mulp(c, bk));
  }
  return out;
}

/** Σ cᵢ Xᵢ over ℚ from a combination mod p (undefined when it does not reconstruct). */
function combine(gens: readonly Affine[], combo: ReadonlyMap<number, number>): Affine | undefined {
  const dim = gens[0]!.b.length;
  const a = Array.from({ length: dim }, () => Array.from({ length: dim }, () => Q.ZERO));
  const b = Array.from({ length: dim }, () => Q.ZERO);
  for (const [i, x] of combo) {
    const r = reconstruct(x);
    if (!r) return undefined;
    const c = Q.rat(r.n, r.d);
    const g = gens[i]!;
    g.a.forEach((row, u) =>
      row.forEach((v, w) => {
        if (!Q.isZero(v)) a[u]![w] = Q.add(a[u]![w]!, Q.mul(c, v));
      }),
    );
    g.b.forEach((v, u) => {
      if (!Q.isZero(v)) b[u] = Q.add(b[u]!, Q.mul(c, v));
    });
  }
  return { a, b };
}

/** Q with ∇Q = Aθ + b for symmetric A: ½θᵀAθ + bᵀθ. */
function charge(x: Affine): Poly {
  const p = new Map<string, Term>();
  const half = Q.rat(1, 2);
  x.a.forEach((row, i) =>
    row.forEach((c, j) => {
      if (Q.isZero(c) || j < i) return;
      const m = [i, j];
      p.set(monoKey(m), { m, c: i === j ? Q.mul(half, c) : c });
    }),
  );
  x.b.forEach((c, i) => {
    if (!Q.isZero(c)) p.set(String(i), { m: [i], c });
  });
  return p;
}

/** The largest support solved exactly when reconstruction fails (unknowns of A and b). */
const SUPPORT_LIMIT = 60;

/**
 * Generators supported on a set of unknowns (u < D²: A[⌊u/D⌋][u mod D], else b[u − D²]), solved exactly
 * over ℚ: ⟨∇φ_k, Aθ + b⟩ ≡ 0 restricted to them, row-reduced with exact rationals.
 */
function solveOnSupport(fields: readonly Field[], support: readonly number[], dim: number): Affine[] {
  if (support.length > SUPPORT_LIMIT) return [];
  const col = new Map(support.map((u, j) => [u, j]));
  const rows = new Map<string, Q.Rational[]>();
  fields.forEach((f, g) => {
    for (const u of support) {
      const a = u < dim * dim ? Math.floor(u / dim) : u - dim * dim;
      const fa = f.get(a);
      if (!fa) continue;
      for (const t of fa.values()) {
        const m = u < dim * dim ? [...t.m, u % dim].sort((x, y) => x - y) : t.m;
        const key = `${g}|${monoKey(m)}`;
        let row = rows.get(key);
        if (!row) rows.set(key, (row = support.map(() => Q.ZERO)));
        row[col.get(u)!] = Q.add(row[col.get(u)!]!, t.c);
      }
    }
  });
  return nullspace([...rows.values()], support.length).map((v) => {
    const x: Affine = {
      a: Array.from({ length: dim }, () => Array.from({ length: dim }, () => Q.ZERO)),
      b: Array.from({ length: dim }, () => Q.ZERO),
    };
    v.forEach((c, j) => {
      const u = support[j]!;
      if (u < dim * dim) x.a[Math.floor(u / dim)]![u % dim] = c;
      else x.b[u - dim * dim] = c;
    });
    return x;
  });
}

function toAffine(v: ReadonlyMap<number, number>, dim: number): Affine | undefined {
  const a = Array.from({ length: dim }, () => Array.from({ length: dim }, () => Q.ZERO));
  const b = Array.from({ length: dim }, () => Q.ZERO);
  for (const [u, x] of v) {
    const r = reconstruct(x);
    if (!r) return undefined;
    const q = Q.rat(r.n, r.d);
    if (u < dim * dim) a[Math.floor(u / dim)]![u % dim] = q;
    else b[u - dim * dim] = q;
  }
  return { a, b };
}
