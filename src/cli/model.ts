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
  // One read per file per command (check asks for the architecture, the weights and the names).
  const file = loadNetworkFile(p, path);
  if (file.kind === 'graph')
    throw new UsageError(
      `${excerpt(path, 80)} is a ${file.model === 'cnn' ? 'CNN' : 'transformer block'} (${excerpt(file.arch, 80)}); ` +
        `this command reads MLP models (check --model takes graph models)`,
    );
  return file.mlp;
}

/** A model file as the command reads it: an MLP, or a graph model (a CNN or a transformer block). */
export type NetworkFile =
  | { readonly kind: 'mlp'; readonly mlp: import('../model/onnx').Model }
  | {
      readonly kind: 'graph';
      readonly model: 'cnn' | 'transformer';
      readonly spec:
        import('../../numeric/graph/models').CnnSpec | import('../../numeric/graph/models').TransformerSpec;
      /** The model's weights in the graph's θ layout. */
      readonly theta: Float64Array;
      /** For each graph parameter: the tensor (state_dict key or ONNX name) it is. */
      readonly names: Readonly<Record<string, import('../model/onnx').ModelParameter>>;
      /** The model's shape as a `--arch cnn:…` / `transformer:…` spec, or why check cannot sample it. */
      readonly arch: string;
      readonly sampled: { readonly kind: 'fixed' } | { readonly kind: 'outside'; readonly reason: string };
    };

const files = new WeakMap<Parsed, Map<string, NetworkFile>>();

/**
 * A model file read once per command (the ONNX readers load only then): an MLP (src/model/onnx.ts) or,
 * when it holds a Conv or a MatMul of two computed values, a CNN or transformer block
 * (src/model/onnxGraph.ts). `--loss mse|ce` overrides the loss the graph implies.
 */
export function loadNetworkFile(p: Parsed, path: string): NetworkFile {
  const loss = optionValue(p, 'loss');
  if (loss !== undefined && loss !== 'mse' && loss !== 'ce')
    throw new UsageError(`--loss is mse or ce, got '${excerpt(loss)}'`);
  let cache = files.get(p);
  if (!cache) files.set(p, (cache = new Map()));
  const cached = cache.get(path);
  if (cached) return cached;
  /* eslint-disable @typescript-eslint/no-require-imports */
  const O = require('../model/onnx') as typeof import('../model/onnx');
  const G = require('../model/onnxGraph') as typeof import('../model/onnxGraph');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const bytes = O.readBounded(path);
  const opts: { readonly loss?: 'mse' | 'ce' } = loss !== undefined ? { loss } : {};
  let file: NetworkFile;
  if (G.onnxModelKind(bytes, path) === 'mlp') file = { kind: 'mlp', mlp: O.readOnnx(bytes, path, opts) };
  else {
    const m = G.readOnnxGraph(bytes, path, opts);
    file = {
      kind: 'graph',
      model: m.kind,
      spec: m.spec,
      theta: m.theta,
      names: m.parameters,
      ...graphArch(m),
    };
  }
  cache.set(path, file);
  return file;
}

/**
 * A graph model's shape as the `--arch` spec that fixes it in check's sampled graph models
 * (numeric/graph/sites.ts GraphConstraints), or what of it those samples cannot have: the sampled CNNs
 * pad less than their kernel size for kernels above 1 (else 0), and a relu,
 * leaky, linear or tanh activation; the sampled blocks a relu, gelu or tanh one.
 */
export function graphArch(
  m: import('../model/onnxGraph').OnnxGraphModel,
): Pick<Extract<NetworkFile, { kind: 'graph' }>, 'arch' | 'sampled'> {
  const act = m.spec.act.kind;
  if (m.kind === 'transformer') {
    const s = m.spec;
    const arch =
      `transformer:t${s.tokens}:d${s.dim}:h${s.heads}x${s.headDim}:f${s.hidden}:n${s.batch}:o${s.outputs}:` +
      `${s.causal ? 'causal' : 'nocausal'}:${s.layerNorm ? 'layernorm' : 'nonorm'}:${act}:${s.loss}`;
    const ok = act === 'relu' || act === 'gelu' || act === 'tanh';
    return { arch, sampled: ok ? { kind: 'fixed' } : { kind: 'outside', reason: `its ${act} activation` } };
  }
  const s = m.spec;
  const convs = s.convs.map((c) => `c${c.channels}k${c.k}s${c.stride}p${c.pad}`).join(':');
  const norm = s.batchNorm ? (s.affine ? 'bn+affine' : 'bn') : 'nobn';
  const arch =
    `cnn:${s.input.slice(1).join('x')}:${convs}:${norm}:p${s.pool}:r${s.blocks ?? 0}:n${s.input[0]}:` +
    `o${s.classes}:${act}:${s.loss}`;
  const odd = s.convs.findIndex((c) => c.pad >= c.k);
  const reason =
    odd >= 0
      ? `conv ${odd + 1}'s padding ${s.convs[odd]!.pad} (sampled convs pad less than their kernel size)`
      : act !== 'relu' && act !== 'leaky' && act !== 'linear' && act !== 'tanh'
        ? `its ${act} activation`
        : undefined;
  return { arch, sampled: reason === undefined ? { kind: 'fixed' } : { kind: 'outside', reason } };
}

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
  if (model === undefined) return arch;
  const file = loadNetworkFile(p, model);
  if (file.kind === 'mlp') return specText(file.mlp.spec);
  if (command !== 'check')
    throw new UsageError(
      `${command} reads MLP models; ${excerpt(model, 80)} is a ${file.model === 'cnn' ? 'CNN' : 'transformer block'}`,
    );
  if (file.sampled.kind === 'outside')
    throw new UsageError(
      `check --model ${excerpt(model, 80)}: the ${file.model === 'cnn' ? 'CNN' : 'transformer block'}'s shape ` +
        `(${excerpt(file.arch, 100)}) cannot be fixed in the sampled graph models: ${file.sampled.reason}`,
    );
  if (p.values.weights === true)
    throw new UsageError(
      `--weights checks at an MLP model's own weights; for the ${file.model} in ${excerpt(model, 80)} ` +
        `check samples weights of its shape (drop --weights)`,
    );
  return file.arch;
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
