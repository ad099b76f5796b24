/**
 * Unicode report text as plain-ASCII LaTeX. The reports are written for terminals, with Unicode
 * mathematics inline (`⟨g, X⟩ = 0`, `θ̇ = −g`, `‖w_in‖²`); pdflatex's default input encoding rejects
 * every non-ASCII byte. {@link latexText} finds the mathematical runs of a sentence and sets each in
 * one `$…$`, escapes the rest for text mode, turns accented letters into LaTeX accents (Głuch →
 * G{\l}uch) and the source tags of a sentence (`[SIS]`) into `\cite{…}`; {@link latexMath} makes a
 * formula that is already LaTeX pure ASCII. A character neither knows becomes a visible `[U+XXXX]`
 * ({@link unknownCharacters} finds them; the tests require there be none).
 */
import { latexName } from '../expr/print';
import { citeOf, SOURCE_TAG } from './references';

/** Greek letters, by character, as LaTeX math commands. */
const GREEK: Readonly<Record<string, string>> = {
  α: '\\alpha',
  β: '\\beta',
  γ: '\\gamma',
  δ: '\\delta',
  ε: '\\varepsilon',
  ζ: '\\zeta',
  η: '\\eta',
  θ: '\\theta',
  ι: '\\iota',
  κ: '\\kappa',
  λ: '\\lambda',
  μ: '\\mu',
  ν: '\\nu',
  ξ: '\\xi',
  π: '\\pi',
  ρ: '\\rho',
  σ: '\\sigma',
  τ: '\\tau',
  υ: '\\upsilon',
  φ: '\\varphi',
  χ: '\\chi',
  ψ: '\\psi',
  ω: '\\omega',
  Γ: '\\Gamma',
  Δ: '\\Delta',
  Θ: '\\Theta',
  Λ: '\\Lambda',
  Ξ: '\\Xi',
  Π: '\\Pi',
  Σ: '\\Sigma',
  Φ: '\\Phi',
  Ψ: '\\Psi',
  Ω: '\\Omega',
  ℓ: '\\ell',
};

/** Mathematical symbols (other than Greek letters and scripts) as LaTeX math. */
const SYMBOLS: Readonly<Record<string, string>> = {
  '−': '-',
  '∂': '\\partial ',
  '∇': '\\nabla ',
  '⟨': '\\langle ',
  '⟩': '\\rangle ',
  '‖': '\\|',
  '·': '\\cdot ',
  '×': '\\times ',
  '≤': '\\le ',
  '≥': '\\ge ',
  '≠': '\\ne ',
  '≈': '\\approx ',
  '≡': '\\equiv ',
  '≢': '\\not\\equiv ',
  '→': '\\to ',
  '←': '\\leftarrow ',
  '↦': '\\mapsto ',
  '↔': '\\leftrightarrow ',
  '⟺': '\\Leftrightarrow ',
  '⇔': '\\Leftrightarrow ',
  '⇒': '\\Rightarrow ',
  '∈': '\\in ',
  '∉': '\\notin ',
  '∞': '\\infty ',
  '∫': '\\int ',
  '∑': '\\sum ',
  '∏': '\\prod ',
  '√': '\\surd ',
  '⊕': '\\oplus ',
  '⊗': '\\otimes ',
  '∘': '\\circ ',
  '±': '\\pm ',
  '∗': '\\ast ',
  '∝': '\\propto ',
  '⊂': '\\subset ',
  '⊆': '\\subseteq ',
  '∪': '\\cup ',
  '∩': '\\cap ',
  '∀': '\\forall ',
  '∃': '\\exists ',
  '∅': '\\emptyset ',
  ℚ: '\\mathbb{Q}',
  ℝ: '\\mathbb{R}',
  ℤ: '\\mathbb{Z}',
  ℕ: '\\mathbb{N}',
  '½': '\\tfrac12 ',
  '⅓': '\\tfrac13 ',
  '¼': '\\tfrac14 ',
  '…': '\\ldots ',
  '⋯': '\\cdots ',
};

/** Symbols that are as much prose as mathematics: a formula takes them in, but they start none. */
const NEUTRAL_SYMBOLS = new Set(['…', '⋯']);

