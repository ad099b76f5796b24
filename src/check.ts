/**
 * `noether check`: every law of a block-level derivation evaluated on sampled networks at the
 * declaration's sites, with exact float64 gradients and Hessian-vector products.
 *
 * Residuals are relative to the natural scale of their formula: Σ |c| Π ‖letter‖ (bind.ts), with
 * each gradient letter measured by its rounding bound (Σ |contributions|, from numeric/mlp's
 * absolute-value backward pass), and for H v its own such bound. So a law on a gradient that
 * truly vanishes is judged against the size of what cancelled, not against rounding noise.
 * Every law must hold to IDENTITY_TOLERANCE.
 * Sampling is fast-check's: a failure is reported with its seed and path, and `--replay path`
 * re-runs exactly the failing case.
 */
import fc from 'fast-check';
import { type Mat, mat, dot } from '../numeric/linalg';
import { evaluate, NetworkError } from '../numeric/mlp';
import { rng } from '../numeric/rng';
import { gather, scatter, type SiteKind, type View } from '../numeric/sites';
import { siteCase, describeSpec, type ArchConstraints, type NetworkCase } from '../numeric/arbitraries';
import { integrate } from '../numeric/ode';
import type { BlockDeclaration, BlockShaped, Shape } from './declaration/types';
import { InputError } from './declaration/errors';
import type { Derivation, Law } from './derivation';
import type { NetworkCollapseReport } from './rules/networkCollapse';
import type { NoiseReport } from './rules/noise';
import { deriveBlock } from './derive/block';
import { WordEvaluator, frobenius, type Values } from './bind';
import { type Verdict, IDENTITY_TOLERANCE, weakest } from './verdict';

export interface CheckOptions {
  readonly seed?: number;
  /** Sampled networks per site kind (default 100). */
  readonly runs?: number;
  readonly arch?: ArchConstraints;
  /** Restrict to these site kinds. */
  readonly sites?: readonly SiteKind[];
  /** Replay one failing case: fast-check's path, printed with a counterexample. */
  readonly replay?: string;
}

export interface LawCheck {
  readonly id: Law['id'];
  readonly parameter: string;
  readonly title: string;
  readonly statement: string;
  readonly verdict: Verdict;
}

export interface CheckCounterexample {
  readonly site: string;
  readonly siteKind: SiteKind;
  readonly architecture: string;
  readonly dataSeed: number;
  readonly law: string;
  readonly relativeResidual: number;
  readonly replay: { readonly seed: number; readonly path: string };
}

export interface CheckReport {
  readonly kind: 'check-report';
  readonly declaration: { readonly name: string; readonly origin: string };
  readonly seed: number;
  readonly runs: number;
  readonly siteKinds: readonly SiteKind[];
  readonly laws: readonly LawCheck[];
  /** Cases skipped because a normalisation group was degenerate (the network is undefined there). */
  readonly skipped: number;
  readonly counterexample?: CheckCounterexample;
  /** Mirrors: the attraction threshold predicted per network against observed collapse. */
  readonly collapse?: NetworkCollapseReport;
  /** Mirrors: SIS's gradient-noise criterion against one-sample SGD, beside the mean-field reading. */
  readonly noise?: NoiseReport;
  readonly verdict: Verdict;
}

const dimsOf = (s: Shape): [string, string] =>
  s.kind === 'scalar' ? ['1', '1'] : s.kind === 'vector' ? [s.n, '1'] : [s.rows, s.cols];
export const toMat = (v: View, data: Float64Array): Mat => mat(v.rows, v.cols, data);

/** Each declared block of the site, read from a full parameter-sized vector (θ, ∇L, a bound, an update). */
export function siteBlocks(decl: BlockShaped, c: NetworkCase, vector: Float64Array): Record<string, Mat> {
  return Object.fromEntries(
    decl.blocks.map((b) => [b.name, toMat(c.site.views[b.name]!, gather(vector, c.site.views[b.name]!))]),
  );
}

interface Bound {
  readonly laws: readonly Law[];
  readonly evaluator: WordEvaluator;
}

