/**
 * The check on trajectories: gradient descent on the factors with the derived weight decay reaches
 * the penalised solution; the penalised solver is itself checked against the optimality (KKT)
 * conditions of the lasso, computed here; and the twins — no weight decay, decay on one factor —
 * reach dense solutions far from it.
 */
import { model } from '../../src/recipe/model';
import { loss, sampleProblem } from '../../src/recipe/problem';
import { solvePenalised } from '../../src/recipe/solve';
import { checkTrajectories, runSeed, train, RECIPE_TOLERANCE } from '../../src/recipe/trajectory';
import { rng } from '../../numeric/rng';
import { svd } from '../../numeric/svd';
import { RECIPE_DEFAULTS } from '../../src/cli/commands/recipe';

const MU = 0.1;

describe('training the reparametrised model with weight decay reaches the penalised solution', () => {
  it.each([
    ['l1: w = u⊙v', { kind: 'product', depth: 2 } as const, 'entry' as const],
    ['group lasso: w_g = s·v', { kind: 'group', depth: 2, size: 3 } as const, 'group' as const],
    ['nuclear norm: W = U Vᵀ', { kind: 'factor', depth: 2 } as const, 'singular' as const],
  ])('%s', (_, family, domain) => {
    const c = checkTrajectories(family, { domain, exponent: 1, mu: MU }, 2, {
      seed: 1,
      runs: 3,
      steps: RECIPE_DEFAULTS.steps,
    });
    expect(c.verdict.kind).toBe('numerically-verified');
    for (const r of c.runs) {
      expect(r.distance).toBeLessThan(RECIPE_TOLERANCE);
      expect(r.support.reparametrised).toBe(r.support.penalised);
      expect(r.support.reparametrised).toBeLessThan(r.support.total);
      // The derived balance: charges vanish at the minimum reached.
      expect(r.charge.final).toBeLessThan(1e-8);
      // Negative twin: without weight decay the solution is dense and far away.
      expect(r.twin.support).toBe(r.support.total);
      expect(r.twin.distance!).toBeGreaterThan(1e-3);
    }
  });

  it('exponent < 1 (three factors): a stationary point of the penalised problem on its support', () => {
    const c = checkTrajectories(
      { kind: 'product', depth: 3 },
      { domain: 'entry', exponent: 2 / 3, mu: MU },
      3,
      {
        seed: 1,
        runs: 2,
        steps: 20_000,
      },
    );
    expect(c.verdict.kind).toBe('numerically-verified');
  });

  it('too few steps is inconclusive, not a pass', () => {
    const c = checkTrajectories({ kind: 'product', depth: 2 }, { domain: 'entry', exponent: 1, mu: MU }, 2, {
      seed: 1,
      runs: 1,
      steps: 5,
    });
    expect(c.verdict.kind).toBe('inconclusive');
  });

  it('the wrong weight decay (λ = μ, not μ/2) misses the penalised solution: refuted', () => {
    const c = checkTrajectories({ kind: 'product', depth: 2 }, { domain: 'entry', exponent: 1, mu: MU }, 1, {
      seed: 1,
      runs: 1,
      steps: 20_000,
    });
    expect(c.verdict.kind).toBe('refuted');
    expect(
      runSeed({ kind: 'product', depth: 2 }, { domain: 'entry', exponent: 1, mu: MU }, 1, 1, 20_000).distance,
    ).toBeGreaterThan(1e-3);
  });
});

describe('negative twin: an unbalanced scheme (weight decay on the first factor only) induces no sparsity', () => {
  it('the solution is dense', () => {
    const p = sampleProblem({ kind: 'product', depth: 2 }, 1);
    const m = model({ kind: 'product', depth: 2 }, p);
    const r = rng(9);
    const theta0 = Float64Array.from({ length: m.size }, () => r.normal());
    const run = train(m, p, MU / 2, theta0, 20_000, 'first', p.d);
    const w = m.phi(run.theta);
    expect(Array.from(w).filter((x) => Math.abs(x) > 1e-4).length).toBe(p.d);
  });
});

describe('the penalised solver, checked independently', () => {
  it('lasso: the KKT conditions hold (g_i = −μ sign w_i on the support, |g_i| ≤ μ off it)', () => {
    for (const seed of [1, 2, 3]) {
      const p = sampleProblem({ kind: 'product', depth: 2 }, seed);
      const { w } = solvePenalised(p, { domain: 'entry', exponent: 1, mu: MU });
      const g = loss(p, w).grad;
      for (let i = 0; i < p.d; i++)
        if (w[i] !== 0) expect(Math.abs(g[i]! + MU * Math.sign(w[i]!))).toBeLessThan(1e-9);
        else expect(Math.abs(g[i]!)).toBeLessThanOrEqual(MU + 1e-9);
    }
  });

  it('nuclear norm: the subgradient condition G = −μ(P Qᵀ + R), ‖R‖ ≤ 1 off the singular spaces', () => {
    const p = sampleProblem({ kind: 'factor', depth: 2 }, 1);
    const [rows, cols] = p.shape!;
    const { w } = solvePenalised(p, { domain: 'singular', exponent: 1, mu: MU });
    const s = svd(Array.from({ length: rows }, (_, i) => Array.from(w.slice(i * cols, (i + 1) * cols))));
    const rank = s.sigma.filter((x) => x > 1e-8).length;
    expect(rank).toBeLessThan(Math.min(rows, cols));
    const g = loss(p, w).grad;
    // −G/μ − Σ_k u_k v_kᵀ must have spectral norm ≤ 1.
    const R = Array.from({ length: rows }, (_, i) =>
      Array.from({ length: cols }, (__, j) => {
        let x = -g[i * cols + j]! / MU;
        for (let k = 0; k < rank; k++) x -= s.u[k]![i]! * s.v[k]![j]!;
        return x;
      }),
    );
    expect(svd(R).sigma[0]!).toBeLessThanOrEqual(1 + 1e-7);
  });
});

describe('one-sided Jacobi SVD', () => {
  it('reconstructs the matrix, with orthonormal factors', () => {
    const r = rng(4);
    const A = Array.from({ length: 5 }, () => Array.from({ length: 3 }, () => r.normal()));
    const { sigma, u, v } = svd(A);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 3; j++)
        expect(
          Math.abs(sigma.reduce((x, s, k) => x + s * u[k]![i]! * v[k]![j]!, 0) - A[i]![j]!),
        ).toBeLessThan(1e-13);
    for (let k = 0; k < 3; k++)
      for (let l = 0; l < 3; l++) {
        const dot = v[k]!.reduce((x, y, i) => x + y * v[l]![i]!, 0);
        expect(Math.abs(dot - (k === l ? 1 : 0))).toBeLessThan(1e-13);
      }
  });
});
