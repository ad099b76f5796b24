/**
 * The generic site runner: sample cases at each site kind with fast-check, evaluate relative
 * residuals per key, stop at the first counterexample (with a replay path), and turn the run into
 * a verdict per key.
 */
import fc from 'fast-check';
import type { SiteKind } from '../../numeric/sites';
import { siteCase, describeSpec, NoSuchSite, type NetworkCase } from '../../numeric/arbitraries';
import type { BlockShaped } from '../declaration/types';
import { InputError } from '../declaration/errors';
import { type Verdict, IDENTITY_TOLERANCE } from '../verdict';
import type { CheckOptions, CheckCounterexample, LawCheck, NetworkCheckReport } from './report';
import { SCHEMA_VERSION } from '../derivation';
import { UserInputError } from '../../numeric/errors';
import { type CaseOutcome, type SiteJob, type WorkerTask, WorkerPool } from './parallel';
import { caseBuilder, inKeyOrder, outcomeOf } from './caseAt';
import type { SiteSample } from './values';
import {
  type GraphCase,
  type GraphSiteKind,
  graphSiteCase,
  isGraphSiteKind,
  modelsOf,
} from '../../numeric/graph/sites';

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
 * each; stop at the first case where one exceeds its tolerance (IDENTITY_TOLERANCE unless given;
 * shrunk, with a replay path); otherwise report the worst residual of each key over the cases run.
 */
export function runSites<K>(
  kinds: readonly SiteKind[],
  opts: CheckOptions,
  keys: readonly K[],
  title: (k: K) => string,
  residualsOf: (c: NetworkCase) => Map<K, number> | undefined,
  tolerance: (k: K) => number = () => IDENTITY_TOLERANCE,
  job?: SiteJob,
): SiteRun<K> {
  const source: CaseSource<NetworkCase> = {
    arbitrary: (kind) => siteCase(kind, opts.arch ?? {}),
    describe: (c) => describeSpec(c.spec),
  };
  return runCases(source, kinds, opts, keys, title, residualsOf, tolerance, job);
}

/**
 * The run over the selected site kinds: MLP kinds on sampled networks, then graph kinds on sampled
 * transformer blocks, CNNs and residual MLPs (numeric/graph/sites.ts), as one run — each on worker
 * threads with a job. The graph kinds are not sampled once the MLP kinds gave a counterexample.
 */
export function runModels<K>(
  kinds: readonly SiteKind[],
  opts: CheckOptions,
  keys: readonly K[],
  title: (k: K) => string,
  residualsOf: (c: NetworkCase | GraphCase) => Map<K, number> | undefined,
  tolerance?: (k: K) => number,
  job?: SiteJob,
): SiteRun<K> {
  const mlpKinds = kinds.filter((k) => !isGraphSiteKind(k)),
    graphKinds = kinds.filter(isGraphSiteKind);
  const mlpRun = mlpKinds.length
    ? runSites(mlpKinds, opts, keys, title, residualsOf, tolerance, job)
    : undefined;
  const graphRun =
    graphKinds.length && !mlpRun?.counterexample
      ? runCases(
          {
            arbitrary: (k) => graphSiteCase(k as GraphSiteKind, opts.arch?.graph),
            describe: (c: GraphCase) => c.architecture,
          },
          graphKinds,
          opts,
          keys,
          title,
          residualsOf,
          tolerance,
          job,
        )
      : undefined;
  return mergeRuns(keys, mlpRun, graphRun);
}

/** Two runs over disjoint site kinds as one: worst of each law, counts added, the first counterexample. */
export function mergeRuns<K>(keys: readonly K[], ...runs: (SiteRun<K> | undefined)[]): SiteRun<K> {
  const present = runs.filter((r): r is SiteRun<K> => r !== undefined);
  if (present.length === 1) return present[0]!;
  const worst = new Map<K, number>(
    keys.map((k) => [k, Math.max(...present.map((r) => r.worst.get(k) ?? 0))]),
  );
  const failing = present.find((r) => r.counterexample);
  return {
    worst,
    count: present.reduce((s, r) => s + r.count, 0),
    skipped: present.reduce((s, r) => s + r.skipped, 0),
    failed: failing?.failed ?? new Map(),
    ...(failing?.counterexample ? { counterexample: failing.counterexample } : {}),
  };
}

/** Where a run's cases come from: an arbitrary per site kind, and the words for a case's architecture. */
export interface CaseSource<C> {
  readonly arbitrary: (kind: SiteKind) => fc.Arbitrary<C>;
  readonly describe: (c: C) => string;
}

