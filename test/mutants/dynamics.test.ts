/**
 * What src/rules/dynamics derives for each learning rule, against formulas worked out by hand from
 * docs/theory.md §3 — the coefficients evaluated numerically, and the statements a user reads (their
 * formula parts written out here from those hand-derived formulas):
 *
 *   SGD:      Q((1 − ηλ)θ − ηg) = (1 − ηλ)^p Q + (terms in g); for a quadratic Q the first-order part is
 *             −η(1 − ηλ)·(gradient constraint); rate ln((1 − ηλ)^p)/η = −pλ − pηλ²/2 + O(η²).
 *   momentum: s_{k+1} = (1 + β − η(1 − d)λ) s_k − β s_{k−1} − η(1 − d) Q(g_k) for a linear charge.
 *   gf:       dQ/dt = −pλ Q for a charge homogeneous of degree p.
 *   precond:  Q_G = Σ_B γ_B Q_B, and Q(θ − ηu) − Q(θ) = −η⟨∇Q, u⟩ + η² Q₂(u).
 */
import { loadCatalog } from '../../src/catalog';
import { readDeclaration } from '../../src/declaration/load';
import { deriveBlock } from '../../src/derive/block';
import { deriveDynamics, type Dynamics, type DynamicsLaw } from '../../src/rules/dynamics';
import { parseRule } from '../../src/rules/rule';
import { compile } from '../../src/expr/evaluate';
import type { Expr } from '../../src/expr/ast';
import type { BlockDeclaration } from '../../src/declaration/types';
import type { Derivation } from '../../src/derivation';
import { SCHEMA_VERSION } from '../../src/derivation';

const derivations = new Map<string, { decl: BlockDeclaration; d: Derivation }>();
const block = (name: string): { decl: BlockDeclaration; d: Derivation } => {
  if (!derivations.has(name)) {
    const decl =
      name === 'mixed'
        ? (readDeclaration({
            name: 'mixed',
            kind: 'block',
            group: 'a',
            sites: ['softmax-column'],
            blocks: { theta: 'vector[n]' },
            action: { theta: 'exp(a)*theta + a*ones' },
          }) as BlockDeclaration)
        : (loadCatalog(name) as BlockDeclaration);
    derivations.set(name, { decl, d: deriveBlock(decl) });
  }
  return derivations.get(name)!;
};
const dyn = (name: string, rule: string): Dynamics => {
  const { decl, d } = block(name);
  return deriveDynamics(decl, d, parseRule(rule));
};
const law = (d: Dynamics, id: DynamicsLaw['id']): DynamicsLaw => {
  const l = d.laws.find((x) => x.id === id);
  if (!l) throw new Error(`no ${id}: ${d.laws.map((x) => x.statement.text).join('; ')}`);
  return l;
};
const at = (e: Expr, vals: Record<string, number>): number =>
  compile(e, Object.keys(vals))(Object.values(vals));
const close = (a: number, b: number): void =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(b)));

const SGD = 'sgd(lr=eta, wd=lambda)';
const MOMENTUM = 'momentum(lr=eta, beta=beta, dampening=d, wd=lambda)';
const VALS = { eta: 0.1, lambda: 0.3, beta: 0.9, d: 0.2 };
const PROVED_METHOD = 'word algebra: exact expansion of the charge along the update, valid for every size';

