/**
 * A block-level symmetry's orbit through one network: every site of the declared kinds, each with
 * its own group parameter a_s (the group acting on the network is the product over sites), and, at
 * each site, what a teleport needs — the generator X_s(θ) (the derivation's word sums evaluated on
 * the site's views), the declared finite action ψ_s(θ, a), and the charge Q_s(θ) with its natural
 * scale. Nothing is specific to one symmetry: all of it is read from the declaration and its
 * derivation.
 */
import { UserInputError } from '../../numeric/errors';
import { mat } from '../../numeric/linalg';
import { type Network } from '../../numeric/mlp';
import { mlpSiteKinds, scatter, sitesOf, type Site } from '../../numeric/sites';
import type { NetworkCase } from '../../numeric/arbitraries';
import type { BlockDeclaration } from '../declaration/types';
import type { Derivation } from '../derivation';
import type { TraceSum, WordSum } from '../derive/words';
import { WordEvaluator, type Values } from '../check/bind';
import { caseValues, resolveDims, siteBlocks } from '../check/values';
import { chargeLaw, withFixedScalars } from '../evaluator/evaluator';
import { actOnBlock, type ActionValues } from './action';

/** A sparse parameter-sized vector: values at the given indices of θ, zero elsewhere. */
export interface SparseVector {
  readonly index: Int32Array;
  readonly value: Float64Array;
}

/** One site of the orbit: its label, its views, and the indices of θ it reads. */
export interface OrbitSite {
  readonly label: string;
  readonly site: Site;
  /** Every index of θ the site's blocks occupy (the union of its views). */
  readonly index: Int32Array;
}

/** A declaration's orbit through a network (see the module comment). */
export interface Orbit {
  readonly decl: BlockDeclaration;
  readonly derivation: Derivation;
  readonly net: Network;
  readonly sites: readonly OrbitSite[];
  /** For each site, the sites whose blocks share an index of θ with it (itself included). */
  readonly overlaps: readonly (readonly number[])[];
  /** X_s(θ) = ∂ψ_s(θ, a)/∂a at a = 0, from the derivation's generator. */
  readonly generator: (s: number, theta: Float64Array) => SparseVector;
  /** ψ_s(θ, a): θ with site s's blocks replaced by their images under the declared action (in place). */
  readonly act: (s: number, theta: Float64Array, a: number) => void;
  /** Q_s(θ) and its natural scale Σ|c|Π‖letter‖, or undefined when the derivation has no scalar charge. */
  readonly charge: (
    s: number,
    theta: Float64Array,
  ) => { readonly value: number; readonly scale: number } | undefined;
  /** The charge's statement, when there is one. */
  readonly chargeStatement?: string;
}

/** ⟨x, y⟩ for a sparse x and a dense y. */
export const sparseDot = (x: SparseVector, y: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < x.index.length; i++) s += x.value[i]! * y[x.index[i]!]!;
  return s;
};

/**
 * The orbit of a block-level declaration through a network: every site of the kinds it declares.
 *
 * @throws UserInputError when the declaration acts through a declared constant (a matrix group: its
 *   direction in the Lie algebra is not one parameter per site), depends on a scalar its sites do
 *   not fix, or has no site in this network.
 */
export function orbitOf(decl: BlockDeclaration, d: Derivation, net: Network, seed: number): Orbit {
  if (decl.constants.length > 0)
    throw new UserInputError(
      `${decl.name} acts through the constant ${decl.constants.map((c) => c.name).join(', ')} (a matrix ` +
        'group): teleport moves along one group parameter per site (rescale, scale, translation, homogeneity)',
    );
  withFixedScalars(decl, net, decl.name);
  const sites: OrbitSite[] = [];
  for (const kind of decl.sites)
    for (const site of sitesOf(net, kind)) {
      const index = Int32Array.from(decl.blocks.flatMap((b) => [...(site.views[b.name]?.index ?? [])]));
      sites.push({ label: site.label, site, index });
    }
  if (sites.length === 0)
    throw new UserInputError(
      `${decl.name} acts at ${mlpSiteKinds(decl.sites).join(', ')} sites, and this ${net.spec.widths.join('-')} ` +
        `${net.spec.act.kind} network has none (choose --arch accordingly)`,
    );
  const at = new Map<number, number[]>();
  sites.forEach((s, i) => s.index.forEach((k) => at.set(k, [...(at.get(k) ?? []), i])));
  const overlaps = sites.map((s) =>
    [...new Set([...s.index].flatMap((k) => at.get(k)!))].sort((x, y) => x - y),
  );

  const ev = new WordEvaluator();
  const context = sites.map((s) => {
    const c: NetworkCase = {
      spec: net.spec,
      net,
      theta: new Float64Array(net.size),
      batch: { X: mat(0, net.spec.widths[0]!), Y: mat(0, net.spec.widths.at(-1)!) },
      site: s.site,
      seed,
    };
    return { c, ...caseValues(decl, c, resolveDims(decl, c)) };
  });
  const values = (s: number, theta: Float64Array): Values & ActionValues => {
    const { c, consts, scalars } = context[s]!;
    return { blocks: siteBlocks(decl, c, theta), consts, scalars };
  };
  const components = d.generators[0]?.components ?? [];
  const generator = (s: number, theta: Float64Array): SparseVector => {
    const v = values(s, theta);
    const index: number[] = [];
    const value: number[] = [];
    for (const comp of components) {
      const view = sites[s]!.site.views[comp.target]!;
      const sum: WordSum = comp.sum ?? [];
      const m = ev.matrix(sum, v, view.rows, view.cols).value;
      index.push(...view.index);
      value.push(...m.data);
    }
    return { index: Int32Array.from(index), value: Float64Array.from(value) };
  };
  const act = (s: number, theta: Float64Array, a: number): void => {
    const v = values(s, theta);
    const images = decl.blocks.map((b) => [b.name, actOnBlock(decl, b.name, v, a)] as const);
    for (const [name, m] of images) scatter(theta, sites[s]!.site.views[name]!, m.data);
  };
  const law = chargeLaw(d);
  const sum: TraceSum | undefined = law && law.data.kind === 'trace' ? law.data.sum : undefined;
  const charge = (s: number, theta: Float64Array): { value: number; scale: number } | undefined => {
    if (!sum) return undefined;
    const r = ev.trace(sum, values(s, theta));
    return { value: r.value, scale: r.bound };
  };
  return {
    decl,
    derivation: d,
    net,
    sites,
    overlaps,
    generator,
    act,
    charge,
    ...(sum && law ? { chargeStatement: law.statement.text } : {}),
  };
}