/** {@link runSites} over cases of any source (MLP networks, graph models). Worker threads only with a job. */
export function runCases<K, C extends SiteSample>(
  source: CaseSource<C>,
  kinds: readonly SiteKind[],
  opts: CheckOptions,
  keys: readonly K[],
  title: (k: K) => string,
  residualsOf: (c: C) => Map<K, number> | undefined,
  tolerance: (k: K) => number = () => IDENTITY_TOLERANCE,
  job?: SiteJob,
): SiteRun<K> {
  const seed = opts.seed ?? 1;
  const runs = opts.runs ?? 100;
  const worst = new Map<K, number>(keys.map((l) => [l, 0]));
  let count = 0;
  let skipped = 0;
  let counterexample: CheckCounterexample | undefined;
  let failed = new Map<K, number>();
  // The worst residuals are collected in the property run itself, over exactly the cases it runs
  // (with --replay, the replayed case and those after it), so a verdict is about the cases behind it.
  const total = runs * kinds.length;
  let done = 0;
  const tick = (kind: SiteKind): void => opts.progress?.(++done, total, `checking ${kind} sites`);
  // jobs threads: the caller and jobs − 1 workers (all jobs of them workers when the caller takes none).
  const onCaller = opts.callerTakesCases ?? true;
  const threads = Math.min(opts.jobs ?? 1, runs);
  const pool =
    job && threads > 1 && opts.replay === undefined
      ? new WorkerPool(job, onCaller ? threads - 1 : threads)
      : undefined;
  try {
    return sampleKinds();
  } finally {
    pool?.close();
  }

  /** Case i's outcome on the caller's thread, as a worker computes it (src/check/caseAt.ts). */
  function callerCases(task: WorkerTask): (i: number) => CaseOutcome {
    const build = caseBuilder(task);
    // The case the source's arbitrary gives at this index (a network for an MLP kind, a graph model for
    // a graph kind): what the workers build from the job too.
    const values = (c: NetworkCase | GraphCase): (number | null)[] | undefined =>
      inKeyOrder(keys, residualsOf(c as unknown as C));
    return (i) => outcomeOf(i, build, values);
  }

  function sampleKinds(): SiteRun<K> {
    for (const kind of kinds) {
      const arb = source.arbitrary(kind);
      // On worker threads: the outcomes in case order, then the first failing case (if any) is shrunk
      // here by fast-check from its index, as the sequential run would have shrunk it.
      let firstFailure: number | undefined;
      if (pool) {
        const task = { siteKind: kind, arch: opts.arch ?? {}, seed, runs };
        const outcomes = pool.evaluate(
          task,
          (n) => opts.progress?.(done + n, total, `checking ${kind} sites`),
          onCaller ? callerCases(task) : undefined,
        );
        done += runs;
        for (const o of outcomes) {
          if (o.kind === 'error') throw o.input ? new UserInputError(o.message) : new Error(o.message);
          if (o.kind === 'skipped') {
            skipped++;
            continue;
          }
          const res = new Map<K, number>();
          o.values.forEach((x, i) => x !== null && res.set(keys[i]!, x));
          if ([...res].some(([k, x]) => !(x <= tolerance(k)))) {
            firstFailure = o.index;
            break;
          }
          count++;
          for (const [l, x] of res) worst.set(l, Math.max(worst.get(l)!, x));
        }
        if (firstFailure === undefined) continue;
      }
      // A thrown error is an input problem or a bug, not a counterexample: keep it and re-throw.
      let thrown: unknown;
      const details = fc.check(
        fc.property(arb, (c) => {
          if (thrown !== undefined) return true;
          tick(kind);
          try {
            const res = residualsOf(c);
            if (!res) {
              skipped++;
              return true;
            }
            if ([...res].some(([k, x]) => !(x <= tolerance(k)))) return false;
            count++;
            for (const [l, x] of res) worst.set(l, Math.max(worst.get(l)!, x));
            return true;
          } catch (err) {
            thrown = err;
            return true;
          }
        }),
        {
          seed,
          numRuns: runs,
          ...(opts.replay
            ? { path: opts.replay, endOnFailure: true }
            : firstFailure !== undefined
              ? { path: String(firstFailure) }
              : {}),
        },
      );
      if (thrown !== undefined) throw thrown;
      if (details.failed) {
        const c = details.counterexample![0];
        const res = residualsOf(c)!;
        failed = new Map([...res].filter(([k, x]) => !(x <= tolerance(k))));
        const [law, x] = [...res].sort((p, q) => q[1] / tolerance(q[0]) - p[1] / tolerance(p[0]))[0]!;
        counterexample = {
          kind: 'network',
          site: c.site.label,
          siteKind: kind,
          architecture: source.describe(c),
          dataSeed: c.seed,
          law: title(law),
          relativeResidual: x,
          replay: { seed, path: details.counterexamplePath ?? '' },
        };
        break;
      }
    }
    return { worst, count, skipped, failed, ...(counterexample ? { counterexample } : {}) };
  }
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
            kind: 'network',
            site: c.site,
            architecture: c.architecture,
            dataSeed: c.dataSeed,
            replay: c.replay,
            relativeResidual: x,
          },
        }
      : { kind: 'inconclusive', reason: 'checking stopped at the first counterexample of another law' };
  }
  // Nothing evaluated is nothing verified.
  if (run.count === 0)
    return {
      kind: 'inconclusive',
      reason:
        `every sampled case at ${kinds.join(', ')} sites was skipped (${run.skipped} degenerate: e.g. a ` +
        'normalisation group without spread), so nothing was evaluated',
    };
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
export function selectedKinds(
  decl: BlockShaped,
  opts: CheckOptions,
): { readonly kinds: SiteKind[]; readonly excluded: SiteKind[] } {
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
  // Site kinds that no architecture allowed by --arch has (LayerNorm sites under a BatchNorm spec)
  // are left out and reported; only when none is left is that an input error.
  // Graph site kinds are sampled on their own models (numeric/graph/sites.ts): an --arch or
  // --model, which describe MLPs, leaves them out.
  const graph = opts.arch?.graph;
  const mlpArch = Object.keys(opts.arch ?? {}).some((k) => k !== 'graph');
  // Why a kind has no site under the constraints (undefined: it has).
  const whyNot = (k: SiteKind): string | undefined => {
    if (isGraphSiteKind(k)) {
      if (mlpArch)
        return `${k} sites live on graph models (--arch transformer:…, cnn:… or residual:…), not on MLPs`;
      if (graph && !modelsOf(k).includes(graph.kind))
        return `${k} sites live on a ${modelsOf(k).join(' or ')}, not on the ${graph.kind} --arch names`;
    } else if (graph) return `${k} sites live on MLPs, not on the ${graph.kind} --arch names`;
    try {
      if (isGraphSiteKind(k)) graphSiteCase(k, graph);
      else siteCase(k, opts.arch ?? {});
      return undefined;
    } catch (err) {
      if (err instanceof NoSuchSite) return err.message;
      throw err;
    }
  };
  const reasons = kinds.map(whyNot);
  const possible = kinds.filter((_, i) => reasons[i] === undefined);
  if (possible.length === 0) {
    // The reasons of the kinds that live on the kind of model named (or all of them), once each.
    const near = kinds
      .map((k, i) => ({ k, why: reasons[i]! }))
      .filter(({ k }) =>
        graph ? isGraphSiteKind(k) && modelsOf(k).includes(graph.kind) : !isGraphSiteKind(k),
      );
    throw new NoSuchSite(
      [...new Set((near.length ? near.map((n) => n.why) : reasons) as string[])].join('; '),
    );
  }
  // Reported as left out: kinds of the family of models named (an MLP spec leaves out graph kinds, and
  // a graph spec MLP kinds and other models' kinds, without a word).
  const family = (k: SiteKind): boolean =>
    graph ? isGraphSiteKind(k) && modelsOf(k).includes(graph.kind) : !mlpArch || !isGraphSiteKind(k);
  return { kinds: possible, excluded: kinds.filter((k) => !possible.includes(k) && family(k)) };
}

/** The fields every network check report has, from the run over its site kinds. */
export function networkCheckFields<K>(
  decl: BlockShaped & { readonly name: string },
  opts: CheckOptions,
  selected: { readonly kinds: readonly SiteKind[]; readonly excluded: readonly SiteKind[] },
  run: SiteRun<K>,
  laws: readonly LawCheck[],
): Omit<NetworkCheckReport, 'kind' | 'verdict' | 'collapse' | 'noise'> {
  return {
    schemaVersion: SCHEMA_VERSION,
    declaration: { name: decl.name, origin: decl.origin },
    seed: opts.seed ?? 1,
    runs: opts.runs ?? 100,
    ...(opts.replay !== undefined ? { replayed: opts.replay } : {}),
    siteKinds: selected.kinds,
    ...(opts.arch?.weights ? { fixedWeights: true as const } : {}),
    ...(selected.excluded.length ? { excludedSiteKinds: selected.excluded } : {}),
    laws,
    skipped: run.skipped,
    ...(run.counterexample ? { counterexample: run.counterexample } : {}),
  };
}
