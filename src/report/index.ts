/**
 * `noether report`: one self-contained HTML page per invocation with, for each symmetry, its
 * declaration, the derivation typeset, every verdict with its evidence (derive, check, and with a
 * rule the trajectory check), and plots: each charge measured along real training runs against the
 * derived law's forward prediction (full batch and minibatch), per layer and per site, the
 * convergence orders, and for a mirror its threshold against observed collapse. Every plot's rows are
 * also returned as CSV with a metadata header.
 */
import { buildNetwork, type MlpSpec } from '../../numeric/mlp';
import { mlpSiteKinds, siteCount } from '../../numeric/sites';
import { parseArch, specText } from '../arch';
import { check, checkRule } from '../check';
import type { CheckReport } from '../check/report';
import type { TrajectoryReport } from '../check/trajectory';
import type { Declaration } from '../declaration/types';
import type { Derivation } from '../derivation';
import { derive } from '../derive';
import { withTestedInvariance } from '../check/invariance';
import { deriveDynamics, type Dynamics } from '../rules/dynamics';
import type { Rule } from '../rules/rule';
import { describeVerdict, weakest, type Verdict } from '../verdict';
import type { Dataset } from './data';
import {
  chargesPlot,
  collapsePlot,
  gapPlot,
  heatmapPlot,
  layersPlot,
  lossPlot,
  orderPlot,
  lawsPlot,
  symmetriesPlot,
  type LawsPoint,
} from './figures';
import { esc, math, page } from './html';
import { plotCsv, renderPlots, type Plot, type RenderedPlot } from './plots';
import { trainAndPredict, type TrainingRun } from './train';

/** What a report covers. */
export interface ReportOptions {
  readonly declarations: readonly Declaration[];
  /** A rule with numeric hyper-parameters; without one, block symmetries train with plain SGD. */
  readonly rule?: Rule;
  readonly spec: MlpSpec;
  /** A model's file and its own weights, when training starts from them (`--model`). */
  readonly model?: { readonly file: string; readonly theta: Float64Array };
  readonly data: Dataset;
  readonly seed: number;
  /** Training steps (gradient flow: recorded times). */
  readonly steps: number;
  /** Rows per minibatch of the minibatch run. */
  readonly batchSize: number;
  /** Sampled networks per site kind for the checks. */
  readonly runs: number;
  /** Called with what is being done. */
  readonly progress?: (label: string) => void;
}

/** One file of a report besides the page: a plot's data. */
export interface ReportFile {
  readonly name: string;
  readonly text: string;
}

/** A built report: the page, the CSV files (named by plot), and what each section found. */
export interface Report {
  readonly kind: 'report';
  readonly html: string;
  readonly files: readonly ReportFile[];
  readonly sections: readonly ReportSection[];
  /** The weakest verdict of everything the report decided. */
  readonly verdict: Verdict;
}

/** What one symmetry's section found. */
export interface ReportSection {
  readonly symmetry: string;
  readonly runs: readonly TrainingRun[];
  readonly verdict: Verdict;
}

const batchWords = (r: TrainingRun): string => (r.fullBatch ? 'full batch' : `minibatches of ${r.batchSize}`);

const verdictHtml = (v: Verdict): string => {
  const word = v.kind === 'numerically-verified' ? 'numerically verified' : v.kind;
  return `<span class="verdict ${v.kind}">${esc(word)}</span>`;
};

const lawsHtml = (d: Derivation): string =>
  d.laws
    .map(
      (l) =>
        `<div class="law"><b>${esc(l.title)}</b> ${verdictHtml(l.verdict)}${math(l.statement.latex)}` +
        `<div class="evidence">${esc(describeVerdict(l.verdict))}${l.note ? ` — ${esc(l.note)}` : ''}</div></div>`,
    )
    .join('\n');

const generatorsHtml = (d: Derivation): string =>
  d.generators
    .map(
      (g) =>
        `<p>Generator ${math(`X = \\partial_{${g.parameter}} \\psi \\big|_{${g.parameter}=0}`, false)}:</p>` +
        math(
          g.components
            .map((c) => `X_{\\mathrm{${c.target.replace(/_/g, '\\_')}}} = ${c.value.latex}`)
            .join(',\\quad '),
        ),
    )
    .join('\n');

