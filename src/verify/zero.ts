/**
 * Deciding whether a residual (a sum of terms) is identically zero, with a sound verdict:
 *
 * 1. exact normal form reduces it to 0           → proved (confirmed at sampled points);
 * 2. its normal form is a nonzero rational function of the symbols → refuted *exactly*, at an
 *    exact point where it is nonzero, whatever the residual's size;
 * 3. a float64 evaluation at a sampled point exceeds REFUTATION_THRESHOLD relative to the scale of
 *    its terms                                     → refuted, with the exact point and the seed;
 * 4. only if the caller asks for it (`cas: true`): the CAS (nerdamer-prime, loaded only then)
 *    reduces it to 0 and every point agrees    → proved;
 * 5. every point within IDENTITY_TOLERANCE, at enough points with finite values → numerically
 *    verified (count, worst, seed);
 * 6. otherwise                                    → inconclusive, with the reason.
 *
 * Points follow points.ts (grid, wide magnitudes, arbitrary doubles, on and next to kinks). A
 * residual within a few ε of its terms' rounding magnitude (what cancelled inside them included)
 * is rounding, not a failure. A CAS or normal-form "0" that points contradict is inconclusive:
 * the toolkit never certifies what its own evaluation disputes.
 */
import { type Expr, add } from '../expr/ast';
import { compile, compileProbe, UnboundSymbol, type Compiled, type Probe } from '../expr/evaluate';
import { exactZero, NormalFormError, sharedNormalForm } from '../expr/normal';
import { toText } from '../expr/print';
import type { CasOpinion } from '../cas/nerdamer';
import { designPoints, kinkArguments, type Role } from './points';
import { exactWitness, type ExactWitness } from './exact';
import { branchProof } from './branches';
import { type Verdict, type PointCounterexample, IDENTITY_TOLERANCE, REFUTATION_THRESHOLD } from '../verdict';

export type { Role } from './points';

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
  /**
   * The law involves derivatives, which need not exist on a kink: it is decided almost everywhere,
   * and no point exactly on a kink surface is used.
   */
  readonly almostEverywhere?: boolean;
}

/** Float64 rounding of a residual is within this many ε of its terms' rounding magnitude. */
const ROUNDING_ULPS = 64;
/** Fewer finite values than this fraction of the points leaves a sampled decision inconclusive. */
const MIN_VALID_FRACTION = 0.5;

