/**
 * A small recursive-descent parser for user expressions. Input is data: the parser builds the
 * project's AST and never evaluates or runs anything. Grammar (no implicit multiplication):
 *
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/') unary)*
 *   unary   := ('-' | '+') unary | power
 *   power   := primary ('^' unary)?          (right-associative; -x^2 = -(x^2))
 *   primary := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'
 */
import { type Expr, FUNCTIONS, isFnName, add, mul, neg, pow, div, num, sym, call } from './ast';
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

type Tok = { readonly t: 'num' | 'name' | 'op' | 'end'; readonly v: string; readonly col: number };

const MAX_LENGTH = 20_000;
const MAX_DEPTH = 200;

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const numMatch = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
    if (numMatch) {
      out.push({ t: 'num', v: numMatch[0], col: i + 1 });
      i += numMatch[0].length;
      continue;
    }
    const nameMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (nameMatch) {
      out.push({ t: 'name', v: nameMatch[0], col: i + 1 });
      i += nameMatch[0].length;
      continue;
    }
    if ('+-*/^(),'.includes(ch)) {
      if (ch === '*' && src[i + 1] === '*') throw new ExprSyntaxError("use '^' for powers, not '**'", i + 1);
      out.push({ t: 'op', v: ch, col: i + 1 });
      i++;
      continue;
    }
    throw new ExprSyntaxError(`unexpected character '${ch}'`, i + 1);
  }
  out.push({ t: 'end', v: '', col: src.length + 1 });
  return out;
}

/** Parse an expression. Throws ExprSyntaxError (with a column) on malformed input or an unknown function. */
export function parseExpr(src: string): Expr {
  if (typeof src !== 'string') throw new ExprSyntaxError('expression must be a string', 1);
  if (src.length > MAX_LENGTH)
    throw new ExprSyntaxError(`expression longer than ${MAX_LENGTH} characters`, 1);
  if (src.trim() === '') throw new ExprSyntaxError('empty expression', 1);
  const toks = tokenize(src);
  let p = 0;
  let depth = 0;
  const peek = (): Tok => toks[p]!;
  const next = (): Tok => toks[p++]!;
  const expectOp = (v: string): void => {
    const t = next();
    if (t.t !== 'op' || t.v !== v)
      throw new ExprSyntaxError(`expected '${v}' but found ${describe(t)}`, t.col);
  };
  const describe = (t: Tok): string => (t.t === 'end' ? 'end of expression' : `'${t.v}'`);
  const enter = (col: number): void => {
    if (++depth > MAX_DEPTH) throw new ExprSyntaxError('expression nested too deeply', col);
  };

  function expr(): Expr {
    let left = term();
    for (;;) {
      const t = peek();
      if (t.t === 'op' && (t.v === '+' || t.v === '-')) {
        next();
        const right = term();
        left = t.v === '+' ? add(left, right) : add(left, neg(right));
      } else return left;
    }
  }
  function term(): Expr {
    let left = unary();
    for (;;) {
      const t = peek();
      if (t.t === 'op' && (t.v === '*' || t.v === '/')) {
        next();
        const right = unary();
        left = t.v === '*' ? mul(left, right) : div(left, right);
      } else if (t.t === 'num' || t.t === 'name' || (t.t === 'op' && t.v === '(')) {
        throw new ExprSyntaxError(`missing operator before ${describe(t)} (write '*' for products)`, t.col);
      } else return left;
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
    const base = primary();
    const t = peek();
    if (t.t === 'op' && t.v === '^') {
      next();
      enter(t.col);
      const e = unary();
      depth--;
      return pow(base, e);
    }
    return base;
  }
  function primary(): Expr {
    const t = next();
    if (t.t === 'num') {
      const r = parseRational(t.v);
      if (!r) throw new ExprSyntaxError(`malformed number '${t.v}'`, t.col);
      return num(r);
    }
    if (t.t === 'name') {
      const after = peek();
      if (after.t === 'op' && after.v === '(') {
        if (!isFnName(t.v))
          throw new ExprSyntaxError(
            `unknown function '${t.v}' (known: ${Object.keys(FUNCTIONS).join(', ')})`,
            t.col,
          );
        next();
        enter(t.col);
        const args: Expr[] = [expr()];
        while (peek().t === 'op' && peek().v === ',') {
          next();
          args.push(expr());
        }
        expectOp(')');
        depth--;
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
  return e;
}
