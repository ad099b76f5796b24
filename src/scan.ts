/**
 * `noether scan`: every symmetry site of an architecture, with the catalog symmetries that act
 * there and their laws.
 */
import { buildNetwork, type MlpSpec } from '../numeric/mlp';
import { sites, type SiteKind } from '../numeric/sites';
import { describeSpec } from '../numeric/arbitraries';
import { catalogNames, loadCatalog } from './catalog';
import { derive } from './derive';
import { SCHEMA_VERSION } from './derivation';

/** One site kind of a scanned architecture: its sites (with each role's shape) and the symmetries acting there. */
export interface ScanKind {
  readonly kind: SiteKind;
  readonly sites: readonly { readonly label: string; readonly roles: Readonly<Record<string, string>> }[];
  readonly symmetries: readonly {
    readonly name: string;
    readonly laws: readonly { readonly id: string; readonly statement: string }[];
  }[];
}

/** What {@link scan} (and `noether scan`) reports for an architecture: its size and every site kind found. */
export interface ScanReport {
  readonly kind: 'scan-report';
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly architecture: string;
  readonly parameters: number;
  readonly siteKinds: readonly ScanKind[];
}

/**
 * Every symmetry site of an architecture, with the catalog symmetries that act there and their laws.
 * The public entry point exports a wrapper that loads this module on first call.
 */
export function scan(spec: MlpSpec): ScanReport {
  const net = buildNetwork(spec);
  const all = sites(net);
  const catalog = catalogNames()
    .map((n) => loadCatalog(n)!)
    .filter((d) => d.kind === 'block');
  const kinds = [...new Set(all.map((s) => s.kind))];
  return {
    kind: 'scan-report',
    schemaVersion: SCHEMA_VERSION,
    architecture: describeSpec(spec),
    parameters: net.size,
    siteKinds: kinds.map((kind) => ({
      kind,
      sites: all
        .filter((s) => s.kind === kind)
        .map((s) => ({
          label: s.label,
          roles: Object.fromEntries(Object.entries(s.views).map(([r, v]) => [r, `${v.rows}×${v.cols}`])),
        })),
      symmetries: catalog
        .filter((d) => d.kind === 'block' && d.sites.includes(kind))
        .map((d) => ({
          name: d.name,
          laws: derive(d).laws.map((l) => ({ id: l.id, statement: l.statement.text })),
        })),
    })),
  };
}
