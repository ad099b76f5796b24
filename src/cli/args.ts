/**
 * Command-line options, parsed with node:util parseArgs, one option set per command: an option a
 * command cannot honour is an error naming the command, never silently ignored, and so is a
 * format it cannot write.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors';
import { excerpt } from '../declaration/errors';

export type Format = 'text' | 'latex' | 'markdown' | 'json';

/** Every option any command takes, with its type and what it means (the help text lists them). */
export const OPTIONS = {
  format: {
    type: 'string',
    short: 'f',
    arg: 'FMT',
    help: 'output format (each command lists the ones it writes)',
  },
  seed: { type: 'string', arg: 'N', help: 'seed of every random choice, 0 to 2^32 − 1 (default 1)' },
  runs: {
    type: 'string',
    arg: 'N',
    help: 'random points (derive) or sampled networks per site kind (check)',
  },
  rule: { type: 'string', arg: 'R', help: "a learning rule, e.g. 'sgd(lr=eta, wd=lambda)'" },
  arch: { type: 'string', arg: 'SPEC', help: 'fix parts of the architecture, e.g. 4-8-3:relu:ce' },
  site: { type: 'string', arg: 'KIND', help: 'check one site kind only' },
  replay: { type: 'string', arg: 'PATH', help: 're-run one failing case (the path a counterexample prints)' },
  steps: { type: 'string', arg: 'N', help: 'steps per trajectory with --rule (default 100)' },
  flow: {
    type: 'string',
    arg: 'N',
    help: 'gradient-flow trajectories per site kind along which a charge is integrated (default 3; 0: none)',
  },
  export: {
    type: 'string',
    arg: 'FILE',
    help: 'write the first trajectory to FILE.csv or FILE.json (--rule)',
  },
  all: { type: 'boolean', help: 'every theorem (prove)' },
  list: { type: 'boolean', help: 'list the theorems (prove)' },
  progress: { type: 'boolean', help: 'progress on stderr even when it is not a terminal' },
  quiet: { type: 'boolean', short: 'q', help: 'one summary line per input instead of the report' },
  sites: { type: 'boolean', help: 'list every site, not only their count by layer (scan)' },
  jobs: {
    type: 'string',
    arg: 'N',
    help: "threads for sampled networks (check; default 1, 'auto' one per core; same report for any N)",
  },
  degree: {
    type: 'string',
    arg: 'N',
    help: 'highest degree of the polynomial laws searched, 1 to 4 (laws; default 2)',
  },
  momentum: {
    type: 'boolean',
    help: 'the laws of heavy-ball momentum, time-dependent, on (θ, θ̇, e^t) (laws; default degree 3)',
  },
  model: {
    type: 'string',
    arg: 'FILE',
    help: 'the network of an ONNX model (check, laws, export; scan takes the file itself)',
  },
  loss: {
    type: 'string',
    arg: 'mse|ce',
    help: 'the loss a --model is trained with when the graph ends in its outputs (default: mse; a softmax head: ce)',
  },
  weights: { type: 'boolean', help: "with --model: check at the model's own weights, sampling data (check)" },
  'save-case': {
    type: 'string',
    arg: 'FILE',
    help: "write a refuted network check's failing case (weights by tensor name, batch) to FILE.json (check)",
  },
  data: {
    type: 'string',
    arg: 'NAME',
    help: 'the data set a report trains on: iris or penguins (report; default iris)',
  },
  batch: {
    type: 'string',
    arg: 'N',
    help: "rows per minibatch of a report's minibatch run (report; default 16)",
  },
  every: {
    type: 'string',
    arg: 'K',
    help: 'teleport at step 0 and every K descent steps (teleport; default 50)',
  },
  to: { type: 'string', arg: 'TARGET', help: 'what export writes: numpy, pytorch or sympy (export)' },
  output: {
    type: 'string',
    short: 'o',
    arg: 'FILE',
    help: 'write to FILE instead of stdout (export); the page report writes (report)',
  },
  cas: { type: 'boolean', help: 'ask the CAS (nerdamer-prime) for a second opinion on residuals (derive)' },
  standalone: {
    type: 'boolean',
    help: 'with --format latex: a complete document (preamble, reports, bibliography) that pdflatex compiles',
  },
  lambda: {
    type: 'string',
    arg: 'MU',
    help: 'strength μ of the penalty μ·P(w) a recipe induces (recipe; default 0.1)',
  },
  help: { type: 'boolean', short: 'h', help: 'this help' },
} as const;

export type OptionName = keyof typeof OPTIONS;

