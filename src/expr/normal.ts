/**
 * Exact normal form: an expression becomes a quotient of (Laurent) polynomials with exact
 * rational coefficients over *atoms* — symbols and function applications whose arguments are
 * themselves in normal form. Only sound rewrite rules are used:
 *
 *   exp(u + v) = exp(u) exp(v),  exp(k u) = exp(u)^k (integer k),  exp(log u) = u
 *   log(p u) = log p + log u      for p > 0 (positive rational content, exp powers)
 *   relu(u) = u step(u), abs(u) = u sign(u), leaky_relu(u, s) = u (s + (1 - s) step(u))
 *   step(p u) = step(u), sign(p u) = sign(u)  for p > 0;  step(u)^2 = step(u)
 *   sign(c Π a^e) = sign(c) Π sign(a)^e,  sign(a)^3 = sign(a),  √(c Π a^{2k}) = √c Π (a sign(a))^k
 *   odd/even functions get a canonical argument sign (tanh(-u) = -tanh(u), cos(-u) = cos(u),
 *   sigmoid(-u) = 1 - sigmoid(u), softplus(-u) = softplus(u) - u)
 *   sin(u)^2 = 1 - cos(u)^2,  sinh(u)^2 = cosh(u)^2 - 1,  sqrt(u)^2 = u
 *
 * A zero normal form is therefore a proof that the expression is identically zero wherever it
 * is defined. Distinct atoms are treated as independent indeterminates: when two atoms are
 * equal for a reason no rule knows, the normal form is simply not zero, and callers fall back
 * to random-point evaluation — never to a wrong "proved".
 */
import { type Expr, type FnName, numValue, num, add, mul, pow, call } from './ast';
import * as Q from './rational';
import type { Rational } from './rational';

export class NormalFormError extends Error {}
/** Raised when a normal form would exceed the term budget. */
export class BudgetExceeded extends NormalFormError {}

type Mono = readonly (readonly [string, number])[];
interface Term {
  readonly mono: Mono;
  readonly coef: Rational;
}
type Poly = ReadonlyMap<string, Term>;
/** A normal form: num / den, den never zero. */
export interface Normal {
  readonly num: Poly;
  readonly den: Poly;
}

interface Atom {
  readonly key: string;
  readonly display: Expr;
  readonly positive: boolean;
  /** For exp atoms: the exponent (a rational function: exp(1/(x + 1)) has one). */
  readonly expOf?: Normal;
  /** For log atoms: the argument. */
  readonly logOf?: Normal;
  /** Replacement for atom^2, when a sound identity gives one. */
  readonly square?: (key: string) => Poly;
  /** atom^3 = atom (sign). */
  readonly cubeIsSelf?: boolean;
  /** For sign(a) of a single atom a: a's key (a^e sign(a)^{2j} = a^e when e ≥ 1). */
  readonly signOf?: string;
}

const SEP = '\u0001';
/** A monomial's key: its atoms and exponents, k SEP e, joined by SEP SEP. */
function monoKey(m: Mono): string {
  let key = '';
  for (let i = 0; i < m.length; i++) {
    const [k, e] = m[i]!;
    key += i === 0 ? `${k}${SEP}${e}` : `${SEP}${SEP}${k}${SEP}${e}`;
  }
  return key;
}

/** Product of two monomials (both sorted by atom key): a linear merge. */
function mulMono(a: Mono, b: Mono): Mono {
  const out: (readonly [string, number])[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x[0] < y[0])) {
      out.push(x!);
      i++;
    } else if (x === undefined || y[0] < x[0]) {
      out.push(y);
      j++;
    } else {
      const e = x[1] + y[1];
      if (e !== 0) out.push([x[0], e]);
      i++;
      j++;
    }
  }
  return out;
}

const monoPoly = (mono: Mono, coef: Rational): Poly =>
  Q.isZero(coef) ? new Map() : new Map([[monoKey(mono), { mono, coef }]]);
const constPoly = (c: Rational): Poly => (Q.isZero(c) ? new Map() : new Map([['', { mono: [], coef: c }]]));
const ONE_P = constPoly(Q.ONE);

function addInto(out: Map<string, Term>, t: Term, k: string = monoKey(t.mono)): void {
  const prev = out.get(k);
  if (!prev) {
    // Terms are immutable: a new monomial keeps the term itself.
    if (!Q.isZero(t.coef)) out.set(k, t);
    return;
  }
  const c = Q.add(prev.coef, t.coef);
  if (Q.isZero(c)) out.delete(k);
  else out.set(k, { mono: t.mono, coef: c });
}

