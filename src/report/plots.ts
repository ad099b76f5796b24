/**
 * The report's plots as Vega-Lite specifications, rendered to SVG without a browser by Vega's
 * headless view (no canvas: text widths are estimated). Each plot comes with the rows it was drawn
 * from, written next to the report as CSV. Specifications are built here from the toolkit's own
 * records; nothing a user typed is ever compiled as a Vega expression (labels go in as data or as
 * plain title strings).
 */

/** One row of a plot's data: named numbers and strings. */
export type Row = Readonly<Record<string, number | string | boolean | null>>;

/** A plot: its file-safe name, caption, the Vega-Lite specification (without data) and its rows. */
export interface Plot {
  readonly kind: 'plot';
  /** File-safe, unique within a report (the CSV is `<report>.<name>.csv`). */
  readonly name: string;
  readonly title: string;
  /** What the plot shows and how to read it. */
  readonly caption: string;
  readonly spec: Readonly<Record<string, unknown>>;
  readonly rows: readonly Row[];
  /** Metadata written at the head of the CSV (architecture, site, rule, seed, data set, …). */
  readonly meta: Readonly<Record<string, string>>;
}

/** A plot rendered: the plot and its SVG text. */
export interface RenderedPlot {
  readonly plot: Plot;
  readonly svg: string;
}

/** What the report uses of Vega's view (a view built with no renderer, drawn by the string renderer). */
interface VegaView {
  run(): VegaView;
  padding(): { left: number; right: number; top: number; bottom: number };
  loader(): unknown;
  background(): unknown;
  scenegraph(): { root: unknown };
  finalize(): void;
  readonly _viewWidth: number;
  readonly _viewHeight: number;
  readonly _origin: readonly [number, number];
}
interface VegaModule {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, opts: { renderer: string }) => VegaView;
  SVGStringRenderer: new (loader: unknown) => {
    initialize(
      el: null,
      w: number,
      h: number,
      origin: readonly number[],
      scale: number,
    ): { background(b: unknown): void };
    render(root: unknown): void;
    svg(): string;
  };
}
interface VegaLiteModule {
  compile(spec: unknown): { spec: unknown };
}

/**
 * Render plots to SVG (Vega and Vega-Lite are loaded on first use). Synchronous: the view's
 * dataflow is run in place (all data is inline) and drawn by Vega's SVG string renderer with the
 * size and origin `View.toSVG` would give it — a test holds the two byte-identical.
 */
export function renderPlots(plots: readonly Plot[]): RenderedPlot[] {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const vega = require('vega') as VegaModule;
  const vl = require('vega-lite') as VegaLiteModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return plots.map((plot) => {
    const view = new vega.View(vega.parse(vl.compile(vegaLiteSpec(plot)).spec), { renderer: 'none' }).run();
    const p = view.padding();
    const r = new vega.SVGStringRenderer(view.loader());
    r.initialize(
      null,
      view._viewWidth + p.left + p.right,
      view._viewHeight + p.top + p.bottom,
      [p.left + view._origin[0], p.top + view._origin[1]],
      1,
    ).background(view.background());
    r.render(view.scenegraph().root);
    const svg = r.svg();
    view.finalize();
    return { plot, svg };
  });
}

/** A plot's complete Vega-Lite specification: its spec, its rows inline, the report's look. */
export function vegaLiteSpec(plot: Plot): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...plot.spec,
    data: { values: plot.rows.map((r) => ({ ...r })) },
    config: CONFIG,
  };
}

/** One look for every plot: readable axes, no chart border. */
const CONFIG = {
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridOpacity: 0.5 },
  legend: { labelFontSize: 11, titleFontSize: 12, orient: 'bottom', labelLimit: 400 },
  title: { fontSize: 13, anchor: 'start' },
  header: { labelFontSize: 11, titleFontSize: 12 },
  view: { stroke: '#ccc' },
} as const;

/** Rows as CSV: `# key: value` metadata lines, a header, then the rows (RFC 4180 quoting). */
export function plotCsv(p: Plot): string {
  const cols = [...new Set(p.rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const meta = Object.entries({ plot: p.title, ...p.meta }).map(
    ([k, v]) => `# ${k}: ${v.replace(/[\r\n]+/g, ' ')}`,
  );
  return (
    [...meta, cols.map(cell).join(','), ...p.rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join(
      '\n',
    ) + '\n'
  );
}
