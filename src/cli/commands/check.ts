/**
 * `noether check <name|file|->...`: every derived law on sampled networks (block-level), at random
 * points (concrete), or a learning rule's laws on minibatch trajectories (--rule).
 */
import { writeFileSync } from 'node:fs';
import type { Declaration } from '../../declaration/types';
import { availableParallelism } from 'node:os';
import { parseArch } from '../../arch';
import { archOrModel, loadModelFile, notAnInput, weightsOf } from '../model';
import { saveCase } from '../caseFile';
import { isGraphSiteKind, SITE_KINDS, type SiteKind } from '../../../numeric/sites';
import type { ArchConstraints } from '../../../numeric/arbitraries';
import type { BlockShaped } from '../../declaration/types';
import { excerpt } from '../../declaration/errors';
import { renderCheck, renderPointCheck } from '../../render/reports';
import { renderTrajectories, trajectoryCsv } from '../../render/dynamics';
import type { CheckReport, CheckOptions } from '../../check/report';
import type { TrajectoryReport } from '../../check/trajectory';
import type { Rule } from '../../rules/rule';
import { formatOption, intOption, optionValue, flag, type Parsed, type Format } from '../args';
import { UsageError } from '../errors';
import { worstExit, type ExitCode, type IO } from '../io';
import type { Output } from '../output';
import { progressReporter } from '../term';
import { resolveDeclaration, inputsOf } from '../resolve';
import { exitFor, summaryLine } from '../verdictExit';
import { parseRuleOption } from './derive';

interface CheckSettings {
  readonly format: Format;
  readonly seed: number;
  readonly runs: number | undefined;
  readonly archText: string | undefined;
  /** The options that reproduce the network in a replay command (--arch SPEC, or --model FILE [--weights]). */
  readonly networkArgs: readonly string[];
  readonly arch: ArchConstraints | undefined;
  readonly site: string | undefined;
  readonly replay: string | undefined;
  readonly rule: Rule | undefined;
  readonly steps: number | undefined;
  /** Gradient-flow trajectories per site kind for a charge's drift (--flow). */
  readonly flow: number | undefined;
  readonly exportTo: string | undefined;
  /** Where to write a refuted network check's failing case (--save-case). */
  readonly saveCase: string | undefined;
  readonly quiet: boolean;
  readonly jobs: number;
}

/**
 * What a --replay path may be: fast-check's path is the index of the failing run (below --runs,
 * at most 100000) and then one index per shrinking step (about 15 in practice). Larger numbers
 * would make fast-check skip through that many cases before it starts (10^20 never ends).
 */
const REPLAY_LIMITS = { numbers: 1000, value: 100_000 } as const;

function replayOption(p: Parsed): string | undefined {
  const replay = optionValue(p, 'replay');
  if (replay === undefined) return undefined;
  if (!/^\d+(:\d+)*$/.test(replay))
    throw new UsageError(`--replay takes a path like 3:1:0, got '${excerpt(replay)}'`);
  const steps = replay.split(':');
  if (
    steps.length > REPLAY_LIMITS.numbers ||
    steps.some((x) => x.length > 6 || Number(x) > REPLAY_LIMITS.value)
  )
    throw new UsageError(
      `--replay: a path has at most ${REPLAY_LIMITS.numbers} numbers, each at most ${REPLAY_LIMITS.value} ` +
        `(use the path a counterexample prints), got '${excerpt(replay)}'`,
    );
  return replay;
}

function settings(p: Parsed): CheckSettings {
  const replay = replayOption(p);
  const ruleText = optionValue(p, 'rule');
  const steps = intOption(p, 'steps', 1, 100000);
  const exportTo = optionValue(p, 'export');
  if (ruleText === undefined && steps !== undefined)
    throw new UsageError('--steps needs --rule (steps of a trajectory)');
  if (ruleText === undefined && exportTo !== undefined)
    throw new UsageError('--export needs --rule (it writes a trajectory)');
  if (ruleText !== undefined && replay !== undefined)
    throw new UsageError('--replay replays a network check, not --rule');
  const flow = intOption(p, 'flow', 0, 1000);
  if (ruleText !== undefined && flow !== undefined)
    throw new UsageError('--flow integrates gradient flow in a network check, not --rule');
  if (flag(p, 'quiet') && optionValue(p, 'format') !== undefined)
    throw new UsageError('--quiet prints one summary line per input; it cannot be combined with --format');
  const archText = archOrModel(p, 'check');
  const weights = weightsOf(p);
  return {
    format: formatOption('check', p),
    seed: intOption(p, 'seed', 0, 0xffffffff) ?? 1,
    runs: intOption(p, 'runs', 1, 100000),
    archText,
    networkArgs:
      optionValue(p, 'model') !== undefined
        ? [
            '--model',
            optionValue(p, 'model')!,
            ...(optionValue(p, 'loss') !== undefined ? ['--loss', optionValue(p, 'loss')!] : []),
            ...(weights.weights ? ['--weights'] : []),
          ]
        : archText !== undefined
          ? ['--arch', archText]
          : [],
    arch: archText === undefined ? undefined : { ...parseArch(archText, { graph: true }), ...weights },
    site: optionValue(p, 'site'),
    replay,
    rule: ruleText === undefined ? undefined : parseRuleOption(ruleText),
    steps,
    flow,
    exportTo,
    saveCase: optionValue(p, 'save-case'),
    quiet: flag(p, 'quiet'),
    jobs: optionValue(p, 'jobs') === 'auto' ? availableParallelism() : (intOption(p, 'jobs', 1, 64) ?? 1),
  };
}

