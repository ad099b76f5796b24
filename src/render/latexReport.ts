/**
 * A text report (check, scan, laws, a rule's trajectories) as LaTeX: the same words, so the two never
 * drift apart. Paragraphs stay paragraphs (their lines broken with `\\`), numbered lines (`1. …`)
 * become items labelled with their numbers, indented lines become bullets (nested by indentation)
 * or, under a numbered item, its further lines; every line goes through {@link latexText}.
 */
import { latexText } from './latexText';

interface OpenList {
  readonly indent: number;
  /** Numbered items take their more indented lines as continuation lines. */
  readonly numbered: boolean;
}

/**
 * A text report as a LaTeX fragment under a `\subsection*` heading.
 *
 * @param comment - The command that made it (a `%` comment line; non-ASCII becomes `?`).
 * @param heading - The heading (text, Unicode allowed).
 * @param body - The report's text, as `--format text` prints it without its heading line.
 */
export function latexReport(comment: string, heading: string, body: string): string {
  const out = [latexComment(comment), `\\subsection*{${latexText(heading)}}`];
  const lists: OpenList[] = [];
  const close = (indent: number): void => {
    while (lists.length && lists[lists.length - 1]!.indent > indent) {
      lists.pop();
      out.push('\\end{itemize}');
    }
  };
  let paragraph = false;
  for (const raw of body.split('\n')) {
    const line = raw.trimEnd();
    if (!line.trim()) {
      close(-1);
      if (paragraph) out.push('');
      paragraph = false;
      continue;
    }
    const indent = line.length - line.trimStart().length;
    const numbered = /^(\d+)\.\s+(.*)$/.exec(line.trimStart());
    const top = lists[lists.length - 1];
    if (numbered) {
      close(indent);
      if (lists[lists.length - 1]?.indent !== indent) open(indent, true);
      out.push(`  \\item[${numbered[1]}.] ${guard(latexText(numbered[2]!))}`);
      continue;
    }
    if (indent === 0) {
      close(-1);
      if (paragraph) out[out.length - 1] += ' \\\\';
      out.push(latexText(line));
      paragraph = true;
      continue;
    }
    if (top && top.numbered && top.indent < indent) {
      out.push(`  \\\\ ${latexText(line.trimStart())}`);
      continue;
    }
    close(indent);
    if (lists[lists.length - 1]?.indent !== indent) open(indent, false);
    out.push(`  \\item ${guard(latexText(line.trimStart()))}`);
  }
  close(-1);
  while (out[out.length - 1] === '') out.pop();
  return out.join('\n');

  function open(indent: number, numbered: boolean): void {
    if (paragraph) out.push('');
    paragraph = false;
    lists.push({ indent, numbered });
    out.push('\\begin{itemize}');
  }
}

/** An item's text that starts with `[` would be read as its label: `{}` before it. */
const guard = (s: string): string => (s.startsWith('[') ? `{}${s}` : s);

/** A `%` comment line, ASCII (what it shows is for the reader of the source, not for LaTeX). */
export function latexComment(s: string): string {
  return `% ${s.replace(/[^\x20-\x7e]/g, '?')}`;
}
