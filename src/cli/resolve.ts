/** Turning a command-line reference into a declaration: a catalog name, a file path, or '-' (stdin). */
import { existsSync } from 'node:fs';
import { catalogNames, loadCatalog } from '../catalog';
import { loadDeclarationFile, parseDeclarationText } from '../declaration/load';
import { InputError, excerpt } from '../declaration/errors';
import type { Declaration } from '../declaration/types';
import { UsageError } from './errors';
import type { IO } from './io';

export function resolveDeclaration(ref: string, io: IO): Declaration {
  if (ref === '-') {
    if (!io.readStdin) throw new UsageError("'-' reads a declaration from standard input, and there is none");
    return parseDeclarationText(readStdin(io.readStdin), '<stdin>');
  }
  const looksLikePath = /[/\\]|\.(ya?ml|json)$/i.test(ref);
  if (!looksLikePath) {
    const d = loadCatalog(ref);
    if (d) return d;
    if (!existsSync(ref))
      throw new UsageError(
        `unknown symmetry '${excerpt(ref)}' (catalog: ${catalogNames().join(', ')}; or give a path to a ` +
          `declaration file)`,
      );
  }
  return loadDeclarationFile(ref);
}

/** Standard input, read through the IO; a failed read is an input error naming it (exit 2). */
function readStdin(read: () => string): string {
  try {
    return read();
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException)?.code;
    throw new InputError(
      '<stdin>',
      '',
      `cannot read (${code ?? excerpt(String((err as Error)?.message ?? err))})`,
    );
  }
}

/** The inputs of derive/check: at least one, '-' at most once. */
export function inputsOf(command: string, positionals: readonly string[]): readonly string[] {
  if (positionals.length === 0)
    throw new UsageError(`${command} needs a symmetry: a catalog name or a declaration file`);
  if (positionals.filter((p) => p === '-').length > 1)
    throw new UsageError("'-' (standard input) can be given once");
  return positionals;
}