const dynamicsHtml = (dyn: Dynamics): string =>
  dyn.laws
    .map(
      (l) =>
        `<div class="law"><b>${esc(l.title)}</b> ${verdictHtml(l.verdict)}${math(l.statement.latex)}` +
        (l.atValues ? `<div>At the rule's values:</div>${math(l.atValues.latex)}` : '') +
        `<div class="evidence">${esc(describeVerdict(l.verdict))}${l.note ? ` — ${esc(l.note)}` : ''}</div></div>`,
    )
    .join('\n');

function checkHtml(r: CheckReport | TrajectoryReport): string {
  const evidence = `<span class="evidence">${esc(describeVerdict(r.verdict))}</span>`;
  const overall = `<p>Verdict: ${verdictHtml(r.verdict)} ${evidence}</p>`;
  if (r.kind === 'point-check') return overall;
  const rows = r.laws
    .map(
      (l) =>
        `<tr><td>${esc(l.title)}</td><td>${verdictHtml(l.verdict)}</td>` +
        `<td class="evidence">${esc(describeVerdict(l.verdict))}</td></tr>`,
    )
    .join('\n');
  const table = rows ? `<table><tr><th>law</th><th>verdict</th><th>evidence</th></tr>${rows}</table>` : '';
  return table + overall;
}

function runTable(r: TrainingRun): string {
  const worst = [...r.series].sort((a, b) => b.gap - a.gap).slice(0, 8);
  const rows = worst
    .map((s) =>
      row([
        esc(s.site),
        s.observed[0]!.toPrecision(6),
        s.observed.at(-1)!.toPrecision(6),
        s.predicted.length ? s.predicted.at(-1)!.toPrecision(6) : '—',
        Number.isNaN(s.gap) ? '—' : s.gap.toExponential(2),
      ]),
    )
    .join('\n');
  const head = ['site (largest gaps first)', 'Q₀', 'Q measured, end', 'Q predicted, end', 'relative gap'];
  return `<table><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>${rows}</table>`;
}

/** A table row of cells (already HTML). */
const row = (cells: readonly string[]): string => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;

const figureHtml = (p: RenderedPlot, csv: string): string =>
  `<figure class="plot" data-plot="${esc(p.plot.name)}"><div class="title"><b>${esc(p.plot.title)}</b></div>${p.svg}` +
  `<figcaption>${esc(p.plot.caption)} Data: <a href="${esc(csv)}">${esc(csv)}</a>.</figcaption></figure>`;

/**
 * Build the report: derive, check and train for every declaration, draw the plots, assemble the page.
 *
 * @param base - The CSV files' name prefix (the page's file name without `.html`), for the links.
 */
