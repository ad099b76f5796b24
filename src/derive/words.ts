/**
 * Block algebra: width-independent formulas over parameter blocks.
 *
 * A matrix expression is a sum of `coef · w` where w is a word (an ordered product of letters:
 * blocks θ_B, gradient blocks g_B = ∂L/∂θ_B, declared constants, the all-ones block, each possibly
 * transposed) and coef a scalar expression. A scalar law is a sum of `coef · tr(w)`.
 *
 * Canonical forms, valid for matrices of every size:
 *  - transposes are pushed onto letters, (AB)ᵀ = BᵀAᵀ; symmetric constants drop ᵀ, antisymmetric
 *    constants turn Kᵀ into −K;
 *  - traces are invariant under rotation, tr(AB) = tr(BA), and transposition, tr(Wᵀ) = tr(W): a trace
 *    word is replaced by the least (in a fixed order) of its rotations and those of its transpose.
 * Two formulas with the same canonical form are equal for every size; the instantiation check in
 * derive/instantiate.ts confirms formulas independently at small sizes.
 */
import { type Expr, num } from '../expr/ast';
import { Normalizer, type Normal } from '../expr/normal';
import { toText, toLatex, latexName } from '../expr/print';
import * as Q from '../expr/rational';
import type { Shape, Structure } from '../declaration/types';

/** block θ_B, gradient g_B, declared constant, all-ones block, or an optimiser's update u_B of block B. */
export type LetterKind = 'block' | 'grad' | 'const' | 'ones' | 'step';
/** One factor of a word: a block, gradient block, constant, all-ones block or update, possibly transposed (`t`). */
export interface Letter {
  readonly kind: LetterKind;
  readonly name: string;
  readonly t: boolean;
}
/** An ordered product of letters (matrices do not commute); the empty word is the identity. */
export type Word = readonly Letter[];
/** One term `coef · word` of a {@link WordSum} or {@link TraceSum}: a scalar coefficient times a word. */
export interface WordTerm {
  readonly coef: Expr;
  readonly word: Word;
}
/** A matrix: Σ coef · word (the empty word is the identity). */
export type WordSum = readonly WordTerm[];
/** A scalar: Σ coef · tr(word). */
export type TraceSum = readonly WordTerm[];

export const letter = (kind: LetterKind, name: string, t = false): Letter => ({ kind, name, t });
const KIND_KEY: Record<LetterKind, string> = { block: 'b', grad: 'g', const: 'c', ones: 'o', step: 's' };
const letterKey = (l: Letter): string => `${KIND_KEY[l.kind]}:${l.name}${l.t ? "'" : ''}`;
export const wordKey = (w: Word): string => w.map(letterKey).join(' ');
export const transposeWord = (w: Word): Word => [...w].reverse().map((l) => ({ ...l, t: !l.t }));

/** The context that gives letters their meaning: constant structures and block shapes. */
export class Algebra {
  readonly norm = new Normalizer({ maxTerms: 5000 });
  constructor(
    readonly structures: ReadonlyMap<string, Structure>,
    readonly shapes: ReadonlyMap<string, Shape>,
  ) {}

  /** Apply structure rules to a word; returns the sign they introduce. */
  private applyStructure(w: Word): { sign: number; word: Word } {
    let sign = 1;
    const mapped = w.map((l) => {
      if (l.kind !== 'const' || !l.t) return l;
      const s = this.structures.get(l.name);
      if (s === 'symmetric' || s === 'projector') return { ...l, t: false };
      if (s === 'antisymmetric') {
        sign = -sign;
        return { ...l, t: false };
      }
      return l;
    });
    // A projector is idempotent: P P = P.
    const word = mapped.filter((l, i) => !(i > 0 && this.isProjector(l) && same(l, mapped[i - 1]!)));
    return { sign, word };
  }

  private isProjector(l: Letter): boolean {
    return l.kind === 'const' && this.structures.get(l.name) === 'projector';
  }

  private collect(entries: Iterable<{ coef: Normal; word: Word }>): WordSum {
    const acc = new Map<string, { coef: Normal; word: Word }>();
    for (const { coef, word } of entries) {
      const k = wordKey(word);
      const prev = acc.get(k);
      acc.set(k, { coef: prev ? this.norm.addN(prev.coef, coef) : coef, word });
    }
    return [...acc.entries()]
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
      .filter(([, v]) => !this.norm.isZero(v.coef))
      .map(([, v]) => ({ coef: this.norm.toExpr(v.coef), word: v.word }));
  }

  private coefN(e: Expr, sign: number): Normal {
    const n = this.norm.normalize(e);
    return sign === 1 ? n : this.norm.scale(n, Q.rat(-1));
  }

  /** Canonical matrix sum. */
  matrix(s: WordSum): WordSum {
    return this.collect(
      s.map((t) => {
        const { sign, word } = this.applyStructure(t.word);
        return { coef: this.coefN(t.coef, sign), word };
      }),
    );
  }

