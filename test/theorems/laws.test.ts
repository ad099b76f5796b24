/**
 * How many conservation laws gradient flow has, and which [MGP] — `noether laws` against closed
 * forms derived here, independently of the toolkit's computation (docs/theory.md §6):
 *
 * - Two-layer linear network x ↦ W₂W₁x (input m, hidden r, output n). Stack Z = [W₂ᵀ; W₁] (its r
 *   columns are vectors of ℝⁿ⁺ᵐ). The generating fields ∇(W₂W₁)ᵢⱼ are Z ↦ M Z for the symmetric
 *   block matrices M = [[0, A], [Aᵀ, 0]]; their brackets fill the Lie algebra so(n, m) of the
 *   form J = diag(Iₙ, −Iₘ), whose invariants on r vectors are the Gram matrix
 *   ZᵀJZ = W₂ᵀW₂ − W₁W₁ᵀ. Its entries are independent while r ≤ n + m: r(r+1)/2 laws; beyond,
 *   the Gram matrix has rank n + m
 *   and the symmetric r × r matrices of rank ≤ N = n + m form a set of dimension N·r − N(N−1)/2.
 *   Biases: the hidden bias is one more input column of W₁ (m → m + 1); the output bias adds a
 *   translation and no law.
 * - Two-layer ReLU (and leaky ReLU) network: one law per hidden unit,
 *   ‖W₁[k,:]‖² + b₁[k]² − ‖W₂[:,k]‖².
 * - Deep linear networks with no hidden layer wider than its two neighbours together: Σ rᵢ(rᵢ+1)/2.
 *   Outside that regime the count differs (in either direction), which is why the tool computes it.
 * - One neuron u·σ(v·x), σ(z) = zᵏ: φ = u vᵏ, one field (vᵏ, k u vᵏ⁻¹), and h = k u² − v² is
 *   its law; σ(z) = z + z² gives the fields of u v and u v², independent: no law.
 * - The shear of a rank-two factorisation: the three laws of u·w, one of them the charge of the shear's
 *   symmetric part.
 *
 * Each found law is also checked against gradients of real networks (numeric/mlp.ts, exact float64):
 * ⟨∇h, ∇L⟩ = 0 for random parameters, data and targets, to IDENTITY_TOLERANCE relative to ‖∇h‖‖∇L‖
 * (docs/theory.md §7), with a negative twin (a perturbed law) that must fail. Negative twins of models:
 * an extra term that breaks a law loses exactly that law.
 */
import { test, fc } from '@fast-check/jest';
import { lawsForArch, lawsForDeclaration } from '../../src/laws';
import { archFields } from '../../src/laws/fields';
import { searchLaws } from '../../src/laws/search';
import type { Poly } from '../../src/laws/poly';
import { archSpec } from '../../src/arch';
import { parseDeclarationText } from '../../src/declaration/load';
import type { ConcreteDeclaration } from '../../src/declaration/types';
import { buildNetwork, evaluate, type MlpSpec } from '../../numeric/mlp';
import { rng } from '../../numeric/rng';
import { IDENTITY_TOLERANCE } from '../../src/verdict';
import { polyGradient as gradientAt, sameSpan } from '../helpers/polyLaws';

/** The closed form for x ↦ W₂W₁x with input m, hidden r, output n (see above). */
function twoLayerLinear(m: number, r: number, n: number): number {
  const N = n + m;
  return r <= N ? (r * (r + 1)) / 2 : N * r - (N * (N - 1)) / 2;
}

