/** Scale symmetry: H θ_A = −g_A [NM §3]. */
import { type Theorem, c, g, th, term } from './lib';

export const theorem: Theorem = {
  id: 'nm-scale-hessian',
  title: 'Scale symmetry: H θ_A = −g_A',
  source: 'NM §3',
  statement: { text: 'For a loss invariant under θ_A ↦ e^a θ_A, H θ_A = −g_A.', latex: 'H \\theta_A = -g_A' },
  symmetry: 'scale',
  law: 'hessian-constraint',
  expected: {
    kind: 'hvp',
    direction: { theta: [term(c(1), th('theta'))] },
    rhs: { theta: [term(c(-1), g('theta'))] },
  },
};
