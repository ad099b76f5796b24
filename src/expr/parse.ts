/**
 * A small recursive-descent parser for user expressions. Input is data: the parser builds the
 * project's AST and never evaluates or runs anything. Grammar (no implicit multiplication):
 *
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/') unary)*
 *   unary   := ('-' | '+') unary | power
 *   power   := primary ('^' unary)?          (right-associative; -x^2 = -(x^2))
 *   primary := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'
 *
 * Tokenizing and parsing are linear in the length of the text. Limits ({@link ExprLimits}) bound
 * what is accepted: always the length and the nesting depth; for declarations also how deeply
 * functions nest, how many factors a product has, how many terms it expands to and how large its
 * second derivative is, because differentiation and the exact normal form downstream grow much
 * faster than the text (measured in {@link DECLARATION_LIMITS}).
 */
import { type Expr, FUNCTIONS, isFnName, add, mul, neg, pow, num, sym, call, isNum, numValue } from './ast';
import { parseRational } from './rational';

/** A parse failure with the 1-based column where it was detected. */
export class ExprSyntaxError extends Error {
  constructor(
    readonly detail: string,
    readonly column: number,
  ) {
    super(`${detail} (column ${column})`);
    this.name = 'ExprSyntaxError';
  }
}

/** What an expression may be: refused beyond these, with a message naming the limit. */
export interface ExprLimits {
  /** Characters of text. */
  readonly length: number;
  /** Nesting of parentheses, function calls, signs and exponents. */
  readonly depth: number;
  /** Function calls nested inside one another (`tanh(sigmoid(x))` is 2). */
  readonly calls?: number;
  /** Factors of one product, after flattening (`(a*b)*c` has 3). */
  readonly factors?: number;
  /**
   * Terms the expression expands to at most, as the exact normal form multiplies out products and
   * integer powers of sums (a symbol, a function call and a power of either are one term): a sum
   * adds its terms' counts, a product multiplies them, and a sum of m terms to the k-th power has
   * at most C(k + m − 1, m − 1). `(a + b)^1000` is 1,001 terms, `x^1000000000` one.
   */
  readonly terms?: number;
  /**
   * Nodes of the second derivative by one variable, estimated (see `measure`): what derivations
   * build for Hessians. Bounds sums and products of nested functions that the other limits allow.
   */
  readonly derivative?: number;
}

/** What {@link parseExpr} checks by default: that the text can be parsed safely. */
export const STRUCTURAL_LIMITS: ExprLimits = { length: 20_000, depth: 200 };

/**
 * What a declaration's expressions (losses, actions) may be, so that `noether derive` finishes in a
 * few seconds. Measured end to end (`noether derive` of a rescale-invariant concrete declaration,
 * so that the prover does all its work; single-threaded):
 *   nested functions, sigmoid(sigmoid(…(w1*w2*x))) in (y − ·)²: 4 deep 0.7 s, 6 deep 2.2 s, 8 deep 29 s;
 *     sums of them up to the derivative limit: 3 deep 2.4 s (2 parameters) / 3.7 s (16), 4 deep 6 s;
 *   a product of function factors tanh(w1*w2*x)*sigmoid(2*w1*w2*x)*…: 16 factors 3.3 s, 32 → 34 s;
 *   expansion, (w1*w2 + x + y + 1)^k in (y − ·)²: k = 10 (41,000 terms) 1.7 s, k = 12 (104,000) 3.2 s,
 *     k = 16 (470,000) 10.7 s, k = 20 > 40 s;
 *   second derivative: sums of sigmoid(sigmoid(tanh(k*w1*w2*x))) filled to 4,000 nodes 2.7 s / 3.8 s
 *     (2 / 16 parameters), to 10,000 nodes 5.1 s / 11.7 s; 16 products of such towers (59,000) 20 s;
 *   length, sums of function terms: 2,355 characters 1.1 s, 7,290 characters 2.7 s.
 * 140 random rescale-invariant expressions within these limits took at most 1.2 s each.
 */
