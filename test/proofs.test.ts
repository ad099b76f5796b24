/** Theorem certificates: each theorem is proved by derivation, and a wrong statement is refuted. */
import katex from 'katex';
import {
  THEOREMS,
  prove,
  RULE_THEOREMS,
  proveRule,
  MIRROR_THEOREMS,
  proveMirror,
  proveDcs,
  proveGuTime,
  GU_TIME_THEOREM,
  proveGuLayerBound,
  GU_LAYER_BOUND_THEOREM,
  proveNldLagrangian,
  NLD_LAGRANGIAN_THEOREM,
} from '../proofs';
import { boundRun, LAYER_BOUND_RTOL } from '../proofs/gu-layer-bound';
import { activation, buildNetwork } from '../numeric/mlp';
import { sampleParams, sampleBatch } from '../numeric/sample';
import { rng } from '../numeric/rng';
import { exactZero } from '../src/expr/normal';
import { parseExpr } from '../src/expr/parse';
import type { Theorem } from '../proofs/lib';

describe('theorems of NM and GU, proved by derivation from the declared actions', () => {
  it.each(THEOREMS.map((t) => [t.id, t] as const))('%s', (_, t) => {
    const c = prove(t);
    expect(c.verdict.kind).toBe('proved');
    expect(c.steps.length).toBeGreaterThanOrEqual(2);
    expect(() => katex.renderToString(t.statement.latex, { throwOnError: true })).not.toThrow();
  });

  it('ids are unique', () => {
    expect(new Set(THEOREMS.map((t) => t.id)).size).toBe(THEOREMS.length);
  });
});

describe('negative twins: a certificate can fail', () => {
  const flip = (t: Theorem): Theorem => {
    const e = t.expected;
    if (e.kind === 'hvp')
      return {
        ...t,
        expected: {
          ...e,
          rhs: Object.fromEntries(
            Object.entries(e.rhs).map(([b, s]) => [
              b,
              s.map((x) => ({
                ...x,
                coef: { kind: 'mul' as const, factors: [{ kind: 'num' as const, value: '2' }, x.coef] },
              })),
            ]),
          ),
        },
      };
    const [first, ...rest] = e.sum;
    return {
      ...t,
      expected: {
        ...e,
        sum: [
          { ...first!, coef: { kind: 'mul', factors: [{ kind: 'num', value: '3' }, first!.coef] } },
          ...rest,
        ],
      } as Theorem['expected'],
    };
  };
  it.each(
    THEOREMS.filter(
      (t) => !(t.expected.kind === 'hvp' && Object.values(t.expected.rhs).every((s) => s.length === 0)),
    ).map((t) => [t.id, t] as const),
  )('%s with a wrong coefficient is refuted', (_, t) => {
    expect(prove(flip(t)).verdict.kind).toBe('refuted');
  });
});

describe('theorems about learning rules, proved by deriving the dynamics', () => {
  it.each(RULE_THEOREMS.map((t) => [t.id, t] as const))('%s', (_, t) => {
    const c = proveRule(t);
    expect(c.verdict.kind).toBe('proved');
    expect(() => katex.renderToString(t.statement.latex, { throwOnError: true })).not.toThrow();
  });
  it('negative twin: (1 − ηλ) stated instead of (1 − ηλ)² is refuted', () => {
    const t = RULE_THEOREMS.find((x) => x.id === 'nm-sgd-scale-recursion')!;
    expect(proveRule({ ...t, expected: { ...t.expected, cQ: '1 - eta*lambda' } }).verdict.kind).toBe(
      'refuted',
    );
  });
});

