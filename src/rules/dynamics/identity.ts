/**
 * The exact per-step change of a charge under any update θ ← θ − ηu (preconditioned GD, Adam):
 * Q(θ − ηu) − Q(θ) = −η⟨∇Q, u⟩ + η² Q₂(u), whose first-order term −η⟨X, u⟩ is the kinetic
 * symmetry breaking: it does not vanish because u is not along g.
 */
import { num, mul, neg, ONE_E } from '../../expr/ast';
import { letter } from '../../derive/words';
import type { RuleOf } from '../rule';
import type { DynamicsLaw } from './types';
import { proved, type ChargeContext } from './context';

export function perStepIdentity(c: ChargeContext, rule: RuleOf<'precond'> | RuleOf<'adam'>): DynamicsLaw {
  const { S, Q, alg, blocks, eta, quadQ, qn, withLetters } = c;
  const E = S.canon(
    alg.substitute(
      Q,
      new Map(
        blocks.map((b) => [
          b,
          [
            { coef: ONE_E, letter: letter('block', b) },
            { coef: neg(eta), letter: letter('step', b) },
          ],
        ]),
      ),
    ),
  );
  const linU = S.canon(
    S.part(E, 'step', 1).map((t) => ({
      coef: mul(t.coef, { kind: 'pow', base: neg(eta), exp: num(-1) }),
      word: t.word,
    })),
  );
  const quadU = withLetters(quadQ, 'step');
  const step =
    rule.kind === 'precond'
      ? 'u_k = G⁻¹(g_k + λθ_k) with a constant diagonal G'
      : "u_k = m̂_k / (√v̂_k + ε), Adam's moments of g_k + λθ_k";
  return {
    kind: 'dynamics-law',
    id: 'per-step-identity',
    title:
      `${rule.kind === 'adam' ? 'Adam' : 'Preconditioned GD'}: exact per-step change of the ` +
      `charge (kinetic symmetry breaking)`,
    statement: {
      text:
        `${qn}_{k+1} − ${qn}_k = −η·(${S.text(linU)})` +
        `${quadU.length ? ` + η²·(${S.text(quadU)})` : ''}   with ${step}`,
      latex:
        `${qn}_{k+1} - ${qn}_k = -\\eta ` +
        `\\left(${S.latex(linU)}\\right)${quadU.length ? ` + \\eta^2 \\left(${S.latex(quadU)}\\right)` : ''}`,
    },
    data: { kind: 'identity', linU, quadU },
    verdict: proved('Q(θ − ηu) expanded exactly; the first-order term is −η⟨∇Q, u⟩ = −η⟨X, u⟩'),
    note:
      `the breaking term −η⟨X, u_k⟩ does not vanish because u_k is not along g_k; the drift of ` +
      `${qn} over a trajectory is the sum of these ` +
      'terms' +
      (rule.kind === 'adam'
        ? ' (the preconditioner diag(√v̂ + ε) moves in time, so no reweighted charge is conserved either)'
        : ''),
  };
}
