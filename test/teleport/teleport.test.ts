/**
 * Teleportation against independent computations: the rescale orbit built by hand (a row and a
 * column scaled by e^a, e^{−a}), the ascent direction against central finite differences of ‖∇L‖²,
 * the charge jump against its closed form, and negative twins that are not symmetries.
 */
import { buildNetwork, blockOf, evaluate, type Network } from '../../numeric/mlp';
import { rng } from '../../numeric/rng';
import { gather } from '../../numeric/sites';
import { sampleBatch, sampleParams } from '../../numeric/sample';
import { archSpec } from '../../src/arch';
import { loadCatalog } from '../../src/catalog';
import { loadDeclarationFile } from '../../src/declaration/load';
import type { BlockDeclaration } from '../../src/declaration/types';
import { deriveBlock } from '../../src/derive/block';
import { loadDataset } from '../../src/report/data';
import { parseRule } from '../../src/rules/rule';
import { orbitOf, sparseDot, teleport, teleportExperiment, ORBIT_TOLERANCE } from '../../src/teleport';

const block = (name: string): BlockDeclaration => loadCatalog(name) as BlockDeclaration;
const normSq = (x: Float64Array): number => x.reduce((s, v) => s + v * v, 0);

/** θ with hidden unit k of layer 1 rescaled by hand: row k of W1 and b1[k] by e^a, column k of W2 by e^{−a}. */
function rescaledByHand(net: Network, theta: Float64Array, k: number, a: number): Float64Array {
  const out = Float64Array.from(theta);
  const [W1, b1, W2] = [blockOf(net, 'W1'), blockOf(net, 'b1'), blockOf(net, 'W2')];
  for (let j = 0; j < W1.cols; j++)
    out[W1.offset + k * W1.cols + j] = Math.exp(a) * theta[W1.offset + k * W1.cols + j]!;
  out[b1.offset + k] = Math.exp(a) * theta[b1.offset + k]!;
  for (let i = 0; i < W2.rows; i++)
    out[W2.offset + i * W2.cols + k] = Math.exp(-a) * theta[W2.offset + i * W2.cols + k]!;
  return out;
}

