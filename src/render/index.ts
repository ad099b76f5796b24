/**
 * Renderers for derivations and certificates: text (terminals), Markdown (notes, with $…$ math),
 * LaTeX (a fragment that KaTeX and LaTeX both render) and JSON (exactly the records).
 */
import type { Derivation, Law, LawCount } from '../derivation';
import { describeVerdict, type Verdict } from '../verdict';
import { latexName } from '../expr/print';
import { displayMath } from './latexBreak';
import { latexMath, latexPlain, latexText } from './latexText';
import { latexComment } from './latexReport';
import { citeOf } from './references';

/** Output formats: plain text, a LaTeX fragment, Markdown with `$…$` math, or the JSON record itself. */
export type Format = 'text' | 'latex' | 'markdown' | 'json';
export const FORMATS: readonly Format[] = ['text', 'latex', 'markdown', 'json'];

export function verdictWord(v: Verdict): string {
  return v.kind === 'numerically-verified' ? 'numerically verified' : v.kind;
}

/** How each declaration kind is named in reports. */
const KIND_WORDS: Readonly<Record<Derivation['declaration']['kind'], string>> = {
  block: 'block-level',
  concrete: 'concrete',
  mirror: 'mirror',
  'block-mirror': 'block-level mirror',
};

function lawText(l: Law, i: number): string {
  const lines = [
    `${i + 1}. ${l.title}  [${l.parameter}]`,
    `   ${l.statement.text}`,
    `   verdict: ${describeVerdict(l.verdict)}`,
  ];
  if (l.note) lines.push(`   note: ${l.note}`);
  return lines.join('\n');
}

/** The line `derive` adds for a concrete declaration: every law the loss has, and what the declaration explains. */
export function allLawsText(c: LawCount): string {
  if (c.kind === 'not-counted') return `all conservation laws (noether laws): not counted — ${c.reason}`;
  const n = c.complete ? `${c.upperBound}, proved complete` : `between ${c.lowerBound} and ${c.upperBound}`;
  return (
    `all conservation laws of this loss (noether laws): ${n}; the declared charges give ${c.explained}` +
    (c.unexplained.length ? ` — not explained by them: ${c.unexplained.join('; ')}` : '')
  );
}

/**
 * Render a derivation as `noether derive --format …` prints it: text for terminals, LaTeX (a fragment
 * that KaTeX and LaTeX both render), Markdown with `$…$` math, or the JSON record.
 *
 * @param d - A derivation, from {@link derive}.
 * @param format - `'text'`, `'latex'`, `'markdown'` or `'json'`.
 */
export function renderDerivation(d: Derivation, format: Format): string {
  const decl = d.declaration;
  switch (format) {
    case 'json':
      return JSON.stringify(d, null, 2);
    case 'text': {
      const out = [
        `${decl.name} — ${decl.description || '(no description)'}${decl.source ? `  [${decl.source}]` : ''}`,
        `declared in ${decl.origin} (${KIND_WORDS[decl.kind]}); seed ${d.seed}`,
        ...(d.normalisation ? [`normalisation: ${d.normalisation}`] : []),
        '',
        ...d.generators.flatMap((g) => [
          `generator X = ∂ψ/∂${g.parameter} at ${g.parameter} = 0:`,
          ...g.components.map((c) => `  X_${c.target} = ${c.value.text}`),
        ]),
        '',
        ...d.laws.map(lawText),
        ...(d.allLaws ? ['', allLawsText(d.allLaws)] : []),
        '',
        `overall: ${verdictWord(d.verdict)}`,
      ];
      return out.join('\n');
    }
    case 'markdown': {
      const out = [
        `## ${decl.name}${decl.source ? ` (${decl.source})` : ''}`,
        '',
        decl.description,
        '',
        `*Declared in* \`${decl.origin}\` (${KIND_WORDS[decl.kind]}), seed ` +
          `${d.seed}.${d.normalisation ? ` *Normalisation:* ${d.normalisation}.` : ''}`,
        '',
        ...d.generators.flatMap((g) => [
          `**Generator** ($\\partial_{${g.parameter}}\\psi$ at ${g.parameter} = 0):`,
          '',
          ...g.components.map((c) => `- $X_{\\mathrm{${c.target.replace(/_/g, '\\_')}}} = ${c.value.latex}$`),
          '',
        ]),
        '| # | law | statement | verdict |',
        '|---|---|---|---|',
        ...d.laws.map(
          (l, i) => `| ${i + 1} | ${l.title} | $${l.statement.latex}$ | ${verdictWord(l.verdict)} |`,
        ),
        '',
        ...d.laws.map(
          (l, i) => `${i + 1}. **${l.title}** — ${describeVerdict(l.verdict)}${l.note ? `. ${l.note}` : ''}`,
        ),
        ...(d.allLaws ? ['', allLawsText(d.allLaws)] : []),
        '',
        `**Overall:** ${verdictWord(d.verdict)}`,
      ];
      return out.join('\n');
    }
    case 'latex':
      return derivationLatex(d);
  }
}

/** A derivation as LaTeX (ASCII; long formulas broken over lines; its sources cited). */
function derivationLatex(d: Derivation): string {
  const decl = d.declaration;
  const dot = (s: string): string => (/[.!?]$/.test(s) ? s : `${s}.`);
  return [
    latexComment(`noether derive ${decl.name} (seed ${d.seed})`),
    `\\subsection*{${latexPlain(decl.name)}${decl.source ? ` ${citeOf(decl.source)}` : ''}}`,
    latexText(decl.description),
    ...(d.normalisation ? ['', `Normalisation: ${latexText(dot(d.normalisation))}`] : []),
    '',
    ...d.generators.map((g) =>
      displayMath(
        `X = \\partial_{${latexName(g.parameter)}} \\psi \\big|_{${latexName(g.parameter)}=0}: \\quad ` +
          g.components
            .map((c) => `X_{${latexName(c.target)}} = ${latexMath(c.value.latex)}`)
            .join(', \\quad '),
      ),
    ),
    '\\begin{enumerate}',
    ...d.laws.map(
      (l) =>
        `  \\item ${latexText(l.title)} (${verdictWord(l.verdict)}): ${displayMath(latexMath(l.statement.latex))}` +
        (l.note ? `\n  ${latexText(dot(l.note))}` : ''),
    ),
    '\\end{enumerate}',
    ...(d.allLaws ? [latexText(allLawsText(d.allLaws))] : []),
  ].join('\n');
}
