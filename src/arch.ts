/**
 * Architecture specs on the command line: tokens joined by ':' in any order, e.g.
 * `4-8-8-3:relu:batch+affine:ce`, `tanh:layer`, `linear:mse:nobias`.
 *   widths   4-8-3 (input-hidden…-output)      act   relu | leaky | linear | tanh | poly<k>
 *   norm     none | batch | layer (+affine)     loss  mse | ce        bias | nobias
 * What a spec leaves out is sampled by `check`, and defaulted by `scan`.
 */
import type { ArchConstraints } from '../numeric/arbitraries';
import { UserInputError } from '../numeric/errors';
import { activation, type MlpSpec, type Activation, type Norm, type Loss } from '../numeric/mlp';

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
 * @throws {@link ArchError} on an unknown token or out-of-range widths or degree.
 *
 * @example
 * ```ts
 * import { check, loadCatalog, parseArch } from 'noether';
 * const arch = parseArch('4-8-3:tanh:layer+affine:mse');
 * // { widths: [4, 8, 3], acts: ['tanh'], norms: ['layer'], affine: true, losses: ['mse'] }
 * check(loadCatalog('scale')!, { arch, runs: 10 });
 * ```
 */
export function parseArch(text: string): ArchConstraints {
  const c: { -readonly [K in keyof ArchConstraints]: ArchConstraints[K] } = {};
  for (const raw of text.split(':')) {
    const t = raw.trim().toLowerCase();
    if (t === '') continue;
    let m: RegExpExecArray | null;
    if ((m = /^(\d+)(-\d+)+$/.exec(t))) {
      const ws = t.split('-').map(Number);
      if (ws.some((w) => w < 1 || w > 100000))
        throw new ArchError(`widths must be between 1 and 100000 in '${t}'`);
      c.widths = ws;
    } else if (['relu', 'leaky', 'linear', 'tanh'].includes(t)) c.acts = [t as Activation['kind']];
    else if ((m = /^poly(\d+)$/.exec(t))) {
      c.acts = ['poly'];
      c.degrees = [Number(m[1])];
      if (Number(m[1]) < 1 || Number(m[1]) > 9)
        throw new ArchError(`polynomial degree must be 1 to 9 in '${t}'`);
    } else if ((m = /^(none|batch|layer)(\+affine)?$/.exec(t))) {
      c.norms = [m[1] as Norm];
      if (m[2]) c.affine = true;
      else if (m[1] !== 'none') c.affine = false;
    } else if (t === 'mse' || t === 'ce') c.losses = [t as Loss];
    else if (t === 'bias' || t === 'nobias') c.bias = t === 'bias';
    else
      throw new ArchError(
        `unknown architecture token '${raw}' (widths like 4-8-3; relu, leaky, linear, tanh, poly<k>; ` +
          `none, batch, layer, +affine; mse, ce; bias, nobias)`,
      );
  }
  return c;
}

/**
 * A concrete architecture for {@link scan}: {@link parseArch}'s tokens with widths required and the
 * rest defaulted (relu, no normalisation, cross-entropy, biases).
 *
 * @param text - e.g. `'4-8-8-3:relu:ce'`.
 * @throws {@link ArchError} when the spec is malformed or has no widths.
 */
export function archSpec(text: string): MlpSpec {
  const c = parseArch(text);
  if (!c.widths) throw new ArchError(`scan needs widths, e.g. 4-8-3:${text || 'relu'}`);
  const kind = c.acts?.[0] ?? 'relu';
  const act = activation(kind, c.degrees?.[0] ?? 2);
  const norm = c.norms?.[0] ?? 'none';
  return {
    widths: c.widths,
    act,
    norm,
    affine: c.affine ?? false,
    loss: c.losses?.[0] ?? 'ce',
    bias: c.bias ?? true,
  };
}
