/**
 * Terminal niceties: verdict colours on a terminal (NO_COLOR honoured, FORCE_COLOR forces them),
 * and a progress line on stderr for work that takes more than about two seconds.
 */
import type { IO } from './io';

const COLOURS: Readonly<Record<string, string>> = {
  proved: '\x1b[32m',
  'numerically verified': '\x1b[36m',
  refuted: '\x1b[31m',
  inconclusive: '\x1b[33m',
};
const RESET = '\x1b[0m';

/** Whether to colour stdout: a terminal without NO_COLOR, or FORCE_COLOR set. */
export function useColour(io: IO): boolean {
  const env = io.env ?? {};
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0') return true;
  return io.isTTY?.stdout ?? false;
}

/** Colour the verdict word of `verdict:`, `derivation:` and `overall:` lines of a text report. */
export function colourVerdicts(text: string): string {
  return text.replace(
    /^(\s*(?:verdict|overall|derivation): )(proved|numerically verified|refuted|inconclusive)/gm,
    (_, lead: string, word: string) => `${lead}${COLOURS[word]}${word}${RESET}`,
  );
}

/** Receives progress from long runs: `done` of `total` steps, with a label for the current part. */
export type ProgressSink = (done: number, total: number, label: string) => void;

/**
 * A progress reporter on stderr: silent for the first two seconds; then, on a terminal, one line
 * redrawn in place (at most every 200 ms), otherwise (only with --progress) a line every two
 * seconds. `end()` clears the terminal line.
 */
export function progressReporter(io: IO, forced: boolean): { sink: ProgressSink; end: () => void } {
  const tty = io.isTTY?.stderr ?? false;
  if (!tty && !forced) return { sink: () => undefined, end: () => undefined };
  const now = io.now ?? Date.now;
  const start = now();
  let last = -Infinity;
  let drawn = false;
  const sink: ProgressSink = (done, total, label) => {
    const t = now();
    if (t - start < 2000 || t - last < (tty ? 200 : 2000)) return;
    last = t;
    const pct = total > 0 ? Math.floor((100 * done) / total) : 0;
    const line = `noether: ${label} ${done}/${total} (${pct}%), ${((t - start) / 1000).toFixed(0)} s`;
    if (tty) {
      io.stderr(`\r\x1b[2K${line}`);
      drawn = true;
    } else io.stderr(`${line}\n`);
  };
  return {
    sink,
    end: () => {
      if (drawn) io.stderr('\r\x1b[2K');
    },
  };
}
