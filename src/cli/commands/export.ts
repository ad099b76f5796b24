/**
 * `noether export <name|file> (--arch SPEC | --model FILE.onnx) --to numpy|pytorch|sympy [-o FILE]`:
 * the charge of a block-level symmetry on one network as a Python module over its named parameters.
 */
import { writeFileSync } from 'node:fs';
import { UserInputError } from '../../../numeric/errors';
import { optionValue, type Parsed } from '../args';
import { UsageError } from '../errors';
import { EXIT, type ExitCode, type IO } from '../io';
import { resolveDeclaration } from '../resolve';
import { networkOf, notAnInput } from '../model';

const TARGETS = ['numpy', 'pytorch', 'sympy'] as const;
type Target = (typeof TARGETS)[number];

export function exportCommand(p: Parsed, io: IO): ExitCode {
  const to = optionValue(p, 'to');
  if (to === undefined) throw new UsageError(`export needs --to ${TARGETS.join('|')}`);
  if (!(TARGETS as readonly string[]).includes(to))
    throw new UsageError(`unknown export target '${to}' (targets: ${TARGETS.join(', ')})`);
  if (p.positionals.length !== 1)
    throw new UsageError('export needs one symmetry, e.g. noether export rescale');
  const { network, source } = networkOf(p, 'export');
  const d = resolveDeclaration(p.positionals[0]!, io);
  if (d.kind !== 'block')
    throw new UserInputError(
      `export: '${d.name}' is a ${d.kind} declaration; export writes the charges of block-level symmetries`,
    );
  /* eslint-disable @typescript-eslint/no-require-imports -- the exporters load only for export */
  const text =
    (to as Target) === 'sympy'
      ? (require('../../export/sympy') as typeof import('../../export/sympy')).exportSympy(d, network, {
          source,
        })
      : (require('../../export/python') as typeof import('../../export/python')).exportPython(
          d,
          network,
          to as 'numpy' | 'pytorch',
          { source },
        );
  /* eslint-enable @typescript-eslint/no-require-imports */
  const file = optionValue(p, 'output');
  if (file !== undefined) notAnInput(file, '-o', [optionValue(p, 'model'), ...p.positionals]);
  if (file === undefined) io.stdout(text);
  else
    try {
      writeFileSync(file, text);
    } catch (e) {
      throw new UserInputError(`cannot write ${file}: ${(e as Error).message}`);
    }
  return EXIT.ok;
}
