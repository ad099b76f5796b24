/**
 * `noether report <name|file>... -o FILE.html [--rule R] [--arch SPEC] [--data NAME] …`: the HTML
 * report (src/report) written to FILE.html, each plot's rows to FILE.<plot>.csv; a line per
 * symmetry on stdout (its verdict and the largest measured-vs-predicted gap of each training run).
 */
import { accessSync, constants, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserInputError } from '../../../numeric/errors';
import { archSpec } from '../../arch';
import { verdictWord } from '../../render';
import { parseRule } from '../../rules/rule';
import { flag, intOption, optionValue, type Parsed } from '../args';
import { UsageError } from '../errors';
import type { ExitCode, IO } from '../io';
import { loadModelFile, notAnInput } from '../model';
import { resolveDeclaration } from '../resolve';
import { exitFor } from '../verdictExit';

/** The network trained when --arch is not given (4 features in, 3 classes out, as both data sets). */
export const REPORT_ARCH = '4-16-16-3:relu:ce';
/** The rule trained with when --rule is not given. */
export const REPORT_RULE = 'sgd(lr=0.1, wd=0.001)';

export function reportCommand(p: Parsed, io: IO): ExitCode {
  const file = optionValue(p, 'output');
  if (file === undefined) throw new UsageError('report needs -o FILE.html (the page it writes)');
  if (!/\.html?$/i.test(file))
    throw new UsageError(`report writes an HTML page: -o ${file} should end in .html`);
  if (p.positionals.length === 0)
    throw new UsageError('report needs a symmetry, e.g. noether report rescale -o r.html');
  notAnInput(file, '-o', p.positionals);
  const modelFile = optionValue(p, 'model');
  if (modelFile !== undefined && optionValue(p, 'arch') !== undefined)
    throw new UsageError('report trains one network: --arch SPEC or --model FILE.onnx, not both');
  if (modelFile === undefined && optionValue(p, 'loss') !== undefined)
    throw new UsageError('--loss goes with --model (an --arch spec names its loss: 4-16-3:relu:ce)');
  const model = modelFile !== undefined ? loadModelFile(p, modelFile) : undefined;
  if (modelFile !== undefined) notAnInput(file, '-o', [modelFile]);
  const spec = model ? model.spec : archSpec(optionValue(p, 'arch') ?? REPORT_ARCH);
  const rule = parseRule(optionValue(p, 'rule') ?? REPORT_RULE);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the report layer loads only here
  const R = require('../../report') as typeof import('../../report');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadDataset } = require('../../report/data') as typeof import('../../report/data');
  const data = loadDataset(optionValue(p, 'data') ?? 'iris');
  // What would fail only after minutes of derivations and checks is refused first.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('../../report/train') as typeof import('../../report/train')).trainable(spec, data, rule);
  try {
    accessSync(dirname(resolve(file)), constants.W_OK);
  } catch {
    throw new UserInputError(`cannot write ${file}: its folder does not exist or is not writable`);
  }
  const declarations = p.positionals.map((ref) => resolveDeclaration(ref, io));
  const verbose = flag(p, 'progress');
  const report = R.buildReport(
    {
      declarations,
      rule,
      spec,
      data,
      ...(model && modelFile !== undefined ? { model: { file: modelFile, theta: model.theta } } : {}),
      seed: intOption(p, 'seed', 0, 2 ** 32 - 1) ?? 1,
      steps: intOption(p, 'steps', 1, 100_000) ?? 200,
      batchSize: intOption(p, 'batch', 2, 100_000) ?? 16,
      runs: intOption(p, 'runs', 1, 10_000) ?? 10,
      ...(verbose ? { progress: (label: string) => io.stderr(`noether: ${label}\n`) } : {}),
    },
    file.replace(/\.html?$/i, ''),
  );
  const write = (name: string, text: string): void => {
    try {
      writeFileSync(name, text);
    } catch (e) {
      throw new UserInputError(`cannot write ${name}: ${(e as Error).message}`);
    }
  };
  // The page last: it links to the CSV files.
  for (const f of report.files) write(f.name, f.text);
  write(file, report.html);
  const lines = report.sections.map(
    (s) =>
      `${s.symmetry}: ${verdictWord(s.verdict)}` +
      s.runs
        .map(
          (r) =>
            `; ${r.fullBatch ? 'full batch' : `batch ${r.batchSize}`}: ` +
            (r.law.kind === 'law'
              ? `largest gap ${r.worstGap.toExponential(2)} over ${r.series.length} sites`
              : 'no law to predict with') +
            (r.note ? ` (${r.note})` : ''),
        )
        .join(''),
  );
  io.stdout([...lines, `wrote ${file} and ${report.files.length} CSV files`].join('\n') + '\n');
  return exitFor(report.verdict);
}
