/**
 * Data augmentation on nonlinear networks [GU] (docs/theory.md §5.4): with squared loss and H hidden
 * layers of z^k, a sample's loss is a trigonometric polynomial of degree D = 2k^H in the rotation
 * angle, so a data set of N equally spaced rotations of a batch makes the loss exactly invariant
 * under W₁ ↦ W₁e^{aA} iff N > D. The laws are the derivation of catalog/augmentation.yaml; the
 * invariance itself is also read off the network's loss at finite angles. Negative twins: N = D
 * copies (one too few), and a ReLU network on the same data.
 */
import { test, fc } from '@fast-check/jest';
import { loadCatalog } from '../../src/catalog';
import { deriveBlock } from '../../src/derive/block';
import { lawResiduals } from '../../src/check/block';
import type { BlockDeclaration } from '../../src/declaration/types';
import { IDENTITY_TOLERANCE, REFUTATION_THRESHOLD } from '../../src/verdict';
import { siteCase, augmentationOrbit, rotatedCopies, type NetworkCase } from '../../numeric/arbitraries';
import { activation, buildNetwork, evaluate, type Batch, type MlpSpec } from '../../numeric/mlp';
import { mat } from '../../numeric/linalg';

const decl = loadCatalog('augmentation') as BlockDeclaration;
const d = deriveBlock(decl);
const poly = siteCase('augmented-input', { acts: ['poly'], degrees: [2, 3] });

/** D = 2k^H: the degree in the rotation angle of a sample's squared loss. */
const degreeOf = (s: MlpSpec): number =>
  2 * (s.act.kind === 'poly' ? s.act.degree : 1) ** (s.widths.length - 2);
/** The case's batch before augmentation (the unrotated copies come first). */
function baseOf(c: NetworkCase): Batch {
  const B = c.batch.X.rows / augmentationOrbit(c.spec);
  const { X, Y } = c.batch;
  return { X: mat(B, X.cols, X.data.slice(0, B * X.cols)), Y: mat(B, Y.cols, Y.data.slice(0, B * Y.cols)) };
}
/** The case with its data set rebuilt from N rotated copies. */
const withOrbit = (c: NetworkCase, N: number): NetworkCase => ({
  ...c,
  batch: rotatedCopies(baseOf(c), c.site.constants!.A!, N),
});
/**
 * |L(W₁e^{φA}) − L(W₁)| relative to L, with e^{φA} = I + sin φ A + (1 − cos φ)A² (A a unit-plane
 * generator).
 */
function lossChange(c: NetworkCase, phi: number): number {
  const A = c.site.constants!.A!;
  const n = A.rows;
  const A2 = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      for (let k = 0; k < n; k++) A2[i * n + j]! += A.data[i * n + k]! * A.data[k * n + j]!;
  const R = (i: number, j: number): number =>
    (i === j ? 1 : 0) + Math.sin(phi) * A.data[i * n + j]! + (1 - Math.cos(phi)) * A2[i * n + j]!;
  const W = c.site.views.W1!;
  const rotated = Float64Array.from(c.theta);
  for (let r = 0; r < W.rows; r++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += c.theta[W.index[r * n + k]!]! * R(k, j);
      rotated[W.index[r * n + j]!] = s;
    }
  const l0 = evaluate(c.net, c.theta, c.batch).loss;
  return Math.abs(evaluate(c.net, rotated, c.batch).loss - l0) / l0;
}

describe('augmentation on z^k networks: N > 2k^H rotated copies make W₁ ↦ W₁e^{aA} exact [GU]', () => {
  test.prop([poly], { numRuns: 40 })(
    '⟨∂L/∂W₁, W₁A⟩ = 0 and H X = −J_Xᵀ g with N = augmentationOrbit',
    (c) => {
      expect(augmentationOrbit(c.spec)).toBeGreaterThan(degreeOf(c.spec));
      for (const x of lawResiduals(decl, d, c)!.values()) expect(x).toBeLessThanOrEqual(IDENTITY_TOLERANCE);
    },
  );
  test.prop([poly, fc.double({ min: 0.1, max: 3, noNaN: true })], { numRuns: 30 })(
    'with the fewest copies N = 2k^H + 1 the laws hold, and the loss is unchanged at a finite angle',
    (c, phi) => {
      const exact = withOrbit(c, degreeOf(c.spec) + 1);
      for (const x of lawResiduals(decl, d, exact)!.values())
        expect(x).toBeLessThanOrEqual(IDENTITY_TOLERANCE);
      // Rounding: the loss is a sum of B·N squares of outputs computed to about 1e-16 of their size.
      expect(lossChange(exact, phi)).toBeLessThanOrEqual(1e-10);
    },
  );

  describe('negative twins: these must fail', () => {
    it('N = 2k^H copies (one too few): the constraint is refuted, far above rounding', () => {
      let worst = 0;
      const details = fc.check(
        fc.property(poly, (c) => {
          const x = lawResiduals(decl, d, withOrbit(c, degreeOf(c.spec)))!
            .values()
            .next().value!;
          worst = Math.max(worst, x);
          return x <= IDENTITY_TOLERANCE;
        }),
        { numRuns: 20, seed: 4 },
      );
      expect(details.failed).toBe(true);
      expect(worst).toBeGreaterThan(REFUTATION_THRESHOLD);
    });
    it('a ReLU network on the same augmented data: the constraint is refuted, far above rounding', () => {
      let worst = 0;
      const details = fc.check(
        fc.property(poly, (c) => {
          const spec: MlpSpec = { ...c.spec, act: activation('relu') };
          fc.pre(spec.widths.length > 2); // without a hidden layer the network is affine
          const x = lawResiduals(decl, d, { ...c, spec, net: buildNetwork(spec) })!
            .values()
            .next().value!;
          worst = Math.max(worst, x);
          return x <= IDENTITY_TOLERANCE;
        }),
        { numRuns: 20, seed: 4 },
      );
      expect(details.failed).toBe(true);
      expect(worst).toBeGreaterThan(REFUTATION_THRESHOLD);
    });
  });
});
