/**
 * The optimiser's vector steps (numeric/optim.ts) against their formulas entry by entry: θ − η u,
 * g + λθ, θ − η(g + λθ), d / G, bit for bit (the same float64 operations in the same order), and
 * allFinite against `every(Number.isFinite)`, on arbitrary doubles (NaN, ±∞, −0, subnormals).
 */
import { test, fc } from '@fast-check/jest';
import { allFinite, descend, gdStep, optimiser, withDecay } from '../../numeric/optim';

const doubles = fc.double();
/** Two vectors of one length, and scalars. */
const pair = fc
  .integer({ min: 0, max: 40 })
  .chain((n) =>
    fc.tuple(
      fc.float64Array({ minLength: n, maxLength: n }),
      fc.float64Array({ minLength: n, maxLength: n }),
    ),
  );
/** Bit-for-bit equality of two vectors (NaN equal to NaN, −0 distinct from 0). */
const same = (a: Float64Array, b: readonly number[]): void => {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => expect(Object.is(x, b[i])).toBe(true));
};

describe('optimiser steps, entry by entry', () => {
  test.prop([pair, doubles])('descend: θ − η u', ([theta, u], eta) => {
    same(
      descend(theta, u, eta),
      Array.from(theta, (x, i) => x - eta * u[i]!),
    );
  });

  test.prop([pair, doubles])('withDecay: g + λθ', ([g, theta], decay) => {
    same(
      withDecay(g, theta, decay),
      Array.from(g, (x, i) => x + decay * theta[i]!),
    );
  });

  test.prop([pair, doubles, doubles])('gdStep: θ − η(g + λθ)', ([theta, g], eta, decay) => {
    same(
      gdStep(theta, g, eta, decay),
      Array.from(theta, (x, i) => x - eta * (g[i]! + decay * x)),
    );
  });

  test.prop([pair])('precond: d / G', ([d, diagonal]) => {
    same(
      optimiser({ kind: 'precond', diagonal }, d.length).direction(d),
      Array.from(d, (x, i) => x / diagonal[i]!),
    );
  });

  test.prop([fc.float64Array({ maxLength: 40 })])('allFinite is every(Number.isFinite)', (x) => {
    expect(allFinite(x)).toBe(Array.from(x).every(Number.isFinite));
  });

  it('allFinite finds a single non-finite entry anywhere', () => {
    for (const bad of [NaN, Infinity, -Infinity])
      for (const at of [0, 5, 9]) {
        const x = new Float64Array(10).fill(1);
        x[at] = bad;
        expect(allFinite(x)).toBe(false);
      }
    expect(allFinite(new Float64Array(0))).toBe(true);
  });
});
