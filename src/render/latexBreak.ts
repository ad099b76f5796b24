/**
 * Long display formulas broken over lines: a formula longer than {@link LINE_LIMIT} characters is
 * set in a `split` with `\\` before a top-level `+`, `-` or `=` (never inside braces, a
 * `\left…\right` pair or an environment such as `pmatrix`, where LaTeX cannot break) or after a
 * top-level `, \quad` or `, \;` between equations, each line filled up to the limit.
 */

/** The longest line of a display formula, in characters of LaTeX source, where it can be broken. */
export const LINE_LIMIT = 100;

/** A command that spaces (`\quad`, `\;`, `\,`): a sign after it is unary. */
const SPACING = /\\(?:q?quad|[;,:! ])\s*$/;

/** A command that is an operator or relation (or opens a group): a sign after it is unary. */
const OPERATOR =
  /\\(?:cdot|times|le|ge|leq|geq|ne|to|mapsto|in|pm|approx|equiv|Leftrightarrow|Rightarrow|left|big|Big|bigl|Bigl)$/;

/**
 * Where a formula may be broken: the offsets at which a new line may start. Only at depth 0 (outside
 * every `{…}`, `\left…\right` and `\begin…\end`): before a binary `+`, `-` or `=`, and after `, \quad` or `, \;`.
 *
 * @param f - A LaTeX math-mode formula.
 */
export function breakPoints(f: string): number[] {
  const out: number[] = [];
  let depth = 0;
  for (let i = 0; i < f.length; i++) {
    const c = f[i]!;
    if (c === '\\') {
      const cmd = /^\\([A-Za-z]+|[\s\S])?/.exec(f.slice(i))![1] ?? '';
      if (cmd === 'left' || cmd === 'begin') depth++;
      else if (cmd === 'right' || cmd === 'end') depth--;
      else if (depth === 0 && (cmd === 'quad' || cmd === ';') && /,\s*$/.test(f.slice(0, i))) {
        const end = i + 1 + cmd.length;
        const next = end + /^\s*/.exec(f.slice(end))![0].length;
        if (next < f.length) out.push(next);
      }
      i += cmd.length;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (depth === 0 && (c === '+' || c === '-' || c === '=') && i > 0) {
      const before = f.slice(0, i).trimEnd();
      if (before && !/[([{=+\-,^_&|<>]$/.test(before) && !SPACING.test(before) && !OPERATOR.test(before))
        out.push(i);
    }
  }
  return out;
}

/**
 * The lines a formula is set in: pieces between break points, joined greedily while a line stays
 * within the limit (a piece longer than the limit stands alone on its line).
 *
 * @param f - A LaTeX math-mode formula.
 * @param limit - The longest line wanted.
 */
export function breakLines(f: string, limit = LINE_LIMIT): string[] {
  const text = f.trim();
  if (text.length <= limit) return [text];
  const points = breakPoints(text);
  // Equations separated by `, \quad` are kept whole where they fit; only longer ones are broken.
  const between = new Set(points.filter((p) => /,\s*\\(?:quad|;)\s*$/.test(text.slice(0, p))));
  const pieces = (cuts: readonly number[], from: number, to: number): string[] =>
    [from, ...cuts, to].slice(1).map((c, i, xs) => text.slice(i === 0 ? from : xs[i - 1]!, c).trim());
  const equations = pieces([...between], 0, text.length);
  const starts = [0, ...between];
  const lines: string[] = [];
  let short: string[] = [];
  equations.forEach((e, k) => {
    if (e.length <= limit) return void short.push(e);
    lines.push(...fill(short, limit));
    short = [];
    const from = starts[k]!;
    const to = k + 1 < starts.length ? starts[k + 1]! : text.length;
    const inside = points.filter((p) => p > from && p < to && !between.has(p));
    lines.push(...fill(pieces(inside, from, to), limit));
  });
  return [...lines, ...fill(short, limit)];
}

/** Pieces joined into lines while a line stays within the limit. */
function fill(pieces: readonly string[], limit: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const p of pieces) {
    if (line && line.length + 1 + p.length > limit) {
      lines.push(line);
      line = p;
    } else line = line ? `${line} ${p}` : p;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * A display formula: `\[ f \]`, or for a formula over the limit with somewhere to break it, a
 * `split` in it (amsmath; KaTeX renders it too): one line per `\\`, the first at the left margin and
 * the others indented, each starting with the operator it was broken before (as a binary operator:
 * `{} + x`).
 *
 * @param f - A LaTeX math-mode formula.
 * @param limit - The longest line wanted.
 */
export function displayMath(f: string, limit = LINE_LIMIT): string {
  const lines = breakLines(f, limit);
  if (lines.length === 1) return `\\[ ${lines[0]} \\]`;
  return [
    '\\[ \\begin{split}',
    ...lines.map(
      (l, i) =>
        `  ${i === 0 ? '& ' : `&\\quad ${/^[-+=]/.test(l) ? '{} ' : ''}`}${l}${i + 1 < lines.length ? ' \\\\' : ''}`,
    ),
    '\\end{split} \\]',
  ].join('\n');
}
