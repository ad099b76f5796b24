/**
 * The CLI's view of the outside world: output streams, standard input, whether the streams are
 * terminals, and the environment. Tests pass plain functions; src/bin.ts passes the process's.
 */
export interface IO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Standard input, read whole (for `-`); absent when there is none. */
  readonly readStdin?: () => string;
  /** Whether stdout / stderr are terminals (colours, progress). Default: neither. */
  readonly isTTY?: { readonly stdout: boolean; readonly stderr: boolean };
  /** Environment variables the CLI reads (NO_COLOR, FORCE_COLOR). Default: none set. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Milliseconds since some origin (progress timing). Default: Date.now. */
  readonly now?: () => number;
}

/** Exit codes: what a CI can rely on. */
export const EXIT = {
  /** Every law holds: proved or numerically verified. */
  ok: 0,
  /** A law was refuted. */
  refuted: 1,
  /** Usage, input, path or I/O error. */
  input: 2,
  /** A bug in the toolkit. */
  internal: 3,
  /** No law was refuted but at least one is inconclusive. */
  inconclusive: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The worst of several exit codes: refuted over inconclusive over ok (input and internal errors end a run). */
export function worstExit(codes: readonly ExitCode[]): ExitCode {
  const order: readonly ExitCode[] = [EXIT.internal, EXIT.input, EXIT.refuted, EXIT.inconclusive, EXIT.ok];
  return order.find((c) => codes.includes(c)) ?? EXIT.ok;
}