describe('theorems about mirror symmetries, proved from the declared involutions [SIS, GU]', () => {
  it.each(MIRROR_THEOREMS.map((t) => [t.id, t] as const))('%s', (_, t) => {
    expect(proveMirror(t).verdict.kind).toBe('proved');
    expect(() => katex.renderToString(t.statement.latex, { throwOnError: true })).not.toThrow();
  });
  it('negative twins: a wrong structure or a wrong threshold is refuted', () => {
    const t = MIRROR_THEOREMS.find((x) => x.id === 'sis-permutation-identical')!;
    expect(proveMirror({ ...t, constraints: ['a1 + a2', 'v1 - v2'] }).verdict.kind).toBe('refuted');
    const s = MIRROR_THEOREMS.find((x) => x.id === 'sis-rescaling-sparsity')!;
    expect(proveMirror({ ...s, threshold: '2*abs(x*y)' }).verdict.kind).toBe('refuted');
    // Block level: a rank constraint on one factor only, or a full-rank reading, is refuted.
    const r = MIRROR_THEOREMS.find((x) => x.id === 'sis-rotation-low-rank')!;
    expect(proveMirror({ ...r, constraints: ['P W1 = 0'] }).verdict.kind).toBe('refuted');
    expect(proveMirror({ ...r, constraints: ['W1 P = 0', 'P W2 = 0'] }).verdict.kind).toBe('refuted');
  });
});

describe('the differentiable-constraint recipe [SIS]', () => {
  it('min over u·v = w of γ(u² + v²) = 2γ|w| is proved exactly', () => {
    expect(proveDcs().verdict.kind).toBe('proved');
  });
  it('negative twin: the same identity with γ|uv| in place of 2γ|uv| is not an identity', () => {
    expect(exactZero(parseExpr('gamma*(u^2 + v^2) - gamma*abs(u*v) - gamma*(abs(u) - abs(v))^2'))).not.toBe(
      'zero',
    );
  });
});

describe("GU's time symmetry: dL/dt = −‖∇L‖² = −rᵀΘr", () => {
  it(
    'the chain-rule identity is proved exactly, then verified on sampled networks and along an ' +
      'integrated flow',
    () => {
      const c = proveGuTime();
      expect(c.steps.map((s) => s.verdict.kind)).toEqual([
        'proved',
        'numerically-verified',
        'numerically-verified',
      ]);
      expect(c.verdict.kind).toBe('numerically-verified');
      expect(() =>
        katex.renderToString(GU_TIME_THEOREM.statement.latex, { throwOnError: true }),
      ).not.toThrow();
    },
  );
  it(
    'negative twin: rᵀr in place of rᵀΘr is not an identity for v tanh(a x) + c, and the normal ' +
      'form tells them apart',
    () => {
      // One sample, L = ½(f − y)²: ‖∇L‖² = r²‖∇f‖², which is not r² for generic parameters.
      expect(
        exactZero(
          parseExpr(
            '(v*tanh(a*x) + c - y)^2 * ((v*x*(1 - tanh(a*x)^2))^2 + tanh(a*x)^2 + 1) - (v*tanh(a*x) + c - y)^2',
          ),
        ),
      ).not.toBe('zero');
    },
  );
});

describe('gu-layer-bound: layer norms along gradient flow [GU; NM §3]', () => {
  it('the layer charge is derived, then the closed forms hold on integrated flows', () => {
    const c = proveGuLayerBound();
    expect(c.steps.map((s) => s.verdict.kind)).toEqual(['proved', 'numerically-verified']);
    expect(() =>
      katex.renderToString(GU_LAYER_BOUND_THEOREM.statement.latex, { throwOnError: true }),
    ).not.toThrow();
  });
  it('negative twin: on a tanh network the same closed forms miss by far more than the integrator error', () => {
    const spec = {
      widths: [3, 4, 5, 2],
      act: activation('tanh'),
      norm: 'none' as const,
      affine: false,
      loss: 'mse' as const,
      bias: true,
    };
    const net = buildNetwork(spec);
    const r = rng(5);
    const run = boundRun(net, sampleParams(net, r), sampleBatch(spec, 6, r), 0, 1);
    expect(run.completed).toBe(true);
    expect(run.charges).toBeGreaterThan(1000 * LAYER_BOUND_RTOL * run.steps);
  });
});

describe('the Lagrangian view [NLD]', () => {
  it('every step is proved, the time-factor-free twin among them as a refutation', () => {
    const c = proveNldLagrangian();
    expect(c.verdict.kind).toBe('proved');
    expect(c.steps.find((s) => s.claim.startsWith('without the time factor'))?.verdict).toMatchObject({
      kind: 'proved',
      evidence: expect.stringContaining('not true that'),
    });
    expect(() =>
      katex.renderToString(NLD_LAGRANGIAN_THEOREM.statement.latex, { throwOnError: true }),
    ).not.toThrow();
  });
});
