/** Input errors: one line naming what is wrong and where. The CLI maps them to exit code 2. */
import type { Loc } from './types';

export class InputError extends Error {
  constructor(
    readonly origin: string,
    readonly field: string,
    readonly detail: string,
    readonly at?: Loc,
  ) {
    super(`${origin}${at ? `:${at.line}:${at.column}` : ''}: ${field ? `${field}: ` : ''}${detail}`);
    this.name = 'InputError';
  }
}
