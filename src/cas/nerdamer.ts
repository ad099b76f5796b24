/**
 * The only module that talks to the CAS (nerdamer-prime). It gives an optional *second opinion* on
 * whether an expression is zero, asked for with `decideZero({ …, cas: true })` (which requires this
 * module only then); callers never accept its "0" without random-point confirmation (nerdamer
 * claims (x^a)^b - x^(ab) = 0, which is false for negative x). nerdamer-prime itself is required
 * on the first question only, so a missing package reads as 'unavailable', and its global state is
 * flushed after every call.
 */
import type { Expr } from '../expr/ast';
import { numValue } from '../expr/ast';

type NerdamerFn = ((expr: string) => { toString(): string }) & { flush(): void; clear(which: string): void };

let cached: NerdamerFn | undefined;
function load(): NerdamerFn {
  if (!cached) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    cached = require('nerdamer-prime') as NerdamerFn;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('nerdamer-prime/Algebra');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('nerdamer-prime/Calculus');
  }
  return cached;
}

const KNOWN: Partial<Record<string, string>> = {
  exp: 'exp',
  log: 'log',
  sqrt: 'sqrt',
  sin: 'sin',
  cos: 'cos',
  tan: 'tan',
  sinh: 'sinh',
  cosh: 'cosh',
  tanh: 'tanh',
  abs: 'abs',
};

/**
 * Render e for nerdamer with every symbol renamed to a safe name; undefined if e uses a function
 * nerdamer does not know.
 */
function toNerdamer(e: Expr, names: Map<string, string>): string | undefined {
  const go = (x: Expr): string | undefined => {
    switch (x.kind) {
      case 'num': {
        const r = numValue(x);
        return r.d === 1n ? `(${r.n})` : `(${r.n}/${r.d})`;
      }
      case 'sym': {
        if (!names.has(x.name)) names.set(x.name, `v${names.size}`);
        return names.get(x.name)!;
      }
      case 'add': {
        const ts = x.terms.map(go);
        return ts.includes(undefined) ? undefined : `(${ts.join('+')})`;
      }
      case 'mul': {
        const fs = x.factors.map(go);
        return fs.includes(undefined) ? undefined : `(${fs.join('*')})`;
      }
      case 'pow': {
        const b = go(x.base);
        const p = go(x.exp);
        return b && p ? `(${b}^${p})` : undefined;
      }
      case 'call': {
        if (x.fn === 'sigmoid') {
          const a = go(x.args[0]!);
          return a ? `(1/(1+exp(-${a})))` : undefined;
        }
        const f = KNOWN[x.fn];
        const a = x.args[0] ? go(x.args[0]) : undefined;
        return f && a ? `${f}(${a})` : undefined;
      }
    }
  };
  return go(e);
}

export type CasOpinion = 'zero' | 'nonzero' | 'unavailable';

/** Whether the optional package nerdamer-prime is installed (without loading it). */
export function casInstalled(): boolean {
  try {
    require.resolve('nerdamer-prime');
    return true;
  } catch {
    return false;
  }
}

/** Ask the CAS whether e simplifies to 0. Never throws: failures and timeouts are 'unavailable'. */
export function casSaysZero(e: Expr): CasOpinion {
  const text = toNerdamer(e, new Map());
  if (text === undefined || text.length > 4000) return 'unavailable';
  let n: NerdamerFn;
  try {
    n = load();
  } catch {
    return 'unavailable';
  }
  try {
    for (const op of ['expand', 'simplify']) {
      if (n(`${op}(${text})`).toString() === '0') return 'zero';
    }
    return 'nonzero';
  } catch {
    return 'unavailable';
  } finally {
    try {
      n.flush();
      n.clear('all');
    } catch {
      /* the store is best-effort */
    }
  }
}
