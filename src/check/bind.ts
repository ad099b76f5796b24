/**
 * Binding block-level formulas to numbers: word sums evaluated on float64 matrices (site views of
 * real networks). Each value comes with a *bound* Σ |c| Π ‖letter‖_F — the natural scale against
 * which a residual is measured (a float64 evaluation errs by about 1e-16 of it). Coefficients are
 * compiled once from their expressions; numeric/ never sees the symbolic layer.
 */
import { type Mat, jsKernels, mat, norm2 } from '../../numeric/linalg';
import { allFinite } from '../../numeric/optim';
import { withinMatrixLimit } from './values';
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

// Scaled where the squares would leave the double range: a site's gradient of 1e-259 (a saturated
// softmax) has a bound of that size, not 0.
const frob = (m: Mat): number => norm2(m.data);

/**
 * A B. Each entry is Σ_k a_ik b_kj added in order of k from 0. The loop below runs along rows of B
 * and C, which suits long rows; a product with few columns of B (E W of gl(n): n × n times n × 5)
 * or few steps (W Wᵀ of an n × 5 W, every row of C updated 5 times over) goes instead to
 * numeric/linalg.ts's JavaScript A B, which holds two entries of C through their sums: at n = 3000,
 * timed alone, 1.8–2.3× faster on E W and 1.4–1.6× on W Wᵀ. (Its WebAssembly kernels were as fast
 * on the whole check but copy the n × n operands into their memory, which stays grown: +130 MB of
 * peak memory at n = 3000.) Terms with a_ik = 0 add nothing to a finite sum, so where b is finite
 * its value is this loop's, which skips them; where b is not, the loop takes the product and skips
 * them as it always did (0 · ∞ would be NaN). Small products stay in the loop too (a mirror's words
 * are mostly of a few small letters).
 */
export function matmul(a: Mat, b: Mat): Mat {
  if (a.cols !== b.rows) throw new Error(`shape mismatch ${a.rows}×${a.cols} · ${b.rows}×${b.cols}`);
  const c = mat(a.rows, b.cols);
  const narrow = a.cols < NARROW || b.cols < NARROW;
  if (narrow && a.rows * a.cols * b.cols >= LARGE_PRODUCT && allFinite(b.data))
    return jsKernels.addAB(a, b, c);
  for (let i = 0; i < a.rows; i++)
    for (let k = 0; k < a.cols; k++) {
      const x = a.data[i * a.cols + k]!;
      if (x === 0) continue;
      for (let j = 0; j < b.cols; j++) c.data[i * b.cols + j]! += x * b.data[k * b.cols + j]!;
    }
  return c;
}

/** Multiply-adds from which a product with few columns of B or few steps goes to numeric/linalg.ts. */
const LARGE_PRODUCT = 1 << 16;
/** Below this many columns of B or steps, the loop's rows are short or C is rewritten too often. */
const NARROW = 64;

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

/**
 * The cheapest parenthesisation of a matrix chain (letters i…j of shapes dims[i] × dims[i+1]):
 * cost[i][j] multiply-adds and the split k of the last product (i…k)(k+1…j). Words are short (a
 * handful of letters), so the O(k³) table is nothing; the order matters when a site is wide — a
 * left-to-right W1 g1ᵀ E forms an n × n product that g1ᵀ (E W1) never does.
 */
const chainTable = (dims: readonly number[]): ChainTable => keptByShape(chainTables, dims, chainTableOf);

interface ChainTable {
  readonly cost: readonly (readonly number[])[];
  readonly split: readonly (readonly number[])[];
}
const chainTables = new Map<string, ChainTable>();

/**
 * make(dims), kept by shape: a law's words have the same shapes on every evaluation of a case (and
 * on every step of a trajectory), so their plans are worked out once. What is kept is read-only;
 * PLANS_KEPT bounds each cache, so that a long run over many shapes holds few.
 */
function keptByShape<T>(
  cache: Map<string, T>,
  dims: readonly number[],
  make: (d: readonly number[]) => T,
): T {
  const key = dims.join(',');
  const known = cache.get(key);
  if (known !== undefined) return known;
  if (cache.size >= PLANS_KEPT) cache.clear();
  const made = make(dims);
  cache.set(key, made);
  return made;
}
const PLANS_KEPT = 4096;

function chainTableOf(dims: readonly number[]): ChainTable {
  const k = dims.length - 1;
  const cost = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const split = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let len = 1; len < k; len++)
    for (let i = 0; i + len < k; i++) {
      const j = i + len;
      cost[i]![j] = Infinity;
      for (let m = i; m < j; m++) {
        const c = cost[i]![m]! + cost[m + 1]![j]! + dims[i]! * dims[m + 1]! * dims[j + 1]!;
        if (c < cost[i]![j]!) {
          cost[i]![j] = c;
          split[i]![j] = m;
        }
      }
    }
  return { cost, split };
}

const dimsOf = (mats: readonly Mat[]): number[] => [mats[0]!.rows, ...mats.map((m) => m.cols)];

/** The product of a chain of matrices, multiplied in the cheapest order. */
export function chainProduct(mats: readonly Mat[]): Mat {
  // A word of one letter is that matrix (a mirror's block images mostly are): no order to choose.
  if (mats.length === 1) return mats[0]!;
  const { split } = chainTable(dimsOf(mats));
  const go = (i: number, j: number): Mat =>
    i === j ? mats[i]! : matmul(go(i, split[i]![j]!), go(split[i]![j]! + 1, j));
  return go(0, mats.length - 1);
}

