/**
 * Exact rational arithmetic (src/expr/rational.ts) and exact rational matrices (src/expr/rmatrix.ts)
 * against values worked out by hand and exact identities (A·A⁻¹ = I, ⟨x − proj, b⟩ = 0), not against
 * the code's own output.
 */
import * as Q from '../../src/expr/rational';
import type { Rational } from '../../src/expr/rational';
import { rref, inverse, orthogonalPart, nullspace } from '../../src/expr/rmatrix';

const r = (n: number, d = 1): Rational => ({ n: BigInt(n), d: BigInt(d) });

describe('gcd and rat', () => {
  it('gcd of signed values is the positive gcd', () => {
    expect(Q.gcd(12n, 18n)).toBe(6n);
    expect(Q.gcd(-12n, 18n)).toBe(6n);
    expect(Q.gcd(12n, -18n)).toBe(6n);
    expect(Q.gcd(-7n, -21n)).toBe(7n);
    expect(Q.gcd(0n, -5n)).toBe(5n);
    expect(Q.gcd(5n, 0n)).toBe(5n);
    expect(Q.gcd(17n, 5n)).toBe(1n);
  });

  it('builds n/d in lowest terms with a positive denominator', () => {
    expect(Q.rat(6, 4)).toEqual(r(3, 2));
    expect(Q.rat(-6, 4)).toEqual(r(-3, 2));
    expect(Q.rat(6, -4)).toEqual(r(-3, 2));
    expect(Q.rat(-6, -4)).toEqual(r(3, 2));
    expect(Q.rat(0, -5)).toEqual(r(0, 1));
    expect(Q.rat(3, -1)).toEqual(r(-3, 1));
    expect(Q.rat(5)).toEqual(r(5, 1));
    expect(Q.rat(-1n, 3n)).toEqual(r(-1, 3));
    expect(() => Q.rat(1, 0)).toThrow(RangeError);
    expect(() => Q.rat(1, 0)).toThrow('zero denominator');
  });

  it('ZERO and ONE', () => {
    expect(Q.ZERO).toEqual(r(0, 1));
    expect(Q.ONE).toEqual(r(1, 1));
  });

  it('predicates', () => {
    expect(Q.isZero(r(0))).toBe(true);
    expect(Q.isZero(r(1, 2))).toBe(false);
    expect(Q.isOne(r(1))).toBe(true);
    expect(Q.isOne(r(1, 2))).toBe(false);
    expect(Q.isOne(r(2))).toBe(false);
    expect(Q.isOne(r(-1))).toBe(false);
    expect(Q.isInteger(r(7))).toBe(true);
    expect(Q.isInteger(r(7, 2))).toBe(false);
  });
});

