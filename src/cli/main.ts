/**
 * The command-line interface as a function: main(args, io) → exit code. Exit 0: everything
 * holds; 1: a law was refuted; 2: usage or input error; 3: internal error. Machine output goes to
 * stdout, diagnostics to stderr; the CLI never prints a stack trace. (It prints no colour, so
 * NO_COLOR is respected trivially.)
 */
import { existsSync } from 'node:fs';
import { catalogNames, loadCatalog } from '../catalog';
import { loadDeclarationFile } from '../declaration/load';
import { InputError } from '../declaration/errors';
import type { Declaration } from '../declaration/types';
import { derive } from '../derive';
import { renderDerivation, FORMATS, type Format, verdictWord } from '../render';
import { renderCertificate } from '../render/certificate';
import type { Verdict } from '../verdict';
import { renderCheck, renderScan } from '../render/reports';
import type { CheckReport } from '../check/report';
import { parseArch, archSpec, ArchError } from './arch';
import type { ArchConstraints } from '../../numeric/arbitraries';
import { SITE_KINDS, type SiteKind } from '../../numeric/sites';
import { NetworkError } from '../../numeric/mlp';
import { writeFileSync } from 'node:fs';
import { parseRule, RuleError, type Rule } from '../rules/rule';
import { deriveDynamics } from '../rules/dynamics';
import { deriveBlock } from '../derive/block';
import { reflectionOf } from '../mirror/derive';
import { renderDynamics, renderTrajectories, trajectoryCsv } from '../render/dynamics';

export interface IO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

class UsageError extends Error {}

const HELP: Record<string, string> = {
  main: `noether — derive and verify the laws a loss symmetry implies for training

usage: noether <command> [options]

commands:
  list                      the built-in catalog of symmetries
  derive <name|file>        derive generator, gradient and Hessian constraints and the charge
                            (--rule R: how the learning rule R moves the charge)
  check <name|file>         check every derived law on sampled networks at the symmetry's sites
                            (--rule R: the rule's laws on SGD/momentum/Adam trajectories)
  scan <arch>               list the symmetry sites of an architecture and their laws
  prove <id> | --all        print the certificate of a theorem (see 'noether prove --list')

options: --format text|latex|markdown|json, --seed N, --runs N, --arch SPEC, --help
exit codes: 0 all laws hold, 1 a law was refuted, 2 usage or input error, 3 internal error`,
  list: `usage: noether list [--format text|json]

Lists the built-in catalog (declaration files in the package's catalog/ folder).`,
  derive: `usage: noether derive <name|file> [--format text|latex|markdown|json] [--seed N] [--runs N]

Derives, from the declared action alone, the generator, the gradient constraint, the Hessian
constraint and the gradient-flow charge (or what obstructs one), each with a verdict:
proved, numerically verified (count, worst residual, seed), refuted (counterexample) or
inconclusive (reason). <name> is a catalog entry ('noether list'); <file> a YAML or JSON
declaration. --seed fixes every random point (default 1); --runs sets the number of random
points per check (default 48).

--rule R derives how a learning rule moves the charge instead, e.g.
  sgd(lr=eta, wd=lambda)        exact one-step recursion (any minibatch)
  momentum(lr=eta, beta=beta, dampening=d, wd=lambda)
  gf(wd=lambda)   precond(lr=eta, wd=lambda)   adam(lr=eta, beta1=b1, beta2=b2, eps=e, wd=lambda)
Values are symbols or numbers (lr=0.1); nonsense values (lr ≤ 0, β ≥ 1, …) are refused.`,
  check: `usage: noether check <name|file> [--arch SPEC] [--site KIND] [--runs N] [--seed S] [--format text|markdown|json] [--replay PATH]

Samples networks (fast-check) on which the symmetry acts, at every site kind the declaration
names, and evaluates each derived law with exact float64 gradients and Hessian-vector products:
the gradient constraint, the Hessian constraint and the charge's conservation (dQ/dt = 0 under
gradient flow), each to a relative residual of 1e-10. --runs is networks per site kind (default
100). A failure prints a replay command that reproduces the exact case. The same seed gives the
same output. SPEC fixes parts of the architecture, e.g. relu:ce or 4-8-8-3:leaky:batch+affine.
For a concrete declaration, check evaluates every law at --runs random points; for a mirror it
also compares the predicted attraction threshold with what gradient descent does on --runs
sampled data sets (default 50) and prints the agreement rate.
With --rule R (see 'noether derive --help'), check runs the rule on --runs networks per site kind
(default 10) for --steps steps (default 100) with a random minibatch each step, and checks the
derived per-step laws at every step; --export FILE.csv|.json writes the first trajectory
(charge observed vs predicted).`,
  scan: `usage: noether scan <arch> [--format text|markdown|json]

Lists every symmetry site of an architecture (widths required), e.g.
  noether scan 4-8-8-3:relu:ce        noether scan 3-5-2:linear:mse        noether scan 4-6-3:tanh:batch+affine
with the catalog symmetries that act there and their laws.`,
  prove: `usage: noether prove <id> | --all | --list [--format text|markdown|latex|json] [--seed N]

Prints the certificate of a theorem: its statement, source, and the derivation that proves it.`,
};