/** Superscript characters: the script they stand for. */
const SUPERSCRIPTS: Readonly<Record<string, string>> = {
  '⁰': '0',
  '¹': '1',
  '²': '2',
  '³': '3',
  '⁴': '4',
  '⁵': '5',
  '⁶': '6',
  '⁷': '7',
  '⁸': '8',
  '⁹': '9',
  '⁺': '+',
  '⁻': '-',
  ᵀ: '\\top ',
  ᵗ: 't',
  ⁿ: 'n',
  ᵏ: 'k',
  ⁱ: 'i',
};

/** Subscript characters: the script they stand for. */
const SUBSCRIPTS: Readonly<Record<string, string>> = {
  '₀': '0',
  '₁': '1',
  '₂': '2',
  '₃': '3',
  '₄': '4',
  '₅': '5',
  '₆': '6',
  '₇': '7',
  '₈': '8',
  '₉': '9',
  '₊': '+',
  '₋': '-',
  ᵢ: 'i',
  ⱼ: 'j',
  ₖ: 'k',
  ₜ: 't',
  ₙ: 'n',
};

/** Combining marks (after NFD) on a mathematical letter: the math accent. */
const MATH_ACCENTS: Readonly<Record<string, string>> = {
  '\u0307': '\\dot',
  '\u0308': '\\ddot',
  '\u0302': '\\hat',
  '\u0303': '\\tilde',
  '\u0304': '\\bar',
  '\u0301': '\\acute',
  '\u0300': '\\grave',
  '\u030C': '\\check',
  '\u0306': '\\breve',
  '\u20D7': '\\vec',
};

/** Combining marks (after NFD) on a letter of a word: the text accent. */
const TEXT_ACCENTS: Readonly<Record<string, string>> = {
  '\u0301': "\\'",
  '\u0300': '\\`',
  '\u0302': '\\^',
  '\u0308': '\\"',
  '\u0303': '\\~',
  '\u0304': '\\=',
  '\u0307': '\\.',
  '\u0327': '\\c ',
  '\u030C': '\\v ',
  '\u0306': '\\u ',
  '\u030A': '\\r ',
  '\u030B': '\\H ',
  '\u0328': '\\k ',
};

/** Characters of text (not mathematics) as LaTeX text mode. */
const TEXT: Readonly<Record<string, string>> = {
  '—': '\\textemdash{}',
  '–': '\\textendash{}',
  '…': '\\ldots{}',
  '‘': '`',
  '’': "'",
  '“': '``',
  '”': "''",
  '\u00A0': '~',
  '§': '\\S{}',
  ł: '{\\l}',
  Ł: '{\\L}',
  ø: '{\\o}',
  Ø: '{\\O}',
  ß: '{\\ss}',
  æ: '{\\ae}',
  Æ: '{\\AE}',
  œ: '{\\oe}',
  Œ: '{\\OE}',
  å: '{\\aa}',
  Å: '{\\AA}',
  ı: '{\\i}',
  đ: '{\\dj}',
  '°': '\\ensuremath{^\\circ}',
};

/** ASCII characters that text mode must escape (or that OT1 fonts would print as other glyphs). */
const TEXT_ASCII: Readonly<Record<string, string>> = {
  '\\': '\\textbackslash{}',
  '{': '\\{',
  '}': '\\}',
  $: '\\$',
  '&': '\\&',
  '#': '\\#',
  '%': '\\%',
  _: '\\_',
  '^': '\\textasciicircum{}',
  '~': '\\textasciitilde{}',
  '<': '$<$',
  '>': '$>$',
  '|': '$|$',
  '"': "''",
};

/** ASCII characters that math mode must escape or spell. */
const MATH_ASCII: Readonly<Record<string, string>> = {
  '\\': '\\backslash ',
  '{': '\\{',
  '}': '\\}',
  $: '\\$',
  '&': '\\&',
  '#': '\\#',
  '%': '\\%',
  '~': '\\sim ',
  '*': '\\cdot ',
  '"': "''",
};

