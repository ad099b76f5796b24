/** Translation symmetry: the sum of the block is conserved under gradient flow [NM §3]. */
import { type Theorem, c, th, ones, inner } from './lib';

export const theorem: Theorem = {
  id: 'nm-translation-charge',
  title: 'Translation symmetry: the sum of the block is conserved under gradient flow',
  source: 'NM §3',
  statement: {
    text: 'Under gradient flow on a loss invariant under θ_A ↦ θ_A + a·1, Q = ⟨θ_A, 1⟩ is conserved.',
    latex: 'Q = \\langle \\theta_A, \\mathbf{1} \\rangle',
  },
  symmetry: 'translation',
  law: 'charge',
  expected: { kind: 'trace', sum: [inner(c(1), ones('theta'), th('theta'))] },
};