describe('the dynamics record', () => {
  it('a symmetry with no charge: one law saying so', () => {
    const d = dyn('augmentation', SGD);
    expect(d).toEqual({
      kind: 'dynamics',
      schemaVersion: SCHEMA_VERSION,
      symmetry: 'augmentation',
      rule: parseRule(SGD),
      constraint: [],
      chargeSum: [],
      charge: { statement: 'none', kind: 'trace' },
      laws: [
        {
          kind: 'dynamics-law',
          id: 'no-closed-recursion',
          title: 'No charge to follow',
          statement: {
            text: 'the symmetry has no gradient-flow charge, so a learning rule moves no charge',
            latex: '\\text{no charge}',
          },
          data: { kind: 'none' },
          verdict: { kind: 'proved', method: PROVED_METHOD, evidence: 'no charge law in the derivation' },
        },
      ],
    });
  });

  it('a charge: its statement, kind, canonical sum and the gradient constraint in its form', () => {
    const d = dyn('rescale', SGD);
    expect(d.kind).toBe('dynamics');
    expect(d.schemaVersion).toBe(SCHEMA_VERSION);
    expect(d.symmetry).toBe('rescale');
    expect(d.charge).toEqual({ statement: 'Q = 1/2 ‖w_in‖² - 1/2 ‖w_out‖²', kind: 'trace' });
    // ½‖w_in‖² − ½‖w_out‖² and ⟨w_in, g_in⟩ − ⟨w_out, g_out⟩: two words each,
    // coefficients ±1/2 and ±1.
    expect(d.chargeSum.map((t) => at(t.coef, {}))).toEqual([0.5, -0.5]);
    expect(d.constraint.map((t) => at(t.coef, {}))).toEqual([1, -1]);
    expect(d.constraint.map((t) => t.word.map((l) => l.kind))).toEqual([
      ['block', 'grad'],
      ['block', 'grad'],
    ]);
    const gl = dyn('gl', SGD);
    expect(gl.charge).toEqual({ statement: 'C = 1/2 W1 W1ᵀ - 1/2 W2ᵀ W2', kind: 'matrix' });
    expect(gl.constraint.length).toBeGreaterThan(0);
  });
});

it("a derivation's other laws and their order do not matter (the CLI puts a tested invariance first)", () => {
  // Each rule reads the charge and the gradient constraint of the charge's own form; a derivation
  // with its laws reversed (or with another law in front) derives the same dynamics.
  for (const name of ['rescale', 'translation', 'gl']) {
    const { decl, d } = block(name);
    const reversed = { ...d, laws: [...d.laws].reverse() };
    for (const rule of [SGD, MOMENTUM, 'gf(wd=lambda)', 'precond(lr=eta, wd=lambda)']) {
      const text = (x: Derivation) =>
        deriveDynamics(decl, x, parseRule(rule)).laws.map((l) => `${l.id}: ${l.statement.text}`);
      expect(text(reversed)).toEqual(text(d));
    }
  }
});

it('every law is a dynamics-law record', () => {
  for (const [name, rule] of [
    ['rescale', SGD],
    ['scale', SGD],
    ['translation', MOMENTUM],
    ['rescale', MOMENTUM],
    ['rescale', 'precond(lr=eta)'],
    ['rescale', 'adam(lr=eta)'],
    ['rescale', 'gf(wd=lambda)'],
    ['mixed', SGD],
  ] as const)
    for (const l of dyn(name, rule).laws) expect(l.kind).toBe('dynamics-law');
});

it("the rule's own symbols are used: sgd(lr=h, wd=mu)", () => {
  const l = law(dyn('translation', 'sgd(lr=h, wd=mu)'), 'exact-recursion');
  expect(l.statement.text).toBe('Q_{k+1} = (-h*mu + 1)·Q_k');
  const c = law(dyn('translation', 'sgd(lr=h, wd=mu)'), 'continuous-form');
  if (c.data.kind !== 'continuous') throw new Error('continuous expected');
  close(at(c.data.rate, { h: 0.1, mu: 0.3 }), -0.3 - (0.1 * 0.09) / 2);
});

