/**
 * --format latex across the CLI: pure ASCII for every catalog entry, rule and command, and
 * --standalone documents that pdflatex compiles (skipped with a message where pdflatex is absent;
 * required in CI).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogNames } from '../../src/catalog';
import { bibtex, REFERENCES } from '../../src/render/references';
import { latexText } from '../../src/render/latexText';
import { runCli } from '../helpers/cli';
import { compileLatex, pdflatexAvailable } from '../helpers/latex';

const isAscii = (s: string): boolean => [...s].every((c) => c.charCodeAt(0) < 128);
const UNKNOWN = /\[U\+[0-9A-F]{4,}\]/;

describe('LaTeX output is ASCII (property over the catalog and the rules)', () => {
  const rules = [
    'gf(wd=lambda)',
    'sgd(lr=eta, wd=lambda)',
    'sgd(lr=0.1, wd=0.01)',
    'momentum(lr=eta, beta=beta, dampening=d, wd=lambda)',
    'momentum(lr=0.1, beta=0.9, wd=0.01)',
    'precond(lr=eta, wd=lambda)',
    'adam(lr=0.01)',
  ];
  it.each(catalogNames())('derive %s, under every rule', (name) => {
    const outs = [runCli('derive', name, '--format', 'latex')];
    if (['rescale', 'scale', 'translation', 'gl', 'homogeneity', 'augmentation'].includes(name))
      for (const r of rules) outs.push(runCli('derive', name, '--rule', r, '--format', 'latex'));
    for (const o of outs) {
      expect(o.code).toBe(0);
      expect(isAscii(o.out)).toBe(true);
      expect(o.out).not.toMatch(UNKNOWN);
      expect(o.out).not.toMatch(/\\mathrm\{[a-z]+\\_[a-z]+\}|w\\_in/);
    }
  });

  it.each<string[]>([
    ['check', 'rescale', '--runs', '3'],
    ['check', 'mirror-swap', '--runs', '3'],
    ['check', 'unit-swap', '--runs', '3'],
    ['check', 'rescale', '--rule', 'sgd(lr=0.05, wd=0.01)', '--steps', '10', '--runs', '2'],
    ['scan', '4-6-3:tanh:batch+affine'],
    ['laws', '--arch', '3-2-3:linear'],
    ['laws', 'examples/shear.yaml', '--momentum'],
    ['prove', '--all'],
  ])('%s %s', (...args) => {
    const o = runCli(...args, '--format', 'latex');
    expect(o.code).toBe(0);
    expect(o.out.length).toBeGreaterThan(200);
    expect(isAscii(o.out)).toBe(true);
    expect(o.out).not.toMatch(UNKNOWN);
  });
});

describe('--standalone', () => {
  it.each<string[]>([
    ['derive', 'rescale', '--standalone'],
    ['check', 'rescale', '--format', 'text', '--standalone'],
    ['scan', '3-5-2:linear', '--format', 'markdown', '--standalone'],
  ])('without --format latex is an input error: %s', (...args) => {
    const r = runCli(...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe('noether: --standalone writes a LaTeX document: it needs --format latex\n');
  });

  it('is one document with the reports and a bibliography of exactly what they cite', () => {
    const r = runCli('derive', 'gl', 'mirror-swap', '--format', 'latex', '--standalone');
    expect(r.code).toBe(0);
    const doc = r.out;
    expect(doc.startsWith('\\documentclass{article}\n')).toBe(true);
    expect(doc.trimEnd().endsWith('\\end{document}')).toBe(true);
    expect(doc.match(/\\documentclass/g)).toHaveLength(1);
    expect([...doc.matchAll(/\\usepackage\{([^}]*)\}/g)].map((m) => m[1])).toEqual(['amsmath', 'amssymb']);
    expect(doc).toContain('\\subsection*{gl \\cite{kunin2021neural,gluch2021noether}}');
    expect(doc).toContain('\\subsection*{mirror-swap \\cite{ziyin2024symmetry}}');
    const items = [...doc.matchAll(/\\bibitem\{([^}]*)\}/g)].map((m) => m[1]).sort();
    expect(items).toEqual(['gluch2021noether', 'kunin2021neural', 'ziyin2024symmetry']);
    expect(doc).toContain('\\bibitem{gluch2021noether} Grzegorz G{\\l}uch and R{\\"u}diger Urbanke.');
  });

  const docs: Array<[string, string[]]> = [
    [
      'derive of catalog entries (gl, a mirror, scale)',
      ['derive', 'gl', 'mirror-swap', 'scale', 'augmentation', 'examples/tutorial/leaky-unit.yaml'],
    ],
    ['derive --rule sgd', ['derive', 'rescale', '--rule', 'sgd(lr=0.1, wd=0.01)']],
    ['derive --rule momentum', ['derive', 'scale', '--rule', 'momentum(lr=0.1, beta=0.9, wd=0.01)']],
    ['check rescale --runs 5', ['check', 'rescale', '--runs', '5']],
    [
      'check --rule',
      ['check', 'translation', '--rule', 'momentum(lr=0.05, beta=0.9)', '--steps', '20', '--runs', '2'],
    ],
    ['scan', ['scan', '4-8-8-3:relu:ce']],
    ['laws --arch 3-2-3:linear', ['laws', '--arch', '3-2-3:linear']],
    ['prove --all', ['prove', '--all']],
  ];
  const compile = pdflatexAvailable() ? it.each(docs) : it.skip.each(docs);
  compile(
    'compiles with pdflatex: %s',
    (_, args) => {
      const r = runCli(...args, '--format', 'latex', '--standalone');
      expect([0, 4]).toContain(r.code);
      const c = compileLatex(r.out);
      expect(c.errors).toBe('');
      expect(c.status).toBe(0);
      expect(c.pdf).toBe(true);
    },
    60_000,
  );
});

describe('references', () => {
  it('docs/noether.bib is what the references module generates (npm run bib)', () => {
    expect(readFileSync(join(__dirname, '..', '..', 'docs', 'noether.bib'), 'utf8')).toBe(bibtex());
  });

  it("agree with docs/theory.md's references: tags, authors, titles, years and arXiv numbers", () => {
    const theory = readFileSync(join(__dirname, '..', '..', 'docs', 'theory.md'), 'utf8');
    const refs = theory.slice(theory.indexOf('\n## References'));
    const sections = new Map(
      [...refs.matchAll(/^### (\S+)\n([\s\S]*?)(?=\n### |\n\[|(?![\s\S]))/gm)].map((m) => [
        m[1]!,
        m[2]!.replace(/\s+/g, ' '),
      ]),
    );
    expect([...sections.keys()].sort()).toEqual(REFERENCES.map((r) => r.tag).sort());
    for (const r of REFERENCES) {
      const s = sections.get(r.tag)!;
      expect(s).toContain(`arXiv:${r.arxiv}`);
      expect(s).toContain(String(r.year));
      expect(s).toContain(`*${r.title}.*`);
      const authors = s.slice(0, s.indexOf('. *'));
      expect(latexText(authors).split(', ')).toEqual(r.authors);
    }
  });
});
