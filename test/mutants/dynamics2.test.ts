/**
 * More of what src/rules/dynamics derives, against hand-worked results and exact identities:
 *
 *   - the notes and verdicts a user reads, written out in full;
 *   - a derivation without its gradient constraint: nothing may be dropped, so no rule closes;
 *   - a charge with a general (non-symmetric) constant, Q = ⟨E, W⟩ = Σ E_ij W_ij, evaluated on
 *     non-symmetric matrices;
 *   - a charge whose term mixes two blocks, Q = ⟨u, v⟩: no block owns it, so no G-weighted charge;
 *     and the per-step identity Q(θ − ηU) − Q(θ) = −η D_U Q + η² Q₂(U), checked on numbers;
 *   - a charge plus a constant, Q + ‖1‖²: weight decay shrinks only its θ-part (degrees 2 and 0);
 *   - a matrix charge shown in matrix form, and a block scaling next to a symmetric operator on
 *     another block (a closed recursion, but not a pure scaling: no normalisation law);
 *   - a learning rate and weight decay given the same symbol: the continuous rate from
 *     c_Q = (1 − η²)² = 1 − 2η² + η⁴, whose η¹ coefficient is absent:
 *     r = a₁ + (a₂ − a₁²/2)η = −2η.
 */
import { loadCatalog } from '../../src/catalog';
import { readDeclaration } from '../../src/declaration/load';
import { deriveBlock } from '../../src/derive/block';
import { deriveDynamics, type Dynamics, type DynamicsLaw } from '../../src/rules/dynamics';
import { parseRule } from '../../src/rules/rule';
import { compile } from '../../src/expr/evaluate';
import { num, type Expr } from '../../src/expr/ast';
import { letter, type WordSum } from '../../src/derive/words';
import type { BlockDeclaration } from '../../src/declaration/types';
import type { Derivation, Law } from '../../src/derivation';
import { evalTrace, randMat, type Mat } from '../helpers/numeric';
import { rng } from '../../numeric/rng';

const SGD = 'sgd(lr=eta, wd=lambda)';
const MOMENTUM = 'momentum(lr=eta, beta=beta, dampening=d, wd=lambda)';
const GF = 'gf(wd=lambda)';
const PROVED_METHOD = 'word algebra: exact expansion of the charge along the update, valid for every size';

const catalog = (name: string): { decl: BlockDeclaration; d: Derivation } => {
  const decl = loadCatalog(name) as BlockDeclaration;
  return { decl, d: deriveBlock(decl) };
};
const declared = (o: Record<string, unknown>): { decl: BlockDeclaration; d: Derivation } => {
  const decl = readDeclaration({ kind: 'block', group: 'a', ...o }) as BlockDeclaration;
  return { decl, d: deriveBlock(decl) };
};
const dyn = ({ decl, d }: { decl: BlockDeclaration; d: Derivation }, rule: string): Dynamics =>
  deriveDynamics(decl, d, parseRule(rule));
const law = (d: Dynamics, id: DynamicsLaw['id']): DynamicsLaw => {
  const l = d.laws.find((x) => x.id === id);
  if (!l) throw new Error(`no ${id}: ${d.laws.map((x) => x.statement.text).join('; ')}`);
  return l;
};
const evidence = (l: DynamicsLaw): string => (l.verdict.kind === 'proved' ? l.verdict.evidence : '');
const at = (e: Expr, vals: Record<string, number>): number =>
  compile(e, Object.keys(vals))(Object.values(vals));
const close = (a: number, b: number): void =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(b)));