/** Resolve symbolic dimensions against a site's views. */
export function resolveDims(decl: BlockShaped, c: NetworkCase): Map<string, number> {
  const dims = new Map<string, number>();
  for (const b of decl.blocks) {
    const view = c.site.views[b.name];
    if (!view) throw new InputError(decl.origin, 'sites', `site kind ${c.site.kind} has no role '${b.name}'`);
    const [r, k] = dimsOf(b.shape);
    for (const [d, n] of [
      [r, view.rows],
      [k, view.cols],
    ] as const) {
      const fixed = /^\d+$/.test(d) ? Number(d) : dims.get(d);
      if (fixed !== undefined && fixed !== n)
        throw new InputError(
          decl.origin,
          `blocks.${b.name}`,
          `shape ${b.shape.kind} does not fit the ${c.site.kind} site (${view.rows}×${view.cols})`,
        );
      if (!/^\d+$/.test(d)) dims.set(d, n);
    }
  }
  return dims;
}

/** Values of the declaration's constants and scalars for one case. */
export function caseValues(
  decl: BlockShaped,
  c: NetworkCase,
  dims: Map<string, number>,
): { consts: Record<string, Mat>; scalars: Record<string, number> } {
  const r = rng(c.seed ^ 0x5bd1e995);
  const consts: Record<string, Mat> = {};
  for (const k of decl.constants) {
    const fixed = c.site.constants?.[k.name];
    if (fixed) {
      consts[k.name] = mat(fixed.rows, fixed.cols, Float64Array.from(fixed.data));
      continue;
    }
    const [a, b] = dimsOf(k.shape).map((d) => (/^\d+$/.test(d) ? Number(d) : dims.get(d)));
    if (a === undefined || b === undefined)
      throw new InputError(decl.origin, `constants.${k.name}`, 'its shape uses a dimension no block fixes');
    const m = mat(a, b);
    if (k.structure === 'projector') {
      // A random rank-one orthogonal projector v vᵀ, ‖v‖ = 1.
      const v = Array.from({ length: a }, () => r.normal());
      const nv = Math.hypot(...v);
      for (let i = 0; i < a; i++) for (let j = 0; j < a; j++) m.data[i * a + j] = (v[i]! * v[j]!) / (nv * nv);
      consts[k.name] = m;
      continue;
    }
    for (let i = 0; i < m.data.length; i++) m.data[i] = r.normal();
    if (k.structure !== 'general') {
      for (let i = 0; i < a; i++)
        for (let j = 0; j < i; j++) {
          const [x, y] = [m.data[i * b + j]!, m.data[j * b + i]!];
          const s = k.structure === 'symmetric' ? (x + y) / 2 : (x - y) / 2;
          m.data[i * b + j] = s;
          m.data[j * b + i] = k.structure === 'symmetric' ? s : -s;
        }
      if (k.structure === 'antisymmetric') for (let i = 0; i < a; i++) m.data[i * b + i] = 0;
    }
    consts[k.name] = m;
  }
  const scalars: Record<string, number> = {};
  for (const s of decl.scalars) scalars[s] = c.site.scalars[s] ?? 0.5 + 2.5 * r.next();
  return { consts, scalars };
}

/** Relative residual of every checkable law on one case, or undefined for a degenerate network. */
export function lawResiduals(
  decl: BlockDeclaration,
  d: Derivation,
  c: NetworkCase,
): Map<Law, number> | undefined {
  const checkable = d.laws.filter((l) =>
    ['gradient-constraint', 'hessian-constraint', 'charge', 'charge-matrix'].includes(l.id),
  );
  return residuals(decl, d, { laws: checkable, evaluator: new WordEvaluator() }, c);
}