describe('Two-layer linear networks: r(r+1)/2 laws while r ≤ n + m, N·r − N(N−1)/2 beyond [MGP]', () => {
  const grid: [number, number, number][] = [];
  for (let m = 1; m <= 3; m++) for (let r = 1; r <= 6; r++) for (let n = 1; n <= 3; n++) grid.push([m, r, n]);
  test.each(grid)('%i-%i-%i, no biases', (m, r, n) => {
    const rep = lawsForArch(`${m}-${r}-${n}:linear:nobias`);
    const expected = twoLayerLinear(m, r, n);
    expect(rep.upperBound).toBe(expected);
    expect(rep.lowerBound).toBe(expected);
    expect(rep.complete).toBe(true);
  });
  test.each([
    [4, 3, 5],
    [2, 4, 1],
    [1, 4, 2],
    [3, 5, 2],
  ])('%i-%i-%i with biases: the hidden bias is one more input', (m, r, n) => {
    const rep = lawsForArch(`${m}-${r}-${n}:linear`);
    expect(rep.upperBound).toBe(twoLayerLinear(m + 1, r, n));
    expect(rep.complete).toBe(true);
  });
  it('the laws found span the entries of W₂ᵀW₂ − W₁W₁ᵀ (4-3-5, no biases)', () => {
    const [m, r, n] = [4, 3, 5];
    const names = lawPolys(`${m}-${r}-${n}:linear:nobias`);
    // the closed-form laws as functions of θ (W1 is r × m, then W2 is n × r, row-major)
    const W1 = (t: Float64Array, k: number, i: number): number => t[k * m + i]!;
    const W2 = (t: Float64Array, j: number, k: number): number => t[r * m + j * r + k]!;
    const closed: ((t: Float64Array) => number)[] = [];
    for (let k = 0; k < r; k++)
      for (let l = k; l < r; l++)
        closed.push((t) => {
          let s = 0;
          for (let j = 0; j < n; j++) s += W2(t, j, k) * W2(t, j, l);
          for (let i = 0; i < m; i++) s -= W1(t, k, i) * W1(t, l, i);
          return s;
        });
    expect(sameSpan(names, closed, r * m + n * r)).toBe(true);
  });
});

describe('Two-layer ReLU and leaky ReLU networks: one law per hidden unit [MGP]', () => {
  const grid: [number, number, number][] = [];
  for (const m of [1, 2, 3]) for (let r = 1; r <= 9; r += 2) for (const n of [1, 3]) grid.push([m, r, n]);
  test.each(grid)('%i-%i-%i relu, with biases', (m, r, n) => {
    const rep = lawsForArch(`${m}-${r}-${n}:relu`);
    expect([rep.upperBound, rep.lowerBound, rep.complete]).toEqual([r, r, true]);
  });
  it('leaky ReLU has the same laws; so has zᵏ, whose law weighs the outgoing weights by k', () => {
    expect(lawsForArch('3-4-2:leaky:nobias').lowerBound).toBe(4);
    const poly = lawsForArch('3-2-2:poly3:nobias');
    expect(poly.complete).toBe(true);
    expect(poly.laws.map((l) => l.expression)).toEqual([
      'W1[1,1]^2 + W1[1,2]^2 + W1[1,3]^2 - 3*W2[1,1]^2 - 3*W2[2,1]^2',
      'W1[2,1]^2 + W1[2,2]^2 + W1[2,3]^2 - 3*W2[1,2]^2 - 3*W2[2,2]^2',
    ]);
  });
  it('the laws are the units’ balances ‖W₁[k,:]‖² + b₁[k]² − ‖W₂[:,k]‖²', () => {
    const [m, r, n] = [3, 4, 2];
    const polys = lawPolys(`${m}-${r}-${n}:relu`);
    // layout W1 (r × m), b1 (r), W2 (n × r), b2 (n)
    const closed = Array.from({ length: r }, (_, k) => (t: Float64Array): number => {
      let s = t[r * m + k]! ** 2;
      for (let i = 0; i < m; i++) s += t[k * m + i]! ** 2;
      for (let j = 0; j < n; j++) s -= t[r * m + r + j * r + k]! ** 2;
      return s;
    });
    expect(sameSpan(polys, closed, r * m + r + n * r + n)).toBe(true);
  });
});