/** Function names that are mathematics next to a formula. */
const FUNCTIONS: Readonly<Record<string, string>> = {
  tanh: '\\tanh',
  sinh: '\\sinh',
  cosh: '\\cosh',
  sin: '\\sin',
  cos: '\\cos',
  tan: '\\tan',
  exp: '\\exp',
  log: '\\log',
  ln: '\\ln',
  min: '\\min',
  max: '\\max',
  det: '\\det',
  tr: '\\operatorname{tr}',
  sqrt: '\\operatorname{sqrt}',
  diag: '\\operatorname{diag}',
  sign: '\\operatorname{sign}',
  mod: '\\bmod',
};

/** What a character no table knows becomes: visible, ASCII, and found by {@link unknownCharacters}. */
const unknownMark = (c: string): string =>
  `[U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`;

const isMark = (c: string): boolean => /\p{M}/u.test(c);

/** Negated relations, which NFD splits into the relation and a combining solidus. */
const NEGATED: Readonly<Record<string, string>> = { '=': '≠', '≡': '≢', '∈': '∉' };

/** NFD (accents as combining marks), with negated relations kept whole. */
const nfd = (s: string): string =>
  s.normalize('NFD').replace(/([=≡∈])\u0338/g, (_, c: string) => NEGATED[c]!);

/** The non-ASCII characters (after NFD) of a text that neither text nor math tables translate. */
export function unknownCharacters(s: string): string[] {
  const out = new Set<string>();
  for (const c of nfd(s))
    if (
      c > '\x7f' &&
      !(c in GREEK || c in SYMBOLS || c in SUPERSCRIPTS || c in SUBSCRIPTS || c in TEXT) &&
      !(c in MATH_ACCENTS || c in TEXT_ACCENTS)
    )
      out.add(c);
  return [...out];
}

/** A combining mark on math: its math accent, or a text accent in `\\text{…}`, or the unknown mark. */
function mathAccent(base: string, mark: string): string {
  if (mark in MATH_ACCENTS) return `${MATH_ACCENTS[mark]}{${base.trim()}}`;
  if (mark in TEXT_ACCENTS) return `\\text{{${TEXT_ACCENTS[mark]}${base.trim()}}}`;
  return base + unknownMark(mark);
}

/** A non-ASCII character in math: its command, or its text form in `\\text{…}`, or the unknown mark. */
function mathOrText(c: string): string {
  return mathUnicode(c) ?? TEXT_IN_MATH[c] ?? (c in TEXT ? `\\text{${TEXT[c]}}` : unknownMark(c));
}

// ---------------- tokens ----------------

/**
 * A token's part in finding formulas: `strong` is mathematics wherever it stands (a Greek letter, a
 * Unicode symbol, a subscript); `weak` is mathematics next to a formula and text elsewhere (a
 * single letter, a number, `=`); `neutral` goes with its neighbours (spaces, brackets, commas);
 * `text` ends a formula (a word); `cite` is a source tag.
 */
type Role = 'strong' | 'weak' | 'neutral' | 'text' | 'cite' | 'break';

interface Token {
  readonly s: string;
  role: Role;
  /** For an identifier: it has letters only (no digits), more than one. */
  readonly word?: boolean;
}

