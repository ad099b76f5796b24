/**
 * `noether teleport <name|file> [--arch SPEC] [--data iris|penguins] [--rule R] [--seed N] [--runs N]
 * [--steps N] [--every K] [--format text|json]`: symmetry teleportation along the declared orbit
 * (src/teleport) measured against plain descent; the exit code is the weakest verdict of the laws a
 * teleport relies on (the speed-up is a measurement).
 */
import { UserInputError } from '../../../numeric/errors';
import { archSpec } from '../../arch';
import { deriveBlock } from '../../derive/block';
import { parseRule } from '../../rules/rule';
import { formatOption, intOption, optionValue, type Parsed } from '../args';
import { UsageError } from '../errors';
import type { ExitCode, IO } from '../io';
import type { Output } from '../output';
import { resolveDeclaration } from '../resolve';
import { exitFor } from '../verdictExit';

/** The network when --arch is not given (4 features in, 3 classes out, as both data sets have). */
export const TELEPORT_ARCH = '4-16-16-3:relu:ce';
/** The rule descended with when --rule is not given. */
export const TELEPORT_RULE = 'sgd(lr=0.05)';
/** Rows of the sampled data set without --data. */
const SAMPLED_ROWS = 64;

export function teleportCommand(p: Parsed, io: IO, out: Output): ExitCode {
  const format = formatOption('teleport', p);
  if (p.positionals.length !== 1)
    throw new UsageError('teleport needs one symmetry, e.g. noether teleport rescale --data iris');
  const decl = resolveDeclaration(p.positionals[0]!, io);
  if (decl.kind !== 'block')
    throw new UserInputError(
      `${decl.name} is a ${decl.kind} declaration; teleport moves along the orbit of a block-level ` +
        'continuous symmetry bound to network sites',
    );
  const arch = optionValue(p, 'arch') ?? TELEPORT_ARCH;
  const spec = archSpec(arch);
  const rule = parseRule(optionValue(p, 'rule') ?? TELEPORT_RULE);
  const seed = intOption(p, 'seed', 0, 2 ** 32 - 1) ?? 1;
  const dataName = optionValue(p, 'data');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only for this command
  const T = require('../../teleport') as typeof import('../../teleport');
  let data: import('../../teleport').TeleportData = { kind: 'sampled', rows: SAMPLED_ROWS };
  if (dataName !== undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadDataset } = require('../../report/data') as typeof import('../../report/data');
    const ds = loadDataset(dataName);
    const [inw, outw] = [spec.widths[0]!, spec.widths.at(-1)!];
    if (inw !== ds.batch.X.cols || outw !== ds.batch.Y.cols || spec.loss !== 'ce')
      throw new UsageError(
        `--data ${ds.name} has ${ds.batch.X.cols} features and ${ds.batch.Y.cols} classes: --arch needs ` +
          `${ds.batch.X.cols} inputs, ${ds.batch.Y.cols} outputs and the ce loss (got ${arch})`,
      );
    data = { kind: 'dataset', name: ds.name, source: ds.source, batch: ds.batch };
  }
  const steps = intOption(p, 'steps', 2, 100_000) ?? 300;
  const report = T.teleportExperiment(decl, {
    spec,
    arch,
    rule,
    data,
    seed,
    runs: intOption(p, 'runs', 1, 1000) ?? 10,
    steps,
    every: intOption(p, 'every', 1, 100_000) ?? 50,
    derivation: deriveBlock(decl, { seed }),
  });
  out.report(format === 'json' ? JSON.stringify(report, null, 2) : T.renderTeleport(report), format);
  return exitFor(report.verdict);
}
