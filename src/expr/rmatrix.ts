/** Exact rational matrices: row reduction, inversion, and the part of a vector orthogonal to a basis. */
import * as Q from './rational';
import type { Rational } from './rational';

/** A matrix of exact rationals, row by row. */
export type RMat = Rational[][];

export /** Reduced row echelon form (exact); returns the non-zero rows and the pivot columns. */
function rref(m: RMat): { rows: RMat; pivots: number[] } {
  const a = m.map((r) => [...r]);
  const pivots: number[] = [];
  let row = 0;
  for (let col = 0; col < (a[0]?.length ?? 0) && row < a.length; col++) {
    const p = a.findIndex((r, i) => i >= row && !Q.isZero(r[col]!));
    if (p < 0) continue;
    [a[row], a[p]] = [a[p]!, a[row]!];
    const piv = a[row]![col]!;
    a[row] = a[row]!.map((x) => Q.div(x, piv));
    for (let i = 0; i < a.length; i++) {
      if (i === row || Q.isZero(a[i]![col]!)) continue;
      const f = a[i]![col]!;
      a[i] = a[i]!.map((x, j) => Q.sub(x, Q.mul(f, a[row]![j]!)));
    }
    pivots.push(col);
    row++;
  }
  return { rows: a.slice(0, row), pivots };
}

export /** The inverse of an invertible rational matrix (Gauss–Jordan, exact). */
function inverse(G: RMat): RMat {
  const n = G.length;
  const a = G.map((row, i) => [...row, ...G.map((_, j) => (i === j ? Q.ONE : Q.ZERO))]);
  for (let c = 0; c < n; c++) {
    const p = a.findIndex((r, i) => i >= c && !Q.isZero(r[c]!));
    [a[c], a[p]] = [a[p]!, a[c]!];
    const piv = a[c]![c]!;
    a[c] = a[c]!.map((x) => Q.div(x, piv));
    for (let i = 0; i < n; i++)
      if (i !== c && !Q.isZero(a[i]![c]!)) {
        const f = a[i]![c]!;
        a[i] = a[i]!.map((x, j) => Q.sub(x, Q.mul(f, a[c]![j]!)));
      }
  }
  return a.map((r) => r.slice(n));
}

/**
 * A basis of the null space {x : M x = 0} of a matrix with `width` columns (exact): one vector per
 * free column f, with x_f = 1, the other free columns 0 and each pivot column solved from its row.
 */
export function nullspace(m: RMat, width: number): Rational[][] {
  const { rows, pivots } = rref(m);
  return reducedNullspace(rows, pivots, width).basis;
}

/** {@link nullspace} of a matrix already in reduced row echelon form, with its free columns (basis[k]'s is free[k]). */
export function reducedNullspace(
  rows: RMat,
  pivots: readonly number[],
  width: number,
): { free: number[]; basis: Rational[][] } {
  const free = Array.from({ length: width }, (_, j) => j).filter((j) => !pivots.includes(j));
  const basis = free.map((f) => {
    const x = Array.from({ length: width }, () => Q.ZERO);
    x[f] = Q.ONE;
    rows.forEach((row, i) => (x[pivots[i]!] = Q.neg(row[f]!)));
    return x;
  });
  return { free, basis };
}

/** What is left of x after removing its components along the mutually orthogonal vectors of `basis` (exact). */
export function orthogonalPart(x: readonly Rational[], basis: readonly (readonly Rational[])[]): Rational[] {
  return basis.reduce<Rational[]>(
    (acc, b) => {
      const f = Q.div(Q.dot(acc, b), Q.dot(b, b));
      return acc.map((y, i) => Q.sub(y, Q.mul(f, b[i]!)));
    },
    [...x],
  );
}