describe('Deep ReLU networks: one law per hidden unit, from the activation regions met at a point', () => {
  test.each([
    ['3-3-3-2:relu', 6],
    ['2-3-3-2:leaky', 6],
    ['3-4-4-2:relu', 8],
    ['2-2-2-1:relu:nobias', 4],
  ])('%s: %i laws, proved complete', (spec, units) => {
    const rep = lawsForArch(spec);
    expect([rep.upperBound, rep.lowerBound, rep.complete]).toEqual([units, units, true]);
  });
  it('too few regions met (no biases, narrow input): the gap is reported, never a false "complete"', () => {
    const rep = lawsForArch('2-2-2-2-2:relu:nobias');
    expect(rep.lowerBound).toBe(6);
    expect(rep.complete).toBe(rep.upperBound === 6);
  });
});

describe('Review regressions: where a claim would have been wrong', () => {
  it('one input, no bias: every ReLU hyperplane is x = 0, so the count is local to a sign region, and says so', () => {
    // units of one sign act as one (relu(w x) = w relu(x) for w > 0): 1-2-1 has 3 laws where both
    // first-layer weights share a sign, 2 where they do not — no single global count exists
    const rep = lawsForArch('1-2-1:relu:nobias');
    expect(rep.scope).toMatch(/near the sampled point θ₀/);
    expect([2, 3]).toContain(rep.upperBound);
  });
  it('a higher --degree keeps a low-degree law as itself (not its square)', () => {
    const affine = concrete('affine', 'x*(u*w + u)', 'u, w', '  u: exp(a)*u\n  w: w + 0*a');
    const rep = lawsForDeclaration(affine, { degree: 4 });
    expect(rep.laws.map((l) => [l.expression, l.degree])).toEqual([['u^2 - w^2 - 2*w', 2]]);
  });
  it('a law whose coefficients are too large to reconstruct mod p is solved exactly on its support', () => {
    // φ = (u1 + 6001·u2)·w: the translation-like law 6001·u1 − u2 (coefficient above √(p/2)) and the
    // balance u1² + u2² − w²; linear symmetries: X_w = αw, X_u1 + 6001·X_u2 = −α(u1 + 6001·u2), X_u2
    // any affine function — dim g = 1 + 4 = 5
    const big = concrete('big', 'x*(u1 + 6001*u2)*w', 'u1, u2, w', '  u1: exp(a)*u1\n  u2: u2\n  w: w');
    const rep = lawsForDeclaration(big);
    expect(rep.laws.map((l) => l.expression)).toEqual(['6001*u1 - u2', 'u1^2 + u2^2 - w^2']);
    expect(rep.complete).toBe(true);
    expect(rep.symmetries).toMatchObject({ kind: 'found', dimension: 5, unconfirmed: 0 });
  });
});

describe('Deep linear networks: Σ rᵢ(rᵢ+1)/2 in the regime, something else outside it [MGP]', () => {
  test.each([
    ['2-2-2-2', 6],
    ['2-3-3-2', 12],
    ['3-2-3-2', 9],
    ['3-3-3-3', 12],
    ['3-2-2-2-3', 9],
    ['2-2-2-2-2-2', 12],
    ['3-4-4-3', 20],
  ])('%s: %i laws, complete', (w, expected) => {
    const rep = lawsForArch(`${w}:linear:nobias`);
    expect([rep.upperBound, rep.lowerBound, rep.complete]).toEqual([expected, expected, true]);
  });
  it('2-5-2-2 (a hidden layer wider than its neighbours together): the closed form 18 is wrong, 17 is proved', () => {
    const rep = lawsForArch('2-5-2-2:linear:nobias');
    const closedForm = 15 + 3;
    expect(rep.complete).toBe(true);
    expect(rep.upperBound).not.toBe(closedForm);
  });
  it('1-2-2-1 (one field only): 7 laws bound, 6 quadratic found — the gap is reported, exit-worthy', () => {
    const rep = lawsForArch('1-2-2-1:linear:nobias');
    // one field in 8 parameters: 7 independent invariants; quadratic ones are 6 (the two balances' entries)
    expect(rep.upperBound).toBe(7);
    expect(rep.lowerBound).toBe(6);
    expect(rep.complete).toBe(false);
    expect(rep.gap).toMatch(/1 more independent law may exist/);
  });
});

