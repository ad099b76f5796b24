/** Rendering check and scan reports (JSON is the record itself). */
import type { NetworkCheckReport, PointCheckReport } from '../check/report';
import type { ScanReport } from '../scan';
import { describeVerdict } from '../verdict';
import { printable } from '../declaration/errors';
import { verdictWord, renderDerivation, type Format } from './index';
import { latexReport } from './latexReport';
import { latexText } from './latexText';

/** 1e-6 for a power of ten (1 stays 1). */
const power = (x: number): string => (x === 1 ? '1' : x.toExponential(0).replace('e+', 'e'));

export function renderCheck(r: NetworkCheckReport, format: Format, replay: string): string {
  if (format === 'json') return JSON.stringify(r, null, 2);
  if (format === 'latex') {
    const [, ...body] = renderCheck(r, 'text', replay).split('\n');
    return latexReport(`noether check ${r.declaration.name}`, `check ${r.declaration.name}`, body.join('\n'));
  }
  const md = format === 'markdown';
  const out = [
    md ? `## check ${r.declaration.name}` : `check ${r.declaration.name} (${r.declaration.origin})`,
    (r.replayed !== undefined
      ? `replaying case ${r.replayed} of ${r.runs} sampled networks per site kind at ` +
        `${r.siteKinds.join(', ')} sites`
      : `${r.runs} sampled networks per site kind at ${r.siteKinds.join(', ')} sites`) +
      (r.fixedWeights ? ' (the given weights; batches and sites sampled)' : '') +
      (r.excludedSiteKinds ? ` (not ${r.excludedSiteKinds.join(', ')}: no such site under --arch)` : '') +
      `; seed ${r.seed}` +
      (r.skipped
        ? `; ${r.skipped} degenerate ${r.skipped === 1 ? 'case' : 'cases'} skipped ` +
          '(a normalisation group without spread)'
        : ''),
    '',
    ...r.laws.map(
      (l, i) =>
        `${i + 1}. ${l.title}  [${l.parameter}]\n   ${l.statement}\n   verdict: ${describeVerdict(l.verdict)}`,
    ),
  ];
  if (r.kind === 'block-check' && r.flow?.kind === 'flow') {
    const f = r.flow;
    out.push('', `${r.laws.length + 1}. ${f.law}`, `   verdict: ${describeVerdict(f.verdict)}`);
  }
  if (r.kind === 'block-check' && r.flow?.kind === 'flow-not-run')
    out.push('', `the charge along the integrated flow: not run (${r.flow.reason})`);

  if (r.counterexample) {
    const c = r.counterexample;
    out.push(
      '',
      `counterexample: ${c.law} fails at ${c.site} (${c.siteKind}) of a ${c.architecture} network, ` +
        `data seed ${c.dataSeed}: relative residual ${c.relativeResidual.toExponential(3)}`,
      `replay: ${replay} --seed ${c.replay.seed} --replay ${c.replay.path}`,
    );
  }
  if (r.kind === 'mirror-check' && r.collapse) {
    const k = r.collapse;
    const stable = k.samples.filter((s) => s.predicted).length;
    const skipped = Object.entries(k.skipped)
      .map(([why, n]) => `${n} ${why}`)
      .join(', ');
    out.push(
      '',
      `attraction threshold vs observed collapse (${k.samples.length} sampled networks, weight decay ` +
        `γ log-uniform in [${power(k.gammaRange[0])}, ${power(k.gammaRange[1])}]; per network γ* = ` +
        `−λ_min(OᵀHO)/2 at the minimum on the set, then gradient descent from a ` +
        `${power(k.perturbation)} perturbation off it):`,
      `   agreement ${k.agree}/${k.decided} ` +
        `(${((100 * k.agree) / Math.max(1, k.decided)).toFixed(0)}%) where γ is more than 10% from ` +
        `γ*; predicted attracting ${stable}, repelling ${k.samples.length - stable}`,
      `   ${k.ambiguous} ambiguous, of which ${k.marginal} exactly marginal (every reflected direction flat: ` +
        `a continuous symmetry kept by weight decay rotates a live direction into the reflected ` +
        `one)${skipped ? `; skipped: ${skipped}` : ''}; seed ${k.seed}`,
      ...(k.factored
        ? [
            `   ${k.factored} with such flat directions, factored out of γ* and ` +
              'of the perturbation (they lead to equivalent minima, neither toward nor away from the set)',
          ]
        : []),
    );
    if (k.ownNetworks)
      out.push(
        `   (on the experiment's own small networks: --arch ${k.ownNetworks.given} has up to ` +
          `${k.ownNetworks.parameters} parameters, above the ${k.ownNetworks.limit} its dense Newton steps take)`,
      );
  }
  if (r.kind === 'mirror-check' && r.noise) {
    const n = r.noise;
    const skipped = Object.entries(n.skipped)
      .map(([why, k]) => `${why} (${k} case${k === 1 ? '' : 's'})`)
      .join(', ');
    out.push(
      '',
      n.decided === 0
        ? `gradient-noise criterion E log|1 − η(h + 2γ)| < 0 [SIS, heuristic]: not applicable here: ` +
            `${skipped || 'no case'}`
        : `gradient-noise criterion E log|1 − η(h + 2γ)| < 0 [SIS, heuristic] vs one-sample SGD ` +
            `(${n.steps} steps from a ${power(n.perturbation)} perturbation, γ and η drawn where the ` +
            `criteria can disagree):\n   noise criterion ${n.noiseAgree}/${n.decided} agree, ` +
            `mean-field reading ${n.meanFieldAgree}/${n.decided}; they disagree on ${n.disagree}, ` +
            `the noise criterion right on ${n.noiseRightWhereTheyDisagree}; ${n.ambiguous} ` +
            `set apart (within 3 standard errors of 0, or ${n.mayEscape} attracting but likely, by the ` +
            `Cramér–Lundberg bound, to leave the linear regime first)${skipped ? `; skipped: ${skipped}` : ''}; ` +
            `seed ${n.seed}`,
    );
  }
  out.push('', `overall: ${verdictWord(r.verdict)}`);
  return out.join('\n');
}