describe('notes and verdicts, in full', () => {
  it('SGD: the exact recursion, its continuous form', () => {
    const d = dyn(catalog('rescale'), SGD);
    expect(law(d, 'exact-recursion').note).toBe(
      'g_k is the gradient of the minibatch loss used at step k; the recursion holds for every minibatch ' +
        'because the gradient constraint does',
    );
    const c = law(d, 'continuous-form');
    expect(c.verdict).toEqual({
      kind: 'proved',
      method: PROVED_METHOD,
      evidence:
        'the exact recursion read in time t = ηk: rate ln(c_Q)/η to first order in η (the modified flow ' +
        'θ̇ = −d − (η/2)(H + λ)d gives the same rate and source), source c_G/η',
    });
    expect(c.note).toBe(
      'discrete GD follows gradient flow to first order in η and the modified flow θ̇ = −d − (η/2)(H + λ)d, ' +
        'd = g + λθ, to second order; `check --rule sgd(…)` measures both orders',
    );
  });

  it('SGD on a pure scaling: normalisation', () => {
    const l = law(dyn(catalog('scale'), SGD), 'normalisation');
    expect(evidence(l)).toBe(
      'the generator is a pure scaling of every block, so the loss is invariant under θ ↦ sθ and g is ' +
        'homogeneous of degree −1; the exact recursion then closes in ρ²',
    );
    expect(l.note).toBe(
      'ĝ changes with the direction θ/ρ: the steady state is that of ρ for a given ‖ĝ‖² (with minibatch ' +
        'noise, its mean); `check --rule sgd(…)` checks g(θ/ρ) = ρ g(θ) at every step and reports ρ⁴ ' +
        'against the prediction',
    );
  });

  it('momentum: the oscillator and the two-step recursion', () => {
    const d = dyn(catalog('translation'), MOMENTUM);
    expect(law(d, 'oscillator').note).toBe(
      'started at θ̇(0) = −(g₀ + λθ₀)/(1 + β) (matching the displacement of the discrete parasitic mode ' +
        'β^k that v₀ = 0 excites), the limit is second order in η; `check --rule momentum(…)` measures ' +
        'the order',
    );
    expect(law(d, 'two-step-recursion').note).toBe(
      'v₀ = 0, v_{k+1} = β v_k + (1 − d)(g_k + λθ_k), θ_{k+1} = θ_k − η v_{k+1} ' +
        '(PyTorch sets v₁ = g₀ + ' +
        'λθ₀ without dampening; the two agree when d = 0)',
    );
  });

  it('a constant metric: the G-weighted charge', () => {
    const l = law(dyn(catalog('rescale'), 'precond(lr=eta)'), 'metric-charge');
    expect(l.note).toBe(
      'a general constant metric admits such a charge when G X is a gradient field; a per-block scalar ' +
        'metric always does for these block-diagonal generators',
    );
  });

  it('Adam: the per-step identity', () => {
    const l = law(dyn(catalog('rescale'), 'adam(lr=eta)'), 'per-step-identity');
    expect(l.note).toBe(
      'the breaking term −η⟨X, u_k⟩ does not vanish because u_k is not along g_k; the drift of Q over a ' +
        'trajectory is the sum of these terms (the preconditioner diag(√v̂ + ε) moves in time, so no ' +
        'reweighted charge is conserved either)',
    );
  });
});

describe('a derivation without its gradient constraint: nothing can be dropped', () => {
  /** The catalog derivation with its gradient-constraint laws (trace and matrix) removed. */
  const unconstrained = (name: string): { decl: BlockDeclaration; d: Derivation } => {
    const { decl, d } = catalog(name);
    return { decl, d: { ...d, laws: d.laws.filter((l) => !l.id.startsWith('gradient-constraint')) } };
  };

  it.each(['translation', 'rescale', 'gl'])(
    '%s: no rule closes, and the record has no constraint',
    (name) => {
      for (const rule of [SGD, MOMENTUM, GF]) {
        const d = dyn(unconstrained(name), rule);
        expect(d.constraint).toEqual([]);
        expect(d.laws.map((l) => l.id)).toEqual(['no-closed-recursion']);
      }
      // The charge is still followed: the same as with the constraint.
      expect(dyn(unconstrained(name), SGD).charge).toEqual(dyn(catalog(name), SGD).charge);
    },
  );

  it('translation: SGD, momentum and gradient flow say which step fails', () => {
    // Q = ⟨1, θ⟩: the first-order part of Q((1 − ηλ)θ − ηg) is −η⟨1, g⟩ = D_g Q times −η.
    expect(
      dyn(unconstrained('translation'), SGD).laws[0]!.statement.text.startsWith(
        'no closed recursion: the first-order term -eta ⟨1, ∂L/∂theta⟩ is not a multiple ' +
          'of the gradient constraint',
      ),
    ).toBe(true);
    expect(dyn(unconstrained('translation'), MOMENTUM).laws[0]!.statement.text).toBe(
      'no closed recursion: the charge is linear but its derivative along g is not a multiple of the ' +
        'gradient constraint',
    );
    expect(dyn(unconstrained('translation'), GF).laws[0]!).toEqual({
      kind: 'dynamics-law',
      id: 'no-closed-recursion',
      title: 'No closed recursion',
      statement: {
        text:
          'no closed recursion: dQ/dt = −⟨∇Q, g⟩ − λ D_θ Q, and ⟨∇Q, g⟩ = ' +
          '⟨1, ∂L/∂theta⟩ is not a ' +
          'multiple of the gradient constraint',
        latex: '\\text{no closed recursion}',
      },
      data: { kind: 'none' },
      verdict: {
        kind: 'proved',
        method: PROVED_METHOD,
        evidence:
          'dQ/dt = −⟨∇Q, g⟩ − λ D_θ Q, and ⟨∇Q, g⟩ = ⟨1, ∂L/∂theta⟩ is ' +
          'not a multiple of the gradient ' +
          'constraint',
      },
    });
  });

  it('rescale: ⟨∇Q, g⟩ = ⟨g_in, w_in⟩ − ⟨g_out, w_out⟩; SGD: −η(1 − ηλ) times it', () => {
    expect(dyn(unconstrained('rescale'), GF).laws[0]!.statement.text).toBe(
      'no closed recursion: dQ/dt = −⟨∇Q, g⟩ − λ D_θ Q, and ⟨∇Q, g⟩ = ' +
        '⟨∂L/∂w_in, w_in⟩ - ⟨∂L/∂w_out, ' +
        'w_out⟩ is not a multiple of the gradient constraint',
    );
    expect(
      dyn(unconstrained('rescale'), SGD).laws[0]!.statement.text.startsWith(
        'no closed recursion: the first-order term (eta^2*lambda - eta) ⟨∂L/∂w_in, w_in⟩ + ' +
          '(-eta^2*lambda + eta) ⟨∂L/∂w_out, w_out⟩ is not a multiple of the gradient constraint',
      ),
    ).toBe(true);
  });
});

