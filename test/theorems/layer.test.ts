/**
 * Layer-level laws [GU; NM §3] (docs/theory.md §5.1): the layer-wide rescaling of a homogeneous hidden
 * layer, its charge as the sum of the per-unit rescale charges, and what the charges imply for the
 * layer norms along gradient flow (with weight decay λ: C_i(t) = e^{−2λt}C_i(0)). The laws are the
 * toolkit's derivation of catalog/layer-balance.yaml; each is compared with quantities read from the
 * network's own blocks. Negative twins: a tanh layer, and the undecayed law under weight decay.
 *
 * Tolerances (docs/theory.md §7): identities to IDENTITY_TOLERANCE of their natural scale; a closed
 * form along an integrated flow to RTOL per accepted step of ‖θ(0)‖² + ‖θ(T)‖².
 */
import { test, fc } from '@fast-check/jest';
import { loadCatalog } from '../../src/catalog';
import { deriveBlock } from '../../src/derive/block';
import { lawResiduals } from '../../src/check/block';
import { WordEvaluator } from '../../src/check/bind';
import { siteBlocks } from '../../src/check/values';
import type { BlockDeclaration } from '../../src/declaration/types';
import { IDENTITY_TOLERANCE } from '../../src/verdict';
import { siteCase, NoSuchSite, type NetworkCase } from '../../numeric/arbitraries';
import { activation, blockOf, buildNetwork, evaluate, type MlpSpec, type Network } from '../../numeric/mlp';
import { siteGroups } from '../../numeric/sites';
import { sampleParams, sampleBatch } from '../../numeric/sample';
import { integrate } from '../../numeric/ode';
import { rng } from '../../numeric/rng';

const RTOL = 1e-10;
const decl = loadCatalog('layer-balance') as BlockDeclaration;
const d = deriveBlock(decl);
const charge = d.laws.find((l) => l.id === 'charge')!;
const rescale = loadCatalog('rescale') as BlockDeclaration;
const rescaleCharge = deriveBlock(rescale).laws.find((l) => l.id === 'charge')!;
const ev = new WordEvaluator();
const valueOf = (decl: BlockDeclaration, law: typeof charge, c: NetworkCase): number => {
  if (law.data.kind !== 'trace') throw new Error('a trace charge');
  return ev.trace(law.data.sum, { blocks: siteBlocks(decl, c, c.theta), consts: {}, scalars: {} }).value;
};
const sq = (net: Network, theta: Float64Array, name: string): number => {
  if (!net.blocks.some((b) => b.name === name)) return 0;
  const b = blockOf(net, name);
  let s = 0;
  for (let i = 0; i < b.rows * b.cols; i++) s += theta[b.offset + i]! ** 2;
  return s;
};
const unnormalised = siteCase('homogeneous-layer', { norms: ['none'] });

describe('layer balance: a homogeneous hidden layer rescaled as a whole [GU; NM §3]', () => {
  test.prop([unnormalised], { numRuns: 60 })(
    'the derived charge is ½(‖W_l‖² + ‖b_l‖² − ‖W_{l+1}‖²), the sum of the per-unit rescale charges',
    (c) => {
      const l = Number(/^layer (\d+)$/.exec(c.site.label)![1]);
      const direct =
        (sq(c.net, c.theta, `W${l}`) + sq(c.net, c.theta, `b${l}`) - sq(c.net, c.theta, `W${l + 1}`)) / 2;
      const units = siteGroups(c.net, 'hidden-unit').find((g) => g.place === c.site.label)!;
      let perUnit = 0;
      for (let k = 0; k < units.count; k++)
        perUnit += valueOf(rescale, rescaleCharge, { ...c, site: units.site(k) });
      const q = valueOf(decl, charge, c);
      const scale =
        (sq(c.net, c.theta, `W${l}`) + sq(c.net, c.theta, `b${l}`) + sq(c.net, c.theta, `W${l + 1}`)) / 2;
      expect(Math.abs(q - direct)).toBeLessThanOrEqual(IDENTITY_TOLERANCE * scale);
      expect(Math.abs(q - perUnit)).toBeLessThanOrEqual(IDENTITY_TOLERANCE * scale);
    },
  );

  describe('negative twins: these must fail', () => {
    it('no tanh network has a homogeneous-layer site (the site is refused)', () => {
      expect(() => siteCase('homogeneous-layer', { acts: ['tanh'] })).toThrow(NoSuchSite);
    });
    it('the same laws at the same views of a tanh network are refuted, far above rounding', () => {
      let worst = 0;
      const details = fc.check(
        fc.property(unnormalised, (c) => {
          const spec: MlpSpec = { ...c.spec, act: activation('tanh') };
          const r = lawResiduals(decl, d, { ...c, spec, net: buildNetwork(spec) });
          const x = r ? Math.max(...r.values()) : 0;
          worst = Math.max(worst, x);
          return x <= IDENTITY_TOLERANCE;
        }),
        { numRuns: 40, seed: 3 },
      );
      expect(details.failed).toBe(true);
      expect(worst).toBeGreaterThan(1e-6);
    });
  });
});