export function renderScan(r: ScanReport, format: Format): string {
  if (format === 'json') return JSON.stringify(r, null, 2);
  if (format === 'latex')
    return latexReport(`noether scan ${r.architecture}`, `scan ${r.architecture}`, renderScan(r, 'text'));
  const c = r.allLaws;
  const count =
    c === undefined
      ? []
      : c.kind === 'not-counted'
        ? [`conservation laws of gradient flow (noether laws): not counted — ${c.reason}`]
        : [
            `conservation laws of gradient flow, for every loss and data set (noether laws): ` +
              (c.complete
                ? `${c.upperBound}, proved complete`
                : `between ${c.lowerBound} and ${c.upperBound}`) +
              (c.beyondLinearSymmetries ? `; ${c.beyondLinearSymmetries} beyond every linear symmetry` : ''),
          ];
  const out = [
    `${r.architecture}: ${r.parameters} parameters, ` +
      `${r.siteKinds.reduce((s, k) => s + k.count, 0)} symmetry sites`,
    ...count,
    ...(r.model
      ? [
          `model ${r.model.file}: ${r.model.tensors
            .map((t) => `${t.block} = ${printable(t.name)}${t.transposed ? 'ᵀ' : ''}`)
            .join(', ')}`,
        ]
      : []),
    '',
  ];
  for (const k of r.siteKinds) {
    // Up to six labels are all of them; beyond, the first three and the last.
    const labels =
      k.count <= 6 ? k.labels.join('; ') : `${k.labels.slice(0, 3).join('; ')}; … ; ${k.labels[3]}`;
    out.push(`${k.kind} (${k.count} site${k.count === 1 ? '' : 's'}: ${labels})`);
    if (k.groups.length > 1 || k.count > 6)
      out.push(`  by place: ${k.groups.map((g) => `${g.place} ${g.count}`).join(', ')}`);
    out.push(
      `  roles (first site): ${Object.entries(k.groups[0]!.roles)
        .map(([n, s]) => `${n} ${s}`)
        .join(', ')}`,
    );
    for (const g of k.groups)
      if (g.tensors)
        out.push(
          `  tensors (${g.place}): ${Object.entries(g.tensors)
            .map(([n, ts]) => `${n} ← ${ts.map(printable).join(' + ')}`)
            .join(', ')}`,
        );
    if (k.sites) for (const s of k.sites) out.push(`  site ${s.label}`);
    for (const s of k.symmetries) {
      out.push(`  ${s.name}:`);
      for (const l of s.laws) out.push(`    ${l.id}: ${l.statement}`);
    }
    if (!k.symmetries.length) out.push('  (no catalog symmetry binds here)');
    out.push('');
  }
  return out.join('\n').trimEnd();
}

/** A concrete declaration's check: its derivation, and for a mirror the threshold experiment's agreement. */
export function renderPointCheck(r: PointCheckReport, format: Format): string {
  if (format === 'json') return JSON.stringify(r, null, 2);
  const text = renderDerivation(r.derivation, format);
  const k = r.collapse;
  if (!k) return text;
  const collapse =
    `threshold prediction vs observed collapse (gradient descent on L + γ‖θ‖² from the stationary ` +
    `point on the set, perturbed off it): agreement ${k.agree}/${k.decided} ` +
    `(${((100 * k.agree) / Math.max(1, k.decided)).toFixed(0)}%); ${k.ambiguous} samples within 10% of γ* ` +
    `set apart, ${k.skipped} diverged; seed ${r.derivation.seed}`;
  return `${text}\n\n${format === 'latex' ? latexText(collapse) : collapse}`;
}
