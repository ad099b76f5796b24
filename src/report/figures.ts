/**
 * The report's figures, each built from one record: a training run's charges (measured against the
 * law's forward prediction, per site and summed per layer), its gaps and loss, a heat map of every
 * site; the convergence orders of a rule's continuous forms; a mirror's threshold against observed
 * collapse.
 */
import type { OrderReport } from '../check/order';
import type { NetworkCollapseReport } from '../mirror/threshold';
import type { Plot, Row } from './plots';
import type { TrainingRun } from './train';

/** At most this many records per curve (evenly thinned, the last kept). */
const MAX_POINTS = 100;
/** Sites drawn one panel each; the heat map shows them all. */
const MAX_PANELS = 12;
/** Gaps below this are drawn at it on log axes (a relative gap of exactly 0 has no logarithm). */
const GAP_FLOOR = 1e-18;

const thin = (n: number): number[] => {
  const step = Math.max(1, Math.ceil(n / MAX_POINTS));
  const idx = Array.from({ length: Math.ceil(n / step) }, (_, i) => i * step);
  if (idx.at(-1) !== n - 1) idx.push(n - 1);
  return idx;
};

const runMeta = (r: TrainingRun, what: string): Record<string, string> => ({
  symmetry: r.symmetry,
  architecture: r.architecture,
  rule: r.rule,
  seed: String(r.seed),
  'data set': r.source,
  batch: r.fullBatch ? `full (${r.batchSize} rows)` : `minibatch of ${r.batchSize} rows`,
  content: what,
});

const axisTitle = (r: TrainingRun): string => (r.axis === 'time' ? 'time t' : 'step k');
const runLabel = (r: TrainingRun): string =>
  `${r.symmetry} · ${r.rule} · ${r.data} ${r.fullBatch ? 'full batch' : `batch ${r.batchSize}`} · seed ${r.seed}`;

const MEASURED = 'measured';
const PREDICTED = 'predicted from Q₀';
const UNDRIVEN = 'without driving term';

/** The curves of one series (or a sum of series) as rows. */
function curveRows(
  r: TrainingRun,
  panel: string,
  obs: readonly number[],
  pre: readonly number[],
  und: readonly number[],
): Row[] {
  const rows: Row[] = [];
  for (const k of thin(obs.length)) {
    const at = r.at[k]!;
    rows.push({ panel, [r.axis]: at, curve: MEASURED, Q: obs[k]! });
    if (pre.length) rows.push({ panel, [r.axis]: at, curve: PREDICTED, Q: pre[k]! });
    if (und.length) rows.push({ panel, [r.axis]: at, curve: UNDRIVEN, Q: und[k]! });
  }
  return rows;
}

const curveEncoding = (r: TrainingRun) => ({
  x: { field: r.axis, type: 'quantitative', title: axisTitle(r) },
  y: { field: 'Q', type: 'quantitative', title: 'charge Q', scale: { zero: false } },
  color: {
    field: 'curve',
    type: 'nominal',
    title: null,
    scale: { domain: [MEASURED, PREDICTED, UNDRIVEN], range: ['#1f77b4', '#d62728', '#7f7f7f'] },
  },
  strokeDash: {
    field: 'curve',
    type: 'nominal',
    title: null,
    scale: {
      domain: [MEASURED, PREDICTED, UNDRIVEN],
      range: [
        [1, 0],
        [6, 3],
        [2, 2],
      ],
    },
  },
});

