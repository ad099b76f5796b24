/**
 * Deciding whether a residual (a sum of terms) is identically zero, with a sound verdict:
 *
 * 1. exact normal form reduces it to 0           → proved (confirmed at random points);
 * 2. a float64 evaluation at a random point exceeds REFUTATION_THRESHOLD relative to the scale of
 *    its terms                                     → refuted, with the exact point and the seed;
 * 3. only if the caller asks for it (`cas: true`): the CAS (nerdamer-prime, loaded only then)
 *    reduces it to 0 and every point agrees    → proved;
 * 4. every point within IDENTITY_TOLERANCE        → numerically verified (count, worst, seed);
 * 5. otherwise                                    → inconclusive, with the reason.
 *
 * A CAS or normal-form "0" that random points contradict is reported as inconclusive: the
 * toolkit never certifies what its own evaluation disputes.
 */
import { type Expr, add } from '../expr/ast';
import { compile, UnboundSymbol } from '../expr/evaluate';
import { exactZero } from '../expr/normal';
import type { CasOpinion } from '../cas/nerdamer';
import { rng } from '../../numeric/rng';
import { type Verdict, type PointCounterexample, IDENTITY_TOLERANCE, REFUTATION_THRESHOLD } from '../verdict';

/** What a symbol stands for; it decides the range random points are drawn from. */
export type Role = 'parameter' | 'data' | 'group' | 'constant';
/** A symbol of a {@link ZeroQuestion} and its role. */
export interface Variable {
  readonly name: string;
  readonly role: Role;
}

/** Is the sum of these terms identically zero? What {@link decideZero} decides, with the symbols and seed to sample. */
export interface ZeroQuestion {
  /** The residual is the sum of these terms; its scale is the sum of their magnitudes. */
  readonly terms: readonly Expr[];
  readonly variables: readonly Variable[];
  readonly seed: number;
  /** Number of random points (default 48). */
  readonly points?: number;
  /** Named expressions to report at a counterexample (e.g. both loss values). */
  readonly report?: Readonly<Record<string, Expr>>;
  /** What the residual claims, for messages ("the action leaves the loss unchanged"). */
  readonly claim: string;
  /**
   * Ask the CAS (nerdamer-prime) for a second opinion when the exact normal form does not reduce
   * the residual (default false: such a residual goes straight to sampling). The CAS is loaded only
   * when asked; its "0" is trusted only where its known unsound rewrites cannot apply.
   */
  readonly cas?: boolean;
}

/** The CAS's opinion, loading the CAS module only now: nerdamer-prime is never loaded otherwise. */
function askCas(e: Expr): CasOpinion {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { casSaysZero } = require('../cas/nerdamer') as typeof import('../cas/nerdamer');
  return casSaysZero(e);
}

/** Sampling ranges by role: grid points exactly representable in float64 and printable exactly. */
function sample(role: Role, r: ReturnType<typeof rng>): number {
  switch (role) {
    case 'group': {
      const v = r.grid(-1.5, 1.5, 16);
      return v === 0 ? 0.5 : v;
    }
    case 'constant':
      return r.grid(0.5, 3, 8);
    default:
      return r.grid(-2, 2, 32);
  }
}

/**
 * Decide whether a residual is identically zero, with a sound verdict: proved when the exact normal
 * form reduces it to 0 (confirmed at random points); refuted, with the exact point and seed, when a
 * float64 evaluation exceeds {@link REFUTATION_THRESHOLD} relative to the scale of its terms;
 * numerically verified when every point is within {@link IDENTITY_TOLERANCE}; inconclusive otherwise,
 * with the reason. A normal-form or CAS "0" that random points contradict is inconclusive.
 *
 * @example
 * ```ts
 * import { decideZero, parseExpr } from 'noether';
 * decideZero({
 *   terms: [parseExpr('sin(x)^2'), parseExpr('cos(x)^2'), parseExpr('-1')],
 *   variables: [{ name: 'x', role: 'parameter' }],
 *   seed: 1,
 *   claim: 'sin² + cos² = 1',
 * }).kind; // 'proved'
 * ```
 */
