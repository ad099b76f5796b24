/**
 * A complete LaTeX document around LaTeX reports (`--format latex --standalone`): `article` with
 * amsmath and amssymb only (both in Debian's texlive-latex-base and its dependency texlive-base),
 * the reports, and a `thebibliography` of the sources they cite, so that pdflatex alone compiles it.
 */
import { citedKeys, thebibliography } from './references';

/**
 * The document: preamble, each report (a LaTeX fragment) in turn, the bibliography of what they cite.
 *
 * @param reports - LaTeX fragments, as `--format latex` prints them.
 * @param title - The document's title (LaTeX text mode, ASCII).
 */
export function latexDocument(
  reports: readonly string[],
  title = 'Conservation laws derived by noether',
): string {
  const body = reports.join('\n\n');
  const bib = thebibliography(citedKeys(body));
  return [
    '\\documentclass{article}',
    '\\usepackage{amsmath}',
    '\\usepackage{amssymb}',
    `\\title{${title}}`,
    '\\author{}',
    '\\date{}',
    '\\begin{document}',
    '\\maketitle',
    '',
    body,
    ...(bib ? ['', bib] : []),
    '',
    '\\end{document}',
  ].join('\n');
}
