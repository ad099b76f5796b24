/**
 * Architecture specs on the command line: tokens joined by ':' in any order, e.g.
 * `4-8-8-3:relu:batch+affine:ce`, `tanh:layer`, `linear:mse:nobias`.
 *   widths   4-8-3 (input-hidden…-output)      act   relu | leaky | linear | tanh | poly<k>
 *   norm     none | batch | layer (+affine)     loss  mse | ce        bias | nobias
 * What a spec leaves out is sampled by `check`, and defaulted by `scan`.
 */
import type { ArchConstraints } from '../numeric/arbitraries';
import { UserInputError } from '../numeric/errors';
import {
  activation,
  buildNetwork,
  LEAKY_SLOPE,
  NETWORK_LIMITS,
  type MlpSpec,
  type Activation,
  type Norm,
  type Loss,
} from '../numeric/mlp';
import { excerpt } from './declaration/errors';
import type { GraphConstraints, GraphModel } from '../numeric/graph/sites';
import { convSide, defaultPad } from '../numeric/graph/models';

/** An architecture spec written wrongly (exit 2). */
export class ArchError extends UserInputError {
  override readonly name: string = 'ArchError';
}

/**
 * Parse an architecture spec: tokens joined by `:` in any order, each fixing one aspect of the
 * networks `check` samples — widths `4-8-3` (input, hidden…, output), an activation (`relu leaky
 * linear tanh poly<k>`), a normalisation (`none batch layer`, `+affine`), a loss (`mse ce`),
 * `bias`/`nobias`. What the spec leaves out stays free.
 *
 * @param text - e.g. `'4-16-16-3:relu:batch+affine:ce'`, `'tanh:layer'`, `''` (no constraint).
 * @returns The constraints, for `CheckOptions.arch` and `TrajectoryOptions.arch`.
 * @throws {@link ArchError} on an unknown token or out-of-range widths or degree, and an
 *   ArchitectureError for widths whose network is beyond `NETWORK_LIMITS` (at most 64 widths of at
 *   most 100,000 units, 5,000,000 parameters; biases and affine parameters counted unless the spec
 *   rules them out).
 *
 * @example
 * ```ts
 * import { check, loadCatalog, parseArch } from 'noether';
 * const arch = parseArch('4-8-3:tanh:layer+affine:mse');
 * // { widths: [4, 8, 3], acts: ['tanh'], norms: ['layer'], affine: true, losses: ['mse'] }
 * check(loadCatalog('scale')!, { arch, runs: 10 });
 * ```
 */
export function parseArch(text: string, opts: { readonly graph?: boolean } = {}): ArchConstraints {
  const first = text.split(':')[0]!.trim().toLowerCase();
  if (first === 'transformer' || first === 'cnn' || first === 'residual') {
    if (!opts.graph)
      throw new ArchError(`a ${first} architecture is taken by check only (its graph site kinds), not here`);
    return { graph: parseGraphSpec(first, text.split(':').slice(1)) };
  }
  const c = parseTokens(text);
  if (c.widths) withinLimits(c.widths, c);
  return c;
}

/** The largest graph model a spec may fix: sizes stay small enough for dense per-op work. */
export const GRAPH_SPEC_LIMITS = { size: 512, count: 16, image: 65_536 } as const;

/**
 * A graph model spec after `transformer:`, `cnn:` or `residual:` — tokens in any order:
 *   transformer  t<tokens> d<dim> h<heads>x<head dim> f<mlp width> n<batch> o<outputs>
 *                causal | nocausal, layernorm | nonorm, relu | gelu | tanh, ce | mse
 *   cnn          <C>x<H>x<W> (input), c<channels>k<kernel>s<stride>[p<pad>] (one per conv, in order; padding
 *                1 for kernels above 1 unless given),
 *                bn | bn+affine | nobn (BatchNorm after every conv), p<k> (k × k average pooling after every
 *                conv), r<blocks> (residual blocks after the convs),
 *                n<batch> o<outputs>, relu | leaky | linear | tanh, ce | mse
 *   residual     i<inputs> d<width> f<branch width> b<blocks> n<batch> o<outputs>,
 *                relu | leaky | linear | tanh, ce | mse
 */
