/**
 * The sources the derivations cite, by their short tags (NM, NLD, GU, SIS, …; docs/theory.md,
 * References): one table, from which come the `\cite{…}` of a LaTeX report, the `thebibliography`
 * of a standalone document and the BibTeX file docs/noether.bib (`npm run bib`; a test keeps the
 * file equal to {@link bibtex}).
 */

/** One source: its tag in reports, its BibTeX key and what a bibliography prints. */
export interface Reference {
  /** The tag reports cite it by, e.g. `NM`. */
  readonly tag: string;
  /** Its BibTeX key (and `\cite` key), e.g. `kunin2021neural`. */
  readonly key: string;
  /** Authors, in LaTeX (ASCII: accents as `{\'e}`, `{\l}`). */
  readonly authors: readonly string[];
  readonly title: string;
  /** Where it appeared (a conference), or undefined for a preprint. */
  readonly venue?: string;
  readonly year: number;
  /** Its arXiv identifier. */
  readonly arxiv: string;
}

/** Every source, in the order of docs/theory.md's References. */
export const REFERENCES: readonly Reference[] = [
  {
    tag: 'NM',
    key: 'kunin2021neural',
    authors: [
      'Daniel Kunin',
      'Javier Sagastuy-Brena',
      'Surya Ganguli',
      'Daniel L. K. Yamins',
      'Hidenori Tanaka',
    ],
    title: 'Neural Mechanics: Symmetry and Broken Conservation Laws in Deep Learning Dynamics',
    venue: 'International Conference on Learning Representations (ICLR)',
    year: 2021,
    arxiv: '2012.04728',
  },
  {
    tag: 'NLD',
    key: 'tanaka2021noether',
    authors: ['Hidenori Tanaka', 'Daniel Kunin'],
    title: "Noether's Learning Dynamics: Role of Symmetry Breaking in Neural Networks",
    venue: 'Advances in Neural Information Processing Systems (NeurIPS)',
    year: 2021,
    arxiv: '2105.02716',
  },
  {
    tag: 'GU',
    key: 'gluch2021noether',
    authors: ['Grzegorz G{\\l}uch', 'R{\\"u}diger Urbanke'],
    title: 'Noether: The More Things Change, the More Stay the Same',
    year: 2021,
    arxiv: '2104.05508',
  },
  {
    tag: 'SIS',
    key: 'ziyin2024symmetry',
    authors: ['Liu Ziyin'],
    title: 'Symmetry Induces Structure and Constraint of Learning',
    venue: 'International Conference on Machine Learning (ICML)',
    year: 2024,
    arxiv: '2309.16932',
  },
  {
    tag: 'Hoff17',
    key: 'hoff2017lasso',
    authors: ['Peter D. Hoff'],
    title: 'Lasso, Fractional Norm and Structured Sparse Estimation Using a Hadamard Product Parametrization',
    venue: 'Computational Statistics and Data Analysis',
    year: 2017,
    arxiv: '1611.00040',
  },
  {
    tag: 'MGP',
    key: 'marcotte2023abide',
    authors: ['Sibylle Marcotte', "R{\\'e}mi Gribonval", "Gabriel Peyr{\\'e}"],
    title: 'Abide by the Law and Follow the Flow: Conservation Laws for Gradient Flows',
    venue: 'Advances in Neural Information Processing Systems (NeurIPS)',
    year: 2023,
    arxiv: '2307.00144',
  },
  {
    tag: 'ZGWYD',
    key: 'zhao2023symmetries',
    authors: ['Bo Zhao', 'Iordan Ganev', 'Robin Walters', 'Rose Yu', 'Nima Dehmamy'],
    title: 'Symmetries, Flat Minima, and the Conserved Quantities of Gradient Flow',
    venue: 'International Conference on Learning Representations (ICLR)',
    year: 2023,
    arxiv: '2210.17216',
  },
  {
    tag: 'MPG25',
    key: 'marcotte2025transformative',
    authors: ['Sibylle Marcotte', "R{\\'e}mi Gribonval", "Gabriel Peyr{\\'e}"],
    title: 'Transformative or Conservative? Conservation Laws for ResNets and Transformers',
    venue: 'International Conference on Machine Learning (ICML)',
    year: 2025,
    arxiv: '2506.06194',
  },
  {
    tag: 'ZWD22',
    key: 'zhao2022symmetry',
    authors: ['Bo Zhao', 'Nima Dehmamy', 'Robin Walters', 'Rose Yu'],
    title: 'Symmetry Teleportation for Accelerated Optimization',
    venue: 'Advances in Neural Information Processing Systems (NeurIPS)',
    year: 2022,
    arxiv: '2205.10637',
  },
  {
    tag: 'MGP24',
    key: 'marcotte2024keep',
    authors: ['Sibylle Marcotte', "R{\\'e}mi Gribonval", "Gabriel Peyr{\\'e}"],
    title: 'Keep the Momentum: Conservation Laws beyond Euclidean Gradient Flows',
    venue: 'International Conference on Machine Learning (ICML)',
    year: 2024,
    arxiv: '2405.12888',
  },
  {
    tag: 'ZGWY24',
    key: 'zhao2024improving',
    authors: ['Bo Zhao', 'Robert M. Gower', 'Robin Walters', 'Rose Yu'],
    title: 'Improving Convergence and Generalization Using Parameter Symmetries',
    venue: 'International Conference on Learning Representations (ICLR)',
    year: 2024,
    arxiv: '2305.13404',
  },
  {
    tag: 'DHL',
    key: 'du2018algorithmic',
    authors: ['Simon S. Du', 'Wei Hu', 'Jason D. Lee'],
    title:
      'Algorithmic Regularization in Learning Deep Homogeneous Models: Layers are Automatically Balanced',
    venue: 'Advances in Neural Information Processing Systems (NeurIPS)',
    year: 2018,
    arxiv: '1806.00900',
  },
];

