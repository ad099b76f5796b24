/**
 * Where a residual is evaluated when no exact decision is possible. The design has to find
 * failures that hide: a quarter of the points each
 *
 *   grid     multiples of 1/32 in [−2, 2] (parameters, data), 1/16 in [−1.5, 1.5] (group), 1/8 in [0.5, 3]
 *   wide     magnitudes log-uniform over six decades, both signs (features outside any fixed box)
 *   uniform  arbitrary doubles in the same boxes as the grid (features between grid points)
 *   feature  on and next to a feature surface: an argument of relu, abs, step, sign or leaky_relu
 *            (a kink), or of exp, tanh, sigmoid, softplus, sin, cos … (where a narrow bump or a
 *            steep transition sits), solved to 0 along one symbol — bisection on a sign change, or
 *            a golden-section search for a double root such as the centre of exp(−c(w − w₀)²) —
 *            then that point and ±δ off it
 *
 * Every value is a double, printed by the shortest decimal that reads back to it, so a
 * counterexample reproduces exactly. For laws about derivatives (true almost everywhere), points
 * exactly on a kink are not used: only the points next to it.
 */
import type { Expr } from '../expr/ast';
import { compile, type Compiled } from '../expr/evaluate';
import { rng, type Rng } from '../../numeric/rng';

/** What a symbol stands for; it decides the ranges its values are drawn from. */
export type Role = 'parameter' | 'data' | 'group' | 'constant';

const KINKED = new Set(['relu', 'abs', 'step', 'sign', 'leaky_relu']);
const SMOOTH = new Set([
  'exp',
  'tanh',
  'sigmoid',
  'softplus',
  'sin',
  'cos',
  'tan',
  'sinh',
  'cosh',
  'log',
  'sqrt',
]);

/** The arguments of every kinked function call in the expressions (each once). */
export function kinkArguments(terms: readonly Expr[]): Expr[] {
  return callArguments(terms, KINKED);
}

/** The arguments of every call of one of `fns` in the expressions (each once). */
function callArguments(terms: readonly Expr[], fns: ReadonlySet<string>): Expr[] {
  const out = new Map<string, Expr>();
  const stack: Expr[] = [...terms];
  while (stack.length) {
    const e = stack.pop()!;
    switch (e.kind) {
      case 'add':
        stack.push(...e.terms);
        break;
      case 'mul':
        stack.push(...e.factors);
        break;
      case 'pow':
        stack.push(e.base, e.exp);
        break;
      case 'call':
        if (fns.has(e.fn)) out.set(JSON.stringify(e.args[0]), e.args[0]!);
        stack.push(...e.args);
        break;
      default:
        break;
    }
  }
  return [...out.values()];
}

