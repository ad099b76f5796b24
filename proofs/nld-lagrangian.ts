/**
 * The Lagrangian view [NLD] (docs/theory.md §3.9): heavy-ball momentum's continuous limit, as the
 * toolkit derives it, is the Euler–Lagrange equation of
 * 𝓛 = e^{kt}[(m/2)‖θ̇‖² − L − (λ/2)‖θ‖²] with k = c₁/m; Noether's charge
 * Q_N = ⟨∂𝓛/∂θ̇, X⟩ of the rescale generator reproduces the derived oscillator; gradient flow
 * and GD's modified flow are Rayleigh forms. The proof derives each Lagrangian's Euler–Lagrange
 * expression with the project's `diff` and decides each identity by the exact normal form; the
 * Lagrangian without its time factor must be refuted at a point.
 */
import { loadCatalog } from '../src/catalog';
import { deriveBlock } from '../src/derive/block';
import { deriveDynamics } from '../src/rules/dynamics';
import { parseRule } from '../src/rules/rule';
import { continuousForm, eulerLagrangeVerdict, lagrangianView } from '../src/rules/lagrangian';
import { parseExpr } from '../src/expr/parse';
import { sub } from '../src/expr/ast';
import { exactZero } from '../src/expr/normal';
import { toText } from '../src/expr/print';
import { certificateOf, type Certificate, type ProofStep } from '../src/certificate';
import type { Verdict } from '../src/verdict';

export const NLD_LAGRANGIAN_THEOREM = {
  id: 'nld-lagrangian',
  title: "The Lagrangian view: learning rules as Euler–Lagrange equations, Noether's learning dynamics",
  source: 'NLD (derived)',
  statement: {
    text:
      'm θ̈ + (1 − β) θ̇ = −(∇L + λθ), m = η(1 − d)(1 + β)/2, is the Euler–Lagrange equation of ' +
      '𝓛 = e^{(1−β)t/m}[(m/2)‖θ̇‖² − L − (λ/2)‖θ‖²]; Q_N = ⟨∂𝓛/∂θ̇, X⟩ obeys ' +
      'dQ_N/dt = e^{(1−β)t/m}[−⟨∇L, X⟩ − λ⟨θ, X⟩ + m⟨θ̇, J_X θ̇⟩]',
    latex:
      '\\frac{d}{dt}\\frac{\\partial \\mathcal{L}}{\\partial \\dot\\theta} - ' +
      '\\frac{\\partial \\mathcal{L}}{\\partial \\theta} = e^{kt}\\left(m\\ddot\\theta + (1-\\beta)\\dot\\theta + ' +
      '\\nabla L + \\lambda\\theta\\right)',
  },
} as const;

const MOMENTUM = 'momentum(lr=eta, beta=beta, dampening=d, wd=lambda)';

export function proveNldLagrangian(seed = 1): Certificate {
  const steps: ProofStep[] = [];
  const rule = parseRule(MOMENTUM);
  const f = continuousForm(rule);
  if (f.kind !== 'second-order')
    return certificateOf(NLD_LAGRANGIAN_THEOREM, [
      {
        claim: 'momentum has a second-order continuous form',
        verdict: { kind: 'inconclusive', reason: f.kind },
      },
    ]);
  for (const [name, derived, stated] of [
    ['m', f.m, 'eta*(1 - d)*(1 + beta)/2'],
    ['c₁', f.c1, '1 - beta'],
  ] as const) {
    const zero = exactZero(sub(derived, parseExpr(stated)));
    const v: Verdict =
      zero === 'zero'
        ? { kind: 'proved', method: 'exact normal form of the difference is 0', evidence: stated }
        : {
            kind: 'refuted',
            why: `derived ${toText(derived)} differs from stated ${stated}`,
            counterexample: { kind: 'mismatch', stated, derived: toText(derived) },
          };
    steps.push({
      claim: `the continuous limit's ${name}, derived from the recursion, is ${stated}`,
      verdict: v,
    });
  }
  steps.push({
    claim: 'd/dt ∂𝓛/∂θ̇ − ∂𝓛/∂θ = e^{kt}·(m θ̈ + c₁ θ̇ + ∇L + λθ), k = c₁/m, L generic',
    verdict: eulerLagrangeVerdict(f, true, seed),
  });
  const wrong = eulerLagrangeVerdict(f, false, seed);
  steps.push({
    claim: 'without the time factor the Euler–Lagrange equation is not the rule’s ODE (refuted at a point)',
    verdict:
      wrong.kind === 'refuted'
        ? {
            kind: 'proved',
            method: 'the identity check refutes the Lagrangian without e^{kt}',
            evidence:
              wrong.counterexample.kind === 'point'
                ? `${wrong.why}; at ${Object.entries(wrong.counterexample.point)
                    .map(([k, x]) => `${k} = ${x}`)
                    .join(', ')}`
                : wrong.why,
          }
        : {
            kind: 'refuted',
            why: 'the Lagrangian without its time factor was not refuted',
            counterexample: { kind: 'mismatch', stated: 'refuted', derived: wrong.kind },
          },
  });
  const decl = loadCatalog('rescale');
  if (!decl || decl.kind !== 'block')
    return certificateOf(NLD_LAGRANGIAN_THEOREM, [
      ...steps,
      { claim: 'read catalog/rescale', verdict: { kind: 'inconclusive', reason: 'missing' } },
    ]);
  const derived = deriveBlock(decl);
  for (const r of [MOMENTUM, 'gf(wd=lambda)', 'sgd(lr=eta, wd=lambda)']) {
    const ruleR = parseRule(r);
    for (const law of lagrangianView(ruleR, deriveDynamics(decl, derived, ruleR), seed))
      steps.push({ claim: `rescale under ${r}: ${law.title}`, verdict: law.verdict });
  }
  return certificateOf(NLD_LAGRANGIAN_THEOREM, steps);
}
