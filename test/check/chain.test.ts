/**
 * Word products in the cheapest order (src/check/bind.ts): the chain product and the cyclic trace
 * agree with the left-to-right product and the trace of the full product, computed here in exact
 * rational arithmetic on integer matrices (so any reordering error, not only a large one, shows).
 */
import { test, fc } from '@fast-check/jest';
import { chainProduct, chainTrace } from '../../src/check/bind';
import { mat, type Mat } from '../../numeric/linalg';

/** Exact integer matrices as bigint rows. */
type Big = bigint[][];
const toBig = (m: Mat): Big =>
  Array.from({ length: m.rows }, (_, i) =>
    Array.from({ length: m.cols }, (_, j) => BigInt(m.data[i * m.cols + j]!)),
  );
const mul = (a: Big, b: Big): Big =>
  a.map((row) => b[0]!.map((_, j) => row.reduce((s, x, k) => s + x * b[k]![j]!, 0n)));

/** A chain of integer matrices with random shapes d0×d1, d1×d2, … (small entries: every float is exact). */
const chainArb = fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 2, maxLength: 7 }).chain((dims) =>
  fc.tuple(
    ...dims.slice(0, -1).map((r, i) =>
      fc
        .array(fc.integer({ min: -9, max: 9 }), {
          minLength: r * dims[i + 1]!,
          maxLength: r * dims[i + 1]!,
        })
        .map((xs) => mat(r, dims[i + 1]!, Float64Array.from(xs))),
    ),
  ),
);

describe('matrix chains multiplied in the cheapest order', () => {
  test.prop([chainArb])('chainProduct equals the left-to-right product exactly', (mats) => {
    const exact = mats.map(toBig).reduce(mul);
    expect(toBig(chainProduct(mats))).toEqual(exact);
  });

  test.prop([chainArb])(
    'chainTrace of a square word equals the trace of its full product exactly',
    (mats) => {
      // Close the chain: the last matrix maps back to the first one's rows.
      const last = mats[mats.length - 1]!;
      const first = mats[0]!;
      const closing = mat(
        last.cols,
        first.rows,
        Float64Array.from({ length: last.cols * first.rows }, (_, i) => (i % 5) - 2),
      );
      const word = [...mats, closing];
      const full = word.map(toBig).reduce(mul);
      const exact = full.reduce((s, row, i) => s + row[i]!, 0n);
      expect(BigInt(chainTrace(word))).toBe(exact);
    },
  );

  it('a wide word never forms its wide product: tr(W gᵀ E) with W, g 3000×2 and E 3000×3000', () => {
    const n = 3000;
    const W = mat(
      n,
      2,
      Float64Array.from({ length: 2 * n }, (_, i) => (i % 3) - 1),
    );
    const gT = mat(
      2,
      n,
      Float64Array.from({ length: 2 * n }, (_, i) => (i % 2) - 0.5),
    );
    const E = mat(n, n); // zero but for a band: the exact answer is a short sum
    for (let i = 0; i < n; i++) E.data[i * n + i] = 1;
    // tr(W gᵀ I) = Σ_i Σ_k W_ik gᵀ_ki; left to right would form a 3000×3000 product (2.7·10¹⁰
    // multiply-adds, minutes: the suite's per-test time limit fails it); the cheap order takes milliseconds.
    let exact = 0;
    for (let i = 0; i < n; i++) for (let k = 0; k < 2; k++) exact += W.data[i * 2 + k]! * gT.data[k * n + i]!;
    expect(chainTrace([W, gT, E])).toBe(exact);
  });
});
