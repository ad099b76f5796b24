/**
 * What every rule's derivation starts from: the charge and the gradient constraint in canonical
 * word-sum form, the rule's step size and weight decay as symbols, the charge's degrees in θ, and
 * whether its derivative along g is an exact multiple of the gradient constraint (so that it
 * vanishes on every minibatch). Plus the helpers the rules share (tidy coefficients, ratios of
 * word sums, the verdict of an exact expansion, the "no closed recursion" law).
 */
import { type Expr, sym, num, mul, sub, neg, ONE_E } from '../../expr/ast';
import { Normalizer, expanded, exactZero } from '../../expr/normal';
import { toText, toLatex } from '../../expr/print';
import {
  Algebra,
  letter,
  type WordSum,
  type Letter,
  traceText,
  traceLatex,
  matrixText,
  matrixLatex,
} from '../../derive/words';
import type { BlockDeclaration } from '../../declaration/types';
import type { Derivation, Law, Rendered } from '../../derivation';
import type { Verdict } from '../../verdict';
import type { HyperParameter, Rule } from '../rule';
import { parseRational, fromNumber } from '../../expr/rational';
import type { DynamicsLaw } from './types';

/**
 * A hyper-parameter in derived formulas: its value when the rule gave one (the exact decimal the user
 * wrote, so wd = 0 derives the law without weight decay), else its symbol.
 */
export function hyperExpr(p: HyperParameter): Expr {
  if (p.value === undefined) return sym(p.symbol);
  return num(parseRational(String(p.value)) ?? fromNumber(p.value));
}

export const proved = (what: string): Verdict => ({
  kind: 'proved',
  method: 'word algebra: exact expansion of the charge along the update, valid for every size',
  evidence: what,
});

/**
 * A display of a coefficient: the first candidate form the exact normal form confirms equal, else
 * the expanded form.
 */
export function tidyExpr(e: Expr, candidates: readonly Expr[] = []): Expr {
  return candidates.find((c) => exactZero(sub(c, e)) === 'zero') ?? expanded(e);
}

export function tidy(e: Expr, candidates: readonly Expr[] = []): Rendered {
  const shown = tidyExpr(e, candidates);
  return { text: toText(shown), latex: toLatex(shown) };
}

/** The coefficient of the symbol s in e, an expression linear in s (by the exact normal form). */
export function linearCoefficient(e: Expr, s: string): Expr {
  return polynomialCoefficients(e, s)?.[1] ?? num(0);
}

/** The coefficients [c₀, c₁, …] of e as a polynomial in the symbol s, or undefined if it is not one. */
export function polynomialCoefficients(e: Expr, s: string): Expr[] | undefined {
  const n = new Normalizer();
  const cs = n.coefficientsIn(n.normalize(e), s);
  if (!cs) return undefined;
  const degree = Math.max(0, ...cs.keys());
  return Array.from({ length: degree + 1 }, (_, k) => {
    const c = cs.get(k);
    return c ? n.toExpr(c) : num(0);
  });
}

export class Sums {
  constructor(
    readonly alg: Algebra,
    readonly kind: 'trace' | 'matrix',
  ) {}
  canon(s: WordSum): WordSum {
    return this.kind === 'trace' ? this.alg.trace(s) : this.alg.matrix(s);
  }
  text(s: WordSum): string {
    return this.kind === 'trace' ? traceText(s) : matrixText(s);
  }
  latex(s: WordSum): string {
    return this.kind === 'trace' ? traceLatex(s) : matrixLatex(s);
  }
  count(w: readonly Letter[], kind: Letter['kind']): number {
    return w.filter((l) => l.kind === kind).length;
  }
  part(s: WordSum, kind: Letter['kind'], n: number): WordSum {
    return s.filter((t) => this.count(t.word, kind) === n);
  }
  /** c with s = c · base (symbolically), or undefined. */
  ratio(s: WordSum, base: WordSum): Expr | undefined {
    if (s.length === 0) return num(0);
    if (base.length === 0) return undefined;
    const key = (t: WordSum[number]): string => JSON.stringify(t.word);
    const b0 = base[0]!;
    const match = s.find((t) => key(t) === key(b0));
    if (!match) return undefined;
    const c = mul(match.coef, { kind: 'pow', base: b0.coef, exp: num(-1) });
    const diff = this.canon([...s, ...base.map((t) => ({ coef: neg(mul(c, t.coef)), word: t.word }))]);
    return diff.length === 0 ? c : undefined;
  }
}

export function none(why: string): DynamicsLaw {
  return {
    kind: 'dynamics-law',
    id: 'no-closed-recursion',
    title: 'No closed recursion',
    statement: { text: `no closed recursion: ${why}`, latex: '\\text{no closed recursion}' },
    data: { kind: 'none' },
    verdict: proved(why),
  };
}

