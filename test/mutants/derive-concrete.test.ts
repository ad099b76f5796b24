/**
 * Concrete derivations (src/derive/concrete.ts): every law's data evaluated at random points and
 * compared with the formula worked out by hand for the declared action (generator, ⟨∇L, X⟩, the
 * Hessian constraint's J_Xᵀ ∇L, the charge, the obstruction ∂_j X_i − ∂_i X_j), the record, the
 * trivially proved cases and the verdicts' reasons.
 */
import { readDeclaration } from '../../src/declaration/load';
import { deriveConcrete } from '../../src/derive/concrete';
import { derive } from '../../src/derive';
import type { ConcreteDeclaration, Declaration } from '../../src/declaration/types';
import { type Derivation, type Law, NORMALISATION, SCHEMA_VERSION } from '../../src/derivation';
import type { Expr } from '../../src/expr/ast';
import { compile } from '../../src/expr/evaluate';
import { toText, toLatex, gradSymbol } from '../../src/expr/print';
import { Normalizer } from '../../src/expr/normal';
import * as Q from '../../src/expr/rational';

const decl = (o: Record<string, unknown>): ConcreteDeclaration =>
  readDeclaration({ name: 'test', kind: 'concrete', group: 'a', ...o }) as ConcreteDeclaration;
const law = (d: Derivation, id: string, parameter = 'a'): Law => {
  const l = d.laws.find((x) => x.id === id && x.parameter === parameter);
  if (!l) throw new Error(`no ${id} law for ${parameter} in ${d.laws.map((x) => x.id).join(', ')}`);
  return l;
};
const exprOf = (l: Law): Expr => {
  if (l.data.kind !== 'expr') throw new Error(`law ${l.id} has no expression`);
  return l.data.expr;
};
const lcg = (seed: number): (() => number) => {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
};
/** e and the hand formula agree at 10 random points of the named symbols (gradient symbols included). */
function agrees(e: Expr, names: string[], want: (p: Record<string, number>) => number): void {
  const f = compile(e, names);
  const r = lcg(names.length * 7 + 1);
  for (let i = 0; i < 10; i++) {
    const xs = names.map(() => r() * 4 - 2);
    const p = Object.fromEntries(names.map((n, k) => [n, xs[k]!]));
    const [got, exp] = [f(xs), want(p)];
    expect(Math.abs(got - exp)).toBeLessThan(1e-12 * (1 + Math.abs(exp)));
  }
}
const g = gradSymbol;