  /** Canonical trace sum. */
  trace(s: TraceSum): TraceSum {
    return this.collect(
      s.map((t) => {
        const { sign, word } = this.canonicalTraceWord(t.word);
        return { coef: this.coefN(t.coef, sign), word };
      }),
    );
  }

  private canonicalTraceWord(w: Word): { sign: number; word: Word } {
    const candidates: { sign: number; word: Word }[] = [];
    for (const base of [w, transposeWord(w)]) {
      const s0 = this.applyStructure(base);
      // Cyclically, too: tr(P X P) = tr(X P P) = tr(X P).
      let cyc = s0.word;
      while (cyc.length > 1 && this.isProjector(cyc[0]!) && same(cyc[0]!, cyc[cyc.length - 1]!))
        cyc = cyc.slice(1);
      const s = { sign: s0.sign, word: cyc };
      for (let i = 0; i < Math.max(1, s.word.length); i++)
        candidates.push({ sign: s.sign, word: [...s.word.slice(i), ...s.word.slice(0, i)] });
    }
    candidates.sort((x, y) =>
      wordKey(x.word) < wordKey(y.word) ? -1 : wordKey(x.word) > wordKey(y.word) ? 1 : 0,
    );
    return candidates[0]!;
  }

  transpose(s: WordSum): WordSum {
    return this.matrix(s.map((t) => ({ coef: t.coef, word: transposeWord(t.word) })));
  }
  plus(...ss: WordSum[]): WordSum {
    return this.matrix(ss.flat());
  }
  scale(s: WordSum, c: Expr): WordSum {
    return this.matrix(s.map((t) => ({ coef: mulE(t.coef, c), word: t.word })));
  }
  times(x: WordSum, y: WordSum): WordSum {
    return this.matrix(
      x.flatMap((s) => y.map((t) => ({ coef: mulE(s.coef, t.coef), word: [...s.word, ...t.word] }))),
    );
  }
  isZero(s: WordSum): boolean {
    return s.length === 0;
  }
  equalMatrix(x: WordSum, y: WordSum): boolean {
    return this.matrix([...x, ...y.map((t) => ({ coef: mulE(t.coef, num(-1)), word: t.word }))]).length === 0;
  }
  equalTrace(x: TraceSum, y: TraceSum): boolean {
    return this.trace([...x, ...y.map((t) => ({ coef: mulE(t.coef, num(-1)), word: t.word }))]).length === 0;
  }

  /** ⟨X, Y⟩ = tr(Xᵀ Y) for matrix sums. */
  inner(x: WordSum, y: WordSum): TraceSum {
    return this.trace(
      x.flatMap((s) =>
        y.map((t) => ({ coef: mulE(s.coef, t.coef), word: [...transposeWord(s.word), ...t.word] })),
      ),
    );
  }

  /** ∂/∂θ_B of a trace sum, as a matrix sum (tr(R θ) ↦ Rᵀ, tr(θᵀ R) ↦ R). */
  gradient(s: TraceSum, block: string): WordSum {
    const out: WordTerm[] = [];
    for (const t of s) {
      t.word.forEach((l, i) => {
        if (l.kind !== 'block' || l.name !== block) return;
        const rotated = [...t.word.slice(i + 1), ...t.word.slice(0, i)]; // tr(l · rotated)
        out.push({ coef: t.coef, word: l.t ? rotated : transposeWord(rotated) });
      });
    }
    return this.matrix(out);
  }

  /**
   * For a trace sum linear in the constant `c`, the matrix M with sum = ⟨c, M⟩
   * (tr(c R) = ⟨c, Rᵀ⟩, tr(cᵀ R) = ⟨c, R⟩). Undefined if some term is not linear in c.
   */
  dual(s: TraceSum, c: string): WordSum | undefined {
    const out: WordTerm[] = [];
    for (const t of s) {
      const at = t.word.map((l, i) => (l.kind === 'const' && l.name === c ? i : -1)).filter((i) => i >= 0);
      if (at.length !== 1) return undefined;
      const i = at[0]!;
      const rest = [...t.word.slice(i + 1), ...t.word.slice(0, i)];
      out.push({ coef: t.coef, word: t.word[i]!.t ? rest : transposeWord(rest) });
    }
    return this.matrix(out);
  }

  /**
   * Replace every block letter θ_B (and θ_Bᵀ) by a combination Σ c · λ of single letters (their
   * transposes), expanding products. The result is not canonical: pass it to trace() or matrix().
   */
  substitute(
    s: WordSum,
    map: ReadonlyMap<string, readonly { readonly coef: Expr; readonly letter: Letter }[]>,
  ): WordSum {
    return s.flatMap((t) =>
      t.word.reduce<WordTerm[]>(
        (acc, l) => {
          const repl = l.kind === 'block' ? map.get(l.name) : undefined;
          const options = repl
            ? repl.map((r) => ({ coef: r.coef, letter: l.t ? { ...r.letter, t: !r.letter.t } : r.letter }))
            : [{ coef: num(1), letter: l }];
          return acc.flatMap((a) =>
            options.map((o) => ({ coef: mulE(a.coef, o.coef), word: [...a.word, o.letter] })),
          );
        },
        [{ coef: t.coef, word: [] }],
      ),
    );
  }

