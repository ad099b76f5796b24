/**
 * Preconditioned gradient descent with a constant diagonal metric: the G-weighted charge that
 * θ̇ = −G⁻¹g conserves, and the exact per-step change of the unweighted charge.
 */
import { sym, mul, ONE_E } from '../../expr/ast';
import { letter, type WordSum } from '../../derive/words';
import { proved, type ChargeContext } from './context';
import { perStepIdentity } from './identity';
import type { RuleOf } from '../rule';
import type { DynamicsLaw } from './types';

export function precondLaws(c: ChargeContext, rule: RuleOf<'precond'>): DynamicsLaw[] {
  const { charge, alg, S, Q, blocks, qn, derivation } = c;
  const laws: DynamicsLaw[] = [];
  // Weight each block's part of the charge by its metric γ_B; the block gradient of the result must be γ_B X_B.
  const gammas = Object.fromEntries(blocks.map((b) => [b, `gamma_${b}`]));
  const ownBlock = (t: WordSum[number]): string | undefined => {
    const bs = new Set(t.word.filter((l) => l.kind === 'block').map((l) => l.name));
    return bs.size === 1 ? [...bs][0] : undefined;
  };
  const QG = Q.every((t) => ownBlock(t) !== undefined)
    ? S.canon(Q.map((t) => ({ coef: mul(sym(gammas[ownBlock(t)!]!), t.coef), word: t.word })))
    : undefined;
  const gen = new Map((derivation.generators[0]?.components ?? []).map((c) => [c.target, c.sum ?? []]));
  // A matrix charge C_G is checked through ⟨E, C_G⟩ for a symmetric E (the generator's constant).
  const asTrace = !QG
    ? undefined
    : charge.data.kind === 'trace'
      ? QG
      : alg.inner([{ coef: ONE_E, word: [letter('const', charge.parameter)] }], QG);
  const ok =
    asTrace !== undefined &&
    blocks.every((b) =>
      alg.equalMatrix(alg.gradient(asTrace, b), alg.scale(gen.get(b) ?? [], sym(gammas[b]!))),
    );
  if (ok) {
    laws.push({
      kind: 'dynamics-law',
      id: 'metric-charge',
      title: 'Constant metric: the G-weighted charge',
      statement: {
        text:
          `for θ̇ = −G⁻¹∇L with a constant metric G = ` +
          `diag(${blocks.map((b) => `γ_${b}`).join(', ')}) on the blocks, ${qn}_G = ${S.text(QG!)} ` +
          `is conserved (∇${qn}_G = G X, so d${qn}_G/dt = −⟨G X, G⁻¹ g⟩ = −⟨X, g⟩ = 0); the ` +
          `unweighted ${qn} moves by −⟨X, G⁻¹g⟩`,
        latex: `${qn}_G = ${S.latex(QG!)}`,
      },
      data: { kind: 'metric-charge', sum: QG!, gammas },
      verdict: proved(
        charge.data.kind === 'trace'
          ? 'the block gradient of Q_G equals γ_B X_B for every block'
          : 'the block gradient of ⟨E, C_G⟩ equals γ_B X_B for every block and every symmetric E',
      ),
      note:
        'a general constant metric admits such a charge when G X is a gradient field; a ' +
        'per-block scalar metric always does for these block-diagonal generators',
    });
  }
  laws.push(perStepIdentity(c, rule));
  return laws;
}