describe('rescaling one ReLU unit (e^a w1, e^{-a} w2) on (y − w2 relu(w1 x))²', () => {
  const o = {
    parameters: ['w1', 'w2'],
    data: ['x', 'y'],
    loss: '(y - w2*relu(w1*x))^2',
    action: { w1: 'exp(a)*w1', w2: 'exp(-a)*w2' },
  };
  const d = deriveConcrete(decl(o));

  it('the record, with every law proved at the default 48 points and seed 1', () => {
    expect(d.kind).toBe('derivation');
    expect(d.schemaVersion).toBe(SCHEMA_VERSION);
    expect(d.normalisation).toBe(NORMALISATION);
    expect(d.declaration).toMatchObject({ name: 'test', kind: 'concrete' });
    expect(d.seed).toBe(1);
    expect(d.laws.map((l) => [l.id, l.parameter, l.verdict.kind])).toEqual([
      ['invariance', 'a', 'proved'],
      ['gradient-constraint', 'a', 'proved'],
      ['hessian-constraint', 'a', 'proved'],
      ['charge', 'a', 'proved'],
    ]);
    expect(d.verdict.kind).toBe('proved');
    for (const l of d.laws)
      if (l.verdict.kind === 'proved')
        expect(l.verdict.evidence).toMatch(/^confirmed at 48 random points.*seed 1(;.*)?$/);
    const d5 = deriveConcrete(decl(o), { seed: 5, points: 16 });
    expect(d5.seed).toBe(5);
    for (const l of d5.laws)
      if (l.verdict.kind === 'proved')
        expect(l.verdict.evidence).toMatch(/^confirmed at 16 random points.*seed 5(;.*)?$/);
    expect(derive(decl(o) as Declaration, { seed: 5, points: 16 })).toEqual(d5);
  });

  it('invariance: the moved loss minus the loss, stated for every θ, data and a', () => {
    const inv = law(d, 'invariance');
    expect(inv.title).toBe('Symmetry of the loss');
    expect(inv.statement).toEqual({
      text: 'L(ψ(θ, a)) = L(θ) for all θ, data and a',
      latex: 'L(\\psi(\\theta, a)) = L(\\theta)',
    });
    const relu = (z: number): number => Math.max(0, z);
    agrees(
      exprOf(inv),
      ['w1', 'w2', 'x', 'y', 'a'],
      ({ w1, w2, x, y, a }) =>
        (y! - Math.exp(-a!) * w2! * relu(Math.exp(a!) * w1! * x!)) ** 2 - (y! - w2! * relu(w1! * x!)) ** 2,
    );
  });

  it('X = (w1, −w2); ⟨∇L, X⟩ = w1 ∂L/∂w1 − w2 ∂L/∂w2; H X = −(∂L/∂w1, −∂L/∂w2)', () => {
    expect(d.generators).toHaveLength(1);
    const [c1, c2] = d.generators[0]!.components;
    expect(d.generators[0]!.parameter).toBe('a');
    expect([c1!.target, c2!.target]).toEqual(['w1', 'w2']);
    agrees(c1!.expr!, ['w1', 'w2'], ({ w1 }) => w1!);
    agrees(c2!.expr!, ['w1', 'w2'], ({ w2 }) => -w2!);
    expect(c1!.value).toEqual({ text: toText(c1!.expr!), latex: toLatex(c1!.expr!) });
    const names = ['w1', 'w2', g('w1'), g('w2')];
    const gc = law(d, 'gradient-constraint');
    agrees(exprOf(gc), names, (p) => p['w1']! * p[g('w1')]! - p['w2']! * p[g('w2')]!);
    expect(gc.statement.text).toBe(`${toText(exprOf(gc))} = 0`);
    expect(gc.statement.latex).toBe(`${toLatex(exprOf(gc))} = 0`);
    const h = law(d, 'hessian-constraint');
    if (h.data.kind !== 'vector') throw new Error('a vector law');
    agrees(h.data.components['w1']!, names, (p) => -p[g('w1')]!);
    agrees(h.data.components['w2']!, names, (p) => p[g('w2')]!);
    // The statement shows J_Xᵀ ∇L = (∂L/∂w1, −∂L/∂w2), the negative of the data.
    expect(h.statement.text).toBe('H·(w1, -w2) = -(∂L/∂w1, -∂L/∂w2)');
    const dL = (p: string): string => `\\frac{\\partial L}{\\partial ${p}}`;
    expect(h.statement.latex).toBe(
      'H \\begin{pmatrix} w_{1} \\\\ -w_{2} \\end{pmatrix} = ' +
        `-\\begin{pmatrix} ${dL('w_{1}')} \\\\ -${dL('w_{2}')} \\end{pmatrix}`,
    );
  });

  it('the charge Q = ½ (w1² − w2²)', () => {
    const q = law(d, 'charge');
    expect(q.title).toBe('Gradient-flow charge (conserved under θ̇ = −∇L)');
    agrees(exprOf(q), ['w1', 'w2'], ({ w1, w2 }) => (w1! ** 2 - w2! ** 2) / 2);
    expect(q.statement).toEqual({ text: `Q = ${toText(exprOf(q))}`, latex: `Q = ${toLatex(exprOf(q))}` });
  });
});

