/**
 * Theorems about learning rules: the coefficients of a derived recursion or continuous form,
 * stated as expressions in the rule's symbols. The proof derives the dynamics of the catalog
 * symmetry under the rule (src/rules/dynamics.ts) and shows, by the exact normal form, that each
 * derived coefficient equals the stated one.
 */
import { loadCatalog } from '../src/catalog';
import { deriveBlock } from '../src/derive/block';
import { deriveDynamics, type DynamicsLaw } from '../src/rules/dynamics';
import { parseRule } from '../src/rules/rule';
import { parseExpr } from '../src/expr/parse';
import { sub, type Expr } from '../src/expr/ast';
import { exactZero } from '../src/expr/normal';
import { toText } from '../src/expr/print';
import type { Rendered } from '../src/derivation';
import { certificateOf, type Certificate, type ProofStep } from '../src/certificate';
import type { Verdict } from '../src/verdict';

export interface RuleTheorem {
  readonly kind: 'rule-theorem';
  readonly id: string;
  readonly title: string;
  readonly source: string;
  readonly statement: Rendered;
  readonly symmetry: string;
  readonly rule: string;
  readonly law: DynamicsLaw['id'];
  /** Stated coefficients by field of the law's data (cQ, cG, cur, prev, rate, source). */
  readonly expected: Readonly<Record<string, string>>;
}

export function proveRule(t: RuleTheorem): Certificate {
  const steps: ProofStep[] = [];
  const decl = loadCatalog(t.symmetry);
  const fail = (reason: string): Certificate => {
    const v: Verdict = { kind: 'inconclusive', reason };
    return certificateOf(t, [...steps, { claim: reason, verdict: v }]);
  };
  if (!decl || decl.kind !== 'block')
    return fail(`catalog declaration '${t.symmetry}' is missing or not block-level`);
  const dyn = deriveDynamics(decl, deriveBlock(decl), parseRule(t.rule));
  const law = dyn.laws.find((l) => l.id === t.law);
  if (!law)
    return fail(
      `the dynamics of ${t.symmetry} under ${t.rule} have no ${t.law} law ` +
        `(${dyn.laws.map((l) => l.statement.text).join('; ')})`,
    );
  steps.push({
    claim: `derived for ${t.symmetry} under ${t.rule}: ${law.statement.text}`,
    verdict: law.verdict,
  });
  const data = law.data as unknown as Record<string, unknown>;
  for (const [field, text] of Object.entries(t.expected)) {
    const derived = data[field] as Expr | undefined;
    if (!derived) return fail(`the law has no coefficient '${field}'`);
    const zero = exactZero(sub(derived, parseExpr(text)));
    steps.push({
      claim: `coefficient ${field}: derived ${toText(derived)} equals stated ${text}`,
      verdict:
        zero === 'zero'
          ? {
              kind: 'proved',
              method: 'exact normal form of the difference is 0',
              evidence: 'polynomial identity in the rule symbols',
            }
          : {
              kind: 'refuted',
              why: `derived ${toText(derived)} differs from stated ${text}`,
              counterexample: { kind: 'mismatch', stated: text, derived: toText(derived) },
            },
    });
  }
  return certificateOf(t, steps);
}

/** The scale charge's modified flow, as its theorem states it. */
const SCALE_FLOW = 'dQ/dt = (−2λ − ηλ²) Q + η ½‖g‖²';

