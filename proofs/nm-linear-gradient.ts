/** Linear layers: the gradient constraint W_{i+1}ᵀ g_{i+1} = g_i W_iᵀ [NM §3]. */
import { type Theorem, c, g, th, T, term } from './lib';

export const theorem: Theorem = {
  id: 'nm-linear-gradient',
  title: 'Linear layers: the gradient constraint W_{i+1}ᵀ g_{i+1} = g_i W_iᵀ',
  source: 'NM §3',
  statement: {
    text:
      'For a loss invariant under GL(n) at a linear hidden layer, W_2ᵀ g_{W_2} = g_{W_1} W_1ᵀ ' +
      'as n×n matrices.',
    latex: 'W_2^\\top g_{W_2} = g_{W_1} W_1^\\top',
  },
  symmetry: 'gl',
  law: 'gradient-constraint-matrix',
  expected: { kind: 'matrix', sum: [term(c(1), T(th('W2')), g('W2')), term(c(-1), g('W1'), T(th('W1')))] },
};
