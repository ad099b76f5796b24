/**
 * A sampled case's values for a declaration's letters: each block read from a parameter-sized
 * vector, symbolic dimensions resolved against the site's views, and the constants and scalars
 * drawn for the case (random matrices of the declared structure, a random rank-one projector).
 */
import { UserInputError } from '../../numeric/errors';
import { type Mat, mat } from '../../numeric/linalg';
import { rng } from '../../numeric/rng';
import { gather, type View } from '../../numeric/sites';
import type { Site } from '../../numeric/sites';
import type { BlockShaped, Shape } from '../declaration/types';
import { InputError } from '../declaration/errors';

/**
 * What a case's letters are read from: its site and seed, and what it is sampled on (an MLP's spec,
 * or a graph model's architecture in words) for messages. Network and graph cases both are one.
 */
export interface SiteSample {
  readonly site: Site;
  readonly seed: number;
  readonly spec?: { readonly widths: readonly number[] };
  readonly architecture?: string;
}
const onWhat = (c: SiteSample): string =>
  c.spec ? `a ${c.spec.widths.join('-')} network` : `a ${c.architecture ?? 'sampled'} model`;

export const dimsOf = (s: Shape): [string, string] =>
  s.kind === 'scalar' ? ['1', '1'] : s.kind === 'vector' ? [s.n, '1'] : [s.rows, s.cols];
export const toMat = (v: View, data: Float64Array): Mat => mat(v.rows, v.cols, data);

/** Each declared block of the site, read from a full parameter-sized vector (θ, ∇L, a bound, an update). */
export function siteBlocks(decl: BlockShaped, c: SiteSample, vector: Float64Array): Record<string, Mat> {
  return Object.fromEntries(
    decl.blocks.map((b) => [b.name, toMat(c.site.views[b.name]!, gather(vector, c.site.views[b.name]!))]),
  );
}

/** Resolve symbolic dimensions against a site's views. */
export function resolveDims(decl: BlockShaped, c: SiteSample): Map<string, number> {
  const dims = new Map<string, number>();
  for (const b of decl.blocks) {
    const view = c.site.views[b.name];
    if (!view) throw new InputError(decl.origin, 'sites', `site kind ${c.site.kind} has no role '${b.name}'`);
    const [r, k] = dimsOf(b.shape);
    for (const [d, n] of [
      [r, view.rows],
      [k, view.cols],
    ] as const) {
      const fixed = /^\d+$/.test(d) ? Number(d) : dims.get(d);
      if (fixed !== undefined && fixed !== n)
        throw new InputError(
          decl.origin,
          `blocks.${b.name}`,
          `shape ${b.shape.kind} does not fit the ${c.site.kind} site (${view.rows}×${view.cols})`,
        );
      if (!/^\d+$/.test(d)) dims.set(d, n);
    }
  }
  return dims;
}

/**
 * The largest matrix a check forms: a constant such as gl's E at a linear-layer site is n × n for a
 * layer of n units, as is a matrix law's value (W1 W1ᵀ). 2·10⁷ float64 entries are 160 MB.
 */
export const CHECK_LIMITS = { matrixEntries: 20_000_000 } as const;

/** Refuse (as input: the --arch is too wide for the law) a matrix of more entries than CHECK_LIMITS allows. */
export function withinMatrixLimit(what: string, rows: number, cols: number, site: string): void {
  if (rows * cols > CHECK_LIMITS.matrixEntries)
    throw new UserInputError(
      `${what} is ${rows}×${cols} at ${site}: above the ${CHECK_LIMITS.matrixEntries} entries a check forms ` +
        `(use narrower --arch widths)`,
    );
}

/** Values of the declaration's constants and scalars for one case. */
export function caseValues(
  decl: BlockShaped,
  c: SiteSample,
  dims: Map<string, number>,
): { consts: Record<string, Mat>; scalars: Record<string, number> } {
  const r = rng(c.seed ^ 0x5bd1e995);
  const consts: Record<string, Mat> = {};
  for (const k of decl.constants) {
    const fixed = c.site.constants?.[k.name];
    if (fixed) {
      consts[k.name] = mat(fixed.rows, fixed.cols, Float64Array.from(fixed.data));
      continue;
    }
    const [a, b] = dimsOf(k.shape).map((d) => (/^\d+$/.test(d) ? Number(d) : dims.get(d)));
    if (a === undefined || b === undefined)
      throw new InputError(decl.origin, `constants.${k.name}`, 'its shape uses a dimension no block fixes');
    withinMatrixLimit(`constant ${k.name}`, a, b, `${c.site.kind} sites of ${onWhat(c)}`);
    const m = mat(a, b);
    if (k.structure === 'projector') {
      // A random rank-one orthogonal projector v vᵀ, ‖v‖ = 1.
      const v = Array.from({ length: a }, () => r.normal());
      const nv = Math.hypot(...v);
      for (let i = 0; i < a; i++) for (let j = 0; j < a; j++) m.data[i * a + j] = (v[i]! * v[j]!) / (nv * nv);
      consts[k.name] = m;
      continue;
    }
    for (let i = 0; i < m.data.length; i++) m.data[i] = r.normal();
    if (k.structure !== 'general') {
      for (let i = 0; i < a; i++)
        for (let j = 0; j < i; j++) {
          const [x, y] = [m.data[i * b + j]!, m.data[j * b + i]!];
          const s = k.structure === 'symmetric' ? (x + y) / 2 : (x - y) / 2;
          m.data[i * b + j] = s;
          m.data[j * b + i] = k.structure === 'symmetric' ? s : -s;
        }
      if (k.structure === 'antisymmetric') for (let i = 0; i < a; i++) m.data[i * b + i] = 0;
    }
    consts[k.name] = m;
  }
  const scalars: Record<string, number> = {};
  for (const s of decl.scalars) scalars[s] = c.site.scalars[s] ?? 0.5 + 2.5 * r.next();
  return { consts, scalars };
}
