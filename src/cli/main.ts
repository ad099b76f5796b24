/**
 * The command-line interface as a function: main(args, io) → exit code (see io.ts: 0 every law
 * holds, 1 refuted, 2 usage or input error, 3 internal error, 4 inconclusive). Machine output on
 * stdout, diagnostics and progress on stderr; never a stack trace. One module per command under
 * commands/; src/bin.ts is the thin process wrapper.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserInputError } from '../../numeric/errors';
import { COMMANDS, parseCommand, type Command, type Parsed } from './args';
import { UsageError } from './errors';
import { mainHelp, commandHelp } from './help';
import { EXIT, type ExitCode, type IO } from './io';
import { output, type Output } from './output';
import { listCommand } from './commands/list';
import { deriveCommand } from './commands/derive';
import { checkCommand } from './commands/check';
import { scanCommand } from './commands/scan';
import { proveCommand } from './commands/prove';

export type { IO } from './io';
export { EXIT } from './io';

const RUN: Readonly<Record<Command, (p: Parsed, io: IO, out: Output) => ExitCode>> = {
  list: listCommand,
  derive: deriveCommand,
  check: checkCommand,
  scan: scanCommand,
  prove: proveCommand,
};

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
      else throw new UsageError(`no help for '${topic}' (commands: ${COMMANDS.join(', ')})`);
      return EXIT.ok;
    }
    if (!isCommand(command))
      throw new UsageError(`unknown command '${command}' (commands: ${COMMANDS.join(', ')})`);
    const parsed = parseCommand(command, rest);
    if (parsed.help) {
      io.stdout(commandHelp(command) + '\n');
      return EXIT.ok;
    }
    return RUN[command](parsed, io, output(io));
  } catch (err) {
    if (err instanceof UserInputError) {
      io.stderr(`noether: ${oneLine(err.message)}\n`);
      return EXIT.input;
    }
    io.stderr(`noether: internal error: ${oneLine((err as Error)?.message ?? String(err))}\n`);
    return EXIT.internal;
  }
}

/** A message as one line of bounded length (never the whole input echoed back). */
function oneLine(message: string): string {
  const line = message.replace(/\s*\n\s*/g, ' ');
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}
