/**
 * A whole homogeneous hidden layer: Q = ½(‖W_i‖² + ‖b_i‖²) − ½‖W_{i+1}‖², the sum over the layer's
 * units of their rescale charges, is conserved under gradient flow [GU; NM §3].
 */
import { type Theorem, c, th, inner } from './lib';

export const theorem: Theorem = {
  id: 'gu-layer-balance',
  title:
    'Layer balance: ‖W_i‖² + ‖b_i‖² − ‖W_{i+1}‖² of a homogeneous layer is conserved ' +
    'under gradient flow',
  source: 'GU; NM §3',
  statement: {
    text:
      'Under gradient flow on a network whose hidden layer i has a positively homogeneous activation, ' +
      'Q = ½‖W_in‖² − ½‖W_out‖² is conserved, with W_in = [W_i | b_i] and W_out = W_{i+1}: half of ' +
      'C_i = ‖W_i‖² + ‖b_i‖² − ‖W_{i+1}‖², the sum of the per-unit rescale charges over the layer.',
    latex:
      'Q = \\tfrac12 \\lVert W_{\\mathrm{in}} \\rVert_F^2 - \\tfrac12 \\lVert W_{\\mathrm{out}} \\rVert_F^2' +
      ' = \\tfrac12 \\sum_k \\bigl(\\lVert W_i[k,:] \\rVert^2 + b_i[k]^2 - \\lVert W_{i+1}[:,k] \\rVert^2\\bigr)',
  },
  symmetry: 'layer-balance',
  law: 'charge',
  expected: {
    kind: 'trace',
    sum: [inner(c(1, 2), th('W_in'), th('W_in')), inner(c(-1, 2), th('W_out'), th('W_out'))],
  },
};