function addPoly(a: Poly, b: Poly, sign = 1): Poly {
  const out = new Map(a);
  // A polynomial's keys are its monomials' keys.
  for (const [k, t] of b) addInto(out, sign === 1 ? t : { mono: t.mono, coef: Q.neg(t.coef) }, k);
  return out;
}

function scalePoly(a: Poly, c: Rational): Poly {
  if (Q.isZero(c)) return new Map();
  return new Map([...a].map(([k, t]) => [k, { mono: t.mono, coef: Q.mul(t.coef, c) }]));
}

function polyEqual(a: Poly, b: Poly): boolean {
  if (a.size !== b.size) return false;
  for (const [k, t] of a) {
    const u = b.get(k);
    if (!u || Q.cmp(u.coef, t.coef) !== 0) return false;
  }
  return true;
}

/** Whether p is the constant polynomial 1. */
function isOnePoly(p: Poly): boolean {
  if (p.size !== 1) return false;
  const t = p.values().next().value!;
  return t.mono.length === 0 && Q.isOne(t.coef);
}

const isConst = (p: Poly): boolean => p.size === 0 || (p.size === 1 && p.has(''));
const constOf = (p: Poly): Rational => p.get('')?.coef ?? Q.ZERO;

/** Canonical text of a polynomial (terms sorted by key). */
const polyKey = (p: Poly): string =>
  [...p.entries()]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([k, t]) => `${Q.toString(t.coef)}*${k}`)
    .join(' + ');

/** polyKey of the polynomial 1. */
const ONE_KEY = polyKey(ONE_P);

const sortedTerms = (p: Poly): Term[] =>
  [...p.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, t]) => t);

/** A term of a polynomial in plain symbols: coefficient × Π symbol^power. */
export interface SymbolTerm {
  readonly coef: Rational;
  readonly powers: readonly (readonly [string, number])[];
}

export interface NormalizerOptions {
  /** Maximum number of terms in any intermediate polynomial. */
  readonly maxTerms?: number;
}

/**
 * Holds the atom table of one normalisation session. Normal forms from the same Normalizer can
 * be compared and combined; use a fresh one per independent question.
 */
export class Normalizer {
  private readonly atoms = new Map<string, Atom>();
  /** Keys of the atoms that {@link reduce} rewrites (even powers beside their sign, cubes, squares). */
  private readonly rewritten = new Set<string>();
  private readonly maxTerms: number;
  /** Forms already computed, by expression object, with the number of rewrite rules they saw. */
  private readonly forms = new WeakMap<Expr, { readonly form: Normal; readonly rewrites: number }>();

  constructor(opts: NormalizerOptions = {}) {
    this.maxTerms = opts.maxTerms ?? 20_000;
  }

  // ---- polynomial helpers that need the atom table (square reduction, budget) ----

  private check(p: Poly): Poly {
    if (p.size > this.maxTerms) throw new BudgetExceeded(`normal form exceeds ${this.maxTerms} terms`);
    return p;
  }

  private reduce(p: Poly): Poly {
    // Only a term with a rewritten atom can change: without one the polynomial is already reduced.
    if (this.rewritten.size === 0) return p;
    const rewrites = (t: Term): boolean => t.mono.some(([k]) => this.rewritten.has(k));
    let any = false;
    for (const t of p.values())
      if (rewrites(t)) {
        any = true;
        break;
      }
    if (!any) return p;
    let changed = true;
    let cur = p;
    while (changed) {
      changed = false;
      const out = new Map<string, Term>();
      for (const [key, t] of cur) {
        const evenSign = t.mono.find(
          ([k, e]) =>
            e >= 2 &&
            e % 2 === 0 &&
            (() => {
              const of = this.atoms.get(k)?.signOf;
              return of !== undefined && t.mono.some(([k2, e2]) => k2 === of && e2 >= 1);
            })(),
        );
        if (evenSign) {
          changed = true;
          addInto(out, { mono: t.mono.filter(([k]) => k !== evenSign[0]), coef: t.coef });
          continue;
        }
        const cube = t.mono.find(([k, e]) => e >= 3 && this.atoms.get(k)?.cubeIsSelf);
        if (cube) {
          changed = true;
          addInto(out, {
            mono: t.mono.map(([k, e]) => [k, k === cube[0] ? e - 2 : e] as const),
            coef: t.coef,
          });
          continue;
        }
        const hit = t.mono.find(([k, e]) => e >= 2 && this.atoms.get(k)?.square);
        if (!hit) {
          addInto(out, t, key);
          continue;
        }
        changed = true;
        const [k, e] = hit;
        const rest: Mono = t.mono
          .map(([kk, ee]) => [kk, kk === k ? e - 2 : ee] as const)
          .filter(([, ee]) => ee !== 0);
        const sq = this.atoms.get(k)!.square!(k);
        for (const u of this.mulPolyRaw(monoPoly(rest, t.coef), sq).values()) addInto(out, u);
      }
      cur = this.check(out);
    }
    return cur;
  }