const concrete = (name: string, loss: string, params: string, action: string): ConcreteDeclaration =>
  parseDeclarationText(
    `name: ${name}\nkind: concrete\ndescription: test\nparameters: [${params}]\ndata: [x, y]\n` +
      `group: a\nloss: ${loss}\naction:\n${action}\n`,
    name,
  ) as ConcreteDeclaration;

describe('One neuron u·σ(v·x): a law exists exactly when σ is homogeneous [MGP]', () => {
  test.each([1, 2, 3, 5])('σ(z) = z^%i: the law k·u² − v²', (k) => {
    const scaling = `  u: exp(-${k}*a)*u\n  v: exp(a)*v`;
    const rep = lawsForDeclaration(concrete(`neuron${k}`, `(y - u*(v*x)^${k})^2`, 'u, v', scaling));
    expect(rep.complete).toBe(true);
    expect(rep.laws.map((l) => l.expression)).toEqual([k === 1 ? 'u^2 - v^2' : `${k}*u^2 - v^2`]);
    // the declared scaling is the symmetry behind it: its charge explains the law
    expect(rep.declared).toMatchObject({ kind: 'compared', explained: 1, unexplained: [] });
  });
  test.each(['v*x + (v*x)^2', '(v*x)^2 + (v*x)^3', 'v*x + (v*x)^3'])('σ(v·x) = %s: no law, proved', (s) => {
    const rep = lawsForDeclaration(
      concrete('mixed', `(y - u*(${s}))^2`, 'u, v', '  u: exp(-a)*u\n  v: exp(a)*v'),
    );
    expect([rep.upperBound, rep.lowerBound, rep.complete]).toEqual([0, 0, true]);
    expect(rep.declared).toMatchObject({
      generators: [{ obstruction: expect.stringMatching(/not a symmetry/) }],
    });
  });
});

describe('The shear of a factorisation: no charge of its own, three laws, one from its symmetric part', () => {
  const shear = concrete(
    'shear',
    '(y - x*(u1*w1 + u2*w2))^2',
    'u1, u2, w1, w2',
    '  u1: u1 + a*u2\n  u2: u2\n  w1: w1\n  w2: w2 - a*w1',
  );
  it('three laws, complete; the declared shear explains one (u1·u2 − w1·w2)', () => {
    const rep = lawsForDeclaration(shear);
    expect([rep.upperBound, rep.lowerBound, rep.complete]).toEqual([3, 3, true]);
    const d = rep.declared!;
    expect(d.kind).toBe('compared');
    if (d.kind !== 'compared') return;
    expect(d.generators[0]!.charge).toBeUndefined();
    expect(d.generators[0]!.symmetricPart).toEqual({ symmetry: true, charge: 'u1*u2 - w1*w2' });
    expect(d.explained).toBe(1);
    expect(d.unexplained).toHaveLength(2);
    // the linear symmetries of u·w: gl(2) (u ↦ Gu, w ↦ G⁻ᵀw) and the two rotations mixing u with w
    expect(rep.symmetries.kind === 'found' && rep.symmetries.dimension).toBe(6);
  });
  it('negative twin: a data term in u2·w2 breaks u1·u2 − w1·w2 and only it', () => {
    const rescale1 = '  u1: exp(a)*u1\n  w1: exp(-a)*w1';
    const twinDecl = concrete('twin', '(y - x*(u1*w1 + u2*w2))^2 + y*x^2*u2*w2', 'u1, u2, w1, w2', rescale1);
    const twin = lawsForDeclaration(twinDecl);
    expect([twin.upperBound, twin.lowerBound, twin.complete]).toEqual([2, 2, true]);
    // the two per-unit balances survive (as laws of the twin, up to the basis the search picks)
    const polys = lawPolysOfDeclaration(twinDecl);
    const balances = [
      (v: Float64Array) => v[0]! ** 2 - v[2]! ** 2,
      (v: Float64Array) => v[1]! ** 2 - v[3]! ** 2,
    ];
    expect(sameSpan(polys, balances, 4)).toBe(true);
    const broken = (v: Float64Array): number => v[0]! * v[1]! - v[2]! * v[3]!;
    expect(sameSpan(polys, [...balances, broken], 4)).toBe(false);
  });
});

