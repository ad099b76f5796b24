// Symmetric eigen-solvers side by side: numeric/linalg symmetricEigen (scale-invariant cyclic Jacobi),
// the absolute-threshold Jacobi it replaced (copied below as the reference, measured in the same
// run) and, when it can be resolved, mathjs `eigs` — once as is and once on the matrix scaled to a
// largest entry of 1 (what using it soundly would take). Prints accuracy on scaled, random,
// repeated-eigenvalue, diagonal and zero matrices; the time for 10^4 solves of 5×5 and 10^3 of
// 20×20 as ratios to the reference; and the cold load cost of each module in a fresh process.
//
//   npm run build && node bench/eigen.js          (LINALG=path/to/linalg.js, MATHJS=path/to/mathjs to override)
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const linalgPath = process.env.LINALG ?? join(root, 'dist/numeric/linalg.js');
const { symmetricEigen } = require(linalgPath);
let mathjsPath;
try {
  mathjsPath = require.resolve(process.env.MATHJS ?? 'mathjs', { paths: [root] });
} catch {
  mathjsPath = undefined;
}
const mathjs = mathjsPath ? require(mathjsPath) : undefined;

/** The Jacobi solver before the fix (absolute stopping rule off² < 1e-30), verbatim. */
function oldEigen(a) {
  const n = a.length;
  const m = a.map((r) => [...r]);
  const V = m.map((_, i) => m.map((__, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 80; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p][q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(m[p][q]) < 1e-300) continue;
        const th = (m[q][q] - m[p][p]) / (2 * m[p][q]);
        const t = Math.sign(th || 1) / (Math.abs(th) + Math.sqrt(th * th + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const x = m[k][p],
            y = m[k][q];
          m[k][p] = c * x - s * y;
          m[k][q] = s * x + c * y;
        }
        for (let k = 0; k < n; k++) {
          const x = m[p][k],
            y = m[q][k];
          m[p][k] = c * x - s * y;
          m[q][k] = s * x + c * y;
        }
        for (let k = 0; k < n; k++) {
          const x = V[k][p],
            y = V[k][q];
          V[k][p] = c * x - s * y;
          V[k][q] = s * x + c * y;
        }
      }
  }
  return { values: m.map((r, i) => r[i]), vectors: m.map((_, j) => V.map((row) => row[j])) };
}

const fromMathjs = (r) => ({
  values: r.values.map(Number),
  vectors: r.eigenvectors.map((e) => (Array.isArray(e.vector) ? e.vector : e.vector.toArray())),
});
function mathjsScaled(a) {
  const big = Math.max(...a.flat().map(Math.abs));
  if (big === 0) return fromMathjs(mathjs.eigs(a));
  const e = Math.floor(Math.log2(big));
  const h = Math.trunc(e / 2);
  const r = fromMathjs(mathjs.eigs(a.map((row) => row.map((x) => x * 2 ** -h * 2 ** (h - e)))));
  return { values: r.values.map((x) => x * 2 ** (e - h) * 2 ** h), vectors: r.vectors };
}

const solvers = [
  ['old Jacobi (reference)', oldEigen],
  ['new Jacobi', symmetricEigen],
  ...(mathjs
    ? [
        ['mathjs eigs', (a) => fromMathjs(mathjs.eigs(a))],
        ['mathjs eigs, prescaled', mathjsScaled],
      ]
    : []),
];

// ---- matrices ------------------------------------------------------------------------------------
function rng(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return { next, normal };
}
function randomSymmetric(n, r, scale = 1) {
  const a = Array.from({ length: n }, () => new Array(n).fill(0));
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i][j] = a[j][i] = r.normal() * scale;
  return a;
}
/** Q diag(λ) Qᵀ with Q a random orthogonal matrix (Gram–Schmidt); λ is known up to rounding. */
function withSpectrum(lambda, r) {
  const n = lambda.length;
  const Q = [];
  while (Q.length < n) {
    let v = Array.from({ length: n }, () => r.normal());
    for (let pass = 0; pass < 2; pass++)
      for (const q of Q) {
        const d = v.reduce((s, x, i) => s + x * q[i], 0);
        v = v.map((x, i) => x - d * q[i]);
      }
    const norm = Math.hypot(...v);
    if (norm > 1e-8) Q.push(v.map((x) => x / norm));
  }
  const a = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (__, j) => Q.reduce((s, q, k) => s + q[i] * lambda[k] * q[j], 0)),
  );
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i][j] = a[j][i];
  return a;
}
const scaled = (a, s) => a.map((row) => row.map((x) => x * s));