/** C_i = ‖W_i‖² + ‖b_i‖² − ‖W_{i+1}‖², and n_i = ‖W_i‖², read from θ. */
function norms(net: Network, theta: Float64Array): { C: number[]; n: number[]; beta: number[] } {
  const L = net.spec.widths.length - 1;
  const n = Array.from({ length: L }, (_, i) => sq(net, theta, `W${i + 1}`));
  const beta = Array.from({ length: L }, (_, i) => sq(net, theta, `b${i + 1}`));
  return { C: n.slice(0, -1).map((x, i) => x + beta[i]! - n[i + 1]!), n, beta };
}

/** θ(T) of θ̇ = −(∇L + λθ) on a sampled network, or undefined when the integrator does not reach T. */
function flow(spec: MlpSpec, seed: number, wd: number, T: number) {
  const net = buildNetwork(spec);
  const r = rng(seed);
  const theta0 = sampleParams(net, r);
  const batch = sampleBatch(spec, 5, r);
  const sol = integrate(
    (_, th) => evaluate(net, th, batch).grad.map((g, i) => -(g + wd * th[i]!)),
    theta0,
    0,
    T,
    {
      rtol: RTOL,
      atol: 1e-13,
      maxSteps: 3000,
    },
  );
  if (!sol.completed) return undefined;
  const scale = [...theta0, ...sol.y].reduce((s, x) => s + x * x, 0);
  return { net, before: norms(net, theta0), after: norms(net, sol.y), steps: sol.steps, scale };
}

const flowArb = fc.record({
  widths: fc.array(fc.integer({ min: 2, max: 4 }), { minLength: 4, maxLength: 6 }),
  act: fc.constantFrom('relu' as const, 'leaky' as const, 'linear' as const),
  bias: fc.boolean(),
  wd: fc.constantFrom(0, 0.1, 0.4),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
});
const specOf = (f: {
  widths: number[];
  act: 'relu' | 'leaky' | 'linear' | 'tanh';
  bias: boolean;
}): MlpSpec => ({
  widths: f.widths,
  act: activation(f.act),
  norm: 'none',
  affine: false,
  loss: 'mse',
  bias: f.bias,
});

describe('layer norms along gradient flow (with weight decay λ) [GU; NM §3]', () => {
  test.prop([flowArb], { numRuns: 8 })(
    'C_i(T) = e^{−2λT}C_i(0); ‖W_j‖² − ‖W_1‖² = Σ_{l<j}(‖b_l‖² − C_l); ' +
      '‖W_l‖² + ‖b_l‖² ≤ ‖W_L‖² + Σ_{m≥l} C_m',
    (f) => {
      const T = 0.5;
      const run = flow(specOf(f), f.seed, f.wd, T);
      fc.pre(run !== undefined); // a ReLU flow sliding along a kink: too stiff for the step budget
      const { before, after, steps, scale } = run!;
      const tol = RTOL * steps * scale;
      const e = Math.exp(-2 * f.wd * T);
      const L = after.n.length;
      for (let i = 0; i < L - 1; i++)
        expect(Math.abs(after.C[i]! - e * before.C[i]!)).toBeLessThanOrEqual(tol);
      for (let j = 1; j < L; j++) {
        let sum = 0;
        for (let l = 0; l < j; l++) sum += after.beta[l]! - e * before.C[l]!;
        expect(Math.abs(after.n[j]! - after.n[0]! - sum)).toBeLessThanOrEqual(tol);
      }
      // Without biases every layer is the first plus constants; the parameter norm with it.
      for (let l = 0; l < L - 1; l++) {
        let bound = after.n[L - 1]!;
        for (let m = l; m < L - 1; m++) bound += e * before.C[m]!;
        expect(after.n[l]! + after.beta[l]!).toBeLessThanOrEqual(bound + tol);
        if (!f.bias) expect(Math.abs(after.n[l]! - bound)).toBeLessThanOrEqual(tol);
      }
    },
  );

  describe('negative twins: these must fail', () => {
    it('for a tanh network the layer differences C_i drift along the flow, far beyond the tolerance', () => {
      const run = flow(specOf({ widths: [3, 4, 4, 2], act: 'tanh', bias: true }), 11, 0, 1)!;
      const drift = Math.max(...run.after.C.map((x, i) => Math.abs(x - run.before.C[i]!)));
      expect(drift).toBeGreaterThan(1e3 * RTOL * run.steps * run.scale);
    });
    it('under weight decay C_i is not conserved: it decays as e^{−2λT}', () => {
      const run = flow(specOf({ widths: [3, 4, 4, 2], act: 'linear', bias: false }), 11, 0.4, 1)!;
      const i = run.before.C.findIndex((x) => Math.abs(x) > 1e-3 * run.scale);
      expect(Math.abs(run.after.C[i]! - run.before.C[i]!)).toBeGreaterThan(
        1e3 * RTOL * run.steps * run.scale,
      );
      expect(Math.abs(run.after.C[i]! - Math.exp(-0.8) * run.before.C[i]!)).toBeLessThanOrEqual(
        RTOL * run.steps * run.scale,
      );
    });
  });
});