/** A charge law that has a word sum to follow. */
export type ChargeLaw = Law & { readonly data: { readonly kind: 'trace' | 'matrix'; readonly sum: WordSum } };

export const hasChargeSum = (l: Law): l is ChargeLaw =>
  (l.id === 'charge' || l.id === 'charge-matrix') && (l.data.kind === 'trace' || l.data.kind === 'matrix');

/** The charge, the constraint and the rule's symbols, shared by every rule's derivation. */
export interface ChargeContext {
  readonly decl: BlockDeclaration;
  readonly derivation: Derivation;
  readonly charge: ChargeLaw;
  readonly alg: Algebra;
  readonly S: Sums;
  /** The charge, canonical. */
  readonly Q: WordSum;
  /** The gradient constraint in the charge's own form (scalar law, or the symmetric part of the matrix law). */
  readonly GC: WordSum;
  readonly blocks: readonly string[];
  /** The step size η (the symbol eta for gradient flow, which has none). */
  readonly eta: Expr;
  /** The weight decay λ (0 when the rule has none; its value when the rule gives one). */
  readonly lambda: Expr;
  /** The degrees in θ of the charge's terms. */
  readonly degrees: ReadonlySet<number>;
  /** The common degree when every term has the same one. */
  readonly homogeneous: number | undefined;
  /** The charge's quadratic part. */
  readonly quadQ: WordSum;
  /** The charge's derivative along g (D_g Q), canonical. */
  readonly dgQ: WordSum;
  /** D_g Q is an exact multiple of the gradient constraint (so it vanishes on every minibatch). */
  readonly killedByConstraint: boolean;
  /** 'Q' for a scalar charge, 'C' for a matrix one. */
  readonly qn: 'Q' | 'C';
  /** A word sum with each block letter replaced by the same-named letter of another kind. */
  readonly withLetters: (s: WordSum, kind: Letter['kind']) => WordSum;
}

export function chargeContext(
  decl: BlockDeclaration,
  d: Derivation,
  charge: ChargeLaw,
  rule: Rule,
): ChargeContext {
  const structures = new Map(
    decl.constants.map((c) => [
      c.name,
      c.name === charge.parameter && charge.id === 'charge-matrix' ? ('symmetric' as const) : c.structure,
    ]),
  );
  const alg = new Algebra(structures, new Map());
  const S = new Sums(alg, charge.data.kind);
  const Q = S.canon(charge.data.sum);
  const gcLaw: Law | undefined = d.laws.find((l) =>
    charge.data.kind === 'trace'
      ? l.id === 'gradient-constraint' && l.data.kind === 'trace'
      : l.id === 'gradient-constraint-matrix',
  );
  const GC: WordSum = !gcLaw
    ? []
    : gcLaw.data.kind === 'trace'
      ? alg.trace(gcLaw.data.sum)
      : gcLaw.data.kind === 'matrix'
        ? alg.symmetricPart(gcLaw.data.sum)
        : [];
  const blocks = decl.blocks.map((b) => b.name);
  const eta = 'lr' in rule.params ? sym(rule.params.lr.symbol) : sym('eta');
  // The step size stays a symbol (continuous forms are series in it); the other values are substituted.
  const lambda = 'wd' in rule.params ? hyperExpr(rule.params.wd) : num(0);
  const degrees = new Set(Q.map((t) => S.count(t.word, 'block')));
  const homogeneous = degrees.size === 1 ? [...degrees][0]! : undefined;
  const asLetter =
    (kind: Letter['kind']) =>
    (b: string): { coef: Expr; letter: Letter } => ({ coef: ONE_E, letter: letter(kind, b) });
  const withLetters = (s: WordSum, kind: Letter['kind']): WordSum =>
    S.canon(alg.substitute(s, new Map(blocks.map((b) => [b, [asLetter(kind)(b)]]))));
  // The first-order part along g must be a multiple of the gradient constraint to vanish.
  // With θ → θ + g, the terms holding exactly one g are D_g Q (product rule).
  const dgQ = S.canon(
    S.part(
      S.canon(
        alg.substitute(Q, new Map(blocks.map((b) => [b, [asLetter('block')(b), asLetter('grad')(b)]]))),
      ),
      'grad',
      1,
    ),
  );
  return {
    decl,
    derivation: d,
    charge,
    alg,
    S,
    Q,
    GC,
    blocks,
    eta,
    lambda,
    degrees,
    homogeneous,
    quadQ: S.part(Q, 'block', 2),
    dgQ,
    killedByConstraint: S.ratio(dgQ, GC) !== undefined,
    qn: charge.data.kind === 'trace' ? 'Q' : 'C',
    withLetters,
  };
}