/** Each site's charge measured against its forward prediction, small multiples (the first sites). */
export function chargesPlot(r: TrainingRun, name: string): Plot {
  const shown = r.series.slice(0, MAX_PANELS);
  return {
    kind: 'plot',
    name,
    title: `Charges per site, measured vs predicted — ${runLabel(r)}`,
    caption:
      `Each panel is one site (${shown.length} of ${r.series.length} shown; the CSV holds every site). ` +
      (r.law.kind === 'law'
        ? 'Blue: the charge measured on the parameters; red dashed: the derived law run forward from the initial ' +
          'value alone' +
          (r.driving ? `, driven by ${r.driving}` : '') +
          (r.series.some((s) => s.undriven.length)
            ? '; grey dotted: the same law without its driving term.'
            : '.')
        : `Measured only: ${r.law.reason}.`),
    spec: {
      transform: [{ filter: { field: 'panel', oneOf: shown.map((s) => s.site) } }],
      facet: { field: 'panel', type: 'nominal', title: null, sort: shown.map((s) => s.site) },
      columns: 4,
      spec: { width: 170, height: 120, mark: { type: 'line', strokeWidth: 1.6 }, encoding: curveEncoding(r) },
      resolve: { scale: { y: 'independent' } },
    },
    rows: r.series.flatMap((s) => curveRows(r, s.site, s.observed, s.predicted, s.undriven)),
    meta: runMeta(r, 'charge per site: measured, predicted from Q0, without driving term'),
  };
}

/** The series of a run grouped by site kind and layer, each group summed record by record. */
function layerSums(
  r: TrainingRun,
): { key: string; sites: number; obs: number[]; pre: number[]; und: number[] }[] {
  const groups = new Map<string, TrainingRun['series'][number][]>();
  for (const s of r.series) {
    const key = `${s.kind}, ${s.layer}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const sum = (xs: readonly (readonly number[])[]): number[] =>
    xs.length === 0 || xs[0]!.length === 0 ? [] : xs[0]!.map((_, k) => xs.reduce((a, x) => a + x[k]!, 0));
  return [...groups].map(([key, ss]) => ({
    key,
    sites: ss.length,
    obs: sum(ss.map((s) => s.observed)),
    pre: sum(ss.map((s) => s.predicted)),
    und: sum(ss.map((s) => s.undriven)),
  }));
}

const layerSpec = (r: TrainingRun, columns: number) => ({
  facet: { field: 'panel', type: 'nominal', title: null, sort: null },
  columns,
  spec: { width: 220, height: 150, mark: { type: 'line', strokeWidth: 1.6 }, encoding: curveEncoding(r) },
  resolve: { scale: { y: 'independent' } },
});

/** The charges summed over each layer (and site kind), measured against the summed predictions. */
export function layersPlot(r: TrainingRun, name: string): Plot {
  const rows = layerSums(r).flatMap((g) => curveRows(r, `${g.key} (${g.sites} sites)`, g.obs, g.pre, g.und));
  return {
    kind: 'plot',
    name,
    title: `Charges summed per layer — ${runLabel(r)}`,
    caption:
      'The sum of the per-site charges over each layer and site kind, measured (blue) against the sum of their ' +
      'forward predictions (red dashed).',
    spec: layerSpec(r, 3),
    rows,
    meta: runMeta(r, 'charge summed per layer and site kind'),
  };
}

/**
 * Several symmetries trained alike (same network, data, rule, batch, seed): every symmetry's charges
 * summed per layer, one panel each — the per-layer view of measured against predicted in one figure.
 */
export function symmetriesPlot(runs: readonly TrainingRun[], name: string): Plot {
  const r = runs[0]!;
  const rows = runs.flatMap((run) =>
    layerSums(run).flatMap((g) =>
      curveRows(run, `${run.symmetry}: ${g.key} (${g.sites})`, g.obs, g.pre, g.und),
    ),
  );
  return {
    kind: 'plot',
    name,
    title: `Every symmetry's charges per layer — ${r.architecture} · ${r.rule} · ${r.data} ${
      r.fullBatch ? 'full batch' : `batch ${r.batchSize}`
    } · seed ${r.seed}`,
    caption:
      `${runs.map((x) => x.symmetry).join(', ')} on one network trained once per symmetry with the same seed: ` +
      "each panel sums one symmetry's charges over a layer, measured (blue) against the derived law run forward " +
      'from the initial values (red dashed) and without its driving term (grey dotted).',
    spec: layerSpec(r, 3),
    rows,
    meta: {
      ...runMeta(r, 'charge summed per layer, every symmetry'),
      symmetry: runs.map((x) => x.symmetry).join(' '),
    },
  };
}

/** Every site's relative gap |measured − predicted| / max |measured| along the run (log scale). */
export function gapPlot(r: TrainingRun, name: string): Plot {
  const rows: Row[] = [];
  for (const s of r.series)
    for (const k of thin(s.gaps.length))
      rows.push({ site: s.site, layer: s.layer, [r.axis]: r.at[k]!, gap: Math.max(s.gaps[k]!, GAP_FLOOR) });
  return {
    kind: 'plot',
    name,
    title: `Relative gap between measured and predicted charge — ${runLabel(r)}`,
    caption:
      '|Q_measured − Q_predicted| / max |Q_measured| (matrices: Frobenius norms) per site (one line each, ' +
      `coloured by layer), on a log scale; gaps below ${GAP_FLOOR} are drawn at it. ` +
      (r.law.kind === 'law' && r.law.form === 'oscillator'
        ? 'The oscillator is the continuous limit of the steps: its gap is first order in η.'
        : r.law.kind === 'law' && r.law.form === 'decay'
          ? "The flow is integrated numerically: the gap is the integrator's error."
          : 'The law is exact: rounding alone gives about 1e-16 per step.'),
    spec: {
      width: 520,
      height: 220,
      mark: { type: 'line', strokeWidth: 1, opacity: 0.7 },
      encoding: {
        x: { field: r.axis, type: 'quantitative', title: axisTitle(r) },
        y: { field: 'gap', type: 'quantitative', title: 'relative gap', scale: { type: 'log' } },
        color: { field: 'layer', type: 'nominal', title: null },
        detail: { field: 'site', type: 'nominal' },
      },
    },
    rows,
    meta: runMeta(r, 'relative gap per site'),
  };
}

/** Every site's change of charge since the start, relative to its size, as a heat map over the run. */
export function heatmapPlot(r: TrainingRun, name: string): Plot {
  const rows: Row[] = [];
  const idx = thin(r.at.length);
  const cols = idx.length <= 40 ? idx : idx.filter((_, i) => i % Math.ceil(idx.length / 40) === 0);
  const field = '(Q − Q₀) / max|Q|';
  for (const s of r.series) {
    const scale = Math.max(...s.observed.map(Math.abs), 1e-300);
    for (const k of cols)
      rows.push({ site: s.site, [r.axis]: r.at[k]!, [field]: (s.observed[k]! - s.observed[0]!) / scale });
  }
  const ticks = cols.filter((_, i) => i % Math.ceil(cols.length / 10) === 0).map((k) => r.at[k]!);
  return {
    kind: 'plot',
    name,
    title: `Every site's charge over the run — ${runLabel(r)}`,
    caption:
      'One row per site: how far the measured charge has moved from its initial value, relative to its largest ' +
      'magnitude over the run (0: conserved; weight decay and the step-size term move it).',
    spec: {
      width: 520,
      height: { step: Math.max(4, Math.min(14, Math.floor(360 / r.series.length))) },
      mark: 'rect',
      encoding: {
        x: { field: r.axis, type: 'ordinal', title: axisTitle(r), axis: { values: ticks, labelAngle: 0 } },
        y: { field: 'site', type: 'nominal', title: null, sort: r.series.map((s) => s.site) },
        color: { field, type: 'quantitative', scale: { scheme: 'redblue', domainMid: 0, reverse: true } },
      },
    },
    rows,
    meta: runMeta(r, 'change of the charge per site since the start, divided by its largest magnitude'),
  };
}

