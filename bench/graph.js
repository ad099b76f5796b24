// The graph layer (numeric/graph) against the hand-written MLP (numeric/mlp.ts) on the same MLPs:
// one loss + gradient + H v evaluation each, best of several timed repetitions, and their ratio;
// then the graph's CNN and transformer block per evaluation. Asserts nothing.
'use strict';
const { join } = require('node:path');

const root = join(__dirname, '..');
const { buildNetwork, evaluate, activation } = require(join(root, 'dist/numeric/mlp.js'));
const { mat } = require(join(root, 'dist/numeric/linalg.js'));
const { evaluateGraph } = require(join(root, 'dist/numeric/graph/graph.js'));
const { mlpGraph, cnnGraph, transformerGraph } = require(join(root, 'dist/numeric/graph/models.js'));
const { rng } = require(join(root, 'dist/numeric/rng.js'));

function best(f) {
  f();
  let t = Infinity;
  for (let r = 0; r < 5; r++) {
    let reps = 0;
    const t0 = process.hrtime.bigint();
    while (reps < 2 || (Number(process.hrtime.bigint() - t0) < 1e8 && reps < 1000)) {
      f();
      reps++;
    }
    t = Math.min(t, Number(process.hrtime.bigint() - t0) / reps);
  }
  return t / 1e6; // ms
}
const r = rng(1);
const vec = (n, s = 1) => Float64Array.from({ length: n }, () => s * r.normal());

console.log('graph layer vs hand-written MLP (loss + ∇L + H v, batch 32, ms per evaluation)');
console.log(
  'widths'.padEnd(22) +
    'parameters'.padStart(11) +
    'MLP'.padStart(10) +
    'graph'.padStart(10) +
    'ratio'.padStart(8),
);
for (const widths of [
  [4, 16, 16, 3],
  [16, 64, 64, 10],
  [64, 256, 256, 10],
]) {
  const spec = { widths, act: activation('relu'), norm: 'batch', affine: true, loss: 'ce', bias: true };
  const net = buildNetwork(spec);
  const g = mlpGraph(spec, 32);
  const theta = vec(net.size, 0.3),
    v = vec(net.size);
  const X = vec(32 * widths[0]);
  const Y = new Float64Array(32 * widths.at(-1));
  for (let i = 0; i < 32; i++) Y[i * widths.at(-1) + r.int(widths.at(-1))] = 1;
  const tm = best(() => evaluate(net, theta, { X: mat(32, widths[0], X), Y: mat(32, widths.at(-1), Y) }, v));
  const tg = best(() => evaluateGraph(g, theta, { x: X, y: Y }, v));
  console.log(
    widths.join('-').padEnd(22) +
      String(net.size).padStart(11) +
      tm.toFixed(3).padStart(10) +
      tg.toFixed(3).padStart(10) +
      (tg / tm).toFixed(2).padStart(8),
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