/** What each command accepts: its options and the formats it writes. */
export const COMMAND_OPTIONS = {
  list: { options: ['format'], formats: ['text', 'json'] },
  derive: {
    options: ['format', 'standalone', 'seed', 'runs', 'rule', 'quiet', 'cas'],
    formats: ['text', 'latex', 'markdown', 'json'],
  },
  check: {
    options: [
      'model',
      'loss',
      'weights',
      'save-case',
      'format',
      'seed',
      'runs',
      'arch',
      'site',
      'replay',
      'rule',
      'steps',
      'export',
      'progress',
      'quiet',
      'jobs',
      'flow',
      'standalone',
    ],
    formats: ['text', 'latex', 'markdown', 'json'],
  },
  scan: {
    options: ['format', 'sites', 'loss', 'standalone'],
    formats: ['text', 'latex', 'markdown', 'json'],
  },
  laws: {
    options: ['format', 'seed', 'arch', 'model', 'loss', 'degree', 'momentum', 'standalone'],
    formats: ['text', 'latex', 'markdown', 'json'],
  },
  export: { options: ['arch', 'model', 'loss', 'to', 'output'], formats: ['text'] },
  report: {
    options: [
      'rule',
      'arch',
      'model',
      'loss',
      'data',
      'seed',
      'steps',
      'batch',
      'runs',
      'output',
      'progress',
    ],
    formats: ['text'],
  },
  teleport: {
    options: ['format', 'arch', 'data', 'rule', 'seed', 'runs', 'steps', 'every'],
    formats: ['text', 'json'],
  },
  prove: {
    options: ['format', 'standalone', 'seed', 'all', 'list', 'quiet'],
    formats: ['text', 'latex', 'markdown', 'json'],
  },
  recipe: {
    options: ['format', 'standalone', 'lambda', 'seed', 'runs', 'steps'],
    formats: ['text', 'latex', 'json'],
  },
} as const satisfies Record<string, { options: readonly OptionName[]; formats: readonly Format[] }>;

export type Command = keyof typeof COMMAND_OPTIONS;
export const COMMANDS = Object.keys(COMMAND_OPTIONS) as Command[];

/** Parsed options of a command: raw strings for values, booleans for flags. */
export interface Parsed {
  readonly values: Readonly<Partial<Record<OptionName, string | boolean>>>;
  readonly positionals: readonly string[];
  readonly help: boolean;
}

/** Parse a command's arguments against its option set. */
export function parseCommand(command: Command, args: readonly string[]): Parsed {
  const allowed = new Set<OptionName>([...COMMAND_OPTIONS[command].options, 'help']);
  const options = Object.fromEntries(
    (Object.keys(OPTIONS) as OptionName[]).map((n) => {
      const o = OPTIONS[n];
      return [n, 'short' in o ? { type: o.type, short: o.short } : { type: o.type }];
    }),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(explain(err as Error & { code?: string }, args));
  }
  const values = parsed.values as Partial<Record<OptionName, string | boolean>>;
  for (const name of Object.keys(values) as OptionName[])
    if (!allowed.has(name))
      throw new UsageError(`${command} does not take --${name} (see 'noether help ${command}')`);
  return { values, positionals: parsed.positionals, help: values.help === true };
}

/** parseArgs's errors in the CLI's words: the option as the user wrote it. */
function explain(err: Error & { code?: string }, args: readonly string[]): string {
  const quoted = /'(-[^']*)'/.exec(err.message)?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${excerpt(quoted ?? args.find((a) => a.startsWith('-')) ?? '')}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const name = /--([a-z][a-z-]*)/.exec(err.message)?.[1] ?? '';
      const o = OPTIONS[name as OptionName];
      return o && o.type === 'string' ? `--${name} needs a value` : `--${name} takes no value`;
    }
    default:
      return excerpt(err.message.split('\n')[0]!, 200);
  }
}

const str = (p: Parsed, name: OptionName): string | undefined => {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
};

/** A string option's value, if given. */
export const optionValue = str;

/** An integer option in [min, max], if given. */
export function intOption(
  p: Parsed,
  name: OptionName,
  min: number,
  max: number,
  maxText = String(max),
): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v)))
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${excerpt(v)}'`);
  if (Number(v) > max)
    throw new UsageError(
      name === 'seed' ? '--seed must be below 2^32' : `--${name} must be at most ${maxText}`,
    );
  return Number(v);
}

/** The output format, checked against what the command writes. */
export function formatOption(command: Command, p: Parsed): Format {
  const f = str(p, 'format') ?? 'text';
  const ok: readonly string[] = COMMAND_OPTIONS[command].formats;
  if (!ok.includes(f)) {
    const any: readonly string[] = ['text', 'latex', 'markdown', 'json'];
    throw new UsageError(
      any.includes(f)
        ? `${command} cannot write ${f} (it writes ${ok.join(', ')})`
        : `unknown format '${excerpt(f)}' (use ${ok.join(', ')})`,
    );
  }
  return f as Format;
}

export const flag = (p: Parsed, name: OptionName): boolean => p.values[name] === true;

/** --standalone: a whole LaTeX document, so only with --format latex (an input error otherwise). */
export function standaloneOption(p: Parsed): boolean {
  if (!flag(p, 'standalone')) return false;
  if (str(p, 'format') !== 'latex')
    throw new UsageError('--standalone writes a LaTeX document: it needs --format latex');
  return true;
}