/** Loss and accuracy on the whole data set along the run. */
export function lossPlot(r: TrainingRun, name: string): Plot {
  const rows: Row[] = thin(r.at.length).flatMap((k) => [
    { [r.axis]: r.at[k]!, measure: 'loss', value: r.loss[k]! },
    { [r.axis]: r.at[k]!, measure: 'accuracy', value: r.accuracy[k]! },
  ]);
  return {
    kind: 'plot',
    name,
    title: `Training loss and accuracy — ${runLabel(r)}`,
    caption: 'Cross-entropy (or squared-error) loss and accuracy on the whole data set after each record.',
    spec: {
      facet: { field: 'measure', type: 'nominal', title: null },
      spec: {
        width: 240,
        height: 140,
        mark: 'line',
        encoding: {
          x: { field: r.axis, type: 'quantitative', title: axisTitle(r) },
          y: { field: 'value', type: 'quantitative', title: null },
        },
      },
      resolve: { scale: { y: 'independent' } },
    },
    rows,
    meta: runMeta(r, 'loss and accuracy on the whole data set'),
  };
}

/** Least-squares slope of log error against log η over the usable points. */
export function logSlope(
  etas: readonly number[],
  errors: readonly number[],
  floor: number,
): number | undefined {
  const pts = etas
    .map((e, i) => [Math.log(e), Math.log(errors[i]!)] as const)
    .filter((_, i) => errors[i]! > floor);
  if (pts.length < 2) return undefined;
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  const sxy = pts.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const sxx = pts.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return sxy / sxx;
}

