// The graph layer (numeric/graph) against the hand-written MLP (numeric/mlp.ts) on the same MLPs:
// one loss + gradient + H v evaluation each, timed in alternating batches, and the median ratio of
// the pairs; then the graph's CNN and transformer block per evaluation. Asserts nothing.
'use strict';
const { join } = require('node:path');

const root = join(__dirname, '..');
const { buildNetwork, evaluate, activation } = require(join(root, 'dist/numeric/mlp.js'));
const { mat } = require(join(root, 'dist/numeric/linalg.js'));
const { evaluateGraph } = require(join(root, 'dist/numeric/graph/graph.js'));
const { mlpGraph, cnnGraph, transformerGraph } = require(join(root, 'dist/numeric/graph/models.js'));
const { rng } = require(join(root, 'dist/numeric/rng.js'));

/** ms per call of f: the best of five timed batches of at least 0.1 s (after a warm-up). */
function best(f) {
  f();
  let t = Infinity;
  for (let r = 0; r < 5; r++) t = Math.min(t, batch(f, 1e8));
  return t / 1e6; // ms
}
/** ns per call of f over a batch of at least `ns` nanoseconds (and two calls). */
function batch(f, ns) {
  let reps = 0;
  const t0 = process.hrtime.bigint();
  while (reps < 2 || (Number(process.hrtime.bigint() - t0) < ns && reps < 10000)) {
    f();
    reps++;
  }
  return Number(process.hrtime.bigint() - t0) / reps;
}
/**
 * The two paths timed in turn, batch against batch (0.05 s each, 21 pairs): the ratio of each pair
 * is taken while the machine runs at one speed, and the median of the pairs is reported, so that a
 * noisy neighbour moves neither side alone. Also each side's best batch.
 */
function paired(a, b) {
  a();
  b();
  const ratios = [];
  let ta = Infinity,
    tb = Infinity;
  for (let r = 0; r < 21; r++) {
    const x = batch(a, 5e7),
      y = batch(b, 5e7);
    ta = Math.min(ta, x);
    tb = Math.min(tb, y);
    ratios.push(y / x);
  }
  ratios.sort((p, q) => p - q);
  return { a: ta / 1e6, b: tb / 1e6, median: ratios[10], lo: ratios[2], hi: ratios[18] };
}
const r = rng(1);
const vec = (n, s = 1) => Float64Array.from({ length: n }, () => s * r.normal());

/** An MLP with BatchNorm (affine), ReLU and cross-entropy, batch 32: the network, its graph, θ, v and data. */
function mlpCase(widths) {
  const spec = { widths, act: activation('relu'), norm: 'batch', affine: true, loss: 'ce', bias: true };
  const net = buildNetwork(spec);
  const g = mlpGraph(spec, 32);
  const theta = vec(net.size, 0.3),
    v = vec(net.size);
  const X = vec(32 * widths[0]);
  const Y = new Float64Array(32 * widths.at(-1));
  for (let i = 0; i < 32; i++) Y[i * widths.at(-1) + r.int(widths.at(-1))] = 1;
  return {
    size: net.size,
    mlp: () => evaluate(net, theta, { X: mat(32, widths[0], X), Y: mat(32, widths.at(-1), Y) }, v),
    graph: () => evaluateGraph(g, theta, { x: X, y: Y }, v),
  };
}

// `node bench/graph.js --only mlp|graph --widths 16-64-64-10 --evals N`: N evaluations of one path
// and nothing else, for timing the two as whole processes side by side (farm-bench … --vs …).
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
if (arg('--only')) {
  const c = mlpCase((arg('--widths') ?? '16-64-64-10').split('-').map(Number));
  const f = c[arg('--only')];
  if (!f) throw new Error('--only takes mlp or graph');
  for (let i = Number(arg('--evals') ?? 1000); i > 0; i--) f();
  process.exit(0);
}

console.log('graph layer vs hand-written MLP (loss + ∇L + H v, batch 32, ms per evaluation)');
console.log(
  'widths'.padEnd(22) +
    'parameters'.padStart(11) +
    'MLP'.padStart(10) +
    'graph'.padStart(10) +
    'ratio'.padStart(8) +
    '  (pairs: 10th–90th percentile)',
);
for (const widths of [
  [4, 16, 16, 3],
  [16, 64, 64, 10],
  [64, 256, 256, 10],
]) {
  const c = mlpCase(widths);
  const p = paired(c.mlp, c.graph);
  console.log(
    widths.join('-').padEnd(22) +
      String(c.size).padStart(11) +
      p.a.toFixed(3).padStart(10) +
      p.b.toFixed(3).padStart(10) +
      p.median.toFixed(2).padStart(8) +
      `  (${p.lo.toFixed(2)}–${p.hi.toFixed(2)})`,
  );
}
const models = [
  [
    'CNN 8×3×16×16, 2 convs',
    cnnGraph({
      input: [8, 3, 16, 16],
      convs: [
        { channels: 8, k: 3, stride: 1, pad: 1 },
        { channels: 16, k: 3, stride: 2, pad: 1 },
      ],
      batchNorm: true,
      act: { kind: 'relu' },
      pool: 1,
      classes: 10,
      loss: 'ce',
    }),
  ],
  [
    'transformer 8×16×32, 4 heads',
    transformerGraph({
      batch: 8,
      tokens: 16,
      dim: 32,
      heads: 4,
      headDim: 8,
      hidden: 64,
      causal: true,
      layerNorm: true,
      act: { kind: 'gelu' },
      outputs: 10,
      loss: 'ce',
    }),
  ],
];
for (const [name, g] of models) {
  const theta = vec(g.size, 0.2),
    v = vec(g.size);
  const x = vec(g.input.reduce((a, b) => a * b, 1));
  const y = new Float64Array(g.target[0] * g.target[1]);
  for (let i = 0; i < g.target[0]; i++) y[i * g.target[1] + r.int(g.target[1])] = 1;
  console.log(
    `${name}: ${g.size} parameters, ${best(() => evaluateGraph(g, theta, { x, y }, v)).toFixed(2)} ms`,
  );
}