export function buildReport(o: ReportOptions, base: string): Report {
  const say = o.progress ?? (() => undefined);
  const files: ReportFile[] = [];
  const sections: ReportSection[] = [];
  const parts: string[] = [];
  const arch = specText(o.spec);
  const archConstraints = parseArch(arch);
  const net = buildNetwork(o.spec);
  const names = new Set<string>();
  const figures = (plots: readonly Plot[]): string =>
    renderPlots(plots)
      .map((p) => {
        let name = `${base}.${p.plot.name}.csv`;
        for (let i = 2; names.has(name); i++) name = `${base}.${p.plot.name}-${i}.csv`;
        names.add(name);
        files.push({ name, text: plotCsv(p.plot) });
        return figureHtml(p, name.replace(/^.*[\\/]/, ''));
      })
      .join('\n');
  for (const decl of o.declarations) {
    say(`${decl.name}: derivation`);
    const derived = derive(decl, { seed: o.seed });
    const d =
      decl.kind === 'block' || decl.kind === 'block-mirror'
        ? withTestedInvariance(decl, derived, { seed: o.seed })
        : derived;
    const verdicts: Verdict[] = [d.verdict];
    const out: string[] = [
      `<section id="sym-${esc(decl.name)}"><h2>${esc(decl.name)}` +
        `${decl.source ? ` <span class="meta">[${esc(decl.source)}]</span>` : ''}</h2>`,
      `<p>${esc(decl.description)}</p>`,
      `<p class="meta">${esc(decl.kind)} declaration from ${esc(decl.origin)}; ` +
        `sites: ${esc('sites' in decl ? decl.sites.join(', ') : 'concrete')}; derived with seed ${o.seed}.</p>`,
      '<h3>Derivation</h3>',
      generatorsHtml(d),
      lawsHtml(d),
    ];
    // The site kinds this network has (a declaration may also act where it has none).
    const present = 'sites' in decl ? decl.sites.filter((k) => siteCount(net, k) > 0) : [];
    if ('sites' in decl && present.length === 0) {
      out.push(
        `<p class="meta">This ${esc(arch)} network has no ${esc(mlpSiteKinds(decl.sites).join(' or '))} site: ` +
          'nothing to check or train.</p>',
        '</section>',
      );
      sections.push({ symmetry: decl.name, runs: [], verdict: d.verdict });
      parts.push(out.join('\n'));
      continue;
    }
    say(`${decl.name}: check on sampled networks`);
    const checked = check(decl, {
      seed: o.seed,
      runs: o.runs,
      arch: archConstraints,
      ...(present.length ? { sites: present } : {}),
    });
    verdicts.push(checked.verdict);
    out.push(
      `<h3>Check on sampled ${esc(arch)} networks (${o.runs} per site kind, seed ${o.seed})</h3>`,
      checkHtml(checked),
    );
    const plots: Plot[] = [];
    const runs: TrainingRun[] = [];
    if (checked.kind === 'mirror-check' && checked.collapse)
      plots.push(
        collapsePlot(
          checked.collapse,
          { symmetry: decl.name, seed: String(o.seed) },
          `${decl.name}-collapse`,
        ),
      );
    if (decl.kind === 'block' && d.laws.some((l) => l.id === 'charge' || l.id === 'charge-matrix')) {
      const rule = o.rule;
      if (rule) {
        const dyn = deriveDynamics(decl, d, rule);
        out.push(`<h3>Under ${esc(rule.text)}</h3>`, dynamicsHtml(dyn));
        say(`${decl.name}: trajectory check`);
        const tr = checkRule(decl, rule, {
          seed: o.seed,
          runs: 3,
          steps: 50,
          arch: archConstraints,
          sites: present,
        });
        verdicts.push(tr.verdict);
        out.push(checkHtml(tr));
        if (tr.order)
          plots.push(
            orderPlot(
              tr.order,
              { symmetry: decl.name, rule: rule.text, seed: String(o.seed) },
              `${decl.name}-order`,
            ),
          );
        else if (tr.orderNotMeasured)
          out.push(`<p class="meta">Convergence orders not measured: ${esc(tr.orderNotMeasured)}</p>`);
        // Gradient flow is integrated on the whole set; a minibatch as large as the set is the full batch.
        const batches =
          rule.kind === 'gf' || o.batchSize >= o.data.batch.X.rows ? [undefined] : [undefined, o.batchSize];
        for (const batchSize of batches) {
          say(`${decl.name}: training on ${o.data.name}${batchSize ? ` (minibatch ${batchSize})` : ''}`);
          const run = trainAndPredict(decl, {
            data: o.data,
            spec: o.spec,
            rule,
            steps: o.steps,
            seed: o.seed,
            ...(batchSize ? { batchSize } : {}),
            ...(o.model ? { initial: o.model.theta } : {}),
          });
          runs.push(run);
          const tag = `${decl.name}-${batchSize ? `batch${batchSize}` : 'full'}`;
          out.push(
            `<h3>Training on ${esc(o.data.name)}, ${batchWords(run)}</h3>`,
            `<p class="meta">${esc(run.source)}; ${esc(run.architecture)}; ${esc(run.rule)}; seed ${run.seed}; ` +
              `loss ${run.loss[0]!.toFixed(4)} → ${run.loss.at(-1)!.toFixed(4)}, ` +
              `accuracy ${(100 * run.accuracy.at(-1)!).toFixed(1)}%.</p>`,
            run.law.kind === 'law'
              ? `<p>Predicted by the derived law, forward from Q₀` +
                  `${run.driving ? `, driven by ${esc(run.driving)}` : ''}:</p>${math(run.law.statement.latex)}` +
                  `<p>Largest relative gap over ${run.series.length} sites: ` +
                  `<b>${run.worstGap.toExponential(2)}</b>.</p>`
              : `<p>No closed law to predict with: ${esc(run.law.reason)}</p>`,
            run.note ? `<p class="meta">${esc(run.note)}</p>` : '',
            runTable(run),
          );
          out.push(
            figures([
              chargesPlot(run, `${tag}-charges`),
              layersPlot(run, `${tag}-layers`),
              ...(run.law.kind === 'law' ? [gapPlot(run, `${tag}-gap`)] : []),
              heatmapPlot(run, `${tag}-heatmap`),
              lossPlot(run, `${tag}-loss`),
            ]),
          );
        }
      }
    }
    out.push(figures(plots), '</section>');
    const verdict = weakest(verdicts);
    out.splice(
      1,
      0,
      `<p>Verdict of this section (the weakest of the derivation and the checks): ${verdictHtml(verdict)}</p>`,
    );
    sections.push({ symmetry: decl.name, runs, verdict });
    parts.push(out.join('\n'));
  }
  // Several symmetries with runs: one figure of every symmetry's charges per layer, per batch mode.
  const summary: string[] = [];
  const trained = sections.filter((s) => s.runs.length > 0);
  if (trained.length > 1)
    for (const k of trained[0]!.runs.keys()) {
      const runs = trained.map((s) => s.runs[k]).filter((r): r is TrainingRun => r !== undefined);
      summary.push(
        figures([
          symmetriesPlot(runs, `symmetries-${runs[0]!.fullBatch ? 'full' : `batch${runs[0]!.batchSize}`}`),
        ]),
      );
    }
  const lawsSection = lawsFamily(o, figures, say);
  const verdict = weakest(sections.map((s) => s.verdict));
  const title = `noether report: ${o.declarations.map((d) => d.name).join(', ')}`;
  const network = o.model
    ? `Model ${esc(o.model.file)} (${esc(arch)}), trained from its own weights`
    : `Architecture ${esc(arch)}`;
  const head = [
    `<h1>${esc(title)}</h1>`,
    `<p class="meta">${network}; ` +
      `data ${esc(o.data.source)}; ` +
      `${o.rule ? `rule ${esc(o.rule.text)}; ` : ''}` +
      `seed ${o.seed}; ` +
      (o.rule?.kind === 'gf'
        ? `gradient flow integrated to t = 10, ${o.steps} records, full batch. `
        : `${o.steps} steps; full batch and minibatches of ${o.batchSize}. `) +
      `Overall: ${verdictHtml(verdict)}.</p>`,
    `<nav>${o.declarations.map((d) => `<a href="#sym-${esc(d.name)}">${esc(d.name)}</a>`).join('')}</nav>`,
  ];
  const overview = summary.length
    ? ['<section id="overview"><h2>Every symmetry, per layer</h2>', ...summary, '</section>']
    : [];
  return {
    kind: 'report',
    html: page(title, [...head, ...overview, ...parts, ...lawsSection].join('\n')),
    files,
    sections,
    verdict,
  };
}