interface Options {
  format: Format;
  seed: number;
  runs: number | undefined;
  all: boolean;
  list: boolean;
  help: boolean;
  arch: string | undefined;
  site: string | undefined;
  replay: string | undefined;
  rule: string | undefined;
  steps: number | undefined;
  exportTo: string | undefined;
  positional: string[];
}

function parseArgs(args: readonly string[]): Options {
  const o: Options = {
    format: 'text',
    seed: 1,
    runs: undefined,
    all: false,
    list: false,
    help: false,
    arch: undefined,
    site: undefined,
    replay: undefined,
    rule: undefined,
    steps: undefined,
    exportTo: undefined,
    positional: [],
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    const int = (name: string, v: string, min: number): number => {
      if (!/^\d+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v)))
        throw new UsageError(`${name} must be an integer ≥ ${min}, got '${v}'`);
      return Number(v);
    };
    switch (flag) {
      case '--format': {
        const f = value();
        if (!FORMATS.includes(f as Format))
          throw new UsageError(`unknown format '${f}' (use ${FORMATS.join(', ')})`);
        o.format = f as Format;
        break;
      }
      case '--seed':
        o.seed = int('--seed', value(), 0);
        if (o.seed > 0xffffffff) throw new UsageError('--seed must be below 2^32');
        break;
      case '--runs':
        o.runs = int('--runs', value(), 1);
        if (o.runs > 100000) throw new UsageError('--runs must be at most 100000');
        break;
      case '--arch':
        o.arch = value();
        break;
      case '--rule':
        o.rule = value();
        break;
      case '--steps':
        o.steps = int('--steps', value(), 1);
        if (o.steps > 100000) throw new UsageError('--steps must be at most 100000');
        break;
      case '--export':
        o.exportTo = value();
        break;
      case '--site':
        o.site = value();
        break;
      case '--replay': {
        o.replay = value();
        if (!/^\d+(:\d+)*$/.test(o.replay))
          throw new UsageError(`--replay takes a path like 3:1:0, got '${o.replay}'`);
        break;
      }
      case '--all':
        o.all = true;
        break;
      case '--list':
        o.list = true;
        break;
      case '--help':
      case '-h':
        o.help = true;
        break;
      default:
        if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option '${a}'`);
        o.positional.push(a);
    }
  }
  return o;
}

function resolveDeclaration(ref: string): Declaration {
  const looksLikePath = /[/\\]|\.(ya?ml|json)$/i.test(ref);
  if (!looksLikePath) {
    const d = loadCatalog(ref);
    if (d) return d;
    if (!existsSync(ref))
      throw new UsageError(
        `unknown symmetry '${ref}' (catalog: ${catalogNames().join(', ')}; or give a path to a declaration file)`,
      );
  }
  return loadDeclarationFile(ref);
}

const exitFor = (v: Verdict): number => (v.kind === 'refuted' ? 1 : 0);

function ruleOf(text: string): Rule {
  try {
    return parseRule(text);
  } catch (e) {
    if (e instanceof RuleError) throw new UsageError(`--rule: ${e.message}`);
    throw e;
  }
}

export function main(args: readonly string[], io: IO): number {
  try {
    const [command, ...rest] = args;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.stdout(HELP['main']! + '\n');
      return command === undefined ? 2 : 0;
    }
    if (!HELP[command] || command === 'main')
      throw new UsageError(`unknown command '${command}' (commands: list, derive, check, scan, prove)`);
    const o = parseArgs(rest);
    if (o.help) {
      io.stdout(HELP[command]! + '\n');
      return 0;
    }
    switch (command) {
      case 'list': {
        if (o.positional.length) throw new UsageError(`list takes no arguments, got '${o.positional[0]}'`);
        const entries = catalogNames().map((n) => {
          const d = loadCatalog(n)!;
          return { name: n, kind: d.kind, description: d.description, source: d.source ?? '' };
        });
        if (o.format === 'json') io.stdout(JSON.stringify(entries, null, 2) + '\n');
        else {
          const w = Math.max(...entries.map((e) => e.name.length));
          io.stdout(
            entries
              .map((e) => `${e.name.padEnd(w)}  ${e.description}${e.source ? `  [${e.source}]` : ''}`)
              .join('\n') + '\n',
          );
        }
        return 0;
      }
      case 'derive': {
        if (o.positional.length !== 1)
          throw new UsageError(
            o.positional.length
              ? 'derive takes one symmetry'
              : 'derive needs a symmetry: a catalog name or a declaration file',
          );
        const decl0 = resolveDeclaration(o.positional[0]!);
        const d = derive(decl0, { seed: o.seed, ...(o.runs ? { points: o.runs } : {}) });
        if (o.rule !== undefined) {
          if (decl0.kind !== 'block')
            throw new UsageError(
              '--rule works with block-level declarations (their charges are width-independent)',
            );
          io.stdout(renderDynamics(deriveDynamics(decl0, d, ruleOf(o.rule)), o.format) + '\n');
          return exitFor(d.verdict);
        }
        io.stdout(renderDerivation(d, o.format) + '\n');
        const inconclusive = d.laws.filter((l) => l.verdict.kind === 'inconclusive').length;
        if (inconclusive)
          io.stderr(`noether: ${inconclusive} law${inconclusive > 1 ? 's are' : ' is'} inconclusive\n`);
        if (d.verdict.kind === 'refuted')
          io.stderr(
            `noether: ${d.declaration.name}: ${verdictWord(d.verdict)} — see the refuted law above\n`,
          );
        return exitFor(d.verdict);
      }
      case 'check': {
        // Sampling (fast-check) and the check runners load only for this command, not at every start-up.
        /* eslint-disable @typescript-eslint/no-require-imports */
        const { checkDeclaration } = require('../check/block') as typeof import('../check/block');
        const { checkTrajectories } = require('../rules/trajectory') as typeof import('../rules/trajectory');
        const { collapseExperiment } =
          require('../mirror/toyCollapse') as typeof import('../mirror/toyCollapse');
        const { NoSuchSite } =
          require('../../numeric/arbitraries') as typeof import('../../numeric/arbitraries');
        /* eslint-enable @typescript-eslint/no-require-imports */
        if (o.positional.length !== 1)
          throw new UsageError(
            o.positional.length
              ? 'check takes one symmetry'
              : 'check needs a symmetry: a catalog name or a declaration file',
          );
        const decl = resolveDeclaration(o.positional[0]!);
        const archOf = (): ArchConstraints | undefined => {
          try {
            return o.arch ? parseArch(o.arch) : undefined;
          } catch (e) {
            if (e instanceof ArchError) throw new UsageError(e.message);
            throw e;
          }
        };
        // A network check's report, its replay command (with the failing site kind) and its exit code.
        const showCheck = (report: CheckReport): number => {
          const replay = [
            'noether check',
            o.positional[0],
            ...(o.arch ? ['--arch', o.arch] : []),
            ...(report.counterexample ? ['--site', report.counterexample.siteKind] : []),
          ].join(' ');
          io.stdout(renderCheck(report, o.format === 'latex' ? 'text' : o.format, replay) + '\n');
          if (report.verdict.kind === 'refuted')
            io.stderr(
              `noether: ${report.declaration.name}: a law fails on a sampled network — see the counterexample above\n`,
            );
          return exitFor(report.verdict);
        };
        if (decl.kind === 'block-mirror') {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const { checkBlockMirror } = require('../check/mirror') as typeof import('../check/mirror');
          if (o.rule !== undefined)
            throw new UsageError(
              '--rule works with continuous block-level declarations (a mirror has no charge to follow)',
            );
          if (o.site && !(decl.sites as readonly string[]).includes(o.site))
            throw new UsageError(
              `unknown site kind '${o.site}' for ${decl.name} (its sites: ${decl.sites.join(', ')})`,
            );
          const arch = archOf();
          let report;
          try {
            report = checkBlockMirror(decl, {
              seed: o.seed,
              runs: o.runs ?? 100,
              ...(arch ? { arch } : {}),
              ...(o.site ? { sites: [o.site as SiteKind] } : {}),
              ...(o.replay ? { replay: o.replay } : {}),
            });
          } catch (e) {
            if (e instanceof NoSuchSite) throw new UsageError(e.message);
            throw e;
          }
          return showCheck(report);
        }
        if (decl.kind !== 'block') {
          const d = derive(decl, { seed: o.seed, points: o.runs ?? 100 });
          const collapse =
            decl.kind === 'mirror' && d.verdict.kind !== 'refuted'
              ? collapseExperiment(
                  decl,
                  reflectionOf(decl).map((r) => r.map((x) => Number(x.n) / Number(x.d))),
                  { samples: o.runs ?? 50, seed: o.seed },
                )
              : undefined;
          if (o.format === 'json')
            io.stdout(JSON.stringify(collapse ? { ...d, collapse } : d, null, 2) + '\n');
          else {
            io.stdout(renderDerivation(d, o.format === 'latex' ? 'text' : o.format) + '\n');
            if (collapse)
              io.stdout(
                `\nthreshold prediction vs observed collapse (gradient descent on L + γ‖θ‖² from the stationary point on the set, perturbed off it): agreement ${collapse.agree}/${collapse.decided} (${((100 * collapse.agree) / Math.max(1, collapse.decided)).toFixed(0)}%); ${collapse.ambiguous} samples within 10% of γ* set apart, ${collapse.skipped} diverged; seed ${o.seed}\n`,
              );
          }
          return exitFor(d.verdict);
        }
        const arch = archOf();
        if (o.rule !== undefined) {
          const rule = ruleOf(o.rule);
          let rep;
          try {
            rep = checkTrajectories(decl, deriveDynamics(decl, deriveBlock(decl, { seed: o.seed }), rule), {
              seed: o.seed,
              runs: o.runs ?? 10,
              steps: o.steps ?? 100,
              ...(arch ? { arch } : {}),
            });
          } catch (e) {
            if (e instanceof NoSuchSite) throw new UsageError(e.message);
            throw e;
          }
          if (o.exportTo)
            writeFileSync(
              o.exportTo,
              o.exportTo.endsWith('.json')
                ? JSON.stringify(rep.trajectory, null, 2) + '\n'
                : trajectoryCsv(rep),
            );
          io.stdout(renderTrajectories(rep, o.format === 'latex' ? 'text' : o.format) + '\n');
          return exitFor(rep.verdict);
        }
        if (o.site && !(SITE_KINDS as readonly string[]).includes(o.site))
          throw new UsageError(`unknown site kind '${o.site}' (known: ${SITE_KINDS.join(', ')})`);
        let report;
        try {
          report = checkDeclaration(decl, {
            seed: o.seed,
            runs: o.runs ?? 100,
            ...(arch ? { arch } : {}),
            ...(o.site ? { sites: [o.site as SiteKind] } : {}),
            ...(o.replay ? { replay: o.replay } : {}),
          });
        } catch (e) {
          if (e instanceof NoSuchSite) throw new UsageError(e.message);
          throw e;
        }
        return showCheck(report);
      }
      case 'scan': {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { scan } = require('../scan') as typeof import('../scan');
        if (o.positional.length !== 1)
          throw new UsageError('scan needs one architecture, e.g. 4-8-3:relu:ce');
        let spec;
        try {
          spec = archSpec(o.positional[0]!);
        } catch (e) {
          if (e instanceof ArchError) throw new UsageError(e.message);
          throw e;
        }
        let report;
        try {
          report = scan(spec);
        } catch (e) {
          if (e instanceof NetworkError) throw new UsageError(e.message);
          throw e;
        }
        io.stdout(renderScan(report, o.format === 'latex' ? 'text' : o.format) + '\n');
        return 0;
      }
      case 'prove': {
        // Loaded here so that other commands do not pay for the theorem modules at start-up.
        const {
          THEOREMS,
          prove,
          RULE_THEOREMS,
          proveRule,
          MIRROR_THEOREMS,
          proveMirror,
          DCS_THEOREM,
          proveDcs,
          GU_TIME_THEOREM,
          proveGuTime,
          // eslint-disable-next-line @typescript-eslint/no-require-imports
        } = require('../../proofs') as typeof import('../../proofs');
        const all = [
          ...THEOREMS.map((t) => ({
            id: t.id,
            title: t.title,
            source: t.source,
            run: () => prove(t, o.seed),
          })),
          ...RULE_THEOREMS.map((t) => ({
            id: t.id,
            title: t.title,
            source: t.source,
            run: () => proveRule(t),
          })),
          ...MIRROR_THEOREMS.map((t) => ({
            id: t.id,
            title: t.title,
            source: t.source,
            run: () => proveMirror(t),
          })),
          { id: DCS_THEOREM.id, title: DCS_THEOREM.title, source: DCS_THEOREM.source, run: proveDcs },
          {
            id: GU_TIME_THEOREM.id,
            title: GU_TIME_THEOREM.title,
            source: GU_TIME_THEOREM.source,
            run: () => proveGuTime(o.seed),
          },
        ];
        if (o.list) {
          io.stdout(all.map((t) => `${t.id}  ${t.title}  [${t.source}]`).join('\n') + '\n');
          return 0;
        }
        if (!o.all && o.positional.length === 0)
          throw new UsageError("prove needs a theorem id or --all (see 'noether prove --list')");
        const unknown = o.positional.filter((p) => !all.some((t) => t.id === p));
        if (unknown.length)
          throw new UsageError(`unknown theorem '${unknown[0]}' (see 'noether prove --list')`);
        const chosen = o.all ? all : all.filter((t) => o.positional.includes(t.id));
        const certs = chosen.map((t) => t.run());
        const fmt = o.format;
        io.stdout(
          (fmt === 'json'
            ? JSON.stringify(certs.length === 1 && !o.all ? certs[0] : certs, null, 2)
            : certs.map((c) => renderCertificate(c, fmt)).join('\n\n')) + '\n',
        );
        return certs.some((c) => c.verdict.kind === 'refuted') ? 1 : 0;
      }
    }
    return 2;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`noether: ${err.message}\n`);
      return 2;
    }
    if (err instanceof InputError) {
      io.stderr(`noether: ${err.message}\n`);
      return 2;
    }
    io.stderr(`noether: internal error: ${(err as Error)?.message ?? String(err)}\n`);
    return 3;
  }
}
