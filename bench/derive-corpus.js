// The corpus of concrete declarations behind bench/derive.js: what users declare (rescalings of
// two-layer products under smooth losses, translations before a log-sum-exp, scalings before a
// normalisation, SO(2) rotations, multi-parameter groups) and a few false symmetries. Every entry
// carries its truth (`symmetry`: the action leaves the loss unchanged for every parameter, datum,
// constant and group element) and the reasoning for it (`why`), worked out by hand, never by
// running noether. For a false entry, `why` names a witness point where L(ψ(θ)) ≠ L(θ).
//
// Expressions are written in the syntax both noether and SymPy's parse_expr (with convert_xor)
// read: `^` for powers, exp/log/sqrt/tanh/cosh/cos/sin, and sigmoid(z) = 1/(1 + e^{-z}) and
// softplus(z) = log(1 + e^z), which bench/sympy_ref.py defines for SymPy.
//
// Usage: node bench/derive-corpus.js [DIR]   writes DIR/<name>.yaml and DIR/corpus.json
// (DIR defaults to a fresh temporary directory) and prints the directory.
'use strict';
const { mkdtempSync, mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');

/** The rescaling of a two-layer product: w1 ↦ e^a w1, w2 ↦ e^{-a} w2 (so w1·w2 is invariant). */
const RESCALE = { w1: 'exp(a)*w1', w2: 'exp(-a)*w2' };

/** Rotation by angle `a` of the pair (p, q): p ↦ cos a p − sin a q, q ↦ sin a p + cos a q. */
const rot = (p, q, a = 'a') => ({
  [p]: `cos(${a})*${p} - sin(${a})*${q}`,
  [q]: `sin(${a})*${p} + cos(${a})*${q}`,
});
/** Translation of every listed parameter by `a`. */
const shift = (ps, a = 'a') => Object.fromEntries(ps.map((p) => [p, `${p} + ${a}`]));
/** Scaling of every listed parameter by e^a. */
const scale = (ps, a = 'a') => Object.fromEntries(ps.map((p) => [p, `exp(${a})*${p}`]));

/** One entry; `parameters` defaults to [w1, w2], `data` to [x, y], `group` to a, `action` to RESCALE. */
function entry(name, cls, symmetry, why, loss, more = {}) {
  return {
    name,
    cls,
    symmetry,
    why,
    parameters: more.parameters || ['w1', 'w2'],
    data: more.data || ['x', 'y'],
    constants: more.constants || [],
    group: more.group || ['a'],
    loss,
    action: more.action || RESCALE,
  };
}

const CORPUS = [
  // Rescalings of two-layer products. The loss depends on (w1, w2) only through w1·w2, and
  // e^a w1 · e^{-a} w2 = w1·w2, so every such loss is invariant whatever smooth function wraps it.
  entry('rescale-square', 'rescale', true, 'depends on w1·w2 only', '(y - w2*w1*x)^2'),
  entry(
    'rescale-quartic',
    'rescale',
    true,
    'a polynomial in the residual y − w2·w1·x, which depends on w1·w2 only',
    '(y - w2*w1*x)^4 + (y - w2*w1*x)^2',
  ),
  entry(
    'rescale-cubic-product',
    'rescale',
    true,
    'both terms are functions of w1·w2',
    '(y - w1*w2*x)^2 + (w1*w2)^3',
  ),
  entry('rescale-exp-loss', 'rescale', true, 'exponential loss of the margin y·w2·w1·x', 'exp(-y*w2*w1*x)'),
  entry(
    'rescale-logistic',
    'rescale',
    true,
    'logistic loss of the margin y·w2·w1·x',
    'log(1 + exp(-y*w2*w1*x))',
  ),
  entry(
    'rescale-softplus',
    'rescale',
    true,
    'softplus of the margin, a function of w1·w2',
    'softplus(-y*w2*w1*x)',
  ),
  entry(
    'rescale-sigmoid-out',
    'rescale',
    true,
    'the output sigmoid(w2·w1·x) depends on w1·w2 only',
    '(y - sigmoid(w2*w1*x))^2',
  ),
  entry('rescale-tanh-out', 'rescale', true, 'tanh of w2·w1·x, a function of w1·w2', '(y - tanh(w2*w1*x))^2'),
  entry('rescale-logcosh', 'rescale', true, 'log-cosh of a residual in w1·w2', 'log(cosh(y - w2*w1*x))'),
  entry(
    'rescale-bce',
    'rescale',
    true,
    'binary cross-entropy of sigmoid(w2·w1·x), a function of w1·w2',
    '-(y*log(sigmoid(w2*w1*x)) + (1 - y)*log(1 - sigmoid(w2*w1*x)))',
  ),
  entry(
    'rescale-bias-unit',
    'rescale',
    true,
    'w2·(w1·x + b) ↦ e^{-a} w2 · e^a (w1·x + b): the incoming weight and bias scale together',
    '(y - w2*(w1*x + b))^2',
    { parameters: ['w1', 'b', 'w2'], action: { w1: 'exp(a)*w1', b: 'exp(a)*b', w2: 'exp(-a)*w2' } },
  ),
  entry(
    'rescale-two-units',
    'rescale',
    true,
    'only unit 1 is rescaled; the loss sees it through v1·w1 only, unit 2 is untouched',
    '(y - v1*w1*x - v2*w2*x)^2 + (w1*v1)^2',
    { parameters: ['w1', 'v1', 'w2', 'v2'], action: { w1: 'exp(a)*w1', v1: 'exp(-a)*v1' } },
  ),
  entry(
    'rescale-two-inputs',
    'rescale',
    true,
    'v·(w1·x1 + w2·x2) is invariant when both incoming weights scale by e^a and v by e^{-a}',
    'log(1 + (y - v*(w1*x1 + w2*x2))^2)',
    {
      parameters: ['w1', 'w2', 'v'],
      data: ['x1', 'x2', 'y'],
      action: { w1: 'exp(a)*w1', w2: 'exp(a)*w2', v: 'exp(-a)*v' },
    },
  ),
  entry(
    'rescale-product-decay',
    'rescale',
    true,
    'a penalty on the product (w1·w2)² is invariant (unlike weight decay on each factor)',
    '(y - w2*w1*x)^2 + lam*(w1*w2)^2',
    { constants: ['lam'] },
  ),
  entry(
    'rescale-rational',
    'rescale',
    true,
    'a rational function of w1·w2',
    '(y - w2*w1*x)^2/(1 + (w1*w2)^2)',
  ),

  // Translations before a log-sum-exp / softmax: adding a to every logit adds a to the
  // log-sum-exp (e^{z+a} = e^a e^z) and multiplies numerator and denominator of a softmax by e^a.
  entry(
    'shift-lse2',
    'translation',
    true,
    'LSE(z + a) = LSE(z) + a and y(z1 + a) + (1 − y)(z2 + a) = y z1 + (1 − y) z2 + a: the a cancels',
    'log(exp(z1) + exp(z2)) - y*z1 - (1 - y)*z2',
    { parameters: ['z1', 'z2'], data: ['y'], action: shift(['z1', 'z2']) },
  ),
  entry(
    'shift-lse3-data',
    'translation',
    true,
    'cross-entropy with label 2 of logits z + x: the log-sum-exp and the label logit both gain a',
    'log(exp(z1 + x1) + exp(z2 + x2) + exp(z3 + x3)) - z2 - x2',
    { parameters: ['z1', 'z2', 'z3'], data: ['x1', 'x2', 'x3'], action: shift(['z1', 'z2', 'z3']) },
  ),
  entry(
    'shift-softmax-prob',
    'translation',
    true,
    'e^{z1+a}/(e^{z1+a} + e^{z2+a}) = e^{z1}/(e^{z1} + e^{z2}): e^a cancels',
    '(y - exp(z1)/(exp(z1) + exp(z2)))^2',
    { parameters: ['z1', 'z2'], data: ['y'], action: shift(['z1', 'z2']) },
  ),
  entry(
    'shift-softmax-column',
    'translation',
    true,
    'logits u_k·h: shifting the column u by a adds a·h to every logit, LSE and label logit alike',
    'log(exp(u1*h) + exp(u2*h) + exp(u3*h)) - u3*h',
    { parameters: ['u1', 'u2', 'u3'], data: ['h'], action: shift(['u1', 'u2', 'u3']) },
  ),
  entry(
    'shift-softmax-bias',
    'translation',
    true,
    'output biases b1, b2 shifted together add a to both logits (2x + b1, b2 − x); label weights sum to 1',
    'log(exp(2*x + b1) + exp(b2 - x)) - y*(2*x + b1) - (1 - y)*(b2 - x)',
    { parameters: ['b1', 'b2'], action: shift(['b1', 'b2']) },
  ),
  entry(
    'shift-difference',
    'translation',
    true,
    'the loss depends on z1 − z2 only, which a common shift leaves unchanged',
    '(y - tanh(z1 - z2))^2 + softplus(z2 - z1)',
    { parameters: ['z1', 'z2'], data: ['y'], action: shift(['z1', 'z2']) },
  ),
  entry(
    'shift-lse-square',
    'translation',
    true,
    'LSE(z) − z1 is shift-invariant, hence so is its square',
    '(log(exp(z1) + exp(z2)) - z1)^2',
    { parameters: ['z1', 'z2'], data: ['y'], action: shift(['z1', 'z2']) },
  ),

  // Scalings before a normalisation: w ↦ e^a w. Every loss here is homogeneous of degree 0 in the
  // scaled weights: sqrt(e^{2a} S) = e^a sqrt(S) because e^a > 0, so the e^a cancels.
  entry(
    'norm-unit2',
    'normalisation',
    true,
    'w1/‖w‖ is homogeneous of degree 0 (e^a > 0)',
    '(y - w1*x/sqrt(w1^2 + w2^2))^2',
    { action: scale(['w1', 'w2']) },
  ),
  entry(
    'norm-unit3-inputs',
    'normalisation',
    true,
    '⟨w, x⟩/‖w‖ is homogeneous of degree 0 in w',
    '(y - (w1*x1 + w2*x2 + w3*x3)/sqrt(w1^2 + w2^2 + w3^2))^2',
    { parameters: ['w1', 'w2', 'w3'], data: ['x1', 'x2', 'x3', 'y'], action: scale(['w1', 'w2', 'w3']) },
  ),
  entry(
    'norm-tanh',
    'normalisation',
    true,
    'tanh of a degree-0 homogeneous pre-activation',
    '(y - tanh((w1*x1 + w2*x2)/sqrt(w1^2 + w2^2)))^2',
    { data: ['x1', 'x2', 'y'], action: scale(['w1', 'w2']) },
  ),
  entry(
    'norm-weightnorm-gain',
    'normalisation',
    true,
    'weight normalisation g·v/‖v‖: scaling v alone leaves v/‖v‖ unchanged; the gain g is not acted on',
    '(y - g*(v1*x1 + v2*x2)/sqrt(v1^2 + v2^2))^2',
    { parameters: ['g', 'v1', 'v2'], data: ['x1', 'x2', 'y'], action: scale(['v1', 'v2']) },
  ),
  entry(
    'norm-centred',
    'normalisation',
    true,
    '(w1 − w2)/sqrt((w1 − w2)² + w3²) is homogeneous of degree 0 in (w1, w2, w3)',
    '(y - (w1 - w2)*x/sqrt((w1 - w2)^2 + w3^2))^2',
    { parameters: ['w1', 'w2', 'w3'], action: scale(['w1', 'w2', 'w3']) },
  ),
  entry(
    'norm-cos2',
    'normalisation',
    true,
    'w1²/(w1² + w2²) is homogeneous of degree 0 (no square root needed)',
    'log(1 + w1^2/(w1^2 + w2^2)) + (y - x*w1^2/(w1^2 + w2^2))^2',
    { action: scale(['w1', 'w2']) },
  ),

  // SO(2) rotations. A simultaneous rotation R of two vectors keeps their inner product and their
  // determinant (det R = 1); rotating one vector keeps its norm.
  entry('rot-factorisation', 'rotation', true, '⟨Ru, Rw⟩ = ⟨u, w⟩', '(y - (u1*w1 + u2*w2))^2', {
    parameters: ['u1', 'u2', 'w1', 'w2'],
    data: ['y'],
    action: { ...rot('u1', 'u2'), ...rot('w1', 'w2') },
  }),
  entry('rot-radial', 'rotation', true, '‖Rw‖² = ‖w‖²', '(w1^2 + w2^2 - x)^2', {
    data: ['x'],
    action: rot('w1', 'w2'),
  }),
  entry('rot-gauss', 'rotation', true, 'a function of ‖w‖²', '(y - x*exp(-(w1^2 + w2^2)))^2', {
    action: rot('w1', 'w2'),
  }),
  entry(
    'rot-log-norm',
    'rotation',
    true,
    'a function of ‖w‖² and ‖w‖ = sqrt(‖w‖²)',
    'log(1 + w1^2 + w2^2) + (y - x*sqrt(w1^2 + w2^2))^2',
    { action: rot('w1', 'w2') },
  ),
  entry(
    'rot-inner-det',
    'rotation',
    true,
    'both ⟨u, w⟩ and det[u, w] = u1·w2 − u2·w1 are invariant under a common rotation',
    '(y - tanh(x*(u1*w1 + u2*w2)))^2 + (u1*w2 - u2*w1)^2',
    { parameters: ['u1', 'u2', 'w1', 'w2'], action: { ...rot('u1', 'u2'), ...rot('w1', 'w2') } },
  ),

  // Multi-parameter groups: each one-parameter subgroup (the others at 0) is checked on its own.
  entry(
    'multi-chain3',
    'multi-parameter',
    true,
    'w1·w2·w3 ↦ e^a w1 · e^{b−a} w2 · e^{−b} w3 = w1·w2·w3 for every (a, b)',
    '(y - w3*w2*w1*x)^2',
    {
      parameters: ['w1', 'w2', 'w3'],
      group: ['a', 'b'],
      action: { w1: 'exp(a)*w1', w2: 'exp(b - a)*w2', w3: 'exp(-b)*w3' },
    },
  ),
  entry(
    'multi-shift-rescale',
    'multi-parameter',
    true,
    'a shifts the logits (log-sum-exp cross-entropy, invariant), b rescales the product w1·w2 (invariant)',
    'log(exp(z1) + exp(z2)) - y*z1 - (1 - y)*z2 + (y - w2*w1*x)^2',
    {
      parameters: ['z1', 'z2', 'w1', 'w2'],
      group: ['a', 'b'],
      action: { ...shift(['z1', 'z2']), w1: 'exp(b)*w1', w2: 'exp(-b)*w2' },
    },
  ),
  entry(
    'multi-two-rotations',
    'multi-parameter',
    true,
    'a rotates u and w together (inner product kept), b rotates v (norm kept)',
    '(y - u1*w1 - u2*w2)^2 + (v1^2 + v2^2 - 1)^2',
    {
      parameters: ['u1', 'u2', 'w1', 'w2', 'v1', 'v2'],
      data: ['y'],
      group: ['a', 'b'],
      action: { ...rot('u1', 'u2'), ...rot('w1', 'w2'), ...rot('v1', 'v2', 'b') },
    },
  ),
  entry(
    'multi-rescale-norm',
    'multi-parameter',
    true,
    'a rescales the product w1·w2; b scales v before a normalisation (degree 0)',
    '(y - w2*w1*x)^2 + (y - v1/sqrt(v1^2 + v2^2))^2',
    {
      parameters: ['w1', 'w2', 'v1', 'v2'],
      group: ['a', 'b'],
      action: { ...RESCALE, ...scale(['v1', 'v2'], 'b') },
    },
  ),

  // False symmetries: a wrong exponent, a term that breaks invariance, a non-homogeneous activation
  // between the rescaled weights, a rotation that misses the data, a shift of part of the logits.
  entry(
    'rescale-wrong-exponent',
    'false',
    false,
    'w1·w2 ↦ e^{a} w1·w2; at w1 = w2 = x = 1, y = 0: L = 1 but L(ψ) = e^{2a}',
    '(y - w2*w1*x)^2',
    { action: { w1: 'exp(2*a)*w1', w2: 'exp(-a)*w2' } },
  ),
  entry(
    'rescale-weight-decay',
    'false',
    false,
    'weight decay on each factor: at lam = 1, w = (1, 0), x = 0: L = 1 but L(ψ) = e^{2a}',
    '(y - w2*w1*x)^2 + lam*(w1^2 + w2^2)',
    { constants: ['lam'] },
  ),
  entry(
    'rescale-tanh-inside',
    'false',
    false,
    'tanh is not homogeneous: at w1 = w2 = x = 1, y = 0, a = 1: tanh(1)² ≈ 0.58 vs (e^{-1} tanh(e))² ≈ 0.13',
    '(y - w2*tanh(w1*x))^2',
  ),
  entry(
    'rescale-sigmoid-inside',
    'false',
    false,
    'at w1 = 0 the unit outputs sigmoid(0) = 1/2 whatever w1 is, and w2 ↦ e^{-a} w2 changes (y − w2/2)²',
    '(y - w2*sigmoid(w1*x))^2',
  ),
  entry(
    'rescale-softplus-inside',
    'false',
    false,
    'at w1 = 0 the unit outputs log 2, and w2 ↦ e^{-a} w2 changes (y − w2·log 2)² (y = 0, w2 = 1)',
    '(y - w2*softplus(w1*x))^2',
  ),
  entry(
    'rescale-near-miss',
    'false',
    false,
    'the small linear term w1/1000 is not invariant: at w1 = 1, x = 0 it becomes e^a/1000',
    '(y - w2*w1*x)^2 + w1/1000',
  ),
  entry(
    'shift-penalty',
    'false',
    false,
    'the penalty z1²/10 breaks the shift: at z = (0, 0), a = 1 the loss grows by 1/10',
    'log(exp(z1) + exp(z2)) - z1 + z1^2/10',
    { parameters: ['z1', 'z2'], data: ['y'], action: shift(['z1', 'z2']) },
  ),
  entry(
    'shift-one-logit',
    'false',
    false,
    'only z1 is shifted: at z = (0, 0), a = 1: log 2 ≈ 0.693 vs log(e + 1) − 1 ≈ 0.313',
    'log(exp(z1) + exp(z2)) - z1',
    { parameters: ['z1', 'z2'], data: ['y'], action: shift(['z1']) },
  ),
  entry(
    'norm-eps',
    'false',
    false,
    'the ε in the norm breaks degree-0 homogeneity: at eps = 1, w = (1, 0), x = 1, y = 0: 1/2 vs e^{2a}/(e^{2a} + 1)',
    '(y - w1*x/sqrt(w1^2 + w2^2 + eps))^2',
    { constants: ['eps'], action: scale(['w1', 'w2']) },
  ),
  entry(
    'norm-plus-raw',
    'false',
    false,
    'the raw term w2·x scales: at w = (0, 1), x = 1, y = 0: L = 1 but L(ψ) = e^{2a}',
    '(y - w1*x/sqrt(w1^2 + w2^2) - w2*x)^2',
    { action: scale(['w1', 'w2']) },
  ),
  entry(
    'norm-wrong-power',
    'false',
    false,
    'w1/‖w‖² has degree −1: at w = (1, 0), x = 1, y = 0: L = 1 but L(ψ) = e^{-2a}',
    '(y - w1*x/(w1^2 + w2^2))^2',
    { action: scale(['w1', 'w2']) },
  ),
  entry(
    'rot-weights-not-data',
    'false',
    false,
    'the weights rotate but the data do not: at w = (1, 0), x = (1, 0), y = 0: L = 1 vs cos² a',
    '(y - (w1*x1 + w2*x2))^2',
    { data: ['x1', 'x2', 'y'], action: rot('w1', 'w2') },
  ),
  entry(
    'rot-opposite',
    'false',
    false,
    'u rotates by a and w by −a: ⟨u, w⟩ ↦ uᵀR(−2a)w; at u = w = (1, 0), y = 0: L = 1 vs cos² 2a',
    '(y - (u1*w1 + u2*w2))^2',
    {
      parameters: ['u1', 'u2', 'w1', 'w2'],
      data: ['y'],
      action: { ...rot('u1', 'u2'), ...rot('w1', 'w2', '-a') },
    },
  ),
  entry(
    'rot-anisotropic',
    'false',
    false,
    'w1² + 2w2² is not a function of ‖w‖: at w = (1, 0), x = 0: 1 vs (1 + sin² a)²',
    '(w1^2 + 2*w2^2 - x)^2',
    { data: ['x'], action: rot('w1', 'w2') },
  ),
  entry(
    'multi-chain3-penalty',
    'false',
    false,
    'the product is invariant under both subgroups but w2² is not: at w2 = 1, x = 0: 1 vs e^{-2a} (and e^{2b})',
    '(y - w3*w2*w1*x)^2 + w2^2',
    {
      parameters: ['w1', 'w2', 'w3'],
      group: ['a', 'b'],
      action: { w1: 'exp(a)*w1', w2: 'exp(b - a)*w2', w3: 'exp(-b)*w3' },
    },
  ),
  entry(
    'multi-one-wrong',
    'false',
    false,
    'a (logit shift) is a symmetry, b is not: w1 ↦ e^{2b} w1 gives w1·w2 ↦ e^b w1·w2 (wrong exponent)',
    'log(exp(z1) + exp(z2)) - y*z1 - (1 - y)*z2 + (y - w2*w1*x)^2',
    {
      parameters: ['z1', 'z2', 'w1', 'w2'],
      group: ['a', 'b'],
      action: { ...shift(['z1', 'z2']), w1: 'exp(2*b)*w1', w2: 'exp(-b)*w2' },
    },
  ),
];

/** A YAML scalar: JSON string syntax is valid double-quoted YAML. */
const q = (s) => JSON.stringify(s);

/** The declaration as noether reads it (kind: concrete). */
function toYaml(e) {
  const list = (xs) => `[${xs.join(', ')}]`;
  const lines = [
    `# ${e.symmetry ? 'Symmetry' : 'Not a symmetry'}: ${e.why}`,
    `name: ${e.name}`,
    'kind: concrete',
    `description: ${q(`${e.cls}: ${e.symmetry ? 'symmetry' : 'not a symmetry'}`)}`,
    `parameters: ${list(e.parameters)}`,
    `data: ${list(e.data)}`,
  ];
  if (e.constants.length) lines.push(`constants: ${list(e.constants)}`);
  lines.push(`group: ${e.group.length === 1 ? e.group[0] : list(e.group)}`, `loss: ${q(e.loss)}`, 'action:');
  for (const [p, expr] of Object.entries(e.action)) lines.push(`  ${p}: ${q(expr)}`);
  return `${lines.join('\n')}\n`;
}

/** The corpus entries, each with its YAML text. */
function corpus() {
  const names = new Set();
  return CORPUS.map((e) => {
    if (names.has(e.name)) throw new Error(`duplicate corpus entry ${e.name}`);
    names.add(e.name);
    return { ...e, yaml: toYaml(e) };
  });
}

/**
 * Write the corpus to `dir` (created if missing; a fresh temporary directory by default): one YAML
 * file per declaration and corpus.json (the entries without their YAML, for bench/sympy_ref.py).
 */
function writeCorpus(dir = mkdtempSync(join(tmpdir(), 'noether-derive-corpus-'))) {
  mkdirSync(dir, { recursive: true });
  const entries = corpus();
  const files = entries.map((e) => {
    const f = join(dir, `${e.name}.yaml`);
    writeFileSync(f, e.yaml);
    return f;
  });
  const jsonPath = join(dir, 'corpus.json');
  const plain = entries.map((e) => {
    const o = { ...e };
    delete o.yaml;
    return o;
  });
  writeFileSync(jsonPath, `${JSON.stringify(plain, null, 1)}\n`);
  return { dir, entries, files, jsonPath };
}

module.exports = { corpus, writeCorpus, toYaml };

if (require.main === module) console.log(writeCorpus(process.argv[2]).dir);
