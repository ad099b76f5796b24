/**
 * Exact float64 gradients and Hessian-vector products: checked against central finite
 * differences on every architecture kind, and against derivatives worked out by hand.
 */
import { test, fc } from '@fast-check/jest';
import { rng } from '../../numeric/rng';
import { buildNetwork, evaluate, type MlpSpec } from '../../numeric/mlp';
import { DegenerateSample } from '../../numeric/errors';
import { sampleSpec, sampleParams, sampleBatch, sampleDirection } from '../../numeric/sample';
import { mat, dot } from '../../numeric/linalg';
import { IDENTITY_TOLERANCE } from '../../src/verdict';

/** Evaluate, or undefined where a normalisation group has zero variance (the network is undefined there). */
function tryEvaluate(...args: Parameters<typeof evaluate>): ReturnType<typeof evaluate> | undefined {
  try {
    return evaluate(...args);
  } catch (e) {
    if (e instanceof DegenerateSample) return undefined;
    throw e;
  }
}

const axpy = (x: Float64Array, a: number, y: Float64Array): Float64Array => x.map((xi, i) => xi + a * y[i]!);
/** Finite-difference tolerance (relative). The reference is the fourth-order central stencil
 * (8(f(h) − f(−h)) − (f(2h) − f(−2h)))/12h at h = 2e-5: truncation O(h⁴ f⁽⁵⁾) stays below 1e-9 even
 * for BatchNorm with small variances (where the second-order stencil's O(h²) error reached 2e-6),
 * and rounding O(ε/h) ≈ 1e-11. 1e-6 leaves a wide margin. */
const FD_TOL = 1e-6;
/** Rounding unit of a computed gradient or H v entry relative to its bound (Σ |contributions|):
 * γ_n = nε for sums of n terms; 64ε covers the batch and fan-in sums of these small networks. */
const ROUNDING = 64 * Number.EPSILON;
const l2 = (x: ArrayLike<number>): number => Math.sqrt(Array.from(x).reduce((t, y) => t + y * y, 0));

const cases = fc.record({
  seed: fc.integer(),
  act: fc.constantFrom('relu', 'leaky', 'linear', 'tanh', 'poly') as fc.Arbitrary<MlpSpec['act']['kind']>,
  norm: fc.constantFrom('none', 'batch', 'layer') as fc.Arbitrary<MlpSpec['norm']>,
  loss: fc.constantFrom('mse', 'ce') as fc.Arbitrary<MlpSpec['loss']>,
});

