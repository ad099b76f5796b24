/** Rescale symmetry: the norm difference of a unit is conserved under gradient flow [NM §3]. */
import { type Theorem, c, th, inner } from './lib';

export const theorem: Theorem = {
  id: 'nm-rescale-charge',
  title: 'Rescale symmetry: the norm difference of a unit is conserved under gradient flow',
  source: 'NM §3',
  statement: {
    text:
      'Under gradient flow on a loss invariant under rescaling a homogeneous unit, Q = ½‖w_in‖² ' +
      '− ½‖w_out‖² is conserved.',
    latex: 'Q = \\tfrac12 \\lVert w_{\\mathrm{in}} \\rVert^2 - \\tfrac12 \\lVert w_{\\mathrm{out}} \\rVert^2',
  },
  symmetry: 'rescale',
  law: 'charge',
  expected: {
    kind: 'trace',
    sum: [inner(c(1, 2), th('w_in'), th('w_in')), inner(c(-1, 2), th('w_out'), th('w_out'))],
  },
};