/** The CAS's opinion, loading the CAS module only now: nerdamer-prime is never loaded otherwise. */
function askCas(e: Expr): CasOpinion {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { casSaysZero } = require('../cas/nerdamer') as typeof import('../cas/nerdamer');
  return casSaysZero(e);
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
  // Each term is flattened once: the same evaluation gives its value, rounding magnitude and range.
  let probes: Probe[];
  try {
    probes = q.terms.map((t) => compileProbe(t, names));
  } catch (err) {
    if (err instanceof UnboundSymbol) return { kind: 'inconclusive', reason: err.message };
    throw err;
  }
  const fns: Compiled[] = probes.map((p) => p.value);
  const exact = exactZero(residual);
  const finiteAt = (xs: readonly number[]): boolean => fns.every((f) => Number.isFinite(f(xs)));
  if (exact === 'nonzero') {
    const w = exactWitness(residual, names, q.seed, finiteAt);
    if (w) return refutedExactly(q, w, names, fns);
  }
  // A derivative law evaluated where a kink argument vanishes identically (a mirror's set lying
  // on the kink of |w·x|) asks for derivatives that do not exist there: it is not decided.
  // The kinks matter only to a law about derivatives (found once: the residual's terms are walked for them).
  const kinks = q.almostEverywhere ? kinkArguments(q.terms) : [];
  if (q.almostEverywhere) {
    const onKink = kinks.find((k) => exactZero(k) === 'zero');
    if (onKink)
      return {
        kind: 'inconclusive',
        reason:
          `the law is evaluated on a kink surface (the kink argument ${toText(onKink)} vanishes identically ` +
          'there), where the derivatives it involves need not exist',
      };
  }
  // Judge the residual by what is left after exact cancellation: the terms of its normal form, when
  // it has one. 1e-300·(exp(u) − exp(v)) is then of relative size 1, not lost beside the rest of a loss.
  const judged = exact === 'nonzero' ? (normalFormTerms(residual) ?? q.terms) : q.terms;
  let judgedProbes: Probe[];
  try {
    judgedProbes = judged === q.terms ? probes : judged.map((t) => compileProbe(t, names));
  } catch (err) {
    if (!(err instanceof UnboundSymbol)) throw err;
    judgedProbes = probes;
  }
  const judgedFns = judgedProbes === probes ? fns : judgedProbes.map((p) => p.value);
  const count = q.points ?? 48;
  const { worst, worstPoint, shown, valid, onKinks } = sampleResidual(
    q,
    names,
    kinks,
    fns,
    judgedProbes,
    probes,
  );
  if (valid === 0)
    return {
      kind: 'inconclusive',
      reason: `no finite value at any of ${count} random points (seed ${q.seed})`,
    };
  const worstText = worst.toExponential(2);
  const ae = q.almostEverywhere && kinks.length > 0 ? '; almost everywhere (off the kinks)' : '';
  const evidence = `confirmed at ${valid} random points, worst relative residual ${worstText}, seed ${q.seed}${ae}`;

  // Piecewise residuals: zero on every branch of the kinks (everywhere, or almost everywhere for a
  // law about derivatives) is a proof.
  const branches = exact === 'nonzero' ? branchProof(residual) : undefined;
  const byBranches =
    branches && (branches.scope === 'everywhere' || q.almostEverywhere) ? branches : undefined;
  if (worst >= REFUTATION_THRESHOLD) {
    if (byBranches)
      return {
        kind: 'inconclusive',
        reason:
          `the normal form vanishes on every branch of the kinks, but evaluation gives relative residual ` +
          `${worstText} (seed ${q.seed}): not certified`,
      };
    if (exact === 'zero')
      return {
        kind: 'inconclusive',
        reason:
          `exact normal form is 0 but evaluation gives relative residual ${worstText} (seed ${q.seed}): ` +
          'not certified',
      };
    const pt = shown?.xs ?? worstPoint!;
    const point = Object.fromEntries(names.map((n, i) => [n, String(pt[i])]));
    const values: Record<string, number> = {};
    for (const [k, e] of Object.entries(q.report ?? {})) values[k] = compile(e, names)(pt);
    values['residual'] = fns.reduce((s, f) => s + f(pt), 0);
    if (judgedFns !== fns) values['residual (normal form)'] = judgedFns.reduce((s, f) => s + f(pt), 0);
    return {
      kind: 'refuted',
      why: `not true that ${q.claim}`,
      counterexample: { kind: 'point', point, values, relativeResidual: shown?.rel ?? worst, seed: q.seed },
    };
  }
  if (exact === 'zero')
    return { kind: 'proved', method: 'exact normal form reduces the residual to 0', evidence };
  if (byBranches)
    return {
      kind: 'proved',
      method:
        `case analysis on the kinks of ${byBranches.args.join(', ')}: the exact normal form vanishes on ` +
        `every one of ${byBranches.branches} branches (${byBranches.scope})`,
      evidence,
    };
  if (valid < MIN_VALID_FRACTION * (count - onKinks))
    return {
      kind: 'inconclusive',
      reason:
        `only ${valid} of ${count} points gave finite values (the others overflowed, underflowed or left the domain; ` +
        `seed ${q.seed}), too few to verify numerically`,
    };
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
    why:
      `${why}; ${casWhy}${ae}` +
      `${onKinks ? `; ${onKinks} of ${count} points on a kink left out` : ''}` +
      `${valid < count - onKinks ? `; ${count - onKinks - valid} of ${count} points had no finite value` : ''}`,
  };
}

