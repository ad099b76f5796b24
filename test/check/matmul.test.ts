/**
 * The product a law's words are evaluated with: every entry Σ_k a_ik b_kj added in order of k from
 * 0, bit for bit, whether the product runs in its own loop (small, or wide both ways) or in
 * numeric/linalg.ts's JavaScript A B (large with few columns of B or few steps); and where a factor
 * holds ±∞, the terms of a zero a_ik are skipped, so 0 · ∞ never makes an entry NaN.
 */
import { test, fc } from '@fast-check/jest';
import { matmul } from '../../src/check/bind';
import { mat, type Mat } from '../../numeric/linalg';

/** The reference: the sum of each entry in order of k, every term added (b finite here). */
function ordered(a: Mat, b: Mat): Float64Array {
  const c = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < b.cols; j++) {
      let s = 0;
      for (let k = 0; k < a.cols; k++) s += a.data[i * a.cols + k]! * b.data[k * b.cols + j]!;
      c[i * b.cols + j] = s;
    }
  return c;
}

const entry = fc.oneof(
  fc.constant(0),
  fc.double({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -9, max: 9 }),
);
const matrix = (rows: number, cols: number): fc.Arbitrary<Mat> =>
  fc
    .array(entry, { minLength: rows * cols, maxLength: rows * cols })
    .map((xs) => mat(rows, cols, Float64Array.from(xs)));
/** Shapes either side of the 2¹⁶ multiply-adds and of 64 steps or columns, where the product changes path. */
const shapes = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 })),
  fc.tuple(
    fc.integer({ min: 16, max: 24 }),
    fc.integer({ min: 60, max: 70 }),
    fc.integer({ min: 60, max: 70 }),
  ),
  fc.tuple(
    fc.integer({ min: 40, max: 70 }),
    fc.integer({ min: 30, max: 60 }),
    fc.integer({ min: 40, max: 70 }),
  ),
  fc.tuple(
    fc.integer({ min: 2000, max: 3000 }),
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 30, max: 40 }),
  ),
);

test.prop([shapes.chain(([n, k, m]) => fc.tuple(matrix(n, k), matrix(k, m)))], { numRuns: 40 })(
  'A B: each entry the in-order sum of its terms, bit for bit, small or large',
  ([a, b]) => {
    const c = matmul(a, b);
    expect([c.rows, c.cols]).toEqual([a.rows, b.cols]);
    expect(Array.from(c.data)).toEqual(Array.from(ordered(a, b)));
  },
);

test.each([
  [2, 3, 2],
  [64, 32, 64],
])('a factor with ∞ (%i×%i·%i): the zero terms are skipped, so no 0 · ∞ NaN', (n, k, m) => {
  const a = mat(n, k);
  const b = mat(k, m);
  for (let i = 0; i < n; i++) a.data[i * k + 1] = 1; // column 1 of A only: a_i0 = 0
  b.data.fill(2);
  b.data[0] = Infinity; // b_00, met only by the zero a_i0
  const c = matmul(a, b);
  expect(Array.from(c.data)).toEqual(new Array(n * m).fill(2));
});
