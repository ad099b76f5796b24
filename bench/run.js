// Benchmarks: wall-clock cold start of `noether derive <name>` for each catalog entry, next to a
// bare `node -e 0` measured in the same run. Prints medians and ratios; asserts nothing.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { readdirSync } = require('node:fs');

const root = join(__dirname, '..');
const bin = join(root, 'dist', 'src', 'bin.js');
const names = readdirSync(join(root, 'catalog'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort();
const REPS = Number(process.env.BENCH_REPS || 7);
const TARGET_MS = 300;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function time(args) {
  const ts = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0 && r.status !== 1)
      throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  return median(ts);
}

const base = time(['-e', '0']);
console.log(`cold start, median of ${REPS} runs (target ≤ ${TARGET_MS} ms per call)`);
console.log(`${'command'.padEnd(42)} ${'ms'.padStart(8)} ${'× node -e 0'.padStart(12)}`);
console.log(`${'node -e 0'.padEnd(42)} ${base.toFixed(1).padStart(8)} ${'1.00'.padStart(12)}`);
for (const n of names) {
  const t = time([bin, 'derive', n]);
  console.log(
    `${`noether derive ${n}`.padEnd(42)} ${t.toFixed(1).padStart(8)} ` +
      `${(t / base).toFixed(2).padStart(12)}${t > TARGET_MS ? '   above target' : ''}`,
  );
}
for (const f of ['examples/relu-rescale.yaml', 'examples/tanh-rescale.yaml']) {
  const t = time([bin, 'derive', f]);
  console.log(
    `${`noether derive ${f}`.padEnd(42)} ${t.toFixed(1).padStart(8)} ${(t / base).toFixed(2).padStart(12)}`,
  );
}
