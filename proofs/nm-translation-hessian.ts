/** Translation symmetry: the all-ones direction is in the Hessian's kernel [NM §3]. */
import { type Theorem, c, ones, term } from './lib';

export const theorem: Theorem = {
  id: 'nm-translation-hessian',
  title: "Translation symmetry: the all-ones direction is in the Hessian's kernel",
  source: 'NM §3',
  statement: { text: 'For a loss invariant under θ_A ↦ θ_A + a·1, H 1_A = 0.', latex: 'H \\mathbf{1}_A = 0' },
  symmetry: 'translation',
  law: 'hessian-constraint',
  expected: { kind: 'hvp', direction: { theta: [term(c(1), ones('theta'))] }, rhs: { theta: [] } },
};
