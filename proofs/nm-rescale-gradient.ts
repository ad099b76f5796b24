/** Rescale symmetry: incoming and outgoing gradient projections balance [NM §3]. */
import { type Theorem, c, g, th, inner } from './lib';

export const theorem: Theorem = {
  id: 'nm-rescale-gradient',
  title: 'Rescale symmetry: incoming and outgoing gradient projections balance',
  source: 'NM §3',
  statement: {
    text:
      'For a loss invariant under (w_in, w_out) ↦ (e^a w_in, e^−a w_out), ' +
      '⟨g_in, w_in⟩ − ⟨g_out, w_out⟩ = 0.',
    latex:
      '\\langle g_{\\mathrm{in}}, w_{\\mathrm{in}} \\rangle - \\langle g_{\\mathrm{out}}, ' +
      'w_{\\mathrm{out}} \\rangle = 0',
  },
  symmetry: 'rescale',
  law: 'gradient-constraint',
  expected: {
    kind: 'trace',
    sum: [inner(c(1), g('w_in'), th('w_in')), inner(c(-1), g('w_out'), th('w_out'))],
  },
};