function residuals(
  decl: BlockDeclaration,
  d: Derivation,
  bound: Bound,
  c: NetworkCase,
): Map<Law, number> | undefined {
  const dims = resolveDims(decl, c);
  const { consts, scalars } = caseValues(decl, c, dims);
  const views = c.site.views;
  const base: Values = { blocks: siteBlocks(decl, c, c.theta), consts, scalars };
  const ev = bound.evaluator;
  // The generator, scattered into a full parameter vector.
  const v = new Float64Array(c.net.size);
  for (const comp of d.generators[0]!.components) {
    const view = views[comp.target]!;
    scatter(v, view, ev.matrix(comp.sum ?? [], base, view.rows, view.cols).value.data);
  }
  let e;
  try {
    e = evaluate(c.net, c.theta, c.batch, v, { bound: true });
  } catch (err) {
    if (err instanceof NetworkError) return undefined;
    throw err;
  }
  const grads = siteBlocks(decl, c, e.grad);
  const gradBounds = siteBlocks(decl, c, e.gradBound!);
  const minusG = siteBlocks(
    decl,
    c,
    e.grad.map((x) => -x),
  );
  const vals: Values = { ...base, grads, gradBounds };
  const out = new Map<Law, number>();
  const rel = (x: number, scale: number): number =>
    scale === 0 ? (x === 0 ? 0 : Infinity) : Math.abs(x) / scale;
  for (const law of bound.laws) {
    const data = law.data;
    if (law.id === 'gradient-constraint' && data.kind === 'trace') {
      const t = ev.trace(data.sum, vals);
      out.set(law, rel(t.value, t.bound));
    } else if (law.id === 'gradient-constraint' && data.kind === 'matrix') {
      const k = consts[law.parameter]!;
      const m = ev.matrix(data.sum, vals, k.rows, k.cols);
      out.set(law, rel(frobenius(m.value), m.bound));
    } else if (law.id === 'hessian-constraint' && data.kind === 'hvp') {
      const expected = new Float64Array(c.net.size);
      let rhsBound = 0;
      for (const [role, sum] of Object.entries(data.rhs)) {
        const view = views[role]!;
        const m = ev.matrix(sum, vals, view.rows, view.cols);
        scatter(expected, view, m.value.data);
        rhsBound += m.bound;
      }
      let r2 = 0;
      for (let i = 0; i < expected.length; i++) r2 += (e.hv![i]! - expected[i]!) ** 2;
      // Rounding scales of both sides: Σ |contributions| to H v, and the rhs formula's bound.
      const scale = Math.sqrt(dot(e.hvBound!, e.hvBound!)) + rhsBound;
      out.set(law, rel(Math.sqrt(r2), scale));
    } else if (law.id === 'charge' && data.kind === 'trace') {
      const t = ev.traceDerivative(data.sum, vals, minusG, gradBounds);
      out.set(law, rel(t.value, t.bound));
    } else if (law.id === 'charge-matrix' && data.kind === 'matrix') {
      const k = consts[law.parameter]!;
      const m = ev.matrixDerivative(data.sum, vals, minusG, k.rows, k.cols, gradBounds);
      out.set(law, rel(frobenius(m.value), m.bound));
    }
  }
  return out;
}

/**
 * Check a block-level declaration's laws on sampled networks at its sites. `derivation` defaults
 * to the declaration's own; passing another (e.g. a deliberately wrong law) checks that instead.
 */
export interface Drift {
  /** |Q(T) − Q(0)| (Frobenius norm for a matrix charge) relative to the charge's natural scale. */
  readonly relative: number;
  /** Integrator steps taken: its global error grows at most linearly in them. */
  readonly steps: number;
  readonly time: number;
}

/**
 * Follow gradient flow θ̇ = −∇L on the case's batch with the adaptive integrator (rtol) and measure
 * how much a charge moved. Undefined when the network is degenerate or the flow is too stiff for
 * maxSteps. T defaults to the time in which θ would move by a third of its norm at the initial speed.
 */
