/**
 * The word algebra (src/derive/words.ts): every canonical form is evaluated here on plain 3 × 3
 * float64 matrices (a symmetric S, an antisymmetric K, an orthogonal projector P = v vᵀ / vᵀv, a
 * general E, blocks X and Y, a gradient block and the all-ones block) and compared with the sum it
 * came from, evaluated the same way; canonical forms are compared with hand-worked ones; the
 * rendering follows the documented notation, written out by hand.
 */
import { test, fc } from '@fast-check/jest';
import {
  Algebra,
  letter,
  wordKey,
  transposeWord,
  matrixText,
  matrixLatex,
  traceText,
  traceLatex,
  type Letter,
  type Word,
  type WordSum,
  type WordTerm,
} from '../../src/derive/words';
import { type Expr, num, sym, add } from '../../src/expr/ast';
import { toText, toLatex } from '../../src/expr/print';
import * as Q from '../../src/expr/rational';
import type { Shape, Structure } from '../../src/declaration/types';
import { coefValue } from '../helpers/numeric';

type Mat = number[][];
const N = 3;
const lcg = (seed: number): (() => number) => {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
};
const rand = (r: () => number): Mat =>
  Array.from({ length: N }, () => Array.from({ length: N }, () => r() * 4 - 2));
const T = (a: Mat): Mat => a[0]!.map((_, j) => a.map((row) => row[j]!));
const mm = (a: Mat, b: Mat): Mat =>
  a.map((row) => b[0]!.map((_, j) => row.reduce((s, x, k) => s + x * b[k]![j]!, 0)));
const lin = (a: Mat, b: Mat, ca = 1, cb = 1): Mat =>
  a.map((row, i) => row.map((x, j) => ca * x + cb * b[i]![j]!));
const eye = (): Mat =>
  Array.from({ length: N }, (_, i) => Array.from({ length: N }, (_, j) => (i === j ? 1 : 0)));
const zero = (): Mat => Array.from({ length: N }, () => Array.from({ length: N }, () => 0));
const tr = (a: Mat): number => a.reduce((s, row, i) => s + row[i]!, 0);
const pair = (a: Mat, b: Mat): number => tr(mm(T(a), b));
const size = (a: Mat): number => Math.sqrt(pair(a, a));

const structures = new Map<string, Structure>([
  ['S', 'symmetric'],
  ['K', 'antisymmetric'],
  ['P', 'projector'],
  ['E', 'general'],
  ['D', 'general'],
]);
const square: Shape = { kind: 'matrix', rows: 'n', cols: 'n' };
const shapes = new Map<string, Shape>([...'XYSKPED'].map((c) => [c, square]));
const alg = (): Algebra => new Algebra(structures, shapes);

/** Values of every letter (by `kind:name`), with the structures declared above. */
function values(seed: number): Map<string, Mat> {
  const r = lcg(seed);
  const A = rand(r),
    B = rand(r);
  const v = [r() * 2 + 0.5, r() * 2 - 2.5, r() * 2 + 0.1];
  const vv = v.reduce((s, x) => s + x * x, 0);
  return new Map([
    ['block:X', rand(r)],
    ['block:Y', rand(r)],
    ['grad:X', rand(r)],
    ['step:X', rand(r)],
    ['ones:X', zero().map((row) => row.map(() => 1))],
    ['const:S', lin(A, T(A), 0.5, 0.5)],
    ['const:K', lin(B, T(B), 0.5, -0.5)],
    ['const:P', v.map((x) => v.map((y) => (x * y) / vv))],
    ['const:E', rand(r)],
    ['const:D', rand(r)],
  ]);
}
const SCALARS = { k: 1.7, m: -0.6 };
const word = (w: Word, vals: Map<string, Mat>): Mat =>
  w.reduce((acc, l) => {
    const m = vals.get(`${l.kind}:${l.name}`)!;
    return mm(acc, l.t ? T(m) : m);
  }, eye());
const evalM = (s: WordSum, vals: Map<string, Mat>): Mat =>
  s.reduce((acc, t) => lin(acc, word(t.word, vals), 1, coefValue(t.coef, SCALARS)), zero());
const evalT = (s: WordSum, vals: Map<string, Mat>): number => tr(evalM(s, vals));
const close = (a: Mat, b: Mat): void =>
  expect(size(lin(a, b, 1, -1))).toBeLessThan(1e-10 * (1 + size(a) + size(b)));