test.prop([cases], { numRuns: 150 })(
  'gradient and H v agree with central finite differences on every architecture kind',
  ({ seed, act, norm, loss }) => {
    const r = rng(seed);
    const spec = sampleSpec(r, { acts: [act], norms: [norm], losses: [loss] });
    const net = buildNetwork(spec);
    const theta = sampleParams(net, r);
    const batch = sampleBatch(spec, 2 + r.int(5), r);
    const v = sampleDirection(net.size, r);
    const ev = tryEvaluate(net, theta, batch, v, { bound: true });
    fc.pre(ev !== undefined);
    const e = ev!;
    const gBound = l2(e.gradBound!);
    const fd = (h: number): { dL: number; dg: Float64Array } => {
      const evs = [h, -h, 2 * h, -2 * h].map((t) =>
        tryEvaluate(net, axpy(theta, t, v), batch, undefined, { bound: true }),
      );
      fc.pre(evs.every((x) => x !== undefined));
      const [p, m, p2, m2] = evs as [
        ReturnType<typeof evaluate>,
        ReturnType<typeof evaluate>,
        ReturnType<typeof evaluate>,
        ReturnType<typeof evaluate>,
      ];
      const d = (a: number, b: number, a2: number, b2: number): number =>
        (8 * (a - b) - (a2 - b2)) / (12 * h);
      return {
        dL: d(p.loss, m.loss, p2.loss, m2.loss),
        dg: p.grad.map((x, i) => d(x, m.grad[i]!, p2.grad[i]!, m2.grad[i]!)),
      };
    };
    const a = fd(2e-5),
      b = fd(4e-5);
    // Natural scales: the sizes of both sides plus what rounding can contribute — for the stencil,
    // (8 + 8 + 1 + 1)/12 gradient errors of ROUNDING · ‖bound‖ each, divided by h.
    const scaleL = l2(e.grad) * l2(v) + e.gradBound!.reduce((t, x, i) => t + x * Math.abs(v[i]!), 0) + 1e-300;
    const scaleH =
      l2(e.hv!) + l2(a.dg) + l2(e.hvBound!) + (1.5 * ROUNDING * gBound) / (2e-5 * FD_TOL) + 1e-300;
    // A kink (relu, leaky relu) or a jump (BatchNorm over a batch of 2 outputs ±sign(z₁ − z₂)) between
    // θ − 4hv and θ + 4hv makes difference quotients meaningless: the stencils at h and 2h then
    // disagree at first order, where for a smooth function they differ by O(h⁴).
    const kink =
      Math.abs(a.dL - b.dL) > 1e-4 * (Math.abs(a.dL) + Math.abs(b.dL) + l2(e.grad) * l2(v) + 1e-300) ||
      l2(a.dg.map((x, i) => x - b.dg[i]!)) > 1e-4 * (l2(a.dg) + l2(b.dg) + l2(e.hv!) + 1e-300);
    fc.pre(!kink);
    // The loss stencil's own rounding: (8 + 8 + 1 + 1)/12 loss errors of ROUNDING · |L|⁺ each, divided by
    // h — it dominates when |∇L · v| ≪ ε |L|⁺ / h. |L|⁺ is what the loss is computed from: for MSE a mean
    // of squares, |L| itself; for cross-entropy, log Σ exp f − f_c cancels (a confident prediction
    // computes L = 0 where it is 1e-164), so its rounding is relative to the logits:
    // |log Σ exp f| + |f_c| ≤ 2 max |f| + log K.
    const outs = e.outputs.data.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    const lossMagnitude = Math.abs(e.loss) + (spec.loss === 'ce' ? 2 * outs + Math.log(e.outputs.cols) : 0);
    const noiseL = (1.5 * ROUNDING * lossMagnitude) / 2e-5;
    expect(Math.abs(e.lossDot! - a.dL)).toBeLessThan(FD_TOL * scaleL + noiseL);
    // ⟨∇L, v⟩ from the backward pass equals L̇ from the forward tangents: an identity (docs/theory.md §7).
    expect(Math.abs(dot(e.grad, v) - e.lossDot!)).toBeLessThan(IDENTITY_TOLERANCE * scaleL);
    const err = Math.sqrt(e.hv!.reduce((s, x, i) => s + (x - a.dg[i]!) ** 2, 0));
    expect(err).toBeLessThan(FD_TOL * scaleH);
  },
);

test.prop([fc.integer()], { numRuns: 40 })('H v is symmetric: ⟨u, H v⟩ = ⟨v, H u⟩', (seed) => {
  const r = rng(seed);
  const spec = sampleSpec(r);
  const net = buildNetwork(spec);
  const theta = sampleParams(net, r);
  const batch = sampleBatch(spec, 4, r);
  const u = sampleDirection(net.size, r),
    v = sampleDirection(net.size, r);
  const ev = tryEvaluate(net, theta, batch, v, { bound: true }),
    eu = tryEvaluate(net, theta, batch, u, { bound: true });
  fc.pre(ev !== undefined && eu !== undefined);
  const Hv = ev!.hv!,
    Hu = eu!.hv!;
  const [x, y] = [dot(u, Hv), dot(v, Hu)];
  // Scale: both sides and the rounding bounds of H v and H u.
  const scale =
    Math.sqrt(dot(u, u)) * (Math.sqrt(dot(Hv, Hv)) + Math.sqrt(dot(ev!.hvBound!, ev!.hvBound!))) +
    Math.sqrt(dot(v, v)) * (Math.sqrt(dot(Hu, Hu)) + Math.sqrt(dot(eu!.hvBound!, eu!.hvBound!)));
  expect(Math.abs(x - y)).toBeLessThanOrEqual(IDENTITY_TOLERANCE * (scale + 1e-300));
});

