/**
 * The built-in catalog: declaration files under catalog/, in the same format users write.
 * No catalog entry has a code path of its own.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadDeclarationFile } from './declaration/load';
import type { Declaration } from './declaration/types';
import type { SCHEMA_VERSION } from './derivation';

/** The catalog folder, found from this module whether run from src/ (ts) or dist/src/ (js). */
export function catalogDir(): string {
  for (const up of ['..', '../..']) {
    const dir = resolve(__dirname, up, 'catalog');
    if (existsSync(dir)) return dir;
  }
  throw new Error('catalog folder not found next to the package');
}

/**
 * The names of the built-in catalog's declarations (the files under the package's `catalog/`), sorted:
 * what `noether list` shows and {@link loadCatalog} takes.
 */
export function catalogNames(): string[] {
  return readdirSync(catalogDir())
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .map((f) => f.replace(/\.(ya?ml|json)$/, ''))
    .sort();
}

export function catalogPath(name: string): string | undefined {
  const dir = catalogDir();
  for (const ext of ['yaml', 'yml', 'json']) {
    const p = join(dir, `${name}.${ext}`);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Load a built-in catalog declaration by name (see {@link catalogNames}): the same files users
 * write, shipped with the package under `catalog/`.
 *
 * @param name - A catalog name, e.g. `'rescale'`, `'scale'`, `'translation'`, `'mirror-sign-flip'`.
 * @returns The declaration, or `undefined` when the catalog has no such name.
 *
 * @example
 * ```ts
 * import { catalogNames, derive, loadCatalog } from 'noether';
 * catalogNames().includes('rescale'); // true
 * const decl = loadCatalog('rescale')!;
 * decl.kind; // 'block'
 * derive(decl).verdict.kind; // 'proved'
 * ```
 */
export function loadCatalog(name: string): Declaration | undefined {
  const p = catalogPath(name);
  return p ? loadDeclarationFile(p, `catalog/${basename(p)}`) : undefined;
}

/** What `noether list --format json` prints: the catalog's entries. */
export interface CatalogListing {
  readonly kind: 'catalog';
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly entries: readonly {
    readonly name: string;
    readonly kind: Declaration['kind'];
    readonly description: string;
    readonly source: string;
  }[];
}
