/** Scale symmetry: the squared norm is conserved under gradient flow [NM §3]. */
import { type Theorem, c, th, inner } from './lib';

export const theorem: Theorem = {
  id: 'nm-scale-charge',
  title: 'Scale symmetry: the squared norm is conserved under gradient flow',
  source: 'NM §3',
  statement: {
    text: 'Under gradient flow on a loss invariant under θ_A ↦ e^a θ_A, Q = ½‖θ_A‖² is conserved.',
    latex: 'Q = \\tfrac12 \\lVert \\theta_A \\rVert^2',
  },
  symmetry: 'scale',
  law: 'charge',
  expected: { kind: 'trace', sum: [inner(c(1, 2), th('theta'), th('theta'))] },
};
