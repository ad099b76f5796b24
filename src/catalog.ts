/**
 * The built-in catalog: declaration files under catalog/, in the same format users write.
 * No catalog entry has a code path of its own.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadDeclarationFile, readDeclaration } from './declaration/load';
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
  if (!p) return undefined;
  const file = basename(p);
  const hit = parsedCatalog()?.[file];
  // The cached data serves only while the file still reads as the text it was parsed from.
  if (hit && readFileSync(p, 'utf8') === hit.text) return readDeclaration(hit.raw, `catalog/${file}`);
  return loadDeclarationFile(p, `catalog/${file}`);
}

/** A catalog file's text and its parsed data, as `npm run build` caches them (scripts/build-catalog.js). */
interface CachedEntry {
  readonly text: string;
  readonly raw: unknown;
}
let parsed: Readonly<Record<string, CachedEntry>> | null | undefined;

/**
 * The build's cache of the catalog's parsed files (dist/src/catalog.json), or null when there is
 * none (code run from source): a catalog command then starts without loading the YAML parser.
 */
function parsedCatalog(): Readonly<Record<string, CachedEntry>> | null {
  if (parsed === undefined) {
    try {
      parsed = JSON.parse(readFileSync(join(__dirname, 'catalog.json'), 'utf8')) as Record<
        string,
        CachedEntry
      >;
    } catch {
      parsed = null;
    }
  }
  return parsed;
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
