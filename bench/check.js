// Benchmark: how `noether check` scales with the network's width and the number of sampled
// networks. For each case: wall time, peak RSS, and the share of the CPU profile spent in the
// autodiff (numeric/mlp.js and bounds.js; the graph models' graph.js, ops.js, normalize.js and
// bounds.js) against everything else (sampling, sites, binding laws, GC). The shared numeric
// primitives — the products and norms of numeric/linalg.js, the kernels' memory in kernels.js, the
// WebAssembly kernels' own frames and the calls into them (js-to-wasm), and builtins — are charged
// to their caller: a product the autodiff runs is autodiff, one a law's residual runs
// (src/check/bind.ts) is not. The reference measured in the same run is `noether --version`
// (start-up) and the autodiff share itself: a check that scales with the network spends its time in
// gradients and Hessian-vector products. The share is given twice: over the whole profile, and over
// the stretch in which the sampled networks are checked (from the first to the last sample inside
// src/check/block.js checkDeclaration: the pointwise laws on every case and the integrated flow, with
// the garbage collector's samples in that stretch counted against the autodiff). The first includes
// the fixed costs of a run (loading the modules, deriving the declaration, the report); the second is
// the share of the work that grows with the networks and the runs. A third figure is the share over
// the second half of that stretch (by time): V8 compiles the hot loops while the first networks are
// checked, and until then the autodiff runs in its lower tiers, whose boxed numbers also feed the GC;
// the second half is nearer to what every further network costs. The whole-profile share therefore
// depends on the runs and on the machine (its start-up, page faults and the kernels' speed): the
// header prints the processor. Prints a table; asserts nothing.
//
// Then the worker threads: each PARALLEL case with --jobs 1 and with --jobs N (N the machine's
// processors), in turn BENCH_REPS times (default 3); the speed-up is the median of the ratios within
// a pair, and the two outputs must be byte-identical (the same seed gives the same report).
//
//   node bench/check.js            (after npm run build; BENCH_QUICK=1 for the small cases only)
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { mkdtempSync, readdirSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir, availableParallelism, cpus } = require('node:os');
const { count, median } = require('./common');

const root = join(__dirname, '..');
const bin = join(root, 'dist', 'src', 'bin.js');
const quick = process.env.BENCH_QUICK === '1';

const CASES = [
  ['rescale', '64-16-16-10', 100],
  ['rescale', '64-64-64-10', 100],
  ['rescale', '64-256-256-10', 10],
  ['rescale', '64-256-256-10', 100],
  ['rescale', '64-256-256-10', 400],
  ['translation', '64-256-256-10', 100],
  ['rescale', '4-100000-3', 1],
  ['scale', '4-3000-3:relu:layer:mse', 1],
  ['gl', '4-3000-3:linear:mse', 1],
].filter((c) => !quick || c[2] <= 10 || c[1].startsWith('64-16'));
const PARALLEL = [
  ['rescale', '64-256-256-10', 100],
  ['translation', '64-64-64-10', 50],
  ['unit-swap', '64-64-64-10', 50],
].filter((c) => !quick || c[2] <= 10);
const REPS = count('BENCH_REPS', 3);

const AUTODIFF = /numeric\/(mlp|bounds)\.js$|numeric\/graph\/(graph|ops|bounds|normalize)\.js$/;
const SHARED = /numeric\/(linalg|kernels)\.js$|^wasm:\/\//;

/** Self time in the autodiff against the whole, from a V8 CPU profile; shared primitives charged to their caller. */
function shares(dir) {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Builtins (no url: a typed array's fill, the kernels' memory getter) are charged to their caller too;
  // the profile's own nodes — (garbage collector), (program), (idle), (root) — are not.
  const shared = (n) =>
    SHARED.test(n.callFrame.url) ||
    /^(js-to-wasm|GenericJSToWasmWrapper)/.test(n.callFrame.functionName) ||
    (n.callFrame.url === '' && !n.callFrame.functionName.startsWith('('));
  const inAutodiff = new Map();
  const charged = (id) => {
    if (!inAutodiff.has(id)) {
      let n = byId.get(id);
      while (n && shared(n) && parent.has(n.id)) n = byId.get(parent.get(n.id));
      inAutodiff.set(id, n !== undefined && AUTODIFF.test(n.callFrame.url));
    }
    return inAutodiff.get(id);
  };
  // Samples inside the check of the sampled networks: the stretch from the first of them to the last.
  const inChecking = new Map();
  const checking = (id) => {
    if (!inChecking.has(id)) {
      const n = byId.get(id);
      const f = n.callFrame;
      inChecking.set(
        id,
        (f.functionName === 'checkDeclaration' && f.url.endsWith('src/check/block.js')) ||
          (parent.has(id) && checking(parent.get(id))),
      );
    }
    return inChecking.get(id);
  };
  let t = 0;
  let first = Infinity;
  let last = -Infinity;
  p.samples.forEach((id, i) => {
    t += p.timeDeltas[i] ?? 0;
    if (checking(id)) [first, last] = [Math.min(first, t), t];
  });
  const middle = (first + last) / 2;
  let total = 0;
  let autodiff = 0;
  let stretch = 0;
  let stretchAutodiff = 0;
  let late = 0;
  let lateAutodiff = 0;
  t = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    const a = charged(id);
    total += dt;
    if (a) autodiff += dt;
    if (t >= first && t <= last) {
      stretch += dt;
      if (a) stretchAutodiff += dt;
      if (t > middle) {
        late += dt;
        if (a) lateAutodiff += dt;
      }
    }
  });
  return {
    whole: autodiff / Math.max(total, 1),
    checking: stretch > 0 ? stretchAutodiff / stretch : NaN,
    late: late > 0 ? lateAutodiff / late : NaN,
    fixedMs: (total - stretch) / 1000,
  };
}

