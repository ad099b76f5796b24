/** `noether scan <arch>`: the symmetry sites of an architecture and the catalog laws at each. */
import { archSpec, graphModelSpec, graphSpecKind, specText } from '../../arch';
import { loadNetworkFile, noLoss } from '../model';
import type { GraphModel } from '../../../numeric/graph/sites';
import { UserInputError } from '../../../numeric/errors';
import type { ArchLawCount } from '../../scan';
import { scan } from '../../scan';
import { renderScan } from '../../render/reports';
import { flag, formatOption, type Parsed } from '../args';
import { UsageError } from '../errors';
import { EXIT, type ExitCode, type IO } from '../io';
import type { Output } from '../output';

export function scanCommand(p: Parsed, _io: IO, out: Output): ExitCode {
  const format = formatOption('scan', p);
  if (p.positionals.length !== 1)
    throw new UsageError('scan needs one architecture or model, e.g. 4-8-3:relu:ce or model.onnx');
  const input = p.positionals[0]!;
  // A model file (ONNX) or an architecture spec.
  const file = /\.onnx$/i.test(input) ? loadNetworkFile(p, input) : undefined;
  if (file?.kind === 'graph') {
    const report = scan({ kind: file.model, spec: file.spec } as GraphModel, {
      sites: flag(p, 'sites'),
      model: { file: input, parameters: file.names },
    });
    out.report(renderScan({ ...report, allLaws: GRAPH_LAWS }, format), format);
    return EXIT.ok;
  }
  const model = file?.mlp;
  if (!model) noLoss(p);
  if (!model && graphSpecKind(input)) {
    const report = scan(graphModelSpec(input), { sites: flag(p, 'sites') });
    out.report(renderScan({ ...report, allLaws: GRAPH_LAWS }, format), format);
    return EXIT.ok;
  }
  const spec = model ? model.spec : archSpec(input);
  const report = scan(spec, {
    sites: flag(p, 'sites'),
    ...(model ? { model: { file: input, ...model } } : {}),
  });
  out.report(
    renderScan({ ...report, allLaws: countLaws(model ? specText(spec) : input, report.parameters) }, format),
    format,
  );
  return EXIT.ok;
}

/** The law count of a graph model: not made (`noether laws --arch attention:…` counts one attention layer). */
const GRAPH_LAWS: ArchLawCount = {
  kind: 'not-counted',
  reason:
    'noether laws counts MLP architectures and single attention layers (--arch attention:…), not whole graph models',
};

/** Beyond this many parameters scan leaves the count to `noether laws` (it keeps scan quick). */
const SCAN_LAWS_PARAMETERS = 64;

/** `noether laws --arch` for the scanned architecture, when it is polynomial and small. */
function countLaws(spec: string, parameters: number): ArchLawCount {
  if (parameters > SCAN_LAWS_PARAMETERS)
    return {
      kind: 'not-counted',
      reason: `${parameters} parameters (scan counts up to ${SCAN_LAWS_PARAMETERS}; noether laws --arch goes further)`,
    };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const r = (require('../../laws') as typeof import('../../laws')).lawsForArch(spec, { symmetries: false });
    return {
      kind: 'counted',
      lowerBound: r.lowerBound,
      upperBound: r.upperBound,
      complete: r.complete,
      beyondLinearSymmetries: r.laws.filter((l) => l.degree > 2).length,
    };
  } catch (e) {
    if (e instanceof UserInputError) return { kind: 'not-counted', reason: e.message.replace(/^laws: /, '') };
    throw e;
  }
}