/** What a `_` or `^` takes: a braced or bracketed group, a name (with its own subscripts), `*`, a number. */
const SCRIPT_NAME = String.raw`(?:[A-Za-z0-9\u0370-\u03ff]\p{M}*)+(?:_[A-Za-z0-9]+)*`;
const SCRIPT_ARG = String.raw`(?:\{[^{}]*\}|\([^()]*\)|${SCRIPT_NAME}|\*|[-−]?\d+)`;
const IDENT = String.raw`[A-Za-z\u0370-\u03ffℓ][\p{M}]*(?:[A-Za-z0-9\u0370-\u03ff][\p{M}]*)*`;
const TOKEN = new RegExp(
  [
    String.raw`(?<cite>\[(?:${SOURCE_TAG})\b[^\]\n]*\])`,
    String.raw`(?<brk>\n|  +)`,
    String.raw`(?<space> )`,
    String.raw`(?<ident>${IDENT}(?:[_^]${SCRIPT_ARG})*)`,
    String.raw`(?<script>[_^]${SCRIPT_ARG})`,
    String.raw`(?<num>\d+(?:\.\d+)?(?:e[-+]?\d+)?)`,
    String.raw`(?<sup>[⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ᵀᵗⁿᵏⁱ]+)`,
    String.raw`(?<sub>[₀₁₂₃₄₅₆₇₈₉₊₋ᵢⱼₖₜₙ]+)`,
    String.raw`(?<op>->|<=|>=|[=+\-*/<>|])`,
    String.raw`(?<punct>[(),;:.!?'\[\]])`,
    String.raw`(?<other>[\s\S]\p{M}*)`,
  ].join('|'),
  'gu',
);

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  for (const m of nfd(s).matchAll(TOKEN)) {
    const g = m.groups!;
    const t = m[0];
    if (g['cite'] !== undefined) out.push({ s: t, role: 'cite' });
    else if (g['brk'] !== undefined) out.push({ s: t, role: 'break' });
    else if (g['space'] !== undefined || g['punct'] !== undefined) out.push({ s: t, role: 'neutral' });
    else if (g['ident'] !== undefined) out.push(identToken(t));
    else if (g['script'] !== undefined || g['sup'] !== undefined || g['sub'] !== undefined)
      out.push({ s: t, role: 'strong' });
    else if (g['num'] !== undefined || g['op'] !== undefined) out.push({ s: t, role: 'weak' });
    else {
      const c = t[0]!;
      const math = (c in GREEK || c in SYMBOLS) && !NEUTRAL_SYMBOLS.has(c);
      out.push({ s: t, role: math ? 'strong' : c <= '\x7f' || NEUTRAL_SYMBOLS.has(c) ? 'neutral' : 'text' });
    }
  }
  // A '-' between two letters is a hyphen ("one-step"), not a minus.
  for (let i = 1; i + 1 < out.length; i++)
    if (out[i]!.s === '-' && /[A-Za-z]$/.test(out[i - 1]!.s) && /^[A-Za-z]/.test(out[i + 1]!.s))
      out[i]!.role = 'text';
  // 'a' after a word and before no operator is the article ("of a 2×2 pencil", not "at a = 0").
  for (let i = 0; i < out.length; i++) {
    if (out[i]!.s !== 'a' && out[i]!.s !== 'A') continue;
    const prev = out[i - 1]?.s === ' ' ? out[i - 2] : undefined;
    const next = out[i + 1]?.s === ' ' ? out[i + 2] : out[i + 1];
    if ((i === 0 || prev?.role === 'text') && next && !/^(?:[=+\-*/<>|,)\]]|->|<=|>=)$/.test(next.s))
      out[i]!.role = 'text';
  }
  // a*b is a product wherever it stands.
  for (let i = 1; i + 1 < out.length; i++)
    if (out[i]!.s === '*' && out[i - 1]!.s !== ' ' && out[i + 1]!.s !== ' ') out[i]!.role = 'strong';
  // A word written against a formula (∂theta, γ*) belongs to it.
  for (let i = 0; i < out.length; i++) {
    const t = out[i]!;
    if (t.role !== 'text' || !t.word) continue;
    if (out[i - 1]?.role === 'strong' || out[i + 1]?.role === 'strong') t.role = 'weak';
  }
  return out;
}

function identToken(t: string): Token {
  if (/[_^]/.test(t)) return { s: t, role: 'strong' };
  const letters = t.replace(/\p{M}/gu, '');
  if (/[\u0370-\u03ffℓ]/.test(letters)) return { s: t, role: 'strong' };
  if (letters.length === 1) return { s: t, role: t.length > 1 ? 'strong' : 'weak' };
  if (
    letters in FUNCTIONS ||
    /^[A-Z]+$/.test(letters) ||
    /^[A-Za-z]\d+$/.test(letters) ||
    /^d[A-Za-z]$/.test(letters)
  )
    return { s: t, role: 'weak' };
  return { s: t, role: 'text', word: /^[A-Za-z]+$/.test(t) };
}

// ---------------- text ----------------

