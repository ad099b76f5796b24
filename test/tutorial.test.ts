/**
 * docs/tutorial.md runs as written. Every line of its ```sh blocks is a `noether …` command; it is
 * split into arguments as a POSIX shell would (single quotes, double quotes, backslash; the only
 * redirection understood is `< FILE`, which supplies standard input for `-`: readStdin returns the
 * file's text) and run through main(args, io) with fake streams, from the repository root. A
 * trailing `# exit N` comment states the expected exit code (0 when absent).
 *
 * A ```text block after a ```sh block shows the output of that block's last command. Each of its
 * lines must occur, in order, as a whole (trimmed) line of the real output: lines starting with
 * `noether: ` in stderr, the others in stdout. A line that is just `…` stands for omitted lines; a
 * `…` inside a line stands for omitted text within it. So the tutorial cannot drift from the CLI.
 *
 * Also: ```yaml blocks whose first line is `# examples/tutorial/<file>` show that file exactly, the
 * tutorial's example files conform to the published schema, and links into docs/theory.md name
 * headings that exist.
 */
import Ajv from 'ajv';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import schema from '../schema/declaration.schema.json';
import { main } from '../src/cli/main';

const TUTORIAL = 'docs/tutorial.md';
const text = readFileSync(TUTORIAL, 'utf8');

interface Fence {
  readonly lang: string;
  readonly line: number; // 1-based line of the opening fence
  readonly body: readonly string[];
}

function fences(md: string): Fence[] {
  const out: Fence[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`${TUTORIAL}:${start + 1}: unterminated code fence`);
    out.push({ lang: open[1]!, line: start + 1, body });
  }
  return out;
}

interface ShellLine {
  readonly args: string[];
  readonly stdinFile?: string;
  readonly comment?: string;
}

/**
 * A tiny POSIX word splitter: blanks separate words; '…' is literal; "…" is literal except for
 * \" \\ \$ \`; an unquoted backslash quotes the next character; an unquoted # at the start of a
 * word begins a comment; an unquoted `<` redirects standard input from the next word. Any other
 * unquoted shell syntax (pipes, globs, expansions, …) is refused, so the tutorial stays simple.
 */
function splitShell(line: string): ShellLine {
  const words: { text: string; bare: boolean }[] = [];
  let cur: string | undefined;
  let bare = true; // the current word has no quoted part (for recognising `<`)
  let comment: string | undefined;
  const end = (): void => {
    if (cur !== undefined) words.push({ text: cur, bare });
    cur = undefined;
    bare = true;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      end();
    } else if (c === '#' && cur === undefined) {
      comment = line.slice(i + 1).trim();
      break;
    } else if (c === "'") {
      const j = line.indexOf("'", i + 1);
      if (j < 0) throw new Error(`unterminated single quote in: ${line}`);
      cur = (cur ?? '') + line.slice(i + 1, j);
      bare = false;
      i = j;
    } else if (c === '"') {
      let s = '';
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        const d = line[j]!;
        if (d === '\\' && '"\\$`'.includes(line[j + 1] ?? '')) s += line[++j];
        else if (d === '$' || d === '`')
          throw new Error(`expansion in double quotes is not supported: ${line}`);
        else s += d;
      }
      if (j >= line.length) throw new Error(`unterminated double quote in: ${line}`);
      cur = (cur ?? '') + s;
      bare = false;
      i = j;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new Error(`trailing backslash in: ${line}`);
      cur = (cur ?? '') + line[++i];
      bare = false;
    } else if (c === '<') {
      end();
      words.push({ text: '<', bare: true });
    } else if ('|&;>()$`*?[]{}~!'.includes(c)) {
      throw new Error(`unsupported shell syntax '${c}' in: ${line}`);
    } else {
      cur = (cur ?? '') + c;
    }
  }
  end();
  const args: string[] = [];
  let stdinFile: string | undefined;
  for (let k = 0; k < words.length; k++) {
    const w = words[k]!;
    if (w.bare && w.text === '<') {
      const f = words[++k];
      if (!f || (f.bare && f.text === '<')) throw new Error(`'<' without a file in: ${line}`);
      if (stdinFile !== undefined) throw new Error(`two redirections in: ${line}`);
      stdinFile = f.text;
    } else args.push(w.text);
  }
  return {
    args,
    ...(stdinFile !== undefined ? { stdinFile } : {}),
    ...(comment !== undefined ? { comment } : {}),
  };
}

interface Command {
  readonly source: string;
  readonly line: number;
  readonly args: readonly string[];
  readonly stdinFile?: string;
  readonly exit: number;
  shown?: Fence;
}

const all = fences(text);
const commands: Command[] = [];
const orphanText: Fence[] = [];
{
  let last: Command | undefined;
  for (const f of all) {
    if (f.lang === 'sh') {
      f.body.forEach((source, k) => {
        if (source.trim() === '') return;
        const line = f.line + k + 1;
        if (!source.startsWith('noether '))
          throw new Error(`${TUTORIAL}:${line}: a command line must start with 'noether ': ${source}`);
        const sh = splitShell(source);
        const exit = /^exit (\d+)\b/.exec(sh.comment ?? '');
        last = {
          source,
          line,
          args: sh.args.slice(1),
          ...(sh.stdinFile !== undefined ? { stdinFile: sh.stdinFile } : {}),
          exit: exit ? Number(exit[1]) : 0,
        };
        commands.push(last);
      });
    } else if (f.lang === 'text') {
      if (last && !last.shown) last.shown = f;
      else orphanText.push(f);
    }
  }
}

