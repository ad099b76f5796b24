/**
 * Compiling LaTeX for real: pdflatex from Debian's texlive-latex-base (amsmath; amssymb comes with
 * its dependency texlive-base). In CI it is installed (`.ci/run`), so a missing pdflatex fails the
 * run; elsewhere the tests that need it skip with a visible message.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PDFLATEX = 'pdflatex';
const inCI = process.env['CI'] === 'true';

/** Whether pdflatex runs; in CI a missing one is an error. */
export function pdflatexAvailable(): boolean {
  const r = spawnSync(PDFLATEX, ['--version'], { encoding: 'utf8' });
  if (r.status === 0) return true;
  if (inCI)
    throw new Error(
      `CI needs ${PDFLATEX} (Debian: texlive-latex-base texlive-latex-recommended texlive-fonts-recommended): ` +
        `${r.error?.message ?? r.stderr}`,
    );
  console.warn(
    `SKIPPED: ${PDFLATEX} is not installed (Debian's texlive-latex-base; installed by .ci/run in CI)`,
  );
  return false;
}

/** What compiling a document gave: pdflatex's exit status, whether a PDF came out, its log's errors. */
export interface Compiled {
  readonly status: number | null;
  readonly pdf: boolean;
  /** The log's error lines (`! …` and the two lines after each), for a failing test's message. */
  readonly errors: string;
}

/** Compile a document with `pdflatex -interaction=nonstopmode -halt-on-error` in a fresh directory. */
export function compileLatex(tex: string, timeout = 60_000): Compiled {
  const dir = mkdtempSync(join(tmpdir(), 'noether-latex-'));
  try {
    writeFileSync(join(dir, 'doc.tex'), tex);
    const r = spawnSync(PDFLATEX, ['-interaction=nonstopmode', '-halt-on-error', 'doc.tex'], {
      cwd: dir,
      encoding: 'utf8',
      timeout,
    });
    const pdf = join(dir, 'doc.pdf');
    const log = existsSync(join(dir, 'doc.log')) ? readFileSync(join(dir, 'doc.log'), 'latin1') : r.stdout;
    const errors = log
      .split('\n')
      .flatMap((l, i, ls) => (l.startsWith('!') ? ls.slice(i, i + 3) : []))
      .join('\n');
    return { status: r.status, pdf: existsSync(pdf) && statSync(pdf).size > 0, errors };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