export const DECLARATION_LIMITS: ExprLimits = {
  length: 2_000,
  depth: 32,
  calls: 3,
  factors: 16,
  terms: 50_000,
  derivative: 4_000,
};

/** C(n, r) as a double, stopping once it passes `cap` (Infinity then): at most 64 steps. */
function choose(n: number, r: number, cap: number): number {
  const k = Math.min(r, n - r);
  if (k < 0) return 0;
  let c = 1;
  for (let i = 1; i <= k; i++) {
    c = (c * (n - k + i)) / i;
    if (c > cap || i > 64) return Infinity;
  }
  return Math.round(c);
}

type Tok = { readonly t: 'num' | 'name' | 'op' | 'end'; readonly v: string; readonly col: number };

const NUMBER = /(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const OPS = '+-*/^(),';
const isSpace = (ch: string): boolean => /\s/.test(ch);

/** Tokens of src, scanned once from left to right (sticky regular expressions: linear time). */
function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const match = (re: RegExp): string | undefined => {
    re.lastIndex = i;
    return re.exec(src)?.[0];
  };
  while (i < src.length) {
    const ch = src[i]!;
    if (isSpace(ch)) {
      i++;
      continue;
    }
    const n = match(NUMBER);
    if (n !== undefined) {
      out.push({ t: 'num', v: n, col: i + 1 });
      i += n.length;
      continue;
    }
    const name = match(NAME);
    if (name !== undefined) {
      out.push({ t: 'name', v: name, col: i + 1 });
      i += name.length;
      continue;
    }
    if (OPS.includes(ch)) {
      if (ch === '*' && src[i + 1] === '*') throw new ExprSyntaxError("use '^' for powers, not '**'", i + 1);
      out.push({ t: 'op', v: ch, col: i + 1 });
      i++;
      continue;
    }
    const cp = String.fromCodePoint(src.codePointAt(i)!);
    throw new ExprSyntaxError(`unexpected character '${cp}'`, i + 1);
  }
  out.push({ t: 'end', v: '', col: src.length + 1 });
  return out;
}