describe('Every law found holds on real networks: ⟨∇h, ∇L⟩ = 0 with exact float64 gradients', () => {
  const arch = fc.record({
    widths: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 4 }),
    act: fc.constantFrom('linear', 'relu', 'leaky', 'poly2'),
    bias: fc.boolean(),
    seed: fc.integer({ min: 1, max: 1e6 }),
  });
  test.prop([arch], { numRuns: 25 })('sampled architectures, random θ, data and targets', (a) => {
    const widths = a.widths;
    const spec = `${widths.join('-')}:${a.act}:${a.bias ? 'bias' : 'nobias'}`;
    const polys = lawPolys(spec);
    const net = buildNetwork({ ...archSpec(`${spec}:mse`), loss: 'mse' } as MlpSpec);
    const r = rng(a.seed);
    const theta = Float64Array.from({ length: net.size }, () => r.normal());
    const B = 5;
    const batch = {
      X: { rows: B, cols: widths[0]!, data: Float64Array.from({ length: B * widths[0]! }, () => r.normal()) },
      Y: {
        rows: B,
        cols: widths[widths.length - 1]!,
        data: Float64Array.from({ length: B * widths[widths.length - 1]! }, () => r.normal()),
      },
    };
    const g = evaluate(net, theta, batch).grad;
    for (const h of polys) {
      expect(relativePairing(h, theta, g)).toBeLessThanOrEqual(IDENTITY_TOLERANCE);
      // negative twin: the law plus θ₀² is not conserved (unless the gradient is orthogonal to it too)
      const twin = new Map(h);
      twin.set('0,0', { m: [0, 0], c: { n: (h.get('0,0')?.c.n ?? 0n) + 1n, d: 1n } });
      if (Math.abs(theta[0]! * g[0]!) > 1e-6 * norm(g) * Math.abs(theta[0]!))
        expect(relativePairing(twin, theta, g)).toBeGreaterThan(IDENTITY_TOLERANCE);
    }
  });
});

