/** Data augmentation: the Hessian along the generator W₁A [GU; NM §3]. */
import { type Theorem, c, g, th, k, term } from './lib';

export const theorem: Theorem = {
  id: 'gu-augmentation-hessian',
  title: 'Data augmentation: H(W₁A) = g_{W₁}A for a rotation A',
  source: 'GU; NM §3',
  statement: {
    text:
      'For a data set invariant under a rotation x ↦ e^{εA}x (A antisymmetric), the Hessian maps ' +
      'the generator W₁A to g_{W₁}A: H X = −J_Xᵀ g with J_Xᵀ g = g Aᵀ = −g A.',
    latex: 'H (W_1 A) = g_{W_1} A',
  },
  symmetry: 'augmentation',
  law: 'hessian-constraint',
  expected: {
    kind: 'hvp',
    direction: { W1: [term(c(1), th('W1'), k('A'))] },
    rhs: { W1: [term(c(1), g('W1'), k('A'))] },
  },
};