const closeN = (a: number, b: number): void =>
  expect(Math.abs(a - b)).toBeLessThan(1e-10 * (1 + Math.abs(a) + Math.abs(b)));

const L = {
  X: letter('block', 'X'),
  Xt: letter('block', 'X', true),
  Y: letter('block', 'Y'),
  Yt: letter('block', 'Y', true),
  G: letter('grad', 'X'),
  Gt: letter('grad', 'X', true),
  U: letter('step', 'X'),
  O: letter('ones', 'X'),
  S: letter('const', 'S'),
  St: letter('const', 'S', true),
  K: letter('const', 'K'),
  Kt: letter('const', 'K', true),
  P: letter('const', 'P'),
  Pt: letter('const', 'P', true),
  E: letter('const', 'E'),
  Et: letter('const', 'E', true),
};
const ALL: Letter[] = Object.values(L);
const one = (w: Letter[], c: Expr = num(1)): WordTerm => ({ coef: c, word: w });
/** A direction letter for derivatives. */
const DIR = letter('const', 'D');
/** A product exactly as written (no folding of numbers to the front). */
const raw = (...factors: Expr[]): Expr => ({ kind: 'mul', factors });

const arbLetter = fc.constantFrom(...ALL);
const arbCoef: fc.Arbitrary<Expr> = fc.oneof(
  fc.integer({ min: -3, max: 3 }).map((n) => num(n)),
  fc.constantFrom(
    num(Q.rat(1, 2)),
    num(Q.rat(-2, 3)),
    sym('k'),
    raw(num(-2), sym('k')),
    add(sym('k'), sym('m')),
  ),
);
const arbTerm: fc.Arbitrary<WordTerm> = fc.record({
  coef: arbCoef,
  word: fc.array(arbLetter, { maxLength: 4 }),
});
const arbSum = fc.array(arbTerm, { maxLength: 4 });
const seedArb = fc.integer({ min: 1, max: 1e6 });

describe('letters and words', () => {
  it('a letter is untransposed unless asked; keys name kind, name and transpose', () => {
    expect(letter('block', 'W')).toEqual({ kind: 'block', name: 'W', t: false });
    expect(letter('grad', 'W', true)).toEqual({ kind: 'grad', name: 'W', t: true });
    const keys = [L.X, L.Xt, L.G, L.S, L.O, L.U].map((l) => wordKey([l]));
    expect(new Set(keys).size).toBe(keys.length);
    expect(wordKey([L.X, L.Y])).not.toBe(wordKey([L.Y, L.X]));
    expect(wordKey([])).toBe('');
  });

  it('(AB)ᵀ = BᵀAᵀ, leaving the word itself alone', () => {
    const w = Object.freeze([L.X, L.Gt, L.S]);
    expect(transposeWord(w)).toEqual([L.St, L.G, L.Xt]);
    expect(w).toEqual([L.X, L.Gt, L.S]);
    expect(transposeWord([])).toEqual([]);
  });
});