export function chargeDrift(
  decl: BlockDeclaration,
  charge: Pick<Law, 'data' | 'parameter' | 'id'>,
  c: NetworkCase,
  opts: { rtol?: number; time?: number; maxSteps?: number; metric?: Readonly<Record<string, number>> } = {},
): Drift | undefined {
  const rtol = opts.rtol ?? 1e-10;
  const dims = resolveDims(decl, c);
  const { consts, scalars: siteScalars } = caseValues(decl, c, dims);
  // A constant per-block metric γ_B: the flow is θ̇ = −G⁻¹∇L, and metric-weighted charges read γ_B as gamma_<block>.
  const metric = opts.metric ?? {};
  const scalars = {
    ...siteScalars,
    ...Object.fromEntries(Object.entries(metric).map(([b, g]) => [`gamma_${b}`, g])),
  };
  const inverse = new Float64Array(c.net.size).fill(1);
  for (const [b, g] of Object.entries(metric)) for (const i of c.site.views[b]!.index) inverse[i] = 1 / g;
  const ev = new WordEvaluator();
  const valuesAt = (theta: Float64Array): Values => ({ blocks: siteBlocks(decl, c, theta), consts, scalars });
  const measure = (theta: Float64Array): { value: Float64Array; bound: number } => {
    if (charge.data.kind === 'trace') {
      const t = ev.trace(charge.data.sum, valuesAt(theta));
      return { value: Float64Array.of(t.value), bound: t.bound };
    }
    if (charge.data.kind === 'matrix') {
      const k = consts[charge.parameter] ?? Object.values(consts)[0]!;
      const m = ev.matrix(charge.data.sum, valuesAt(theta), k.rows, k.cols);
      return { value: m.value.data, bound: m.bound };
    }
    throw new Error(`law ${charge.id} has no value to follow`);
  };
  try {
    const g0 = evaluate(c.net, c.theta, c.batch).grad;
    const speed = Math.sqrt(dot(g0, g0)),
      size = Math.sqrt(dot(c.theta, c.theta));
    const time = opts.time ?? Math.min(5, size / (3 * speed + 1e-300));
    const r = integrate(
      (_, th) => evaluate(c.net, th, c.batch).grad.map((x, i) => -x * inverse[i]!),
      c.theta,
      0,
      time,
      {
        rtol,
        atol: rtol * 1e-3 * (size / Math.sqrt(c.theta.length) + 1e-300),
        maxSteps: opts.maxSteps ?? 4000,
      },
    );
    if (!r.completed) return undefined;
    const [q0, q1] = [measure(c.theta), measure(r.y)];
    const diff = Math.sqrt(q0.value.reduce((s, x, i) => s + (x - q1.value[i]!) ** 2, 0));
    return { relative: diff / (q0.bound + q1.bound || 1e-300), steps: r.steps, time };
  } catch (err) {
    if (err instanceof NetworkError) return undefined;
    throw err;
  }
}

/** What a sampling run over site kinds found: the worst residual per key, or the first counterexample. */
export interface SiteRun<K> {
  readonly worst: Map<K, number>;
  readonly count: number;
  readonly skipped: number;
  readonly counterexample?: CheckCounterexample;
  /** The laws that fail at the counterexample, each with its own relative residual there. */
  readonly failed: ReadonlyMap<K, number>;
}

/**
 * Sample cases at each site kind with fast-check and evaluate `residuals` (relative, per key) on
 * each; stop at the first case where one exceeds its tolerance (IDENTITY_TOLERANCE unless given; shrunk, with a replay path),
 * otherwise re-run the cases deterministically to collect the worst residual of each key.
 */
export function runSites<K>(
  kinds: readonly SiteKind[],
  opts: CheckOptions,
  keys: readonly K[],
  title: (k: K) => string,
  residualsOf: (c: NetworkCase) => Map<K, number> | undefined,
  tolerance: (k: K) => number = () => IDENTITY_TOLERANCE,
): SiteRun<K> {
  const seed = opts.seed ?? 1;
  const runs = opts.runs ?? 100;
  const worst = new Map<K, number>(keys.map((l) => [l, 0]));
  let count = 0;
  let skipped = 0;
  let counterexample: CheckCounterexample | undefined;
  let failed = new Map<K, number>();
  for (const kind of kinds) {
    const arb = siteCase(kind, opts.arch ?? {});
    // A thrown error is an input problem or a bug, not a counterexample: keep it and re-throw.
    let thrown: unknown;
    const details = fc.check(
      fc.property(arb, (c) => {
        if (thrown !== undefined) return true;
        try {
          const res = residualsOf(c);
          if (!res) {
            skipped++;
            return true;
          }
          return [...res].every(([k, x]) => x <= tolerance(k));
        } catch (err) {
          thrown = err;
          return true;
        }
      }),
      { seed, numRuns: runs, ...(opts.replay ? { path: opts.replay, endOnFailure: true } : {}) },
    );
    if (thrown !== undefined) throw thrown;
    if (details.failed) {
      const c = details.counterexample![0];
      const res = residualsOf(c)!;
      failed = new Map([...res].filter(([k, x]) => x > tolerance(k)));
      const [law, x] = [...res].sort((p, q) => q[1] / tolerance(q[0]) - p[1] / tolerance(p[0]))[0]!;
      counterexample = {
        site: c.site.label,
        siteKind: kind,
        architecture: describeSpec(c.spec),
        dataSeed: c.seed,
        law: title(law),
        relativeResidual: x,
        replay: { seed, path: details.counterexamplePath ?? '' },
      };
      break;
    }
  }
  // Re-run the passing cases to collect the worst residual of each law (deterministic).
  for (const kind of counterexample ? [] : kinds) {
    for (const c of fc.sample(siteCase(kind, opts.arch ?? {}), { seed, numRuns: runs })) {
      const res = residualsOf(c);
      if (!res) continue;
      count++;
      for (const [l, x] of res) worst.set(l, Math.max(worst.get(l)!, x));
    }
  }
  return { worst, count, skipped, failed, ...(counterexample ? { counterexample } : {}) };
}

