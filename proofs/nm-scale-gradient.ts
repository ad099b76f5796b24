/** Scale symmetry: the gradient is orthogonal to the weights [NM §3]. */
import { type Theorem, c, g, th, inner } from './lib';

export const theorem: Theorem = {
  id: 'nm-scale-gradient',
  title: 'Scale symmetry: the gradient is orthogonal to the weights',
  source: 'NM §3',
  statement: {
    text: 'For a loss invariant under θ_A ↦ e^a θ_A (BatchNorm, LayerNorm), ⟨g_A, θ_A⟩ = 0.',
    latex: '\\langle g_A, \\theta_A \\rangle = 0',
  },
  symmetry: 'scale',
  law: 'gradient-constraint',
  expected: { kind: 'trace', sum: [inner(c(1), g('theta'), th('theta'))] },
};
