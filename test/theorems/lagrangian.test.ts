/**
 * The Lagrangian view [NLD; docs/theory.md §3.9]: the learning rules' continuous forms as
 * Euler–Lagrange equations, and Noether's learning dynamics. The symbolic derivation is compared with
 * independent computations: the Euler–Lagrange expression of a Lagrangian written here as a float
 * function, by central differences; Noether's charge along a trajectory integrated here with RK4; the
 * modified flow against −∇Ṽ by central differences. Negative twins: the Lagrangian without its time
 * factor, the charge's rate without the kinetic term, an oscillator with a wrong γ, a Lagrangian
 * quadratic in θ̇ (its equation is second order) — each must fail.
 */
import { fc } from '@fast-check/jest';
import katex from 'katex';
import { loadCatalog } from '../../src/catalog';
import { deriveBlock } from '../../src/derive/block';
import { deriveDynamics, type Dynamics } from '../../src/rules/dynamics';
import { parseRule } from '../../src/rules/rule';
import {
  continuousForm,
  eulerLagrange,
  eulerLagrangeVerdict,
  generator,
  lagrangianView,
  modifiedFlowOde,
  noetherRate,
  metricNoether,
  noLagrangianProof,
  secondOrderLagrangian,
  rayleigh,
  modifiedPotential,
} from '../../src/rules/lagrangian';
import { compile } from '../../src/expr/evaluate';
import { parseExpr } from '../../src/expr/parse';
import { num, neg, sym, symbols, substitute, type Expr } from '../../src/expr/ast';
import type { BlockDeclaration } from '../../src/declaration/types';
import { unknownCharacters } from '../../src/render/latexText';
import { checkTrajectories } from '../../src/check/trajectory';
import { runCli } from '../helpers/cli';

/** An expression in x, y, xd, xdd, t, with the view's names θ₁, θ₂, θ̇₁, θ̈₁, τ put in. */
const inCoordinates = (src: string): Expr =>
  substitute(
    parseExpr(src),
    new Map([
      ['x', sym('θ₁')],
      ['y', sym('θ₂')],
      ['xd', sym('θ̇₁')],
      ['xdd', sym('θ̈₁')],
      ['t', sym('τ')],
    ]),
  );
const at = (e: Expr, vals: Record<string, number>): number => {
  const names = [...symbols(e)];
  const missing = names.filter((n) => !(n in vals));
  if (missing.length) throw new Error(`unbound ${missing.join(', ')}`);
  return compile(e, names)(names.map((n) => vals[n]!));
};
const secondOrder = (rule: string): Extract<ReturnType<typeof continuousForm>, { kind: 'second-order' }> => {
  const f = continuousForm(parseRule(rule));
  if (f.kind !== 'second-order') throw new Error(`${rule}: no second-order form`);
  return f;
};
const dynOf = (name: string, rule: string): Dynamics => {
  const decl = loadCatalog(name) as BlockDeclaration;
  return deriveDynamics(decl, deriveBlock(decl), parseRule(rule));
};

/** A cubic loss in two coordinates: the expression, and its value and gradient written by hand. */
function cubic(c: readonly number[]): {
  expr: Expr;
  L: (x: readonly number[]) => number;
  grad: (x: readonly number[]) => [number, number];
  hess: (x: readonly number[]) => [[number, number], [number, number]];
} {
  const [c1, c2, c3, c4, c5, c6, c7] = c as [number, number, number, number, number, number, number];
  const expr = inCoordinates(
    `${c1}*x + ${c2}*y + ${c3}*x^2 + ${c4}*x*y + ${c5}*y^2 + ${c6}*x^3 + ${c7}*x*y^2`.replace(/\+ -/g, '- '),
  );
  return {
    expr,
    L: ([x, y]) =>
      c1 * x! + c2 * y! + c3 * x! ** 2 + c4 * x! * y! + c5 * y! ** 2 + c6 * x! ** 3 + c7 * x! * y! ** 2,
    grad: ([x, y]) => [
      c1 + 2 * c3 * x! + c4 * y! + 3 * c6 * x! ** 2 + c7 * y! ** 2,
      c2 + c4 * x! + 2 * c5 * y! + 2 * c7 * x! * y!,
    ],
    hess: ([x, y]) => [
      [2 * c3 + 6 * c6 * x!, c4 + 2 * c7 * y!],
      [c4 + 2 * c7 * y!, 2 * c5 + 2 * c7 * x!],
    ],
  };
}
const coef = fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 7, maxLength: 7 });
const coord = fc.double({ min: -1.5, max: 1.5, noNaN: true });

