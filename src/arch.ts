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
import type { GraphConstraints } from '../numeric/graph/sites';

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
  if (first === 'transformer' || first === 'cnn') {
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
 * A graph model spec after `transformer:` or `cnn:` — tokens in any order:
 *   transformer  t<tokens> d<dim> h<heads>x<head dim> f<mlp width> n<batch> o<outputs>
 *                causal | nocausal, layernorm | nonorm, relu | gelu | tanh, ce | mse
 *   cnn          <C>x<H>x<W> (input), c<channels>k<kernel>s<stride> (one per conv, in order),
 *                n<batch> o<outputs>, relu | leaky | linear, ce | mse
 */
function parseGraphSpec(kind: 'transformer' | 'cnn', tokens: readonly string[]): GraphConstraints {
  const c: Record<string, unknown> = { kind };
  const convs: { channels: number; k: number; stride: number }[] = [];
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
    } else if (kind === 'cnn' && (t === 'relu' || t === 'leaky' || t === 'linear'))
      set('act', t === 'leaky' ? { kind: t, slope: LEAKY_SLOPE } : { kind: t }, t);
    else if (kind === 'cnn' && (m = /^(\d+)x(\d+)x(\d+)$/.exec(t)))
      set('input', [num(t, m[1]!), num(t, m[2]!), num(t, m[3]!)], t);
    else if (kind === 'cnn' && (m = /^c(\d+)k(\d+)s(\d+)$/.exec(t))) {
      if (convs.length >= GRAPH_SPEC_LIMITS.count)
        throw new ArchError(`at most ${GRAPH_SPEC_LIMITS.count} convs`);
      convs.push({ channels: num(t, m[1]!, 64), k: num(t, m[2]!, 7), stride: num(t, m[3]!, 4) });
    } else throw new ArchError(`unknown token '${excerpt(t)}' in a ${kind} spec (see 'noether help check')`);
  }
  if (convs.length) c['convs'] = convs;
  const [T, d, H, dh] = ['tokens', 'dim', 'heads', 'headDim'].map((k) => (c[k] as number | undefined) ?? 1);
  if (d! * H! * dh! > GRAPH_SPEC_LIMITS.image * 16 || T! * T! * H! > GRAPH_SPEC_LIMITS.image * 16)
    throw new ArchError(
      `a transformer of d·heads·d_head or tokens²·heads above ${GRAPH_SPEC_LIMITS.image * 16}`,
    );
  const image = c['input'] as readonly number[] | undefined;
  if (image && image[0]! * image[1]! * image[2]! > GRAPH_SPEC_LIMITS.image)
    throw new ArchError(
      `an input of ${image.join('×')} values is above the ${GRAPH_SPEC_LIMITS.image} a cnn spec takes`,
    );
  return c as GraphConstraints;
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