/**
 * A sentence of report text as LaTeX text mode, ASCII only: its formulas each in one `$…$`, source
 * tags as `\cite{…}`, everything else escaped (`w_in` never appears as `w\_in`: it is a formula,
 * `$w_{\mathrm{in}}$`).
 *
 * @param s - Report text (Unicode), e.g. `Gradient-flow charge (conserved under θ̇ = −g)`.
 * @returns e.g. `Gradient-flow charge (conserved under $\dot\theta = -g$)`.
 */
export function latexText(s: string): string {
  const toks = tokenize(s);
  let out = '';
  let i = 0;
  while (i < toks.length) {
    const t = toks[i]!;
    if (t.role === 'text' || t.role === 'cite' || t.role === 'break') {
      out += t.role === 'cite' ? citeOf(t.s) : t.role === 'break' ? (t.s === '\n' ? '\n' : ' ') : textOf(t.s);
      i++;
      continue;
    }
    let j = i;
    while (j < toks.length && !['text', 'cite', 'break'].includes(toks[j]!.role)) j++;
    out += segment(toks.slice(i, j));
    i = j;
  }
  return noLigatures(out);
}

/**
 * Text as LaTeX text mode with no formulas found: every character escaped or spelled (for names,
 * paths and commands, e.g. `w_in` → `w\_in`, `--seed` → `-{}-seed`).
 *
 * @param s - Plain text (Unicode).
 */
export function latexPlain(s: string): string {
  return noLigatures(textOf(nfd(s)));
}

/**
 * Text mode turns `--` into a dash: hyphens written in a row stay hyphens. Only outside `$…$` (a
 * formula's `--` is two minus signs either way).
 */
function noLigatures(latex: string): string {
  return latex
    .split(/((?<!\\)\$(?:[^$\\]|\\[\s\S])*\$)/)
    .map((part, i) => (i % 2 ? part : part.replace(/-(?=-)/g, '-{}')))
    .join('');
}

/**
 * A stretch of tokens between words: one formula, if it holds mathematics, with its ends trimmed of
 * spaces and punctuation. A bracket the stretch does not close (or open) stays text, and the
 * stretch is split there: `θ = 0 (2` is `$\\theta = 0$ (2`.
 */
function segment(ts: readonly Token[]): string {
  const text = (xs: readonly Token[]): string => xs.map((t) => textOf(t.s)).join('');
  if (!ts.some((t) => t.role === 'strong')) return text(ts);
  const cut = unmatched(ts);
  if (cut >= 0) return segment(ts.slice(0, cut)) + textOf(ts[cut]!.s) + segment(ts.slice(cut + 1));
  const stop = sentenceStop(ts);
  if (stop >= 0) return segment(ts.slice(0, stop)) + textOf(ts[stop]!.s) + segment(ts.slice(stop + 1));
  let a = 0;
  let b = ts.length;
  while (a < b && ts[a]!.role === 'neutral' && !/^[([]$/.test(ts[a]!.s)) a++;
  while (b > a && ts[b - 1]!.role === 'neutral' && !/^[)\]]$/.test(ts[b - 1]!.s)) b--;
  // (formula) in prose: the brackets stay text.
  if (b - a >= 2 && ts[a]!.s === '(' && ts[b - 1]!.s === ')' && unmatched(ts.slice(a + 1, b - 1)) < 0)
    return `${text(ts.slice(0, a + 1))}${segment(ts.slice(a + 1, b - 1))}${text(ts.slice(b - 1))}`;
  if (!ts.slice(a, b).some((t) => t.role === 'strong')) return text(ts);
  return `${text(ts.slice(0, a))}$${mathOf(ts.slice(a, b))}$${text(ts.slice(b))}`;
}

/** A `:` or `;` followed by a space outside every bracket: it ends a clause, not a formula. */
function sentenceStop(ts: readonly Token[]): number {
  let depth = 0;
  for (let i = 0; i + 1 < ts.length; i++) {
    const s = ts[i]!.s;
    if (s === '(' || s === '[') depth++;
    else if (s === ')' || s === ']') depth--;
    else if (depth === 0 && (s === ':' || s === ';') && ts[i + 1]!.s === ' ') return i;
  }
  return -1;
}