describe('Euler–Lagrange equations of the rules [NLD; derived]', () => {
  // Central differences, two nested (∂_t and ∂_θ of ∂𝓛/∂θ̇): truncation O(h²·k²) ≈ 1e-7 with h =
  // 1e-4 and k ≤ 8, rounding ε|𝓛|/h² ≈ 1e-8 of e^{kt}; relative to e^{kt}(Σ|terms| + 1) (the loss's scale
  // is 1), 1e-5 leaves room and still fails for a missing term.
  const FD_TOLERANCE = 1e-5;
  const h = 1e-4;

  it(
    'momentum: d/dt ∂𝓛/∂θ̇ − ∂𝓛/∂θ of e^{kt}[(m/2)‖θ̇‖² − L − (λ/2)‖θ‖²] ' +
      'equals e^{kt}(mθ̈ + (1−β)θ̇ + ∇L + λθ), ' +
      'm = η(1−d)(1+β)/2 — symbolic EL against central differences of the Lagrangian and the closed form',
    () => {
      fc.assert(
        fc.property(
          fc.record({
            eta: fc.double({ min: 0.5, max: 2, noNaN: true }),
            beta: fc.double({ min: 0, max: 0.9, noNaN: true }),
            d: fc.double({ min: 0, max: 0.5, noNaN: true }),
            lambda: fc.double({ min: 0, max: 1, noNaN: true }),
          }),
          coef,
          fc.array(coord, { minLength: 7, maxLength: 7 }),
          ({ eta, beta, d, lambda }, cs, [x1, x2, v1, v2, a1, a2, t]) => {
            const f = secondOrder(`momentum(lr=eta, beta=${beta}, dampening=${d}, wd=${lambda})`);
            const loss = cubic(cs);
            // Closed forms (docs/theory.md §3.5), written here.
            const m = (eta * (1 - d) * (1 + beta)) / 2;
            const c1 = 1 - beta;
            const k = c1 / m;
            const lag = (x: readonly number[], v: readonly number[], s: number): number =>
              Math.exp(k * s) *
              ((m / 2) * (v[0]! ** 2 + v[1]! ** 2) - loss.L(x) - (lambda / 2) * (x[0]! ** 2 + x[1]! ** 2));
            const bump = (u: readonly number[], i: number, e: number): number[] =>
              u.map((z, j) => (j === i ? z + e : z));
            const x = [x1!, x2!],
              v = [v1!, v2!],
              acc = [a1!, a2!];
            const p = (i: number, xx: readonly number[], vv: readonly number[], s: number): number =>
              (lag(xx, bump(vv, i, h), s) - lag(xx, bump(vv, i, -h), s)) / (2 * h);
            const symbolic = eulerLagrange(secondOrderLagrangian(f, loss.expr));
            const g = loss.grad(x);
            for (const i of [0, 1]) {
              const dpdt =
                (p(i, x, v, t! + h) - p(i, x, v, t! - h)) / (2 * h) +
                [0, 1].reduce(
                  (s, j) =>
                    s +
                    (v[j]! * (p(i, bump(x, j, h), v, t!) - p(i, bump(x, j, -h), v, t!))) / (2 * h) +
                    (acc[j]! * (p(i, x, bump(v, j, h), t!) - p(i, x, bump(v, j, -h), t!))) / (2 * h),
                  0,
                );
              const dLdx = (lag(bump(x, i, h), v, t!) - lag(bump(x, i, -h), v, t!)) / (2 * h);
              const fd = dpdt - dLdx;
              const terms = [m * acc[i]!, c1 * v[i]!, g[i]!, lambda * x[i]!];
              const closed = Math.exp(k * t!) * terms.reduce((s, z) => s + z, 0);
              const scale = Math.exp(k * t!) * (terms.reduce((s, z) => s + Math.abs(z), 0) + 1);
              const sym = at(symbolic[i]!, {
                'θ₁': x1!,
                'θ₂': x2!,
                'θ̇₁': v1!,
                'θ̇₂': v2!,
                'θ̈₁': a1!,
                'θ̈₂': a2!,
                τ: t!,
                eta,
              });
              expect(Math.abs(sym - closed) / scale).toBeLessThan(1e-12);
              expect(Math.abs(fd - closed) / scale).toBeLessThan(FD_TOLERANCE);
            }
          },
        ),
        { numRuns: 25 },
      );
    },
  );

  it.each([
    ['gf(wd=lambda)', ['rayleigh', 'noether']],
    ['sgd(lr=eta, wd=lambda)', ['euler-lagrange', 'modified-flow', 'noether']],
    ['momentum(lr=eta, beta=beta, dampening=d, wd=lambda)', ['euler-lagrange', 'noether']],
    ['momentum(lr=0.1, beta=0.9, wd=0.01)', ['euler-lagrange', 'noether']],
    ['precond(lr=eta, wd=lambda)', ['euler-lagrange', 'rayleigh', 'noether', 'metric-noether']],
  ])('%s on rescale: every identity of the view is proved exactly', (rule, ids) => {
    const view = lagrangianView(parseRule(rule), dynOf('rescale', rule));
    expect(view.map((l) => l.id)).toEqual(ids);
    for (const l of view) expect(l.verdict.kind).toBe('proved');
  });

  it('adam: no Lagrangian of its recursion is derived, and the view says so; the G(θ, t) law is proved', () => {
    const view = lagrangianView(parseRule('adam(lr=0.01)'), dynOf('rescale', 'adam(lr=0.01)'));
    expect(view.map((l) => l.id)).toEqual(['no-lagrangian', 'metric-noether']);
    expect(view.map((l) => l.verdict.kind)).toEqual(['inconclusive', 'proved']);
  });

  it('negative twin: the Lagrangian without e^{kt} is refuted at a point, where its residual is −c₁θ̇₁', () => {
    const f = secondOrder('momentum(lr=eta, beta=beta, dampening=d, wd=lambda)');
    expect(eulerLagrangeVerdict(f, true).kind).toBe('proved');
    const wrong = eulerLagrangeVerdict(f, false);
    if (wrong.kind !== 'refuted' || wrong.counterexample.kind !== 'point') throw new Error(wrong.kind);
    const pt = Object.fromEntries(Object.entries(wrong.counterexample.point).map(([k, x]) => [k, Number(x)]));
    const residual = wrong.counterexample.values['residual']!;
    const [beta, v1] = [pt['beta']!, pt['θ̇₁']!];
    expect(residual).not.toBe(0);
    expect(residual).toBeCloseTo(-(1 - beta) * v1, 10);
  });

  it(
    'a first-order flow has no Lagrangian in (θ, θ̇, t): affine in θ̇ gives an equation free of θ̇; ' +
      'twin: quadratic gives θ̈',
    () => {
      expect(noLagrangianProof().freeOfVelocity).toBe(true);
      const quadratic = eulerLagrange(inCoordinates('xd^2/2 - x^2'))[0]!;
      expect(symbols(quadratic).has('θ̈₁')).toBe(true);
    },
  );
});

