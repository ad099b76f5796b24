/** Verdicts to exit codes and summary lines. */
import type { Verdict } from '../verdict';
import { verdictWord } from '../render';
import { EXIT, type ExitCode } from './io';

export function exitFor(v: Verdict): ExitCode {
  switch (v.kind) {
    case 'refuted':
      return EXIT.refuted;
    case 'inconclusive':
      return EXIT.inconclusive;
    default:
      return EXIT.ok;
  }
}

/** The one line --quiet prints per input. */
export const summaryLine = (name: string, v: Verdict): string => `${name}: ${verdictWord(v)}\n`;
