/**
 * symmetricEigen against independent checks: A v = λ v relative to ‖A‖, orthonormal eigenvectors,
 * trace = Σλ, and the closed form of the 2×2 case — at every scale from 1e-300 to 1e+300, where a
 * stopping rule in absolute terms (the old off² < 1e-30) stops before the first rotation.
 */
import { test, fc } from '@fast-check/jest';
import { minEigen, symmetricEigen } from '../../numeric/linalg';

type Matrix = number[][];

/** Multiply by 2^k exactly (in two steps, so that 2^k itself need not be representable). */
const pow2 = (x: number, k: number): number => x * 2 ** Math.trunc(k / 2) * 2 ** (k - Math.trunc(k / 2));
/** The exponent that brings the largest entry of a to [1, 2), so checks run without overflow or underflow. */
const exponentOf = (a: Matrix): number => {
  const big = Math.max(0, ...a.flat().map(Math.abs));
  return big === 0 ? 0 : Math.floor(Math.log2(big));
};

/**
 * The worst residual ‖Av − λv‖/‖A‖_F, deviation |VᵀV − I| and trace error |Σλ − tr A|/‖A‖_F, and
 * the floor below which eigenvalues are not representable relative to ‖A‖ (subnormal matrices).
 */
function errors(a: Matrix): { residual: number; orthogonality: number; trace: number; floor: number } {
  const { values, vectors } = symmetricEigen(a);
  const n = a.length;
  expect(values).toHaveLength(n);
  expect(vectors).toHaveLength(n);
  const e = exponentOf(a);
  const A = a.map((row) => row.map((x) => pow2(x, -e)));
  const lambda = values.map((x) => pow2(x, -e));
  const norm = Math.hypot(...A.flat()) || 1;
  let residual = 0;
  let orthogonality = 0;
  vectors.forEach((v, j) => {
    expect(v).toHaveLength(n);
    const r = A.map((row, i) => row.reduce((s, x, k) => s + x * v[k]!, 0) - lambda[j]! * v[i]!);
    residual = Math.max(residual, Math.hypot(...r) / norm);
    vectors.forEach((w, k) => {
      const d = v.reduce((s, x, i) => s + x * w[i]!, 0);
      orthogonality = Math.max(orthogonality, Math.abs(d - (j === k ? 1 : 0)));
    });
  });
  const trace = Math.abs(lambda.reduce((s, x) => s + x, 0) - A.reduce((s, row, i) => s + row[i]!, 0)) / norm;
  return { residual, orthogonality, trace, floor: (4 * Number.MIN_VALUE) / pow2(norm, e) };
}

const TOL = 1e-13;
const expectAccurate = (a: Matrix): void => {
  const e = errors(a);
  expect(e.residual).toBeLessThanOrEqual(TOL + a.length * e.floor);
  expect(e.orthogonality).toBeLessThanOrEqual(TOL);
  expect(e.trace).toBeLessThanOrEqual(TOL + a.length * e.floor);
};

const entry = fc.double({ min: -1, max: 1, noNaN: true });
/** A symmetric matrix of order 1…12 with entries in [-1, 1], times 10^k for k in [-300, 300]. */
const scaledSymmetric = fc
  .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: -300, max: 300 }))
  .chain(([n, k]) =>
    fc.array(entry, { minLength: (n * (n + 1)) / 2, maxLength: (n * (n + 1)) / 2 }).map((xs) => {
      const a: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
      let t = 0;
      for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i]![j] = a[j]![i] = xs[t++]! * 10 ** k;
      return a;
    }),
  );

test.prop([scaledSymmetric])(
  'A v = λ v to 1e-13 ‖A‖, V orthonormal and Σλ = tr A, at every scale 1e-300 … 1e300',
  (a) => expectAccurate(a),
);

test.prop([entry, entry, entry, fc.integer({ min: -300, max: 300 })])(
  '2×2: the eigenvalues are the closed form (a+c)/2 ± hypot((a−c)/2, b), at every scale',
  (a0, b0, c0, k) => {
    const [a, b, c] = [a0, b0, c0].map((x) => x * 10 ** k) as [number, number, number];
    const mid = a / 2 + c / 2;
    const rad = Math.hypot(a / 2 - c / 2, b);
    const got = [...symmetricEigen([[a, b], [b, c]]).values].sort((x, y) => x - y); // prettier-ignore
    const norm = Math.hypot(a, b, b, c);
    // Slack of a few subnormal units: the closed form itself loses precision below 1e-308.
    const tol = 1e-14 * norm + 8 * Number.MIN_VALUE;
    expect(Math.abs(got[0]! - (mid - rad))).toBeLessThanOrEqual(tol);
    expect(Math.abs(got[1]! - (mid + rad))).toBeLessThanOrEqual(tol);
  },
);