/** Hidden widths of the law-count family (one hidden layer, the report's input, output and activation). */
const LAW_WIDTHS = [1, 2, 3, 4, 5, 6];

/**
 * How many conservation laws the report's kind of network has, across hidden widths (noether laws):
 * for activations whose networks are polynomial (linear, zᵏ) or piecewise so (ReLU, leaky ReLU).
 */
function lawsFamily(
  o: ReportOptions,
  figures: (p: readonly Plot[]) => string,
  say: (l: string) => void,
): string[] {
  const act = o.spec.act.kind === 'poly' ? `poly${o.spec.act.degree}` : o.spec.act.kind;
  if (!['relu', 'leaky', 'linear', 'poly'].includes(o.spec.act.kind)) return [];
  say('conservation laws across hidden widths');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the law search loads only here
  const { lawsForArch } = require('../laws') as typeof import('../laws');
  const [inputs, outputs] = [o.spec.widths[0]!, o.spec.widths.at(-1)!];
  const points: LawsPoint[] = LAW_WIDTHS.map((h) => {
    const architecture = `${inputs}-${h}-${outputs}:${act}:${o.spec.bias ? 'bias' : 'nobias'}`;
    const r = lawsForArch(architecture, { seed: o.seed, symmetries: false });
    return {
      architecture,
      width: h,
      parameters: r.parameters,
      lieDimension: r.lieDimension,
      upperBound: r.upperBound,
      lowerBound: r.lowerBound,
      complete: r.complete,
    };
  });
  return [
    '<section id="laws"><h2>All the conservation laws of this kind of network</h2>',
    figures([lawsPlot(points, { seed: String(o.seed), activation: act }, 'laws')]),
    '</section>',
  ];
}