export function checkCommand(p: Parsed, io: IO, out: Output): ExitCode {
  const s = settings(p);
  if (s.saveCase !== undefined && s.rule !== undefined)
    throw new UsageError('--save-case writes a refuted network check, not a --rule trajectory');
  if (s.saveCase !== undefined && inputsOf('check', p.positionals).length > 1)
    throw new UsageError('--save-case writes one case: give one declaration');
  if (s.saveCase !== undefined)
    notAnInput(s.saveCase, '--save-case', [optionValue(p, 'model'), ...p.positionals]);
  // Sampling (fast-check) and the check runners load only for this command, not at every start-up.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const C = require('../../check') as typeof import('../../check');
  const codes: ExitCode[] = [];
  for (const ref of inputsOf('check', p.positionals)) {
    const decl = resolveDeclaration(ref, io);
    const progress = progressReporter(io, flag(p, 'progress') && !s.quiet);
    let report: CheckReport;
    try {
      report = s.rule ? ruleCheck(C, decl, s.rule, s, progress.sink) : lawCheck(C, decl, s, progress.sink);
    } finally {
      progress.end();
    }
    if (report.kind === 'trajectory-check' && s.exportTo) exportTrajectory(report, s.exportTo);
    selfConsistent(report);
    codes.push(exitFor(report.verdict));
    if (s.quiet) {
      io.stdout(summaryLine(decl.name, report.verdict));
      continue;
    }
    out.report(render(report, s, ref), s.format);
    if (
      report.verdict.kind === 'refuted' &&
      (report.kind === 'block-check' || report.kind === 'mirror-check')
    ) {
      io.stderr(`noether: ${decl.name}: a law fails on a sampled network — see the counterexample above\n`);
      const cx = report.counterexample;
      if (cx && s.saveCase !== undefined && cx.kind === 'network' && isGraphSiteKind(cx.siteKind))
        throw new UsageError(
          `--save-case writes MLP cases: the failing case is a ${cx.architecture} (replay it with --replay)`,
        );
      if (cx && s.saveCase !== undefined) {
        const model = optionValue(p, 'model');
        saveCase(
          s.saveCase,
          decl.name,
          cx.siteKind,
          cx,
          s.arch ?? {},
          model ? loadModelFile(p, model).parameters : undefined,
        );
        io.stderr(
          `noether: ${decl.name}: the failing case (weights by tensor name, batch, site) is in ${s.saveCase}\n`,
        );
      } else if (cx && !(cx.kind === 'network' && isGraphSiteKind(cx.siteKind)))
        io.stderr(
          `noether: add --save-case FILE.json to the replay command to write its weights and batch\n`,
        );
    }
  }
  return worstExit(codes);
}

type CheckModule = typeof import('../../check');

/**
 * A network check's verdicts must agree with their own numbers: "numerically verified" with a worst
 * residual above its tolerance would exit 0 on a law that failed. Such a report is a bug (it
 * happens when a --replay case passes and the worst residuals come from other cases): exit 3,
 * never a pass.
 */
function selfConsistent(report: CheckReport): void {
  if (report.kind !== 'block-check' && report.kind !== 'mirror-check') return;
  for (const law of report.laws) {
    const v = law.verdict;
    if (v.kind === 'numerically-verified' && !(v.worstRelative <= v.tolerance))
      throw new Error(
        `${law.title}: reported numerically verified with a worst relative residual ` +
          `${v.worstRelative.toExponential(2)} above its tolerance ${v.tolerance.toExponential(0)}` +
          `${report.replayed !== undefined ? ` (replaying ${excerpt(report.replayed)})` : ''}`,
      );
  }
}

