/**
 * `noether scan`: every symmetry site of an architecture, with the catalog symmetries that act
 * there and their laws.
 */
import { buildNetwork, type MlpSpec } from '../numeric/mlp';
import { siteGroups, type Site, type SiteGroup, type SiteKind } from '../numeric/sites';
import { describeGraphModel, graphOf, graphSiteGroups, type GraphModel } from '../numeric/graph/sites';
import { sizeOf } from '../numeric/graph/shape';
import { UserInputError } from '../numeric/errors';
import { describeSpec } from '../numeric/arbitraries';
import { catalogNames, loadCatalog } from './catalog';
import { derive } from './derive';
import { SCHEMA_VERSION } from './derivation';

/** The shape of each role of a site (e.g. `w_in: '5×1'`). */
export type RoleShapes = Readonly<Record<string, string>>;

/**
 * One site kind of a scanned architecture: its sites by place (with each role's shape) and the
 * symmetries acting there.
 */
export interface ScanKind {
  readonly kind: SiteKind;
  /** How many sites of this kind the architecture has. */
  readonly count: number;
  /** The sites by place (a hidden layer, the output layer): how many, and the shape of each role there. */
  readonly groups: readonly {
    readonly place: string;
    readonly count: number;
    readonly roles: RoleShapes;
    /** With a model: the tensors (state_dict keys) each role of the place's first site reads. */
    readonly tensors?: Readonly<Record<string, readonly string[]>>;
  }[];
  /** Labels of the first sites (all of them up to six; otherwise the first three and the last). */
  readonly labels: readonly string[];
  /** Every site, only when asked for ({@link ScanOptions.sites}). */
  readonly sites?: readonly { readonly label: string; readonly roles: RoleShapes }[];
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
  /** With a model: its file, and the tensor (its PyTorch state_dict key) each block is. */
  readonly model?: {
    readonly file: string;
    readonly tensors: readonly {
      readonly block: string;
      readonly name: string;
      readonly transposed: boolean;
    }[];
  };
  readonly siteKinds: readonly ScanKind[];
  /** How many conservation laws gradient flow has in all (`noether laws`; the CLI adds it). */
  readonly allLaws?: ArchLawCount;
}

/** The count of `noether laws --arch` for a scanned architecture, or why it was not made. */
export type ArchLawCount =
  | {
      readonly kind: 'counted';
      readonly lowerBound: number;
      readonly upperBound: number;
      readonly complete: boolean;
      /** Laws of degree > 2: charges of no linear symmetry, so of no catalog symmetry either. */
      readonly beyondLinearSymmetries: number;
    }
  | { readonly kind: 'not-counted'; readonly reason: string };

/** Options of {@link scan}. */
export interface ScanOptions {
  /** List every site (at most 100,000 in all); by default sites are counted by place. */
  readonly sites?: boolean;
  /** The model the spec was read from: its file and the tensor each block is. */
  readonly model?: {
    readonly file: string;
    readonly parameters: Readonly<Record<string, { readonly name: string; readonly transposed: boolean }>>;
  };
}

/** How many sites a scan lists one by one (`--sites`); counting them has no limit. */
export const SCAN_LIMITS = { sites: 100_000 } as const;

/** A scan that cannot list its sites: more than {@link SCAN_LIMITS.sites}. */
export class TooManySites extends UserInputError {
  override readonly name: string = 'TooManySites';
}

const shapes = (s: Site): RoleShapes =>
  Object.fromEntries(Object.entries(s.views).map(([r, v]) => [r, `${v.rows}×${v.cols}`]));

/**
 * Every symmetry site of an architecture, counted by kind and place, with the catalog symmetries
 * that act there and their laws. Only the sites shown are built (with `sites`, every one). An MLP
 * spec, or a graph model (a transformer block, a CNN, a residual MLP: numeric/graph/sites.ts).
 * The public entry point exports a wrapper that loads this module on first call.
 */
