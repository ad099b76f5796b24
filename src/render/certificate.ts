/** Rendering certificates (text, Markdown, LaTeX; JSON is the record itself). */
import type { Certificate } from '../certificate';
import { describeVerdict } from '../verdict';
import { verdictWord, type Format } from './index';
import { displayMath } from './latexBreak';
import { latexMath, latexText } from './latexText';
import { latexComment } from './latexReport';
import { citeOf } from './references';

export function renderCertificate(c: Certificate, format: Exclude<Format, 'json'>): string {
  switch (format) {
    case 'text':
      return [
        `theorem ${c.theorem}: ${c.title}  [${c.source}]`,
        `  ${c.statement.text}`,
        ...c.steps.map((s, i) => `  step ${i + 1}. ${s.claim}\n          ${describeVerdict(s.verdict)}`),
        `  certificate: ${verdictWord(c.verdict).toUpperCase()}`,
      ].join('\n');
    case 'markdown':
      return [
        `### ${c.title} (\`${c.theorem}\`, ${c.source})`,
        '',
        `${c.statement.text} — $${c.statement.latex}$`,
        '',
        ...c.steps.map((s, i) => `${i + 1}. ${s.claim} — ${describeVerdict(s.verdict)}`),
        '',
        `**Certificate:** ${verdictWord(c.verdict)}`,
      ].join('\n');
    case 'latex':
      return [
        latexComment(`noether prove ${c.theorem}`),
        `\\paragraph{${latexText(c.title)} ${citeOf(c.source)}} ${displayMath(latexMath(c.statement.latex))}`,
        `Certificate: ${verdictWord(c.verdict)}.`,
      ].join('\n');
  }
}
