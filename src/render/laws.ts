/** Rendering a laws report (JSON is the record itself). */
import type { LawsReport } from '../laws';
import type { Format } from './index';
import { latexReport } from './latexReport';

/** "1–3, 5" for [0, 1, 2, 4] (the report's 0-based law indices, shown from 1). */
function lawNumbers(ix: readonly number[]): string {
  return ix.length === 0 ? 'none' : ix.map((i) => String(i + 1)).join(', ');
}

export function renderLaws(r: LawsReport, format: Format): string {
  if (format === 'json') return JSON.stringify(r, null, 2);
  if (format === 'latex') {
    const [, ...body] = renderLaws(r, 'text').split('\n');
    return latexReport(`noether laws ${r.subject}`, `laws of ${r.subject}`, body.join('\n'));
  }
  const md = format === 'markdown';
  const item = (s: string): string => (md ? `- ${s}` : `  ${s}`);
  const searched =
    r.search.kind === 'searched'
      ? `polynomial laws of degree ≤ ${r.search.degree}: ${r.laws.length} functionally independent, each proved ` +
        `(⟨∇h, X⟩ ≡ 0 for every generating field X, exactly over ℚ)`
      : `no law search: ${r.search.reason}`;
  const out = [
    md ? `## laws of ${r.subject}` : `laws of ${r.subject}`,
    md ? `${r.model}.` : `  ${r.model}`,
    '',
    item(
      r.flow === 'momentum'
        ? `coordinates (θ, v, s): D = 2·${(r.parameters - 1) / 2} + 1 = ${r.parameters}; ` +
            `generating fields: ${r.generators} (F₀ and one per model field)`
        : `parameters: D = ${r.parameters}; generating fields: ${r.generators}`,
    ),
    item(
      `Lie algebra they generate: rank ${r.lieDimension} at a random point mod ${r.prime} ` +
        `(by bracket level: ${r.lieLevels.join(' → ')}` +
        `${r.complete && r.lieDimension < r.parameters ? ', the most the laws found allow' : ''}; seed ${r.seed})`,
    ),
    item(`upper bound: at most D − ${r.lieDimension} = ${r.upperBound} independent conservation laws`),
    item(searched),
  ];
  r.laws.forEach((l, i) =>
    out.push(md ? `  ${i + 1}. \`${l.expression}\`` : `    ${i + 1}. ${l.expression}`),
  );
  out.push(
    '',
    (r.complete
      ? `complete (proved): the ${r.laws.length} law${r.laws.length === 1 ? ' is' : 's are'} all ` +
        `(${r.laws.length} found = ${r.upperBound} at most)`
      : `incomplete: ${r.laws.length} found, at most ${r.upperBound} exist — ${r.gap}`) +
      (r.scope ? `; ${r.scope}` : ''),
  );
  const s = r.symmetries;
  out.push('');
  if (s.kind === 'skipped') out.push(`linear symmetries: not searched (${s.reason})`);
  else {
    out.push(
      `linear symmetries X = Aθ + b (discovered, each confirmed exactly): dim g ${s.unconfirmed ? '≥' : '='} ` +
        `${s.dimension}${s.unconfirmed ? ` (${s.unconfirmed} solutions mod p did not lift)` : ''}` +
        `${s.dimension ? `, dim [g, g] = ${s.derivedDimension}${s.derivedDimension === 0 ? ' (abelian)' : ''}` : ''}`,
      item(
        `${s.symmetricDimension} independent generator${s.symmetricDimension === 1 ? '' : 's'} with symmetric A ` +
          `have a Noether charge ½θᵀAθ + bᵀθ; the others constrain the gradient without a charge`,
      ),
      item(`laws that are charges of linear symmetries (X = ∇h): ${lawNumbers(s.explained)}`),
      item(`laws no linear symmetry explains (degree > 2): ${lawNumbers(s.unexplained)}`),
    );
  }
  const d = r.declared;
  if (d) {
    out.push('', `declared symmetries of ${r.subject}:`);
    if (d.kind === 'not-compared') out.push(item(`not compared: ${d.reason}`));
    else {
      for (const g of d.generators) {
        const sp = g.symmetricPart;
        out.push(
          item(
            g.charge !== undefined
              ? `${g.parameter}: charge ${g.charge}`
              : `${g.parameter}: no charge (${g.obstruction})` +
                  (sp === undefined
                    ? ''
                    : sp.symmetry
                      ? `; its symmetric part is a symmetry, with charge ${sp.charge}`
                      : '; its symmetric part is not a symmetry'),
          ),
        );
      }
      const n = r.laws.length;
      out.push(
        item(
          `the declared charges (symmetric parts included) are ${d.explained} independent law` +
            `${d.explained === 1 ? '' : 's'}; laws found that they do not explain: ${lawNumbers(d.unexplained)}` +
            ` (of ${n})`,
        ),
      );
    }
  }
  return out.join('\n');
}