  private mulPolyRaw(a: Poly, b: Poly): Poly {
    // A factor 1 leaves the other factor, term for term (products start from 1, and a normal
    // form's denominator is mostly 1).
    if (isOnePoly(a)) return this.check(b);
    if (isOnePoly(b)) return this.check(a);
    const out = new Map<string, Term>();
    for (const s of a.values())
      for (const t of b.values())
        addInto(out, { mono: mulMono(s.mono, t.mono), coef: Q.mul(s.coef, t.coef) });
    return this.check(out);
  }

  private mulPoly(a: Poly, b: Poly): Poly {
    return this.reduce(this.mulPolyRaw(a, b));
  }

  // ---- normal forms ----

  private make(numP: Poly, den: Poly): Normal {
    if (den.size === 0) throw new NormalFormError('division by zero');
    if (numP.size === 0) return { num: numP, den: ONE_P };
    // Over the denominator 1 the numerator stands (reduced, as the product by 1 below would leave it).
    if (isOnePoly(den)) return { num: this.reduce(this.check(numP)), den: ONE_P };
    if (den.size === 1) {
      // A monomial denominator folds into the numerator as negative exponents.
      const t = [...den.values()][0]!;
      const inv: Term = { mono: t.mono.map(([k, e]) => [k, -e] as const), coef: Q.div(Q.ONE, t.coef) };
      return { num: this.mulPoly(numP, monoPoly(inv.mono, inv.coef)), den: ONE_P };
    }
    if (polyEqual(numP, den)) return { num: ONE_P, den: ONE_P };
    // Canonical scaling: the denominator's first term has coefficient 1.
    const lead = sortedTerms(den)[0]!.coef;
    return { num: scalePoly(numP, Q.div(Q.ONE, lead)), den: scalePoly(den, Q.div(Q.ONE, lead)) };
  }

  private constN(c: Rational): Normal {
    return { num: constPoly(c), den: ONE_P };
  }

  private atomN(a: Atom, exp = 1): Normal {
    if (!this.atoms.has(a.key)) {
      this.atoms.set(a.key, a);
      if (a.signOf !== undefined || a.cubeIsSelf || a.square) this.rewritten.add(a.key);
    }
    return { num: this.reduce(monoPoly([[a.key, exp]], Q.ONE)), den: ONE_P };
  }

  addN(x: Normal, y: Normal, sign = 1): Normal {
    if (polyEqual(x.den, y.den)) return this.make(this.check(addPoly(x.num, y.num, sign)), x.den);
    const n = addPoly(this.mulPoly(x.num, y.den), this.mulPoly(y.num, x.den), sign);
    return this.make(this.check(n), this.mulPoly(x.den, y.den));
  }

  mulN(x: Normal, y: Normal): Normal {
    return this.make(this.mulPoly(x.num, y.num), this.mulPoly(x.den, y.den));
  }

  private powN(x: Normal, k: number): Normal {
    if (k === 0) return this.constN(Q.ONE);
    if (k < 0) {
      if (x.num.size === 0) throw new NormalFormError('division by zero');
      return this.powN(this.make(x.den, x.num), -k);
    }
    let r = this.constN(Q.ONE);
    for (let i = 0; i < k; i++) r = this.mulN(r, x);
    return r;
  }

  /** Canonical key of a normal form, used to identify function applications. */
  key(x: Normal): string {
    return isConst(x.den) ? polyKey(x.num) : `(${polyKey(x.num)})/(${polyKey(x.den)})`;
  }

  isZero(x: Normal): boolean {
    return x.num.size === 0;
  }