/** The verdict of a residual whose normal form is a nonzero rational function of the symbols. */
function refutedExactly(
  q: ZeroQuestion,
  w: ExactWitness,
  names: readonly string[],
  fns: readonly ((xs: ArrayLike<number>) => number)[],
): Verdict<PointCounterexample> {
  const vals = fns.map((f) => f(w.values));
  const sum = vals.reduce((s, x) => s + x, 0);
  const scale = vals.reduce((s, x) => s + Math.abs(x), 0);
  const values: Record<string, number> = {};
  for (const [k, e] of Object.entries(q.report ?? {})) values[k] = compile(e, names)(w.values);
  values['residual'] = sum;
  return {
    kind: 'refuted',
    why:
      `not true that ${q.claim}: the residual's exact normal form is a nonzero rational function of ` +
      `the symbols (exactly ${w.exact} at this point)`,
    counterexample: {
      kind: 'point',
      point: w.point,
      values,
      relativeResidual: scale === 0 ? 0 : Math.abs(sum) / scale,
      seed: q.seed,
      exact: w.exact,
    },
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

/** The terms of e's exact normal form (what is left after exact cancellation), or undefined. */
function normalFormTerms(e: Expr): Expr[] | undefined {
  try {
    const { n, form } = sharedNormalForm(e);
    const x = n.toExpr(form);
    return x.kind === 'add' ? [...x.terms] : [x];
  } catch (err) {
    if (err instanceof NormalFormError) return undefined;
    throw err;
  }
}

/** What evaluating a residual at the design's points found. */
interface Sampled {
  readonly worst: number;
  readonly worstPoint: number[] | undefined;
  /** The simplest refuting point, if any. */
  readonly shown: { readonly rank: number; readonly xs: number[]; readonly rel: number } | undefined;
  /** Points with finite values (and off the kinks, for a derivative law). */
  readonly valid: number;
  /** Points left out because they lie exactly on a kink (derivative laws only). */
  readonly onKinks: number;
}

/**
 * Whether a kink argument k vanishes at xs on a surface (a set of measure zero), not on a region:
 * relu(x) is 0 on all of x ≤ 0, and leaving that half-line out of an almost-everywhere law would
 * hide a failure there (x²·(1 − step(relu(x))) = x² for x < 0). A point counts as on the kink only
 * when k is nonzero at one of the points a small step away along each coordinate.
 */
function onKinkSurface(k: Compiled, xs: readonly number[]): boolean {
  if (k(xs) !== 0) return false;
  const ys = [...xs];
  for (let j = 0; j < xs.length; j++) {
    const x = xs[j]!;
    const step = Math.max(Math.abs(x) * 1e-7, 1e-7);
    for (const y of [x - step, x + step]) {
      ys[j] = y;
      const v = k(ys);
      if (v !== 0 && Number.isFinite(v)) return true;
    }
    ys[j] = x;
  }
  return false;
}

/**
 * Evaluate the residual at the design's points: the relative residual of the judged terms (the
 * normal form's, when there is one) at each point with finite values, zero where it is within the
 * rounding of its terms' magnitudes.
 */
function sampleResidual(
  q: ZeroQuestion,
  names: readonly string[],
  kinks: readonly Expr[],
  fns: readonly Compiled[],
  judged: readonly Probe[],
  probes: readonly Probe[],
): Sampled {
  const count = q.points ?? 48;
  const points = designPoints({
    roles: q.variables.map((v) => v.role),
    names,
    terms: q.terms,
    count,
    seed: q.seed,
    almostEverywhere: q.almostEverywhere ?? false,
  });
  let worst = 0;
  let valid = 0;
  let worstPoint: number[] | undefined;
  // The counterexample shown is the simplest refuting point: a grid point before an arbitrary
  // double, a kink point, then a wide-magnitude one (the design's order is grid, wide, uniform, kink).
  const RANK = [0, 3, 1, 2];
  let shown: Sampled['shown'];
  // A law about derivatives says nothing exactly on a kink: such points (a grid value 0, say) are
  // left out of its decision rather than counted against it.
  const kinksAt = q.almostEverywhere
    ? kinks.flatMap((k) => {
        try {
          return [compile(k, names)];
        } catch {
          return [];
        }
      })
    : [];
  let onKinks = 0;
  for (const [i, xs] of points.entries()) {
    if (kinksAt.some((k) => onKinkSurface(k, xs))) {
      onKinks++;
      continue;
    }
    if (judged !== probes && !fns.every((f) => Number.isFinite(f(xs)))) continue;
    const vals = judged.map((p) => p.value(xs));
    // Overflow (at the end or on the way), a value outside the domain, or underflow: float64 cannot
    // judge the residual here.
    if (!vals.every(Number.isFinite) || judged.some((p) => p.outOfRange())) continue;
    valid++;
    const sum = vals.reduce((s, x) => s + x, 0);
    const scale = vals.reduce((s, x) => s + Math.abs(x), 0);
    const noise = ROUNDING_ULPS * Number.EPSILON * judged.reduce((s, p) => s + p.magnitude(), 0);
    const rel = Math.abs(sum) <= noise || scale === 0 ? 0 : Math.abs(sum) / scale;
    if (worstPoint === undefined || rel > worst) {
      worst = rel;
      worstPoint = xs;
    }
    if (rel >= REFUTATION_THRESHOLD && (!shown || RANK[i % 4]! < shown.rank))
      shown = { rank: RANK[i % 4]!, xs, rel };
  }
  return { worst, worstPoint, shown, valid, onKinks };
}

/** Asks whether a sum of terms vanishes, with a derivation's settings fixed. */
export type ZeroAsker = (
  terms: readonly Expr[],
  claim: string,
  vars?: readonly Variable[],
  report?: Readonly<Record<string, Expr>>,
) => Verdict<PointCounterexample>;

/**
 * A derivation's way of asking {@link decideZero}: its seed, points and CAS choice fixed, and its
 * convention for what holds where — the invariance of the loss (asked with a `report` of both loss
 * values) holds pointwise; every other law involves derivatives and is decided almost everywhere.
 */
export function zeroAsker(
  settings: { readonly seed: number; readonly points: number; readonly cas: boolean },
  variables: readonly Variable[],
): ZeroAsker {
  return (terms, claim, vars = variables, report) =>
    decideZero({
      terms,
      variables: vars,
      ...settings,
      claim,
      almostEverywhere: report === undefined,
      ...(report ? { report } : {}),
    });
}
