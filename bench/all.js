// Every benchmark in turn (npm run bench builds first): cold start, check scaling, kernels, the graph
// layer against the MLP, autodiff against PyTorch, batch derivation and law counting against SymPy.
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

for (const script of [
  'run.js',
  'check.js',
  'kernels.js',
  'graph.js',
  'autodiff.js',
  'derive.js',
  'laws.js',
]) {
  const r = spawnSync(process.execPath, [join(__dirname, script)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
