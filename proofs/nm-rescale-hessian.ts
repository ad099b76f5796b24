/** Rescale symmetry: H(w_in ⊕ −w_out) = −(g_in ⊕ −g_out) [NM §3]. */
import { type Theorem, c, g, th, term } from './lib';

export const theorem: Theorem = {
  id: 'nm-rescale-hessian',
  title: 'Rescale symmetry: H(w_in ⊕ −w_out) = −(g_in ⊕ −g_out)',
  source: 'NM §3',
  statement: {
    text: 'For a loss invariant under rescaling a homogeneous unit, H(w_in ⊕ −w_out) = −(g_in ⊕ −g_out).',
    latex: 'H (w_{\\mathrm{in}} \\oplus -w_{\\mathrm{out}}) = -(g_{\\mathrm{in}} \\oplus -g_{\\mathrm{out}})',
  },
  symmetry: 'rescale',
  law: 'hessian-constraint',
  expected: {
    kind: 'hvp',
    direction: { w_in: [term(c(1), th('w_in'))], w_out: [term(c(-1), th('w_out'))] },
    rhs: { w_in: [term(c(-1), g('w_in'))], w_out: [term(c(1), g('w_out'))] },
  },
};
