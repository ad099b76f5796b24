/**
 * The report as one self-contained HTML page: math typeset by KaTeX at build time (its style sheet
 * and fonts embedded as data URIs), plots inline as SVG, no script and nothing fetched over the
 * network. Every string from a record is escaped; LaTeX goes only to KaTeX, which renders a formula
 * it cannot parse as a visible error node (the browser test counts them) instead of throwing.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** HTML-escape text (element content and attribute values). */
export const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

interface Katex {
  renderToString(tex: string, opts: Record<string, unknown>): string;
}
let katex: Katex | undefined;

/** A formula typeset by KaTeX (display or inline). */
export function math(tex: string, display = true): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  katex ??= require('katex') as Katex;
  return katex.renderToString(tex, {
    displayMode: display,
    throwOnError: false,
    output: 'htmlAndMathml',
    strict: 'ignore',
  });
}

/** KaTeX's style sheet with its WOFF2 fonts as data URIs (the other font formats dropped). */
function katexCss(): string {
  const dir = join(dirname(require.resolve('katex')), 'fonts');
  const fonts = new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.woff2'))
      .map((f) => [f, readFileSync(join(dir, f)).toString('base64')] as const),
  );
  const css = readFileSync(join(dirname(require.resolve('katex')), 'katex.min.css'), 'utf8');
  return css.replace(
    /src:url\(fonts\/([\w-]+\.woff2)\) format\("woff2"\)(,url\([^)]*\) format\("[a-z]+"\))*/g,
    (_, f: string) => {
      const data = fonts.get(f);
      if (data === undefined) throw new Error(`internal: KaTeX font ${f} missing`);
      return `src:url(data:font/woff2;base64,${data}) format("woff2")`;
    },
  );
}

const STYLE = `
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; max-width: 1120px; margin: 2em auto; padding: 0 1em;
  color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
h3 { margin-top: 1.5em; } .meta { color: #555; font-size: 0.92em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f5f5f5; }
.verdict { font-weight: 600; white-space: nowrap; } .proved, .numerically-verified { color: #1a7f37; }
.refuted { color: #cf222e; } .inconclusive { color: #9a6700; }
figure { margin: 1.2em 0; } figcaption { color: #444; font-size: 0.9em; max-width: 900px; }
.plot svg { max-width: 100%; height: auto; } .law { margin: 0.8em 0; } .evidence { color: #555; font-size: 0.88em; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
nav a { margin-right: 1em; }
`;

/** A complete page from its title and body. */
export function page(title: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${katexCss()}</style>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