describe('arithmetic, by hand', () => {
  it('add', () => {
    expect(Q.add(r(2), r(3))).toEqual(r(5));
    expect(Q.add(r(1, 2), r(1, 3))).toEqual(r(5, 6));
    expect(Q.add(r(1, 2), r(1, 2))).toEqual(r(1));
    expect(Q.add(r(1, 2), r(3))).toEqual(r(7, 2));
    expect(Q.add(r(3), r(-1, 4))).toEqual(r(11, 4));
    expect(Q.add(r(-5), r(2))).toEqual(r(-3));
  });
  it('sub', () => {
    expect(Q.sub(r(1, 2), r(1, 3))).toEqual(r(1, 6));
    expect(Q.sub(r(1, 3), r(1, 2))).toEqual(r(-1, 6));
    expect(Q.sub(r(2), r(5))).toEqual(r(-3));
    expect(Q.sub(r(3, 4), r(1, 4))).toEqual(r(1, 2));
  });
  it('mul', () => {
    expect(Q.mul(r(2), r(3))).toEqual(r(6));
    expect(Q.mul(r(-2), r(3))).toEqual(r(-6));
    expect(Q.mul(r(2, 3), r(3, 4))).toEqual(r(1, 2));
    expect(Q.mul(r(2, 3), r(3))).toEqual(r(2));
    expect(Q.mul(r(5), r(1, 7))).toEqual(r(5, 7));
  });
  it('neg', () => {
    expect(Q.neg(r(3, 4))).toEqual(r(-3, 4));
    expect(Q.neg(r(-3, 4))).toEqual(r(3, 4));
  });
  it('div', () => {
    expect(Q.div(r(1, 2), r(3, 4))).toEqual(r(2, 3));
    expect(Q.div(r(1, 2), r(-3, 4))).toEqual(r(-2, 3));
    expect(Q.div(r(6), r(3))).toEqual(r(2));
    expect(() => Q.div(r(1), r(0))).toThrow(RangeError);
    expect(() => Q.div(r(1), r(0))).toThrow('division by zero');
  });
  it('cmp', () => {
    expect(Q.cmp(r(1, 3), r(1, 2))).toBe(-1);
    expect(Q.cmp(r(1, 2), r(1, 3))).toBe(1);
    expect(Q.cmp(Q.rat(4, 4), r(1))).toBe(0);
    expect(Q.cmp(r(-1, 2), r(-1, 3))).toBe(-1);
    expect(Q.cmp(r(3, 6), r(1, 2))).toBe(0);
    // Both denominators ≠ 1: 3/4 − 2/3 = 1/12 > 0.
    expect(Q.cmp(r(3, 4), r(2, 3))).toBe(1);
    expect(Q.cmp(r(2, 3), r(3, 4))).toBe(-1);
    expect(Q.cmp(r(-2, 3), r(-3, 4))).toBe(1);
  });
  it('powInt, including negative and zero exponents', () => {
    expect(Q.powInt(r(2, 3), 3)).toEqual(r(8, 27));
    expect(Q.powInt(r(2, 3), 1)).toEqual(r(2, 3));
    expect(Q.powInt(r(2, 3), 0)).toEqual(r(1));
    expect(Q.powInt(r(2, 3), -2)).toEqual(r(9, 4));
    expect(Q.powInt(r(-2), -3)).toEqual(r(-1, 8));
  });
  it('dot', () => {
    expect(Q.dot([r(1, 2), r(2), r(-1)], [r(4), r(1, 4), r(3)])).toEqual(r(-1, 2));
    expect(Q.dot([], [])).toEqual(r(0));
  });
  it('toNumber and toString', () => {
    expect(Q.toNumber(r(3, 4))).toBe(0.75);
    expect(Q.toNumber(r(-5))).toBe(-5);
    expect(Q.toString(r(3, 4))).toBe('3/4');
    expect(Q.toString(r(-3))).toBe('-3');
  });
});

describe('parseRational', () => {
  const CASES: readonly [string, Rational | undefined][] = [
    ['3', r(3)],
    ['-3', r(-3)],
    ['-1/2', r(-1, 2)],
    ['6/4', r(3, 2)],
    ['1/0', undefined],
    ['1/00', undefined],
    ['1/-2', undefined],
    ['1/05', r(1, 5)],
    ['10/04', r(5, 2)],
    ['0.125', r(1, 8)],
    ['-0.125', r(-1, 8)],
    ['.5', r(1, 2)],
    ['5.', r(5)],
    ['1e-3', r(1, 1000)],
    ['1E3', r(1000)],
    ['2.5e2', r(250)],
    ['2.5e+2', r(250)],
    ['-2.5e-1', r(-1, 4)],
    ['0', r(0)],
    ['1e400', { n: 10n ** 400n, d: 1n }],
    ['1e401', undefined],
    ['1e-401', undefined],
    ['', undefined],
    ['.', undefined],
    ['-', undefined],
    ['e3', undefined],
    ['abc', undefined],
    [' 1', undefined],
    ['1 ', undefined],
    ['1.2.3', undefined],
    ['x1', undefined],
    ['1x', undefined],
    ['1/2x', undefined],
    ['x1/2', undefined],
  ];
  it.each(CASES)('%j', (text, expected) => {
    expect(Q.parseRational(text)).toEqual(expected);
  });
});

describe('fromNumber: the exact value of a double', () => {
  it('integers, dyadic fractions and a non-dyadic double', () => {
    expect(Q.fromNumber(5)).toEqual(r(5));
    expect(Q.fromNumber(-5)).toEqual(r(-5));
    expect(Q.fromNumber(0.75)).toEqual(r(3, 4));
    expect(Q.fromNumber(-0.375)).toEqual(r(-3, 8));
    // 0.1 is 3602879701896397 / 2^55 exactly.
    expect(Q.fromNumber(0.1)).toEqual({ n: 3602879701896397n, d: 2n ** 55n });
  });
  it('refuses non-finite values', () => {
    expect(() => Q.fromNumber(Infinity)).toThrow(RangeError);
    expect(() => Q.fromNumber(NaN)).toThrow('not a finite number: NaN');
  });
});