const BY_TAG = new Map(REFERENCES.map((r) => [r.tag, r]));

/** A regular-expression alternative matching any tag (longest first: MGP24 before MGP). */
export const SOURCE_TAG = [...BY_TAG.keys()].sort((a, b) => b.length - a.length).join('|');

/**
 * A source as reports write it (`NM`, `NM, GU`, `GU; NM §3`, `NM §3 (derived)`, `[SIS, heuristic]`)
 * with each tag as `\cite{key}` (a section as `\cite[\S 3]{key}`); other words stay, escaped.
 *
 * @param source - The source text, with or without its square brackets.
 */
export function citeOf(source: string): string {
  const bracketed = /^\[[\s\S]*\]$/.test(source);
  const inner = bracketed ? source.slice(1, -1) : source;
  const parts = inner.split(/\s*([,;])\s*/);
  const out: string[] = [];
  let pending: string[] = [];
  const flush = (): void => {
    if (pending.length) out.push(`\\cite{${pending.join(',')}}`);
    pending = [];
  };
  for (let i = 0; i < parts.length; i += 2) {
    const part = parts[i]!;
    const m = new RegExp(`^(${SOURCE_TAG})(?:\\s+§\\s*(\\S+))?(.*)$`).exec(part);
    const ref = m ? BY_TAG.get(m[1]!) : undefined;
    if (m && ref && m[2] === undefined && m[3] === '') pending.push(ref.key);
    else if (m && ref) {
      flush();
      out.push(
        `${m[2] !== undefined ? `\\cite[\\S ${m[2]}]{${ref.key}}` : `\\cite{${ref.key}}`}${escapeWords(m[3]!)}`,
      );
    } else {
      flush();
      out.push(escapeWords(part));
    }
  }
  flush();
  const text = out.join(', ');
  return bracketed && !/^\\cite\{[^}]*\}$/.test(text) ? `(${text})` : text;
}

/** Plain words beside a tag (`(derived)`, `heuristic`), escaped for text mode. */
const escapeWords = (s: string): string => s.replace(/[\\{}$&#^_%~]/g, (c) => `\\${c}`);

/** The BibTeX keys a LaTeX text cites, in order of first citation. */
export function citedKeys(latex: string): string[] {
  const keys = new Set<string>();
  for (const m of latex.matchAll(/\\cite(?:\[[^\]]*\])?\{([^}]*)\}/g))
    for (const k of m[1]!.split(',')) keys.add(k.trim());
  return [...keys].filter((k) => REFERENCES.some((r) => r.key === k));
}

const authorList = (r: Reference): string =>
  r.authors.length <= 2
    ? r.authors.join(' and ')
    : `${r.authors.slice(0, -1).join(', ')}, and ${r.authors.at(-1)}`;

/**
 * A `thebibliography` environment of the given sources (every one by default), for a document that
 * compiles with pdflatex alone; an empty string when there are none.
 *
 * @param keys - BibTeX keys, in the order the document should list them.
 */
export function thebibliography(keys: readonly string[] = REFERENCES.map((r) => r.key)): string {
  const refs = keys.map((k) => REFERENCES.find((r) => r.key === k)).filter((r) => r !== undefined);
  if (!refs.length) return '';
  return [
    `\\begin{thebibliography}{${refs.length}}`,
    ...refs.map(
      (r) =>
        `\\bibitem{${r.key}} ${authorList(r)}. \\emph{${r.title}}. ` +
        `${r.venue ? `${r.venue}, ${r.year}. ` : ''}arXiv:${r.arxiv}${r.venue ? '' : `, ${r.year}`}.`,
    ),
    '\\end{thebibliography}',
  ].join('\n');
}

/** Every source as BibTeX (what docs/noether.bib holds). */
export function bibtex(): string {
  return [
    '% The sources noether cites (docs/theory.md, References). Generated by `npm run bib`',
    '% from src/render/references.ts: edit that table, not this file.',
    '',
    ...REFERENCES.map((r) =>
      [
        `@${r.venue ? 'inproceedings' : 'misc'}{${r.key},`,
        `  author = {${r.authors.join(' and ')}},`,
        `  title = {{${r.title}}},`,
        ...(r.venue
          ? [`  booktitle = {${r.venue}},`]
          : [`  howpublished = {arXiv preprint arXiv:${r.arxiv}},`]),
        `  year = {${r.year}},`,
        `  eprint = {${r.arxiv}},`,
        `  archivePrefix = {arXiv},`,
        `  note = {Cited by noether as [${r.tag}]},`,
        '}',
        '',
      ].join('\n'),
    ),
  ].join('\n');
}