/**
 * tr(M1 M2 … Mk) in the cheapest way: over the cyclic rotations of the word (the trace is the same)
 * and the place where it is cut into X = M_r…M_s and Y = the rest, the cost of both chains plus
 * the rows(X)·cols(X) multiply-adds of tr(XY) = Σ X_ij Y_ji, which never forms XY.
 */
export function chainTrace(mats: readonly Mat[]): number {
  const k = mats.length;
  if (k === 1) {
    const m = mats[0]!;
    let tr = 0;
    for (let i = 0; i < Math.min(m.rows, m.cols); i++) tr += m.data[i * m.cols + i]!;
    return tr;
  }
  const best = tracePlan(dimsOf(mats));
  const word = [...mats.slice(best.rot), ...mats.slice(0, best.rot)];
  const X = chainProduct(word.slice(0, best.cut + 1));
  const Y = chainProduct(word.slice(best.cut + 1));
  let tr = 0;
  for (let i = 0; i < X.rows; i++)
    for (let j = 0; j < X.cols; j++) tr += X.data[i * X.cols + j]! * Y.data[j * Y.cols + i]!;
  return tr;
}

/** Where chainTrace rotates and cuts a word of these shapes, kept by shape as the chain tables are. */
const tracePlan = (dims: readonly number[]): TracePlan => keptByShape(tracePlans, dims, tracePlanOf);
interface TracePlan {
  readonly rot: number;
  readonly cut: number;
}
const tracePlans = new Map<string, TracePlan>();

/**
 * The cheapest rotation and cut of a word of these shapes (dims[i] × dims[i+1], dims[k] = dims[0]):
 * the rotation starting at letter r has shapes dims[r], dims[r+1…k], dims[1…r].
 */
function tracePlanOf(dims: readonly number[]): TracePlan {
  const k = dims.length - 1;
  let best = { cost: Infinity, rot: 0, cut: 0 };
  for (let rot = 0; rot < k; rot++) {
    const d = [dims[rot]!, ...dims.slice(rot + 1), ...dims.slice(1, rot + 1)];
    const { cost } = chainTable(d);
    for (let cut = 0; cut < k - 1; cut++) {
      const c = cost[0]![cut]! + cost[cut + 1]![k - 1]! + d[0]! * d[cut + 1]!;
      if (c < best.cost) best = { cost: c, rot, cut };
    }
  }
  return { rot: best.rot, cut: best.cut };
}

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

  /** The matrices of a word's letters (one replaced by `override`), and the word's bound Π ‖letter‖_F. */
  private letters(
    w: Word,
    v: Values,
    override?: { index: number; value: Mat; bound?: Mat },
  ): { mats: Mat[]; bound: number } {
    let bound = 1;
    const mats = w.map((l, i) => {
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
      return x;
    });
    return { mats, bound };
  }

  matrix(s: WordSum, v: Values, rows: number, cols: number): Bounded<Mat> {
    withinMatrixLimit('a matrix law', rows, cols, 'this site');
    const out = mat(rows, cols);
    let bound = 0;
    for (const t of s) {
      const c = this.coef(t.coef, v.scalars);
      const { mats, bound: b } = this.letters(t.word, v);
      const m = mats.length ? chainProduct(mats) : eye(rows);
      for (let i = 0; i < out.data.length; i++) out.data[i]! += c * m.data[i]!;
      bound += Math.abs(c) * (mats.length ? b : Math.sqrt(rows));
    }
    return { value: out, bound };
  }

  trace(s: TraceSum, v: Values): Bounded<number> {
    let value = 0,
      bound = 0;
    for (const t of s) {
      const c = this.coef(t.coef, v.scalars);
      const { mats, bound: b } = this.letters(t.word, v);
      value += c * (mats.length ? chainTrace(mats) : 1);
      bound += Math.abs(c) * (mats.length ? b : 1);
    }
    return { value, bound };
  }

  /** The product-rule terms of d/dt Σ c · word as each block moves with velocity dir[block]:
   * calls f(c, the word's letters with one block letter replaced by its velocity, bound) for each. */
  private derivativeTerms(
    s: WordSum,
    v: Values,
    dir: Readonly<Record<string, Mat>>,
    dirBound: Readonly<Record<string, Mat>> | undefined,
    f: (c: number, mats: Mat[], bound: number) => void,
  ): void {
    for (const t of s) {
      const c = this.coef(t.coef, v.scalars);
      t.word.forEach((l, i) => {
        const d = l.kind === 'block' ? dir[l.name] : undefined;
        if (!d) return;
        const bd = dirBound?.[l.name];
        const { mats, bound } = this.letters(t.word, v, {
          index: i,
          value: d,
          ...(bd ? { bound: bd } : {}),
        });
        f(c, mats, bound);
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
    this.derivativeTerms(s, v, dir, dirBound, (c, mats, b) => {
      value += c * chainTrace(mats);
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
    this.derivativeTerms(s, v, dir, dirBound, (c, mats, b) => {
      const m = chainProduct(mats);
      for (let k = 0; k < out.data.length; k++) out.data[k]! += c * m.data[k]!;
      bound += Math.abs(c) * b;
    });
    return { value: out, bound };
  }
}

export const frobenius = frob;
