/** Linear layers: the balance matrix W_i W_iᵀ − W_{i+1}ᵀ W_{i+1} is conserved [GU; NM §3]. */
import { type Theorem, c, th, T, term } from './lib';

export const theorem: Theorem = {
  id: 'gu-linear-balance',
  title: 'Linear layers: the balance matrix W_i W_iᵀ − W_{i+1}ᵀ W_{i+1} is conserved',
  source: 'GU; NM §3',
  statement: {
    text:
      'Under gradient flow on a loss invariant under GL(n) at a linear hidden layer, every entry ' +
      'of the symmetric matrix C = ½(W_1 W_1ᵀ − W_2ᵀ W_2) is conserved; antisymmetric generators ' +
      'give no charge.',
    latex: 'C = \\tfrac12 (W_1 W_1^\\top - W_2^\\top W_2)',
  },
  symmetry: 'gl',
  law: 'charge-matrix',
  expected: {
    kind: 'matrix',
    sum: [term(c(1, 2), th('W1'), T(th('W1'))), term(c(-1, 2), T(th('W2')), th('W2'))],
  },
};
