/** Breaking long display formulas: lines within the limit where a break exists, the formula unchanged. */
import fc from 'fast-check';
import katex from 'katex';
import { displayMath, LINE_LIMIT } from '../../src/render/latexBreak';
import { catalogNames } from '../../src/catalog';
import { runCli } from '../helpers/cli';

/** The lines of a displayed formula: one for `\[ f \]`, the split's lines otherwise (markup removed). */
function lines(display: string): string[] {
  const split = /^\\\[ \\begin\{split\}\n([\s\S]*)\n\\end\{split\} \\\]$/.exec(display);
  if (!split) {
    const one = /^\\\[ ([\s\S]*) \\\]$/.exec(display);
    if (!one) throw new Error(`not a display: ${display}`);
    return [one[1]!];
  }
  return split[1]!.split(' \\\\\n').map((l) => l.replace(/^\s*&(?:\\quad )?(?:\{\} )?\s*/, ''));
}

const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

/**
 * Whether a line has a place LaTeX could break it (written here independently of the renderer): a
 * `+`, `-` or `=` after an operand, outside every brace and `\left…\right`.
 */
function breakable(line: string): boolean {
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const rest = line.slice(i);
    if (rest.startsWith('\\left') || rest.startsWith('\\begin')) depth++;
    else if (rest.startsWith('\\right') || rest.startsWith('\\end')) depth--;
    else if (rest.startsWith('\\{') || rest.startsWith('\\}')) i++;
    else if (line[i] === '{') depth++;
    else if (line[i] === '}') depth--;
    else if (
      depth === 0 &&
      i > 0 &&
      '+-='.includes(line[i]!) &&
      /[A-Za-z0-9)}\]|]\s*$/.test(line.slice(0, i))
    )
      return true;
  }
  return false;
}

function checkDisplay(f: string): void {
  const d = displayMath(f);
  const ls = lines(d);
  // The same formula: the lines joined again are the formula, up to spaces.
  expect(squash(ls.join(' '))).toBe(squash(f));
  for (const l of ls) if (l.length > LINE_LIMIT) expect(breakable(l)).toBe(false);
  if (f.length <= LINE_LIMIT) expect(ls).toHaveLength(1);
  expect(() => katex.renderToString(d.slice(2, -2), { throwOnError: true, displayMode: true })).not.toThrow();
}

describe('displayMath', () => {
  it('leaves a short formula on one line', () => {
    expect(displayMath('a + b = c')).toBe('\\[ a + b = c \\]');
  });

  it('breaks a long sum before its operators, never inside braces or \\left…\\right', () => {
    const term = (i: number): string => `\\frac{x_{${i}} + y_{${i}}}{2} \\left(a_{${i}} - b_{${i}}\\right)`;
    const f = `Q = ${Array.from({ length: 8 }, (_, i) => term(i)).join(' + ')} - c`;
    expect(f.length).toBeGreaterThan(2 * LINE_LIMIT);
    const ls = lines(displayMath(f));
    expect(ls.length).toBeGreaterThan(2);
    for (const l of ls.slice(1)) expect(l).toMatch(/^[-+=] /);
    for (const l of ls) expect(l.length).toBeLessThanOrEqual(LINE_LIMIT);
    checkDisplay(f);
  });

  it('breaks between equations separated by \\quad first, and never at a unary minus', () => {
    const eq = (n: string): string =>
      `${n} = -\\frac{1}{2} \\, \\lVert w_{\\mathrm{${n}}} \\rVert^{2} + \\eta^{2} g_{k}`;
    const f = `${eq('a')}, \\quad ${eq('b')}, \\quad ${eq('c')}`;
    const ls = lines(displayMath(f));
    expect(ls.every((l) => !/^-/.test(l))).toBe(true);
    expect(ls.some((l) => /^b = /.test(l) || /^c = /.test(l))).toBe(true);
    checkDisplay(f);
  });

  it('never breaks inside an environment (a pmatrix has rows of its own)', () => {
    const col = (xs: string[]): string => `\\begin{pmatrix} ${xs.join(' \\\\ ')} \\end{pmatrix}`;
    const g = ['w', 'b', '-v', '-u', 'x + y'].map(
      (x) => `\\frac{\\partial L}{\\partial ${x.replace(/^-/, '')}}`,
    );
    const f = `H ${col(['w', 'b', '-v', '-u'])} = -${col(g)}`;
    expect(f.length).toBeGreaterThan(LINE_LIMIT);
    const ls = lines(displayMath(f));
    expect(ls).toEqual([`H ${col(['w', 'b', '-v', '-u'])}`, `= -${col(g)}`]);
    checkDisplay(f);
  });

  it('keeps an unbreakable formula whole', () => {
    const f = `\\sqrt{${Array.from({ length: 30 }, (_, i) => `x_{${i}}`).join(' + ')}}`;
    expect(lines(displayMath(f))).toEqual([f]);
  });

  it('any sum of bracketed terms keeps its formula, and its long lines cannot be broken (property)', () => {
    const atom = fc.constantFrom(
      'x',
      'y_{1}',
      '\\theta',
      '\\frac{a + b}{c}',
      '\\left(u - v\\right)',
      'w^{2}',
      '2',
    );
    const term = fc.array(atom, { minLength: 1, maxLength: 6 }).map((xs) => xs.join(' \\, '));
    const op = fc.constantFrom(' + ', ' - ', ' = ', ', \\quad ');
    const formula = fc
      .tuple(term, fc.array(fc.tuple(op, term), { maxLength: 30 }))
      .map(([t, rest]) => t + rest.map(([o, u]) => o + u).join(''));
    fc.assert(fc.property(formula, (f) => checkDisplay(f)));
  });

  it('every display formula that derive prints, for every catalog entry and rule', () => {
    const rules = [
      'sgd(lr=0.1, wd=0.01)',
      'momentum(lr=0.1, beta=0.9, wd=0.01)',
      'adam(lr=eta)',
      'precond(lr=eta)',
    ];
    const outputs = [
      ...catalogNames().map((n) => runCli('derive', n, '--format', 'latex').out),
      ...['rescale', 'scale', 'gl'].flatMap((n) =>
        rules.map((r) => runCli('derive', n, '--rule', r, '--format', 'latex').out),
      ),
    ];
    let broken = 0;
    for (const out of outputs)
      for (const m of out.matchAll(/\\\[ (?:\\begin\{split\}\n[\s\S]*?\n\\end\{split\}|.*?) \\\]/g)) {
        const ls = lines(m[0]);
        if (ls.length > 1) broken++;
        for (const l of ls) if (l.length > LINE_LIMIT) expect(breakable(l)).toBe(false);
      }
    expect(broken).toBeGreaterThan(5);
    // gl's gradient constraint (over 100 characters) is broken.
    const gl = outputs[catalogNames().indexOf('gl')]!;
    expect(gl).toMatch(/\\begin\{split\}\n {2}& \\operatorname\{tr\}/);
  });
});