describe('canonical forms keep their value (3 × 3 matrices with the declared structures)', () => {
  test.prop([arbSum, seedArb], { numRuns: 60 })('matrix(s) = s', (s, seed) => {
    const vals = values(seed);
    close(evalM(alg().matrix(s), vals), evalM(s, vals));
  });

  test.prop([arbSum, seedArb], { numRuns: 60 })('trace(s) = Σ c tr(w)', (s, seed) => {
    const vals = values(seed);
    closeN(evalT(alg().trace(s), vals), evalT(s, vals));
  });

  test.prop([arbSum, arbSum, arbCoef, seedArb], { numRuns: 40 })(
    'transpose, plus, scale, times, inner, symmetric part',
    (s, u, c, seed) => {
      const vals = values(seed);
      const a = alg();
      const [ms, mu] = [evalM(s, vals), evalM(u, vals)];
      close(evalM(a.transpose(s), vals), T(ms));
      close(evalM(a.plus(s, u, s), vals), lin(lin(ms, mu), ms));
      close(evalM(a.scale(s, c), vals), lin(ms, ms, coefValue(c, SCALARS), 0));
      close(evalM(a.times(s, u), vals), mm(ms, mu));
      closeN(evalT(a.inner(s, u), vals), pair(ms, mu));
      close(evalM(a.symmetricPart(s), vals), lin(ms, T(ms), 0.5, 0.5));
    },
  );

  test.prop([arbSum, seedArb], { numRuns: 40 })(
    'the block gradient: ⟨∂/∂X tr-sum, D⟩ = the derivative along D (each X and Xᵀ, others fixed)',
    (s, seed) => {
      const vals = values(seed);
      const D = vals.get('const:D')!;
      // d/dt Σ c tr(w(X + tD)) at t = 0: replace one occurrence of X at a time by D.
      let dd = 0;
      for (const t of s)
        t.word.forEach((l, i) => {
          if (l.kind !== 'block' || l.name !== 'X') return;
          const w = [...t.word.slice(0, i), { ...DIR, t: l.t }, ...t.word.slice(i + 1)];
          dd += coefValue(t.coef, SCALARS) * tr(word(w, vals));
        });
      closeN(pair(evalM(alg().gradient(s, 'X'), vals), D), dd);
    },
  );

  test.prop([arbSum, seedArb], { numRuns: 40 })(
    'the dual in E of a sum linear in E: Σ c tr(w) = ⟨E, M⟩; undefined when not linear',
    (s0, seed) => {
      const vals = values(seed);
      const noE = s0.map((t) => ({ coef: t.coef, word: t.word.filter((l) => l.name !== 'E') }));
      // Put E (or Eᵀ) once into each word, at a position derived from the word's length.
      const s = noE.map((t, i) => {
        const at = i % (t.word.length + 1);
        return { coef: t.coef, word: [...t.word.slice(0, at), i % 2 ? L.Et : L.E, ...t.word.slice(at)] };
      });
      const M = alg().dual(s, 'E')!;
      closeN(pair(vals.get('const:E')!, evalM(M, vals)), evalT(s, vals));
      if (s.length > 0) {
        expect(alg().dual([...s, one([L.X])], 'E')).toBeUndefined();
        expect(alg().dual([...s, one([L.E, L.X, L.Et])], 'E')).toBeUndefined();
      }
    },
  );

  test.prop([arbSum, arbCoef, arbCoef, seedArb], { numRuns: 40 })(
    'substitute X ↦ c₁ Y + c₂ Sᵀ (X and Xᵀ), other letters untouched',
    (s, c1, c2, seed) => {
      const vals = values(seed);
      const Xnew = lin(
        vals.get('block:Y')!,
        T(vals.get('const:S')!),
        coefValue(c1, SCALARS),
        coefValue(c2, SCALARS),
      );
      const vals2 = new Map(vals).set('block:X', Xnew);
      const out = alg().substitute(
        s,
        new Map([
          [
            'X',
            [
              { coef: c1, letter: L.Y },
              { coef: c2, letter: L.St },
            ],
          ],
        ]),
      );
      close(evalM(out, vals), evalM(s, vals2));
    },
  );

  test.prop([arbSum, arbSum, seedArb], { numRuns: 40 })(
    'equalMatrix and equalTrace decide equality of values',
    (s, u, seed) => {
      const a = alg();
      const vals = values(seed);
      const shuffled = [...s].reverse().map((t) => ({ coef: t.coef, word: t.word }));
      expect(a.equalMatrix(s, shuffled)).toBe(true);
      expect(a.equalTrace(s, shuffled)).toBe(true);
      // Two sums whose values differ at these matrices cannot be equal.
      const dm = size(lin(evalM(s, vals), evalM(u, vals), 1, -1));
      if (dm > 1e-6) expect(a.equalMatrix(s, u)).toBe(false);
      const dt = Math.abs(evalT(s, vals) - evalT(u, vals));
      if (dt > 1e-6) expect(a.equalTrace(s, u)).toBe(false);
      expect(a.isZero(a.plus(s, a.scale(s, num(-1))))).toBe(true);
      if (dm > 1e-6) expect(a.isZero(a.plus(s, a.scale(u, num(-1))))).toBe(false);
    },
  );
});

