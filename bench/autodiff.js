// Time per check step — loss, gradient and H v (exact float64, R-operator) — for ReLU MLPs of about
// 1e2 … 1e6 parameters, batch 32, next to PyTorch float64 (double backward) measured in the same
// run. Each size runs in its own child process so its peak resident memory can be reported.
// Also times the full check evaluation (gradient and H v with their rounding bounds).
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { existsSync } = require('node:fs');

const root = join(__dirname, '..');
const SHAPES = [
  [8, 8, 4],
  [16, 32, 16, 4],
  [64, 96, 64, 10],
  [256, 256, 128, 10],
  [784, 1024, 256, 10],
];

if (process.argv[2] === '--child') {
  const widths = JSON.parse(process.argv[3]);
  const { buildNetwork, evaluate } = require(join(root, 'dist/numeric/mlp.js'));
  const { rng } = require(join(root, 'dist/numeric/rng.js'));
  const { sampleParams, sampleBatch, sampleDirection } = require(join(root, 'dist/numeric/sample.js'));
  const spec = { widths, act: { kind: 'relu' }, norm: 'none', affine: false, loss: 'ce', bias: true };
  const net = buildNetwork(spec);
  const r = rng(0);
  const theta = sampleParams(net, r);
  const batch = sampleBatch(spec, 32, r);
  const v = sampleDirection(net.size, r);
  const time = (f) => {
    f();
    let reps = 0;
    const t0 = process.hrtime.bigint();
    while (reps < 3 || (Number(process.hrtime.bigint() - t0) < 1e9 && reps < 200)) {
      f();
      reps++;
    }
    return Number(process.hrtime.bigint() - t0) / 1e6 / reps;
  };
  const plain = time(() => evaluate(net, theta, batch, v));
  const bounded = time(() => evaluate(net, theta, batch, v, { bound: true }));
  console.log(
    JSON.stringify({ params: net.size, plain, bounded, rssMiB: process.resourceUsage().maxRSS / 1024 }),
  );
  process.exit(0);
}

const torchPy = '/usr/bin/python3';
let torch;
if (existsSync(torchPy) && spawnSync(torchPy, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0) {
  const r = spawnSync(torchPy, [join(__dirname, 'torch_ref.py'), JSON.stringify(SHAPES), '2'], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status === 0) torch = JSON.parse(r.stdout.trim().split('\n').pop());
  else console.log(`PyTorch reference failed: ${r.stderr.split('\n').slice(-2).join(' ')}`);
} else {
  console.log(
    'PyTorch reference skipped: /usr/bin/python3 with torch is not installed (Debian: apt-get install python3-torch)',
  );
}

console.log(
  'loss + gradient + H v, ReLU MLP, softmax CE, batch 32 (ms per evaluation; ratio = noether / PyTorch float64)',
);
console.log(
  `${'widths'.padEnd(22)} ${'params'.padStart(9)} ${'noether'.padStart(9)} ${'+bounds'.padStart(9)} ` +
    `${'PyTorch'.padStart(9)} ${'ratio'.padStart(7)} ${'peak RSS'.padStart(10)}`,
);
for (const w of SHAPES) {
  const r = spawnSync(process.execPath, [__filename, '--child', JSON.stringify(w)], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`${w.join('-')}: failed: ${r.stderr}`);
    continue;
  }
  const m = JSON.parse(r.stdout);
  const t = torch ? torch[w.join('-')] : undefined;
  console.log(
    `${w.join('-').padEnd(22)} ${String(m.params).padStart(9)} ${m.plain.toFixed(2).padStart(9)} ` +
      `${m.bounded.toFixed(2).padStart(9)} ${(t ? t.toFixed(2) : 'n/a').padStart(9)} ` +
      `${(t ? (m.plain / t).toFixed(2) : 'n/a').padStart(7)} ${`${m.rssMiB.toFixed(0)} MiB`.padStart(10)}`,
  );
}