describe('laws for each parameter of a group, the others held at 0', () => {
  const d = deriveConcrete(
    decl({
      group: ['a', 'b'],
      parameters: ['u', 'v', 'w'],
      data: ['x', 'y'],
      loss: '(y - w*v*u*x)^2',
      action: { u: 'exp(a)*u', v: 'exp(b - a)*v', w: 'exp(-b)*w' },
    }),
  );
  it('generators (u, −v, 0) and (0, v, −w), charges ½(u² − v²) and ½(v² − w²)', () => {
    expect(d.generators.map((x) => x.parameter)).toEqual(['a', 'b']);
    const [ga, gb] = d.generators;
    const names = ['u', 'v', 'w'];
    agrees(ga!.components[0]!.expr!, names, (p) => p['u']!);
    agrees(ga!.components[1]!.expr!, names, (p) => -p['v']!);
    agrees(ga!.components[2]!.expr!, names, () => 0);
    agrees(gb!.components[1]!.expr!, names, (p) => p['v']!);
    agrees(gb!.components[2]!.expr!, names, (p) => -p['w']!);
    agrees(exprOf(law(d, 'charge', 'a')), names, (p) => (p['u']! ** 2 - p['v']! ** 2) / 2);
    agrees(exprOf(law(d, 'charge', 'b')), names, (p) => (p['v']! ** 2 - p['w']! ** 2) / 2);
    expect(d.laws.filter((l) => l.parameter === 'b').map((l) => l.id)).toEqual([
      'invariance',
      'gradient-constraint',
      'hessian-constraint',
      'charge',
    ]);
    expect(d.verdict.kind).toBe('proved');
  });
});

describe('what obstructs a charge', () => {
  it('a rotation: the obstruction −2 and (A − Aᵀ)/2 in the note, proved by a counterexample', () => {
    const d = deriveConcrete(
      decl({
        parameters: ['u1', 'u2'],
        data: ['y'],
        loss: '(y - u1^2 - u2^2)^2',
        action: { u1: 'cos(a)*u1 - sin(a)*u2', u2: 'sin(a)*u1 + cos(a)*u2' },
      }),
      { seed: 3 },
    );
    expect(d.laws.map((l) => l.id)).toEqual([
      'invariance',
      'gradient-constraint',
      'hessian-constraint',
      'no-charge',
    ]);
    const none = law(d, 'no-charge');
    expect(none.title).toBe('No gradient-flow charge');
    expect(none.data).toEqual({ kind: 'none' });
    expect(none.statement).toEqual({
      text: 'no gradient-flow charge (antisymmetric generator)',
      latex: '\\text{no gradient-flow charge (antisymmetric generator)}',
    });
    // X = (−u2, u1): ∂X_u1/∂u2 − ∂X_u2/∂u1 = −1 − 1 = −2;
    // A = [0, −1; 1, 0] is its own antisymmetric part.
    expect(none.note).toBe(
      'the generator is not a gradient field: ∂X_u1/∂u2 − ∂X_u2/∂u1 = -2. X = Aθ + b is affine with ' +
        'antisymmetric part (A − Aᵀ)/2 = [0, -1; 1, 0] ≠ 0 (antisymmetric generator): only the gradient ' +
        'constraint holds, no quantity is conserved by this generator under gradient flow.',
    );
    expect(none.verdict.kind).toBe('proved');
    if (none.verdict.kind === 'proved') {
      expect(none.verdict.method).toBe('J_X is not symmetric: a counterexample to ∂_j X_i = ∂_i X_j');
      expect(none.verdict.evidence).toMatch(
        /^∂X_u1\/∂u2 − ∂X_u2\/∂u1 = -2 at u1=[^,]+, u2=[^ ]+ \(seed 3\)$/,
      );
    }
  });

  it('a non-affine shear u ↦ u + a v²: the obstruction 2v, and no "antisymmetric" claim', () => {
    const d = deriveConcrete(
      decl({
        parameters: ['u', 'v'],
        data: ['x', 'y'],
        loss: '(y - v*x)^2 + 0*u',
        action: { u: 'u + a*v^2' },
      }),
    );
    const none = law(d, 'no-charge');
    expect(none.statement.text).toBe('no gradient-flow charge');
    expect(none.statement.latex).toBe('\\text{no gradient-flow charge}');
    expect(none.note).toBe('the generator is not a gradient field: ∂X_u/∂v − ∂X_v/∂u = 2*v.');
  });

  it('a gradient field whose potential is not polynomial along the ray: inconclusive, with the reason', () => {
    const d = deriveConcrete(
      decl({
        parameters: ['u', 'v'],
        data: ['x', 'y'],
        loss: '(y - v*x)^2 + 0*u',
        action: { u: 'u + a*sin(u)' },
      }),
    );
    const q = law(d, 'charge');
    expect(q).toMatchObject({
      title: 'Gradient-flow charge',
      statement: {
        text: 'X is a gradient field, but its potential has no closed form here',
        latex: '\\text{potential not in closed form}',
      },
      data: { kind: 'none' },
      verdict: {
        kind: 'inconclusive',
        reason: 'the potential ∫₀¹ ⟨X(tθ), θ⟩ dt is not polynomial in t (integrability: proved)',
      },
    });
    expect(d.verdict.kind).toBe('inconclusive');
  });
});