describe('canonical forms are canonical', () => {
  // Without K: a word w with K can have tr(wᵀ) = −tr(w) letter for letter (tr(K) = −tr(Kᵀ)), and such
  // a trace, identically 0, keeps the sign of whichever form it was written in.
  const noK = fc.record({
    coef: arbCoef,
    word: fc.array(fc.constantFrom(...ALL.filter((l) => l.name !== 'K')), { maxLength: 5 }),
  });
  test.prop([noK, fc.nat(), fc.boolean()], { numRuns: 80 })(
    'tr(w) has one form over the rotations of w and of wᵀ',
    (t, k, flip) => {
      const w = flip ? transposeWord(t.word) : t.word;
      const i = w.length ? k % w.length : 0;
      const rotated = [...w.slice(i), ...w.slice(0, i)];
      expect(alg().trace([{ coef: t.coef, word: rotated }])).toEqual(alg().trace([t]));
    },
  );

  it('tr(Xᵀ K Y) has one form, sign included, over its rotations and transposes', () => {
    const w = [L.Xt, L.K, L.Y];
    const forms = [0, 1, 2].flatMap((i) =>
      [w, transposeWord(w)].map((u) => alg().trace([one([...u.slice(i), ...u.slice(0, i)])])),
    );
    // Rotations of Xᵀ K Y ("b:X' c:K b:Y", …) and of Yᵀ Kᵀ X = −Yᵀ K X ("b:X b:Y' c:K", …): the least
    // key is "b:X b:Y' c:K", so tr(Xᵀ K Y) = −tr(X Yᵀ K).
    forms.forEach((f) => expect(f).toEqual([{ coef: num(-1), word: [L.X, L.Yt, L.K] }]));
  });

  test.prop([arbSum], { numRuns: 60 })('the order of the terms does not matter', (s) => {
    const a = alg();
    expect(a.matrix([...s].reverse())).toEqual(a.matrix(s));
    expect(a.trace([...s].reverse())).toEqual(a.trace(s));
    // Canonical forms are fixed points.
    expect(a.matrix(a.matrix(s))).toEqual(a.matrix(s));
    expect(a.trace(a.trace(s))).toEqual(a.trace(s));
  });

  it('terms are sorted by word: blocks before constants, like words merged, zeros dropped', () => {
    const a = alg();
    expect(
      a.matrix([one([L.S]), one([L.Y]), one([L.X]), one([L.X], num(2)), one([L.G]), one([L.O])]),
    ).toEqual([
      { coef: num(3), word: [L.X] },
      { coef: num(1), word: [L.Y] },
      { coef: num(1), word: [L.S] },
      { coef: num(1), word: [L.G] },
      { coef: num(1), word: [L.O] },
    ]);
    expect(a.matrix([one([L.U]), one([L.O])]).map((t) => t.word)).toEqual([[L.O], [L.U]]);
    expect(a.matrix([one([L.X]), one([L.X], num(-1))])).toEqual([]);
    expect(a.matrix([one([L.X, L.Y]), one([L.X, L.Yt])]).map((t) => t.word)).toEqual([
      [L.X, L.Y],
      [L.X, L.Yt],
    ]);
  });

  it('structure rules: Sᵀ = S, Pᵀ = P, Kᵀ = −K, Eᵀ stays; P P = P; blocks keep ᵀ', () => {
    const a = alg();
    expect(a.matrix([one([L.St, L.Xt])])).toEqual([{ coef: num(1), word: [L.S, L.Xt] }]);
    expect(a.matrix([one([L.Pt])])).toEqual([{ coef: num(1), word: [L.P] }]);
    expect(a.matrix([one([L.Kt, L.X])])).toEqual([{ coef: num(-1), word: [L.K, L.X] }]);
    expect(a.matrix([one([L.Kt, L.X, L.Kt])])).toEqual([{ coef: num(1), word: [L.K, L.X, L.K] }]);
    expect(a.matrix([one([L.Et])])).toEqual([{ coef: num(1), word: [L.Et] }]);
    expect(a.matrix([one([L.P, L.Pt, L.P, L.X, L.P])])).toEqual([{ coef: num(1), word: [L.P, L.X, L.P] }]);
    expect(a.matrix([one([L.S, L.S])])).toEqual([{ coef: num(1), word: [L.S, L.S] }]);
    expect(a.matrix([one([L.X, L.X])])).toEqual([{ coef: num(1), word: [L.X, L.X] }]);
    // A constant of no declared structure is general.
    const F = letter('const', 'F', true);
    expect(a.matrix([one([F])])).toEqual([{ coef: num(1), word: [F] }]);
  });

  it('traces: the least rotation of w or wᵀ, projectors merged cyclically', () => {
    const a = alg();
    // Rotations of Xᵀ S X: keys "b:X' c:S b:X", "c:S b:X b:X'", "b:X b:X' c:S" (least; Sᵀ = S).
    expect(a.trace([one([L.Xt, L.S, L.X])])).toEqual([{ coef: num(1), word: [L.X, L.Xt, L.S] }]);
    // tr(K X) = tr(Xᵀ Kᵀ) = −tr(Xᵀ K): the least key "b:X c:K" keeps the sign.
    expect(a.trace([one([L.K, L.X])])).toEqual([{ coef: num(1), word: [L.X, L.K] }]);
    // tr(Xᵀ K) = −tr(K X)… the least is X K with sign −1.
    expect(a.trace([one([L.Xt, L.K])])).toEqual([{ coef: num(-1), word: [L.X, L.K] }]);
    // tr(P X P) = tr(X P), and tr(P) stays.
    expect(a.trace([one([L.P, L.X, L.P])])).toEqual([{ coef: num(1), word: [L.X, L.P] }]);
    expect(a.trace([one([L.P])])).toEqual([{ coef: num(1), word: [L.P] }]);
    expect(a.trace([one([L.P, L.P])])).toEqual([{ coef: num(1), word: [L.P] }]);
    expect(a.trace([one([L.S, L.X, L.S])])).toEqual([{ coef: num(1), word: [L.X, L.S, L.S] }]);
    // tr(I) is kept as the empty word; tr(X) = tr(Xᵀ).
    expect(a.trace([one([])])).toEqual([{ coef: num(1), word: [] }]);
    expect(a.trace([one([L.Xt])])).toEqual([{ coef: num(1), word: [L.X] }]);
    // tr(gᵀ X) and tr(Xᵀ g) are the same number, tr(g X) another.
    expect(a.equalTrace([one([L.Gt, L.X])], [one([L.Xt, L.G])])).toBe(true);
    expect(a.equalTrace([one([L.Gt, L.X])], [one([L.G, L.X])])).toBe(false);
  });

  it('the block gradient of hand-worked traces', () => {
    const a = alg();
    // ∂/∂X ½‖X‖² = X;  ∂/∂X tr(S X) = Sᵀ = S;
    // ∂/∂X tr(Xᵀ E Y) = E Y;  ∂/∂X tr(E X Y) = Eᵀ Yᵀ.
    expect(a.gradient([one([L.Xt, L.X], num(Q.rat(1, 2)))], 'X')).toEqual([{ coef: num(1), word: [L.X] }]);
    expect(a.gradient([one([L.S, L.X])], 'X')).toEqual([{ coef: num(1), word: [L.S] }]);
    expect(a.gradient([one([L.Xt, L.E, L.Y])], 'X')).toEqual([{ coef: num(1), word: [L.E, L.Y] }]);
    expect(a.gradient([one([L.E, L.X, L.Y])], 'X')).toEqual([{ coef: num(1), word: [L.Et, L.Yt] }]);
    // Other blocks and gradient letters named X are constants here.
    expect(a.gradient([one([L.Yt, L.G])], 'X')).toEqual([]);
  });

  it('the dual of hand-worked traces: tr(E R) = ⟨E, Rᵀ⟩, tr(Eᵀ R) = ⟨E, R⟩', () => {
    const a = alg();
    expect(a.dual([one([L.E, L.X, L.Y])], 'E')).toEqual([{ coef: num(1), word: [L.Yt, L.Xt] }]);
    expect(a.dual([one([L.X, L.Et, L.Y])], 'E')).toEqual([{ coef: num(1), word: [L.Y, L.X] }]);
    expect(a.dual([], 'E')).toEqual([]);
  });
});