function parseGraphSpec(kind: GraphConstraints['kind'], tokens: readonly string[]): GraphConstraints {
  const c: Record<string, unknown> = { kind };
  const convs: { channels: number; k: number; stride: number; pad?: number }[] = [];
  const num = (t: string, v: string, max: number = GRAPH_SPEC_LIMITS.size): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > max)
      throw new ArchError(`'${excerpt(t)}': a size from 1 to ${max} (in a ${kind} spec)`);
    return n;
  };
  const set = (key: string, value: unknown, t: string): void => {
    if (key in c) throw new ArchError(`'${excerpt(t)}' fixes ${key} twice (in a ${kind} spec)`);
    c[key] = value;
  };
  for (const raw of tokens) {
    const t = raw.trim().toLowerCase();
    if (t === '') continue;
    let m: RegExpMatchArray | null;
    if (t === 'ce' || t === 'mse') set('loss', t, t);
    else if ((m = /^n(\d+)$/.exec(t))) set('batch', num(t, m[1]!), t);
    else if ((m = /^o(\d+)$/.exec(t))) set('outputs', num(t, m[1]!), t);
    else if (kind === 'transformer' && (t === 'relu' || t === 'gelu' || t === 'tanh'))
      set('act', { kind: t }, t);
    else if (kind === 'transformer' && (t === 'causal' || t === 'nocausal')) set('causal', t === 'causal', t);
    else if (kind === 'transformer' && (t === 'layernorm' || t === 'nonorm'))
      set('layerNorm', t === 'layernorm', t);
    else if (kind === 'transformer' && (m = /^t(\d+)$/.exec(t))) set('tokens', num(t, m[1]!), t);
    else if (kind === 'transformer' && (m = /^d(\d+)$/.exec(t))) set('dim', num(t, m[1]!), t);
    else if (kind === 'transformer' && (m = /^f(\d+)$/.exec(t))) set('hidden', num(t, m[1]!), t);
    else if (kind === 'transformer' && (m = /^h(\d+)x(\d+)$/.exec(t))) {
      set('heads', num(t, m[1]!, GRAPH_SPEC_LIMITS.count), t);
      set('headDim', num(t, m[2]!), t);
    } else if (kind !== 'transformer' && (t === 'relu' || t === 'leaky' || t === 'linear' || t === 'tanh'))
      set('act', t === 'leaky' ? { kind: t, slope: LEAKY_SLOPE } : { kind: t }, t);
    else if (kind === 'cnn' && (t === 'bn' || t === 'nobn' || t === 'bn+affine')) {
      set('batchNorm', t !== 'nobn', t);
      set('affine', t === 'bn+affine', t);
    } else if (kind === 'cnn' && (m = /^p(\d+)$/.exec(t))) set('pool', num(t, m[1]!, 8), t);
    else if (kind === 'cnn' && (m = /^r(\d+)$/.exec(t)))
      // r0: no residual blocks (what a model read from ONNX says of itself).
      set('blocks', m[1] === '0' ? 0 : num(t, m[1]!, GRAPH_SPEC_LIMITS.count), t);
    else if (kind === 'residual' && (m = /^i(\d+)$/.exec(t))) set('inputs', num(t, m[1]!), t);
    else if (kind === 'residual' && (m = /^d(\d+)$/.exec(t))) set('width', num(t, m[1]!), t);
    else if (kind === 'residual' && (m = /^f(\d+)$/.exec(t))) set('hidden', num(t, m[1]!), t);
    else if (kind === 'residual' && (m = /^b(\d+)$/.exec(t)))
      set('blocks', num(t, m[1]!, GRAPH_SPEC_LIMITS.count), t);
    else if (kind === 'cnn' && (m = /^(\d+)x(\d+)x(\d+)$/.exec(t)))
      set('input', [num(t, m[1]!), num(t, m[2]!), num(t, m[3]!)], t);
    else if (kind === 'cnn' && (m = /^c(\d+)k(\d+)s(\d+)(?:p(\d+))?$/.exec(t))) {
      if (convs.length >= GRAPH_SPEC_LIMITS.count)
        throw new ArchError(`at most ${GRAPH_SPEC_LIMITS.count} convs`);
      const k = num(t, m[2]!, 7);
      const pad = m[4] === undefined ? undefined : Number(m[4]);
      if (pad !== undefined && pad >= k)
        throw new ArchError(
          `'${excerpt(t)}': padding ${pad} must be below the kernel size ${k} (in a cnn spec)`,
        );
      convs.push({
        channels: num(t, m[1]!, 64),
        k,
        stride: num(t, m[3]!, 4),
        ...(pad !== undefined ? { pad } : {}),
      });
    } else throw new ArchError(`unknown token '${excerpt(t)}' in a ${kind} spec (see 'noether help check')`);
  }
  if (convs.length) c['convs'] = convs;
  const [T, d, H, dh] = ['tokens', 'dim', 'heads', 'headDim'].map((k) => (c[k] as number | undefined) ?? 1);
  if (d! * H! * dh! > GRAPH_SPEC_LIMITS.image * 16 || T! * T! * H! > GRAPH_SPEC_LIMITS.image * 16)
    throw new ArchError(
      `a transformer of d·heads·d_head or tokens²·heads above ${GRAPH_SPEC_LIMITS.image * 16}`,
    );
  const r = c as { inputs?: number; width?: number; hidden?: number; blocks?: number };
  if (
    kind === 'residual' &&
    (r.width ?? 1) * ((r.inputs ?? 1) + 2 * (r.hidden ?? 1) * (r.blocks ?? 1)) > 1 << 20
  )
    throw new ArchError(
      `a residual MLP of more than ${1 << 20} weights (width · (inputs + 2 · branch · blocks))`,
    );
  const image = c['input'] as readonly number[] | undefined;
  if (image && convs.length) noEmptyConv(image, convs, (c['pool'] as number | undefined) ?? 1);
  if (image && image[0]! * image[1]! * image[2]! > GRAPH_SPEC_LIMITS.image)
    throw new ArchError(
      `an input of ${image.join('×')} values is above the ${GRAPH_SPEC_LIMITS.image} a cnn spec takes`,
    );
  return c as GraphConstraints;
}

