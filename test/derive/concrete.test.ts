/**
 * Concrete declarations: the engine derives laws for actions no table lists, and refutes
 * near-miss actions with counterexamples that reproduce. Expected answers are computed
 * independently inside the tests (docs/theory.md §2: for an affine generator X = Aθ + b with A = Aᵀ,
 * Q = ½ θᵀAθ + bᵀθ), evaluated with plain JavaScript.
 */
import { test, fc } from '@fast-check/jest';
import { readDeclaration } from '../../src/declaration/load';
import { deriveConcrete } from '../../src/derive/concrete';
import type { Derivation, Law } from '../../src/derivation';
import { compile } from '../../src/expr/evaluate';
import type { Verdict } from '../../src/verdict';
import type { ConcreteDeclaration } from '../../src/declaration/types';

const law = (d: Derivation, id: string): Law => {
  const l = d.laws.find((x) => x.id === id);
  if (!l) throw new Error(`no ${id} law in ${d.laws.map((x) => x.id).join(', ')}`);
  return l;
};
/** A small seeded generator for test points (independent of the toolkit's RNG). */
const lcg = (seed: number): (() => number) => {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
};
const holds = (v: Verdict): boolean => v.kind === 'proved' || v.kind === 'numerically-verified';
const decl = (o: Record<string, unknown>): ConcreteDeclaration =>
  readDeclaration({ name: 'test', kind: 'concrete', group: 'a', ...o }) as ConcreteDeclaration;

/** Evaluate a derived charge at a point and compare with the independent formula. */
function chargeMatches(
  d: Derivation,
  params: string[],
  expected: (p: number[]) => number,
  rand: () => number,
): boolean {
  const l = law(d, 'charge');
  if (l.data.kind !== 'expr') return false;
  const f = compile(l.data.expr, params);
  for (let i = 0; i < 20; i++) {
    const p = params.map(() => rand() * 4 - 2);
    const [a, b] = [f(p), expected(p)];
    if (Math.abs(a - b) > 1e-12 * (1 + Math.abs(b))) return false;
  }
  return true;
}

describe('derivation from actions no catalog lists', () => {
  test.prop([fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer()], { numRuns: 12 })(
    'unequal exponents: (e^{pa} w1, e^{-qa} w2) on (y - w1^q w2^p x)^2 has charge (p w1² - q w2²)/2',
    (p, q, seed) => {
      const d = deriveConcrete(
        decl({
          parameters: ['w1', 'w2'],
          data: ['x', 'y'],
          loss: `(y - w1^${q}*w2^${p}*x)^2`,
          action: { w1: `exp(${p}*a)*w1`, w2: `exp(-${q}*a)*w2` },
        }),
        { points: 16 },
      );
      expect(d.laws.every((l) => holds(l.verdict))).toBe(true);
      expect(chargeMatches(d, ['w1', 'w2'], ([w1, w2]) => (p * w1! ** 2 - q * w2! ** 2) / 2, lcg(seed))).toBe(
        true,
      );
    },
  );

  it('a chain of three scalar layers (e^{pa}, e^{qa}, e^{-(p+q)a}) has charge (p w1² + q w2² - (p+q) w3²)/2', () => {
    const d = deriveConcrete(
      decl({
        parameters: ['w1', 'w2', 'w3'],
        data: ['x', 'y'],
        loss: '(y - w3*w2*w1*x)^2',
        action: { w1: 'exp(2*a)*w1', w2: 'exp(3*a)*w2', w3: 'exp(-5*a)*w3' },
      }),
    );
    expect(law(d, 'invariance').verdict.kind).toBe('proved');
    expect(law(d, 'gradient-constraint').verdict.kind).toBe('proved');
    expect(law(d, 'hessian-constraint').verdict.kind).toBe('proved');
    expect(
      chargeMatches(
        d,
        ['w1', 'w2', 'w3'],
        ([a, b, c]) => (2 * a! ** 2 + 3 * b! ** 2 - 5 * c! ** 2) / 2,
        lcg(11),
      ),
    ).toBe(true);
  });

  it('mixed translation and scaling: (b + a, e^{-a} w) on (y - exp(b) w x)^2 has charge b - w²/2', () => {
    const d = deriveConcrete(
      decl({
        parameters: ['b', 'w'],
        data: ['x', 'y'],
        loss: '(y - exp(b)*w*x)^2',
        action: { b: 'b + a', w: 'exp(-a)*w' },
      }),
    );
    expect(law(d, 'invariance').verdict.kind).toBe('proved');
    expect(chargeMatches(d, ['b', 'w'], ([b, w]) => b! - w! ** 2 / 2, lcg(11))).toBe(true);
  });

  it('softmax translation of both logits is proved; the charge is z1 + z2', () => {
    const d = deriveConcrete(
      decl({
        parameters: ['z1', 'z2'],
        data: ['y'],
        loss: 'log(exp(z1) + exp(z2)) - y*z1 - (1 - y)*z2',
        action: { z1: 'z1 + a', z2: 'z2 + a' },
      }),
    );
    expect(law(d, 'invariance').verdict.kind).toBe('proved');
    expect(law(d, 'gradient-constraint').verdict.kind).toBe('proved');
    expect(chargeMatches(d, ['z1', 'z2'], ([x, y]) => x! + y!, lcg(11))).toBe(true);
  });

  it(
    'a rotation of a factorisation: invariance and constraints hold, and no charge is stated ' +
      '(antisymmetric generator)',
    () => {
      const d = deriveConcrete(
        decl({
          parameters: ['u1', 'u2', 'w1', 'w2'],
          data: ['y'],
          loss: '(y - (u1*w1 + u2*w2))^2',
          action: {
            u1: 'cos(a)*u1 - sin(a)*u2',
            u2: 'sin(a)*u1 + cos(a)*u2',
            w1: 'cos(a)*w1 - sin(a)*w2',
            w2: 'sin(a)*w1 + cos(a)*w2',
          },
        }),
      );
      expect(holds(law(d, 'invariance').verdict)).toBe(true);
      expect(holds(law(d, 'gradient-constraint').verdict)).toBe(true);
      expect(d.laws.some((l) => l.id === 'charge')).toBe(false);
      const none = law(d, 'no-charge');
      expect(none.statement.text).toContain('antisymmetric generator');
      expect(none.note).toMatch(/not a gradient field/);
    },
  );

  it('a multi-parameter group gets laws per parameter', () => {
    const d = deriveConcrete(
      decl({
        group: ['a', 'b'],
        parameters: ['w1', 'w2', 'w3'],
        data: ['x', 'y'],
        loss: '(y - w3*w2*w1*x)^2',
        action: { w1: 'exp(a)*w1', w2: 'exp(b - a)*w2', w3: 'exp(-b)*w3' },
      }),
    );
    expect(d.generators.map((g) => g.parameter)).toEqual(['a', 'b']);
    expect(d.laws.filter((l) => l.id === 'charge').length).toBe(2);
    expect(d.verdict.kind).toBe('proved');
  });
});