describe('rendering (the notation of docs/theory.md)', () => {
  const k = sym('k'),
    m = sym('m');
  it('letters, words and the identity', () => {
    expect(matrixText([])).toBe('0');
    expect(matrixLatex([])).toBe('0');
    expect(matrixText([one([])])).toBe('I');
    expect(matrixLatex([one([])])).toBe('I');
    expect(matrixText([one([L.X, L.Gt, L.G, L.U, L.O, L.St])])).toBe('X (∂L/∂X)ᵀ ∂L/∂X u_X 1 Sᵀ');
    expect(matrixLatex([one([L.X, L.Gt, L.G, L.U, L.O, L.St])])).toBe(
      'X \\, (\\nabla_{X} L)^{\\top} \\, \\nabla_{X} L \\, u_{X} \\, \\mathbf{1} \\, S^{\\top}',
    );
    expect(matrixText([one([letter('step', 'X', true), letter('ones', 'X', true)])])).toBe('u_Xᵀ 1ᵀ');
  });

  it('signs and coefficients', () => {
    expect(matrixText([one([L.X], num(-1)), one([L.Y], num(2)), one([L.S], num(-3))])).toBe('-X + 2 Y - 3 S');
    expect(matrixLatex([one([L.X], num(-1)), one([L.Y], num(2)), one([L.S], num(-3))])).toBe(
      '-X + 2 \\, Y - 3 \\, S',
    );
    expect(matrixText([one([L.X], num(Q.rat(1, 2))), one([L.Y], num(1))])).toBe('1/2 X + Y');
    // A product with a negative number in front: the sign comes out, a factor −1 disappears.
    expect(matrixText([one([L.X], k), one([L.Y], raw(num(-1), k)), one([L.S], raw(num(-3), k))])).toBe(
      `k X - k Y - ${toText(raw(num(3), k))} S`,
    );
    expect(matrixText([one([L.X], raw(num(-1), k, m))])).toBe(`-${toText(raw(k, m))} X`);
    expect(matrixText([one([L.X], raw(num(2), k))])).toBe(`${toText(raw(num(2), k))} X`);
    // A product whose first factor is not a number keeps its sign inside.
    expect(matrixText([one([L.X], raw(k, num(-1)))])).toBe(`${toText(raw(k, num(-1)))} X`);
    // Sums are bracketed.
    expect(matrixText([one([L.X], add(k, m))])).toBe(`(${toText(add(k, m))}) X`);
    expect(matrixLatex([one([L.X], add(k, m))])).toBe(`\\left(${toLatex(add(k, m))}\\right) X`);
    expect(matrixLatex([one([L.X], k)])).toBe(`${toLatex(k)} \\, X`);
    expect(matrixLatex([one([], num(-2))])).toBe('-2 \\, I');
    // Coefficients are printed in the style asked for.
    expect(matrixLatex([one([L.X], num(Q.rat(1, 2)))])).toBe(`${toLatex(num(Q.rat(1, 2)))} \\, X`);
    expect(toLatex(num(Q.rat(1, 2)))).not.toBe(toText(num(Q.rat(1, 2))));
    // −(k + m): the sum keeps its brackets once the sign is out.
    expect(matrixText([one([L.X], raw(num(-1), add(k, m)))])).toBe(`-(${toText(add(k, m))}) X`);
  });

  it('traces: norms, inner products, tr(·)', () => {
    expect(traceText([one([L.Xt, L.X], num(Q.rat(1, 2)))])).toBe('1/2 ‖X‖²');
    expect(traceText([one([L.X, L.Xt])])).toBe('‖X‖²');
    expect(traceLatex([one([L.Xt, L.X])])).toBe('\\lVert X \\rVert^{2}');
    expect(traceText([one([L.Gt, L.X])])).toBe('⟨∂L/∂X, X⟩');
    expect(traceText([one([L.X, L.Gt])])).toBe('⟨∂L/∂X, X⟩');
    expect(traceText([one([L.Xt, L.G])])).toBe('⟨X, ∂L/∂X⟩');
    expect(traceLatex([one([L.Gt, L.X])])).toBe('\\langle \\nabla_{X} L, X \\rangle');
    // Same-kind letters of different names, and two letters with the same transpose flag.
    expect(traceText([one([L.Yt, L.X])])).toBe('⟨Y, X⟩');
    expect(traceText([one([L.X, L.Y])])).toBe('tr(X Y)');
    expect(traceText([one([L.Xt, L.Yt])])).toBe('tr(Xᵀ Yᵀ)');
    expect(traceText([one([L.X, L.S, L.Xt])])).toBe('tr(X S Xᵀ)');
    expect(traceLatex([one([L.X, L.Y])])).toBe('\\operatorname{tr}\\left(X \\, Y\\right)');
    // A gradient and a block of the same name are different letters.
    expect(traceText([one([L.Gt, L.G])])).toBe('‖∂L/∂X‖²');
    expect(traceText([one([L.Xt, L.G]), one([L.Yt, L.Y], num(-1))])).toBe('⟨X, ∂L/∂X⟩ - ‖Y‖²');
    // One letter, three letters (the first two transposed differently), the identity: tr(·).
    expect(traceText([one([L.X])])).toBe('tr(X)');
    expect(traceText([one([L.Xt, L.S, L.X])])).toBe('tr(Xᵀ S X)');
    expect(traceText([one([])])).toBe('tr(I)');
    expect(traceLatex([one([L.Gt])])).toBe('\\operatorname{tr}\\left((\\nabla_{X} L)^{\\top}\\right)');
    expect(traceText([])).toBe('0');
    expect(traceLatex([])).toBe('0');
  });
});