describe('the rescale orbit of a ReLU network', () => {
  const decl = block('rescale');
  const net = buildNetwork(archSpec('4-6-3:relu:ce'));
  const orbit = orbitOf(decl, deriveBlock(decl), net, 1);
  const r = rng(11);
  const theta = sampleParams(net, r);
  const batch = sampleBatch(net.spec, 32, r);

  it('applies the declared action: the same θ as scaling a row and a column by hand, and the same loss', () => {
    expect(orbit.sites).toHaveLength(6);
    for (const [k, a] of [
      [0, 0.3],
      [4, -0.7],
    ] as const) {
      const th = Float64Array.from(theta);
      orbit.act(k, th, a);
      const hand = rescaledByHand(net, theta, k, a);
      th.forEach((x, i) => expect(x).toBeCloseTo(hand[i]!, 14));
      const [l0, l1] = [evaluate(net, theta, batch).loss, evaluate(net, hand, batch).loss];
      expect(Math.abs(l1 - l0) / l0).toBeLessThan(ORBIT_TOLERANCE);
    }
  });

  it('ascends ‖∇L‖²: d/da_s ‖∇L(ψ_s(θ, a))‖² = 2⟨H∇L, X_s⟩ at 0, vs central differences', () => {
    const e = evaluate(net, theta, batch);
    const hg = evaluate(net, theta, batch, Float64Array.from(e.grad)).hv!;
    const h = 1e-5;
    for (let s = 0; s < orbit.sites.length; s++) {
      const exact = 2 * sparseDot(orbit.generator(s, theta), hg);
      const at = (a: number): number => normSq(evaluate(net, rescaledByHand(net, theta, s, a), batch).grad);
      const fd = (at(h) - at(-h)) / (2 * h);
      expect(Math.abs(fd - exact)).toBeLessThan(1e-6 * (Math.abs(exact) + normSq(e.grad)));
    }
  });

  it('raises ‖∇L‖², keeps the loss, and moves each charge by its closed form', () => {
    const t = teleport(orbit, theta, batch, { steps: 4, maxStep: 0.3 });
    expect(t.step.broken).toBeUndefined();
    expect(t.step.steps).toBeGreaterThan(0);
    expect(t.step.gradNormSqAfter).toBeGreaterThan(t.step.gradNormSqBefore);
    expect(t.step.worstLoss).toBeLessThan(ORBIT_TOLERANCE);
    // The teleported θ is the hand-built product of per-unit rescalings by the applied moves.
    let hand = theta;
    t.step.moves.forEach((a, k) => (hand = rescaledByHand(net, hand, k, a)));
    t.theta.forEach((x, i) => expect(Math.abs(x - hand[i]!)).toBeLessThan(1e-12 * (1 + Math.abs(x))));
    // ΔQ = ½(e^{2a} − 1)‖w_in‖² − ½(e^{−2a} − 1)‖w_out‖² per unit
    // (one hidden layer: units do not overlap).
    const [W1, b1, W2] = [blockOf(net, 'W1'), blockOf(net, 'b1'), blockOf(net, 'W2')];
    t.step.moves.forEach((a, k) => {
      let win = theta[b1.offset + k]! ** 2;
      for (let j = 0; j < W1.cols; j++) win += theta[W1.offset + k * W1.cols + j]! ** 2;
      let wout = 0;
      for (let i = 0; i < W2.rows; i++) wout += theta[W2.offset + i * W2.cols + k]! ** 2;
      const closed = 0.5 * Math.expm1(2 * a) * win - 0.5 * Math.expm1(-2 * a) * wout;
      const scale = 0.5 * (win + wout) * (1 + Math.exp(2 * Math.abs(a)));
      expect(Math.abs(t.step.charges!.predicted[k]! - closed)).toBeLessThan(1e-12 * scale);
      expect(Math.abs(t.step.charges!.observed[k]! - closed)).toBeLessThan(1e-12 * scale);
    });
  });
});

describe('overlapping sites (two hidden layers share W2)', () => {
  it('predicts each unit’s charge jump with the other layer’s moves included', () => {
    const decl = block('rescale');
    const net = buildNetwork(archSpec('3-4-5-2:leaky:mse'));
    const orbit = orbitOf(decl, deriveBlock(decl), net, 1);
    const r = rng(5);
    const theta = sampleParams(net, r);
    const t = teleport(orbit, theta, sampleBatch(net.spec, 16, r), { steps: 3 });
    expect(t.step.steps).toBeGreaterThan(0);
    const c = t.step.charges!;
    expect(Math.max(...c.relative)).toBeLessThan(1e-12);
    // Each unit's own closed form, ignoring the other layer's moves, misses the observed jump.
    const own = t.step.moves.map((a, s) => {
      const v = orbit.sites[s]!.site.views;
      const sq = (name: string): number => normSq(gather(theta, v[name]!));
      return 0.5 * Math.expm1(2 * a) * sq('w_in') - 0.5 * Math.expm1(-2 * a) * sq('w_out');
    });
    const miss = c.observed.map((o, s) => Math.abs(o - own[s]!) / (Math.abs(o) + 1e-300));
    expect(Math.max(...miss)).toBeGreaterThan(1e-3);
  });
});

