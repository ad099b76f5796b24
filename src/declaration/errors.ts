/** Input errors: one line naming what is wrong and where. The CLI maps them to exit code 2. */
import type { Loc } from './types';
import { UserInputError } from '../../numeric/errors';

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
