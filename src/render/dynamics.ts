/** Rendering learning-rule dynamics and trajectory reports. */
import type { Dynamics } from '../rules/dynamics';
import type { TrajectoryReport } from '../check/trajectory';
import { describeVerdict } from '../verdict';
import { verdictWord, type Format } from './index';
import { displayMath } from './latexBreak';
import { latexMath, latexPlain, latexText } from './latexText';
import { latexComment, latexReport } from './latexReport';

/** A rule's laws as LaTeX: each statement displayed (broken when long), and at the rule's step size. */
function dynamicsLatex(d: Dynamics): string {
  const lr = 'lr' in d.rule.params ? d.rule.params.lr : undefined;
  return [
    latexComment(`noether derive ${d.symmetry} --rule '${d.rule.text}'`),
    `\\subsection*{${latexPlain(d.symmetry)} under \\texttt{${latexPlain(d.rule.text)}}}`,
    `Charge: ${latexText(d.charge.statement)}.`,
    '\\begin{enumerate}',
    ...d.laws.map(
      (l) =>
        `  \\item ${latexText(l.title)} (derivation ${verdictWord(l.verdict)}): ` +
        displayMath(latexMath(l.statement.latex)) +
        (l.atValues && lr
          ? `\n  At $\\eta = ${lr.value}$: ${displayMath(latexMath(l.atValues.latex))}`
          : '') +
        (l.note ? `\n  ${latexText(l.note)}` : ''),
    ),
    '\\end{enumerate}',
    ...(d.lagrangian?.length
      ? [
          latexText('The Lagrangian view [NLD]:'),
          '\\begin{enumerate}',
          ...d.lagrangian.map(
            (l) =>
              `  \\item ${latexText(l.title)} (derivation ${verdictWord(l.verdict)}): ` +
              displayMath(latexMath(l.statement.latex)) +
              (l.note ? `\n  ${latexText(l.note)}` : ''),
          ),
          '\\end{enumerate}',
        ]
      : []),
  ].join('\n');
}

export function renderDynamics(d: Dynamics, format: Format): string {
  if (format === 'json') return JSON.stringify(d, null, 2);
  if (format === 'latex') return dynamicsLatex(d);
  const md = format === 'markdown';
  return [
    md ? `## ${d.symmetry} under ${d.rule.text}` : `${d.symmetry} under ${d.rule.text}`,
    `charge: ${d.charge.statement}`,
    '',
    ...d.laws.map((l, i) =>
      [
        `${i + 1}. ${l.title}`,
        `   ${l.statement.text}`,
        ...(l.atValues && 'lr' in d.rule.params
          ? [`   at ${d.rule.params.lr.name} = ${d.rule.params.lr.value}: ${l.atValues.text}`]
          : []),
        `   derivation: ${describeVerdict(l.verdict)}`,
        ...(l.note ? [`   note: ${l.note}`] : []),
      ].join('\n'),
    ),
    ...(d.lagrangian?.length
      ? [
          '',
          md ? '### The Lagrangian view [NLD]' : 'the Lagrangian view [NLD]:',
          ...d.lagrangian.map((l, i) =>
            [
              `${d.laws.length + i + 1}. ${l.title}`,
              `   ${l.statement.text}`,
              `   derivation: ${describeVerdict(l.verdict)}`,
              ...(l.note ? [`   note: ${l.note}`] : []),
            ].join('\n'),
          ),
        ]
      : []),
  ].join('\n');
}

