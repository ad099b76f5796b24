/**
 * Writing reports to stdout: one per input, a blank line between text reports, JSON records one
 * after another (a stream that `jq` reads as is), verdict words coloured on a terminal.
 */
import type { Format } from './args';
import type { IO } from './io';
import { useColour, colourVerdicts } from './term';

export interface Output {
  /** Write one report (without its final newline). */
  report(text: string, format: Format): void;
}

export function output(io: IO): Output {
  const colour = useColour(io);
  let count = 0;
  return {
    report(text, format) {
      const body = colour && format === 'text' ? colourVerdicts(text) : text;
      io.stdout(`${count++ > 0 && format !== 'json' ? '\n' : ''}${body}\n`);
    },
  };
}
