/** The Unicode → LaTeX translator: hand-written expectations, and ASCII output for any input. */
import fc from 'fast-check';
import { latexMath, latexPlain, latexText, unknownCharacters } from '../../src/render/latexText';
import { citeOf } from '../../src/render/references';

describe('latexText: formulas in one $…$, text escaped', () => {
  it.each<[string, string]>([
    ['Gradient constraint ⟨g, X⟩ = 0', 'Gradient constraint $\\langle g, X\\rangle = 0$'],
    [
      'Gradient-flow charge (conserved under θ̇ = −g)',
      'Gradient-flow charge (conserved under $\\dot{\\theta} = -g$)',
    ],
    ['Hessian constraint H X = −J_Xᵀ g', 'Hessian constraint $H X = -J_{X}^{\\top} g$'],
    ['Q = 1/2 ‖w_in‖²', '$Q = 1/2 \\|w_{\\mathrm{in}}\\|^{2}$'],
    ['at most D − 14 = 3 laws', 'at most $D - 14 = 3$ laws'],
    ['degree ≤ 2: 3 found', 'degree $\\le 2$: 3 found'],
    ['by level: 11 → 14 → 14', 'by level: $11 \\to 14 \\to 14$'],
    ['of a 2×2 pencil', 'of a $2\\times 2$ pencil'],
    ['at a = θ', 'at $a = \\theta$'],
    ['orthogonal to W₁A', 'orthogonal to $W_{1}A$'],
    ['decay as e^{−2λt}', 'decay as $e^{-2\\lambda t}$'],
    ['the inverse G⁻¹∇L', 'the inverse $G^{-1}\\nabla L$'],
    ['∂L/∂w_in', '$\\partial L/\\partial w_{\\mathrm{in}}$'],
    ['(W1: E W1) ≠ 0, so', '$(W_{1}: E W_{1}) \\ne 0$, so'],
    ['the 2 constraints Oᵀθ = 0 (2 constraints)', 'the 2 constraints $O^{\\top}\\theta = 0$ (2 constraints)'],
    ['exactly over ℚ', 'exactly over $\\mathbb{Q}$'],
    ['a charge ½θᵀAθ', 'a charge $\\tfrac12 \\theta^{\\top}A \\theta$'],
    ['Σ‖ĝ_j‖² diverges', '$\\Sigma\\|\\hat{g}_{j}\\|^{2}$ diverges'],
    ['rate γ* is', 'rate $\\gamma^{\\ast}$ is'],
    ['E log|1 − η(h + 2γ)| < 0', '$E \\log|1 - \\eta(h + 2\\gamma)| < 0$'],
  ])('%s', (text, latex) => expect(latexText(text)).toBe(latex));

  it.each<[string, string]>([
    ['not counted — too large', 'not counted \\textemdash{} too large'],
    ['pages 3–5', 'pages 3\\textendash{}5'],
    ['one … two', 'one \\ldots{} two'],
    ['Grzegorz Głuch, Rüdiger Urbanke', 'Grzegorz G{\\l}uch, R{\\"u}diger Urbanke'],
    ['Rémi Gribonval, Gabriel Peyré', "R{\\'e}mi Gribonval, Gabriel Peyr{\\'e}"],
    ['100% & #1 {x} $5 ~', '100\\% \\& \\#1 \\{x\\} \\$5 \\textasciitilde{}'],
    ['a one-step recursion', 'a one-step recursion'],
    ['replay --seed 3', 'replay -{}-seed 3'],
    ['see §3', 'see \\S{}3'],
    ['x < y', 'x $<$ y'],
  ])('text: %s', (text, latex) => expect(latexText(text)).toBe(latex));

  it('turns source tags into citations', () => {
    expect(latexText('lies on the set [SIS]')).toBe('lies on the set \\cite{ziyin2024symmetry}');
    expect(latexText('x [SIS, heuristic] y')).toBe('x (\\cite{ziyin2024symmetry}, heuristic) y');
    expect(latexText('a parameter [a]')).toBe('a parameter [a]');
    expect(citeOf('NM, GU')).toBe('\\cite{kunin2021neural,gluch2021noether}');
    expect(citeOf('NM §3 (derived)')).toBe('\\cite[\\S 3]{kunin2021neural} (derived)');
    expect(citeOf('GU; NM §3')).toBe('\\cite{gluch2021noether}, \\cite[\\S 3]{kunin2021neural}');
    expect(citeOf('MGP24')).toBe('\\cite{marcotte2024keep}');
  });

  it('escapes names without looking for formulas', () => {
    expect(latexPlain('w_in')).toBe('w\\_in');
    expect(latexPlain('my--file_1.yaml')).toBe('my-{}-file\\_1.yaml');
  });

  it('marks a character it does not know, and reports it', () => {
    expect(latexText('a ☃ b')).toBe('a [U+2603] b');
    expect(unknownCharacters('a ☃ b ⟨g⟩ Głuch —')).toEqual(['☃']);
  });

  it('makes LaTeX formulas ASCII, and leaves ASCII ones alone', () => {
    expect(latexMath('\\frac{a}{b} - c')).toBe('\\frac{a}{b} - c');
    expect(latexMath('−x + θ²')).toBe('-x + \\theta^{2}');
    expect(latexMath('W₁₂ᵀ')).toBe('W_{12}^{\\top}');
    expect(latexMath('\\text{a — b} = 0')).toBe('\\text{a \\textemdash{} b} = 0');
  });
});

/** Every character the translator knows, and ASCII. */
const KNOWN = [
  ...'αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΦΨΩ',
  ...'ℓ−∂∇⟨⟩‖·×≤≥≠≈≡≢→←↦↔⟺⇒∈∞∫∑√⊕∘±ℚℝ½…',
  ...'⁰¹²³⁴⁵⁶⁷⁸⁹⁻ᵀᵗ₀₁₂₃₄₅₆₇₈₉ᵢⱼₖ—–’§łøéüèçñ',
  'θ̇',
  'ĝ',
  'ż',
];
const ASCII = [...' !"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcdxyz{|}~'];
const isAscii = (s: string): boolean => [...s].every((c) => c.charCodeAt(0) < 128);

describe('latexText on any text (property)', () => {
  const text = fc
    .array(fc.constantFrom(...KNOWN, ...ASCII, 'w_in', 'e^{-x}', ' = ', 'word', '[SIS]', '[NM §3]'), {
      maxLength: 40,
    })
    .map((xs) => xs.join(''));

  it('is ASCII, with every character known, and its $ paired', () => {
    fc.assert(
      fc.property(text, (s) => {
        const t = latexText(s);
        expect(isAscii(t)).toBe(true);
        expect(t).not.toMatch(/\[U\+[0-9A-F]{4,}\]/);
        expect(t.replace(/\\\$/g, '').split('$').length % 2).toBe(1);
      }),
      { numRuns: 500 },
    );
  });

  it('latexMath is ASCII on any mixture of LaTeX and Unicode', () => {
    fc.assert(
      fc.property(text, (s) => {
        const m = latexMath(s);
        expect(isAscii(m)).toBe(true);
        expect(m).not.toMatch(/\[U\+[0-9A-F]{4,}\]/);
      }),
      { numRuns: 300 },
    );
  });
});