const r = rng(20240611);
const cases = [];
const add = (group, a, exact) => cases.push({ group, a, exact });
for (const s of [1, 1e-20, 1e-300, 1e200, 1e300])
  add('2×2 all equal (λ = 0, 2s)', scaled([[1, 1], [1, 1]], s), [0, 2 * s]); // prettier-ignore
for (const s of [1e-20, 1e-200, 1e200]) {
  for (let k = 0; k < 5; k++) add('random 10×10 × 1e±20…200', scaled(randomSymmetric(10, r), s));
  const spectrum = [1, 2, 3, -1, 0.5, 4];
  const exact = [...spectrum].sort((x, y) => x - y).map((x) => x * s);
  add('known spectrum 6×6 × 1e±20…200', scaled(withSpectrum(spectrum, r), s), exact);
}
for (let n = 1; n <= 30; n++) for (let k = 0; k < 4; k++) add('random n = 1…30', randomSymmetric(n, r));
for (const n of [3, 5, 10, 20]) {
  const lambda = Array.from({ length: n }, (_, i) => [1, 1, -2, -2, 3][i % 5]);
  add('repeated eigenvalues', withSpectrum(lambda, r), [...lambda].sort((x, y) => x - y));
  const identity = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (__, j) => +(i === j)));
  add('identity', identity, new Array(n).fill(1));
  const d = Array.from({ length: n }, () => r.normal());
  add('diagonal', d.map((x, i) => d.map((_, j) => (i === j ? x : 0))), [...d].sort((x, y) => x - y));
  add('zero', Array.from({ length: n }, () => new Array(n).fill(0)), new Array(n).fill(0));
  const graded = Array.from({ length: n }, (_, i) => 10 ** (-i));
  add('spectrum 1 … 1e-(n-1)', withSpectrum(graded, r), [...graded].sort((x, y) => x - y));
} // prettier-ignore

// ---- accuracy ----------------------------------------------------------------------------------------
/** Residual, orthogonality, trace and eigenvalue errors, computed on A scaled by a power of two to max 1. */
function errors(a, res, exact) {
  const n = a.length;
  const big = Math.max(0, ...a.flat().map(Math.abs));
  const e = big === 0 ? 0 : Math.floor(Math.log2(big));
  const h = Math.trunc(e / 2);
  const down = (x) => x * 2 ** -h * 2 ** (h - e);
  const A = a.map((row) => row.map(down));
  const lam = res.values.map(down);
  const norm = Math.hypot(...A.flat()) || 1;
  const V = res.vectors;
  if (lam.length !== n || V.length !== n)
    return { res: Infinity, orth: Infinity, trace: Infinity, value: Infinity };
  let resid = 0,
    orth = 0;
  for (let j = 0; j < n; j++) {
    const v = V[j];
    const Av = A.map((row) => row.reduce((s, x, k) => s + x * v[k], 0));
    resid = Math.max(resid, Math.hypot(...Av.map((x, i) => x - lam[j] * v[i])) / norm);
    for (let k = 0; k < n; k++) {
      const d = v.reduce((s, x, i) => s + x * V[k][i], 0);
      orth = Math.max(orth, Math.abs(d - (j === k ? 1 : 0)));
    }
  }
  const trace = Math.abs(lam.reduce((s, x) => s + x, 0) - A.reduce((s, row, i) => s + row[i], 0)) / norm;
  let value = NaN;
  if (exact) {
    const got = [...lam].sort((x, y) => x - y);
    const want = exact.map(down).sort((x, y) => x - y);
    value = Math.max(...got.map((x, i) => Math.abs(x - want[i]))) / norm;
  }
  const clean = (x) => (Number.isNaN(x) ? Infinity : x);
  return { res: clean(resid), orth: clean(orth), trace: clean(trace), value: exact ? clean(value) : NaN };
}