interface Result {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

function run(c: Command): Result {
  let out = '';
  let err = '';
  const stdin = c.stdinFile;
  const code = main(c.args, {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    ...(stdin !== undefined ? { readStdin: () => readFileSync(stdin, 'utf8') } : {}),
    env: {},
  });
  return { code, out, err };
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether a shown line matches a real line: equal after trimming, `…` matching any text. */
function matches(shown: string, real: string): boolean {
  if (!shown.includes('…')) return shown === real;
  return new RegExp(`^${shown.split('…').map(escape).join('.*')}$`, 'su').test(real);
}

/** The shown lines that do not occur, in order, in the real output (empty when consistent). */
function drift(shown: readonly string[], r: Result): string[] {
  const streams = {
    out: r.out.split('\n').map((l) => l.trim()),
    err: r.err.split('\n').map((l) => l.trim()),
  };
  const cursor = { out: 0, err: 0 };
  const missing: string[] = [];
  for (const raw of shown) {
    const line = raw.trim();
    if (line === '' || line === '…') continue;
    const s = line.startsWith('noether: ') ? 'err' : 'out';
    const at = streams[s].findIndex((real, i) => i >= cursor[s] && matches(line, real));
    if (at < 0) missing.push(`${s === 'err' ? 'stderr' : 'stdout'}: ${line}`);
    else cursor[s] = at + 1;
  }
  return missing;
}

describe('docs/tutorial.md', () => {
  it('has commands, and every ```text block follows a command', () => {
    expect(commands.length).toBeGreaterThan(10);
    expect(orphanText.map((f) => `${TUTORIAL}:${f.line}`)).toEqual([]);
    // A tutorial never teaches a bug: exit 3 is an internal error.
    expect(commands.filter((c) => c.exit === 3).map((c) => c.source)).toEqual([]);
  });

  it.each(commands.map((c) => [`${c.line}: ${c.source}`, c] as const))('%s', (_, c) => {
    const r = run(c);
    const where = `${TUTORIAL}:${c.line}: ${c.source}\n--- stdout\n${r.out}\n--- stderr\n${r.err}`;
    if (r.code !== c.exit) throw new Error(`exit ${r.code}, the tutorial says ${c.exit}\n${where}`);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.err).not.toContain('internal error');
    if (c.exit === 2) {
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^noether: /);
    } else if (!c.args.includes('--quiet') && !c.args.includes('-q')) {
      expect(r.out.trim()).not.toBe('');
    }
    if (c.shown) {
      const missing = drift(c.shown.body, r);
      if (missing.length)
        throw new Error(
          `the output block at ${TUTORIAL}:${c.shown.line} drifted from the real output; not found:\n` +
            `${missing.join('\n')}\n${where}`,
        );
    }
  });

  it('shows the example files exactly as they are', () => {
    const shown = all.filter(
      (f) => f.lang === 'yaml' && /^# examples\/tutorial\/\S+\.yaml\b/.test(f.body[0] ?? ''),
    );
    expect(shown.length).toBeGreaterThan(0);
    for (const f of shown) {
      const path = /^# (examples\/tutorial\/\S+\.yaml)/.exec(f.body[0]!)![1]!;
      expect(`${f.body.join('\n')}\n`).toBe(readFileSync(path, 'utf8'));
    }
  });

  it('its example files conform to the schema and are all used', () => {
    const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(schema);
    const files = readdirSync('examples/tutorial').filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const path = `examples/tutorial/${f}`;
      validate(parse(readFileSync(path, 'utf8')));
      expect([path, validate.errors ?? []]).toEqual([path, []]);
      expect(commands.some((c) => c.args.includes(path) || c.stdinFile === path)).toBe(true);
    }
  });

  it('links only to headings of docs/theory.md that exist', () => {
    // GitHub's anchors: lower case, punctuation dropped, spaces to hyphens.
    const slug = (h: string): string =>
      h
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-');
    expect(existsSync('docs/theory.md')).toBe(true);
    const anchors = new Set(
      readFileSync('docs/theory.md', 'utf8')
        .split('\n')
        .flatMap((l) => {
          const m = /^#{1,6}\s+(.*)$/.exec(l);
          return m ? [slug(m[1]!)] : [];
        }),
    );
    const links = [...text.matchAll(/\]\(theory\.md#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(5);
    expect(links.filter((a) => !anchors.has(a))).toEqual([]);
  });
});

describe('the tutorial test splits command lines like a shell', () => {
  it.each<[string, ShellLine]>([
    [
      "noether derive rescale --rule 'sgd(lr=eta, wd=lambda)'",
      { args: ['noether', 'derive', 'rescale', '--rule', 'sgd(lr=eta, wd=lambda)'] },
    ],
    ['noether check x  # exit 1', { args: ['noether', 'check', 'x'], comment: 'exit 1' }],
    ['noether a"b c"\'d\' e\\ f', { args: ['noether', 'ab cd', 'e f'] }],
    ['noether derive - < f.yaml', { args: ['noether', 'derive', '-'], stdinFile: 'f.yaml' }],
    ['noether a#b "#c"', { args: ['noether', 'a#b', '#c'] }],
    ['noether "\\"q\\\\"', { args: ['noether', '"q\\'] }],
  ])('%s', (line, expected) => {
    expect(splitShell(line)).toEqual(expected);
  });

  it.each(['noether a | b', 'noether a > f', "noether 'open", 'noether $HOME', 'noether a *'])(
    'refuses %s',
    (line) => {
      expect(() => splitShell(line)).toThrow();
    },
  );
});
