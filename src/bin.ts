#!/usr/bin/env node
import { main } from './cli/main';
import { readDeclarationSource } from './declaration/load';

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
