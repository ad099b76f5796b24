/**
 * A mirror on one sampled case (src/check/reflection.ts): the distance from the symmetric set,
 * offSet(v) = ‖(v − Rv)/2‖ over the site's indices, read without forming Rv, must be that norm of the
 * full reflection to the bit — also when two blocks' views share indices (a later block's image
 * replaces an earlier one's there, as reflect's scatters leave it).
 */
import fc from 'fast-check';
import { loadCatalog } from '../../src/catalog';
import { reflectionSums } from '../../src/mirror/deriveBlock';
import { caseReflection } from '../../src/check/reflection';
import type { BlockMirrorDeclaration, Declaration } from '../../src/declaration/types';
import { siteCase, type NetworkCase } from '../../numeric/arbitraries';
import type { SiteKind } from '../../numeric/sites';
import { norm2Of } from '../../numeric/linalg';
import { rng } from '../../numeric/rng';

const blockMirror = (name: string): BlockMirrorDeclaration => {
  const d = loadCatalog(name) as Declaration;
  if (d.kind !== 'block-mirror') throw new Error(`${name} is not a block-level mirror`);
  return d;
};

/** ‖(v − Rv)/2‖ over the site's indices, from the full reflection. */
const fromReflect = (R: ReturnType<typeof caseReflection>, v: Float64Array): number => {
  const r = R.reflect(v);
  return norm2Of(R.indices.length, (k) => (v[R.indices[k]!]! - r[R.indices[k]!]!) / 2);
};

const vectorLike = (c: NetworkCase, seed: number): Float64Array => {
  const v = new Float64Array(c.theta.length);
  rng(seed).fillNormal(v, 0, v.length);
  return v;
};

describe('offSet reads Rv at the site without forming it', () => {
  it.each([
    ['unit-swap', 'unit-pair'],
    ['unit-sign-flip', 'odd-unit'],
    ['product-swap', 'product-layer'],
    ['rotation-reflection', 'linear-layer'],
  ] as const)('%s at %s sites: the same bits as ‖(v − Rv)/2‖ of the full reflection', (name, kind) => {
    const decl = blockMirror(name);
    const cases = fc.sample(siteCase(kind as SiteKind), { seed: 5, numRuns: 8 });
    for (const c of cases) {
      const R = caseReflection(decl, reflectionSums(decl), c);
      for (const v of [c.theta, vectorLike(c, c.seed), R.project(c.theta)])
        expect(R.offSet(v)).toBe(fromReflect(R, v));
    }
  });

  it('blocks whose views overlap: the later block wins at shared indices, as in reflect', () => {
    const decl = blockMirror('unit-swap');
    // A unit whose fan-in and fan-out are the same length, so that w_out1 can be given w_in1's view.
    const c = fc
      .sample(siteCase('unit-pair', { widths: [3, 5, 3, 2] }), { seed: 9, numRuns: 20 })
      .find((x) => x.site.views['w_in1']!.index.length === x.site.views['w_out1']!.index.length);
    expect(c).toBeDefined();
    const views = c!.site.views;
    // At w_in1's indices reflect writes R's w_in1 image (w_in2's entries), then its w_out1 image
    // (w_out2's entries), which stays: offSet must read the second.
    const overlapping: NetworkCase = {
      ...c!,
      site: { ...c!.site, views: { ...views, w_out1: views['w_in1']! } },
    };
    const R = caseReflection(decl, reflectionSums(decl), overlapping);
    expect(R.indices.length).toBeLessThan(Object.values(views).reduce((s, v) => s + v.index.length, 0));
    for (const v of [c!.theta, vectorLike(c!, 3)]) expect(R.offSet(v)).toBe(fromReflect(R, v));
  });
});
