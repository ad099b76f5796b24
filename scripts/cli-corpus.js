#!/usr/bin/env node
/*
 * The CLI output corpus: runs a fixed list of `noether` commands against the built CLI and writes
 * each one's stdout, stderr and exit code to OUTDIR/<n>.txt, so that a refactoring can be shown
 * byte-identical with `diff -r before after`.
 *
 *   node scripts/cli-corpus.js OUTDIR [BIN]     (BIN defaults to dist/src/bin.js)
 */
'use strict';
const { spawn } = require('node:child_process');
const { mkdirSync, writeFileSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

const out = process.argv[2];
const bin = process.argv[3] ?? join(__dirname, '..', 'dist', 'src', 'bin.js');
if (!out) {
  process.stderr.write('usage: node scripts/cli-corpus.js OUTDIR [BIN]\n');
  process.exit(2);
}
const root = join(__dirname, '..');
const catalog = readdirSync(join(root, 'catalog')).map((f) => f.replace(/\.yaml$/, ''));
const examples = readdirSync(join(root, 'examples'))
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => `examples/${f}`);

const commands = [
  [],
  ['--help'],
  ['help'],
  ['list'],
  ['list', '--format', 'json'],
  ['bogus'],
  ['derive'],
  ['derive', 'nope'],
  ['derive', 'rescale', '--format', 'yaml'],
  ['derive', 'rescale', '--seed', 'x'],
  ['check', 'rescale', '--arch', '4-8'],
  ['prove', 'nope'],
  ['prove', '--list'],
  ['prove', '--all'],
  ['prove', '--all', '--format', 'json'],
  ['prove', 'nm-rescale-charge', '--format', 'json'],
  ['prove', 'nm-rescale-charge', '--format', 'latex'],
  ['prove', 'nm-rescale-charge', '--format', 'markdown'],
  ...['derive', 'check', 'scan', 'laws', 'prove', 'list'].map((c) => [c, '--help']),
  ...catalog.flatMap((n) => ['text', 'json', 'latex', 'markdown'].map((f) => ['derive', n, '--format', f])),
  ...examples.flatMap((e) => [
    ['derive', e],
    ['derive', e, '--format', 'json'],
  ]),
  ...catalog.map((n) => ['check', n, '--runs', '6']),
  ...catalog.map((n) => ['check', n, '--runs', '4', '--format', 'json']),
  ...examples.map((e) => ['check', e, '--runs', '6']),
  ['check', 'rescale', '--runs', '10', '--arch', '4-8-8-3:relu:ce', '--format', 'markdown'],
  ['check', 'scale', '--arch', '4-16-16-3:relu:batch+affine:ce', '--seed', '7', '--runs', '5'],
  ['check', 'examples/rescale-wrong-exponent.yaml', '--replay', '0'],
  ['scan', '4-8-8-3:relu:ce'],
  ['scan', '3-5-2:linear:mse', '--format', 'json'],
  ['scan', '4-6-3:tanh:batch+affine', '--format', 'markdown'],
  ['scan', '4-x'],
  ['laws', '--arch', '4-3-5:linear'],
  ['laws', '--arch', '4-3-5:relu', '--format', 'json'],
  ['laws', '--arch', '1-2-2-1:linear:nobias', '--format', 'markdown'],
  ['laws', 'examples/shear.yaml'],
  ['laws', 'rescale'],
  ...[
    'gf(wd=lambda)',
    'sgd(lr=eta, wd=lambda)',
    'momentum(lr=eta, beta=beta, dampening=d, wd=lambda)',
    'precond(lr=eta, wd=lambda)',
    'adam(lr=0.01)',
  ].flatMap((r) =>
    ['rescale', 'scale', 'translation', 'gl'].flatMap((n) => [
      ['derive', n, '--rule', r],
      ['derive', n, '--rule', r, '--format', 'json'],
    ]),
  ),
  ['derive', 'rescale', '--rule', 'sgd(lr=-1)'],
  ['derive', 'rescale', '--rule', 'foo'],
  ['check', 'scale', '--rule', 'adam(lr=0.01)', '--steps', '30', '--runs', '2'],
  ['check', 'translation', '--rule', 'momentum(lr=0.05, beta=0.9)', '--steps', '30', '--runs', '2'],
  ['check', 'rescale', '--rule', 'sgd(lr=0.05, wd=0.01)', '--steps', '30', '--runs', '2', '--format', 'json'],
  ['check', 'rescale', '--rule', 'gf(wd=0.1)', '--steps', '20', '--runs', '2'],
  // Models and export.
  ['export', '--help'],
  ['scan', 'examples/relu-mlp.onnx'],
  ['scan', 'examples/relu-mlp.onnx', '--loss', 'ce', '--format', 'json'],
  ['scan', 'test/fixtures/onnx/sigmoid.onnx'],
  ['check', 'rescale', '--model', 'examples/relu-mlp.onnx', '--weights', '--runs', '10'],
  [
    'check',
    'examples/rescale-wrong-exponent.yaml',
    '--model',
    'examples/relu-mlp.onnx',
    '--weights',
    '--runs',
    '5',
  ],
  ['laws', '--model', 'examples/relu-mlp.onnx'],
  ...['rescale', 'scale', 'translation', 'gl', 'homogeneity', 'unit-swap'].flatMap((n) =>
    ['numpy', 'pytorch', 'sympy'].map((t) => [
      'export',
      n,
      '--arch',
      '4-6-3:linear:layer+affine:ce',
      '--to',
      t,
    ]),
  ),
  ['export', 'rescale', '--model', 'test/fixtures/onnx/matmul-float32.onnx', '--to', 'numpy'],
  ['export', 'rescale', '--to', 'numpy'],
];

mkdirSync(out, { recursive: true });
let next = 0;
let running = 0;
const width = Number(process.env.CORPUS_JOBS ?? 2);
function launch() {
  while (running < width && next < commands.length) {
    const i = next++;
    const args = commands[i];
    running++;
    const p = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
    let so = '';
    let se = '';
    p.stdout.on('data', (d) => (so += d));
    p.stderr.on('data', (d) => (se += d));
    p.on('close', (code) => {
      const name = String(i).padStart(3, '0');
      writeFileSync(
        join(out, `${name}.txt`),
        `$ noether ${args.join(' ')}\n--- exit ${code}\n--- stdout\n${so}--- stderr\n${se}`,
      );
      running--;
      if (next < commands.length) launch();
      else if (running === 0) process.stdout.write(`${commands.length} commands → ${out}\n`);
    });
  }
}
launch();
