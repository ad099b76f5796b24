/**
 * Independent float64 evaluation for tests: plain number[][] matrices and a direct reading of
 * the word data (letters, transposes, traces). Shares no code with the derivation engine beyond
 * the record shapes, so a test comparing the two can fail.
 */
import type { WordSum, TraceSum, Letter } from '../../src/derive/words';
import type { Expr } from '../../src/expr/ast';

export type Mat = number[][];

export const matmul = (a: Mat, b: Mat): Mat =>
  a.map((row) => b[0]!.map((_, j) => row.reduce((s, x, k) => s + x * b[k]![j]!, 0)));
export const transpose = (a: Mat): Mat => a[0]!.map((_, j) => a.map((row) => row[j]!));
export const frob = (a: Mat, b: Mat): number =>
  a.reduce((s, row, i) => s + row.reduce((t, x, j) => t + x * b[i]![j]!, 0), 0);
export const randMat = (r: number, c: number, rand: () => number): Mat =>
  Array.from({ length: r }, () => Array.from({ length: c }, () => rand() * 4 - 2));

/** Evaluate a coefficient expression that is a rational number or a product of numbers and named scalars. */
export function coefValue(e: Expr, scalars: Readonly<Record<string, number>> = {}): number {
  switch (e.kind) {
    case 'num': {
      const [n, d] = e.value.split('/');
      return Number(n) / Number(d ?? '1');
    }
    case 'sym': {
      const v = scalars[e.name];
      if (v === undefined) throw new Error(`no value for ${e.name}`);
      return v;
    }
    case 'mul':
      return e.factors.reduce((s, f) => s * coefValue(f, scalars), 1);
    case 'add':
      return e.terms.reduce((s, f) => s + coefValue(f, scalars), 0);
    case 'pow':
      return Math.pow(coefValue(e.base, scalars), coefValue(e.exp, scalars));
    case 'call':
      throw new Error('unexpected function in a coefficient');
  }
}

export interface Values {
  readonly blocks: Readonly<Record<string, Mat>>;
  readonly grads?: Readonly<Record<string, Mat>>;
  readonly consts?: Readonly<Record<string, Mat>>;
  readonly scalars?: Readonly<Record<string, number>>;
}

function letterValue(l: Letter, v: Values): Mat {
  let m: Mat;
  if (l.kind === 'block') m = v.blocks[l.name]!;
  else if (l.kind === 'grad') m = v.grads![l.name]!;
  else if (l.kind === 'const') m = v.consts![l.name]!;
  else {
    const b = v.blocks[l.name]!;
    m = b.map((row) => row.map(() => 1));
  }
  if (!m) throw new Error(`no value for letter ${l.kind}:${l.name}`);
  return l.t ? transpose(m) : m;
}

export function evalMatrix(s: WordSum, v: Values, rows: number, cols: number): Mat {
  const out: Mat = Array.from({ length: rows }, () => Array.from({ length: cols }, () => 0));
  for (const t of s) {
    const c = coefValue(t.coef, v.scalars);
    const m = t.word.length
      ? t.word.map((l) => letterValue(l, v)).reduce(matmul)
      : out.map((row, i) => row.map((_, j) => (i === j ? 1 : 0)));
    m.forEach((row, i) =>
      row.forEach((x, j) => {
        out[i]![j]! += c * x;
      }),
    );
  }
  return out;
}

export function evalTrace(s: TraceSum, v: Values): number {
  return s.reduce((acc, t) => {
    const m = t.word.map((l) => letterValue(l, v)).reduce(matmul);
    return acc + coefValue(t.coef, v.scalars) * m.reduce((x, row, i) => x + row[i]!, 0);
  }, 0);
}

/**
 * |a − b| on the scale of the terms summed: float64 rounding of a sum is bounded by a multiple of
 * Σ|terms| (γ_n Σ|t|), not of |Σ t|, which cancellation can make as small as it likes. `scale` is
 * that Σ|terms|, computed by the caller from the formula's own terms (absMat below).
 */
export const errOnScale = (a: number, b: number, scale: number): number =>
  Math.abs(a - b) / Math.max(Number.MIN_VALUE, scale);
export const absMat = (a: Mat): Mat => a.map((row) => row.map(Math.abs));