describe('trivially proved laws', () => {
  it('a translation of a parameter the loss does not depend on: every term vanishes, Q = u', () => {
    const d = deriveConcrete(
      decl({ parameters: ['u', 'v'], data: ['x', 'y'], loss: '(y - v*x)^2 + 0*u', action: { u: 'u + a' } }),
    );
    const trivial = (why: string) => ({ kind: 'proved', method: 'trivial', evidence: why });
    expect(law(d, 'gradient-constraint').verdict).toEqual(trivial('the generator vanishes'));
    expect(law(d, 'hessian-constraint').verdict).toEqual(trivial('every term vanishes'));
    agrees(exprOf(law(d, 'charge')), ['u', 'v'], (p) => p['u']!);
    expect(d.verdict.kind).toBe('proved');
  });

  it('a translation of two parameters: J_X = 0 is symmetric term by term; Q = z1 + z2', () => {
    const d = deriveConcrete(
      decl({
        parameters: ['z1', 'z2'],
        data: ['y'],
        loss: 'log(exp(z1) + exp(z2)) - y*z1 - (1 - y)*z2',
        action: { z1: 'z1 + a', z2: 'z2 + a' },
      }),
    );
    agrees(exprOf(law(d, 'charge')), ['z1', 'z2'], (p) => p['z1']! + p['z2']!);
    // Integrability is trivial; conservation and ∂Q/∂z = X are checked.
    expect(law(d, 'charge').verdict.kind).toBe('proved');
    const names = ['z1', 'z2', g('z1'), g('z2')];
    const h = law(d, 'hessian-constraint');
    if (h.data.kind !== 'vector') throw new Error('a vector law');
    agrees(h.data.components['z1']!, names, () => 0);
    agrees(exprOf(law(d, 'gradient-constraint')), names, (p) => p[g('z1')]! + p[g('z2')]!);
  });

  it('an affine generator with a shift: Q = ½ θᵀAθ + bᵀθ (A symmetric)', () => {
    // (u, v) ↦ (e^a u + (e^a − 1), e^{-a} v): X = (u + 1, −v), A = diag(1, −1), b = (1, 0).
    const d = deriveConcrete(
      decl({
        parameters: ['u', 'v'],
        data: ['x', 'y'],
        loss: '(y - (u + 1)*v*x)^2',
        action: { u: 'exp(a)*u + exp(a) - 1', v: 'exp(-a)*v' },
      }),
    );
    expect(d.verdict.kind).toBe('proved');
    agrees(exprOf(law(d, 'charge')), ['u', 'v'], (p) => (p['u']! ** 2 - p['v']! ** 2) / 2 + p['u']!);
  });
});