describe('Momentum θ̈ + θ̇ = −∇L: no law left for ReLU, fewer for linear networks [MGP24]', () => {
  test.each([
    ['2-2-1', 'relu:nobias'],
    ['3-2-2', 'relu'],
    ['2-3-2', 'leaky'],
    ['2-1-2', 'linear:nobias'],
  ])('%s %s: zero laws, proved (the Lie algebra fills phase space)', (w, rest) => {
    const rep = lawsForArch(`${w}:${rest}`, { flow: 'momentum' });
    expect([rep.upperBound, rep.lowerBound, rep.complete]).toEqual([0, 0, true]);
  });
  // Two-layer linear networks of these shapes: the time-dependent charges e^t⟨θ̇, Kθ⟩ of the damped
  // Lagrangian e^t(½|θ̇|² − L) for the hidden layer's rotations K ∈ so(r) — r(r−1)/2 of the r(r+1)/2
  // gradient-flow laws survive (a symmetric generator does not preserve the kinetic term).
  test.each([
    [2, 2, 2],
    [3, 3, 3],
    [2, 3, 4],
    [4, 3, 5],
  ])('%i-%i-%i linear: r(r−1)/2 laws, proved complete', (m, r, n) => {
    const rep = lawsForArch(`${m}-${r}-${n}:linear:nobias`, { flow: 'momentum' });
    const expected = (r * (r - 1)) / 2;
    expect([rep.upperBound, rep.lowerBound, rep.complete]).toEqual([expected, expected, true]);
    expect(lawsForArch(`${m}-${r}-${n}:linear:nobias`).upperBound).toBeGreaterThan(expected);
  });
  it('each momentum law is constant along a real network’s lifted flow (v, −v − ∇L, s)', () => {
    const spec = '2-3-2:linear:bias';
    const src = archFields(archSpec(`${spec}:mse`));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { momentumFields } = require('../../src/laws/momentum') as typeof import('../../src/laws/momentum');
    const lifted = momentumFields(src);
    const theta0 = lifted.names.map((_, i) => 11 + 7 * i * i);
    const s = searchLaws(lifted.fields, lifted.names.length, 3, theta0);
    if (s.kind !== 'searched') throw new Error('search skipped');
    expect(s.laws).toHaveLength(3);
    const net = buildNetwork({ ...archSpec(`${spec}:mse`), loss: 'mse' } as MlpSpec);
    const r = rng(5);
    for (let trial = 0; trial < 5; trial++) {
      const theta = Float64Array.from({ length: net.size }, () => r.normal());
      const v = Float64Array.from({ length: net.size }, () => r.normal());
      const sv = Math.exp(r.normal());
      const B = 4;
      const batch = {
        X: { rows: B, cols: 2, data: Float64Array.from({ length: 2 * B }, () => r.normal()) },
        Y: { rows: B, cols: 2, data: Float64Array.from({ length: 2 * B }, () => r.normal()) },
      };
      const g = evaluate(net, theta, batch).grad;
      const z = Float64Array.from([...theta, ...v, sv]);
      const flow = Float64Array.from([...v, ...v.map((x, i) => -x - g[i]!), sv]);
      for (const h of s.laws)
        expect(relativePairing(h.poly, z, flow)).toBeLessThanOrEqual(IDENTITY_TOLERANCE);
      // negative twin: the same law without its time factor is not conserved
      const untimed = new Map(
        [...s.laws[0]!.poly].map(([k, t]) => [k, { ...t, m: t.m.filter((x) => x !== z.length - 1) }]),
      );
      expect(relativePairing(untimed, z, flow)).toBeGreaterThan(IDENTITY_TOLERANCE);
    }
  });
});

// ---------------------------------------------------------------- helpers (independent of src/laws)

function lawPolys(spec: string): Poly[] {
  const src = archFields(archSpec(`${spec}:mse`));
  const r = rng(7);
  const theta = src.names.map(() => 1 + Math.floor(r.next() * 1e7));
  const s = searchLaws(src.verify ?? src.fields, src.names.length, 2, theta);
  if (s.kind !== 'searched') throw new Error('search skipped');
  return s.laws.map((l) => l.poly);
}

function lawPolysOfDeclaration(d: ConcreteDeclaration): Poly[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { concreteFields } = require('../../src/laws/fields') as typeof import('../../src/laws/fields');
  const src = concreteFields(d);
  const theta = src.names.map((_, i) => 1000 + 37 * i * i);
  const s = searchLaws(src.verify ?? src.fields, src.names.length, 2, theta);
  if (s.kind !== 'searched') throw new Error('search skipped');
  return s.laws.map((l) => l.poly);
}

const norm = (v: Float64Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

function relativePairing(h: Poly, t: Float64Array, g: Float64Array): number {
  const gh = gradientAt(h, t);
  const dotp = gh.reduce((s, x, i) => s + x * g[i]!, 0);
  const scale = gh.reduce((s, x, i) => s + Math.abs(x * g[i]!), 0);
  return scale === 0 ? 0 : Math.abs(dotp) / scale;
}