  /**
   * Normalise an expression. Throws NormalFormError (or BudgetExceeded) when it cannot. A compound
   * expression's form is kept by object and reused: expressions are immutable, and derivatives
   * share subexpressions (a residual built from ∇F mentions each partial several times). A rewrite
   * rule (a sign, cube or square atom) only changes terms that contain its atom, which exists before
   * any form containing it; still, a form is kept only when no rule was registered while it was
   * computed and reused only while none has been since, so it is the form computing it again gives.
   */
  normalize(e: Expr): Normal {
    if (e.kind === 'num' || e.kind === 'sym') return this.normalizeNode(e);
    const rewrites = this.rewritten.size;
    const kept = this.forms.get(e);
    if (kept !== undefined && kept.rewrites === rewrites) return kept.form;
    const form = this.normalizeNode(e);
    if (this.rewritten.size === rewrites) this.forms.set(e, { form, rewrites });
    return form;
  }

  private normalizeNode(e: Expr): Normal {
    switch (e.kind) {
      case 'num':
        return this.constN(numValue(e));
      case 'sym':
        return this.atomN({ key: e.name, display: e, positive: false });
      case 'add': {
        // Terms over the same denominator accumulate in one map (pairwise addition would copy it per term).
        const parts = e.terms.map((t) => this.normalize(t));
        const groups = new Map<string, { den: Poly; num: Map<string, Term> }>();
        for (const x of parts) {
          const k = isOnePoly(x.den) ? ONE_KEY : polyKey(x.den);
          const g = groups.get(k) ?? { den: x.den, num: new Map<string, Term>() };
          for (const [key, t] of x.num) addInto(g.num, t, key);
          this.check(g.num);
          groups.set(k, g);
        }
        return [...groups.values()].map((g) => this.make(g.num, g.den)).reduce((acc, x) => this.addN(acc, x));
      }
      case 'mul':
        return e.factors.reduce<Normal>((acc, t) => this.mulN(acc, this.normalize(t)), this.constN(Q.ONE));
      case 'pow': {
        const base = this.normalize(e.base);
        const ex = this.normalize(e.exp);
        if (isConst(ex.num) && isConst(ex.den)) {
          const k = constOf(ex.num);
          if (Q.isInteger(k) && Math.abs(Number(k.n)) <= 64) return this.powN(base, Number(k.n));
          if (Q.cmp(k, Q.rat(1, 2)) === 0) return this.fn('sqrt', base);
          if (Q.cmp(k, Q.rat(-1, 2)) === 0) return this.powN(this.fn('sqrt', base), -1);
        }
        if (isConst(base.num) && isConst(base.den) && Q.isOne(constOf(base.num))) return this.constN(Q.ONE);
        const key = `pow(${this.key(base)},${this.key(ex)})`;
        return this.atomN({ key, display: pow(this.toExpr(base), this.toExpr(ex)), positive: false });
      }
      case 'call': {
        if (e.fn === 'expm')
          throw new NormalFormError('expm is a matrix function and has no scalar normal form');
        const args = e.args.map((a) => this.normalize(a));
        return this.fn(e.fn, args[0]!, args[1]);
      }
    }
  }

  /** Positive factor common to every term of p: positive rational content and exp-atom powers. */
  private positivePart(p: Poly): { coef: Rational; mono: Mono } {
    if (p.size === 0) return { coef: Q.ONE, mono: [] };
    let cn = 0n;
    let cd = 1n;
    for (const t of p.values()) {
      cn = Q.gcd(cn, t.coef.n);
      cd = (cd * t.coef.d) / Q.gcd(cd, t.coef.d);
    }
    const expAtoms = new Set<string>();
    for (const t of p.values()) for (const [k] of t.mono) if (this.atoms.get(k)?.positive) expAtoms.add(k);
    const mono: [string, number][] = [];
    for (const k of expAtoms) {
      let m = Infinity;
      for (const t of p.values()) m = Math.min(m, t.mono.find(([kk]) => kk === k)?.[1] ?? 0);
      if (m !== 0) mono.push([k, m]);
    }
    mono.sort(([x], [y]) => (x < y ? -1 : 1));
    return { coef: Q.rat(cn, cd), mono };
  }

