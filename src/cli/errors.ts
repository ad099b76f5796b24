/** A command line the CLI cannot honour: exit 2 with the message. */
import { UserInputError } from '../../numeric/errors';

export class UsageError extends UserInputError {
  override readonly name: string = 'UsageError';
}
