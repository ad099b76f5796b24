/** `noether derive <name|file|->...`: the laws a declared symmetry implies, or how a rule moves its charge. */
import { derive } from '../../derive';
import { casInstalled } from '../../cas/nerdamer';
import { parseRule, RuleError } from '../../rules/rule';
import { renderDerivation, verdictWord } from '../../render';
import { formatOption, intOption, optionValue, flag, type Parsed } from '../args';
import { UsageError } from '../errors';
import { worstExit, type ExitCode, type IO } from '../io';
import { resolveDeclaration, inputsOf } from '../resolve';
import { exitFor, summaryLine } from '../verdictExit';
import type { Output } from '../output';
import { weakest } from '../../verdict';

export function deriveCommand(p: Parsed, io: IO, out: Output): ExitCode {
  const format = formatOption('derive', p);
  const seed = intOption(p, 'seed', 0, 0xffffffff) ?? 1;
  const runs = intOption(p, 'runs', 1, 100000);
  const ruleText = optionValue(p, 'rule');
  const quiet = flag(p, 'quiet');
  if (quiet && optionValue(p, 'format') !== undefined)
    throw new UsageError('--quiet prints one summary line per input; it cannot be combined with --format');
  const rule = ruleText === undefined ? undefined : parseRuleOption(ruleText);
  if (flag(p, 'cas') && !casInstalled())
    throw new UsageError('--cas needs the optional package nerdamer-prime (npm install nerdamer-prime)');
  const codes: ExitCode[] = [];
  for (const ref of inputsOf('derive', p.positionals)) {
    const decl = resolveDeclaration(ref, io);
    const derived = derive(decl, { seed, cas: flag(p, 'cas'), ...(runs ? { points: runs } : {}) });
    // A block-level derivation assumes invariance; with sites, it is tested on sampled networks
    // (loading the check machinery only then).
    const d =
      decl.kind === 'block' || decl.kind === 'block-mirror'
        ? // eslint-disable-next-line @typescript-eslint/no-require-imports
          (require('../../check/invariance') as typeof import('../../check/invariance')).withTestedInvariance(
            decl,
            derived,
            { seed },
          )
        : derived;
    if (rule) {
      if (decl.kind !== 'block')
        throw new UsageError(
          '--rule works with block-level declarations (their charges are width-independent)',
        );
      if (quiet) {
        io.stdout(summaryLine(decl.name, d.verdict));
        codes.push(exitFor(d.verdict));
        continue;
      }
      // The learning-rule machinery is loaded only for --rule (its module builds symbolic tables on load).
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { deriveDynamics } = require('../../rules/dynamics') as typeof import('../../rules/dynamics');
      const { lagrangianView } = require('../../rules/lagrangian') as typeof import('../../rules/lagrangian');
      const { renderDynamics } = require('../../render/dynamics') as typeof import('../../render/dynamics');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const dyn = deriveDynamics(decl, d, rule);
      const lagrangian = lagrangianView(rule, dyn, seed);
      out.report(renderDynamics({ ...dyn, lagrangian }, format), format);
      // The view's identities count towards the exit code; a rule without a Lagrangian (data 'none') does not.
      const identities = lagrangian.filter((l) => l.data.kind !== 'none').map((l) => l.verdict);
      codes.push(exitFor(weakest([d.verdict, ...identities])));
      continue;
    }
    // a concrete declaration: how many laws its loss has in all, and how many its charges explain
    const full =
      decl.kind === 'concrete' && !quiet
        ? {
            ...d,
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            allLaws: (require('../../laws') as typeof import('../../laws')).lawCount(decl, { seed }),
          }
        : d;
    if (quiet) io.stdout(summaryLine(d.declaration.name, d.verdict));
    else out.report(renderDerivation(full, format), format);
    const inconclusive = d.laws.filter((l) => l.verdict.kind === 'inconclusive').length;
    if (inconclusive && !quiet)
      io.stderr(`noether: ${inconclusive} law${inconclusive > 1 ? 's are' : ' is'} inconclusive\n`);
    if (d.verdict.kind === 'refuted' && !quiet)
      io.stderr(`noether: ${d.declaration.name}: ${verdictWord(d.verdict)} — see the refuted law above\n`);
    codes.push(exitFor(d.verdict));
  }
  return worstExit(codes);
}

/** --rule's value as a rule; its errors are usage errors naming the option. */
export function parseRuleOption(text: string): ReturnType<typeof parseRule> {
  if (text.length > 500) throw new UsageError(`--rule: a rule is at most 500 characters, got ${text.length}`);
  try {
    return parseRule(text);
  } catch (e) {
    if (e instanceof RuleError) throw new UsageError(`--rule: ${e.message}`);
    throw e;
  }
}