describe('rmatrix', () => {
  const M = (rows: number[][]): Rational[][] => rows.map((row) => row.map((x) => Q.fromNumber(x)));
  const mulM = (a: Rational[][], b: Rational[][]): Rational[][] =>
    a.map((row) =>
      b[0]!.map((_, j) =>
        Q.dot(
          row,
          b.map((br) => br[j]!),
        ),
      ),
    );
  const id = (n: number): Rational[][] =>
    Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? r(1) : r(0))));

  it('rref of a rank-2 3×3 matrix, by hand', () => {
    // Rows: (1 2 3), (2 4 6) = 2·row1, (1 0 1). RREF: (1 0 1), (0 1 1).
    const { rows, pivots } = rref(
      M([
        [1, 2, 3],
        [2, 4, 6],
        [1, 0, 1],
      ]),
    );
    expect(pivots).toEqual([0, 1]);
    expect(rows).toEqual(
      M([
        [1, 0, 1],
        [0, 1, 1],
      ]),
    );
  });

  it('rref needs a row swap when the first pivot is 0, and skips a zero column', () => {
    const { rows, pivots } = rref(
      M([
        [0, 0, 2],
        [0, 3, 1],
      ]),
    );
    expect(pivots).toEqual([1, 2]);
    expect(rows).toEqual(
      M([
        [0, 1, 0],
        [0, 0, 1],
      ]),
    );
  });

  it('rref of more rows than columns, and of an empty matrix', () => {
    const { rows, pivots } = rref(M([[2], [4], [6]]));
    expect(pivots).toEqual([0]);
    expect(rows).toEqual(M([[1]]));
    expect(rref([])).toEqual({ rows: [], pivots: [] });
  });

  it('rref leaves the input unchanged', () => {
    const m = M([
      [0, 2],
      [3, 1],
    ]);
    const copy = M([
      [0, 2],
      [3, 1],
    ]);
    rref(m);
    expect(m).toEqual(copy);
  });

  it('inverse: A·A⁻¹ = A⁻¹·A = I, including a zero leading entry (row swap)', () => {
    for (const A of [
      M([
        [2, 1],
        [1, 1],
      ]),
      M([
        [0, 1],
        [1, 0],
      ]),
      M([
        [0, 2, 1],
        [1, 0, 3],
        [4, -1, 0],
      ]),
      M([
        [1, 2, 3],
        [0, 1, 4],
        [5, 6, 0],
      ]),
    ]) {
      const inv = inverse(A);
      expect(mulM(A, inv)).toEqual(id(A.length));
      expect(mulM(inv, A)).toEqual(id(A.length));
    }
    // By hand: [[2, 1], [1, 1]]⁻¹ = [[1, −1], [−1, 2]].
    expect(
      inverse(
        M([
          [2, 1],
          [1, 1],
        ]),
      ),
    ).toEqual(
      M([
        [1, -1],
        [-1, 2],
      ]),
    );
  });

  it('inverse leaves the input unchanged', () => {
    const A = M([
      [0, 2],
      [3, 1],
    ]);
    inverse(A);
    expect(A).toEqual(
      M([
        [0, 2],
        [3, 1],
      ]),
    );
  });

  it('orthogonalPart removes the components along orthogonal basis vectors', () => {
    // x = (3, 4, 5), basis e1 + e2, e1 − e2: what is left is (0, 0, 5).
    expect(
      orthogonalPart(
        M([[3, 4, 5]])[0]!,
        M([
          [1, 1, 0],
          [1, -1, 0],
        ]),
      ),
    ).toEqual(M([[0, 0, 5]])[0]);
    // Along (1, 2): x = (1, 0) − (1/5)(1, 2) = (4/5, −2/5), orthogonal to (1, 2).
    expect(orthogonalPart([r(1), r(0)], [[r(1), r(2)]])).toEqual([r(4, 5), r(-2, 5)]);
    expect(orthogonalPart([r(1), r(2)], [])).toEqual([r(1), r(2)]);
  });
});

describe('nullspace', () => {
  it('x + 2y + 3z = 0 (twice over): two vectors, one per free column, each solving the system', () => {
    // pivot column 0; free y and z: (−2, 1, 0) and (−3, 0, 1), worked by hand
    const m = [
      [r(1), r(2), r(3)],
      [r(2), r(4), r(6)],
    ];
    expect(nullspace(m, 3)).toEqual([
      [r(-2), r(1), r(0)],
      [r(-3), r(0), r(1)],
    ]);
    expect(
      nullspace(
        [
          [r(1), r(0)],
          [r(0), r(1)],
        ],
        2,
      ),
    ).toEqual([]);
    expect(nullspace([], 2)).toEqual([
      [r(1), r(0)],
      [r(0), r(1)],
    ]);
  });
});