const fmt = (x) => (Number.isNaN(x) ? '—' : x === 0 ? '0' : x.toExponential(1));
const pad = (s, w) => String(s).padEnd(w);
/** A table row: the group's name, its count, then four figures. */
const row = (cells) => `  ${cells.map((c, i) => pad(c, [34, 7, 10, 10, 10, 10][i])).join('')}`;
const measures = [
  '‖Av−λv‖/‖A‖_F', // residual
  'max|VᵀV−I|', // orthogonality
  '|Σλ−tr A|/‖A‖_F', // trace
  'max|λ−λ_exact|/‖A‖_F', // eigenvalue error
];
console.log(`Accuracy: worst over each group of ${measures.join(', ')}`);
const groups = [...new Set(cases.map((c) => c.group))];
for (const [name, solve] of solvers) {
  console.log(`\n${name}`);
  console.log(row(['matrices', 'count', 'residual', 'orth', 'trace', 'λ error']));
  for (const g of groups) {
    const worst = { res: 0, orth: 0, trace: 0, value: NaN };
    const cs = cases.filter((c) => c.group === g);
    for (const c of cs) {
      let e;
      try {
        e = errors(c.a, solve(c.a), c.exact);
      } catch (err) {
        e = { res: Infinity, orth: Infinity, trace: Infinity, value: Infinity, err };
      }
      for (const k of ['res', 'orth', 'trace']) worst[k] = Math.max(worst[k], e[k]);
      if (!Number.isNaN(e.value))
        worst.value = Number.isNaN(worst.value) ? e.value : Math.max(worst.value, e.value);
    }
    console.log(row([g, cs.length, ...[worst.res, worst.orth, worst.trace, worst.value].map(fmt)]));
  }
}
console.log(`\nThe 1e-20 case [[1e-20, 1e-20], [1e-20, 1e-20]] (exact 0, 2e-20):`);
for (const [name, solve] of solvers)
  console.log(`  ${pad(name, 26)}${JSON.stringify(solve([[1e-20, 1e-20], [1e-20, 1e-20]]).values)}`); // prettier-ignore

// ---- speed --------------------------------------------------------------------------------------------
function time(solve, pool, count) {
  for (let i = 0; i < Math.min(count, 200); i++) solve(pool[i % pool.length]);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) solve(pool[i % pool.length]);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
console.log(`\nSpeed (ms; ratio to the reference in the same run; median of 3)`);
for (const [n, count] of [
  [5, 10000],
  [20, 1000],
]) {
  const pool = Array.from({ length: 64 }, () => randomSymmetric(n, r));
  const ms = solvers.map(([, solve]) => {
    const t = [0, 1, 2].map(() => time(solve, pool, count)).sort((x, y) => x - y);
    return t[1];
  });
  console.log(`  ${count} solves of ${n}×${n}:`);
  solvers.forEach(([name], i) =>
    console.log(`    ${pad(name, 26)}${pad(ms[i].toFixed(1) + ' ms', 12)}× ${(ms[i] / ms[0]).toFixed(2)}`),
  );
}

// ---- load cost ------------------------------------------------------------------------------------------
function load(mod) {
  const code =
    'const t=process.hrtime.bigint();' +
    (mod ? `require(${JSON.stringify(mod)});` : '') +
    'process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))';
  const xs = [];
  for (let i = 0; i < 11; i++) xs.push(Number(spawnSync(process.execPath, ['-e', code]).stdout.toString()));
  return xs.sort((x, y) => x - y)[5];
}
console.log(`\nCold require in a fresh process (median of 11, ms)`);
console.log(`  ${pad('nothing', 26)}${load(undefined).toFixed(1)}`);
console.log(`  ${pad('numeric/linalg', 26)}${load(linalgPath).toFixed(1)}`);
if (mathjsPath) console.log(`  ${pad('mathjs', 26)}${load(mathjsPath).toFixed(1)}`);
else console.log(`  mathjs not resolvable (set MATHJS=/path/to/node_modules/mathjs to include it)`);