/** Refuse convs that leave an input of H × W without output (kernels pad by 1 when k > 1). */
function noEmptyConv(
  image: readonly number[],
  convs: readonly { k: number; stride: number }[],
  pool: number,
): void {
  for (let i = 1; i <= convs.length; i++)
    if (
      Math.min(convSide(image[1]!, convs.slice(0, i), pool), convSide(image[2]!, convs.slice(0, i), pool)) < 1
    )
      throw new ArchError(
        `conv ${i} (c…k${convs[i - 1]!.k}s${convs[i - 1]!.stride}${pool > 1 ? `, pooled ${pool}×${pool}` : ''}) ` +
          `leaves no output of a ${image[1]}×${image[2]} input (kernels larger than 1 pad by 1)`,
      );
}

/** The constraints a spec's tokens fix, without the size check (archSpec checks its exact network). */
function parseTokens(text: string): ArchConstraints {
  const c: { -readonly [K in keyof ArchConstraints]: ArchConstraints[K] } = {};
  if (text.length > 1000)
    throw new ArchError(`an architecture spec is at most 1000 characters, got ${text.length}`);
  for (const raw of text.split(':')) {
    const t = raw.trim().toLowerCase();
    if (t === '') continue;
    let m: RegExpExecArray | null;
    if ((m = /^(\d+)(-\d+)+$/.exec(t))) {
      const ws = t.split('-').map(Number);
      if (ws.some((w) => w < 1 || w > 100000))
        throw new ArchError(`widths must be between 1 and 100000 in '${excerpt(t)}'`);
      if (ws.length > NETWORK_LIMITS.widths)
        throw new ArchError(
          `a network has at most ${NETWORK_LIMITS.widths} layers (widths), got ${ws.length} (the limit)`,
        );
      c.widths = ws;
    } else if (['relu', 'leaky', 'linear', 'tanh'].includes(t)) c.acts = [t as Activation['kind']];
    else if ((m = /^poly(\d+)$/.exec(t))) {
      c.acts = ['poly'];
      c.degrees = [Number(m[1])];
      if (Number(m[1]) < 1 || Number(m[1]) > 9)
        throw new ArchError(`polynomial degree must be 1 to 9 in '${excerpt(t)}'`);
    } else if ((m = /^(none|batch|layer)(\+affine)?$/.exec(t))) {
      c.norms = [m[1] as Norm];
      if (m[2]) c.affine = true;
      else if (m[1] !== 'none') c.affine = false;
    } else if (t === 'mse' || t === 'ce') c.losses = [t as Loss];
    else if (t === 'bias' || t === 'nobias') c.bias = t === 'bias';
    else
      throw new ArchError(
        `unknown architecture token '${excerpt(raw)}' (widths like 4-8-3; relu, leaky, linear, tanh, poly<k>; ` +
          `none, batch, layer, +affine; mse, ce; bias, nobias)`,
      );
  }
  return c;
}

/**
 * Refuse widths whose largest network the constraints allow (biases and affine parameters
 * counted unless ruled out) is over `NETWORK_LIMITS`, before anything is sampled.
 */
function withinLimits(widths: readonly number[], c: ArchConstraints): void {
  const normalised = (c.norms ?? ['batch']).some((n) => n !== 'none');
  buildNetwork({
    widths,
    act: activation('relu'),
    norm: normalised ? 'batch' : 'none',
    affine: normalised && c.affine !== false,
    loss: 'mse',
    bias: c.bias ?? true,
  });
}

