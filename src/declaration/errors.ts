/** Input errors: one line naming what is wrong and where. The CLI maps them to exit code 2. */
import type { Loc } from './types';
import { UserInputError } from '../../numeric/errors';

/**
 * A declaration (or a request about one) that cannot be honoured: the message is one line naming
 * the origin (file), line and column where known, the field and what is wrong. The CLI exits 2.
 */
export class InputError extends UserInputError {
  override readonly name: string = 'InputError';
  constructor(
    readonly origin: string,
    readonly field: string,
    readonly detail: string,
    readonly at?: Loc,
  ) {
    super(`${origin}${at ? `:${at.line}:${at.column}` : ''}: ${field ? `${field}: ` : ''}${detail}`);
  }
}