function run(args, profile) {
  const dir = mkdtempSync(join(tmpdir(), 'noether-bench-'));
  const nodeArgs = [...(profile ? ['--cpu-prof', '--cpu-prof-dir', dir] : []), bin, ...args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...nodeArgs], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-300)}`);
  const rssKb = Number(r.stderr.trim().split('\n').pop());
  const share = profile ? shares(dir) : undefined;
  rmSync(dir, { recursive: true, force: true });
  return { ms, rssKb, share, stdout: r.stdout };
}

const base = run(['--version'], false);
console.log(
  'check scaling: wall time (unprofiled), peak RSS, autodiff share of the CPU profile (whole; while the ' +
    'networks are checked, GC included; over the second half of that stretch) and the profile outside it',
);
console.log(
  `processor: ${cpus()[0]?.model ?? 'unknown'} (${availableParallelism()} available), Node ${process.version}`,
);
console.log(`reference: noether --version ${base.ms.toFixed(0)} ms, ${(base.rssKb / 1024).toFixed(0)} MB`);
console.log(
  `${'command'.padEnd(64)} ${'time'.padStart(9)} ${'RSS'.padStart(8)} ${'autodiff'.padStart(9)} ` +
    `${'checking'.padStart(9)} ${'2nd half'.padStart(9)} ${'outside'.padStart(9)}`,
);
for (const [decl, arch, runs] of CASES) {
  const args = ['check', decl, '--arch', arch, '--runs', String(runs)];
  const plain = run(args, false);
  const prof = run(args, true);
  const pct = (x) => `${(100 * x).toFixed(0)}%`.padStart(9);
  console.log(
    `${`noether ${args.join(' ')}`.padEnd(64)} ${`${(plain.ms / 1000).toFixed(2)} s`.padStart(9)} ` +
      `${`${(plain.rssKb / 1024).toFixed(0)} MB`.padStart(8)} ${pct(prof.share.whole)} ` +
      `${pct(prof.share.checking)} ${pct(prof.share.late)} ${`${prof.share.fixedMs.toFixed(0)} ms`.padStart(9)}`,
  );
}

const jobs = availableParallelism();
if (PARALLEL.length) {
  console.log(`\nworker threads: --jobs 1 against --jobs ${jobs}, ${REPS} pairs, median wall and speed-up`);
  console.log(
    `${'command'.padEnd(64)} ${'jobs 1'.padStart(9)} ${`jobs ${jobs}`.padStart(9)} ${'speed-up'.padStart(9)}  output`,
  );
}
for (const [decl, arch, runs] of jobs > 1 ? PARALLEL : []) {
  const args = ['check', decl, '--arch', arch, '--runs', String(runs)];
  const one = [];
  const many = [];
  let same = true;
  for (let i = 0; i < REPS; i++) {
    const a = run([...args, '--jobs', '1'], false);
    const b = run([...args, '--jobs', String(jobs)], false);
    one.push(a.ms);
    many.push(b.ms);
    same &&= a.stdout === b.stdout;
  }
  const ratio = median(one.map((t, i) => t / many[i]));
  console.log(
    `${`noether ${args.join(' ')}`.padEnd(64)} ${`${(median(one) / 1000).toFixed(2)} s`.padStart(9)} ` +
      `${`${(median(many) / 1000).toFixed(2)} s`.padStart(9)} ${`${ratio.toFixed(2)}×`.padStart(9)}  ` +
      (same ? 'byte-identical' : 'DIFFERS'),
  );
}
if (jobs === 1) console.log('(one processor: no worker-thread comparison)');