/** The index of a bracket that the tokens close without opening, or open without closing; or -1. */
function unmatched(ts: readonly Token[]): number {
  const open: number[] = [];
  for (let i = 0; i < ts.length; i++) {
    const s = ts[i]!.s;
    if (s === '(' || s === '[') open.push(i);
    else if (s === ')' || s === ']') {
      const j = open.pop();
      if (j === undefined || ts[j]!.s !== (s === ')' ? '(' : '[')) return j === undefined ? i : j;
    }
  }
  return open.length ? open[0]! : -1;
}

/** One token of text as text mode. */
function textOf(s: string): string {
  let out = '';
  for (const ch of s.match(/[\s\S]\p{M}*/gu) ?? []) {
    const c = ch[0]!;
    const marks = ch.slice(1);
    let base = c <= '\x7f' ? (TEXT_ASCII[c] ?? c) : (TEXT[c] ?? mathChar(c));
    for (const m of marks) base = m in TEXT_ACCENTS ? `{${TEXT_ACCENTS[m]}${base}}` : base + unknownMark(m);
    out += base;
  }
  return out;
}

/** A non-ASCII character of text that is mathematics (a stray γ), in `$…$`; unknown ones marked. */
function mathChar(c: string): string {
  const m = mathUnicode(c);
  return m === undefined ? unknownMark(c) : `$${m}$`;
}

function mathUnicode(c: string): string | undefined {
  return (
    GREEK[c] ??
    SYMBOLS[c] ??
    (c in SUPERSCRIPTS ? `^{${SUPERSCRIPTS[c]!.trim()}}` : undefined) ??
    (c in SUBSCRIPTS ? `_{${SUBSCRIPTS[c]}}` : undefined)
  );
}

// ---------------- mathematics ----------------

/** Tokens of a formula as math mode. */
function mathOf(ts: readonly Token[]): string {
  let out = '';
  ts.forEach((t, i) => {
    const star =
      t.s === '*' && i > 0 && ts[i - 1]!.s !== ' ' && (i + 1 === ts.length || /^[ ),;:]$/.test(ts[i + 1]!.s));
    out = joinMath(out, star ? '^{\\ast}' : mathToken(t.s));
  });
  return out
    .replace(/ +/g, ' ')
    .replace(/ +(?=[\^_}),])/g, '')
    .trim();
}

/** Two pieces of math side by side: a space where a command name would run into a letter. */
const joinMath = (a: string, b: string): string =>
  /\\[A-Za-z]+$/.test(a) && /^[A-Za-z]/.test(b) ? `${a} ${b}` : a + b;

/** Math source (the inside of a script, or a whole formula in report notation) as math mode. */
function mathSource(s: string): string {
  return mathOf(tokenize(s));
}

function mathToken(s: string): string {
  if (s === '->') return '\\to ';
  if (s === '<=') return '\\le ';
  if (s === '>=') return '\\ge ';
  const sup = [...s].every((c) => c in SUPERSCRIPTS);
  if (sup)
    return `^{${[...s]
      .map((c) => SUPERSCRIPTS[c])
      .join('')
      .trim()}}`;
  if ([...s].every((c) => c in SUBSCRIPTS)) return `_{${[...s].map((c) => SUBSCRIPTS[c]).join('')}}`;
  if (/^[_^]/.test(s)) return script(s[0]!, s.slice(1));
  const id = new RegExp(`^(${IDENT})((?:[_^]${SCRIPT_ARG})*)$`, 'u').exec(s);
  if (id) return identMath(id[1]!, id[2]!);
  let out = '';
  for (const ch of s.match(/[\s\S]\p{M}*/gu) ?? []) {
    const c = ch[0]!;
    let m = c <= '\x7f' ? (MATH_ASCII[c] ?? c) : mathOrText(c);
    for (const k of ch.slice(1)) m = mathAccent(m, k);
    out = joinMath(out, m);
  }
  return out;
}

/** Characters of text that may stand inside a formula. */
const TEXT_IN_MATH: Readonly<Record<string, string>> = {
  '—': '\\text{---}',
  '–': '\\text{--}',
  '§': '\\S ',
  '‘': '`',
  '’': "'",
};

