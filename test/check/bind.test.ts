/**
 * A law's relative residual on a site does not depend on the scale of the gradient: with ∇L and its
 * rounding bounds multiplied by 2⁻⁸⁶⁰ (exactly; a saturated softmax gives gradients of 1e-259), the
 * value and the bound both scale by 2⁻⁸⁶⁰, and their ratio stays what it was. Before the norms were
 * scaled, the bound's squares underflowed to 0 and a true law read as an infinite residual.
 */
import { test, fc } from '@fast-check/jest';
import { WordEvaluator } from '../../src/check/bind';
import { deriveBlock } from '../../src/derive/block';
import { loadCatalog } from '../../src/catalog';
import type { BlockDeclaration } from '../../src/declaration/types';
import { mat, type Mat } from '../../numeric/linalg';

const homogeneity = deriveBlock(loadCatalog('homogeneity') as BlockDeclaration);
const law = homogeneity.laws.find((l) => l.id === 'gradient-constraint')!;
if (law.data.kind !== 'trace') throw new Error('homogeneity: a trace law expected');
const sum = law.data.sum;
const entry = fc.double({ min: -4, max: 4, noNaN: true }).filter((x) => x === 0 || Math.abs(x) > 1e-3);
const column = (n: number): fc.Arbitrary<Mat> =>
  fc.array(entry, { minLength: n, maxLength: n }).map((xs) => mat(n, 1, Float64Array.from(xs)));
const siteArb = fc
  .tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }))
  .chain(([n, m]) => fc.tuple(column(n), column(m), column(n), column(m), fc.double({ min: 0.5, max: 3 })));
const scaled = (a: Mat, s: number): Mat =>
  mat(
    a.rows,
    a.cols,
    a.data.map((x) => x * s),
  );
const abs = (a: Mat): Mat => mat(a.rows, a.cols, a.data.map(Math.abs));

test.prop([siteArb, fc.constantFrom(2 ** -860, 2 ** -600, 2 ** 560)])(
  'the gradient constraint of homogeneity: the same relative residual at 2ᵏ times the gradient',
  ([w_in, w_out, g_in, g_out, k], s) => {
    const ev = new WordEvaluator();
    const at = (f: number) =>
      ev.trace(sum, {
        blocks: { w_in, w_out },
        grads: { w_in: scaled(g_in, f), w_out: scaled(g_out, f) },
        gradBounds: { w_in: scaled(abs(g_in), f), w_out: scaled(abs(g_out), f) },
        scalars: { k },
      });
    const [one, far] = [at(1), at(s)];
    fc.pre(one.bound > 0);
    expect(far.bound).toBeGreaterThan(0);
    expect(Number.isFinite(far.bound)).toBe(true);
    expect(Math.abs(far.bound / s - one.bound)).toBeLessThanOrEqual(1e-14 * one.bound);
    expect(Math.abs(far.value / s - one.value)).toBeLessThanOrEqual(1e-14 * one.bound);
  },
);