export const RULE_THEOREMS: readonly RuleTheorem[] = [
  {
    kind: 'rule-theorem',
    id: 'nm-sgd-scale-recursion',
    title: 'Scale symmetry under SGD with weight decay: exact one-step recursion',
    source: 'NM §3 (derived)',
    statement: {
      text: '½‖θ_{k+1}‖² = (1 − ηλ)² ½‖θ_k‖² + η² ½‖g_k‖² for every minibatch',
      latex: 'Q_{k+1} = (1-\\eta\\lambda)^2 Q_k + \\eta^2 Q_2(g_k)',
    },
    symmetry: 'scale',
    rule: 'sgd(lr=eta, wd=lambda)',
    law: 'exact-recursion',
    expected: { cQ: '(1 - eta*lambda)^2', cG: 'eta^2' },
  },
  {
    kind: 'rule-theorem',
    id: 'nm-sgd-rescale-recursion',
    title: 'Rescale symmetry under SGD with weight decay: exact one-step recursion',
    source: 'NM §3 (derived)',
    statement: {
      text: 'Q_{k+1} = (1 − ηλ)² Q_k + η² (½‖g_in‖² − ½‖g_out‖²) for every minibatch',
      latex: 'Q_{k+1} = (1-\\eta\\lambda)^2 Q_k + \\eta^2 Q_2(g_k)',
    },
    symmetry: 'rescale',
    rule: 'sgd(lr=eta, wd=lambda)',
    law: 'exact-recursion',
    expected: { cQ: '(1 - eta*lambda)^2', cG: 'eta^2' },
  },
  {
    kind: 'rule-theorem',
    id: 'nm-sgd-translation-recursion',
    title: 'Translation symmetry under SGD with weight decay: s_{k+1} = (1 − ηλ) s_k',
    source: 'NM §3 (derived)',
    statement: {
      text: '⟨1, θ_{k+1}⟩ = (1 − ηλ) ⟨1, θ_k⟩ for every minibatch',
      latex: 's_{k+1} = (1-\\eta\\lambda) s_k',
    },
    symmetry: 'translation',
    rule: 'sgd(lr=eta, wd=lambda)',
    law: 'exact-recursion',
    expected: { cQ: '1 - eta*lambda', cG: '0' },
  },
  {
    kind: 'rule-theorem',
    id: 'nm-momentum-translation',
    title: 'Translation symmetry under heavy-ball momentum: exact two-step recursion',
    source: 'NM §3 (derived)',
    statement: {
      text: 's_{k+1} = (1 + β − η(1 − d)λ) s_k − β s_{k−1}',
      latex: 's_{k+1} = (1 + \\beta - \\eta(1-d)\\lambda) s_k - \\beta s_{k-1}',
    },
    symmetry: 'translation',
    rule: 'momentum(lr=eta, beta=beta, dampening=d, wd=lambda)',
    law: 'two-step-recursion',
    expected: { cur: '1 + beta - eta*(1 - d)*lambda', prev: '-beta' },
  },
  {
    kind: 'rule-theorem',
    id: 'nm-gf-weight-decay',
    title: 'Gradient flow with weight decay: quadratic charges decay as e^{−2λt}',
    source: 'NM §3',
    statement: { text: 'dQ/dt = −2λQ for the rescale charge', latex: '\\dot Q = -2\\lambda Q' },
    symmetry: 'rescale',
    rule: 'gf(wd=lambda)',
    law: 'continuous-decay',
    expected: { rate: '2*lambda' },
  },
  {
    kind: 'rule-theorem',
    id: 'nm-modified-flow-scale',
    title: 'Finite learning rate: dQ/dt = −2λQ + ηQ₂(g) − ηλ²Q (the modified flow)',
    source: 'NM §3',
    statement: {
      text: `for the scale charge, ${SCALE_FLOW} in time t = ηk, to first order in η`,
      latex: '\\dot Q = (-2\\lambda - \\eta\\lambda^2) Q + \\eta Q_2(g)',
    },
    symmetry: 'scale',
    rule: 'sgd(lr=eta, wd=lambda)',
    law: 'continuous-form',
    expected: { rate: '-2*lambda - eta*lambda^2', source: 'eta' },
  },
  {
    kind: 'rule-theorem',
    id: 'nm-momentum-oscillator',
    title: 'Heavy-ball momentum, continuous limit: quadratic charges are damped, driven oscillators',
    source: 'NM §3 (derived)',
    statement: {
      text: 'Q̈ + 2γQ̇ + ω²Q = 2Q₂(θ̇) with m = η(1−d)(1+β)/2, γ = (1−β)/(2m), ω² = 2λ/m',
      latex: '\\ddot Q + 2\\gamma \\dot Q + \\omega^2 Q = 2 Q_2(\\dot\\theta)',
    },
    symmetry: 'rescale',
    rule: 'momentum(lr=eta, beta=beta, dampening=d, wd=lambda)',
    law: 'oscillator',
    expected: {
      m: 'eta*(1 - d)*(1 + beta)/2',
      gamma: '(1 - beta)/(eta*(1 - d)*(1 + beta))',
      omega2: '4*lambda/(eta*(1 - d)*(1 + beta))',
    },
  },
  {
    kind: 'rule-theorem',
    id: 'nld-normalisation-steady-state',
    title: 'Normalisation as adaptive optimisation: the steady state of ‖θ‖',
    source: 'NLD (derived)',
    statement: {
      text:
        'under SGD with weight decay a scale-invariant block settles at ' +
        '‖θ‖⁴ = η‖ĝ‖²/(λ(2 − ηλ)) ≈ η‖ĝ‖²/(2λ)',
      latex: '\\rho_\\ast^4 = \\frac{\\eta \\lVert \\hat g \\rVert^2}{\\lambda (2 - \\eta\\lambda)}',
    },
    symmetry: 'scale',
    rule: 'sgd(lr=eta, wd=lambda)',
    law: 'normalisation',
    expected: { steady: 'eta/(lambda*(2 - eta*lambda))' },
  },
];