/** An identifier with its scripts (`w_in`, `λ_min`, `θ̇`, `x^2`, `W_{i+1}`) as math mode. */
function identMath(name: string, scripts: string): string {
  const plain = name.replace(/\p{M}/gu, '');
  const marks = name.replace(/[^\p{M}]/gu, '');
  let base: string;
  const simple = /^_[A-Za-z0-9]{2,}$/.test(scripts) && /^[A-Za-z]+$/.test(plain);
  if (simple) return latexName(plain + scripts);
  if (plain.length === 1 || /^d[A-Za-z]$/.test(plain)) base = [...plain].map((c) => GREEK[c] ?? c).join('');
  else if (plain in FUNCTIONS) base = FUNCTIONS[plain]!;
  else if (/^[A-Za-z]+\d*$/.test(plain) && !/^[A-Z]+$/.test(plain)) base = latexName(plain);
  else base = [...plain].map((c) => GREEK[c] ?? c).join(' ');
  for (const k of marks) base = mathAccent(base, k);
  let out = base;
  for (const m of scripts.matchAll(new RegExp(`([_^])(${SCRIPT_ARG})`, 'gu'))) out += script(m[1]!, m[2]!);
  return out;
}

/** A sub- or superscript: `_in` → `_{\mathrm{in}}`, `^(eps A)` → `^{\mathrm{eps} A}`, `^2` → `^{2}`. */
function script(kind: string, arg: string): string {
  const inner = /^[({]/.test(arg) ? arg.slice(1, -1) : arg;
  const body = /^[A-Za-z]{2,}$/.test(inner)
    ? `\\mathrm{${inner}}`
    : mathSource(inner.replace(/^\*$/, '\\ast'));
  return `${kind}{${body}}`;
}

/**
 * A formula already in LaTeX (a statement's `latex`) as pure ASCII: any Unicode left in it becomes
 * the command it stands for (`−` → `-`, `θ` → `\theta`, `²` → `^{2}`), and the text inside
 * `\text{…}` goes through {@link latexText}.
 *
 * @param s - A LaTeX math-mode fragment.
 */
export function latexMath(s: string): string {
  return subscripts([...s].every((c) => c.charCodeAt(0) < 128) ? s : asciiMath(s));
}

/**
 * Subscripts written one way: a name with a subscript inside `\\mathrm{…}` (a metric's
 * `\\gamma_{\\mathrm{w\\_in}}`, `\\gamma_{\\mathrm{W1}}`) as the symbol printer writes the name itself
 * (`\\gamma_{w_{\\mathrm{in}}}`, `\\gamma_{W_{1}}`), never an escaped underscore.
 */
function subscripts(m: string): string {
  return m
    .replace(/\\mathrm\{([A-Za-z]+)\\_([A-Za-z0-9]+)\}/g, (_, a: string, b: string) => latexName(`${a}_${b}`))
    .replace(/\\mathrm\{([A-Za-z])(\d+)\}/g, '$1_{$2}');
}

function asciiMath(s: string): string {
  let out = '';
  let i = 0;
  const n = nfd(s);
  while (i < n.length) {
    const text = /^\\text\{/.exec(n.slice(i));
    if (text) {
      let depth = 1;
      let j = i + text[0].length;
      for (; j < n.length && depth > 0; j++) depth += n[j] === '{' ? 1 : n[j] === '}' ? -1 : 0;
      out += `\\text{${latexText(n.slice(i + text[0].length, j - 1))}}`;
      i = j;
      continue;
    }
    const c = n[i]!;
    if (c in SUPERSCRIPTS || c in SUBSCRIPTS) {
      const table = c in SUPERSCRIPTS ? SUPERSCRIPTS : SUBSCRIPTS;
      let j = i;
      while (j < n.length && n[j]! in table) j++;
      const body = [...n.slice(i, j)]
        .map((x) => table[x])
        .join('')
        .trim();
      out += `${table === SUPERSCRIPTS ? '^' : '_'}{${body}}`;
      i = j;
      continue;
    }
    let j = i + 1;
    while (j < n.length && isMark(n[j]!)) j++;
    let m = c <= '\x7f' ? c : isMark(c) ? unknownMark(c) : mathOrText(c);
    for (const k of n.slice(i + 1, j)) m = mathAccent(m, k);
    out = joinMath(out, m);
    i = j;
  }
  return out;
}
