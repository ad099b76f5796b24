/** Translation symmetry: the gradient sums to zero over the translated block [NM §3]. */
import { type Theorem, c, g, ones, inner } from './lib';

export const theorem: Theorem = {
  id: 'nm-translation-gradient',
  title: 'Translation symmetry: the gradient sums to zero over the translated block',
  source: 'NM §3',
  statement: {
    text: 'For a loss invariant under θ_A ↦ θ_A + a·1 (softmax), ⟨g_A, 1⟩ = 0.',
    latex: '\\langle g_A, \\mathbf{1} \\rangle = 0',
  },
  symmetry: 'translation',
  law: 'gradient-constraint',
  expected: { kind: 'trace', sum: [inner(c(1), ones('theta'), g('theta'))] },
};
