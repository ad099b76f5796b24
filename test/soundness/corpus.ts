/**
 * An adversarial corpus of concrete and mirror declarations, each with its truth established
 * independently of the toolkit: a false symmetry carries a witness point where plain JavaScript
 * (the `L` and `act` below, written by hand, not compiled from the toolkit's expressions) shows
 * L(ψ(θ)) ≠ L(θ); a true one carries the reason it holds. Classes: far kinks and penalties,
 * ReLUs active on part of the line, bumps between grid points, perturbations from 1e-3 down to
 * 1e-15, overflow, measure-zero failures, domain-restricted identities, multi-parameter groups,
 * and true symmetries whose proof needs piecewise reasoning.
 */
export type P = Record<string, number>;

export interface Case {
  readonly name: string;
  readonly cls: string;
  readonly yaml: string;
  /** True: the action is a symmetry of the loss (for every θ, data and group element). */
  readonly symmetry: boolean;
  /** Why (for true cases), or where it fails (for false ones). */
  readonly why: string;
  /** The loss and the action in plain JavaScript, for the independent witness. */
  readonly L?: (p: P) => number;
  readonly act?: (p: P) => P;
  /** A point where L(act(p)) ≠ L(p) (false cases). */
  readonly witness?: P;
}

const relu = (z: number): number => (z > 0 ? z : 0);
const step = (z: number): number => (z > 0 ? 1 : 0);
const sign = (z: number): number => (z > 0 ? 1 : z < 0 ? -1 : 0);
const leaky = (z: number, s: number): number => (z > 0 ? z : s * z);

/** A concrete rescale-like declaration over w1, w2 with data x, y. */
function rescale(name: string, loss: string, action = 'w1: exp(a)*w1\n  w2: exp(-a)*w2'): string {
  return (
    `name: ${name}\nkind: concrete\nparameters: [w1, w2]\ndata: [x, y]\ngroup: a\n` +
    `loss: ${loss}\naction:\n  ${action}\n`
  );
}
const resc = (p: P): P => ({ ...p, w1: Math.exp(p['a']!) * p['w1']!, w2: Math.exp(-p['a']!) * p['w2']! });
const base = (p: P): number => (p['y']! - p['w2']! * p['w1']! * p['x']!) ** 2;

function mirror(name: string, params: string, loss: string, action: string, data = '[x, y]'): string {
  return `name: ${name}\nkind: mirror\nparameters: ${params}\ndata: ${data}\nloss: ${loss}\naction:\n  ${action}\n`;
}