  /** (M + Mᵀ)/2. */
  symmetricPart(m: WordSum): WordSum {
    return this.scale(this.plus(m, this.transpose(m)), num(Q.rat(1, 2)));
  }
}

const mulE = (a: Expr, b: Expr): Expr => ({ kind: 'mul', factors: [a, b] });

// ---------------- rendering ----------------

type Style = 'text' | 'latex';

function letterStr(l: Letter, st: Style): string {
  if (st === 'text') {
    const base =
      l.kind === 'grad'
        ? `∂L/∂${l.name}`
        : l.kind === 'step'
          ? `u_${l.name}`
          : l.kind === 'ones'
            ? '1'
            : l.name;
    return l.t ? (l.kind === 'grad' ? `(${base})ᵀ` : `${base}ᵀ`) : base;
  }
  const base =
    l.kind === 'grad'
      ? `\\nabla_{${latexName(l.name)}} L`
      : l.kind === 'step'
        ? `u_{${latexName(l.name)}}`
        : l.kind === 'ones'
          ? '\\mathbf{1}'
          : latexName(l.name);
  return l.t ? (l.kind === 'grad' ? `(${base})^{\\top}` : `${base}^{\\top}`) : base;
}

const plain = (l: Letter): Letter => ({ ...l, t: false });
const same = (a: Letter, b: Letter): boolean => a.kind === b.kind && a.name === b.name;

function wordStr(w: Word, st: Style): string {
  if (w.length === 0) return st === 'text' ? 'I' : 'I';
  return w.map((l) => letterStr(l, st)).join(st === 'text' ? ' ' : ' \\, ');
}

/** tr(w) rendered as ⟨X, Y⟩ or ‖X‖² when it is an inner product of two letters. */
function traceStr(w: Word, st: Style): string {
  if (w.length === 2) {
    const [x, y] = w as [Letter, Letter];
    if (x.t !== y.t) {
      const [p, q] = x.t ? [plain(x), y] : [plain(y), x];
      if (same(p, q))
        return st === 'text' ? `‖${letterStr(p, st)}‖²` : `\\lVert ${letterStr(p, st)} \\rVert^{2}`;
      return st === 'text'
        ? `⟨${letterStr(p, st)}, ${letterStr(q, st)}⟩`
        : `\\langle ${letterStr(p, st)}, ${letterStr(q, st)} \\rangle`;
    }
  }
  return st === 'text' ? `tr(${wordStr(w, st)})` : `\\operatorname{tr}\\left(${wordStr(w, st)}\\right)`;
}

function sumStr(s: readonly WordTerm[], st: Style, body: (w: Word) => string): string {
  if (s.length === 0) return '0';
  return s
    .map((t, i) => {
      const c = t.coef;
      const neg =
        (c.kind === 'num' && c.value.startsWith('-')) ||
        (c.kind === 'mul' && c.factors[0]?.kind === 'num' && c.factors[0].value.startsWith('-'));
      const mag = neg ? negate(c) : c;
      const cs = mag.kind === 'num' && mag.value === '1' ? '' : wrapCoef(mag, st);
      const sep = i === 0 ? (neg ? '-' : '') : neg ? ' - ' : ' + ';
      return `${sep}${cs}${body(t.word)}`;
    })
    .join('');
}

function negate(c: Expr): Expr {
  if (c.kind === 'num') return { kind: 'num', value: c.value.slice(1) };
  if (c.kind === 'mul') {
    const f0 = c.factors[0] as Extract<Expr, { kind: 'num' }>;
    const v = f0.value.slice(1);
    const rest = c.factors.slice(1);
    return v === '1'
      ? rest.length === 1
        ? rest[0]!
        : { kind: 'mul', factors: rest }
      : { kind: 'mul', factors: [{ kind: 'num', value: v }, ...rest] };
  }
  return c;
}

function wrapCoef(c: Expr, st: Style): string {
  const s = st === 'text' ? toText(c) : toLatex(c);
  const needs = c.kind === 'add';
  if (st === 'text') return needs ? `(${s}) ` : `${s} `;
  return needs ? `\\left(${s}\\right) ` : `${s} \\, `;
}

export const matrixText = (s: WordSum): string => sumStr(s, 'text', (w) => wordStr(w, 'text'));
export const matrixLatex = (s: WordSum): string => sumStr(s, 'latex', (w) => wordStr(w, 'latex'));
export const traceText = (s: TraceSum): string => sumStr(s, 'text', (w) => traceStr(w, 'text'));
export const traceLatex = (s: TraceSum): string => sumStr(s, 'latex', (w) => traceStr(w, 'latex'));