  /** Split x = p * rest with p > 0 built from content and exp powers of numerator and denominator. */
  private splitPositive(x: Normal): { p: Normal; rest: Normal } {
    if (x.num.size === 0) return { p: this.constN(Q.ONE), rest: x };
    const pn = this.positivePart(x.num);
    const pd = isConst(x.den) ? { coef: Q.ONE, mono: [] as Mono } : this.positivePart(x.den);
    const asN = (f: { coef: Rational; mono: Mono }): Normal => ({
      num: monoPoly(f.mono, f.coef),
      den: ONE_P,
    });
    const p = this.make(asN(pn).num, asN(pd).num);
    const inv = (f: { coef: Rational; mono: Mono }): Poly =>
      monoPoly(
        f.mono.map(([k, e]) => [k, -e] as const),
        Q.div(Q.ONE, f.coef),
      );
    const restNum = this.mulPolyRaw(x.num, inv(pn));
    const restDen = isConst(x.den) ? x.den : this.mulPolyRaw(x.den, inv(pd));
    return { p, rest: this.make(restNum, restDen) };
  }

  /** Sign of the leading coefficient (in canonical term order) of a normal form's numerator. */
  private leadSign(x: Normal): number {
    const t = sortedTerms(x.num)[0];
    return t ? Math.sign(Number(t.coef.n)) : 0;
  }

  private negN(x: Normal): Normal {
    return { num: scalePoly(x.num, Q.rat(-1)), den: x.den };
  }

  private fnAtom(fn: FnName, arg: Normal, extra?: Normal, square?: (key: string) => Poly): Normal {
    const key = `${fn}(${this.key(arg)}${extra ? `,${this.key(extra)}` : ''})`;
    const display = extra ? call(fn, this.toExpr(arg), this.toExpr(extra)) : call(fn, this.toExpr(arg));
    return this.atomN({ key, display, positive: fn === 'exp', ...(square ? { square } : {}) });
  }

