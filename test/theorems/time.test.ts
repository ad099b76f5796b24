/**
 * GU's time symmetry: the flow is autonomous, so along gradient flow dL/dt = −‖∇L‖² = −rᵀΘr with
 * Θ = JJᵀ the empirical neural tangent kernel and r = ∂ℓ/∂f [GU]. Checked as an identity at
 * sampled networks, and along the flow with the adaptive integrator.
 */
import { test, fc } from '@fast-check/jest';
import { rng } from '../../numeric/rng';
import { buildNetwork, evaluate } from '../../numeric/mlp';
import { DegenerateSample } from '../../numeric/errors';
import { sampleSpec, sampleParams, sampleBatch } from '../../numeric/sample';
import { empiricalNtk } from '../../numeric/ntk';
import { integrate } from '../../numeric/ode';
import { dot } from '../../numeric/linalg';
import { IDENTITY_TOLERANCE } from '../../src/verdict';
import { loadCatalog } from '../../src/catalog';
import { deriveBlock } from '../../src/derive/block';
import { lawResiduals } from '../../src/check/block';
import type { BlockDeclaration } from '../../src/declaration/types';
import { siteCase, augmentationOrbit } from '../../numeric/arbitraries';
import { mat } from '../../numeric/linalg';

const quad = (k: Float64Array, r: Float64Array, n: number): { value: number; bound: number } => {
  let v = 0,
    b = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const t = r[i]! * k[i * n + j]! * r[j]!;
      v += t;
      b += Math.abs(t);
    }
  return { value: v, bound: b };
};

test.prop([fc.integer()], { numRuns: 60 })(
  '‖∇L‖² = rᵀΘr on every architecture kind (Θ the empirical NTK) [GU]',
  (seed) => {
    const r = rng(seed);
    const spec = sampleSpec(r, { width: [2, 5], depth: [0, 2] });
    const net = buildNetwork(spec);
    const theta = sampleParams(net, r);
    const batch = sampleBatch(spec, 2 + r.int(4), r);
    let e, ntk;
    try {
      e = evaluate(net, theta, batch, undefined, { bound: true });
      ntk = empiricalNtk(net, theta, batch);
    } catch (err) {
      if (err instanceof DegenerateSample) {
        fc.pre(false);
        return;
      }
      throw err;
    }
    const q = quad(ntk.kernel, ntk.r, ntk.n);
    const g2 = dot(e.grad, e.grad);
    // Scale: the sizes of both sides, each a sum of products (rounding ~ 1e-16 of these).
    const scale = q.bound + dot(e.gradBound!, e.gradBound!);
    expect(Math.abs(g2 - q.value)).toBeLessThanOrEqual(IDENTITY_TOLERANCE * scale);
  },
);

it('along gradient flow, dL/dt at t = 0 (Richardson difference of the integrated loss) is −rᵀΘr [GU]', () => {
  const r = rng(17);
  const spec = {
    widths: [3, 4, 2],
    act: { kind: 'tanh' as const },
    norm: 'none' as const,
    affine: false,
    loss: 'mse' as const,
    bias: true,
  };
  const net = buildNetwork(spec);
  const theta0 = sampleParams(net, r);
  const batch = sampleBatch(spec, 5, r);
  const flow = (t: number): number => {
    const sol = integrate(
      (_, y) => evaluate(net, Float64Array.from(y), batch).grad.map((g) => -g),
      theta0,
      0,
      t,
      { rtol: 1e-13, atol: 1e-15 },
    );
    expect(sol.completed).toBe(true);
    return evaluate(net, Float64Array.from(sol.y), batch).loss;
  };
  const L0 = evaluate(net, theta0, batch).loss;
  const h = 1e-4;
  // (L(h) − L0)/h = L' + L''h/2 + O(h²); combining steps h and 2h cancels the O(h) term.
  const slope = 2 * ((flow(h) - L0) / h) - (flow(2 * h) - L0) / (2 * h);
  const ntk = empiricalNtk(net, theta0, batch);
  const predicted = -quad(ntk.kernel, ntk.r, ntk.n).value;
  expect(predicted).toBeLessThan(0);
  // Truncation O(h²) ≈ 1e-8 relative; rounding ≈ 1e-16 L0 / h ≈ 1e-12: 1e-6 leaves a wide margin.
  expect(Math.abs(slope - predicted)).toBeLessThanOrEqual(1e-6 * Math.abs(predicted));
});

it('negative twin: with Θ replaced by the identity, rᵀr is not ‖∇L‖²', () => {
  const r = rng(3);
  const spec = sampleSpec(r, { widths: [3, 4, 2], acts: ['tanh'], norms: ['none'], losses: ['mse'] });
  const net = buildNetwork(spec);
  const theta = sampleParams(net, r);
  const batch = sampleBatch(spec, 4, r);
  const e = evaluate(net, theta, batch);
  const rr = dot(e.outputAdjoint.data, e.outputAdjoint.data);
  expect(Math.abs(dot(e.grad, e.grad) - rr)).toBeGreaterThan(1e-3 * rr);
});

describe('data augmentation: W₁ ↦ W₁e^{εA} is a symmetry for data invariant under x ↦ e^{εA}x [GU]', () => {
  const decl = loadCatalog('augmentation') as BlockDeclaration;
  const d = deriveBlock(decl);
  test.prop([siteCase('augmented-input')], { numRuns: 40 })(
    '⟨∂L/∂W₁, W₁A⟩ = 0 and H X = −J_Xᵀ g on data closed under the rotation orbit',
    (c) => {
      const r = lawResiduals(decl, d, c)!;
      for (const x of r.values()) expect(x).toBeLessThanOrEqual(IDENTITY_TOLERANCE);
    },
  );
  it('an antisymmetric A (a rotation) gives no gradient-flow charge, only the constraint', () => {
    expect(d.laws.find((l) => l.id === 'no-charge')?.statement.text).toContain('antisymmetric generator');
  });
  it('negative twin: without the rotated copies the same law fails', () => {
    const details = fc.check(
      fc.property(siteCase('augmented-input'), (c) => {
        const B = c.batch.X.rows / augmentationOrbit(c.spec); // the unrotated copies come first
        const raw = {
          X: mat(B, c.batch.X.cols, c.batch.X.data.slice(0, B * c.batch.X.cols)),
          Y: mat(B, c.batch.Y.cols, c.batch.Y.data.slice(0, B * c.batch.Y.cols)),
        };
        const r = lawResiduals(decl, d, { ...c, batch: raw });
        return r === undefined || [...r.values()].every((x) => x <= IDENTITY_TOLERANCE);
      }),
      { numRuns: 30, seed: 5 },
    );
    expect(details.failed).toBe(true);
  });
});
