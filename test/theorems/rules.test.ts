/**
 * How learning rules move charges [NM §3, NLD; docs/theory.md §3], derived by the toolkit from the charge
 * and the rule, and checked on trajectories of sampled networks with a random minibatch per step.
 * Coefficients are compared with docs/theory.md's formulas evaluated numerically; negative twins (the
 * recursion with (1 − ηλ) instead of (1 − ηλ)², a two-step recursion forced onto a quadratic
 * charge) must be refuted.
 */
import { fc } from '@fast-check/jest';
import { loadCatalog } from '../../src/catalog';
import { readDeclaration } from '../../src/declaration/load';
import { deriveBlock } from '../../src/derive/block';
import { deriveDynamics, type Dynamics, type DynamicsLaw } from '../../src/rules/dynamics';
import { checkTrajectories } from '../../src/check/trajectory';
import { measureOrder, measureMomentumOrder } from '../../src/check/order';
import { parseRule } from '../../src/rules/rule';
import { compile } from '../../src/expr/evaluate';
import { num, type Expr } from '../../src/expr/ast';
import type { BlockDeclaration } from '../../src/declaration/types';
import { IDENTITY_TOLERANCE } from '../../src/verdict';

const dyn = (name: string | BlockDeclaration, rule: string): { decl: BlockDeclaration; d: Dynamics } => {
  const decl = typeof name === 'string' ? (loadCatalog(name) as BlockDeclaration) : name;
  return { decl, d: deriveDynamics(decl, deriveBlock(decl), parseRule(rule)) };
};
const law = (d: Dynamics, id: DynamicsLaw['id']): DynamicsLaw => {
  const l = d.laws.find((x) => x.id === id);
  if (!l) throw new Error(`no ${id}: ${d.laws.map((x) => x.statement.text).join('; ')}`);
  return l;
};
const at = (e: Expr, vals: Record<string, number>): number =>
  compile(e, Object.keys(vals))(Object.values(vals));