export function scan(spec: MlpSpec | GraphModel, opts: ScanOptions = {}): ScanReport {
  if ('kind' in spec) {
    const g = graphOf(spec);
    const blocks = g.params.map((p) => ({ name: p.name, offset: p.offset, size: sizeOf(p.shape) }));
    return scanSites(describeGraphModel(spec), g.size, graphSiteGroups(spec, g), blocks, opts);
  }
  const net = buildNetwork(spec);
  const blocks = net.blocks.map((b) => ({ name: b.name, offset: b.offset, size: b.rows * b.cols }));
  return scanSites(describeSpec(spec), net.size, siteGroups(net), blocks, opts);
}

function scanSites(
  architecture: string,
  parameters: number,
  groups: readonly SiteGroup[],
  blocks: readonly { readonly name: string; readonly offset: number; readonly size: number }[],
  opts: ScanOptions,
): ScanReport {
  // In the order they first occur, layer by layer.
  const kinds = [...new Set(groups.map((g) => g.kind))];
  const ofKind = (k: SiteKind): SiteGroup[] => groups.filter((g) => g.kind === k);
  const countOf = (k: SiteKind): number => ofKind(k).reduce((s, g) => s + g.count, 0);
  const siteOf = (k: SiteKind, i: number): Site => {
    let rest = i;
    for (const g of ofKind(k)) {
      if (rest < g.count) return g.site(rest);
      rest -= g.count;
    }
    throw new RangeError(`${k} site ${i} of ${countOf(k)}`);
  };
  const total = kinds.reduce((s, k) => s + countOf(k), 0);
  if (opts.sites && total > SCAN_LIMITS.sites)
    throw new TooManySites(
      `${architecture} has ${total} symmetry sites, too many to list (the limit for --sites is ` +
        `${SCAN_LIMITS.sites}); without --sites they are counted by layer`,
    );
  const model = opts.model;
  // The tensors a site's roles read: the blocks their indices fall in, by the model's names.
  const tensorsOf = model
    ? (s: Site): Record<string, string[]> =>
        Object.fromEntries(
          Object.entries(s.views).map(([role, v]) => [
            role,
            blocks
              .filter((b) => v.index.some((i) => i >= b.offset && i < b.offset + b.size))
              .map((b) => model.parameters[b.name]!.name),
          ]),
        )
    : undefined;
  const catalog = catalogNames()
    .map((n) => loadCatalog(n)!)
    .filter((d) => d.kind === 'block' || d.kind === 'block-mirror');
  return {
    kind: 'scan-report',
    schemaVersion: SCHEMA_VERSION,
    architecture,
    parameters,
    ...(model
      ? {
          model: {
            file: model.file,
            tensors: blocks.map((b) => ({
              block: b.name,
              name: model.parameters[b.name]!.name,
              transposed: model.parameters[b.name]!.transposed,
            })),
          },
        }
      : {}),
    siteKinds: kinds.map((kind) => {
      const count = countOf(kind);
      const shown = count <= 6 ? [...Array(count).keys()] : [0, 1, 2, count - 1];
      const all = function* (): Generator<Site> {
        for (const g of ofKind(kind)) for (let i = 0; i < g.count; i++) yield g.site(i);
      };
      return {
        kind,
        count,
        groups: ofKind(kind).map((g) => ({
          place: g.place,
          count: g.count,
          roles: shapes(g.site(0)),
          ...(tensorsOf ? { tensors: tensorsOf(g.site(0)) } : {}),
        })),
        labels: shown.map((i) => siteOf(kind, i).label),
        ...(opts.sites ? { sites: [...all()].map((s) => ({ label: s.label, roles: shapes(s) })) } : {}),
        symmetries: catalog
          .filter((d) => (d.kind === 'block' || d.kind === 'block-mirror') && d.sites.includes(kind))
          .map((d) => ({
            name: d.name,
            laws: derive(d).laws.map((l) => ({ id: l.id, statement: l.statement.text })),
          })),
      };
    }),
  };
}