describe('SGD with weight decay', () => {
  it('rescale: Q_{k+1} = (1 − ηλ)² Q_k + η² Q₂(g_k), dropping −η(1 − ηλ) × the constraint', () => {
    const d = dyn('rescale', SGD);
    expect(d.laws.map((l) => l.id)).toEqual(['exact-recursion', 'continuous-form']);
    const l = law(d, 'exact-recursion');
    expect(l.title).toBe('SGD with weight decay: exact one-step recursion (any minibatch)');
    expect(l.statement.text).toBe(
      'Q_{k+1} = ((-eta*lambda + 1)^2)·Q_k + (eta^2)·Q₂(g_k),  Q₂(g) = 1/2 ‖∂L/∂w_in‖² ' +
        '- 1/2 ‖∂L/∂w_out‖²',
    );
    expect(l.statement.latex).toBe(
      'Q_{k+1} = \\left(\\left(-\\eta \\, \\lambda + 1\\right)^{2}\\right) Q_k + \\left(\\eta^{2}\\right) ' +
        'Q_2(g_k), \\quad Q_2(g) = \\frac{1}{2} \\, \\lVert \\nabla_{w_{\\mathrm{in}}} L \\rVert^{2} - ' +
        '\\frac{1}{2} \\, \\lVert \\nabla_{w_{\\mathrm{out}}} L \\rVert^{2}',
    );
    if (l.data.kind !== 'recursion') throw new Error('recursion expected');
    close(at(l.data.cQ, VALS), (1 - 0.1 * 0.3) ** 2);
    close(at(l.data.cG, VALS), 0.01);
    close(at(l.data.cDropped, VALS), -0.1 * (1 - 0.1 * 0.3));
    expect(l.data.quadG.map((t) => [at(t.coef, {}), t.word.map((x) => x.kind)])).toEqual([
      [0.5, ['grad', 'grad']],
      [-0.5, ['grad', 'grad']],
    ]);
    expect(l.verdict).toEqual({
      kind: 'proved',
      method: PROVED_METHOD,
      evidence:
        'Q((1 − ηλ)θ − ηg) expanded; its first-order part is (eta^2*lambda - eta) × the gradient ' +
        'constraint, which vanishes on every minibatch',
    });
    expect(l.note).toMatch(/^g_k is the gradient of the minibatch loss used at step k/);
  });

  it('rescale, continuous form: rate −2λ − ηλ², source η', () => {
    const l = law(dyn('rescale', SGD), 'continuous-form');
    expect(l.title).toBe('Finite learning rate, continuous time t = ηk (modified flow)');
    expect(l.statement.text).toBe(
      'dQ/dt = (-eta*lambda^2 - 2*lambda)·Q + (eta)·Q₂(g): to first order in η, Q(t) = ' +
        'e^{(-eta*lambda^2 - 2*lambda) t} Q(0) + (eta) ∫₀ᵗ e^{(-eta*lambda^2 - ' +
        '2*lambda)(t−τ)} Q₂(g(τ)) dτ',
    );
    expect(l.statement.latex).toBe(
      '\\frac{dQ}{dt} = \\left(-\\eta \\, \\lambda^{2} - 2 \\, \\lambda\\right) Q + \\left(\\eta\\right) Q_2(g)',
    );
    if (l.data.kind !== 'continuous') throw new Error('continuous expected');
    close(at(l.data.rate, VALS), -2 * 0.3 - 0.1 * 0.09);
    close(at(l.data.source, VALS), 0.1);
    expect(l.data.quadG).toHaveLength(2);
    expect(l.verdict.kind).toBe('proved');
    expect(l.note).toMatch(/modified flow/);
  });

  it('translation (linear): Q_{k+1} = (1 − ηλ) Q_k, no Q₂ term; rate −λ − ηλ²/2', () => {
    const d = dyn('translation', SGD);
    expect(d.laws.map((x) => x.id)).toEqual(['exact-recursion', 'continuous-form']);
    const l = law(d, 'exact-recursion');
    expect(l.statement.text).toBe('Q_{k+1} = (-eta*lambda + 1)·Q_k');
    expect(l.statement.latex).toBe('Q_{k+1} = \\left(-\\eta \\, \\lambda + 1\\right) Q_k');
    if (l.data.kind !== 'recursion') throw new Error('recursion expected');
    close(at(l.data.cDropped, VALS), -0.1);
    close(at(l.data.cG, VALS), 0);
    const c = law(d, 'continuous-form');
    expect(c.statement.text).toBe(
      'dQ/dt = (-eta*lambda^2/2 - lambda)·Q: to first order in η, Q(t) = e^{(-eta*lambda^2/2 - lambda) t} Q(0)',
    );
    expect(c.statement.latex).toBe(
      '\\frac{dQ}{dt} = \\left(-\\frac{\\eta \\, \\lambda^{2}}{2} - \\lambda\\right) Q',
    );
    if (c.data.kind !== 'continuous') throw new Error('continuous expected');
    close(at(c.data.rate, VALS), -0.3 - (0.1 * 0.09) / 2);
  });

  it('scale (a pure scaling): normalisation, ρ⁴ = η‖ĝ‖²/(λ(2 − ηλ))', () => {
    const d = dyn('scale', SGD);
    expect(d.laws.map((l) => l.id)).toEqual(['exact-recursion', 'normalisation', 'continuous-form']);
    const l = law(d, 'normalisation');
    expect(l.title).toBe('Normalisation as adaptive optimisation: effective learning rate and steady state');
    expect(l.statement.text).toBe(
      'g(sθ) = g(θ)/s for s > 0, so with ρ = ‖θ‖ and ĝ = g(θ/ρ): ρ²_{k+1} = ' +
        '((-eta*lambda + 1)^2)·ρ²_k + ' +
        '(eta^2)·‖ĝ_k‖²/ρ²_k; the direction θ/ρ moves with effective learning rate η/ρ²; steady state ' +
        'ρ⁴ = (eta/(lambda*(-eta*lambda + 2)))·‖ĝ‖²',
    );
    expect(l.statement.latex).toBe(
      '\\rho_{k+1}^2 = \\left(\\left(-\\eta \\, \\lambda + 1\\right)^{2}\\right) \\rho_k^2 + ' +
        '\\left(\\eta^{2}\\right) \\frac{\\lVert \\hat g_k \\rVert^2}{\\rho_k^2}, \\quad \\rho^4_\\ast = ' +
        '\\left(\\frac{\\eta}{\\lambda \\, \\left(-\\eta \\, \\lambda + 2\\right)}\\right) \\lVert \\hat g \\rVert^2',
    );
    if (l.data.kind !== 'normalisation') throw new Error('normalisation expected');
    close(at(l.data.cQ, VALS), (1 - 0.03) ** 2);
    close(at(l.data.cG, VALS), 0.01);
    close(at(l.data.steady!, VALS), 0.1 / (0.3 * (2 - 0.03)));
    expect(l.verdict.kind).toBe('proved');
    expect(l.note).toMatch(/^ĝ changes with the direction θ\/ρ/);
    // Not for rescale, whose generator scales w_in and w_out oppositely; nor gl (matrices).
    expect(dyn('rescale', SGD).laws.some((x) => x.id === 'normalisation')).toBe(false);
    expect(dyn('gl', SGD).laws.some((x) => x.id === 'normalisation')).toBe(false);
    expect(dyn('homogeneity', SGD).laws.some((x) => x.id === 'normalisation')).toBe(false);
  });

  it('the normalisation law comes exactly with a pure scaling: X_B = c θ_B, one c for every block', () => {
    // What the law needs (docs/theory.md §3): invariance under θ ↦ sθ of every block at once.
    const sgdLaws = (action: Record<string, string>, blocks = { w_in: 'vector[n]', w_out: 'vector[m]' }) => {
      const decl = readDeclaration({
        name: 'scaling',
        kind: 'block',
        group: 'a',
        sites: ['hidden-unit'],
        blocks,
        action,
      }) as BlockDeclaration;
      return deriveDynamics(decl, deriveBlock(decl), parseRule(SGD)).laws.map((l) => l.id);
    };
    // Both blocks scaled alike: a pure scaling.
    expect(sgdLaws({ w_in: 'exp(a)*w_in', w_out: 'exp(a)*w_out' })).toContain('normalisation');
    // Scaled at different rates, or only one of two blocks: not a scaling of θ.
    expect(sgdLaws({ w_in: 'exp(2*a)*w_in', w_out: 'exp(a)*w_out' })).not.toContain('normalisation');
    expect(sgdLaws({ w_in: 'exp(a)*w_in' })).not.toContain('normalisation');
    // A scaling plus a shift (X = θ + 1) is not a pure scaling either.
    expect(dyn('mixed', SGD).laws.map((l) => l.id)).not.toContain('normalisation');
  });

  it('gl (a matrix charge): C_{k+1} = (1 − ηλ)² C_k + η² C₂(g_k)', () => {
    const l = law(dyn('gl', SGD), 'exact-recursion');
    expect(l.statement.text).toBe(
      'C_{k+1} = ((-eta*lambda + 1)^2)·C_k + (eta^2)·C₂(g_k),  C₂(g) = 1/2 ∂L/∂W1 ' +
        '(∂L/∂W1)ᵀ - 1/2 (∂L/∂W2)ᵀ ∂L/∂W2',
    );
    if (l.data.kind !== 'recursion') throw new Error('recursion expected');
    close(at(l.data.cQ, VALS), (1 - 0.03) ** 2);
  });

  it('a charge mixing degrees 2 and 1: no closed recursion, and why', () => {
    const d = dyn('mixed', SGD);
    expect(d.laws).toHaveLength(1);
    expect(d.laws[0]!.id).toBe('no-closed-recursion');
    expect(d.laws[0]!.title).toBe('No closed recursion');
    expect(d.laws[0]!.statement).toEqual({
      text:
        'no closed recursion: the first-order term (eta^2*lambda - eta) ⟨∂L/∂theta, theta⟩ - ' +
        'eta ⟨1, ∂L/∂theta⟩ ' +
        'is not a multiple of the gradient constraint (a charge mixing degrees under weight decay)',
      latex: '\\text{no closed recursion}',
    });
    expect(d.laws[0]!.data).toEqual({ kind: 'none' });
  });
});

