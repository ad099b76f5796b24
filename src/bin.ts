#!/usr/bin/env node
// On Node ≥ 22.8, V8's code cache for the toolkit's modules (kept in the OS temp directory; Node's own
// NODE_DISABLE_COMPILE_CACHE turns it off): later runs skip compiling what earlier ones compiled.
// Enabled before the CLI's modules load, so they are all covered; on older Node it does not exist.
// eslint-disable-next-line @typescript-eslint/no-require-imports
(require('node:module') as { enableCompileCache?: () => unknown }).enableCompileCache?.();
/* eslint-disable @typescript-eslint/no-require-imports -- loaded after the cache is on */
const { main } = require('./cli/main') as typeof import('./cli/main');
const { readDeclarationSource } = require('./declaration/load') as typeof import('./declaration/load');
/* eslint-enable @typescript-eslint/no-require-imports */

// A closed pipe (`noether … | head`) ends the run quietly, as other command-line tools do. Any
// other write error (a full disk, a vanished terminal) is an I/O error: one line, exit 2.
for (const [name, stream] of [
  ['standard output', process.stdout],
  ['standard error', process.stderr],
] as const)
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    if (stream !== process.stderr) {
      try {
        process.stderr.write(`noether: cannot write to ${name} (${err.code ?? 'error'})\n`);
      } catch {
        // Nowhere left to report it: the exit code says it.
      }
    }
    process.exit(2);
  });

process.exitCode = main(process.argv.slice(2), {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  // Read no further than the declaration size limit: an endless stdin is refused, not read whole.
  readStdin: () => readDeclarationSource(0, '<stdin>'),
  isTTY: { stdout: process.stdout.isTTY === true, stderr: process.stderr.isTTY === true },
  env: process.env,
});
