/**
 * Every `noether …` command in the README runs as written, through main(): the exit code is the
 * one the README states (a '# … exit N' or 'refuted' comment; 0 otherwise), stderr has no stack
 * trace, stdout is not empty. A file a command writes (--export, -o) goes to a temporary folder.
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main';

/** A POSIX-shell split for the README's simple quoting (single quotes, no escapes). */
function split(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2]!);
  return out;
}

const lines = [...readFileSync('README.md', 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((m) => m[1]!.split('\n'))
  .filter((l) => l.startsWith('noether '));
const out = mkdtempSync(join(tmpdir(), 'noether-readme-'));

it('the README shows the commands this test runs', () => {
  expect(lines.length).toBeGreaterThanOrEqual(10);
});

it.each(lines.map((l) => [l] as const))(
  '%s',
  (line) => {
    const [command, comment = ''] = line.split(/\s+#\s+/, 2);
    const args = split(command!).slice(1);
    const i = args.findIndex((a) => a === '--export' || a === '-o');
    if (i >= 0) args[i + 1] = join(out, args[i + 1]!);
    const expected = /exit (\d)/.exec(comment)?.[1] ?? (/refuted/.test(comment) ? '1' : '0');
    let stdout = '';
    let stderr = '';
    const code = main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
    expect({ code, stderr: stderr.split('\n')[0] }).toMatchObject({ code: Number(expected) });
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout.length).toBeGreaterThan(0);
    if (i >= 0) expect(existsSync(args[i + 1]!)).toBe(true);
  },
  120_000,
);