/** A token as messages quote it (names and numbers cut short). */
const quoteTok = (v: string): string => `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;

/**
 * Parse an expression. Throws ExprSyntaxError (with a column) on malformed input, an unknown
 * function, or an expression beyond the structural limits (`STRUCTURAL_LIMITS`; declarations are
 * read with the tighter `DECLARATION_LIMITS`, by `parseExprWithin`).
 */
export function parseExpr(src: string): Expr {
  return parseExprWithin(src, STRUCTURAL_LIMITS);
}

/** {@link parseExpr} within the given limits: an ExprSyntaxError naming the limit beyond them. */
export function parseExprWithin(src: string, limits: ExprLimits): Expr {
  if (typeof src !== 'string') throw new ExprSyntaxError('expression must be a string', 1);
  if (src.length > limits.length)
    throw new ExprSyntaxError(`expression longer than ${limits.length} characters (the limit)`, 1);
  if (src.trim() === '') throw new ExprSyntaxError('empty expression', 1);
  const toks = tokenize(src);
  let p = 0;
  let depth = 0;
  let calls = 0;
  const peek = (): Tok => toks[p]!;
  const next = (): Tok => toks[p++]!;
  const expectOp = (v: string): void => {
    const t = next();
    if (t.t !== 'op' || t.v !== v)
      throw new ExprSyntaxError(`expected '${v}' but found ${describe(t)}`, t.col);
  };
  const describe = (t: Tok): string => (t.t === 'end' ? 'end of expression' : quoteTok(t.v));
  const enter = (col: number): void => {
    if (++depth > limits.depth)
      throw new ExprSyntaxError(`expression nested more than ${limits.depth} deep (the limit)`, col);
  };

  const memo = new WeakMap<Expr, Measures>();
  const cap = limits.terms ?? Infinity;
  const measured = (e: Expr): Measures => measure(e, memo, cap);
  /** The limits on a product or power just built, reported at the column where it starts. */
  const checked = (e: Expr, col: number): Expr => {
    if (
      limits.factors !== undefined &&
      e.kind === 'mul' &&
      e.factors.filter((f) => f.kind !== 'num').length > limits.factors
    )
      throw new ExprSyntaxError(`a product of more than ${limits.factors} factors (the limit)`, col);
    if (limits.terms !== undefined && measured(e).terms > limits.terms)
      throw new ExprSyntaxError(`expands to more than ${limits.terms} terms (the limit)`, col);
    if (limits.derivative !== undefined && measured(e).d2 > limits.derivative)
      throw new ExprSyntaxError(
        `too complex to differentiate: its second derivative has about ${Math.round(measured(e).d2)} ` +
          `nodes, above the limit ${limits.derivative}`,
        col,
      );
    return e;
  };

  function expr(): Expr {
    const first = peek().col;
    const summands = [term()];
    for (;;) {
      const t = peek();
      if (t.t === 'op' && (t.v === '+' || t.v === '-')) {
        next();
        const right = term();
        summands.push(t.v === '+' ? right : neg(right));
      } else return summands.length === 1 ? summands[0]! : checked(add(...summands), first);
    }
  }
  function term(): Expr {
    const first = peek().col;
    const factors = [unary()];
    for (;;) {
      const t = peek();
      if (t.t === 'op' && (t.v === '*' || t.v === '/')) {
        next();
        const right = unary();
        // x/0 is undefined: never let a zero factor absorb it (x*0/0 would read as 0).
        if (t.v === '/' && isNum(right, 0)) throw new ExprSyntaxError('division by zero', t.col);
        if (t.v === '*') factors.push(right);
        else if (!isNum(right, 1)) factors.push(pow(right, num(-1)));
      } else if (t.t === 'num' || t.t === 'name' || (t.t === 'op' && t.v === '(')) {
        throw new ExprSyntaxError(`missing operator before ${describe(t)} (write '*' for products)`, t.col);
      } else return factors.length === 1 ? factors[0]! : checked(mul(...factors), first);
    }
  }
  function unary(): Expr {
    const t = peek();
    if (t.t === 'op' && (t.v === '-' || t.v === '+')) {
      next();
      enter(t.col);
      const u = unary();
      depth--;
      return t.v === '-' ? neg(u) : u;
    }
    return power();
  }
  function power(): Expr {
    const first = peek().col;
    const base = primary();
    const t = peek();
    if (t.t === 'op' && t.v === '^') {
      next();
      enter(t.col);
      const e = unary();
      depth--;
      if (isNum(base, 0) && e.kind === 'num' && numValue(e).n < 0n)
        throw new ExprSyntaxError('division by zero (0 to a negative power)', t.col);
      return checked(pow(base, e), first);
    }
    return base;
  }
  function primary(): Expr {
    const t = next();
    if (t.t === 'num') {
      const r = parseRational(t.v);
      if (!r) throw new ExprSyntaxError(`malformed number ${quoteTok(t.v)}`, t.col);
      return num(r);
    }
    if (t.t === 'name') {
      const after = peek();
      if (after.t === 'op' && after.v === '(') {
        if (!isFnName(t.v))
          throw new ExprSyntaxError(
            `unknown function ${quoteTok(t.v)} (known: ${Object.keys(FUNCTIONS).join(', ')})`,
            t.col,
          );
        next();
        enter(t.col);
        if (limits.calls !== undefined && ++calls > limits.calls)
          throw new ExprSyntaxError(`functions nested more than ${limits.calls} deep (the limit)`, t.col);
        const args: Expr[] = [expr()];
        while (peek().t === 'op' && peek().v === ',') {
          next();
          args.push(expr());
        }
        expectOp(')');
        depth--;
        if (limits.calls !== undefined) calls--;
        const arity = FUNCTIONS[t.v];
        if (args.length !== arity)
          throw new ExprSyntaxError(
            `${t.v} takes ${arity} argument${arity === 1 ? '' : 's'}, got ${args.length}`,
            t.col,
          );
        return call(t.v, ...args);
      }
      if (isFnName(t.v)) throw new ExprSyntaxError(`function '${t.v}' used without arguments`, t.col);
      return sym(t.v);
    }
    if (t.t === 'op' && t.v === '(') {
      enter(t.col);
      const e = expr();
      expectOp(')');
      depth--;
      return e;
    }
    throw new ExprSyntaxError(`unexpected ${describe(t)}`, t.col);
  }

  const e = expr();
  const rest = peek();
  if (rest.t !== 'end') throw new ExprSyntaxError(`unexpected ${describe(rest)}`, rest.col);
  return checked(e, 1);
}

/**
 * Size estimates of an expression, for the limits: `terms` it expands to (see ExprLimits.terms),
 * and the node counts of the expression (`size`) and of its first and second derivatives (`d1`,
 * `d2`) by one variable on which every symbol depends (an upper estimate: the product rule makes
 * n terms of a product of n factors; f(u)' = f'(u)·u' copies u once per occurrence in f', twice for
 * sigmoid' = σ(1 − σ)).
 */
interface Measures {
  readonly terms: number;
  readonly size: number;
  readonly d1: number;
  readonly d2: number;
}

/** How many copies of its argument a function's derivative holds. */
const COPIES: Readonly<Record<string, number>> = { sigmoid: 2, leaky_relu: 2, step: 0, sign: 0 };

function measure(e: Expr, memo: WeakMap<Expr, Measures>, cap: number): Measures {
  const known = memo.get(e);
  if (known) return known;
  const sum = (xs: readonly Expr[]): Measures =>
    xs
      .map((x) => measure(x, memo, cap))
      .reduce(
        (a, m) => ({ terms: a.terms + m.terms, size: a.size + m.size, d1: a.d1 + m.d1, d2: a.d2 + m.d2 }),
        { terms: 0, size: 0, d1: 0, d2: 0 },
      );
  let m: Measures;
  switch (e.kind) {
    case 'num':
      m = { terms: 1, size: 1, d1: 0, d2: 0 };
      break;
    case 'sym':
      m = { terms: 1, size: 1, d1: 1, d2: 0 };
      break;
    case 'add':
      m = sum(e.terms);
      break;
    case 'mul': {
      const n = e.factors.length;
      const all = sum(e.factors);
      const terms = e.factors.reduce((t, f) => t * measure(f, memo, cap).terms, 1);
      m = {
        terms,
        size: all.size,
        d1: all.d1 + (n - 1) * all.size,
        d2: all.d2 + 2 * (n - 1) * all.d1 + (n - 1) * (n - 1) * all.size,
      };
      break;
    }
    case 'pow': {
      const b = measure(e.base, memo, cap);
      const x = measure(e.exp, memo, cap);
      const size = b.size + x.size + 1;
      const k = e.exp.kind === 'num' ? numValue(e.exp) : undefined;
      // Only integer powers of sums are multiplied out (a huge exponent gives Infinity).
      const power = k && k.d === 1n ? Math.abs(Number(k.n)) : undefined;
      const terms = b.terms <= 1 || power === undefined ? 1 : choose(power + b.terms - 1, b.terms - 1, cap);
      m = k
        ? { terms, size, d1: size + b.d1 + 2, d2: size + 2 * b.d1 + b.d2 + 4 }
        : {
            terms,
            size,
            d1: 2 * size + x.d1 + b.d1 + b.size + 4,
            d2: 3 * size + 2 * (x.d1 + b.d1) + x.d2 + b.d2 + 2 * b.size + 8,
          };
      break;
    }
    case 'call': {
      const c = COPIES[e.fn] ?? 1;
      const a = sum(e.args);
      const size = a.size + 1;
      m = {
        terms: 1,
        size,
        d1: c * size + a.d1 + 2,
        d2: c * (c * size + a.d1) + a.d1 + c * size + a.d2 + 4,
      };
      break;
    }
  }
  memo.set(e, m);
  return m;
}