test.prop([
  fc.integer({ min: 2, max: 10 }).chain((n) => fc.array(entry, { minLength: n, maxLength: n })),
  entry,
  fc.double({ min: 0.1, max: 2, noNaN: true }),
  fc.integer({ min: -200, max: 200 }),
])('repeated eigenvalues: α I + β u uᵀ has α (n−1 times) and α + β‖u‖²', (u, alpha, beta, k) => {
  fc.pre(Math.hypot(...u) > 1e-3);
  const s = 10 ** k;
  const a = u.map((x, i) => u.map((y, j) => ((i === j ? alpha : 0) + beta * x * y) * s));
  expectAccurate(a);
  const want = [...u.slice(1).map(() => alpha * s), (alpha + beta * u.reduce((t, x) => t + x * x, 0)) * s];
  const got = [...symmetricEigen(a).values].sort((x, y) => x - y);
  const norm = Math.hypot(...a.flat());
  want
    .sort((x, y) => x - y)
    .forEach((w, i) => expect(Math.abs(got[i]! - w)).toBeLessThanOrEqual(1e-13 * norm));
});

describe('symmetricEigen: exact cases', () => {
  it.each([1e-20, 1e-300, 1, 1e200, 1e300])('[[s, s], [s, s]] has eigenvalues 0 and 2s (s = %s)', (s) => {
    const { values, vectors } = symmetricEigen([
      [s, s],
      [s, s],
    ]);
    const sorted = [...values].sort((x, y) => x - y);
    expect(Math.abs(sorted[0]!)).toBeLessThanOrEqual(1e-15 * s);
    expect(Math.abs(sorted[1]! - 2 * s)).toBeLessThanOrEqual(1e-15 * s);
    for (const v of vectors) expect(Math.abs(Math.abs(v[0]!) - Math.SQRT1_2)).toBeLessThan(1e-15);
    expect(Math.abs(minEigen([[s, s], [s, s]]))).toBeLessThanOrEqual(1e-15 * s); // prettier-ignore
  });

  it('[[2,1,1],[1,2,1],[1,1,2]] has eigenvalues 1, 1, 4', () => {
    const a = [
      [2, 1, 1],
      [1, 2, 1],
      [1, 1, 2],
    ];
    const got = [...symmetricEigen(a).values].sort((x, y) => x - y);
    [1, 1, 4].forEach((w, i) => expect(Math.abs(got[i]! - w)).toBeLessThan(1e-14));
    expectAccurate(a);
  });

  it('a diagonal matrix is returned as it is, with the unit vectors', () => {
    const d = [3, -1e-30, 7e200, 0, -2];
    const { values, vectors } = symmetricEigen(d.map((x, i) => d.map((_, j) => (i === j ? x : 0))));
    expect(values).toEqual(d);
    expect(vectors).toEqual(d.map((_, i) => d.map((__, j) => (i === j ? 1 : 0))));
  });

  it.each([0, 1, 4])('the zero matrix of order %i has eigenvalues 0 and the unit vectors', (n) => {
    const { values, vectors } = symmetricEigen(Array.from({ length: n }, () => new Array<number>(n).fill(0)));
    expect(values).toEqual(new Array(n).fill(0));
    expect(vectors).toEqual(
      Array.from({ length: n }, (_, i) => Array.from({ length: n }, (__, j) => +(i === j))),
    );
  });

  it('a 1×1 matrix is its own eigenvalue, at any scale', () => {
    for (const x of [5e-324, -1e-20, 1, -1e300, Number.MAX_VALUE])
      expect(symmetricEigen([[x]])).toEqual({ values: [x], vectors: [[1]] });
  });

  it('reads the symmetric part of a slightly unsymmetric matrix', () => {
    const a = [
      [1, 2 + 1e-12],
      [2 - 1e-12, 1],
    ];
    const got = [...symmetricEigen(a).values].sort((x, y) => x - y);
    expect(Math.abs(got[0]! + 1)).toBeLessThan(1e-14);
    expect(Math.abs(got[1]! - 3)).toBeLessThan(1e-14);
  });

  it('a non-finite entry gives NaN rather than an answer', () => {
    expect(symmetricEigen([[1, NaN], [NaN, 1]]).values.every(Number.isNaN)).toBe(true); // prettier-ignore
    expect(Number.isNaN(minEigen([[Infinity, 0], [0, 1]]))).toBe(true); // prettier-ignore
  });
});