describe('SGD with weight decay: exact one-step recursions, any minibatch [NM §3; derived]', () => {
  it.each(['rescale', 'scale', 'homogeneity', 'gl'])(
    '%s: Q_{k+1} = (1 − ηλ)² Q_k + η² Q₂(g_k) — coefficients equal docs/theory.md §3 (½-normalised)',
    (name) => {
      const { d } = dyn(name, 'sgd(lr=eta, wd=lambda)');
      const data = law(d, 'exact-recursion').data;
      if (data.kind !== 'recursion') throw new Error('recursion expected');
      fc.assert(
        fc.property(
          fc.double({ min: 1e-4, max: 1, noNaN: true }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          (eta, lambda) => {
            expect(at(data.cQ, { eta, lambda })).toBeCloseTo((1 - eta * lambda) ** 2, 12);
            expect(at(data.cG, { eta, lambda })).toBeCloseTo(eta * eta, 12);
          },
        ),
        { numRuns: 30 },
      );
    },
  );

  it('translation: s_{k+1} = (1 − ηλ) s_k', () => {
    const l = law(dyn('translation', 'sgd(lr=eta, wd=lambda)').d, 'exact-recursion');
    if (l.data.kind !== 'recursion') throw new Error('recursion expected');
    expect(at(l.data.cQ, { eta: 0.3, lambda: 0.2 })).toBeCloseTo(1 - 0.06, 14);
    expect(l.data.quadG).toEqual([]);
  });

  it.each(['rescale', 'scale', 'translation', 'homogeneity', 'gl'])(
    '%s: the recursion holds at every step of 100-step SGD trajectories to 1e-10',
    (name) => {
      const { decl, d } = dyn(name, 'sgd(lr=eta, wd=lambda)');
      const rep = checkTrajectories(decl, d, { runs: 3, steps: 100, seed: 3 });
      expect(rep.laws[0]!.verdict.kind).toBe('numerically-verified');
      if (rep.laws[0]!.verdict.kind === 'numerically-verified')
        expect(rep.laws[0]!.verdict.worstRelative).toBeLessThanOrEqual(IDENTITY_TOLERANCE);
    },
  );

  it('negative twin: the recursion with (1 − ηλ) instead of (1 − ηλ)² is refuted', () => {
    const { decl, d } = dyn('rescale', 'sgd(lr=0.03, wd=0.05)');
    const l = law(d, 'exact-recursion');
    if (l.data.kind !== 'recursion') throw new Error('recursion expected');
    const wrong: DynamicsLaw = {
      ...l,
      data: {
        ...l.data,
        cQ: {
          kind: 'add',
          terms: [
            { kind: 'num', value: '1' },
            {
              kind: 'mul',
              factors: [
                { kind: 'num', value: '-1' },
                { kind: 'sym', name: 'eta' },
                { kind: 'sym', name: 'lambda' },
              ],
            },
          ],
        },
      },
    };
    const rep = checkTrajectories(decl, { ...d, laws: [wrong] }, { runs: 3, steps: 20 });
    expect(rep.verdict.kind).toBe('refuted');
  });
});

describe('heavy-ball momentum [NM §3; derived]', () => {
  it('translation: s_{k+1} = (1 + β − η(1−d)λ) s_k − β s_{k−1}, exact on trajectories', () => {
    const { decl, d } = dyn('translation', 'momentum(lr=eta, beta=beta, dampening=d, wd=lambda)');
    const l = law(d, 'two-step-recursion');
    if (l.data.kind !== 'two-step') throw new Error('two-step expected');
    expect(at(l.data.cur, { eta: 0.1, beta: 0.9, d: 0.2, lambda: 0.05 })).toBeCloseTo(
      1 + 0.9 - 0.1 * 0.8 * 0.05,
      14,
    );
    expect(at(l.data.prev, { beta: 0.9 })).toBeCloseTo(-0.9, 14);
    const rep = checkTrajectories(decl, d, { runs: 3, steps: 100 });
    expect(rep.verdict.kind).toBe('numerically-verified');
  });

  it.each(['rescale', 'scale', 'gl'])('%s: no closed recursion for a quadratic charge, said so', (name) => {
    expect(law(dyn(name, 'momentum(lr=eta, beta=beta)').d, 'no-closed-recursion').statement.text).toMatch(
      /quadratic/,
    );
  });

  it('negative twin: a two-step recursion forced onto the quadratic scale charge is refuted', () => {
    const t = dyn('translation', 'momentum(lr=0.05, beta=0.9, wd=0.05)').d;
    const { decl, d } = dyn('scale', 'momentum(lr=0.05, beta=0.9, wd=0.05)');
    const rep = checkTrajectories(
      decl,
      { ...d, laws: [law(t, 'two-step-recursion')] },
      { runs: 3, steps: 30 },
    );
    expect(rep.verdict.kind).toBe('refuted');
  });
});

describe('preconditioning and Adam: kinetic symmetry breaking [NLD]', () => {
  it.each(['adam(lr=0.01)', 'precond(lr=0.02, wd=0.01)'])(
    'scale under %s: the charge moves, by exactly the breaking terms −η⟨X, u⟩ plus η² Q₂(u)',
    (rule) => {
      const { decl, d } = dyn('scale', rule);
      expect(law(d, 'per-step-identity').statement.text).toContain('⟨u_theta, theta⟩');
      const rep = checkTrajectories(decl, d, { runs: 3, steps: 100 });
      expect(rep.verdict.kind).toBe('numerically-verified');
      const { observed, breakingSum, secondOrderSum } = rep.drift!;
      expect(Math.abs(breakingSum)).toBeGreaterThan(1e-6); // the charge is not conserved
      expect(Math.abs(observed - breakingSum - secondOrderSum)).toBeLessThanOrEqual(
        1e-10 * (Math.abs(observed) + Math.abs(breakingSum) + Math.abs(secondOrderSum)),
      );
    },
  );
});

describe('gradient flow with weight decay [NM §3]', () => {
  it.each([
    ['rescale', 2],
    ['translation', 1],
    ['gl', 2],
  ] as const)('%s: dQ/dt = −%dλQ', (name, p) => {
    const l = law(dyn(name, 'gf(wd=lambda)').d, 'continuous-decay');
    if (l.data.kind !== 'decay') throw new Error('decay expected');
    expect(at(l.data.rate, { lambda: 0.37 })).toBeCloseTo(p * 0.37, 14);
  });
});

describe('a symmetry no catalog lists gets the same dynamics', () => {
  const cubic = readDeclaration({
    name: 'cubic',
    kind: 'block',
    group: 'a',
    sites: ['poly-unit'],
    blocks: { w_in: 'vector[n]', w_out: 'vector[m]' },
    action: { w_in: 'exp(a)*w_in', w_out: 'exp(-3*a)*w_out' },
  }) as BlockDeclaration;
  it('degree-3 homogeneity: Q = ½‖w_in‖² − (3/2)‖w_out‖² obeys the SGD recursion on z³ networks', () => {
    const { d } = dyn(cubic, 'sgd(lr=eta, wd=lambda)');
    expect(d.charge.statement).toBe('Q = 1/2 ‖w_in‖² - 3/2 ‖w_out‖²');
    const rep = checkTrajectories(cubic, d, { runs: 4, steps: 100, arch: { acts: ['poly'], degrees: [3] } });
    expect(rep.verdict.kind).toBe('numerically-verified');
  });
  it('negative twin: on z² networks (not a symmetry there) the same recursion is refuted', () => {
    const { d } = dyn(cubic, 'sgd(lr=0.02, wd=0.01)');
    expect(
      checkTrajectories(cubic, d, { runs: 4, steps: 30, arch: { acts: ['poly'], degrees: [2] } }).verdict
        .kind,
    ).toBe('refuted');
  });
});

describe('finite learning rates: continuous forms and their convergence order [NM §3]', () => {
  it(
    'the continuous form is the modified flow: dQ/dt = (−2λ − ηλ²) Q + η Q₂(g), ' +
      'translation (−λ − ηλ²/2) Q',
    () => {
      // Along θ̇ = −d − (η/2)(H + λ)d with the Hessian constraint: dQ/dt = −2λQ + ηQ₂(g) − ηλ²Q.
      const l = law(dyn('rescale', 'sgd(lr=eta, wd=lambda)').d, 'continuous-form');
      if (l.data.kind !== 'continuous') throw new Error('continuous expected');
      expect(at(l.data.rate, { eta: 0.1, lambda: 0.3 })).toBeCloseTo(-0.6 - 0.1 * 0.09, 14);
      expect(at(l.data.source, { eta: 0.1, lambda: 0.3 })).toBeCloseTo(0.1, 14);
      const t = law(dyn('translation', 'sgd(lr=eta, wd=lambda)').d, 'continuous-form');
      if (t.data.kind !== 'continuous') throw new Error('continuous expected');
      expect(at(t.data.rate, { eta: 0.1, lambda: 0.3 })).toBeCloseTo(-0.3 - (0.1 * 0.09) / 2, 14);
    },
  );

  it.each(['rescale', 'translation', 'gl'])(
    '%s: the rate matches the exact per-step decay ln(c_Q)/η to first order (error O(η²), not O(η))',
    (name) => {
      const { d } = dyn(name, 'sgd(lr=eta, wd=lambda)');
      const rec = law(d, 'exact-recursion');
      const cont = law(d, 'continuous-form');
      if (rec.data.kind !== 'recursion' || cont.data.kind !== 'continuous') throw new Error('kinds');
      const [cQ, rate] = [rec.data.cQ, cont.data.rate];
      const lambda = 0.7;
      const gap = (eta: number): number =>
        Math.abs(Math.log(at(cQ, { eta, lambda })) / eta - at(rate, { eta, lambda }));
      // Second order: halving η divides the gap by 4 (a first-order error would divide it by 2).
      expect(gap(0.02) / gap(0.01)).toBeCloseTo(4, 1);
      expect(gap(0.01) / gap(0.005)).toBeCloseTo(4, 1);
    },
  );

  it.each(['rescale', 'scale', 'translation', 'homogeneity', 'gl'])(
    '%s: GD − gradient flow shrinks by 2 and GD − modified flow by 4 as η halves (measured)',
    (name) => {
      const { decl, d } = dyn(name, 'sgd(lr=eta, wd=lambda)');
      const o = measureOrder(decl, d, { seed: 1 })!;
      expect(o).toBeDefined();
      const measured = (xs: readonly (number | null)[]): number[] =>
        xs.filter((x): x is number => x !== null);
      expect(measured(o.flowRatios).length).toBeGreaterThan(0);
      expect(measured(o.modifiedRatios).length).toBeGreaterThan(0);
      for (const x of measured(o.flowRatios)) expect(Math.abs(x - 2)).toBeLessThan(0.3);
      for (const x of measured(o.modifiedRatios)) expect(Math.abs(x - 4)).toBeLessThan(0.6);
    },
  );
});

describe('heavy-ball momentum, continuous limit [NM §3; derived]', () => {
  it(
    'quadratic charges obey Q̈ + 2γQ̇ + ω²Q = 2Q₂(θ̇) with m = η(1−d)(1+β)/2, γ = (1−β)/2m, ω² = ' +
      '2λ/m; linear charges ω² = λ/m',
    () => {
      const vals = { eta: 0.1, d: 0.2, beta: 0.8, lambda: 0.03 };
      const m = (0.1 * 0.8 * 1.8) / 2;
      for (const [name, p] of [
        ['rescale', 2],
        ['translation', 1],
      ] as const) {
        const l = law(dyn(name, 'momentum(lr=eta, beta=beta, dampening=d, wd=lambda)').d, 'oscillator');
        if (l.data.kind !== 'oscillator') throw new Error('oscillator expected');
        expect(at(l.data.m, vals)).toBeCloseTo(m, 14);
        expect(at(l.data.gamma, vals)).toBeCloseTo((1 - 0.8) / (2 * m), 12);
        expect(at(l.data.omega2, vals)).toBeCloseTo((p * 0.03) / m, 12);
        expect(l.data.quadV.length > 0).toBe(p === 2);
      }
    },
  );

  it.each(['rescale', 'scale', 'translation', 'gl'])(
    '%s: discrete heavy-ball approaches the oscillator limit at second order (measured ratio ≈ 4 as η halves)',
    (name) => {
      const { decl, d } = dyn(name, 'momentum');
      const o = measureMomentumOrder(decl, d, { seed: 1 })!;
      const measured = o.modifiedRatios.filter((x): x is number => x !== null);
      expect(measured.length).toBeGreaterThan(0);
      for (const x of measured) expect(Math.abs(x - 4)).toBeLessThan(0.8);
    },
  );
});

describe('normalisation as adaptive optimisation [NLD; derived]', () => {
  it(
    'scale invariance: ρ²_{k+1} = (1−ηλ)²ρ²_k + η²‖ĝ‖²/ρ²_k, ' +
      'steady state ρ⁴ = η‖ĝ‖²/(λ(2 − ηλ)); ' +
      'not derived for rescale',
    () => {
      const l = law(dyn('scale', 'sgd(lr=eta, wd=lambda)').d, 'normalisation');
      if (l.data.kind !== 'normalisation') throw new Error('normalisation expected');
      expect(at(l.data.steady!, { eta: 0.05, lambda: 0.02 })).toBeCloseTo(0.05 / (0.02 * (2 - 0.001)), 10);
      expect(dyn('rescale', 'sgd(lr=eta, wd=lambda)').d.laws.some((x) => x.id === 'normalisation')).toBe(
        false,
      );
    },
  );

  it('g(θ/ρ) = ρ·g(θ) holds at every SGD step at BatchNorm and LayerNorm sites', () => {
    const { decl, d } = dyn('scale', 'sgd(lr=0.05, wd=0.05)');
    const rep = checkTrajectories(decl, d, { runs: 3, steps: 60 });
    const n = rep.laws.find((x) => x.id === 'normalisation')!;
    expect(n.verdict.kind).toBe('numerically-verified');
    expect(rep.steadyState).toBeDefined();
  });

  it('negative twin: the same homogeneity claimed at hidden units (rescale) is refuted', () => {
    const s = dyn('scale', 'sgd(lr=0.05, wd=0.05)').d;
    const { decl, d } = dyn('rescale', 'sgd(lr=0.05, wd=0.05)');
    const rep = checkTrajectories(decl, { ...d, laws: [law(s, 'normalisation')] }, { runs: 3, steps: 5 });
    expect(rep.verdict.kind).toBe('refuted');
  });
});

describe('constant preconditioning: the G-weighted charge [NLD]', () => {
  it.each(['rescale', 'gl'])(
    "%s: Q_G = Σ γ_B Q_B is conserved by θ̇ = −G⁻¹∇L to the integrator's tolerance, " +
      'while the plain charge drifts',
    (name) => {
      const { decl, d } = dyn(name, 'precond(lr=0.02)');
      expect(law(d, 'metric-charge').statement.text).toContain('gamma_');
      const rep = checkTrajectories(decl, d, { runs: 3, steps: 20 });
      const m = rep.metricCharge!;
      expect(m.weighted.relative).toBeLessThanOrEqual(1e-10 * m.weighted.steps);
      expect(m.unweighted.relative).toBeGreaterThan(1e3 * 1e-10 * m.unweighted.steps);
    },
  );
});

describe("numeric hyper-parameters in a rule's derivation [NM]", () => {
  const numbers = (text: string): number[] => (text.match(/-?\d+(\.\d+)?(e-?\d+)?/g) ?? []).map(Number);

  it('wd = 0 derives the pure-GD law: Q_{k+1} = Q_k + η²Q₂(g), dQ/dt = ηQ₂(g), no decay', () => {
    const { d } = dyn('scale', 'sgd(lr=0.1, wd=0)');
    const rec = law(d, 'exact-recursion');
    if (rec.data.kind !== 'recursion') throw new Error('recursion expected');
    // Independently of the printing: the coefficients at any η are those of λ = 0.
    for (const eta of [0.1, 0.37, 2]) {
      expect(at(rec.data.cQ, { eta })).toBe(1);
      expect(at(rec.data.cG, { eta })).toBeCloseTo(eta * eta, 14);
    }
    expect(rec.atValues?.text).toMatch(/^Q_\{k\+1\} = Q_k \+ /);
    expect(numbers(rec.atValues!.text.split('=')[1]!)).toContain(0.01);
    const cont = law(d, 'continuous-form');
    if (cont.data.kind !== 'continuous') throw new Error('continuous form expected');
    expect(at(cont.data.rate, { eta: 0.3 })).toBe(0);
    expect(at(cont.data.source, { eta: 0.3 })).toBeCloseTo(0.3, 14);
  });

  it('gradient flow with wd = 0 conserves the charge: rate exactly 0, stated as conserved', () => {
    const l = law(dyn('rescale', 'gf(wd=0)').d, 'continuous-decay');
    if (l.data.kind !== 'decay') throw new Error('decay expected');
    expect(at(l.data.rate, {})).toBe(0);
    expect(l.statement.text).toMatch(/conserved/);
    const decays = law(dyn('rescale', 'gf(wd=0.1)').d, 'continuous-decay');
    if (decays.data.kind !== 'decay') throw new Error('decay expected');
    // D_θ Q = 2Q for the quadratic charge: rate 2λ.
    expect(at(decays.data.rate, {})).toBeCloseTo(0.2, 15);
  });

  it('gradient flow with weight decay: Q(T) = e^{−2λT}Q(0) on the integrated flow; a wrong rate is refuted', () => {
    const { decl, d } = dyn('rescale', 'gf(wd=0.1)');
    const rep = checkTrajectories(decl, d, { runs: 3 });
    expect(rep.laws.map((l) => l.verdict.kind)).toEqual(['numerically-verified']);
    const l = law(d, 'continuous-decay');
    if (l.data.kind !== 'decay') throw new Error('decay expected');
    const wrong = { ...l, data: { ...l.data, rate: num({ n: 3n, d: 10n }) } };
    const bad = checkTrajectories(decl, { ...d, laws: [wrong] }, { runs: 3 });
    expect(bad.laws.map((x) => x.verdict.kind)).toEqual(['refuted']);
  });

  it('no steady state is claimed where none exists (wd = 0), and one is where it does', () => {
    const none = law(dyn('scale', 'sgd(lr=0.1, wd=0)').d, 'normalisation');
    if (none.data.kind !== 'normalisation') throw new Error('normalisation expected');
    expect(none.data.steady).toBeUndefined();
    expect(none.statement.text).toMatch(/no weight-decay equilibrium/);
    expect(none.atValues?.text).toMatch(/no steady state \(ρ never decreases\)$/);
    const some = law(dyn('scale', 'sgd(lr=0.1, wd=0.01)').d, 'normalisation');
    if (some.data.kind !== 'normalisation') throw new Error('normalisation expected');
    // ρ⁴ = η/(λ(2 − ηλ)) ‖ĝ‖² at η = 0.1, λ = 0.01, the closed form evaluated independently.
    expect(at(some.data.steady!, { eta: 0.1 })).toBeCloseTo(0.1 / (0.01 * (2 - 0.001)), 10);
    const shown = numbers(some.atValues!.text.split('steady state')[1]!);
    expect(shown[0]).toBeCloseTo(0.1 / (0.01 * (2 - 0.001)), 4);
    // At ηλ ≥ 2 (1 − ηλ)² ≥ 1: no steady state at the values, though the symbolic form has one.
    const geometric = law(dyn('scale', 'sgd(lr=3, wd=1)').d, 'normalisation');
    expect(geometric.atValues?.text).toMatch(/no steady state \(ρ² grows geometrically\)$/);
    const marginal = law(dyn('scale', 'sgd(lr=2, wd=1)').d, 'normalisation');
    expect(marginal.atValues?.text).toMatch(/no steady state \(ρ never decreases\)$/);
    // A decay within rounding of 1 is written 1 − δ, not rounded away; extreme values stay finite.
    const tiny = law(dyn('scale', 'sgd(lr=1e-7, wd=1e-9)').d, 'exact-recursion');
    expect(tiny.atValues?.text).toMatch(/^Q_\{k\+1\} = \(1 − 2e-16\)·Q_k/);
    // The continuous form's rate is first order in η: flagged where one step decays the charge by much.
    expect(law(dyn('scale', 'sgd(lr=2, wd=0.999)').d, 'continuous-form').atValues?.text).toMatch(/not small/);
    expect(law(dyn('scale', 'sgd(lr=0.1, wd=0.01)').d, 'continuous-form').atValues?.text).not.toMatch(
      /not small/,
    );
    const huge = law(dyn('scale', 'sgd(lr=0.1, wd=1e-300)').d, 'normalisation');
    expect(huge.atValues?.text).not.toMatch(/NaN|Infinity/);
  });

  it('without weight decay ρ⁴ grows at least by 2η²‖ĝ‖² a step, on a scale-invariant loss', () => {
    // L(θ) = ½‖Aθ̂ − b‖², θ̂ = θ/‖θ‖:
    // ∇L = (I − θ̂θ̂ᵀ)Aᵀ(Aθ̂ − b)/ρ, and ĝ = ρ ∇L.
    const r = fc.sample(
      fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 25, maxLength: 25 }),
      {
        seed: 7,
        numRuns: 1,
      },
    )[0]!;
    const [n, m] = [4, 5];
    const A = r.slice(0, n * m),
      b = r.slice(n * m, n * m + m);
    let theta = [0.3, -1.2, 0.8, 0.5];
    const eta = 0.3;
    const grad = (th: number[]): number[] => {
      const rho = Math.hypot(...th);
      const u = th.map((x) => x / rho);
      const res = Array.from(
        { length: m },
        (_, i) => u.reduce((s, x, j) => s + A[i * n + j]! * x, 0) - b[i]!,
      );
      const v = Array.from({ length: n }, (_, j) => res.reduce((s, x, i) => s + A[i * n + j]! * x, 0));
      const uv = u.reduce((s, x, j) => s + x * v[j]!, 0);
      return v.map((x, j) => (x - uv * u[j]!) / rho);
    };
    const rho4 = (th: number[]): number => Math.hypot(...th) ** 4;
    const start = rho4(theta);
    let bound = start;
    for (let k = 0; k < 200; k++) {
      const g = grad(theta);
      const ghat2 = rho4(theta) ** 0.5 * g.reduce((s, x) => s + x * x, 0);
      bound += 2 * eta * eta * ghat2;
      theta = theta.map((x, j) => x - eta * g[j]!);
      expect(rho4(theta)).toBeGreaterThanOrEqual(bound * (1 - 1e-12));
    }
    expect(rho4(theta)).toBeGreaterThan(start);
  });
});