/** The convergence orders: error at time T against η on log-log axes, with the fitted slopes. */
export function orderPlot(o: OrderReport, meta: Record<string, string>, name: string): Plot {
  const series =
    o.kind === 'sgd'
      ? [
          { label: 'gradient flow', errors: o.flowErrors, expected: 1 },
          { label: 'modified flow', errors: o.modifiedErrors, expected: 2 },
        ]
      : [{ label: 'oscillator limit', errors: o.modifiedErrors, expected: 2 }];
  const rows: Row[] = [];
  for (const s of series) {
    const slope = logSlope(o.etas, s.errors, o.floor);
    const label = `${s.label}: slope ${slope === undefined ? '—' : slope.toFixed(2)} (order ${s.expected})`;
    o.etas.forEach((eta, i) => {
      if (s.errors[i]! > o.floor) rows.push({ eta, error: s.errors[i]!, against: label });
    });
  }
  return {
    kind: 'plot',
    name,
    title: `Convergence order of the continuous forms — ${o.architecture}, ${o.site}`,
    caption:
      `|Q after time T = ${o.time} under discrete steps − Q under the continuous form| against the step size η, ` +
      `log-log; the fitted slope is the measured order. Errors below the rounding floor ${o.floor.toExponential(1)} ` +
      'are left out.',
    spec: {
      width: 420,
      height: 260,
      layer: [{ mark: { type: 'line', point: true } }],
      encoding: {
        x: { field: 'eta', type: 'quantitative', title: 'step size η', scale: { type: 'log' } },
        y: {
          field: 'error',
          type: 'quantitative',
          title: '|Q_discrete(T) − Q_continuous(T)|',
          scale: { type: 'log' },
        },
        color: { field: 'against', type: 'nominal', title: null },
      },
    },
    rows,
    meta: {
      ...meta,
      site: o.site,
      architecture: o.architecture,
      content: 'error of the continuous forms against eta',
    },
  };
}