describe("GD's modified flow is the Rayleigh form of Ṽ = V + (η/4)‖∇V‖² [NM; derived]", () => {
  // −∇Ṽ by central differences of the closed-form Ṽ (h = 1e-5): error O(h²‖∇³Ṽ‖) + ε/h ≈ 1e-9
  // relative.
  const FD_TOLERANCE = 1e-7;
  it('θ̇ = −d − (η/2)(H + λ)d equals −∇Ṽ by central differences, and the derived EL + R', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        coef,
        coord,
        coord,
        (eta, lambda, cs, x1, x2) => {
          const loss = cubic(cs);
          const V = (x: readonly number[]): number => loss.L(x) + (lambda / 2) * (x[0]! ** 2 + x[1]! ** 2);
          const dV = (x: readonly number[]): number[] => loss.grad(x).map((gi, i) => gi + lambda * x[i]!);
          const Vt = (x: readonly number[]): number =>
            V(x) + (eta / 4) * dV(x).reduce((s, z) => s + z * z, 0);
          const x = [x1, x2];
          const dvec = dV(x);
          const H = loss.hess(x);
          const h = 1e-5;
          const derived = eulerLagrange(
            neg(modifiedPotential(parseExprNum(eta), parseExprNum(lambda), loss.expr)),
            rayleigh([num(1), num(1)]),
          );
          const ode = modifiedFlowOde(parseExprNum(eta), parseExprNum(lambda), loss.expr);
          for (const i of [0, 1]) {
            const flow =
              -dvec[i]! -
              (eta / 2) * [0, 1].reduce((s, j) => s + (H[i]![j]! + (i === j ? lambda : 0)) * dvec[j]!, 0);
            const e = (u: number): number[] => x.map((z, j) => (j === i ? z + u : z));
            const gradVt = (Vt(e(h)) - Vt(e(-h))) / (2 * h);
            const scale = Math.abs(dvec[i]!) + eta * Math.abs(flow) + 1;
            expect(Math.abs(flow + gradVt) / scale).toBeLessThan(FD_TOLERANCE);
            // Along θ̇ = flow, the derived EL + R and the ODE residual vanish.
            const vals = { 'θ₁': x1, 'θ₂': x2, 'θ̇₁': 0, 'θ̇₂': 0 } as Record<string, number>;
            vals[`θ̇${i === 0 ? '₁' : '₂'}`] = flow;
            const other = i === 0 ? '₂' : '₁';
            vals[`θ̇${other}`] =
              -dvec[1 - i]! -
              (eta / 2) *
                [0, 1].reduce((s, j) => s + (H[1 - i]![j]! + (1 - i === j ? lambda : 0)) * dvec[j]!, 0);
            expect(Math.abs(at(derived[i]!, vals)) / scale).toBeLessThan(1e-10);
            expect(Math.abs(at(ode[i]!, vals)) / scale).toBeLessThan(1e-10);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});

/** A number as an exact expression (its decimal), for the builders' hyper-parameters. */
function parseExprNum(x: number): Expr {
  return parseExpr(String(x));
}

describe("Noether's learning dynamics along an integrated trajectory [NLD]", () => {
  // L = ½(θ₁θ₂ − 1)² is invariant under (e^α θ₁, e^{−α} θ₂): X = (θ₁, −θ₂), J_X =
  // diag(1, −1).
  const loss = inCoordinates('(x*y - 1)^2/2');
  const grad = (x: number, y: number): [number, number] => [(x * y - 1) * y, (x * y - 1) * x];
  const [eta, beta, lambda] = [0.2, 0.8, 0.05];
  const m = (eta * (1 + beta)) / 2,
    c1 = 1 - beta,
    k = c1 / m;
  /** RK4 for m θ̈ + c₁θ̇ = −(∇L + λθ), state (θ₁, θ₂, θ̇₁, θ̇₂). */
  function trajectory(steps: number, dt: number): number[][] {
    const rhs = (s: readonly number[]): number[] => {
      const g = grad(s[0]!, s[1]!);
      return [
        s[2]!,
        s[3]!,
        -(c1 * s[2]! + g[0] + lambda * s[0]!) / m,
        -(c1 * s[3]! + g[1] + lambda * s[1]!) / m,
      ];
    };
    const out = [[1.3, 0.4, 0.2, -0.5]];
    for (let n = 0; n < steps; n++) {
      const s = out[n]!;
      const add = (a: readonly number[], b: readonly number[], c: number): number[] =>
        a.map((z, i) => z + c * b[i]!);
      const k1 = rhs(s),
        k2 = rhs(add(s, k1, dt / 2)),
        k3 = rhs(add(s, k2, dt / 2)),
        k4 = rhs(add(s, k3, dt));
      out.push(s.map((z, i) => z + (dt / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!)));
    }
    return out;
  }
  const dt = 1e-3,
    steps = 1000;
  const traj = trajectory(steps, dt);
  const QN = (s: readonly number[], t: number): number =>
    Math.exp(k * t) * m * (s[2]! * s[0]! - s[3]! * s[1]!);
  const source = (s: readonly number[], t: number, kinetic: boolean): number =>
    Math.exp(k * t) * (-lambda * (s[0]! ** 2 - s[1]! ** 2) + (kinetic ? m * (s[2]! ** 2 - s[3]! ** 2) : 0));
  /** Q_N(T) − Q_N(0) − ∫ source (Simpson on the RK4 grid), relative to ∫|source| + |Q_N| scale. */
  const gap = (kinetic: boolean): number => {
    let integral = 0,
      scale = 0;
    for (let n = 0; n <= steps; n++) {
      const w = n === 0 || n === steps ? 1 : n % 2 ? 4 : 2;
      integral += (w * dt * source(traj[n]!, n * dt, kinetic)) / 3;
      scale += (w * dt * Math.abs(source(traj[n]!, n * dt, true))) / 3;
    }
    const change = QN(traj[steps]!, steps * dt) - QN(traj[0]!, 0);
    return Math.abs(change - integral) / (scale + Math.abs(change));
  };
  // RK4 and Simpson with dt = 1e-3: errors O(dt⁴) ≈ 1e-12 of the scale; 1e-8 leaves room.
  const TRAJECTORY_TOLERANCE = 1e-8;

  it('Q_N(T) − Q_N(0) = ∫ e^{kt}[−λ⟨θ, X⟩ + m⟨θ̇, J_Xθ̇⟩] dt; twin: no kinetic term', () => {
    expect(gap(true)).toBeLessThan(TRAJECTORY_TOLERANCE);
    expect(gap(false)).toBeGreaterThan(1e-3);
  });

  it('the derived rate dQ_N/dt (θ̈ eliminated) matches central differences of Q_N along the trajectory', () => {
    const f = secondOrder(`momentum(lr=eta, beta=${beta}, wd=${lambda})`);
    // X_i = χ_i θ_i with χ = (1, −1): the rescale generator.
    const { rate } = noetherRate(f, generator(2), loss);
    for (const n of [100, 500, 900]) {
      const s = traj[n]!;
      const fd = (QN(traj[n + 1]!, (n + 1) * dt) - QN(traj[n - 1]!, (n - 1) * dt)) / (2 * dt);
      const derived = at(rate, {
        'θ₁': s[0]!,
        'θ₂': s[1]!,
        'θ̇₁': s[2]!,
        'θ̇₂': s[3]!,
        τ: n * dt,
        eta,
        'χ₁': 1,
        'χ₂': -1,
      });
      // Central difference in time, dt = 1e-3: O(dt²) relative.
      expect(Math.abs(derived - fd) / (Math.abs(fd) + 1)).toBeLessThan(1e-5);
    }
  });

  it('twin: an oscillator law with a wrong γ is refuted by the Noether comparison', () => {
    const rule = 'momentum(lr=eta, beta=beta, dampening=d, wd=lambda)';
    const dyn = dynOf('rescale', rule);
    const good = lagrangianView(parseRule(rule), dyn).find((l) => l.id === 'noether')!;
    expect(good.verdict.kind).toBe('proved');
    const bad: Dynamics = {
      ...dyn,
      laws: dyn.laws.map((l) =>
        l.data.kind === 'oscillator'
          ? { ...l, data: { ...l.data, gamma: { kind: 'mul', factors: [num(2), l.data.gamma] } } }
          : l,
      ),
    };
    expect(lagrangianView(parseRule(rule), bad).find((l) => l.id === 'noether')!.verdict.kind).toBe(
      'refuted',
    );
  });
});

describe("a metric G(θ, t): Noether's learning dynamics with kinetic symmetry breaking [NLD]", () => {
  // G_i = (1 + θ_i²)(1 + t/2): depends on θ (D_X G ≠ 0) and on t. L = ½(θ₁θ₂ − 1)², X = (θ₁,
  // −θ₂).
  const [m, c1, lambda] = [0.2, 0.3, 0.05];
  const k = c1 / m;
  const G = (i: number, s: readonly number[], t: number): number => (1 + s[i]! ** 2) * (1 + t / 2);
  const dGdx = (i: number, s: readonly number[], t: number): number => 2 * s[i]! * (1 + t / 2);
  const dGdt = (i: number, s: readonly number[]): number => (1 + s[i]! ** 2) / 2;
  const grad = (s: readonly number[]): number[] => [
    (s[0]! * s[1]! - 1) * s[1]! + lambda * s[0]!,
    (s[0]! * s[1]! - 1) * s[0]! + lambda * s[1]!,
  ];
  /** The Euler–Lagrange equation of e^{kt}[(m/2)θ̇ᵀGθ̇ − V], solved for θ̈ by hand. */
  const rhs = (s: readonly number[], t: number): number[] => {
    const g = grad(s);
    const acc = [0, 1].map(
      (i) =>
        (-(m / 2) * dGdx(i, s, t) * s[2 + i]! ** 2 -
          m * k * G(i, s, t) * s[2 + i]! -
          m * dGdt(i, s) * s[2 + i]! -
          g[i]!) /
        (m * G(i, s, t)),
    );
    return [s[2]!, s[3]!, acc[0]!, acc[1]!];
  };
  const dt = 1e-3,
    steps = 1000;
  const traj = [[1.2, 0.5, 0.3, -0.4]];
  for (let n = 0; n < steps; n++) {
    const s = traj[n]!,
      t = n * dt;
    const step = (a: readonly number[], b: readonly number[], c: number): number[] =>
      a.map((z, i) => z + c * b[i]!);
    const k1 = rhs(s, t),
      k2 = rhs(step(s, k1, dt / 2), t + dt / 2),
      k3 = rhs(step(s, k2, dt / 2), t + dt / 2),
      k4 = rhs(step(s, k3, dt), t + dt);
    traj.push(s.map((z, i) => z + (dt / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!)));
  }
  const QN = (s: readonly number[], t: number): number =>
    Math.exp(k * t) * m * (G(0, s, t) * s[2]! * s[0]! - G(1, s, t) * s[3]! * s[1]!);
  const source = (s: readonly number[], t: number, terms: 'all' | 'no-lie'): number => {
    const X = [s[0]!, -s[1]!],
      chi = [1, -1];
    const kinetic = [0, 1].reduce((a, i) => a + m * G(i, s, t) * chi[i]! * s[2 + i]! ** 2, 0);
    const lie = [0, 1].reduce((a, i) => a + (m / 2) * X[i]! * dGdx(i, s, t) * s[2 + i]! ** 2, 0);
    return (
      Math.exp(k * t) * (-lambda * (s[0]! * X[0]! + s[1]! * X[1]!) + kinetic + (terms === 'all' ? lie : 0))
    );
  };
  const gap = (terms: 'all' | 'no-lie'): number => {
    let integral = 0,
      scale = 0;
    for (let n = 0; n <= steps; n++) {
      const w = n === 0 || n === steps ? 1 : n % 2 ? 4 : 2;
      integral += (w * dt * source(traj[n]!, n * dt, terms)) / 3;
      scale += (w * dt * Math.abs(source(traj[n]!, n * dt, 'all'))) / 3;
    }
    const change = QN(traj[steps]!, steps * dt) - QN(traj[0]!, 0);
    return Math.abs(change - integral) / (scale + Math.abs(change));
  };

  it(
    'Q_N(T) − Q_N(0) = ∫ e^{kt}[−λ⟨θ, X⟩ + δ_X K] dt along an RK4 trajectory; ' +
      'twin: without ½m θ̇ᵀ(D_X G)θ̇ it fails',
    () => {
      // RK4 and Simpson at dt = 1e-3: O(dt⁴) of the scale; 1e-8 leaves room.
      expect(gap('all')).toBeLessThan(1e-8);
      expect(gap('no-lie')).toBeGreaterThan(1e-3);
    },
  );

  it('the derived rate (θ̈ solved from the derived EL equation) matches central differences of Q_N', () => {
    const f = secondOrder('precond(lr=eta, wd=0.05)');
    const metric = [0, 1].map((i) => inCoordinates(`(1 + ${i === 0 ? 'x' : 'y'}^2)*(1 + t/2)`));
    const { rate } = metricNoether(
      { ...f, m: num({ n: 1n, d: 5n }), c1: num({ n: 3n, d: 10n }) },
      metric,
      generator(2),
      inCoordinates('(x*y - 1)^2/2'),
    );
    for (const n of [100, 500, 900]) {
      const s = traj[n]!;
      const fd = (QN(traj[n + 1]!, (n + 1) * dt) - QN(traj[n - 1]!, (n - 1) * dt)) / (2 * dt);
      const derived = at(rate, {
        'θ₁': s[0]!,
        'θ₂': s[1]!,
        'θ̇₁': s[2]!,
        'θ̇₂': s[3]!,
        τ: n * dt,
        'χ₁': 1,
        'χ₂': -1,
      });
      expect(Math.abs(derived - fd) / (Math.abs(fd) + 1)).toBeLessThan(1e-5);
    }
  });
});

describe('RMSProp: the exact per-step identity Q_{k+1} − Q_k = −η⟨X, u_k⟩ + η²Q₂(u_k) [NLD]', () => {
  it(
    'adam(beta1=0) (RMSProp with bias correction) on rescale: to rounding at every step; ' +
      'twin: without the breaking sum',
    () => {
      const rule = 'adam(lr=0.01, beta1=0, beta2=0.99)';
      const decl = loadCatalog('rescale') as BlockDeclaration;
      const rep = checkTrajectories(decl, dynOf('rescale', rule), { runs: 2, steps: 40 });
      const identityLaw = rep.laws.find((l) => l.id === 'per-step-identity')!;
      expect(identityLaw.verdict.kind).toBe('numerically-verified');
      const d = rep.drift!;
      const scale = Math.abs(d.breakingSum) + Math.abs(d.secondOrderSum);
      expect(Math.abs(d.observed - d.breakingSum - d.secondOrderSum) / scale).toBeLessThan(1e-10);
      expect(Math.abs(d.observed - d.secondOrderSum) / scale).toBeGreaterThan(1e-3);
    },
  );
});

describe('derive --rule shows the Lagrangian view', () => {
  it.each(['gf(wd=lambda)', 'sgd(lr=eta, wd=lambda)', 'momentum', 'precond(lr=eta)', 'adam'])(
    '%s: every statement of the view typesets',
    (rule) => {
      for (const l of lagrangianView(parseRule(rule), dynOf('rescale', rule)))
        expect(() => katex.renderToString(l.statement.latex, { throwOnError: true })).not.toThrow();
    },
  );

  it('text, JSON and LaTeX (no character LaTeX cannot set)', () => {
    const text = runCli('derive', 'rescale', '--rule', 'momentum(lr=0.1, beta=0.9, wd=0.01)');
    expect(text.code).toBe(0);
    expect(text.out).toContain('the Lagrangian view [NLD]');
    expect(text.out).toContain("Noether's learning dynamics");
    const json = JSON.parse(
      runCli('derive', 'rescale', '--rule', 'sgd(lr=eta, wd=lambda)', '--format', 'json').out,
    );
    expect(json.lagrangian.map((l: { id: string }) => l.id)).toEqual([
      'euler-lagrange',
      'modified-flow',
      'noether',
    ]);
    for (const rule of ['sgd(lr=0.1, wd=0.01)', 'gf(wd=0.1)', 'precond(lr=0.1)', 'adam(lr=0.01)']) {
      const latex = runCli('derive', 'scale', '--rule', rule, '--format', 'latex').out;
      expect(latex).toContain('Lagrangian');
      expect(unknownCharacters(latex)).toEqual([]);
    }
  });
});
