/** Gradient flow with weight decay: dQ/dt = −⟨∇Q, g⟩ − λ D_θ Q, closed when Q is homogeneous. */
import { num, mul } from '../../expr/ast';
import { exactZero } from '../../expr/normal';
import { proved, none, tidy, type ChargeContext } from './context';
import type { RuleOf } from '../rule';
import type { DynamicsLaw } from './types';

export function gfLaws(c: ChargeContext, _rule: RuleOf<'gf'>): DynamicsLaw[] {
  const { S, lambda, degrees, homogeneous, dgQ, killedByConstraint, qn } = c;
  const laws: DynamicsLaw[] = [];
  if (!killedByConstraint) {
    laws.push(
      none(
        `dQ/dt = −⟨∇Q, g⟩ − λ D_θ Q, and ⟨∇Q, g⟩ = ${S.text(dgQ)} ` +
          'is not a multiple of the gradient constraint',
      ),
    );
  } else if (homogeneous !== undefined) {
    const rate = mul(num(homogeneous), lambda);
    const r = tidy(rate);
    // Without weight decay (λ = 0 given) the rate is exactly 0: say so rather than e^{−0 t}.
    const conserved = exactZero(rate) === 'zero';
    laws.push({
      kind: 'dynamics-law',
      id: 'continuous-decay',
      title: conserved ? 'Gradient flow without weight decay' : 'Gradient flow with weight decay',
      statement: conserved
        ? {
            text: `d${qn}/dt = 0: ${qn}(t) = ${qn}(0), conserved`,
            latex: `\\frac{d${qn}}{dt} = 0, \\quad ${qn}(t) = ${qn}(0)`,
          }
        : {
            text: `d${qn}/dt = −(${r.text})·${qn}, so ${qn}(t) = e^{−(${r.text}) t} ${qn}(0)`,
            latex:
              `\\frac{d${qn}}{dt} = -\\left(${r.latex}\\right) ${qn}, \\quad ${qn}(t) = ` +
              `e^{-\\left(${r.latex}\\right) t}\\, ${qn}(0)`,
          },
      data: { kind: 'decay', rate },
      verdict: proved(
        `⟨∇Q, g⟩ is a multiple of the gradient constraint; D_θ Q = ${homogeneous}·Q (every term has ` +
          `degree ${homogeneous})`,
      ),
    });
  } else
    laws.push(
      none(
        `the charge mixes degrees ${[...degrees].join(' and ')} in θ, so D_θ Q is not a multiple of ` +
          `Q: no closed equation for Q alone`,
      ),
    );
  return laws;
}