function grid(role: Role, r: Rng): number {
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

function wide(role: Role, r: Rng): number {
  switch (role) {
    case 'group':
      return -2 + 4 * r.next();
    case 'constant':
      return 10 ** (-1 + 2 * r.next());
    default:
      return (r.next() < 0.5 ? -1 : 1) * 10 ** (-3 + 6 * r.next());
  }
}

function uniform(role: Role, r: Rng): number {
  switch (role) {
    case 'group':
      return -1.5 + 3 * r.next();
    case 'constant':
      return 0.5 + 2.5 * r.next();
    default:
      return -2 + 4 * r.next();
  }
}

/**
 * A root of f in [lo, hi]: by bisection on a sign change of a scan, or else — for a double root
 * such as (w − w₀)² — a golden-section search for the minimum of |f| around the scan's smallest
 * value, kept when it is far smaller than the values around it. Undefined when there is none.
 */
function root(f: (x: number) => number, lo: number, hi: number): number | undefined {
  const n = 32;
  const xs = Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
  const fs = xs.map(f);
  const change = signChangeRoot(f, xs, fs);
  if (change !== undefined) return change;
  let best = -1;
  for (let i = 0; i <= n; i++)
    if (Number.isFinite(fs[i]!) && (best < 0 || Math.abs(fs[i]!) < Math.abs(fs[best]!))) best = i;
  if (best < 0) return undefined;
  let [a, b] = [xs[Math.max(0, best - 1)]!, xs[Math.min(n, best + 1)]!];
  const g = (Math.sqrt(5) - 1) / 2;
  const h = (x: number): number => Math.abs(f(x));
  for (let k = 0; k < 100 && b - a > 1e-15 * Math.max(1, Math.abs(a)); k++) {
    const [c, d] = [b - g * (b - a), a + g * (b - a)];
    if (h(c) < h(d)) b = d;
    else a = c;
  }
  const x = (a + b) / 2;
  const typical =
    fs
      .filter(Number.isFinite)
      .map(Math.abs)
      .sort((p, q) => p - q)[Math.floor(n / 2)] ?? 0;
  return h(x) <= 1e-6 * typical ? x : undefined;
}

function signChangeRoot(
  f: (x: number) => number,
  xs: readonly number[],
  fs: readonly number[],
): number | undefined {
  let a = xs[0]!;
  let fa = fs[0]!;
  for (let i = 1; i < xs.length; i++) {
    const b = xs[i]!;
    const fb = fs[i]!;
    if (fa === 0) return a;
    if (Number.isFinite(fa) && Number.isFinite(fb) && Math.sign(fa) !== Math.sign(fb)) {
      let [x, y, fx] = [a, b, fa];
      for (let k = 0; k < 80; k++) {
        const m = (x + y) / 2;
        if (m === x || m === y) break;
        const fm = f(m);
        if (fm === 0) return m;
        if (Math.sign(fm) === Math.sign(fx)) [x, fx] = [m, fm];
        else y = m;
      }
      return Math.abs(f(x)) <= Math.abs(f(y)) ? x : y;
    }
    [a, fa] = [b, fb];
  }
  return undefined;
}

/** A point on or next to the surface feature(θ) = 0, or undefined when none is found near `base`. */
function featurePoint(
  feature: Compiled,
  base: number[],
  roles: readonly Role[],
  r: Rng,
  offset: -1 | 0 | 1,
): number[] | undefined {
  const order = roles.map((_, i) => i).sort(() => r.next() - 0.5);
  for (const v of order) {
    const at = (x: number): number => {
      const p = base.slice();
      p[v] = x;
      return feature(p);
    };
    const [lo, hi] = roles[v] === 'constant' ? [0.1, 4] : [-4, 4];
    const x0 = root(at, lo, hi);
    if (x0 === undefined) continue;
    const p = base.slice();
    p[v] = offset === 0 ? x0 : x0 + offset * 1e-7 * Math.max(1, Math.abs(x0));
    return p;
  }
  return undefined;
}

export interface PointDesign {
  readonly roles: readonly Role[];
  readonly names: readonly string[];
  readonly terms: readonly Expr[];
  readonly count: number;
  readonly seed: number;
  /** Derivative laws: never a point exactly on a kink. */
  readonly almostEverywhere: boolean;
}

/**
 * Designs without feature surfaces, by roles, count and seed (all their points depend on): a
 * derivation asks many questions of the same symbols. Cleared when it grows past its cap.
 */
const plainDesigns = new Map<string, readonly (readonly number[])[]>();
const PLAIN_DESIGNS_CAP = 256;
const FEATURED = new Set([...KINKED, ...SMOOTH]);

/** The points of a design: `count` of them, a quarter from each strategy (kinks only when there are some). */
export function designPoints(d: PointDesign): number[][] {
  const features = callArguments(d.terms, FEATURED).flatMap((k) => {
    try {
      return [compile(k, d.names)];
    } catch {
      return [];
    }
  });
  if (features.length === 0) {
    const key = `${d.count} ${d.seed} ${d.roles.join(' ')}`;
    let points = plainDesigns.get(key);
    if (points === undefined) {
      points = design(d, []);
      if (plainDesigns.size >= PLAIN_DESIGNS_CAP) plainDesigns.clear();
      plainDesigns.set(key, points);
    }
    return points.map((p) => [...p]);
  }
  return design(d, features);
}

function design(d: PointDesign, features: readonly Compiled[]): number[][] {
  const r = rng(d.seed);
  const points: number[][] = [];
  for (let i = 0; i < d.count; i++) {
    const strategy = i % 4;
    if (strategy === 0) points.push(d.roles.map((role) => grid(role, r)));
    else if (strategy === 1) points.push(d.roles.map((role) => wide(role, r)));
    else if (strategy === 2 || features.length === 0) points.push(d.roles.map((role) => uniform(role, r)));
    else {
      const base = d.roles.map((role) => uniform(role, r));
      const offsets: readonly (-1 | 0 | 1)[] = d.almostEverywhere ? [-1, 1] : [0, -1, 1];
      const offset = offsets[Math.floor(i / 4) % offsets.length]!;
      points.push(featurePoint(features[r.int(features.length)]!, base, d.roles, r, offset) ?? base);
    }
  }
  return points;
}