it('a charge law with no word sum is no charge to follow', () => {
  const { decl, d } = catalog('rescale');
  const laws: Law[] = d.laws.map((l) => (l.id === 'charge' ? ({ ...l, data: { kind: 'none' } } as Law) : l));
  const x = deriveDynamics(decl, { ...d, laws }, parseRule(SGD));
  expect(x.charge).toEqual({ statement: 'none', kind: 'trace' });
  expect(x.laws.map((l) => l.title)).toEqual(['No charge to follow']);
});

describe('a general (non-symmetric) constant: W ↦ W + aE', () => {
  // X = E, so Q = ⟨E, W⟩ = Σ E_ij W_ij (∇Q = E); the gradient constraint ⟨g, E⟩ = 0.
  const shifted = () =>
    declared({
      name: 'shift',
      blocks: { W: 'matrix[n, n]' },
      constants: { E: { shape: 'matrix[n, n]', structure: 'general' } },
      action: { W: 'W + a*E' },
    });
  const frob = (a: Mat, b: Mat): number =>
    a.reduce((s, row, i) => s + row.reduce((t, x, j) => t + x * b[i]![j]!, 0), 0);

  it('the charge is ⟨E, W⟩ — not tr(W E), which differs for a non-symmetric E', () => {
    const d = dyn(shifted(), SGD);
    expect(d.charge).toEqual({ statement: 'Q = ⟨E, W⟩', kind: 'trace' });
    const r = rng(5);
    for (let k = 0; k < 5; k++) {
      const [W, E] = [randMat(3, 3, () => r.next()), randMat(3, 3, () => r.next())];
      close(evalTrace(d.chargeSum, { blocks: { W }, consts: { E } }), frob(E, W));
    }
  });

  it('SGD: Q_{k+1} = (1 − ηλ) Q_k; precond: Q_G = γ_W ⟨E, W⟩ and the step ⟨u_W, E⟩', () => {
    expect(law(dyn(shifted(), SGD), 'exact-recursion').statement.text).toBe(
      'Q_{k+1} = (-eta*lambda + 1)·Q_k',
    );
    const p = dyn(shifted(), 'precond(lr=eta)');
    const m = law(p, 'metric-charge');
    if (m.data.kind !== 'metric-charge') throw new Error('metric-charge expected');
    const r = rng(6);
    const [W, E] = [randMat(3, 3, () => r.next()), randMat(3, 3, () => r.next())];
    close(evalTrace(m.data.sum, { blocks: { W }, consts: { E }, scalars: { gamma_W: 3 } }), 3 * frob(E, W));
    expect(law(p, 'per-step-identity').statement.text).toBe(
      'Q_{k+1} − Q_k = −η·(⟨u_W, E⟩)   with u_k = G⁻¹(g_k + λθ_k) with a constant diagonal G',
    );
  });
});

