// Benchmarks: wall-clock cold start of `noether derive <name>` for each catalog entry, next to a
// bare `node -e 0` measured in the same run: each of BENCH_REPS reps (default 7) times `node -e 0`
// and then the command, and the ratio is taken within a rep (paired: a shared machine's drift moves
// both). Prints the median time and the median ratio; asserts nothing. BENCH_NODE names the Node
// binary to run both with (default: this one); its version is printed, since Node's own start-up
// differs by release (on one machine: node -e 0 in 110 ms on 20.20, 45 ms on 22.23). On Node ≥ 22.8
// the runs after the first hit the CLI's compile cache, as a user's later runs do;
// NODE_DISABLE_COMPILE_CACHE=1 times compiling every time.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { readdirSync } = require('node:fs');
const { count, median } = require('./common');

const root = join(__dirname, '..');
const bin = join(root, 'dist', 'src', 'bin.js');
const names = readdirSync(join(root, 'catalog'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort();
const REPS = count('BENCH_REPS', 7);
const NODE = process.env.BENCH_NODE || process.execPath;
const probe = spawnSync(NODE, ['-v'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.error(`BENCH_NODE=${NODE} does not run: ${probe.error?.message ?? probe.stderr.trim()}`);
  process.exit(2);
}
const VERSION = probe.stdout.trim();
const TARGET_MS = 300;

function once(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(NODE, args, { cwd: root, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}
/** Median time of the command and median ratio to `node -e 0`, paired rep by rep. */
function time(args) {
  const ts = [];
  const ratios = [];
  for (let i = 0; i < REPS; i++) {
    const base = once(['-e', '0']);
    const t = once(args);
    bases.push(base);
    ts.push(t);
    ratios.push(t / base);
  }
  return { ms: median(ts), ratio: median(ratios) };
}

const bases = [];
const line = (label, { ms, ratio }, mark = '') =>
  console.log(`${label.padEnd(42)} ${ms.toFixed(1).padStart(8)} ${ratio.toFixed(2).padStart(12)}${mark}`);
console.log(
  `cold start on Node ${VERSION}, median of ${REPS} paired runs (target ≤ ${TARGET_MS} ms per call)`,
);
console.log(`${'command'.padEnd(42)} ${'ms'.padStart(8)} ${'× node -e 0'.padStart(12)}`);
const rows = names.map((n) => [`noether derive ${n}`, time([bin, 'derive', n])]);
const examples = ['examples/relu-rescale.yaml', 'examples/tanh-rescale.yaml'].map((f) => [
  `noether derive ${f}`,
  time([bin, 'derive', f]),
]);
line('node -e 0 (all reps)', { ms: median(bases), ratio: 1 });
for (const [label, t] of rows) line(label, t, t.ms > TARGET_MS ? '   above target' : '');
for (const [label, t] of examples) line(label, t);