  private fn(fn: FnName, u: Normal, v?: Normal): Normal {
    const isC = isConst(u.num) && isConst(u.den);
    const c = isC ? Q.div(constOf(u.num), constOf(u.den)) : undefined;
    switch (fn) {
      case 'exp': {
        if (!isConst(u.den)) return this.expAtom(u.num, u.den);
        let r = this.constN(Q.ONE);
        for (const t of u.num.values()) {
          if (t.mono.length === 1 && t.mono[0]![1] === 1 && Q.isInteger(t.coef)) {
            const logOf = this.atoms.get(t.mono[0]![0])?.logOf;
            if (logOf) {
              r = this.mulN(r, this.powN(logOf, Number(t.coef.n)));
              continue;
            }
          }
          if (Q.isInteger(t.coef) && Math.abs(Number(t.coef.n)) <= 64) {
            r = this.mulN(r, this.powN(this.expAtom(monoPoly(t.mono, Q.ONE), ONE_P), Number(t.coef.n)));
          } else {
            r = this.mulN(r, this.expAtom(monoPoly(t.mono, t.coef), ONE_P));
          }
        }
        return r;
      }
      case 'log': {
        if (u.num.size === 0) throw new NormalFormError('log(0)');
        const { p, rest } = this.splitPositive(u);
        let r = this.constN(Q.ZERO);
        // log of the positive part: content and exp powers.
        for (const t of p.num.values()) {
          if (!Q.isOne(t.coef)) r = this.addN(r, this.fnAtom('log', this.constN(t.coef)));
          for (const [k, e] of t.mono)
            r = this.addN(r, this.mulN(this.constN(Q.rat(e)), this.atoms.get(k)!.expOf!));
        }
        if (isConst(rest.num) && isConst(rest.den) && Q.isOne(Q.div(constOf(rest.num), constOf(rest.den))))
          return r;
        const key = `log(${this.key(rest)})`;
        return this.addN(
          r,
          this.atomN({ key, display: call('log', this.toExpr(rest)), positive: false, logOf: rest }),
        );
      }
      case 'relu':
      case 'abs':
      case 'leaky_relu': {
        // relu(u) = u step(u), abs(u) = u sign(u), leaky_relu(u, s) = u (s + (1 - s) step(u)):
        // identities at every u (both sides are 0 at u = 0), so the piecewise-linear functions
        // reduce to the step and sign atoms, which carry the positive-homogeneity rules.
        if (fn === 'relu') return this.mulN(u, this.fn('step', u));
        if (fn === 'abs') return this.mulN(u, this.fn('sign', u));
        const slope = v ?? this.constN(Q.ZERO);
        return this.mulN(
          u,
          this.addN(slope, this.mulN(this.addN(this.constN(Q.ONE), slope, -1), this.fn('step', u))),
        );
      }
      case 'step':
      case 'sign': {
        if (c !== undefined) {
          const s = Q.cmp(c, Q.ZERO);
          return this.constN(Q.rat(fn === 'step' ? (s > 0 ? 1 : 0) : s));
        }
        const { rest } = this.splitPositive(u);
        // sign is multiplicative: sign(c Π a^e) = sign(c) Π sign(a)^e, and sign(a)^3 = sign(a).
        if (fn === 'sign' && rest.num.size === 1 && isConst(rest.den)) {
          const t = [...rest.num.values()][0]!;
          if (t.mono.length > 1 || (t.mono.length === 1 && t.mono[0]![1] !== 1)) {
            let out = this.constN(
              Q.rat(Math.sign(Number(t.coef.n)) * Math.sign(Number(constOf(rest.den).n))),
            );
            for (const [k, e] of t.mono)
              out = this.mulN(
                out,
                this.powN(this.fn('sign', { num: monoPoly([[k, 1]], Q.ONE), den: ONE_P }), e > 0 ? e : -e),
              );
            return out;
          }
        }
        // sign(−w) = −sign(w), and sign(w) is registered below with its rules (sign³ = sign, sign² of a
        // variable), whichever of sign(w) and sign(−w) is met first
        if (fn === 'sign' && this.leadSign(rest) < 0) return this.negN(this.fn('sign', this.negN(rest)));
        // step(u)^2 = step(u) everywhere.
        if (fn === 'sign') {
          const key = `sign(${this.key(rest)})`;
          const single = rest.num.size === 1 && isConst(rest.den) ? [...rest.num.values()][0]! : undefined;
          const of =
            single && single.mono.length === 1 && single.mono[0]![1] === 1 && Q.isOne(single.coef)
              ? single.mono[0]![0]
              : undefined;
          return this.atomN({
            key,
            display: call('sign', this.toExpr(rest)),
            positive: false,
            cubeIsSelf: true,
            ...(of !== undefined ? { signOf: of } : {}),
          });
        }
        return this.fnAtom(
          fn,
          rest,
          undefined,
          fn === 'step' ? (key) => monoPoly([[key, 1]], Q.ONE) : undefined,
        );
      }
      case 'sin':
      case 'tan':
      case 'sinh':
      case 'tanh': {
        if (c !== undefined && Q.isZero(c)) return this.constN(Q.ZERO);
        if (this.leadSign(u) < 0) return this.negN(this.fn(fn, this.negN(u)));
        if (fn === 'sin')
          return this.fnAtom('sin', u, undefined, () => addPoly(ONE_P, this.squareOf('cos', u), -1));
        if (fn === 'sinh')
          return this.fnAtom('sinh', u, undefined, () => addPoly(this.squareOf('cosh', u), ONE_P, -1));
        return this.fnAtom(fn, u);
      }
      case 'cos':
      case 'cosh': {
        if (c !== undefined && Q.isZero(c)) return this.constN(Q.ONE);
        return this.fnAtom(fn, this.leadSign(u) < 0 ? this.negN(u) : u);
      }
      case 'sigmoid': {
        if (this.leadSign(u) < 0)
          return this.addN(this.constN(Q.ONE), this.fnAtom('sigmoid', this.negN(u)), -1);
        return this.fnAtom('sigmoid', u);
      }
      case 'softplus': {
        if (this.leadSign(u) < 0) {
          const w = this.negN(u);
          return this.addN(this.fnAtom('softplus', w), w, -1);
        }
        return this.fnAtom('softplus', u);
      }
      case 'sqrt': {
        if (c !== undefined && Q.isZero(c)) return this.constN(Q.ZERO);
        if (c !== undefined && Q.isOne(c)) return this.constN(Q.ONE);
        // √(c Π a^{2k}) = √c Π |a|^k for a square rational c > 0, with |a| = a sign(a).
        if (u.num.size === 1 && isConst(u.den)) {
          const t = [...u.num.values()][0]!;
          const cc = Q.div(t.coef, constOf(u.den));
          const [rn, rd] = [isqrt(cc.n), isqrt(cc.d)];
          if (
            cc.n > 0n &&
            rn !== undefined &&
            rd !== undefined &&
            t.mono.every(([, e]) => e > 0 && e % 2 === 0)
          ) {
            let out = this.constN(Q.rat(rn, rd));
            for (const [k, e] of t.mono) {
              const a: Normal = { num: monoPoly([[k, 1]], Q.ONE), den: ONE_P };
              out = this.mulN(out, this.powN(this.mulN(a, this.fn('sign', a)), e / 2));
            }
            return out;
          }
        }
        const sq = isConst(u.den) ? (): Poly => u.num : undefined;
        return this.fnAtom('sqrt', u, undefined, sq);
      }
      case 'expm':
        throw new NormalFormError('expm is a matrix function and has no scalar normal form');
    }
  }

