/** `noether list`: the built-in catalog. */
import { catalogNames, loadCatalog, type CatalogListing } from '../../catalog';
import { SCHEMA_VERSION } from '../../derivation';
import { formatOption, type Parsed } from '../args';
import { UsageError } from '../errors';
import { excerpt } from '../../declaration/errors';
import { EXIT, type ExitCode, type IO } from '../io';

export function listCommand(p: Parsed, io: IO): ExitCode {
  const format = formatOption('list', p);
  if (p.positionals.length)
    throw new UsageError(`list takes no arguments, got '${excerpt(p.positionals[0]!)}'`);
  const entries = catalogNames().map((n) => {
    const d = loadCatalog(n)!;
    return { name: n, kind: d.kind, description: d.description, source: d.source ?? '' };
  });
  if (format === 'json') {
    const listing: CatalogListing = { kind: 'catalog', schemaVersion: SCHEMA_VERSION, entries };
    io.stdout(JSON.stringify(listing, null, 2) + '\n');
  } else {
    const w = Math.max(...entries.map((e) => e.name.length));
    io.stdout(
      entries
        .map((e) => `${e.name.padEnd(w)}  ${e.description}${e.source ? `  [${e.source}]` : ''}`)
        .join('\n') + '\n',
    );
  }
  return EXIT.ok;
}
