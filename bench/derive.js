// Benchmark: batch derivation of the concrete corpus in bench/derive-corpus.js by noether, against
// SymPy doing the equivalent work (bench/sympy_ref.py), in the same run. Measures
//   - noether, one process: `noether derive <all files> --format json` (wall, median of BENCH_REPS);
//   - noether, one process per declaration (wall, each file once);
//   - noether, in process: load + derive + render JSON per declaration through the library API
//     (dist/src), first pass (cold, as in a CLI run) and best of BENCH_REPS warm passes;
//   - SymPy, one process: per declaration, import and total.
// Prints a table per declaration, totals, the ratio SymPy / noether against the target (noether
// ≥ 5× faster than SymPy), and every verdict disagreement: per law, noether proved or numerically
// verified ↦ holds, refuted ↦ fails, inconclusive ↦ undecided; a missing charge (noether's
// `no-charge`) ↦ none. Generators are compared by evaluation at random points. Each declaration's
// invariance verdict is also compared with the corpus truth. Asserts nothing; exit code 0.
//
// Usage: node bench/derive.js   (env: BENCH_REPS, default 3; SYMPY_TIMEOUT, seconds per simplify;
// SYMPY_PYTHON, default /usr/bin/python3)
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { rmSync } = require('node:fs');
const { writeCorpus } = require('./derive-corpus');
const { count, median } = require('./common');

const root = join(__dirname, '..');
const bin = join(root, 'dist', 'src', 'bin.js');
const PY = process.env.SYMPY_PYTHON || '/usr/bin/python3';
const REPS = count('BENCH_REPS', 3);
const TARGET = 5;
const MAX_BUFFER = 256 * 1024 * 1024;

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const sum = (xs) => xs.reduce((s, x) => s + x, 0);
const fmt = (x, w = 8) => (x === undefined ? '—' : x.toFixed(0)).padStart(w);

/** The records of a `--format json` stream: pretty-printed objects, one after another. */
const records = (stdout) =>
  stdout
    .split(/\n(?=\{)/)
    .filter((s) => s.trim())
    .map((s) => JSON.parse(s));

function run(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: MAX_BUFFER, ...opts });
  return { ...r, ms: ms(t0) };
}

/** noether's verdict kind, in the benchmark's three words. */
const word = (v) =>
  v.kind === 'proved' || v.kind === 'numerically-verified'
    ? 'holds'
    : v.kind === 'refuted'
      ? 'fails'
      : 'undecided';

const SHORT_ID = { 'gradient-constraint': 'gradient', 'hessian-constraint': 'hessian' };
const short = (kind) => (kind === 'numerically-verified' ? 'num-verified' : kind);

/** The laws of one noether record as { 'a/invariance': word, ... } (a no-charge law ↦ 'none'). */
function noetherLaws(rec) {
  const ids = {
    invariance: 'invariance',
    'gradient-constraint': 'gradient',
    'hessian-constraint': 'hessian',
    charge: 'charge',
    'no-charge': 'charge',
  };
  const out = {};
  for (const l of rec.laws)
    out[`${l.parameter}/${ids[l.id] || l.id}`] = l.id === 'no-charge' ? 'none' : word(l.verdict);
  return out;
}

/** The laws of one SymPy result in the same shape. */
function sympyLaws(res) {
  const out = {};
  for (const [a, law] of Object.entries(res.laws)) {
    for (const k of ['invariance', 'gradient', 'hessian']) if (law[k]) out[`${a}/${k}`] = law[k].verdict;
    if (law.charge) out[`${a}/charge`] = law.charge.kind === 'none' ? 'none' : law.charge.verdict;
  }
  return out;
}

/** Whether noether's generator and SymPy's agree at random points (SymPy's text parsed by noether). */
function sameGenerators(api, rec, res, entry) {
  const names = [...entry.parameters, ...entry.data, ...entry.constants];
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 4 - 2;
  for (const g of rec.generators) {
    const theirs = res.laws[g.parameter] && res.laws[g.parameter].generator;
    if (!theirs) return false;
    for (const c of g.components) {
      const other = api.parseExpr(theirs[c.target]);
      for (let k = 0; k < 5; k++) {
        const env = new Map(names.map((n) => [n, rnd()]));
        const x = api.evaluate(c.expr, env);
        const y = api.evaluate(other, env);
        if (!(Math.abs(x - y) <= 1e-12 * (1 + Math.abs(x)))) return false;
      }
    }
  }
  return true;
}

