/**
 * The command-line interface as a function: main(args, io) → exit code (see io.ts: 0 every law
 * holds, 1 refuted, 2 usage or input error, 3 internal error, 4 inconclusive). Machine output on
 * stdout, diagnostics and progress on stderr; never a stack trace. One module per command under
 * commands/; src/bin.ts is the thin process wrapper.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserInputError } from '../../numeric/errors';
import { excerpt } from '../declaration/errors';
import { COMMANDS, parseCommand, standaloneOption, type Command, type Parsed } from './args';
import { UsageError } from './errors';
import { mainHelp, commandHelp } from './help';
import { EXIT, type ExitCode, type IO } from './io';
import { output, type Output } from './output';

export type { IO } from './io';
export { EXIT } from './io';

/*
 * Each command's module is loaded when that command runs: a run loads only what its command needs
 * (scan's and check's network samplers, the law search, the theorems and the exporters otherwise
 * cost every command their start-up time).
 */
/* eslint-disable @typescript-eslint/no-require-imports -- loading on first call is the point */
const RUN: Readonly<Record<Command, (p: Parsed, io: IO, out: Output) => ExitCode>> = {
  list: (p, io) => (require('./commands/list') as typeof import('./commands/list')).listCommand(p, io),
  derive: (p, io, out) =>
    (require('./commands/derive') as typeof import('./commands/derive')).deriveCommand(p, io, out),
  check: (p, io, out) =>
    (require('./commands/check') as typeof import('./commands/check')).checkCommand(p, io, out),
  scan: (p, io, out) =>
    (require('./commands/scan') as typeof import('./commands/scan')).scanCommand(p, io, out),
  laws: (p, io, out) =>
    (require('./commands/laws') as typeof import('./commands/laws')).lawsCommand(p, io, out),
  export: (p, io) =>
    (require('./commands/export') as typeof import('./commands/export')).exportCommand(p, io),
  report: (p, io) =>
    (require('./commands/report') as typeof import('./commands/report')).reportCommand(p, io),
  teleport: (p, io, out) =>
    (require('./commands/teleport') as typeof import('./commands/teleport')).teleportCommand(p, io, out),
  prove: (p, io, out) =>
    (require('./commands/prove') as typeof import('./commands/prove')).proveCommand(p, io, out),
  recipe: (p, io, out) =>
    (require('./commands/recipe') as typeof import('./commands/recipe')).recipeCommand(p, io, out),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** The package's version, from the package.json above this module (src/ or dist/src/). */
export function version(): string {
  for (let dir = __dirname, i = 0; i < 4; i++, dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'noether' && pkg.version) return pkg.version;
    }
  }
  return 'unknown';
}

const isCommand = (c: string): c is Command => (COMMANDS as readonly string[]).includes(c);

export function main(args: readonly string[], io: IO): number {
  try {
    const [command, ...rest] = args;
    if (command === undefined) {
      io.stdout(mainHelp() + '\n');
      return EXIT.input;
    }
    if (command === '--help' || command === '-h') {
      io.stdout(mainHelp() + '\n');
      return EXIT.ok;
    }
    if (command === '--version' || command === '-v') {
      io.stdout(`${version()}\n`);
      return EXIT.ok;
    }
    if (command === 'help') {
      const topic = rest[0];
      if (topic === undefined) io.stdout(mainHelp() + '\n');
      else if (isCommand(topic)) io.stdout(commandHelp(topic) + '\n');
      else throw new UsageError(`no help for '${excerpt(topic)}' (commands: ${COMMANDS.join(', ')})`);
      return EXIT.ok;
    }
    if (!isCommand(command))
      throw new UsageError(`unknown command '${excerpt(command)}' (commands: ${COMMANDS.join(', ')})`);
    const parsed = parseCommand(command, rest);
    if (parsed.help) {
      io.stdout(commandHelp(command) + '\n');
      return EXIT.ok;
    }
    const out = output(io, standaloneOption(parsed));
    const code = RUN[command](parsed, io, out);
    out.finish();
    return code;
  } catch (err) {
    if (err instanceof UserInputError) {
      io.stderr(`noether: ${oneLine(err.message)}\n`);
      return EXIT.input;
    }
    if (isSystemError(err)) {
      // A file or stream the system could not read or write: an I/O error, not a bug.
      io.stderr(`noether: I/O error: ${oneLine(err.message)}\n`);
      return EXIT.input;
    }
    io.stderr(`noether: internal error: ${oneLine((err as Error)?.message ?? String(err))}\n`);
    return EXIT.internal;
  }
}

/** The longest diagnostic line (after `noether: `): messages quote excerpts, this is the backstop. */
const MAX_MESSAGE = 260;

/** A message as one line of bounded length (never the whole input echoed back). */
function oneLine(message: string): string {
  return excerpt(message, MAX_MESSAGE);
}

/** An error from a system call (open, read, write…): Node gives it a code like EACCES and the call. */
function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException | undefined;
  return (
    e instanceof Error &&
    typeof e.code === 'string' &&
    /^E[A-Z]+$/.test(e.code) &&
    typeof e.syscall === 'string'
  );
}