/**
 * A concrete architecture for {@link scan}: {@link parseArch}'s tokens with widths required and the
 * rest defaulted (relu, no normalisation, cross-entropy, biases).
 *
 * @param text - e.g. `'4-8-8-3:relu:ce'`.
 * @throws {@link ArchError} when the spec is malformed or has no widths.
 */
export function archSpec(text: string): MlpSpec {
  const c = parseTokens(text);
  if (!c.widths) throw new ArchError(`scan needs widths, e.g. 4-8-3:${text || 'relu'}`);
  const kind = c.acts?.[0] ?? 'relu';
  const act = activation(kind, c.degrees?.[0] ?? 2);
  const norm = c.norms?.[0] ?? 'none';
  const spec: MlpSpec = {
    widths: c.widths,
    act,
    norm,
    affine: c.affine ?? false,
    loss: c.losses?.[0] ?? 'ce',
    bias: c.bias ?? true,
  };
  buildNetwork(spec); // within NETWORK_LIMITS, or an ArchitectureError (exit 2)
  return spec;
}

/**
 * The spec text of a concrete architecture, the inverse of {@link archSpec}: e.g.
 * `4-8-3:relu:batch+affine:ce:bias` (a model read from ONNX, given to `check` or `laws` as --arch).
 */
export function specText(spec: MlpSpec): string {
  const act = spec.act.kind === 'poly' ? `poly${spec.act.degree}` : spec.act.kind;
  const norm = spec.norm === 'none' ? 'none' : `${spec.norm}${spec.affine ? '+affine' : ''}`;
  return [spec.widths.join('-'), act, norm, spec.loss, spec.bias ? 'bias' : 'nobias'].join(':');
}

/** The first token of a graph model spec, or undefined for an MLP spec. */
export function graphSpecKind(text: string): GraphConstraints['kind'] | undefined {
  const first = text.split(':')[0]!.trim().toLowerCase();
  return first === 'transformer' || first === 'cnn' || first === 'residual' ? first : undefined;
}

/**
 * A concrete graph model for {@link scan}: a `transformer:…`, `cnn:…` or `residual:…` spec with
 * what it leaves out defaulted — a transformer block T4 d8 with 2 heads of 4, MLP width 16,
 * LayerNorm, ReLU; a CNN on 1×8×8 inputs with convs c4k3s1 and c8k3s1, ReLU, no residual blocks; a residual MLP
 * 4-8-3 with 2 blocks of branch width 16, ReLU; batch 2, 3 outputs, cross-entropy, not causal, no
 * BatchNorm.
 *
 * @throws {@link ArchError} when the text is not a graph spec or is malformed.
 */
export function graphModelSpec(text: string): GraphModel {
  const kind = graphSpecKind(text);
  if (!kind) throw new ArchError(`'${excerpt(text)}' is not a transformer, cnn or residual spec`);
  const c = parseGraphSpec(kind, text.split(':').slice(1));
  const common = { batch: c.batch ?? 2, loss: c.loss ?? ('ce' as const) };
  switch (c.kind) {
    case 'transformer':
      return {
        kind: 'transformer',
        spec: {
          ...common,
          tokens: c.tokens ?? 4,
          dim: c.dim ?? 8,
          heads: c.heads ?? 2,
          headDim: c.headDim ?? 4,
          hidden: c.hidden ?? 16,
          causal: c.causal ?? false,
          layerNorm: c.layerNorm ?? (c.dim ?? 8) > 1,
          act: c.act ?? { kind: 'relu' },
          outputs: c.outputs ?? 3,
        },
      };
    case 'cnn': {
      const [C, H, W] = c.input ?? [1, 8, 8];
      const convs = c.convs ?? [
        { channels: 4, k: 3, stride: 1 },
        { channels: 8, k: 3, stride: 1 },
      ];
      noEmptyConv([C, H, W], convs, c.pool ?? 1);
      return {
        kind: 'cnn',
        spec: {
          input: [common.batch, C, H, W],
          convs: convs.map((v) => ({ ...v, pad: v.pad ?? defaultPad(v.k) })),
          batchNorm: c.batchNorm ?? false,
          affine: c.affine ?? false,
          blocks: c.blocks ?? 0,
          act: c.act ?? { kind: 'relu' },
          pool: c.pool ?? 1,
          classes: c.outputs ?? 3,
          loss: common.loss,
        },
      };
    }
    case 'residual':
      return {
        kind: 'residual',
        spec: {
          ...common,
          inputs: c.inputs ?? 4,
          width: c.width ?? 8,
          hidden: c.hidden ?? 16,
          blocks: c.blocks ?? 2,
          outputs: c.outputs ?? 3,
          act: c.act ?? { kind: 'relu' },
        },
      };
  }
}
