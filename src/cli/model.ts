/** The network a command works on: an architecture spec (`--arch`), or a model read from ONNX (`--model`). */
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { archSpec, specText } from '../arch';
import type { NamedNetwork } from '../evaluator/params';
import { optionValue, type Parsed } from './args';
import { UsageError } from './errors';
import { excerpt } from '../declaration/errors';

/**
 * A model file read (the ONNX reader loads only then), with `--loss mse|ce` when given: a model that
 * ends in its logits is trained with a loss outside it (cross-entropy for a classifier).
 */
export function loadModelFile(p: Parsed, path: string): import('../model/onnx').Model {
  const loss = optionValue(p, 'loss');
  if (loss !== undefined && loss !== 'mse' && loss !== 'ce')
    throw new UsageError(`--loss is mse or ce, got '${excerpt(loss)}'`);
  // One read per file per command (check asks for the architecture, the weights and the names).
  let models = read.get(p);
  if (!models) read.set(p, (models = new Map()));
  const cached = models.get(path);
  if (cached) return cached;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadModel } = require('../model/onnx') as typeof import('../model/onnx');
  const model = loadModel(path, loss !== undefined ? { loss } : {});
  models.set(path, model);
  return model;
}

const read = new WeakMap<Parsed, Map<string, import('../model/onnx').Model>>();

/** Exactly one of --arch SPEC (widths required) and --model FILE, as a network with tensor names. */
export function networkOf(p: Parsed, command: string): { network: NamedNetwork; source: string } {
  const arch = optionValue(p, 'arch');
  const model = optionValue(p, 'model');
  if ((arch === undefined) === (model === undefined))
    throw new UsageError(
      `${command} needs one network: --arch SPEC (e.g. 4-8-3:relu:ce) or --model FILE.onnx`,
    );
  if (arch !== undefined) {
    noLoss(p);
    return { network: { spec: archSpec(arch) }, source: arch };
  }
  const m = loadModelFile(p, model!);
  return { network: { spec: m.spec, parameters: m.parameters }, source: model! };
}

/** With --weights: the --model file's own weights (to check the laws at, sampling only data and sites). */
export function weightsOf(p: Parsed): { weights: Float64Array } | Record<string, never> {
  if (p.values.weights !== true) return {};
  const model = optionValue(p, 'model');
  if (model === undefined)
    throw new UsageError("--weights checks at a model's own weights: give --model FILE.onnx");
  return { weights: loadModelFile(p, model).theta };
}

/** --arch SPEC as given, or --model FILE's architecture as a spec (not both); undefined without either. */
export function archOrModel(p: Parsed, command: string): string | undefined {
  const arch = optionValue(p, 'arch');
  const model = optionValue(p, 'model');
  if (arch !== undefined && model !== undefined)
    throw new UsageError(`${command} takes --arch SPEC or --model FILE, not both`);
  if (model === undefined) noLoss(p);
  return model !== undefined ? specText(loadModelFile(p, model).spec) : arch;
}

/** --loss belongs to a model; an --arch spec names its loss itself (…:ce, …:mse). */
export function noLoss(p: Parsed): void {
  if (optionValue(p, 'loss') !== undefined)
    throw new UsageError(
      '--loss applies to a model (--model FILE.onnx); an --arch spec names its loss: …:ce or …:mse',
    );
}

/** Refuse an output path that is one of the command's input files (it would overwrite the model or the declaration). */
export function notAnInput(out: string, option: string, inputs: readonly (string | undefined)[]): void {
  const real = (f: string): string => {
    try {
      return realpathSync(f);
    } catch {
      return resolve(f);
    }
  };
  const target = real(out);
  const hit = inputs.find((f) => f !== undefined && f !== '-' && existsSync(f) && real(f) === target);
  if (hit !== undefined)
    throw new UsageError(`${option} ${out} is an input of this command (${hit}); write elsewhere`);
}
