/** Input errors: one line naming what is wrong and where. The CLI maps them to exit code 2. */
import type { Loc } from './types';
import { UserInputError } from '../../numeric/errors';

/** C0 and C1 control characters and DEL. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * A short excerpt of user text for a message: at most `max` characters (the rest replaced by
 * `…`), line breaks shown as spaces, other control characters escaped (`\u001b`). Messages quote
 * input through this, never whole.
 */
export function excerpt(text: string, max = 40): string {
  const one = printable(text.replace(/\s*[\r\n]+\s*/g, ' '));
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

/** User text for a terminal: control characters (a NUL, a terminal escape) shown escaped, never sent. */
export const printable = (text: string): string =>
  text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** A file name for a message: its last `max` characters when longer (the name is at the end). */
function clipOrigin(origin: string, max = 120): string {
  return origin.length > max ? `…${origin.slice(origin.length - max)}` : origin;
}

/**
 * A declaration (or a request about one) that cannot be honoured: the message is one line naming
 * the origin (file), line and column where known, the field and what is wrong. The CLI exits 2.
 * The origin and field are cut short when long (a field path holds the user's keys).
 */
export class InputError extends UserInputError {
  override readonly name: string = 'InputError';
  constructor(
    readonly origin: string,
    readonly field: string,
    readonly detail: string,
    readonly at?: Loc,
  ) {
    const where = `${clipOrigin(origin)}${at ? `:${at.line}:${at.column}` : ''}`;
    super(`${where}: ${field ? `${excerpt(field, 80)}: ` : ''}${detail}`);
  }
}

/** Why a file could not be read, in words, for the common errno codes (undefined for others). */
export function readFailure(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const detail: Readonly<Record<string, string>> = {
    ENOENT: 'no such file',
    EISDIR: 'is a directory',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOTDIR: 'a part of the path is not a directory',
    ENAMETOOLONG: 'the path is too long',
  };
  return code !== undefined && Object.hasOwn(detail, code) ? detail[code] : undefined;
}
