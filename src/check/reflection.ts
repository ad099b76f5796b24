/**
 * A block-level mirror on one sampled case: the involution R evaluated from its word sums on the
 * site's blocks as a map on full parameter vectors, the projection onto the symmetric set, the
 * distance from it, an orthonormal basis of the reflected directions and OᵀHO from Hessian-vector
 * products.
 */
import { dot, norm2Of, orthonormal } from '../../numeric/linalg';
import { scatter } from '../../numeric/sites';
import type { BlockMirrorDeclaration } from '../declaration/types';
import type { ReflectionSums } from '../mirror/deriveBlock';
import { WordEvaluator } from './bind';
import { resolveDims, caseValues, siteBlocks, type SiteSample } from './values';

/** The involution on full parameter vectors of one case (identity outside the site). */
export interface CaseReflection {
  readonly reflect: (v: Float64Array) => Float64Array;
  /** (v + Rv)/2: the projection onto the symmetric set. */
  readonly project: (v: Float64Array) => Float64Array;
  /** ‖(v − Rv)/2‖ = ‖Oᵀv‖. */
  readonly offSet: (v: Float64Array) => number;
  /** Parameter indices the site's views cover. */
  readonly indices: readonly number[];
}

export function caseReflection(
  decl: BlockMirrorDeclaration,
  sums: ReflectionSums,
  c: SiteSample,
): CaseReflection {
  const dims = resolveDims(decl, c);
  const { consts, scalars } = caseValues(decl, c, dims);
  const ev = new WordEvaluator();
  /** Each block's image under R, computed from v's blocks, in block order. */
  const images = (v: Float64Array): Float64Array[] => {
    const blocks = siteBlocks(decl, c, v);
    return decl.blocks.map((b) => {
      const view = c.site.views[b.name]!;
      return ev.matrix(sums.get(b.name)!, { blocks, consts, scalars }, view.rows, view.cols).value.data;
    });
  };
  const reflect = (v: Float64Array): Float64Array => {
    const out = Float64Array.from(v);
    images(v).forEach((data, i) => scatter(out, c.site.views[decl.blocks[i]!.name]!, data));
    return out;
  };
  const indices = [...new Set(decl.blocks.flatMap((b) => [...c.site.views[b.name]!.index]))];
  // Which image entry reflect leaves at each site index: the last block's to write it (scatters run
  // in block order). offSet reads Rv there without forming Rv.
  const at = new Map(indices.map((x, k) => [x, k]));
  const lastBlock = new Int32Array(indices.length);
  const lastEntry = new Int32Array(indices.length);
  decl.blocks.forEach((b, bi) =>
    c.site.views[b.name]!.index.forEach((x, j) => {
      const k = at.get(x)!;
      lastBlock[k] = bi;
      lastEntry[k] = j;
    }),
  );
  return {
    reflect,
    project: (v) => {
      const r = reflect(v);
      // a loop: a typed array's map calls its callback per entry (7× slower at 9000 entries)
      const out = new Float64Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = (v[i]! + r[i]!) / 2;
      return out;
    },
    offSet: (v) => {
      const img = images(v);
      return norm2Of(indices.length, (k) => (v[indices[k]!]! - img[lastBlock[k]!]![lastEntry[k]!]!) / 2);
    },
    indices,
  };
}

/**
 * Orthonormal basis of the reflected directions of a case ((e_j − R e_j)/2 over the site's
 * indices), as full parameter vectors.
 */
export function reflectedBasis(R: CaseReflection, size: number): Float64Array[] {
  return orthonormal(
    R.indices.map((j) => {
      const e = new Float64Array(size);
      e[j] = 1;
      const r = R.reflect(e);
      return e.map((x, i) => (x - r[i]!) / 2);
    }),
  );
}

/** OᵀHO for an orthonormal O, from one Hessian-vector product per column (symmetrised against rounding). */
export function projectedHessian(
  O: readonly Float64Array[],
  hv: (v: Float64Array) => Float64Array,
): number[][] {
  const HO = O.map(hv);
  return O.map((a, i) => O.map((_, j) => (dot(a, HO[j]!) + dot(O[j]!, HO[i]!)) / 2));
}