function main() {
  const { dir, entries, files, jsonPath } = writeCorpus();
  console.log(`corpus: ${entries.length} concrete declarations in ${dir}`);
  console.log(
    `machine: ${require('node:os').cpus().length} cores, load average ${require('node:os').loadavg()[0]}`,
  );

  // noether, one process for the whole corpus.
  const batch = [];
  let cliRecords;
  for (let i = 0; i < REPS; i++) {
    const r = run(process.execPath, [bin, 'derive', ...files, '--format', 'json']);
    if (r.status !== 0 && r.status !== 1 && r.status !== 4)
      throw new Error(`noether derive exited ${r.status}: ${r.stderr}`);
    batch.push(r.ms);
    cliRecords = records(r.stdout);
  }
  const byName = new Map(cliRecords.map((rec) => [rec.declaration.name, rec]));
  if (byName.size !== entries.length)
    throw new Error(`expected ${entries.length} records, got ${byName.size}`);

  // noether, one process per declaration.
  const perProcess = new Map();
  for (const [i, e] of entries.entries())
    perProcess.set(e.name, run(process.execPath, [bin, 'derive', files[i]]).ms);

  // noether, in process through the library API.
  let t0 = process.hrtime.bigint();
  const api = {
    ...require(join(root, 'dist', 'src', 'index.js')),
    evaluate: require(join(root, 'dist', 'src', 'expr', 'evaluate.js')).evaluate,
  };
  const loadMs = ms(t0);
  const first = new Map();
  const warm = new Map(entries.map((e) => [e.name, Infinity]));
  for (let pass = 0; pass <= REPS; pass++) {
    for (const [i, e] of entries.entries()) {
      t0 = process.hrtime.bigint();
      const rec = api.derive(api.loadDeclarationFile(files[i]));
      api.renderDerivation(rec, 'json');
      const t = ms(t0);
      if (pass === 0) first.set(e.name, t);
      else warm.set(e.name, Math.min(warm.get(e.name), t));
    }
  }

  // SymPy, one process for the whole corpus.
  let sympy;
  const probe = spawnSync(PY, ['-c', 'import sympy'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    console.log(`SymPy reference skipped: ${PY} lacks sympy (Debian: apt-get install python3-sympy)`);
  } else {
    const args = [join(__dirname, 'sympy_ref.py'), jsonPath];
    if (process.env.SYMPY_TIMEOUT) args.push(process.env.SYMPY_TIMEOUT);
    const r = run(PY, args);
    if (r.status !== 0) throw new Error(`sympy_ref.py exited ${r.status}: ${r.stderr}`);
    sympy = { ...JSON.parse(r.stdout), wallMs: r.ms };
  }
  const symBy = new Map(sympy ? sympy.declarations.map((d) => [d.name, d]) : []);

  // The table.
  const head =
    `${'declaration'.padEnd(24)} ${'truth'.padEnd(5)} ${'first'.padStart(8)} ${'warm'.padStart(8)} ` +
    `${'process'.padStart(8)} ${'sympy'.padStart(8)}  ${'noether'.padEnd(12)} ${'sympy'.padEnd(9)} ` +
    `${'laws'.padEnd(6)} ${'gen'.padEnd(4)} truth?`;
  console.log(
    '\ntimes in ms: noether in process (first pass; best warm pass), one process per declaration; SymPy in process',
  );
  console.log(head);
  console.log('-'.repeat(head.length));
  const disagreements = [];
  const truthMisses = [];
  const strength = [];
  let lawsAgree = 0;
  let lawsTotal = 0;
  let gensAgree = 0;
  const proof = { noetherProved: 0, noetherNumeric: 0, sympySimplify: 0, sympyNumeric: 0 };
  for (const e of entries) {
    const rec = byName.get(e.name);
    const res = symBy.get(e.name);
    const nl = noetherLaws(rec);
    for (const l of rec.laws) {
      if (l.verdict.kind === 'proved' && l.id !== 'no-charge') proof.noetherProved++;
      if (l.verdict.kind === 'numerically-verified') proof.noetherNumeric++;
    }
    const noetherHolds = rec.laws
      .filter((l) => l.id === 'invariance')
      .every((l) => word(l.verdict) === 'holds');
    let agree = '';
    let gen = '';
    let sympyWord = '';
    let truthOk = noetherHolds === e.symmetry ? 'ok' : 'NOETHER';
    if (noetherHolds !== e.symmetry)
      truthMisses.push(`${e.name}: noether says ${noetherHolds ? 'holds' : 'fails'}`);
    if (res) {
      const sl = sympyLaws(res);
      for (const law of Object.values(res.laws)) {
        for (const k of ['invariance', 'gradient', 'hessian', 'charge']) {
          if (!law[k] || law[k].kind === 'none') continue;
          if (law[k].method === 'simplify') proof.sympySimplify++;
          if (law[k].method === 'numeric' && law[k].verdict === 'undecided') proof.sympyNumeric++;
        }
      }
      const keys = [...new Set([...Object.keys(nl), ...Object.keys(sl)])].sort();
      for (const l of rec.laws) {
        const id = SHORT_ID[l.id] || l.id;
        const k = `${l.parameter}/${id}`;
        const s = res.laws[l.parameter] && res.laws[l.parameter][id];
        if (!s || word(l.verdict) !== 'holds' || s.verdict !== 'holds') continue;
        const sympyProved = s.method === 'simplify' || s.method === 'trivial';
        if ((l.verdict.kind === 'proved') !== sympyProved)
          strength.push(`${e.name} ${k}: noether ${short(l.verdict.kind)}, SymPy ${s.method}`);
      }
      let ok = 0;
      for (const k of keys) {
        if (nl[k] === sl[k]) ok++;
        else
          disagreements.push({
            name: e.name,
            law: k,
            noether: nl[k] || 'absent',
            sympy: sl[k] || 'absent',
            res,
          });
      }
      lawsAgree += ok;
      lawsTotal += keys.length;
      agree = ok === keys.length ? `${ok}/${keys.length}` : `${ok}/${keys.length}!`;
      const g = sameGenerators(api, rec, res, e);
      if (g) gensAgree++;
      gen = g ? 'same' : 'DIFF';
      const sv = Object.values(sl);
      sympyWord = sv.includes('fails') ? 'fails' : sv.includes('undecided') ? 'undecided' : 'holds';
      const sympyHolds = Object.entries(res.laws).every(([, l]) => l.invariance.verdict === 'holds');
      if (sympyHolds !== e.symmetry) {
        truthOk += noetherHolds === e.symmetry ? ' SYMPY' : '+SYMPY';
        const v = Object.values(res.laws).map((l) => l.invariance.verdict);
        truthMisses.push(`${e.name}: SymPy invariance ${v.join(', ')}`);
      }
    }
    console.log(
      `${e.name.padEnd(24)} ${(e.symmetry ? 'sym' : 'not').padEnd(5)} ${fmt(first.get(e.name))} ` +
        `${fmt(warm.get(e.name))} ${fmt(perProcess.get(e.name))} ${fmt(res && res.seconds * 1000)}  ` +
        `${short(rec.verdict.kind).padEnd(12)} ${sympyWord.padEnd(9)} ${agree.padEnd(6)} ${gen.padEnd(4)} ` +
        `${truthOk}`,
    );
  }

  // Totals.
  const batchMs = median(batch);
  const firstSum = sum([...first.values()]);
  const warmSum = sum([...warm.values()]);
  const procSum = sum([...perProcess.values()]);
  console.log('\ntotals (ms, measured under whatever load the machine carries):');
  const total = (label, x) => console.log(`  ${label.padEnd(62)} ${fmt(x)}`);
  total(`noether, one process, all ${entries.length} files (wall, median of ${REPS})`, batchMs);
  total('noether, one process per declaration (sum of walls)', procSum);
  total('noether, in process: module load', loadMs);
  total('noether, in process: first pass (sum)', firstSum);
  total('noether, in process: best warm pass (sum)', warmSum);
  if (sympy) {
    const workMs = sympy.work_seconds * 1000;
    total(`SymPy ${sympy.sympy} (python ${sympy.python}), one process (wall)`, sympy.wallMs);
    total('SymPy: import', sympy.import_seconds * 1000);
    total('SymPy: work (sum over declarations)', workMs);
    const wallRatio = sympy.wallMs / batchMs;
    const workRatio = workMs / firstSum;
    const verdict = (r) => (r >= TARGET ? 'met' : 'missed');
    console.log(
      `\nSymPy / noether, one process each (wall):          ${wallRatio.toFixed(2)}×  ` +
        `target ≥ ${TARGET}×: ${verdict(wallRatio)}`,
    );
    console.log(
      `SymPy work / noether in-process first pass:        ${workRatio.toFixed(2)}×  ` +
        `target ≥ ${TARGET}×: ${verdict(workRatio)}`,
    );
    console.log(
      `SymPy work / noether in-process best warm pass:    ${(workMs / warmSum).toFixed(2)}×  ` +
        `target ≥ ${TARGET}×: ${verdict(workMs / warmSum)}`,
    );
    console.log(
      `\nlaws decided: noether proved ${proof.noetherProved}, numerically verified ${proof.noetherNumeric}; ` +
        `SymPy simplify → 0 ${proof.sympySimplify}, undecided after simplify ${proof.sympyNumeric}`,
    );
    console.log(
      `verdict agreement: ${lawsAgree}/${lawsTotal} laws; ` +
        `generators equal in ${gensAgree}/${entries.length} declarations`,
    );
    if (disagreements.length) {
      console.log(`\nVERDICT DISAGREEMENTS (${disagreements.length}):`);
      for (const d of disagreements) {
        const [a, k] = d.law.split('/');
        const detail = d.res.laws[a] && d.res.laws[a][k];
        const why = detail ? ` (SymPy: ${detail.reason || detail.method || detail.kind})` : '';
        console.log(`  ${d.name} ${d.law}: noether ${d.noether}, SymPy ${d.sympy}${why}`);
      }
    } else console.log('no verdict disagreements');
    if (strength.length) {
      console.log(
        `\nsame verdict, different strength (proved by one, numerically verified only by the other): ` +
          `${strength.length}`,
      );
      for (const m of strength) console.log(`  ${m}`);
    }
  }
  if (truthMisses.length) {
    console.log(`\nINVARIANCE VERDICTS CONTRARY TO THE CORPUS TRUTH (${truthMisses.length}):`);
    for (const m of truthMisses) console.log(`  ${m}`);
  } else console.log('every invariance verdict matches the corpus truth');
  rmSync(dir, { recursive: true, force: true });
}

main();