  /** f(u)^2 as a polynomial, for the Pythagorean reductions. */
  private squareOf(f: 'cos' | 'cosh', u: Normal): Poly {
    const c = this.fn(f, u).num;
    return this.mulPolyRaw(c, c);
  }

  private expAtom(numP: Poly, den: Poly): Normal {
    const arg: Normal = { num: numP, den };
    const key = `exp(${this.key(arg)})`;
    return this.atomN({
      key,
      display: call('exp', this.toExpr(arg)),
      positive: true,
      expOf: arg,
    });
  }

  // ---- back to expressions ----

  private monoExpr(m: Mono): Expr[] {
    return m.map(([k, e]) => pow(this.atoms.get(k)!.display, num(e)));
  }

  private polyExpr(p: Poly): Expr {
    const terms = sortedTerms(p).sort((a, b) => degree(b.mono) - degree(a.mono));
    return add(...terms.map((t) => mul(num(t.coef), ...this.monoExpr(t.mono))));
  }

  /** The normal form as an expanded expression (for display and for further symbolic work). */
  toExpr(x: Normal): Expr {
    const n = this.polyExpr(x.num);
    return isConst(x.den) && Q.isOne(constOf(x.den)) ? n : mul(n, pow(this.polyExpr(x.den), num(-1)));
  }

  /** Coefficients of x as a polynomial in the symbol t: returns undefined when x is not polynomial in t. */
  coefficientsIn(x: Normal, t: string): Map<number, Normal> | undefined {
    for (const term of x.den.values()) if (term.mono.some(([k]) => k === t)) return undefined;
    const out = new Map<number, Map<string, Term>>();
    for (const term of x.num.values()) {
      let deg = 0;
      const rest: [string, number][] = [];
      for (const [k, e] of term.mono) {
        if (k === t) deg = e;
        else if (mentions(this.atoms.get(k)!.display, t)) return undefined;
        else rest.push([k, e]);
      }
      if (deg < 0) return undefined;
      const bucket = out.get(deg) ?? new Map<string, Term>();
      addInto(bucket, { mono: rest, coef: term.coef });
      out.set(deg, bucket);
    }
    return new Map([...out].map(([d, p]) => [d, this.make(p, x.den)]));
  }

  /**
   * When x is a rational function of plain symbols and of exponentials exp(c·s) of single symbols
   * (c rational, each such s appearing in no other way and in one exponential only): its numerator
   * and denominator as lists of terms — a rational coefficient and powers of symbols or of those
   * exponentials (keyed as in `exps`). Such a normal form is canonical: since s ↦ exp(c·s) maps
   * onto (0, ∞), the function is zero exactly when this rational function of the symbols and the
   * exponentials is.
   */
  symbolRational(x: Normal):
    | {
        readonly num: SymbolTerm[];
        readonly den: SymbolTerm[];
        /** exponential atom key → the symbol s and the rational c of exp(c·s). */
        readonly exps: ReadonlyMap<string, { readonly symbol: string; readonly c: Rational }>;
      }
    | undefined {
    const exps = new Map<string, { symbol: string; c: Rational }>();
    const plain = new Set<string>();
    const terms = (p: Poly): SymbolTerm[] | undefined => {
      const out: SymbolTerm[] = [];
      for (const t of p.values()) {
        for (const [k] of t.mono) {
          const atom = this.atoms.get(k);
          if (atom?.display.kind === 'sym') {
            plain.add(k);
            continue;
          }
          const ex = atom?.expOf;
          const arg =
            ex && ex.num.size === 1 && isConst(ex.den) && Q.isOne(constOf(ex.den))
              ? [...ex.num.values()][0]!
              : undefined;
          const [m] = arg?.mono ?? [];
          if (!arg || arg.mono.length !== 1 || m![1] !== 1 || this.atoms.get(m![0])?.display.kind !== 'sym')
            return undefined;
          exps.set(k, { symbol: m![0], c: arg.coef });
        }
        out.push({ coef: t.coef, powers: t.mono });
      }
      return out;
    };
    const num = terms(x.num);
    const den = terms(x.den);
    if (!num || !den) return undefined;
    const through = [...exps.values()].map((e) => e.symbol);
    if (new Set(through).size !== through.length || through.some((sy) => plain.has(sy))) return undefined;
    return { num, den, exps };
  }