describe('gradient flow with weight decay: dQ/dt = −pλ Q', () => {
  it.each([
    ['rescale', 'Q', 2],
    ['translation', 'Q', 1],
    ['gl', 'C', 2],
  ] as const)('%s', (name, qn, p) => {
    const d = dyn(name, 'gf(wd=lambda)');
    expect(d.laws.map((l) => l.id)).toEqual(['continuous-decay']);
    const l = d.laws[0]!;
    const r = p === 1 ? 'lambda' : `${p}*lambda`;
    expect(l.title).toBe('Gradient flow with weight decay');
    expect(l.statement.text).toBe(`d${qn}/dt = −(${r})·${qn}, so ${qn}(t) = e^{−(${r}) t} ${qn}(0)`);
    if (l.data.kind !== 'decay') throw new Error('decay expected');
    close(at(l.data.rate, VALS), p * 0.3);
    expect(l.verdict).toEqual({
      kind: 'proved',
      method: PROVED_METHOD,
      evidence: `⟨∇Q, g⟩ is a multiple of the gradient constraint; D_θ Q = ${p}·Q (every term has degree ${p})`,
    });
  });

  it('rescale latex: dQ/dt = −(2λ) Q', () => {
    expect(law(dyn('rescale', 'gf(wd=lambda)'), 'continuous-decay').statement.latex).toBe(
      '\\frac{dQ}{dt} = -\\left(2 \\, \\lambda\\right) Q, \\quad Q(t) = e^{-\\left(2 \\, \\lambda\\right) t}\\, Q(0)',
    );
  });

  it('a charge mixing degrees: no closed equation', () => {
    const d = dyn('mixed', 'gf(wd=lambda)');
    expect(d.laws.map((l) => l.statement.text)).toEqual([
      'no closed recursion: the charge mixes degrees 2 and 1 in θ, so D_θ Q is not a multiple of Q: no ' +
        'closed equation for Q alone',
    ]);
  });
});

