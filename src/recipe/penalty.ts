/**
 * The penalties `noether recipe` takes, as a small grammar (docs/theory.md §4.7):
 *
 *   l1                  Σ |w_i|
 *   lp(k=K) | lp(p=P)   Σ |w_i|^P, P = 2/K (the quasi-norm a K-fold product induces)
 *   group(size=G)       Σ_g ‖w_g‖ over consecutive groups of G entries (group lasso)
 *   nuclear             ‖W‖_* = Σ σ_i(W)
 *   schatten(k=K) | schatten(p=P)   Σ σ_i(W)^P, P = 2/K
 *
 * A request names what the penalty acts on (entries, groups, singular values) and its exponent,
 * an exact rational. Which reparametrisation induces it is derived (src/recipe/derive.ts), not read
 * from the name.
 */
import { UserInputError } from '../../numeric/errors';
import { parseRational, toString as ratText, type Rational, rat, cmp } from '../expr/rational';

/** What a penalty acts on: each entry, each group of entries, each singular value. */
export type PenaltyDomain = 'entry' | 'group' | 'singular';

/** A penalty μ·Σ over its domain of (its magnitude)^exponent. */
export interface Penalty {
  /** The penalty as written. */
  readonly text: string;
  readonly domain: PenaltyDomain;
  /** The exponent on |w_i|, ‖w_g‖ or σ_i (exact). */
  readonly exponent: Rational;
  /** Entries per group (domain 'group'). */
  readonly size?: number;
}

/** A penalty the grammar does not read (exit 2, one line naming it). */
export class PenaltyError extends UserInputError {
  override readonly name: string = 'PenaltyError';
}

/** The largest group size and the deepest factorisation the recipe derives and trains. */
export const RECIPE_LIMITS = { size: 64, depth: 8 } as const;

const clip = (s: string): string => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** Read `key=value` arguments of a penalty: each key once, each among `allowed`. */
function args(text: string, body: string, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of body.split(',')) {
    const m = /^\s*([a-z]+)\s*=\s*([^\s=]+)\s*$/.exec(part);
    if (!m)
      throw new PenaltyError(`penalty '${clip(text)}': cannot read '${clip(part.trim())}' (want key=value)`);
    const [, key, value] = m as unknown as [string, string, string];
    if (!allowed.includes(key))
      throw new PenaltyError(`penalty '${clip(text)}' takes ${allowed.join(' or ')}, not '${clip(key)}'`);
    if (out.has(key)) throw new PenaltyError(`penalty '${clip(text)}' gives '${key}' twice`);
    out.set(key, value);
  }
  return out;
}

function integer(text: string, key: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new PenaltyError(`penalty '${clip(text)}': ${key} must be an integer from ${min} to ${max}`);
  return Number(value);
}

/** The exponent of lp/schatten from k=K (2/K) or p=P (a positive rational). */
function exponentOf(text: string, a: Map<string, string>): Rational {
  if (a.size !== 1) throw new PenaltyError(`penalty '${clip(text)}' needs exactly one of k=K or p=P`);
  const k = a.get('k');
  if (k !== undefined) return rat(2, integer(text, 'k', k, 1, RECIPE_LIMITS.depth));
  const p = parseRational(a.get('p')!);
  if (!p || cmp(p, rat(0)) <= 0)
    throw new PenaltyError(`penalty '${clip(text)}': p must be a positive rational (e.g. 2/3 or 0.5)`);
  return p;
}

/** Parse a penalty; an unreadable one is a PenaltyError naming it. */
export function parsePenalty(text: string): Penalty {
  const t = text.trim();
  const m = /^([a-z0-9]+)\s*(?:\((.*)\))?$/.exec(t);
  if (!m) throw new PenaltyError(`cannot read penalty '${clip(t)}' (${GRAMMAR})`);
  const [, name, body] = m as unknown as [string, string, string | undefined];
  const bare = (): void => {
    if (body !== undefined) throw new PenaltyError(`penalty '${clip(t)}' takes no arguments`);
  };
  const needs = (): string => {
    if (body === undefined || !body.trim())
      throw new PenaltyError(`penalty '${name}' needs arguments (${GRAMMAR})`);
    return body;
  };
  switch (name) {
    case 'l1':
      bare();
      return { text: t, domain: 'entry', exponent: rat(1) };
    case 'lp':
      return { text: t, domain: 'entry', exponent: exponentOf(t, args(t, needs(), ['k', 'p'])) };
    case 'group': {
      const a = args(t, needs(), ['size']);
      const size = a.get('size');
      if (size === undefined) throw new PenaltyError(`penalty '${clip(t)}' needs size=G`);
      return {
        text: t,
        domain: 'group',
        exponent: rat(1),
        size: integer(t, 'size', size, 1, RECIPE_LIMITS.size),
      };
    }
    case 'nuclear':
      bare();
      return { text: t, domain: 'singular', exponent: rat(1) };
    case 'schatten':
      return { text: t, domain: 'singular', exponent: exponentOf(t, args(t, needs(), ['k', 'p'])) };
    default:
      throw new PenaltyError(`unknown penalty '${clip(name)}' (${GRAMMAR})`);
  }
}

const GRAMMAR = 'penalties: l1, lp(k=K), lp(p=P), group(size=G), nuclear, schatten(k=K), schatten(p=P)';

/** The penalty in words: Σ |w_i|^(2/3), Σ_g ‖w_g‖, ‖W‖_*, … */
export function penaltyText(p: Penalty): string {
  const e = p.exponent;
  const pow = e.n === e.d ? '' : `^(${ratText(e)})`;
  switch (p.domain) {
    case 'entry':
      return `Σ_i |w_i|${pow}`;
    case 'group':
      return `Σ_g ‖w_g‖${pow} (groups of ${p.size})`;
    case 'singular':
      return pow ? `Σ_i σ_i(W)${pow}` : '‖W‖_* (Σ_i σ_i(W))';
  }
}