it('a matrix charge is displayed in matrix form: gl, C₂(g) = ½ g₁ g₁ᵀ − ½ g₂ᵀ g₂', () => {
  expect(law(dyn(catalog('gl'), SGD), 'exact-recursion').statement.latex).toBe(
    'C_{k+1} = \\left(\\left(-\\eta \\, \\lambda + 1\\right)^{2}\\right) C_k + \\left(\\eta^{2}\\right) C_2(g_k), ' +
      '\\quad C_2(g) = \\frac{1}{2} \\, \\nabla_{W_{1}} L \\, (\\nabla_{W_{1}} L)^{\\top} - \\frac{1}{2} \\, ' +
      '(\\nabla_{W_{2}} L)^{\\top} \\, \\nabla_{W_{2}} L',
  );
});

it('a scaling of one block and a symmetric operator on another is not a pure scaling: no normalisation', () => {
  // X = (W: W, V: S V), S symmetric: Q = ½ tr(V Vᵀ S) + ½‖W‖², homogeneous of degree 2, so SGD closes
  // (Q₂(g) = ½ tr(S g_V g_Vᵀ) + ½‖g_W‖²); but θ ↦ sθ is not the symmetry, so g is not homogeneous.
  const d = dyn(
    declared({
      name: 'scale-and-rotate',
      blocks: { W: 'matrix[n, d]', V: 'matrix[n, n]' },
      constants: { S: { shape: 'matrix[n, n]', structure: 'symmetric' } },
      action: { W: 'exp(a)*W', V: 'expm(a*S)*V' },
    }),
    SGD,
  );
  expect(d.laws.map((l) => l.id)).toEqual(['exact-recursion', 'continuous-form']);
  expect(law(d, 'exact-recursion').statement.text).toBe(
    'Q_{k+1} = ((-eta*lambda + 1)^2)·Q_k + (eta^2)·Q₂(g_k),  Q₂(g) = 1/2 tr(S ∂L/∂V ' +
      '(∂L/∂V)ᵀ) + 1/2 ‖∂L/∂W‖²',
  );
});

describe('a charge whose term mixes two blocks: Q = ⟨u, v⟩', () => {
  // Built by hand from the derivation of u ↦ u + a1, v ↦ v − a1 (blocks of one size): its charge
  // replaced by ⟨u, v⟩ = tr(u vᵀ). A block-level action never couples blocks, so no derivation
  // gives this charge; deriveDynamics must still not weight it by a per-block metric.
  const mixedBlocks = (): { decl: BlockDeclaration; d: Derivation } => {
    const { decl, d } = declared({
      name: 'pair',
      blocks: { u: 'vector[n]', v: 'vector[n]' },
      action: { u: 'u + a*ones', v: 'v - a*ones' },
    });
    const sum: WordSum = [{ coef: num(1), word: [letter('block', 'u'), letter('block', 'v', true)] }];
    const laws: Law[] = d.laws.map((l) =>
      l.id === 'charge' ? ({ ...l, data: { kind: 'trace', sum } } as Law) : l,
    );
    return { decl, d: { ...d, laws } };
  };
  /** A word sum of updates u_B (letters 'step') as the same sum of gradient letters, for evalTrace. */
  const stepsAsGrads = (s: WordSum): WordSum =>
    s.map((t) => ({
      coef: t.coef,
      word: t.word.map((l) => (l.kind === 'step' ? { ...l, kind: 'grad' as const } : l)),
    }));

  it('precond: no G-weighted charge, only the per-step identity', () => {
    const d = dyn(mixedBlocks(), 'precond(lr=eta)');
    expect(d.laws.map((l) => l.id)).toEqual(['per-step-identity']);
  });

  it('per-step identity Q(θ−ηU) − Q(θ) = −η(⟨U_u,v⟩ + ⟨u,U_v⟩) + η²⟨U_u,U_v⟩ holds', () => {
    const l = law(dyn(mixedBlocks(), 'adam(lr=eta)'), 'per-step-identity');
    if (l.data.kind !== 'identity') throw new Error('identity expected');
    const { linU, quadU } = l.data;
    const r = rng(9);
    const vec = (): Mat => randMat(4, 1, () => r.next());
    for (let k = 0; k < 5; k++) {
      const [u, v, Uu, Uv] = [vec(), vec(), vec(), vec()];
      const eta = 0.375;
      const dot = (a: Mat, b: Mat): number => a.reduce((s, row, i) => s + row[0]! * b[i]![0]!, 0);
      const moved = (a: Mat, b: Mat): Mat => a.map((row, i) => [row[0]! - eta * b[i]![0]!]);
      const lhs = dot(moved(u, Uu), moved(v, Uv)) - dot(u, v);
      const vals = { blocks: { u, v }, grads: { u: Uu, v: Uv } };
      const lin = evalTrace(stepsAsGrads(linU), vals);
      const quad = evalTrace(stepsAsGrads(quadU), vals);
      close(lin, dot(Uu, v) + dot(u, Uv));
      close(quad, dot(Uu, Uv));
      close(-eta * lin + eta * eta * quad, lhs);
    }
  });
});

