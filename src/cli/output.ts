/**
 * Writing reports to stdout: one per input, a blank line between text reports, JSON records one
 * after another (a stream that `jq` reads as is), verdict words coloured on a terminal.
 */
import type { Format } from './args';
import type { IO } from './io';
import { useColour, colourVerdicts } from './term';
import { latexDocument } from '../render/latexDocument';

export interface Output {
  /** Write one report (without its final newline). */
  report(text: string, format: Format): void;
  /** After the last report: a standalone document is written now, whole. */
  finish(): void;
}

/**
 * Reports to stdout as they come; with `standalone` (--standalone, LaTeX only) they are kept and
 * written at {@link Output.finish} as one document with its preamble and bibliography.
 */
export function output(io: IO, standalone = false): Output {
  const colour = useColour(io);
  let count = 0;
  const kept: string[] = [];
  return {
    report(text, format) {
      if (standalone) {
        kept.push(text);
        return;
      }
      const body = colour && format === 'text' ? colourVerdicts(text) : text;
      io.stdout(`${count++ > 0 && format !== 'json' ? '\n' : ''}${body}\n`);
    },
    finish() {
      if (standalone && kept.length) io.stdout(`${latexDocument(kept)}\n`);
    },
  };
}
