// The three matrix products of a dense layer on their two implementations — the JavaScript loops
// (numeric/linalg.ts, jsKernels) and the WebAssembly SIMD kernels (numeric/kernels.wat), which give
// identical results bit for bit — by size, in GFLOP/s (best of several timed repetitions), and
// whether the sizes below linalg.ts's threshold are better left in JavaScript. Asserts nothing.
const { join } = require('node:path');

const root = join(__dirname, '..');
const { mat, jsKernels, mulABt, addAtB, addAB } = require(join(root, 'dist/numeric/linalg.js'));
const { kernelKind } = require(join(root, 'dist/numeric/kernels.js'));

if (kernelKind() !== 'wasm-simd') {
  console.log('kernels: dist/numeric/kernels.wasm is not built (npm run build); nothing to compare');
  process.exit(0);
}
const rand = (rows, cols) =>
  mat(
    rows,
    cols,
    Float64Array.from({ length: rows * cols }, () => Math.random() - 0.5),
  );
function best(f) {
  f();
  let t = Infinity;
  for (let r = 0; r < 7; r++) {
    let reps = 0;
    const t0 = process.hrtime.bigint();
    while (reps < 2 || (Number(process.hrtime.bigint() - t0) < 5e7 && reps < 10000)) {
      f();
      reps++;
    }
    t = Math.min(t, Number(process.hrtime.bigint() - t0) / reps);
  }
  return t; // ns
}
// Batch 32 against layer shapes from tiny to large; work = multiply-adds of one product.
const SHAPES = [
  [32, 4, 4],
  [32, 8, 16],
  [32, 16, 32],
  [32, 64, 96],
  [32, 256, 256],
  [32, 1024, 784],
];
console.log('matrix products, batch 32 (GFLOP/s; ratio = WebAssembly / JavaScript speed)');
console.log(
  `${'product'.padEnd(10)} ${'n×m×k'.padEnd(14)} ${'work'.padStart(9)} ${'JS'.padStart(7)} ` +
    `${'wasm'.padStart(7)} ${'ratio'.padStart(6)}`,
);
for (const [n, m, k] of SHAPES) {
  const A = rand(n, k),
    B = rand(m, k),
    C = mat(n, m),
    Z = rand(n, m),
    X = rand(n, k),
    G = mat(m, k),
    W = rand(m, k),
    D = mat(n, k);
  const cases = [
    ['A Bᵀ', () => jsKernels.mulABt(A, B, C), () => mulABt(A, B, C)],
    ['Aᵀ B', () => jsKernels.addAtB(Z, X, G), () => addAtB(Z, X, G)],
    ['A B', () => jsKernels.addAB(Z, W, D), () => addAB(Z, W, D)],
  ];
  for (const [name, js, wasm] of cases) {
    const flops = 2 * n * m * k;
    const tj = best(js),
      tw = best(wasm);
    console.log(
      `${name.padEnd(10)} ${`${n}×${m}×${k}`.padEnd(14)} ${String(n * m * k).padStart(9)} ` +
        `${(flops / tj).toFixed(2).padStart(7)} ${(flops / tw).toFixed(2).padStart(7)} ` +
        `${(tj / tw).toFixed(2).padStart(6)}`,
    );
  }
}