describe('refutation of near-miss actions, with counterexamples that reproduce', () => {
  // The losses written again as plain JavaScript, to re-evaluate counterexamples independently.
  const cases: [string, Record<string, unknown>, (v: Record<string, number>) => [number, number]][] = [
    [
      'rescaling through tanh',
      {
        parameters: ['w1', 'w2'],
        data: ['x', 'y'],
        loss: '(y - w2*tanh(w1*x))^2',
        action: { w1: 'exp(a)*w1', w2: 'exp(-a)*w2' },
      },
      ({ w1, w2, x, y, a }) => [
        (y! - w2! * Math.tanh(w1! * x!)) ** 2,
        (y! - Math.exp(-a!) * w2! * Math.tanh(Math.exp(a!) * w1! * x!)) ** 2,
      ],
    ],
    [
      'a wrong sign (both weights scaled up) through ReLU',
      {
        parameters: ['w1', 'w2'],
        data: ['x', 'y'],
        loss: '(y - w2*relu(w1*x))^2',
        action: { w1: 'exp(a)*w1', w2: 'exp(a)*w2' },
      },
      ({ w1, w2, x, y, a }) => [
        (y! - w2! * Math.max(0, w1! * x!)) ** 2,
        (y! - Math.exp(a!) * w2! * Math.max(0, Math.exp(a!) * w1! * x!)) ** 2,
      ],
    ],
    [
      'a wrong exponent through ReLU',
      {
        parameters: ['w1', 'w2'],
        data: ['x', 'y'],
        loss: '(y - w2*relu(w1*x))^2',
        action: { w1: 'exp(2*a)*w1', w2: 'exp(-a)*w2' },
      },
      ({ w1, w2, x, y, a }) => [
        (y! - w2! * Math.max(0, w1! * x!)) ** 2,
        (y! - Math.exp(-a!) * w2! * Math.max(0, Math.exp(2 * a!) * w1! * x!)) ** 2,
      ],
    ],
    [
      'shifting only one softmax logit',
      {
        parameters: ['z1', 'z2'],
        data: ['y'],
        loss: 'log(exp(z1) + exp(z2)) - y*z1 - (1 - y)*z2',
        action: { z1: 'z1 + a' },
      },
      ({ z1, z2, y, a }) => [
        Math.log(Math.exp(z1!) + Math.exp(z2!)) - y! * z1! - (1 - y!) * z2!,
        Math.log(Math.exp(z1! + a!) + Math.exp(z2!)) - y! * (z1! + a!) - (1 - y!) * z2!,
      ],
    ],
  ];

  it.each(cases)('refutes %s', (_, o, js) => {
    const d = deriveConcrete(decl(o), { seed: 5 });
    const v = law(d, 'invariance').verdict;
    expect(v.kind).toBe('refuted');
    if (v.kind !== 'refuted' || v.counterexample.kind !== 'point') throw new Error('a refutation at a point');
    const point = Object.fromEntries(Object.entries(v.counterexample.point).map(([k, x]) => [k, Number(x)]));
    const [before, after] = js(point);
    expect(before).toBeCloseTo(v.counterexample.values['L(θ)']!, 12);
    expect(after).toBeCloseTo(v.counterexample.values['L(ψ(θ,a))']!, 12);
    expect(Math.abs(after - before)).toBeGreaterThan(1e-6 * (Math.abs(after) + Math.abs(before)));
    // Nothing is derived from an action that is not a symmetry.
    expect(d.laws.map((l) => l.id)).toEqual(['invariance']);
    expect(d.verdict.kind).toBe('refuted');
  });

  it('the same seed gives the same counterexample', () => {
    const o = cases[0]![1];
    expect(JSON.stringify(deriveConcrete(decl(o), { seed: 9 }))).toEqual(
      JSON.stringify(deriveConcrete(decl(o), { seed: 9 })),
    );
  });

  it('ReLU with the positive-scaling group is proved, with every law', () => {
    const d = deriveConcrete(
      decl({
        parameters: ['w1', 'w2'],
        data: ['x', 'y'],
        loss: '(y - w2*relu(w1*x))^2',
        action: { w1: 'exp(a)*w1', w2: 'exp(-a)*w2' },
      }),
    );
    expect(d.laws.map((l) => [l.id, l.verdict.kind])).toEqual([
      ['invariance', 'proved'],
      ['gradient-constraint', 'proved'],
      ['hessian-constraint', 'proved'],
      ['charge', 'proved'],
    ]);
  });
});