export function renderTrajectories(r: TrajectoryReport, format: Format): string {
  if (format === 'json') return JSON.stringify(r, null, 2);
  if (format === 'latex')
    return latexReport(
      `noether check ${r.symmetry} --rule '${r.rule}'`,
      `check ${r.symmetry} under ${r.rule}`,
      renderTrajectories(r, 'text'),
    );
  const out = [
    `check ${r.symmetry} under ${r.rule}: ${r.runs} networks per site kind × ` +
      (r.steps === 0 ? 'the integrated flow' : `${r.steps} steps, random minibatches`) +
      `; seed ${r.seed}` +
      (r.skipped
        ? `; ${r.skipped} trajector${r.skipped === 1 ? 'y' : 'ies'} skipped (degenerate or diverged)`
        : ''),
    '',
    ...r.laws.map(
      (l, i) => `${i + 1}. ${l.title}\n   ${l.statement}\n   verdict: ${describeVerdict(l.verdict)}`,
    ),
  ];
  if (r.steadyState) {
    const s = r.steadyState;
    out.push(
      '',
      `steady state (first trajectory, last quarter, ${s.relaxationTimes.toFixed(1)} relaxation ` +
        `times 1/(2ηλ) elapsed): mean ρ⁴ = ${s.rho4.toPrecision(4)}, predicted ` +
        `${s.predicted.toPrecision(4)} (ratio ${(s.rho4 / s.predicted).toFixed(3)}; a prediction ` +
        `for the mean, not an identity)`,
    );
  }
  if (r.effectiveRate) {
    const e = r.effectiveRate;
    const [a, b] = [e.points[0]!.observed, e.points[e.points.length - 1]!.observed];
    out.push(
      '',
      `effective learning rate η/ρ²_k (first trajectory, ${e.steps} steps, ${a.toPrecision(4)} → ` +
        `${b.toPrecision(4)}): the exact recursion run forward from ρ²_0 misses it by at most ` +
        `${e.exactGap.toExponential(2)} (relative); RMSProp-like, v_{k+1} = (1 − ηλ)⁴v_k + ` +
        `2η²(1 − ηλ)²‖ĝ_k‖² with ρ⁴ as v, by ${e.rmspropGap.toExponential(2)} (fourth order in the ` +
        `angular step δ ≤ ${e.angularStep.toExponential(2)}; bound ${e.rmspropBound.toExponential(2)})`,
    );
  }
  if (r.metricCharge) {
    const m = r.metricCharge;
    const metric = Object.fromEntries(
      Object.entries(m.metric).map(([b, g]) => [b, Number(g.toPrecision(3))]),
    );
    out.push(
      '',
      `constant metric ${JSON.stringify(metric)} along θ̇ = −G⁻¹∇L: the G-weighted charge moved by ` +
        `${m.weighted.relative.toExponential(2)} (relative; ${m.weighted.steps} integrator steps), ` +
        `the plain charge by ${m.unweighted.relative.toExponential(2)}`,
    );
  }
  if (r.drift)
    out.push(
      '',
      `drift of the charge over the first trajectory: ${r.drift.observed.toPrecision(10)} = Σ ` +
        `breaking terms −η⟨X, u⟩ (${r.drift.breakingSum.toPrecision(10)}) + Σ second-order terms ` +
        `(${r.drift.secondOrderSum.toPrecision(10)})`,
    );
  if (r.orderNotMeasured) out.push('', `continuous forms: orders not measured (${r.orderNotMeasured})`);
  if (r.order) {
    const o = r.order;
    const f = (xs: readonly (number | null)[]): string =>
      xs.map((x) => (x === null ? 'below rounding' : x.toFixed(2))).join(', ');
    if (o.kind === 'sgd') {
      out.push(
        '',
        `continuous forms, full-batch GD on ${o.architecture} (${o.site}) to t = ` +
          `${o.time.toPrecision(3)}, η = ${o.etas.map((e) => e.toPrecision(3)).join(', ')}:`,
        `  |Q_GD − Q_gradient-flow|: ${o.flowErrors.map((e) => e.toExponential(2)).join(', ')}; ` +
          `ratios as η halves ${f(o.flowRatios)} (first order predicts 2)`,
        `  |Q_GD − Q_modified-flow|: ${o.modifiedErrors.map((e) => e.toExponential(2)).join(', ')}; ` +
          `ratios as η halves ${f(o.modifiedRatios)} (second order predicts 4)`,
      );
    } else {
      out.push(
        '',
        `continuous limit, full-batch heavy-ball on ${o.architecture} (${o.site}) to t = ` +
          `${o.time.toPrecision(3)}, η = ${o.etas.map((e) => e.toPrecision(3)).join(', ')}:`,
        `  |Q_momentum − Q_oscillator limit| (θ̇(0) = −d₀/(1+β)): ` +
          `${o.modifiedErrors.map((e) => e.toExponential(2)).join(', ')}; ratios as η halves ` +
          `${f(o.modifiedRatios)} (second order predicts 4)`,
      );
    }
  }
  out.push('', `overall: ${verdictWord(r.verdict)}`);
  return out.join('\n');
}

/** The first trajectory as CSV: step, observed, predicted. */
export function trajectoryCsv(r: TrajectoryReport): string {
  return (
    [
      'step,observed,predicted',
      ...r.trajectory.points.map((p) => `${p.step},${p.observed},${p.predicted}`),
    ].join('\n') + '\n'
  );
}
