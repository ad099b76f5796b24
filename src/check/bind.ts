/**
 * Binding block-level formulas to numbers: word sums evaluated on float64 matrices (site views of
 * real networks). Each value comes with a *bound* Σ |c| Π ‖letter‖_F — the natural scale against
 * which a residual is measured (a float64 evaluation errs by about 1e-16 of it). Coefficients are
 * compiled once from their expressions; numeric/ never sees the symbolic layer.
 */
import { type Mat, mat } from '../../numeric/linalg';
import type { Expr } from '../expr/ast';
import { compile } from '../expr/evaluate';
import type { Letter, WordSum, TraceSum, Word } from '../derive/words';

export interface Values {
  readonly blocks: Readonly<Record<string, Mat>>;
  readonly grads?: Readonly<Record<string, Mat>>;
  /** Rounding scales of the gradient blocks (Σ |contributions|); used instead of |g| in bounds. */
  readonly gradBounds?: Readonly<Record<string, Mat>>;
  readonly consts?: Readonly<Record<string, Mat>>;
  /** Optimiser updates u_B, for `step` letters. */
  readonly steps?: Readonly<Record<string, Mat>>;
  readonly scalars?: Readonly<Record<string, number>>;
}
export interface Bounded<T> {
  readonly value: T;
  readonly bound: number;
}

const frob = (m: Mat): number => Math.sqrt(m.data.reduce((s, x) => s + x * x, 0));

export function matmul(a: Mat, b: Mat): Mat {
  if (a.cols !== b.rows) throw new Error(`shape mismatch ${a.rows}×${a.cols} · ${b.rows}×${b.cols}`);
  const c = mat(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let k = 0; k < a.cols; k++) {
      const x = a.data[i * a.cols + k]!;
      if (x === 0) continue;
      for (let j = 0; j < b.cols; j++) c.data[i * b.cols + j]! += x * b.data[k * b.cols + j]!;
    }
  return c;
}

export function transpose(a: Mat): Mat {
  const t = mat(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j]!;
  return t;
}

const eye = (n: number): Mat => {
  const m = mat(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
};

/** Evaluates word sums against values; coefficient closures are cached per expression. */
export class WordEvaluator {
  private readonly coefs = new Map<Expr, (s: Readonly<Record<string, number>>) => number>();

  private coef(e: Expr, scalars: Readonly<Record<string, number>> = {}): number {
    let f = this.coefs.get(e);
    if (!f) {
      const names = Object.keys(scalars);
      const c = compile(e, names);
      f = (s) => c(names.map((n) => s[n]!));
      this.coefs.set(e, f);
    }
    return f(scalars);
  }

  letter(l: Letter, v: Values, override?: { block: string; value: Mat }): Mat {
    let m: Mat | undefined;
    if (l.kind === 'block') m = override && override.block === l.name ? override.value : v.blocks[l.name];
    else if (l.kind === 'grad') m = v.grads?.[l.name];
    else if (l.kind === 'const') m = v.consts?.[l.name];
    else if (l.kind === 'step') m = v.steps?.[l.name];
    else {
      const b = v.blocks[l.name];
      if (b) {
        m = mat(b.rows, b.cols);
        m.data.fill(1);
      }
    }
    if (!m) throw new Error(`no value bound for ${l.kind} ${l.name}`);
    return l.t ? transpose(m) : m;
  }

  private word(
    w: Word,
    v: Values,
    identity: number,
    override?: { index: number; value: Mat; bound?: Mat },
  ): { m: Mat; bound: number } {
    if (w.length === 0) return { m: eye(identity), bound: Math.sqrt(identity) };
    let m: Mat | undefined;
    let bound = 1;
    w.forEach((l, i) => {
      const x =
        override && override.index === i
          ? l.t
            ? transpose(override.value)
            : override.value
          : this.letter(l, v);
      const gb =
        override && override.index === i
          ? override.bound
          : l.kind === 'grad'
            ? v.gradBounds?.[l.name]
            : undefined;
      bound *= gb ? frob(gb) : frob(x);
      m = m ? matmul(m, x) : x;
    });
    return { m: m!, bound };
  }

  matrix(s: WordSum, v: Values, rows: number, cols: number): Bounded<Mat> {
    const out = mat(rows, cols);
    let bound = 0;
    for (const t of s) {
      const c = this.coef(t.coef, v.scalars);
      const { m, bound: b } = this.word(t.word, v, rows);
      for (let i = 0; i < out.data.length; i++) out.data[i]! += c * m.data[i]!;
      bound += Math.abs(c) * b;
    }
    return { value: out, bound };
  }

  trace(s: TraceSum, v: Values): Bounded<number> {
    let value = 0,
      bound = 0;
    for (const t of s) {
      const c = this.coef(t.coef, v.scalars);
      const { m, bound: b } = this.word(t.word, v, 1);
      let tr = 0;
      for (let i = 0; i < Math.min(m.rows, m.cols); i++) tr += m.data[i * m.cols + i]!;
      value += c * tr;
      bound += Math.abs(c) * b;
    }
    return { value, bound };
  }

  /** The product-rule terms of d/dt Σ c · word as each block moves with velocity dir[block]:
   * calls f(c, word with one block letter replaced by its velocity, bound) for each. */
  private derivativeTerms(
    s: WordSum,
    v: Values,
    dir: Readonly<Record<string, Mat>>,
    dirBound: Readonly<Record<string, Mat>> | undefined,
    identity: number,
    f: (c: number, m: Mat, bound: number) => void,
  ): void {
    for (const t of s) {
      const c = this.coef(t.coef, v.scalars);
      t.word.forEach((l, i) => {
        const d = l.kind === 'block' ? dir[l.name] : undefined;
        if (!d) return;
        const bd = dirBound?.[l.name];
        const { m, bound } = this.word(t.word, v, identity, {
          index: i,
          value: d,
          ...(bd ? { bound: bd } : {}),
        });
        f(c, m, bound);
      });
    }
  }

  /** d/dt of a trace sum as each block moves with velocity dir[block] (product rule over letters);
   * dirBound gives the rounding scale of each velocity when it is computed (e.g. a gradient). */
  traceDerivative(
    s: TraceSum,
    v: Values,
    dir: Readonly<Record<string, Mat>>,
    dirBound?: Readonly<Record<string, Mat>>,
  ): Bounded<number> {
    let value = 0,
      bound = 0;
    this.derivativeTerms(s, v, dir, dirBound, 1, (c, m, b) => {
      let tr = 0;
      for (let k = 0; k < Math.min(m.rows, m.cols); k++) tr += m.data[k * m.cols + k]!;
      value += c * tr;
      bound += Math.abs(c) * b;
    });
    return { value, bound };
  }

  /** d/dt of a matrix sum as each block moves with velocity dir[block]. */
  matrixDerivative(
    s: WordSum,
    v: Values,
    dir: Readonly<Record<string, Mat>>,
    rows: number,
    cols: number,
    dirBound?: Readonly<Record<string, Mat>>,
  ): Bounded<Mat> {
    const out = mat(rows, cols);
    let bound = 0;
    this.derivativeTerms(s, v, dir, dirBound, rows, (c, m, b) => {
      for (let k = 0; k < out.data.length; k++) out.data[k]! += c * m.data[k]!;
      bound += Math.abs(c) * b;
    });
    return { value: out, bound };
  }
}

export const frobenius = frob;