describe('a charge plus a constant: Q + ‖1‖² (= Q + n), still conserved under gradient flow', () => {
  // The rescale derivation with ‖1‖² = tr(1 1ᵀ) added to its charge. Weight decay shrinks the θ-part
  // by (1 − ηλ)² but not the constant, so Q((1 − ηλ)θ − ηg) has no closed form in Q; under gradient
  // flow D_θ Q = 2(Q − n), not a multiple of Q.
  const plusConstant = (): { decl: BlockDeclaration; d: Derivation } => {
    const { decl, d } = catalog('rescale');
    const laws: Law[] = d.laws.map((l) =>
      l.id === 'charge' && l.data.kind === 'trace'
        ? ({
            ...l,
            data: {
              kind: 'trace',
              sum: [
                ...l.data.sum,
                { coef: num(1), word: [letter('ones', 'w_in'), letter('ones', 'w_in', true)] },
              ],
            },
          } as Law)
        : l,
    );
    return { decl, d: { ...d, laws } };
  };

  it('SGD: the θ-part (1 − ηλ)²(½‖w_in‖² − ½‖w_out‖²) + ‖1‖² is not a multiple of Q', () => {
    const d = dyn(plusConstant(), SGD);
    expect(d.charge.statement).toBe('Q = 1/2 ‖w_in‖² - 1/2 ‖w_out‖² + ‖1‖²');
    expect(d.laws.map((l) => l.statement.text)).toEqual([
      'no closed recursion: the θ-part (eta^2*lambda^2/2 - eta*lambda + 1/2) ‖w_in‖² + ' +
        '(-eta^2*lambda^2/2 + eta*lambda - 1/2) ‖w_out‖² + ‖1‖² is not a multiple of Q (the charge mixes ' +
        'degrees 2 and 0)',
    ]);
  });

  it('gradient flow: degrees 2 and 0, no closed equation; momentum: no oscillator', () => {
    expect(dyn(plusConstant(), GF).laws.map((l) => l.statement.text)).toEqual([
      'no closed recursion: the charge mixes degrees 2 and 0 in θ, so D_θ Q is not a multiple of Q: no ' +
        'closed equation for Q alone',
    ]);
    expect(dyn(plusConstant(), MOMENTUM).laws.map((l) => l.id)).toEqual(['no-closed-recursion']);
  });
});

it('learning rate and weight decay under one symbol: sgd(lr=eta, wd=eta)', () => {
  // c_Q = (1 − η·η)², c_G = η²; rate a₁ + (a₂ − a₁²/2)η with a₁ = 0, a₂ =
  // −2: −2η; source c_G/η = η.
  const d = dyn(catalog('rescale'), 'sgd(lr=eta, wd=eta)');
  expect(d.laws.map((l) => l.id)).toEqual(['exact-recursion', 'continuous-form']);
  const r = law(d, 'exact-recursion');
  if (r.data.kind !== 'recursion') throw new Error('recursion expected');
  for (const eta of [0.1, 0.3]) {
    close(at(r.data.cQ, { eta }), (1 - eta * eta) ** 2);
    close(at(r.data.cG, { eta }), eta * eta);
  }
  const c = law(d, 'continuous-form');
  if (c.data.kind !== 'continuous') throw new Error('continuous expected');
  for (const eta of [0.1, 0.3]) {
    close(at(c.data.rate, { eta }), -2 * eta);
    close(at(c.data.source, { eta }), eta);
  }
});
