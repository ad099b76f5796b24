/** Data augmentation: the first layer's gradient is orthogonal to W₁A [GU]. */
import { type Theorem, c, g, th, k, T, term } from './lib';

export const theorem: Theorem = {
  id: 'gu-augmentation-gradient',
  title: 'Data augmentation: the first-layer gradient is orthogonal to W₁A',
  source: 'GU',
  statement: {
    text:
      'For a data set invariant under x ↦ e^{εA}x, the loss is invariant under W₁ ↦ W₁e^{aA}, ' +
      'and ⟨g_{W₁}, W₁A⟩ = 0 at every parameter.',
    latex: '\\langle g_{W_1}, W_1 A \\rangle = \\operatorname{tr}(g_{W_1}^\\top W_1 A) = 0',
  },
  symmetry: 'augmentation',
  law: 'gradient-constraint',
  expected: { kind: 'trace', sum: [term(c(1), T(g('W1')), th('W1'), k('A'))] },
};