describe('heavy-ball momentum', () => {
  it('translation: s_{k+1} = (1 + β − η(1 − d)λ) s_k − β s_{k−1}, dropping −η(1 − d) Q(g_k)', () => {
    const d = dyn('translation', MOMENTUM);
    expect(d.laws.map((l) => l.id)).toEqual(['oscillator', 'two-step-recursion']);
    const l = law(d, 'two-step-recursion');
    expect(l.title).toBe('Heavy-ball momentum: exact two-step recursion (linear charge)');
    expect(l.statement.text).toBe('Q_{k+1} = (beta - eta*(-d + 1)*lambda + 1)·Q_k + (-beta)·Q_{k−1}');
    expect(l.statement.latex).toBe(
      'Q_{k+1} = \\left(\\beta - \\eta \\, \\left(-d + 1\\right) \\, \\lambda + 1\\right) Q_k + ' +
        '\\left(-\\beta\\right) Q_{k-1}',
    );
    if (l.data.kind !== 'two-step') throw new Error('two-step expected');
    close(at(l.data.cur, VALS), 1 + 0.9 - 0.1 * 0.8 * 0.3);
    close(at(l.data.prev, VALS), -0.9);
    close(at(l.data.cDropped, VALS), -0.1 * 0.8);
    expect(l.verdict.kind === 'proved' && l.verdict.evidence).toBe(
      'Q is linear and Q(g) = ⟨1, ∂L/∂theta⟩ is a multiple of the gradient constraint, so Q(v_{k+1}) = ' +
        'β Q(v_k) + (1 − d) λ Q_k with Q(v_k) = (Q_{k−1} − Q_k)/η',
    );
    expect(l.note).toMatch(/^v₀ = 0, v_\{k\+1\} = β v_k/);
  });

  it(
    'the oscillator: m = η(1 − d)(1 + β)/2, γ = (1 − β)/2m, ω² = pλ/m; ' +
      'driven only for quadratic charges',
    () => {
      const m = (0.1 * 0.8 * 1.9) / 2;
      const lin = law(dyn('translation', MOMENTUM), 'oscillator');
      expect(lin.title).toBe('Heavy-ball momentum, continuous limit: a damped, driven oscillator');
      expect(lin.statement.text).toBe(
        "Q'' + 2γ Q' + ω² Q = 0;  t = η(1−d)k, m = eta*(-d + 1)*(beta + 1)/2, γ = (-beta + 1)/(2*m), " +
          'ω² = lambda/m. Homogeneous solutions: under-damped (ω > γ) e^{−γt}(A cos ω_d t + B sin ω_d t), ' +
          'ω_d = √(ω² − γ²); critically damped (ω = γ) e^{−γt}(A + B t); over-damped (ω < γ) A ' +
          'e^{−(γ−√(γ²−ω²))t} + B e^{−(γ+√(γ²−ω²))t}',
      );
      expect(lin.statement.latex).toBe(
        '\\ddot Q + 2\\gamma \\dot Q + \\omega^2 Q = 0, \\quad m = \\frac{\\eta \\, \\left(-d + 1\\right) \\, ' +
          '\\left(\\beta + 1\\right)}{2}, \\ \\gamma = \\frac{\\left(-\\beta + 1\\right)}{2 \\, m}, \\ \\omega^2 = ' +
          '\\frac{\\lambda}{m}',
      );
      if (lin.data.kind !== 'oscillator') throw new Error('oscillator expected');
      close(at(lin.data.m, VALS), m);
      close(at(lin.data.gamma, VALS), 0.1 / (2 * m));
      close(at(lin.data.omega2, VALS), 0.3 / m);
      expect(lin.data.quadV).toEqual([]);
      expect(lin.verdict.kind === 'proved' && lin.verdict.evidence).toBe(
        'along m θ̈ + (1 − β) θ̇ = −(g + λθ): Q̈ = 2Q₂(θ̇) + ⟨X, θ̈⟩; ⟨X, g⟩ ' +
          '= 0 (gradient constraint) and ' +
          'D_θ Q = 1·Q',
      );
      expect(lin.note).toMatch(/^started at θ̇\(0\) = −\(g₀ \+ λθ₀\)\/\(1 \+ β\)/);

      const quad = law(dyn('rescale', MOMENTUM), 'oscillator');
      const equation = "Q'' + 2γ Q' + ω² Q = 2·Q₂(θ') ";
      expect(
        quad.statement.text.startsWith(
          equation + 'with Q₂(u) = 1/2 ‖u_w_in‖² - 1/2 ‖u_w_out‖²;  t = η(1−d)k, ',
        ),
      ).toBe(true);
      expect(quad.statement.text).toContain('ω² = 2*lambda/m.');
      expect(quad.statement.text).toMatch(
        /; driven part ∫₀ᵗ e\^\{−γ\(t−τ\)\} sin\(ω_d\(t−τ\)\)\/ω_d · 2Q₂\(θ'\(τ\)\) dτ$/,
      );
      expect(quad.statement.latex).toMatch(
        /^\\ddot Q \+ 2\\gamma \\dot Q \+ \\omega\^2 Q = 2 Q_2\(\\dot\\theta\), /,
      );
      if (quad.data.kind !== 'oscillator') throw new Error('oscillator expected');
      close(at(quad.data.omega2, VALS), (2 * 0.3) / m);
      expect(quad.data.quadV.map((t) => [at(t.coef, {}), t.word.map((x) => x.kind)])).toEqual([
        [0.5, ['step', 'step']],
        [-0.5, ['step', 'step']],
      ]);
    },
  );

  it('a quadratic charge has no two-step recursion, and says why', () => {
    const d = dyn('rescale', MOMENTUM);
    expect(d.laws.map((l) => l.id)).toEqual(['oscillator', 'no-closed-recursion']);
    expect(law(d, 'no-closed-recursion').statement.text).toBe(
      'no closed recursion: the charge is quadratic: Q(θ_{k+1}) involves ⟨X(θ_k), v_{k+1}⟩, and v_{k+1} ' +
        'mixes gradients of earlier steps taken at other parameters, for which the gradient constraint at θ_k ' +
        'says nothing — no closed recursion in Q (the continuous-time oscillator form is the approximation)',
    );
    expect(law(dyn('gl', MOMENTUM), 'no-closed-recursion').statement.text).toMatch(
      /no closed recursion in C /,
    );
  });

  it('a charge of mixed degree has no oscillator limit either', () => {
    expect(dyn('mixed', MOMENTUM).laws.map((l) => l.id)).toEqual(['no-closed-recursion']);
  });
});

describe('preconditioning and Adam', () => {
  it('rescale under a constant metric: Q_G = γ_in/2 ‖w_in‖² − γ_out/2 ‖w_out‖²', () => {
    const d = dyn('rescale', 'precond(lr=eta)');
    expect(d.laws.map((l) => l.id)).toEqual(['metric-charge', 'per-step-identity']);
    const l = law(d, 'metric-charge');
    expect(l.title).toBe('Constant metric: the G-weighted charge');
    expect(l.statement.text).toBe(
      'for θ̇ = −G⁻¹∇L with a constant metric G = diag(γ_w_in, γ_w_out) on the blocks, Q_G = ' +
        'gamma_w_in/2 ‖w_in‖² - gamma_w_out/2 ‖w_out‖² is conserved (∇Q_G = G X, so dQ_G/dt = ' +
        '−⟨G X, G⁻¹ g⟩ = −⟨X, g⟩ = 0); the unweighted Q moves by −⟨X, G⁻¹g⟩',
    );
    expect(l.statement.latex).toBe(
      'Q_G = \\frac{\\gamma_{\\mathrm{w\\_in}}}{2} \\, \\lVert w_{\\mathrm{in}} \\rVert^{2} - ' +
        '\\frac{\\gamma_{\\mathrm{w\\_out}}}{2} \\, \\lVert w_{\\mathrm{out}} \\rVert^{2}',
    );
    if (l.data.kind !== 'metric-charge') throw new Error('metric-charge expected');
    expect(l.data.gammas).toEqual({ w_in: 'gamma_w_in', w_out: 'gamma_w_out' });
    const g = { gamma_w_in: 3, gamma_w_out: 5 };
    expect(l.data.sum.map((t) => at(t.coef, g))).toEqual([1.5, -2.5]);
    expect(l.verdict.kind === 'proved' && l.verdict.evidence).toBe(
      'the block gradient of Q_G equals γ_B X_B for every block',
    );
    expect(l.note).toMatch(/^a general constant metric admits such a charge/);
  });

  it('gl: the metric charge of a matrix charge is checked through ⟨E, C_G⟩', () => {
    const l = law(dyn('gl', 'precond(lr=eta)'), 'metric-charge');
    expect(l.statement.latex).toMatch(/^C_G = /);
    expect(l.verdict.kind === 'proved' && l.verdict.evidence).toBe(
      'the block gradient of ⟨E, C_G⟩ equals γ_B X_B for every block and every symmetric E',
    );
  });

  it('per-step identity: Q_{k+1} − Q_k = −η⟨∇Q, u⟩ + η² Q₂(u)', () => {
    const p = law(dyn('rescale', 'precond(lr=eta)'), 'per-step-identity');
    expect(p.title).toBe(
      'Preconditioned GD: exact per-step change of the charge (kinetic symmetry breaking)',
    );
    expect(p.statement.text).toBe(
      'Q_{k+1} − Q_k = −η·(⟨u_w_in, w_in⟩ - ⟨u_w_out, w_out⟩) + η²·(1/2 ' +
        '‖u_w_in‖² - 1/2 ‖u_w_out‖²)   ' +
        'with u_k = G⁻¹(g_k + λθ_k) with a constant diagonal G',
    );
    if (p.data.kind !== 'identity') throw new Error('identity expected');
    expect(p.data.linU.map((t) => at(t.coef, {}))).toEqual([1, -1]);
    expect(p.data.quadU.map((t) => at(t.coef, {}))).toEqual([0.5, -0.5]);
    expect(p.verdict.kind === 'proved' && p.verdict.evidence).toBe(
      'Q(θ − ηu) expanded exactly; the first-order term is −η⟨∇Q, u⟩ = −η⟨X, u⟩',
    );
    expect(p.note).toBe(
      'the breaking term −η⟨X, u_k⟩ does not vanish because u_k is not along g_k; the drift of Q over a ' +
        'trajectory is the sum of these terms',
    );

    const a = dyn('rescale', 'adam(lr=eta)');
    expect(a.laws.map((l) => l.id)).toEqual(['per-step-identity']);
    const l = a.laws[0]!;
    expect(l.title).toBe('Adam: exact per-step change of the charge (kinetic symmetry breaking)');
    expect(l.statement.text.endsWith("   with u_k = m̂_k / (√v̂_k + ε), Adam's moments of g_k + λθ_k")).toBe(
      true,
    );
    expect(l.statement.latex).toBe(
      'Q_{k+1} - Q_k = -\\eta \\left(\\langle u_{w_{\\mathrm{in}}}, w_{\\mathrm{in}} \\rangle - ' +
        '\\langle u_{w_{\\mathrm{out}}}, w_{\\mathrm{out}} \\rangle\\right) + \\eta^2 \\left(\\frac{1}{2} \\, ' +
        '\\lVert u_{w_{\\mathrm{in}}} \\rVert^{2} - \\frac{1}{2} \\, \\lVert u_{w_{\\mathrm{out}}} \\rVert^{2}\\right)',
    );
    expect(l.note).toMatch(
      new RegExp(
        'sum of these terms \\(the preconditioner diag\\(√v̂ \\+ ε\\) moves in time, so no reweighted ' +
          'charge is conserved either\\)$',
      ),
    );
  });

  it('a linear charge: no η² term', () => {
    const l = law(dyn('translation', 'adam(lr=eta)'), 'per-step-identity');
    const step = 'Q_{k+1} − Q_k = −η·(⟨u_theta, 1⟩)   ';
    expect(l.statement.text).toBe(step + "with u_k = m̂_k / (√v̂_k + ε), Adam's moments of g_k + λθ_k");
    expect(l.statement.latex).toBe(
      'Q_{k+1} - Q_k = -\\eta \\left(\\langle u_{\\theta}, \\mathbf{1} \\rangle\\right)',
    );
    if (l.data.kind !== 'identity') throw new Error('identity expected');
    expect(l.data.quadU).toEqual([]);
  });

  it('a charge mixing degrees still has a metric charge: γ/2 ‖θ‖² + γ ⟨1, θ⟩', () => {
    const l = law(dyn('mixed', 'precond(lr=eta)'), 'metric-charge');
    if (l.data.kind !== 'metric-charge') throw new Error('metric-charge expected');
    expect(l.data.sum.map((t) => at(t.coef, { gamma_theta: 4 }))).toEqual([2, 4]);
  });
});