export function decideZero(q: ZeroQuestion): Verdict<PointCounterexample> {
  const names = q.variables.map((v) => v.name);
  const residual = add(...q.terms);
  let fns: ((xs: ArrayLike<number>) => number)[];
  try {
    fns = q.terms.map((t) => compile(t, names));
  } catch (err) {
    if (err instanceof UnboundSymbol) return { kind: 'inconclusive', reason: err.message };
    throw err;
  }
  const exact = exactZero(residual);
  const count = q.points ?? 48;
  const r = rng(q.seed);
  let worst = 0;
  let valid = 0;
  let worstPoint: number[] | undefined;
  for (let i = 0; i < count; i++) {
    const xs = q.variables.map((v) => sample(v.role, r));
    const vals = fns.map((f) => f(xs));
    if (!vals.every(Number.isFinite)) continue;
    valid++;
    const sum = vals.reduce((s, x) => s + x, 0);
    const scale = vals.reduce((s, x) => s + Math.abs(x), 0);
    const rel = scale === 0 ? 0 : Math.abs(sum) / scale;
    if (worstPoint === undefined || rel > worst) {
      worst = rel;
      worstPoint = xs;
    }
  }
  if (valid === 0)
    return {
      kind: 'inconclusive',
      reason: `no finite value at any of ${count} random points (seed ${q.seed})`,
    };
  const worstText = worst.toExponential(2);
  const evidence = `confirmed at ${valid} random points, worst relative residual ${worstText}, seed ${q.seed}`;

  if (worst >= REFUTATION_THRESHOLD) {
    if (exact === 'zero')
      return {
        kind: 'inconclusive',
        reason:
          `exact normal form is 0 but evaluation gives relative residual ${worstText} (seed ${q.seed}): ` +
          'not certified',
      };
    const pt = worstPoint!;
    const point = Object.fromEntries(names.map((n, i) => [n, String(pt[i])]));
    const values: Record<string, number> = {};
    for (const [k, e] of Object.entries(q.report ?? {})) values[k] = compile(e, names)(pt);
    values['residual'] = fns.reduce((s, f) => s + f(pt), 0);
    return {
      kind: 'refuted',
      why: `not true that ${q.claim}`,
      counterexample: { kind: 'point', point, values, relativeResidual: worst, seed: q.seed },
    };
  }
  if (exact === 'zero')
    return { kind: 'proved', method: 'exact normal form reduces the residual to 0', evidence };
  if (worst > IDENTITY_TOLERANCE) {
    return {
      kind: 'inconclusive',
      reason:
        `worst relative residual ${worstText} lies between the identity tolerance ${IDENTITY_TOLERANCE} ` +
        `and the refutation threshold ${REFUTATION_THRESHOLD} (seed ${q.seed})`,
    };
  }
  // The CAS's "0" is trusted only where its known unsound rewrites cannot apply: every sampled
  // point lies in the domain (no branch cuts met) and no power has a symbolic exponent
  // (nerdamer rewrites (x^a)^b to x^(ab), false for negative x).
  const casTrusted = valid === count && !hasSymbolicPower(residual);
  const cas = q.cas ? askCas(residual) : 'not asked';
  if (cas === 'zero' && casTrusted)
    return { kind: 'proved', method: 'CAS (nerdamer-prime) reduces the residual to 0', evidence };
  const why =
    exact === 'unknown'
      ? 'no exact normal form (budget or unsupported form)'
      : 'the exact normal form does not reduce it';
  const distrust =
    valid < count ? `${count - valid} of ${count} points outside the domain` : 'symbolic exponents';
  const casWhy =
    cas === 'zero'
      ? `the CAS claims 0, not trusted here (${distrust})`
      : cas === 'nonzero'
        ? 'the CAS does not reduce it either'
        : cas === 'unavailable'
          ? 'the CAS is unavailable for this expression'
          : 'no CAS cross-check was asked for';
  return {
    kind: 'numerically-verified',
    count: valid,
    worstRelative: worst,
    tolerance: IDENTITY_TOLERANCE,
    seed: q.seed,
    why: `${why}; ${casWhy}`,
  };
}

function hasSymbolicPower(e: Expr): boolean {
  switch (e.kind) {
    case 'pow':
      return e.exp.kind !== 'num' || hasSymbolicPower(e.base);
    case 'add':
      return e.terms.some(hasSymbolicPower);
    case 'mul':
      return e.factors.some(hasSymbolicPower);
    case 'call':
      return e.args.some(hasSymbolicPower);
    default:
      return false;
  }
}