  fromConst(c: Rational): Normal {
    return this.constN(c);
  }
  scale(x: Normal, c: Rational): Normal {
    return { num: scalePoly(x.num, c), den: x.den };
  }
}

/** The integer square root of a non-negative BigInt when it is a perfect square. */
/**
 * The exact square root of n when n is a perfect square, else undefined. Newton's iteration on
 * integers from a start above √n (2^⌈bits/2⌉) decreases to ⌊√n⌋ in O(log bits) steps, for any size
 * (a float start overflows past 2¹⁰²⁴ and, a little below √n, left a unit-step loop of ~√n·2⁻⁵³).
 */
function isqrt(n: bigint): bigint | undefined {
  if (n < 0n) return undefined;
  if (n < 2n) return n;
  let x = 1n << BigInt((n.toString(2).length + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  return x * x === n ? x : undefined;
}

const degree = (m: Mono): number => m.reduce((s, [, e]) => s + Math.abs(e), 0);

function mentions(e: Expr, name: string): boolean {
  switch (e.kind) {
    case 'num':
      return false;
    case 'sym':
      return e.name === name;
    case 'add':
      return e.terms.some((t) => mentions(t, name));
    case 'mul':
      return e.factors.some((t) => mentions(t, name));
    case 'pow':
      return mentions(e.base, name) || mentions(e.exp, name);
    case 'call':
      return e.args.some((t) => mentions(t, name));
  }
}

/** The expanded normal form of e as an expression, or e itself when it has none (for display). */
export function expanded(e: Expr, opts?: NormalizerOptions): Expr {
  try {
    const n = new Normalizer(opts);
    return n.toExpr(n.normalize(e));
  } catch (err) {
    if (err instanceof NormalFormError) return e;
    throw err;
  }
}

/** The normaliser of the open {@link withSharedNormalizer} scope, if any. */
let scope: Normalizer | undefined;

/**
 * Runs f with one normaliser for every {@link sharedNormalForm} it asks for, instead of one per
 * residual: related decisions (the entries of one matrix identity, built from the same derivatives)
 * then normalise each common subexpression once. Forms stay canonical: one atom table serves all.
 */
export function withSharedNormalizer<T>(f: () => T): T {
  if (scope) return f();
  scope = new Normalizer();
  try {
    return f();
  } finally {
    scope = undefined;
  }
}

/** Normal forms (default options) by expression object: see {@link sharedNormalForm}. */
const sharedForms = new WeakMap<Expr, { readonly n: Normalizer; readonly form: Normal } | NormalFormError>();

/**
 * The normal form of e under default options, computed once per expression object and shared: a
 * decision asks several questions of one residual (is it zero, a witness, its terms, its branches),
 * and each used to normalise it afresh. Expressions are immutable, so the object fixes the answer;
 * the normaliser comes along because its atom table gives the form its meaning. Throws the
 * {@link NormalFormError} the normalisation threw, every time it is asked.
 */
export function sharedNormalForm(e: Expr): { readonly n: Normalizer; readonly form: Normal } {
  let r = sharedForms.get(e);
  if (r === undefined) {
    try {
      const n = scope ?? new Normalizer();
      r = { n, form: n.normalize(e) };
    } catch (err) {
      if (!(err instanceof NormalFormError)) throw err;
      r = err;
    }
    sharedForms.set(e, r);
  }
  if (r instanceof NormalFormError) throw r;
  return r;
}

/**
 * Whether e is identically zero by the exact normal form. Returns 'zero', 'nonzero' (normal form
 * has terms: not a refutation) or 'unknown' (could not normalise).
 */
export function exactZero(e: Expr, opts?: NormalizerOptions): 'zero' | 'nonzero' | 'unknown' {
  try {
    if (opts === undefined) {
      const { n, form } = sharedNormalForm(e);
      return n.isZero(form) ? 'zero' : 'nonzero';
    }
    const n = new Normalizer(opts);
    return n.isZero(n.normalize(e)) ? 'zero' : 'nonzero';
  } catch (err) {
    if (err instanceof NormalFormError) return 'unknown';
    throw err;
  }
}