const falseCases: Case[] = [
  // Far kinks and penalties: features outside any fixed sampling box.
  {
    name: 'far-weight-penalty',
    cls: 'far kink',
    yaml: rescale('far-weight-penalty', '(y - w2*w1*x)^2 + relu(w1^2 - 100)'),
    symmetry: false,
    why: 'the penalty switches on for |w1| > 10 and is not invariant there',
    L: (p) => base(p) + relu(p['w1']! ** 2 - 100),
    act: resc,
    witness: { w1: 20, w2: 1, x: 0, y: 0, a: 0.5 },
  },
  {
    name: 'far-data-penalty',
    cls: 'far kink',
    yaml: rescale('far-data-penalty', '(y - w2*w1*x)^2 + relu(x - 50)*w1^2'),
    symmetry: false,
    why: 'for data x > 50 the loss has w1², which rescaling changes',
    L: (p) => base(p) + relu(p['x']! - 50) * p['w1']! ** 2,
    act: resc,
    witness: { w1: 1, w2: 1, x: 60, y: 0, a: 0.5 },
  },
  {
    name: 'far-step',
    cls: 'far kink',
    yaml: rescale('far-step', '(y - w2*w1*x)^2 + step(w1 - 30)'),
    symmetry: false,
    why: 'a step at w1 = 30 moves under rescaling',
    L: (p) => base(p) + step(p['w1']! - 30),
    act: resc,
    witness: { w1: 25, w2: 1, x: 0, y: 0, a: 0.5 },
  },
  {
    name: 'far-leaky',
    cls: 'far kink',
    yaml: rescale('far-leaky', '(y - w2*w1*x)^2 + leaky_relu(w2 - 40, 1/2)'),
    symmetry: false,
    why: 'leaky_relu(w2 − 40) is not invariant',
    L: (p) => base(p) + leaky(p['w2']! - 40, 0.5),
    act: resc,
    witness: { w1: 1, w2: 50, x: 0, y: 0, a: 0.5 },
  },
  {
    name: 'far-abs',
    cls: 'far kink',
    yaml: rescale('far-abs', '(y - w2*w1*x)^2 + abs(w1*w2*x - 1000) - abs(w1*w2*x) + 1000'),
    symmetry: true,
    why: 'w1·w2 is invariant, so every term is (the abs terms combine only w1*w2*x)',
  },
  // ReLU active on part of the line only.
  {
    name: 'relu-offset',
    cls: 'partial relu',
    yaml: rescale('relu-offset', '(y - w2*relu(w1*x - 1))^2'),
    symmetry: false,
    why: 'the fixed offset −1 breaks positive homogeneity where the unit is active',
    L: (p) => (p['y']! - p['w2']! * relu(p['w1']! * p['x']! - 1)) ** 2,
    act: resc,
    witness: { w1: 2, w2: 1, x: 1, y: 0, a: 0.5 },
  },
  {
    name: 'relu-shifted-data',
    cls: 'partial relu',
    yaml: rescale('relu-shifted-data', '(y - w2*relu(w1*(x - 3)))^2 + relu(w1 - 2)*relu(x - 3)'),
    symmetry: false,
    why: 'the second term is active only for w1 > 2 and x > 3, and is not invariant there',
    L: (p) =>
      (p['y']! - p['w2']! * relu(p['w1']! * (p['x']! - 3))) ** 2 + relu(p['w1']! - 2) * relu(p['x']! - 3),
    act: resc,
    witness: { w1: 3, w2: 1, x: 4, y: 0, a: 0.5 },
  },
  {
    name: 'relu-one-sided',
    cls: 'partial relu',
    yaml: rescale('relu-one-sided', '(y - w2*relu(w1*x))^2 + relu(-w1)^3'),
    symmetry: false,
    why: 'relu(−w1)³ is active for w1 < 0 only, homogeneous of degree 3, not invariant',
    L: (p) => (p['y']! - p['w2']! * relu(p['w1']! * p['x']!)) ** 2 + relu(-p['w1']!) ** 3,
    act: resc,
    witness: { w1: -1, w2: 1, x: 1, y: 0, a: 0.5 },
  },
  // Bumps between grid points.
  {
    name: 'bump-weight',
    cls: 'bump',
    yaml: rescale('bump-weight', '(y - w2*w1*x)^2 + exp(-1000000*(w1 - 3/100)^2)'),
    symmetry: false,
    why: 'a Gaussian bump of width 1e-3 at w1 = 0.03, between grid points',
    L: (p) => base(p) + Math.exp(-1e6 * (p['w1']! - 0.03) ** 2),
    act: resc,
    witness: { w1: 0.03, w2: 1, x: 0, y: 0, a: 0.5 },
  },
  {
    name: 'bump-product',
    cls: 'bump',
    yaml: rescale('bump-product', '(y - w2*w1*x)^2 + exp(-100000*(w1*x - 7/10)^2)'),
    symmetry: false,
    why: 'a bump along w1·x = 0.7',
    L: (p) => base(p) + Math.exp(-1e5 * (p['w1']! * p['x']! - 0.7) ** 2),
    act: resc,
    witness: { w1: 0.7, w2: 1, x: 1, y: 0, a: 0.5 },
  },
  {
    name: 'bump-tanh-step',
    cls: 'bump',
    yaml: rescale(
      'bump-tanh-step',
      '(y - w2*w1*x)^2 + tanh(10000*(w1 - 1/3)) - tanh(10000*(w1 - 1/3 - 1/1000))',
    ),
    symmetry: false,
    why: 'a plateau of width 1e-3 at w1 ≈ 0.3338 built from two steep tanh',
    L: (p) => base(p) + Math.tanh(1e4 * (p['w1']! - 1 / 3)) - Math.tanh(1e4 * (p['w1']! - 1 / 3 - 1e-3)),
    act: resc,
    witness: { w1: 1 / 3 + 0.0005, w2: 1, x: 0, y: 0, a: 0.5 },
  },
  {
    name: 'bump-data',
    cls: 'bump',
    yaml: rescale('bump-data', '(y - w2*w1*x)^2 + w1^2*exp(-1000000*(x - 1/7)^2)'),
    symmetry: false,
    why: 'for data near x = 1/7 the loss has w1²',
    L: (p) => base(p) + p['w1']! ** 2 * Math.exp(-1e6 * (p['x']! - 1 / 7) ** 2),
    act: resc,
    witness: { w1: 1, w2: 1, x: 1 / 7, y: 0, a: 0.5 },
  },
  // Tiny perturbations of a symmetric loss.
  ...['1e-3', '1e-6', '1e-9', '1e-12', '1e-15'].map((eps): Case => ({
    name: `perturbed-${eps}`,
    cls: 'tiny perturbation',
    yaml: rescale(`perturbed-${eps.replace('-', 'm')}`, `(y - w2*w1*x)^2 + ${eps}*w1^2`),
    symmetry: false,
    why: `${eps}·w1² is not invariant, however small`,
    L: (p) => base(p) + Number(eps) * p['w1']! ** 2,
    act: resc,
    witness: { w1: 1, w2: 1, x: 0, y: 0, a: 0.5 },
  })),
  ...['1e-4', '1e-10', '1e-14'].map((eps): Case => ({
    name: `perturbed-cubic-${eps}`,
    cls: 'tiny perturbation',
    yaml: rescale(`perturbed-cubic-${eps.replace('-', 'm')}`, `(y - w2*w1*x)^2 + ${eps}*w1*w2^3*x`),
    symmetry: false,
    why: `${eps}·w1·w2³·x is not invariant`,
    L: (p) => base(p) + Number(eps) * p['w1']! * p['w2']! ** 3 * p['x']!,
    act: resc,
    witness: { w1: 1, w2: 1, x: 1, y: 0, a: 0.5 },
  })),
  {
    name: 'perturbed-tanh',
    cls: 'tiny perturbation',
    yaml: rescale('perturbed-tanh', '(y - w2*w1*x)^2 + 1e-12*tanh(w1)'),
    symmetry: false,
    why: '1e-12·tanh(w1) is not invariant',
    L: (p) => base(p) + 1e-12 * Math.tanh(p['w1']!),
    act: resc,
    witness: { w1: 1, w2: 1, x: 0, y: 0, a: 0.5 },
  },
  // Overflow.
  {
    name: 'overflow-power',
    cls: 'overflow',
    yaml: rescale('overflow-power', '(y - w2*w1*x)^2 + w1^1000000000'),
    symmetry: false,
    why: 'w1^(1e9) is not invariant (and overflows float64 for |w1| > 1)',
    L: (p) => base(p) + p['w1']! ** 1e9,
    act: resc,
    witness: { w1: 1, w2: 1, x: 0, y: 0, a: 1e-9 },
  },
  {
    name: 'overflow-exp',
    cls: 'overflow',
    yaml: rescale('overflow-exp', '(y - w2*w1*x)^2 + 1e-300*exp(w1^2)'),
    symmetry: false,
    why: 'exp(w1²) is not invariant',
    L: (p) => base(p) + 1e-300 * Math.exp(p['w1']! ** 2),
    act: resc,
    witness: { w1: 2, w2: 1, x: 0, y: 0, a: 0.5 },
  },
  // Measure-zero failures.
  {
    name: 'measure-zero-sign',
    cls: 'measure zero',
    yaml: rescale('measure-zero-sign', '(y - w2*w1*x)^2 + sign(w1 - 1)^2'),
    symmetry: false,
    why: 'sign(w1 − 1)² is 1 except on w1 = 1, a set that rescaling moves',
    L: (p) => base(p) + sign(p['w1']! - 1) ** 2,
    act: resc,
    witness: { w1: 1, w2: 1, x: 0, y: 0, a: 0.5 },
  },
  {
    name: 'measure-zero-step',
    cls: 'measure zero',
    yaml: rescale('measure-zero-step', '(y - w2*w1*x)^2 + step(w1 - 2) + step(2 - w1)'),
    symmetry: false,
    why: 'step(w1 − 2) + step(2 − w1) is 1 except at w1 = 2 (0 there)',
    L: (p) => base(p) + step(p['w1']! - 2) + step(2 - p['w1']!),
    act: resc,
    witness: { w1: 2, w2: 1, x: 0, y: 0, a: 0.5 },
  },
  // Multi-parameter groups.
  {
    name: 'two-parameter-false',
    cls: 'multi-parameter',
    yaml:
      'name: two-parameter-false\nkind: concrete\nparameters: [w1, w2, w3]\ndata: [x, y]\ngroup: [a, b]\n' +
      'loss: (y - w3*w2*w1*x)^2 + w2^2\naction:\n  w1: exp(a)*w1\n  w2: exp(b - a)*w2\n  w3: exp(-b)*w3\n',
    symmetry: false,
    why: 'the product is invariant under both, but w2² is not',
    L: (p) => (p['y']! - p['w3']! * p['w2']! * p['w1']! * p['x']!) ** 2 + p['w2']! ** 2,
    act: (p) => ({ ...p, w2: Math.exp(-p['a']!) * p['w2']! }),
    witness: { w1: 1, w2: 1, w3: 1, x: 0, y: 0, a: 0.5 },
  },
  // Mirrors.
  {
    name: 'mirror-relu-flip',
    cls: 'mirror',
    yaml: mirror('mirror-relu-flip', '[w, v]', '(y - v*relu(w*x))^2', 'w: -w\n  v: -v'),
    symmetry: false,
    why: 'relu is not odd',
    L: (p) => (p['y']! - p['v']! * relu(p['w']! * p['x']!)) ** 2,
    act: (p) => ({ ...p, w: -p['w']!, v: -p['v']! }),
    witness: { w: 1, v: 1, x: 1, y: 0 },
  },
  {
    name: 'mirror-cosh-flip-partial',
    cls: 'mirror',
    yaml: mirror('mirror-cosh-flip-partial', '[w, v]', '(y - v*cosh(w*x))^2', 'v: -v'),
    symmetry: false,
    why: 'v ↦ −v changes the output sign',
    L: (p) => (p['y']! - p['v']! * Math.cosh(p['w']! * p['x']!)) ** 2,
    act: (p) => ({ ...p, v: -p['v']! }),
    witness: { w: 0, v: 1, x: 0, y: 1 },
  },
  {
    name: 'mirror-swap-unequal',
    cls: 'mirror',
    yaml: mirror('mirror-swap-unequal', '[a1, a2]', '(y - tanh(a1*x) - 2*tanh(a2*x))^2', 'a1: a2\n  a2: a1'),
    symmetry: false,
    why: 'the two units have different output weights',
    L: (p) => (p['y']! - Math.tanh(p['a1']! * p['x']!) - 2 * Math.tanh(p['a2']! * p['x']!)) ** 2,
    act: (p) => ({ ...p, a1: p['a2']!, a2: p['a1']! }),
    witness: { a1: 1, a2: 0, x: 1, y: 0 },
  },
  {
    name: 'mirror-tiny',
    cls: 'mirror',
    yaml: mirror('mirror-tiny', '[w, v]', '(y - v*tanh(w*x))^2 + 1e-13*w', 'w: -w\n  v: -v'),
    symmetry: false,
    why: '1e-13·w is odd, not even',
    L: (p) => (p['y']! - p['v']! * Math.tanh(p['w']! * p['x']!)) ** 2 + 1e-13 * p['w']!,
    act: (p) => ({ ...p, w: -p['w']!, v: -p['v']! }),
    witness: { w: 1, v: 0, x: 0, y: 0 },
  },
  {
    name: 'mirror-far',
    cls: 'mirror',
    yaml: mirror('mirror-far', '[w, v]', '(y - v*tanh(w*x))^2 + relu(w - 25)', 'w: -w\n  v: -v'),
    symmetry: false,
    why: 'relu(w − 25) is not even',
    L: (p) => (p['y']! - p['v']! * Math.tanh(p['w']! * p['x']!)) ** 2 + relu(p['w']! - 25),
    act: (p) => ({ ...p, w: -p['w']!, v: -p['v']! }),
    witness: { w: 30, v: 0, x: 0, y: 0 },
  },
];

