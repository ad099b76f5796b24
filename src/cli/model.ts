/** The network a command works on: an architecture spec (`--arch`), or a model read from ONNX (`--model`). */
import { archSpec, specText } from '../arch';
import type { NamedNetwork } from '../evaluator/params';
import { optionValue, type Parsed } from './args';
import { UsageError } from './errors';

/** The `--model` file read (the ONNX reader loads only then). */
export function loadModelFile(path: string): import('../model/onnx').Model {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../model/onnx') as typeof import('../model/onnx')).loadModel(path);
}

/** Exactly one of --arch SPEC (widths required) and --model FILE, as a network with tensor names. */
export function networkOf(p: Parsed, command: string): { network: NamedNetwork; source: string } {
  const arch = optionValue(p, 'arch');
  const model = optionValue(p, 'model');
  if ((arch === undefined) === (model === undefined))
    throw new UsageError(
      `${command} needs one network: --arch SPEC (e.g. 4-8-3:relu:ce) or --model FILE.onnx`,
    );
  if (arch !== undefined) return { network: { spec: archSpec(arch) }, source: arch };
  const m = loadModelFile(model!);
  return { network: { spec: m.spec, parameters: m.parameters }, source: model! };
}

/** With --weights: the --model file's own weights (to check the laws at, sampling only data and sites). */
export function weightsOf(p: Parsed): { weights: Float64Array } | Record<string, never> {
  if (p.values.weights !== true) return {};
  const model = optionValue(p, 'model');
  if (model === undefined)
    throw new UsageError("--weights checks at a model's own weights: give --model FILE.onnx");
  return { weights: loadModelFile(model).theta };
}

/** --arch SPEC as given, or --model FILE's architecture as a spec (not both); undefined without either. */
export function archOrModel(p: Parsed, command: string): string | undefined {
  const arch = optionValue(p, 'arch');
  const model = optionValue(p, 'model');
  if (arch !== undefined && model !== undefined)
    throw new UsageError(`${command} takes --arch SPEC or --model FILE, not both`);
  return model !== undefined ? specText(loadModelFile(model).spec) : arch;
}