describe('negative twins: no teleport along a map that is not a symmetry', () => {
  it('refuses rescale-wrong-exponent on a ReLU network, naming the site and group element', () => {
    const decl = loadDeclarationFile('examples/rescale-wrong-exponent.yaml') as BlockDeclaration;
    const net = buildNetwork(archSpec('4-6-3:relu:ce'));
    const orbit = orbitOf(decl, deriveBlock(decl), net, 1);
    const r = rng(3);
    const theta = sampleParams(net, r);
    const t = teleport(orbit, theta, sampleBatch(net.spec, 32, r));
    expect(t.step.broken).toBeDefined();
    expect(t.step.broken!.relative).toBeGreaterThan(1e-6);
    expect(t.step.broken!.site).toMatch(/^layer 1, unit \d$/);
    expect(t.theta).toEqual(theta);
  });

  it('the experiment reports the refutation and measures no speed-up', () => {
    const decl = loadDeclarationFile('examples/rescale-wrong-exponent.yaml') as BlockDeclaration;
    const rep = teleportExperiment(decl, {
      spec: archSpec('4-6-3:relu:ce'),
      arch: '4-6-3:relu:ce',
      rule: parseRule('sgd(lr=0.05)'),
      data: { kind: 'sampled', rows: 32 },
      seed: 2,
      runs: 3,
      steps: 20,
      every: 10,
    });
    expect(rep.verdict.kind).toBe('refuted');
    expect(rep.laws[0]!.verdict).toMatchObject({
      kind: 'refuted',
      counterexample: { kind: 'sample', seed: 2 },
    });
    expect(rep.runs).toHaveLength(0);
    expect(rep.speedup.kind).toBe('none');
  });

  it('a tanh network has no rescale sites: refused as input', () => {
    const net = buildNetwork(archSpec('4-6-3:tanh:ce'));
    expect(() => orbitOf(block('rescale'), deriveBlock(block('rescale')), net, 1)).toThrow(/has none/);
  });
});

describe('other orbits', () => {
  it('translation: ‖∇L‖² is constant along the orbit, so no ascent step is accepted', () => {
    const decl = block('translation');
    const net = buildNetwork(archSpec('4-5-3:relu:ce'));
    const orbit = orbitOf(decl, deriveBlock(decl), net, 1);
    const r = rng(8);
    const t = teleport(orbit, sampleParams(net, r), sampleBatch(net.spec, 16, r));
    expect(t.step.steps).toBe(0);
    expect(t.step.worstLoss).toBeLessThan(ORBIT_TOLERANCE);
  });

  it('scale before BatchNorm: the loss is unchanged and the charge jump matches ½(e^{2a} − 1)‖θ‖²', () => {
    const decl = block('scale');
    const net = buildNetwork(archSpec('3-4-2:relu:batch:mse'));
    const orbit = orbitOf(decl, deriveBlock(decl), net, 1);
    const r = rng(4);
    const theta = sampleParams(net, r);
    const t = teleport(orbit, theta, sampleBatch(net.spec, 16, r));
    expect(t.step.broken).toBeUndefined();
    expect(t.step.worstLoss).toBeLessThan(ORBIT_TOLERANCE);
    t.step.moves.forEach((a, s) => {
      const q = orbit.charge(s, theta)!.value; // ½‖θ_s‖²
      expect(Math.abs(t.step.charges!.observed[s]! - Math.expm1(2 * a) * q)).toBeLessThan(1e-12 * q * 4);
    });
  });
});

describe('the experiment on iris', () => {
  it('measures iterations to the threshold per seed; both laws verified', () => {
    const ds = loadDataset('iris');
    const rep = teleportExperiment(block('rescale'), {
      spec: archSpec('4-8-3:relu:ce'),
      arch: '4-8-3:relu:ce',
      rule: parseRule('sgd(lr=0.05)'),
      data: { kind: 'dataset', name: ds.name, source: ds.source, batch: ds.batch },
      seed: 1,
      runs: 3,
      steps: 60,
      every: 20,
    });
    expect(rep.laws.map((l) => [l.id, l.verdict.kind])).toEqual([
      ['orbit-invariance', 'numerically-verified'],
      ['charge-jump', 'numerically-verified'],
    ]);
    expect(rep.runs).toHaveLength(3);
    for (const run of rep.runs) {
      expect(run.teleports.map((t) => t.step)).toEqual([0, 20, 40]);
      // The threshold is plain descent's loss at step 30: plain reaches it there or before.
      expect(run.plain.iterations).not.toBeNull();
      expect(run.plain.iterations!).toBeLessThanOrEqual(30);
      expect(run.teleports[0]!.gradNormSqAfter).toBeGreaterThanOrEqual(run.teleports[0]!.gradNormSqBefore);
    }
    expect(rep.speedup.kind).toBe('measured');
  });
});