const trueCases: Case[] = [
  {
    name: 'linear-rescale',
    cls: 'polynomial',
    yaml: rescale('linear-rescale', '(y - w2*w1*x)^2'),
    symmetry: true,
    why: 'the loss depends on w1·w2 only',
  },
  {
    name: 'relu-rescale',
    cls: 'piecewise',
    yaml: rescale('relu-rescale', '(y - w2*relu(w1*x))^2'),
    symmetry: true,
    why: 'relu(c z) = c relu(z) for c > 0',
  },
  {
    name: 'leaky-rescale',
    cls: 'piecewise',
    yaml: rescale('leaky-rescale', '(y - w2*leaky_relu(w1*x, 1/10))^2'),
    symmetry: true,
    why: 'leaky_relu is positively homogeneous',
  },
  {
    name: 'abs-rescale',
    cls: 'piecewise',
    yaml: rescale('abs-rescale', '(y - w2*abs(w1*x))^2 + step(w1*w2)'),
    symmetry: true,
    why: '|c z| = c|z| for c > 0, and w1·w2 is invariant',
  },
  {
    name: 'far-abs-true',
    cls: 'far kink',
    yaml: rescale('far-abs-true', '(y - w2*w1*x)^2 + relu(w1*w2 - 100)'),
    symmetry: true,
    why: 'the far penalty depends on w1·w2 only',
  },
  {
    name: 'bump-invariant',
    cls: 'bump',
    yaml: rescale('bump-invariant', '(y - w2*w1*x)^2 + exp(-1000000*(w1*w2 - 3/100)^2)'),
    symmetry: true,
    why: 'the bump is in w1·w2, which is invariant',
  },
  {
    name: 'domain-log',
    cls: 'domain-restricted',
    yaml: rescale('domain-log', '(y - w2*w1*x)^2 + log((w1*w2)^2 + 1)'),
    symmetry: true,
    why: 'a function of w1·w2',
  },
  {
    name: 'domain-sqrt',
    cls: 'domain-restricted',
    yaml: rescale('domain-sqrt', '(y - w2*w1*x)^2 + sqrt(w1^2*w2^2)'),
    symmetry: true,
    why: '√(w1² w2²) = |w1 w2|, invariant',
  },
  {
    name: 'two-parameter-true',
    cls: 'multi-parameter',
    yaml:
      'name: two-parameter-true\nkind: concrete\nparameters: [w1, w2, w3]\ndata: [x, y]\ngroup: [a, b]\n' +
      'loss: (y - w3*w2*w1*x)^2\naction:\n  w1: exp(a)*w1\n  w2: exp(b - a)*w2\n  w3: exp(-b)*w3\n',
    symmetry: true,
    why: 'w1·w2·w3 is invariant under both one-parameter subgroups',
  },
  {
    name: 'translation-softmax',
    cls: 'polynomial',
    yaml:
      'name: translation-softmax\nkind: concrete\nparameters: [u1, u2]\ndata: [y]\ngroup: a\n' +
      'loss: log(exp(u1) + exp(u2)) - y*u1 - (1 - y)*u2\naction:\n  u1: u1 + a\n  u2: u2 + a\n',
    symmetry: true,
    why: 'log-sum-exp shifts by a, and y·a + (1 − y)·a = a',
  },
  {
    name: 'mirror-tanh',
    cls: 'mirror',
    yaml: mirror('mirror-tanh', '[w, v]', '(y - v*tanh(w*x))^2', 'w: -w\n  v: -v'),
    symmetry: true,
    why: 'tanh is odd',
  },
  {
    name: 'mirror-abs-leaky',
    cls: 'piecewise',
    yaml: mirror('mirror-abs-leaky', '[w, v]', '(y - v*leaky_relu(w*x, -1))^2', 'w: -w'),
    symmetry: true,
    why: 'leaky_relu(z, −1) = |z| is even',
  },
  {
    name: 'mirror-relu-difference',
    cls: 'piecewise',
    yaml: mirror('mirror-relu-difference', '[w, v]', '(y - v*(relu(w*x) - relu(-w*x)))^2', 'w: -w\n  v: -v'),
    symmetry: true,
    why: 'relu(z) − relu(−z) = z is odd',
  },
  {
    name: 'mirror-swap',
    cls: 'mirror',
    yaml: mirror('mirror-swap', '[a1, a2]', '(y - tanh(a1*x) - tanh(a2*x))^2', 'a1: a2\n  a2: a1'),
    symmetry: true,
    why: 'the two units enter symmetrically',
  },
  {
    name: 'mirror-even-abs',
    cls: 'piecewise',
    yaml: mirror('mirror-even-abs', '[w, v]', '(y - v*abs(w)*x)^2 + step(w)*step(-w)', 'w: -w'),
    symmetry: true,
    why: '|w| is even; step(w)·step(−w) is 0 everywhere',
  },
];

export const CORPUS: readonly Case[] = [...falseCases, ...trueCases];
