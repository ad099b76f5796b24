// Assembles numeric/kernels.wat (WebAssembly text, committed) into kernels.wasm with wabt, the
// WebAssembly Binary Toolkit compiled to JavaScript (an npm devDependency; nothing downloaded).
// Writes dist/numeric/kernels.wasm for the built package and numeric/kernels.wasm (not committed)
// for code run from source (ts-jest, ts-node). Also jest's globalSetup, so tests never run against
// a stale binary. Without a binary, numeric/kernels.ts falls back to the plain-JavaScript kernels.
const { readFileSync, writeFileSync, mkdirSync, existsSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const source = join(root, 'numeric', 'kernels.wat');

async function build({ dist = true } = {}) {
  const targets = [join(root, 'numeric', 'kernels.wasm')];
  if (dist) targets.push(join(root, 'dist', 'numeric', 'kernels.wasm'));
  const stale = targets.filter((t) => !existsSync(t) || statSync(t).mtimeMs < statSync(source).mtimeMs);
  if (stale.length === 0) return;
  const wabt = await require('wabt')();
  const mod = wabt.parseWat('kernels.wat', readFileSync(source, 'utf8'), { simd: true });
  try {
    mod.resolveNames();
    mod.validate();
    const { buffer } = mod.toBinary({});
    for (const t of stale) {
      mkdirSync(join(t, '..'), { recursive: true });
      writeFileSync(t, buffer);
    }
  } finally {
    mod.destroy();
  }
}

module.exports = () => build({ dist: false });

if (require.main === module)
  build().catch((err) => {
    console.error(`build-wasm: ${err.message}`);
    process.exit(1);
  });