function lawCheck(C: CheckModule, decl: Declaration, s: CheckSettings, progress: CheckProgress): CheckReport {
  if (decl.kind === 'concrete' || decl.kind === 'mirror') {
    for (const [given, name] of [
      [s.archText, s.networkArgs.includes('--model') ? 'model' : 'arch'],
      [s.saveCase, 'save-case'],
      [s.site, 'site'],
      [s.replay, 'replay'],
      [s.flow, 'flow'],
    ] as const)
      if (given !== undefined)
        throw new UsageError(`--${name} applies to block-level declarations; ${decl.name} is ${decl.kind}`);
    return C.checkConcrete(decl, { seed: s.seed, ...(s.runs ? { runs: s.runs } : {}) });
  }
  if (s.flow !== undefined && decl.kind === 'block-mirror')
    throw new UsageError(
      `--flow follows a charge along gradient flow; ${decl.name} is a mirror and has none`,
    );
  if (s.flow !== undefined && s.replay !== undefined)
    throw new UsageError(
      '--flow integrates fresh networks; --replay re-runs one case of the pointwise check',
    );
  if (s.site !== undefined) {
    if (decl.kind === 'block-mirror' && !(decl.sites as readonly string[]).includes(s.site))
      throw new UsageError(
        `unknown site kind '${excerpt(s.site)}' for ${decl.name} (its sites: ${decl.sites.join(', ')})`,
      );
    if (!(SITE_KINDS as readonly string[]).includes(s.site))
      throw new UsageError(`unknown site kind '${excerpt(s.site)}' (known: ${SITE_KINDS.join(', ')})`);
  }
  const opts = {
    seed: s.seed,
    runs: s.runs ?? 100,
    progress,
    ...(s.arch ? { arch: s.arch } : {}),
    ...(s.site ? { sites: [s.site as SiteKind] } : {}),
    ...(s.replay ? { replay: s.replay } : {}),
    ...(s.jobs > 1 ? { jobs: s.jobs } : {}),
    ...(s.flow !== undefined ? { flowRuns: s.flow } : {}),
  };
  if (s.replay !== undefined) replayable(decl, opts, s.replay);
  return decl.kind === 'block' ? C.checkDeclaration(decl, opts) : C.checkBlockMirror(decl, opts);
}

type CheckProgress = (done: number, total: number, label: string) => void;

/**
 * A --replay path must name a case at every site kind the check runs (with the same seed and
 * --arch): otherwise fast-check would run nothing there, or throw. Refused as a usage error.
 */
function replayable(decl: BlockShaped & { readonly name: string }, opts: CheckOptions, path: string): void {
  // Loaded only here, as for the check itself (fast-check is not loaded at every start-up).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { selectedKinds } = require('../../check/runner') as typeof import('../../check/runner');
  type Arbitraries = typeof import('../../../numeric/arbitraries');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { hasReplayCase, replayNamesCase } = require('../../../numeric/arbitraries') as Arbitraries;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const G = require('../../../numeric/graph/sites') as typeof import('../../../numeric/graph/sites');
  const seed = opts.seed ?? 1;
  for (const kind of selectedKinds(decl, opts).kinds)
    if (
      G.isGraphSiteKind(kind)
        ? !replayNamesCase(G.graphSiteCase(kind, opts.arch?.graph), seed, path)
        : !hasReplayCase(kind, opts.arch ?? {}, seed, path)
    )
      throw new UsageError(
        `--replay: the path '${excerpt(path)}' names no case at ${kind} sites with seed ${opts.seed ?? 1}` +
          `${opts.arch ? ' and this --arch' : ''} (use the path, --seed and --site a counterexample prints)`,
      );
}

function ruleCheck(
  C: CheckModule,
  decl: Declaration,
  rule: Rule,
  s: CheckSettings,
  progress: CheckProgress,
): TrajectoryReport {
  if (decl.kind === 'block-mirror')
    throw new UsageError(
      '--rule works with continuous block-level declarations (a mirror has no charge to follow)',
    );
  if (decl.kind !== 'block')
    throw new UsageError('--rule works with block-level declarations (their charges are width-independent)');
  // Rules are followed on MLP sites only (graph models are not trained by --rule yet).
  const mlpSites = decl.sites.filter((k) => !isGraphSiteKind(k));
  if (s.site !== undefined && !(mlpSites as readonly string[]).includes(s.site))
    throw new UsageError(
      `--site ${excerpt(s.site)}: ${decl.name} acts at ${mlpSites.join(', ') || 'no MLP'} sites ` +
        '(--rule follows its charge there)',
    );
  return C.checkRule(decl, rule, {
    ...(s.site !== undefined ? { sites: [s.site as SiteKind] } : {}),
    seed: s.seed,
    runs: s.runs ?? 10,
    steps: s.steps ?? 100,
    progress,
    ...(s.arch ? { arch: s.arch } : {}),
  });
}

function render(report: CheckReport, s: CheckSettings, ref: string): string {
  switch (report.kind) {
    case 'block-check':
    case 'mirror-check': {
      const replay = [
        'noether check',
        ref,
        ...s.networkArgs,
        ...(report.counterexample ? ['--site', report.counterexample.siteKind] : []),
      ].join(' ');
      return renderCheck(report, s.format, replay);
    }
    case 'point-check':
      return renderPointCheck(report, s.format);
    case 'trajectory-check':
      return renderTrajectories(report, s.format);
  }
}

function exportTrajectory(report: TrajectoryReport, path: string): void {
  const text = path.endsWith('.json')
    ? JSON.stringify(report.trajectory, null, 2) + '\n'
    : trajectoryCsv(report);
  try {
    writeFileSync(path, text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(`--export: cannot write '${excerpt(path, 120)}' (${code})`);
  }
}