/** A mirror's predicted threshold γ* against each sampled network's weight decay γ, coloured by what happened. */
export function collapsePlot(c: NetworkCollapseReport, meta: Record<string, string>, name: string): Plot {
  const rows: Row[] = c.samples.map((s) => ({
    site: s.site,
    architecture: s.architecture,
    threshold: s.threshold,
    gamma: s.gamma,
    predicted: s.predicted ? 'attracts' : 'repels',
    observed: s.observed === undefined ? 'undecided' : s.observed ? 'collapsed' : 'escaped',
  }));
  const positive = rows.filter((r) => (r['threshold'] as number) > 0);
  const lo = Math.min(
    ...positive.map((r) => Math.min(r['threshold'] as number, r['gamma'] as number)),
    c.gammaRange[0],
  );
  const hi = Math.max(
    ...positive.map((r) => Math.max(r['threshold'] as number, r['gamma'] as number)),
    c.gammaRange[1],
  );
  return {
    kind: 'plot',
    name,
    title:
      `Weight decay γ against the predicted threshold γ* — ${c.samples.length} sampled networks, ` +
      `seed ${c.seed}`,
    caption:
      "Each point is a network at a minimum on the mirror's invariant set, perturbed off it and trained with weight " +
      'decay γ. Above the diagonal γ = γ* the set is predicted to attract (the perturbation collapses), ' +
      'below it to ' +
      `repel. Colour: what gradient descent did. ${c.agree} of ${c.decided} decided networks agree with the ` +
      `prediction; ${c.ambiguous} undecided (${c.marginal} exactly marginal)` +
      (positive.length < rows.length
        ? `; ${rows.length - positive.length} with γ* ≤ 0 (always attracting) not drawn on log axes.`
        : '.'),
    spec: {
      width: 380,
      height: 320,
      layer: [
        {
          data: {
            values: [
              { threshold: lo, gamma: lo },
              { threshold: hi, gamma: hi },
            ],
          },
          mark: { type: 'line', color: '#555', strokeDash: [4, 3] },
          encoding: {
            x: { field: 'threshold', type: 'quantitative' },
            y: { field: 'gamma', type: 'quantitative' },
          },
        },
        {
          transform: [{ filter: 'datum.threshold > 0' }],
          mark: { type: 'point', filled: true, size: 60, opacity: 0.85 },
          encoding: {
            x: {
              field: 'threshold',
              type: 'quantitative',
              title: 'predicted threshold γ*',
              scale: { type: 'log' },
            },
            y: { field: 'gamma', type: 'quantitative', title: 'weight decay γ', scale: { type: 'log' } },
            color: {
              field: 'observed',
              type: 'nominal',
              title: null,
              scale: {
                domain: ['collapsed', 'escaped', 'undecided'],
                range: ['#2ca02c', '#d62728', '#999999'],
              },
            },
            shape: { field: 'predicted', type: 'nominal', title: 'predicted' },
          },
        },
      ],
    },
    rows,
    meta: { ...meta, content: 'per sampled network: threshold, weight decay, predicted and observed' },
  };
}

/** One network of a family: its parameters, the Lie dimension of its fields, and its laws' bounds. */
export interface LawsPoint {
  readonly architecture: string;
  readonly width: number;
  readonly parameters: number;
  readonly lieDimension: number;
  /** D − dim Lie: no more independent laws exist. */
  readonly upperBound: number;
  /** Laws found and proved. */
  readonly lowerBound: number;
  readonly complete: boolean;
}

/** Parameters, Lie dimension and the number of conservation laws across a family of widths. */
export function lawsPlot(points: readonly LawsPoint[], meta: Record<string, string>, name: string): Plot {
  const family = points[0]?.architecture.replace(/-\d+-/, '-h-') ?? '';
  const rows: Row[] = points.flatMap((p) => [
    {
      width: p.width,
      architecture: p.architecture,
      count: p.parameters,
      what: 'parameters D',
      complete: p.complete,
    },
    {
      width: p.width,
      architecture: p.architecture,
      count: p.lieDimension,
      what: 'Lie dimension',
      complete: p.complete,
    },
    {
      width: p.width,
      architecture: p.architecture,
      count: p.upperBound,
      what: 'laws: D − dim Lie',
      complete: p.complete,
    },
    {
      width: p.width,
      architecture: p.architecture,
      count: p.lowerBound,
      what: 'laws found (proved)',
      complete: p.complete,
    },
  ]);
  const all = points.every((p) => p.complete);
  return {
    kind: 'plot',
    name,
    title: `Conservation laws of gradient flow across hidden widths — ${family}`,
    caption:
      'For each hidden width h (noether laws): the number of parameters D, the dimension of the Lie algebra the ' +
      "model's gradient fields generate (exact rank modulo a prime at a random point), the upper bound D − dim Lie " +
      'on the number of independent laws, and the laws found and proved. ' +
      (all
        ? 'The two bounds meet at every width: each list is complete (proved).'
        : 'Where the bounds differ the list is not proved complete.'),
    spec: {
      width: 420,
      height: 260,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'width', type: 'quantitative', title: 'hidden width h', axis: { tickMinStep: 1 } },
        y: { field: 'count', type: 'quantitative', title: 'count', scale: { type: 'symlog' } },
        color: { field: 'what', type: 'nominal', title: null, sort: null },
        strokeDash: { field: 'what', type: 'nominal', title: null, sort: null },
      },
    },
    rows,
    meta: { ...meta, content: 'parameters, Lie dimension and law counts per hidden width' },
  };
}