it('matches derivatives worked out by hand for a scalar two-layer linear net with squared loss', () => {
  // L = ½ (w2 w1 x − y)²;  ∂L/∂w1 = r w2 x, ∂L/∂w2 = r w1 x with r = w2 w1 x − y;
  // H = [[w2² x², x(r + w1 w2 x)], [x(r + w1 w2 x), w1² x²]].
  const net = buildNetwork({
    widths: [1, 1, 1],
    act: { kind: 'linear' },
    norm: 'none',
    affine: false,
    loss: 'mse',
    bias: false,
  });
  const [w1, w2, x, y] = [0.7, -1.3, 0.9, 0.25];
  const batch = { X: mat(1, 1, Float64Array.of(x)), Y: mat(1, 1, Float64Array.of(y)) };
  const v = Float64Array.of(0.3, -0.8);
  const e = evaluate(net, Float64Array.of(w1, w2), batch, v);
  const res = w2 * w1 * x - y;
  expect(e.loss).toBeCloseTo(0.5 * res * res, 15);
  expect(e.grad[0]).toBeCloseTo(res * w2 * x, 15);
  expect(e.grad[1]).toBeCloseTo(res * w1 * x, 15);
  const h12 = x * (res + w1 * w2 * x);
  expect(e.hv![0]).toBeCloseTo(w2 * w2 * x * x * v[0]! + h12 * v[1]!, 14);
  expect(e.hv![1]).toBeCloseTo(h12 * v[0]! + w1 * w1 * x * x * v[1]!, 14);
});

it('matches the softmax cross-entropy gradient p − y for a single linear layer', () => {
  const net = buildNetwork({
    widths: [1, 3],
    act: { kind: 'linear' },
    norm: 'none',
    affine: false,
    loss: 'ce',
    bias: true,
  });
  const theta = Float64Array.of(0.5, -1, 2, 0.1, 0.2, -0.3); // W (3×1), b (3)
  const batch = { X: mat(1, 1, Float64Array.of(1.5)), Y: mat(1, 3, Float64Array.of(0, 1, 0)) };
  const z = [0.5 * 1.5 + 0.1, -1 * 1.5 + 0.2, 2 * 1.5 - 0.3];
  const se = z.reduce((s, t) => s + Math.exp(t), 0);
  const p = z.map((t) => Math.exp(t) / se);
  const e = evaluate(net, theta, batch);
  expect(e.loss).toBeCloseTo(Math.log(se) - z[1]!, 14);
  [p[0]!, p[1]! - 1, p[2]!].forEach((gz, k) => {
    expect(e.grad[k]).toBeCloseTo(gz * 1.5, 14);
    expect(e.grad[3 + k]).toBeCloseTo(gz, 14);
  });
});

test.prop([fc.integer()], { numRuns: 150 })(
  'the rounding bounds dominate: |g_i| ≤ Σ |contributions to g_i| and |(Hv)_i| ≤ Σ |contributions to (Hv)_i|',
  (seed) => {
    const r = rng(seed);
    const spec = sampleSpec(r);
    const net = buildNetwork(spec);
    const theta = sampleParams(net, r);
    const batch = sampleBatch(spec, 2 + r.int(5), r);
    const e = tryEvaluate(net, theta, batch, sampleDirection(net.size, r), { bound: true });
    fc.pre(e !== undefined);
    e!.grad.forEach((g, i) => expect(Math.abs(g)).toBeLessThanOrEqual(e!.gradBound![i]! * (1 + 1e-12)));
    e!.hv!.forEach((h, i) => expect(Math.abs(h)).toBeLessThanOrEqual(e!.hvBound![i]! * (1 + 1e-12)));
  },
);