/** The verdict of one law after a sampling run. */
export function siteVerdict<K>(
  run: SiteRun<K>,
  k: K,
  kinds: readonly SiteKind[],
  seed: number,
  why: string,
  tolerance = IDENTITY_TOLERANCE,
): Verdict {
  const c = run.counterexample;
  if (c) {
    const x = run.failed.get(k);
    return x !== undefined
      ? {
          kind: 'refuted',
          why: `the law fails at ${c.site} of a ${c.architecture} network`,
          counterexample: {
            point: {
              site: c.site,
              architecture: c.architecture,
              dataSeed: String(c.dataSeed),
              replayPath: c.replay.path,
            },
            values: { relativeResidual: x },
            relativeResidual: x,
            seed,
          },
        }
      : { kind: 'inconclusive', reason: 'checking stopped at the first counterexample of another law' };
  }
  return {
    kind: 'numerically-verified',
    count: run.count,
    worstRelative: run.worst.get(k)!,
    tolerance,
    seed,
    why: `sampled networks at ${kinds.join(', ')} sites, ${why}`,
  };
}

/** The site kinds a check runs on, or an input error when there are none. */
export function selectedKinds(decl: BlockShaped, opts: CheckOptions): SiteKind[] {
  const kinds = decl.sites.filter((k) => !opts.sites || opts.sites.includes(k));
  if (decl.sites.length === 0)
    throw new InputError(
      decl.origin,
      'sites',
      'the declaration names no site kinds, so there is nothing to check it on (add e.g. sites: [hidden-unit])',
    );
  if (kinds.length === 0)
    throw new InputError(
      decl.origin,
      'sites',
      `none of its site kinds (${decl.sites.join(', ')}) was selected`,
    );
  return kinds;
}

export function checkDeclaration(
  decl: BlockDeclaration,
  opts: CheckOptions = {},
  derivation?: Derivation,
): CheckReport {
  const seed = opts.seed ?? 1;
  const runs = opts.runs ?? 100;
  const kinds = selectedKinds(decl, opts);
  const d = derivation ?? deriveBlock(decl, { seed });
  const checkable = d.laws.filter((l) =>
    ['gradient-constraint', 'hessian-constraint', 'charge', 'charge-matrix'].includes(l.id),
  );
  const bound: Bound = { laws: checkable, evaluator: new WordEvaluator() };
  const run = runSites(
    kinds,
    opts,
    checkable,
    (l) => l.title,
    (c) => residuals(decl, d, bound, c),
  );
  const laws: LawCheck[] = checkable.map((l) => ({
    id: l.id,
    parameter: l.parameter,
    title: l.title,
    statement: l.statement.text,
    verdict: siteVerdict(run, l, kinds, seed, 'exact float64 gradients and Hessian-vector products'),
  }));
  return {
    kind: 'check-report',
    declaration: { name: decl.name, origin: decl.origin },
    seed,
    runs,
    siteKinds: kinds,
    laws,
    skipped: run.skipped,
    ...(run.counterexample ? { counterexample: run.counterexample } : {}),
    verdict: laws.length
      ? weakest(laws.map((l) => l.verdict))
      : { kind: 'inconclusive', reason: 'no law can be checked numerically' },
  };
}