describe('more generators', () => {
  const allLaws = (d: Derivation): void => expect(d.laws.every((l) => l.kind === 'law')).toBe(true);

  it('a hyperbolic rotation of (u, v) on a loss of u² − v²: J_X symmetric but not zero, Q = u v', () => {
    const d = deriveConcrete(
      decl({
        parameters: ['u', 'v'],
        data: ['y'],
        loss: '(y - u^2 + v^2)^2',
        action: { u: 'cosh(a)*u + sinh(a)*v', v: 'sinh(a)*u + cosh(a)*v' },
      }),
    );
    allLaws(d);
    expect(d.laws.map((l) => [l.id, l.verdict.kind])).toEqual([
      ['invariance', 'proved'],
      ['gradient-constraint', 'proved'],
      ['hessian-constraint', 'proved'],
      ['charge', 'proved'],
    ]);
    expect(law(d, 'gradient-constraint').title).toBe('Gradient constraint ⟨∇L, X⟩ = 0');
    expect(law(d, 'hessian-constraint').title).toBe('Hessian constraint H X = −J_Xᵀ ∇L');
    agrees(exprOf(law(d, 'charge')), ['u', 'v'], (p) => p['u']! * p['v']!);
  });

  it('two obstructions are both named; an integrable X with a non-polynomial potential is inconclusive', () => {
    const two = deriveConcrete(
      decl({
        parameters: ['u', 'v', 'w'],
        data: ['x', 'y'],
        loss: '(y - w*x)^2 + 0*u + 0*v',
        action: { u: 'u + a*v^2', v: 'v + a*w^2' },
      }),
    );
    allLaws(two);
    expect(law(two, 'no-charge').note).toBe(
      'the generator is not a gradient field: ∂X_u/∂v − ∂X_v/∂u = 2*v; ∂X_v/∂w − ∂X_w/∂v = 2*w.',
    );
    const sine = deriveConcrete(
      decl({
        parameters: ['u', 'v'],
        data: ['x', 'y'],
        loss: '(y - (u - v)*x)^2',
        action: { u: 'u + a*sin(u + v)', v: 'v + a*sin(u + v)' },
      }),
    );
    allLaws(sine);
    expect(law(sine, 'charge').verdict).toEqual({
      kind: 'inconclusive',
      reason: 'the potential ∫₀¹ ⟨X(tθ), θ⟩ dt is not polynomial in t (integrability: proved)',
    });
  });

  it('declared constants are symbols of the laws (role: constant)', () => {
    const d = deriveConcrete(
      decl({
        parameters: ['w1', 'w2'],
        data: ['x', 'y'],
        constants: ['k'],
        loss: '(y - w2*w1^k*x)^2',
        action: { w1: 'exp(a)*w1', w2: 'exp(-k*a)*w2' },
      }),
    );
    allLaws(d);
    expect(d.verdict.kind === 'proved' || d.verdict.kind === 'numerically-verified').toBe(true);
    const q = law(d, 'charge');
    agrees(exprOf(q), ['w1', 'w2', 'k'], (p) => (p['w1']! ** 2 - p['k']! * p['w2']! ** 2) / 2);
  });

  it('an identity the exact normal form cannot reduce: numerically verified unless the CAS is asked', () => {
    const o = {
      parameters: ['u', 'v'],
      data: ['y'],
      loss: '(sigmoid(u) - 1/(1 + exp(-u)))*v + (y - u)^2',
      action: { v: 'v + a' },
    };
    expect(law(deriveConcrete(decl(o)), 'invariance').verdict.kind).toBe('numerically-verified');
    expect(law(deriveConcrete(decl(o), { cas: true }), 'invariance').verdict).toMatchObject({
      kind: 'proved',
      method: 'CAS (nerdamer-prime) reduces the residual to 0',
    });
  });
});

describe('the charge is checked, not taken on trust (a fault put into the integration)', () => {
  afterEach(() => jest.restoreAllMocks());
  it('a potential off by a factor 2 is refuted by ∂Q/∂θ = X', () => {
    const coefficientsIn = Normalizer.prototype.coefficientsIn;
    jest.spyOn(Normalizer.prototype, 'coefficientsIn').mockImplementation(function (
      this: Normalizer,
      ...args: Parameters<Normalizer['coefficientsIn']>
    ) {
      const c = coefficientsIn.apply(this, args);
      return c && new Map([...c].map(([k, v]) => [k, this.scale(v, Q.rat(2))]));
    });
    const d = deriveConcrete(
      decl({
        parameters: ['w1', 'w2'],
        data: ['x', 'y'],
        loss: '(y - w2*w1*x)^2',
        action: { w1: 'exp(a)*w1', w2: 'exp(-a)*w2' },
      }),
    );
    agrees(exprOf(law(d, 'charge')), ['w1', 'w2'], (p) => p['w1']! ** 2 - p['w2']! ** 2);
    expect(law(d, 'charge').verdict.kind).toBe('refuted');
  });
});
