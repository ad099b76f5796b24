/**
 * How a learning rule moves a charge, derived in the word algebra from the charge and the rule.
 *
 * For a charge Q of degree ≤ 2 in the blocks and an update θ ← θ − η u, expanding Q(θ − η u) is
 * exact: Q − η D_u Q + η² Q₂(u), where D_u Q is the derivative along u and Q₂ the quadratic part.
 * With u = g + λθ (SGD with weight decay, any minibatch) the substitution θ ← (1 − ηλ)θ − ηg gives
 * parts of degree 0, 1, 2 in g. The degree-1 part is dropped only when it is an exact multiple of
 * the gradient constraint (which vanishes for every minibatch); then, when the degree-0 part is a
 * multiple of Q and the degree-2 part a multiple of Q₂(g), Q obeys a closed one-step recursion.
 * Otherwise the output says which step fails. Momentum gives a two-step recursion for linear
 * charges; preconditioned steps and Adam give the exact per-step identity with the breaking term
 * −η⟨X, u⟩; gradient flow with weight decay gives dQ/dt = −λ D_θ Q (Euler degree).
 *
 * One module per rule (gf, sgd, momentum, precond, adam) behind the exhaustive switch below.
 */
import type { BlockDeclaration } from '../../declaration/types';
import { type Derivation, SCHEMA_VERSION } from '../../derivation';
import type { Rule } from '../rule';
import type { Dynamics, DynamicsLaw } from './types';
import { chargeContext, hasChargeSum, proved, type ChargeContext } from './context';
import { gfLaws } from './gf';
import { sgdLaws } from './sgd';
import { momentumLaws } from './momentum';
import { precondLaws } from './precond';
import { adamLaws } from './adam';
import { atStepSize } from './values';

export type { Dynamics, DynamicsLaw, DynamicsData } from './types';

function lawsOf(c: ChargeContext, rule: Rule): DynamicsLaw[] {
  switch (rule.kind) {
    case 'gf':
      return gfLaws(c, rule);
    case 'sgd':
      return sgdLaws(c, rule);
    case 'momentum':
      return momentumLaws(c, rule);
    case 'precond':
      return precondLaws(c, rule);
    case 'adam':
      return adamLaws(c, rule);
  }
}

/**
 * The laws by which `rule` moves the charge of a block-level derivation, derived in the block
 * algebra: SGD with weight decay gives an exact one-step recursion for any minibatch and its
 * continuous form; momentum a two-step recursion (linear charges) and its oscillator limit; a constant
 * preconditioner the metric charge it conserves; Adam and preconditioned steps the exact per-step
 * identity with its breaking term; gradient flow with weight decay an exponential decay. Where a law
 * does not exist, the record says which step fails.
 *
 * @param decl - A block-level declaration.
 * @param d - Its derivation, `derive(decl)`.
 * @param rule - The learning rule, from {@link parseRule}.
 *
 * @example
 * ```ts
 * import { derive, deriveDynamics, loadCatalog, parseRule } from 'noether';
 * const decl = loadCatalog('rescale')!;
 * if (decl.kind === 'block') {
 *   const dyn = deriveDynamics(decl, derive(decl), parseRule('sgd(lr=eta, wd=lambda)'));
 *   dyn.laws[0]?.statement.text;
 *   // 'Q_{k+1} = ((-eta*lambda + 1)^2)·Q_k + (eta^2)·Q₂(g_k),  '
 *   //   + 'Q₂(g) = 1/2 ‖∂L/∂w_in‖² - 1/2 ‖∂L/∂w_out‖²'
 * }
 * ```
 */
export function deriveDynamics(decl: BlockDeclaration, d: Derivation, rule: Rule): Dynamics {
  const charge = d.laws.find(hasChargeSum);
  const base = { kind: 'dynamics' as const, schemaVersion: SCHEMA_VERSION, symmetry: decl.name, rule };
  if (!charge) {
    return {
      ...base,
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
          verdict: proved('no charge law in the derivation'),
        },
      ],
    };
  }
  const c = chargeContext(decl, d, charge, rule);
  return {
    ...base,
    constraint: c.GC,
    chargeSum: c.Q,
    charge: { statement: `${c.qn} = ${c.S.text(c.Q)}`, kind: charge.data.kind },
    laws: lawsOf(c, rule).map((l) => {
      const at = atStepSize(l, rule, c.qn);
      return at ? { ...l, atValues: at } : l;
    }),
  };
}