describe('--arch and --site with a rule: trajectories and convergence orders where the user asks', () => {
  it('the orders are measured on the given architecture, at the given site kind', () => {
    const { decl, d } = dyn('scale', 'sgd(lr=0.05, wd=0.01)');
    const rep = checkTrajectories(decl, d, {
      runs: 2,
      steps: 10,
      sites: ['normalised-layer'],
      arch: { widths: [4, 6, 5, 3] },
    });
    expect(rep.trajectory.architecture).toMatch(/^4-6-5-3:/);
    expect(rep.trajectory.site).toMatch(/^layer \d+$/);
    expect(rep.order?.architecture).toMatch(/^4-6-5-3:/);
    expect(rep.order?.site).toMatch(/^layer \d+$/);
    // By default: every site kind, and the orders on the smooth 3-4-3 network of the first.
    const all = checkTrajectories(decl, d, { runs: 2, steps: 10 });
    expect(all.order?.architecture).toMatch(/^3-4-3:/);
    expect(all.order?.site).toMatch(/unit/);
  });
});

describe('learning rules on graph models: attention, conv-channel and BatchNorm sites [NM §3; MPG25]', () => {
  const rule = 'sgd(lr=eta, wd=lambda)';
  it.each([
    ['attention-qk', {}],
    ['attention-vo', {}],
    ['channel-rescale', {}],
    ['scale', { arch: { graph: { kind: 'cnn' as const, batchNorm: true } } }],
    ['rescale', { sites: ['residual-unit' as const] }],
  ])('%s: the SGD recursion holds at every step of minibatch trajectories to 1e-10', (name, extra) => {
    const { decl, d } = dyn(name, rule);
    const rep = checkTrajectories(decl, d, { runs: 3, steps: 30, seed: 4, ...extra });
    expect(rep.trajectory.architecture).toMatch(/^(transformer|cnn|residual)/i);
    const exact = rep.laws.find((l) => l.id === 'exact-recursion')!;
    expect(exact.verdict.kind).toBe('numerically-verified');
    if (exact.verdict.kind === 'numerically-verified')
      expect(exact.verdict.worstRelative).toBeLessThanOrEqual(IDENTITY_TOLERANCE);
  });

  it('negative twin: the attention charge decaying by (1 − ηλ), not (1 − ηλ)², is refuted', () => {
    const { decl, d } = dyn('attention-qk', 'sgd(lr=0.03, wd=0.05)');
    const l = law(d, 'exact-recursion');
    if (l.data.kind !== 'recursion') throw new Error('recursion expected');
    const half: Expr = { kind: 'num', value: '0.9985' }; // 1 − ηλ, not (1 − ηλ)² = 0.99700225
    const rep = checkTrajectories(
      decl,
      { ...d, laws: [{ ...l, data: { ...l.data, cQ: half } }] },
      { runs: 3, steps: 20 },
    );
    expect(rep.verdict.kind).toBe('refuted');
    expect(rep.trajectory.architecture).toMatch(/^transformer/);
  });

  it('by default a declaration with MLP sites follows the rule there only; --site picks graph kinds', () => {
    const { decl, d } = dyn('rescale', rule);
    const mlp = checkTrajectories(decl, d, { runs: 1, steps: 5 });
    expect(mlp.trajectory.architecture).not.toMatch(/^(transformer|cnn|residual)/i);
    const graph = checkTrajectories(decl, d, { runs: 1, steps: 5, sites: ['residual-channel'] });
    expect(graph.trajectory.architecture).toMatch(/^cnn/i);
  });
});
