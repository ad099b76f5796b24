/**
 * Symmetry sites: where in an architecture each kind of symmetry acts, as named views into the
 * flat parameter vector. A view is a matrix whose entries are parameters (gathered by index), so
 * a block-level law evaluates on it whatever the width of the network.
 *
 * Site kinds and their roles (the block names a declaration binds):
 *   hidden-unit            w_in (incoming weights and bias, or γ, β after a normalisation), w_out (outgoing column)
 *                          — every hidden unit of a positively homogeneous activation (relu, leaky, linear)
 *   poly-unit              w_in, w_out; scalar k = the degree — every hidden unit of a z^k activation
 *   normalised-unit        theta (incoming weights and bias of a BatchNorm-ed unit)
 *   normalised-layer       theta (all weights and biases into a LayerNorm-ed layer)
 *   softmax-column         theta (the last weight matrix's column out of one unit) — softmax cross-entropy
 *   softmax-bias           theta (the output bias) — softmax cross-entropy
 *   bias-before-batchnorm  theta (one unit's bias before BatchNorm)
 *   bias-before-layernorm  theta (the bias vector before LayerNorm)
 *   linear-layer           W1 = [W_l | b_l], W2 = W_{l+1} — every hidden layer of a linear activation
 *   homogeneous-layer      W_in (row k = unit k's w_in as at hidden-unit: [W_l | b_l], or [γ | β] after a
 *                          normalisation), W_out = W_{l+1} — every hidden layer of a positively homogeneous
 *                          activation (the layer's hidden-unit sites at once)
 *   augmented-input        W1 (the first weight matrix), with a data set invariant under x ↦ e^{εA}x and
 *                          that A fixed by the site (built by numeric/arbitraries, not found in a network)
 *   odd-unit               w_in, w_out as for hidden-unit — every hidden unit of an odd activation
 * (tanh, linear, z^k for odd k)
 *   unit-pair              w_in1, w_out1, w_in2, w_out2 — two hidden units of one layer (incoming weights, bias and
 *                          normalisation γ, β; outgoing column), any elementwise activation
 *   (graph models, numeric/graph/sites.ts: attention-qk, attention-vo, key-bias, conv-channel,
 *   normalised-channel, channel-bias-before-batchnorm, residual-unit, graph-softmax-column, -bias,
 *   attention-bias-before-layernorm, residual-channel)
 *   product-layer          u (the first weight column), w (the second weight row) of a linear 1-h-1 network without
 *                          biases: f(x) = ⟨w, u⟩ x, a product parametrisation of one coefficient
 * On graph models (built in numeric/graph/sites.ts, roles there):
 *   attention-qk, attention-vo, key-bias, conv-channel — one head's or one channel's blocks
 *   head-pair              K1, Qt1, V1, O1, K2, Qt2, V2, O2 — two heads h1 < h2 of a transformer block, each
 *                          with the views of attention-qk and attention-vo
 *   channel-pair           w_in1, w_in2, w_out1, w_out2 — two output channels of one conv (kernel and bias; the
 *                          next conv's input slices or the output layer's columns), any elementwise activation
 *   odd-channel            w_in, w_out as for conv-channel — a conv channel of an odd activation (tanh, linear)
 */
import { type Network, blockOf } from './mlp';

/** The site kinds that live on MLPs (numeric/mlp.ts networks), in their order. */
export const MLP_SITE_KINDS = [
  'hidden-unit',
  'poly-unit',
  'normalised-unit',
  'normalised-layer',
  'softmax-column',
  'softmax-bias',
  'bias-before-batchnorm',
  'bias-before-layernorm',
  'linear-layer',
  'homogeneous-layer',
  'augmented-input',
  'odd-unit',
  'unit-pair',
  'product-layer',
] as const;

/** The site kinds that live on graph models (numeric/graph/sites.ts builds them), not on MLPs. */
export const GRAPH_SITE_KINDS = [
  'attention-qk',
  'attention-vo',
  'key-bias',
  'conv-channel',
  'normalised-channel',
  'channel-bias-before-batchnorm',
  'residual-unit',
  'graph-softmax-column',
  'graph-softmax-bias',
  'attention-bias-before-layernorm',
  'residual-channel',
  'head-pair',
  'channel-pair',
  'odd-channel',
] as const;
export type GraphSiteKind = (typeof GRAPH_SITE_KINDS)[number];

/**
 * Where in an architecture a kind of symmetry acts (a declaration's `sites:`): e.g. `'hidden-unit'`
 * (rescaling), `'softmax-column'` (translation), `'linear-layer'` (gl(n)). See this module's comment
 * for each kind's roles.
 */
// Spelled out, so the output schema lists it as one enum; the two lists above are checked against it below.
export type SiteKind =
  | 'hidden-unit'
  | 'poly-unit'
  | 'normalised-unit'
  | 'normalised-layer'
  | 'softmax-column'
  | 'softmax-bias'
  | 'bias-before-batchnorm'
  | 'bias-before-layernorm'
  | 'linear-layer'
  | 'homogeneous-layer'
  | 'augmented-input'
  | 'odd-unit'
  | 'unit-pair'
  | 'product-layer'
  // On graph models (numeric/graph/sites.ts), not on MLPs:
  | 'attention-qk'
  | 'attention-vo'
  | 'key-bias'
  | 'conv-channel'
  | 'normalised-channel'
  | 'channel-bias-before-batchnorm'
  | 'residual-unit'
  | 'graph-softmax-column'
  | 'graph-softmax-bias'
  | 'attention-bias-before-layernorm'
  | 'residual-channel'
  | 'head-pair'
  | 'channel-pair'
  | 'odd-channel';

// Compile-time: the two lists hold exactly the kinds of SiteKind (a kind missing from either side
// makes one of these types `never` and the assignment an error).
type Listed = (typeof MLP_SITE_KINDS)[number] | GraphSiteKind;
const everyKindListed: [Exclude<SiteKind, Listed>] extends [never] ? true : never = true;
const onlyKindsListed: [Exclude<Listed, SiteKind>] extends [never] ? true : never = true;
void everyKindListed;
void onlyKindsListed;

/** Every site kind: the MLPs', then the graph models'. */
export const SITE_KINDS: readonly SiteKind[] = [...MLP_SITE_KINDS, ...GRAPH_SITE_KINDS];

/** The site kinds among these that live on MLPs (numeric/mlp.ts networks), in their order. */
export const mlpSiteKinds = (kinds: readonly SiteKind[]): SiteKind[] =>
  kinds.filter((k) => !(GRAPH_SITE_KINDS as readonly SiteKind[]).includes(k));
export const isGraphSiteKind = (k: SiteKind): k is GraphSiteKind =>
  (GRAPH_SITE_KINDS as readonly string[]).includes(k);

/** A matrix of parameters: entry (i, j) is θ[index[i * cols + j]]. */
export interface View {
  readonly rows: number;
  readonly cols: number;
  readonly index: Int32Array;
}

/** One symmetry site: its kind, a label, its roles as views into θ, and the scalars and constants it fixes. */
export interface Site {
  readonly kind: SiteKind;
  /** Human-readable place, e.g. "layer 1, unit 3". */
  readonly label: string;
  readonly views: Readonly<Record<string, View>>;
  /** Scalars the site fixes (the degree k of a polynomial activation). */
  readonly scalars: Readonly<Record<string, number>>;
  /** Constant matrices the site fixes (the augmentation generator A), row-major. */
  readonly constants?: Readonly<
    Record<string, { readonly rows: number; readonly cols: number; readonly data: Float64Array }>
  >;
}

export function gather(theta: Float64Array, v: View): Float64Array {
  const out = new Float64Array(v.index.length);
  for (let i = 0; i < out.length; i++) out[i] = theta[v.index[i]!]!;
  return out;
}

export function scatter(into: Float64Array, v: View, values: ArrayLike<number>): void {
  for (let i = 0; i < v.index.length; i++) into[v.index[i]!] = values[i]!;
}

/** Row r of block name (as index list). */
const rowOf = (net: Network, name: string, r: number): number[] => {
  const b = blockOf(net, name);
  return Array.from({ length: b.cols }, (_, j) => b.offset + r * b.cols + j);
};
const colOf = (net: Network, name: string, c: number): number[] => {
  const b = blockOf(net, name);
  return Array.from({ length: b.rows }, (_, i) => b.offset + i * b.cols + c);
};
const allOf = (net: Network, name: string): number[] => {
  const b = blockOf(net, name);
  return Array.from({ length: b.rows * b.cols }, (_, i) => b.offset + i);
};
const vec = (idx: number[]): View => ({ rows: idx.length, cols: 1, index: Int32Array.from(idx) });

/**
 * The sites of one kind in one place of a network (a hidden layer, or the output layer): how many
 * there are, and the i-th of them, built only when asked for. A layer of n units has n(n − 1)/2
 * unit pairs; holding them all would take O(n³) memory per layer, asking for one takes O(n).
 */
export interface SiteGroup {
  readonly kind: SiteKind;
  /** Where, e.g. "layer 2" or "output layer". */
  readonly place: string;
  readonly count: number;
  /** Site i (0 ≤ i < count), in the order a scan lists them. */
  readonly site: (i: number) => Site;
}

/** The i-th pair (k1 < k2) of n units, pairs listed (0,1), (0,2)…, (1,2)… */
export function pairAt(n: number, i: number): readonly [number, number] {
  let k1 = 0;
  let rest = i;
  while (rest >= n - 1 - k1) {
    rest -= n - 1 - k1;
    k1++;
  }
  return [k1, k1 + 1 + rest];
}

/** The groups of sites of a hidden layer l. */
function layerGroups(net: Network, l: number): SiteGroup[] {
  const { spec } = net;
  const L = spec.widths.length - 1;
  const n = spec.widths[l]!;
  const out: SiteGroup[] = [];
  const place = `layer ${l}`;
  const group = (kind: SiteKind, count: number, site: (i: number) => Site): void => {
    if (count > 0) out.push({ kind, place, count, site });
  };
  const bias = (k: number): number[] => (spec.bias ? [blockOf(net, `b${l}`).offset + k] : []);
  const homogeneous =
    spec.act.kind === 'relu' ||
    spec.act.kind === 'leaky' ||
    spec.act.kind === 'linear' ||
    (spec.act.kind === 'poly' && spec.act.degree === 1);
  const odd =
    spec.act.kind === 'tanh' ||
    spec.act.kind === 'linear' ||
    (spec.act.kind === 'poly' && spec.act.degree % 2 === 1);
  // A unit's own parameters before the activation, as exchanged with another unit's.
  const unitIn = (k: number): number[] => [
    ...rowOf(net, `W${l}`, k),
    ...bias(k),
    ...(spec.norm !== 'none' && spec.affine
      ? [blockOf(net, `gamma${l}`).offset + k, blockOf(net, `beta${l}`).offset + k]
      : []),
  ];
  group('unit-pair', (n * (n - 1)) / 2, (i) => {
    const [k1, k2] = pairAt(n, i);
    return {
      kind: 'unit-pair',
      label: `layer ${l}, units ${k1 + 1} and ${k2 + 1}`,
      views: {
        w_in1: vec(unitIn(k1)),
        w_in2: vec(unitIn(k2)),
        w_out1: vec(colOf(net, `W${l + 1}`, k1)),
        w_out2: vec(colOf(net, `W${l + 1}`, k2)),
      },
      scalars: {},
    };
  });
  const product =
    L === 2 &&
    spec.widths[0] === 1 &&
    spec.widths[2] === 1 &&
    spec.act.kind === 'linear' &&
    spec.norm === 'none' &&
    !spec.bias;
  group('product-layer', product ? 1 : 0, () => ({
    kind: 'product-layer',
    label: 'hidden layer (β = ⟨w, u⟩)',
    views: { u: vec(allOf(net, 'W1')), w: vec(allOf(net, 'W2')) },
    scalars: {},
  }));
  // A unit's homogeneity acts on its incoming weights and bias, or on γ, β after a normalisation.
  const hasIn = spec.norm === 'none' || spec.affine;
  const unitIn1 = (k: number): number[] =>
    spec.norm === 'none'
      ? [...rowOf(net, `W${l}`, k), ...bias(k)]
      : [blockOf(net, `gamma${l}`).offset + k, blockOf(net, `beta${l}`).offset + k];
  const unitSite = (kind: SiteKind, scalars: Readonly<Record<string, number>>) => (k: number) => ({
    kind,
    label: `layer ${l}, unit ${k + 1}`,
    views: { w_in: vec(unitIn1(k)), w_out: vec(colOf(net, `W${l + 1}`, k)) },
    scalars,
  });
  group('hidden-unit', hasIn && homogeneous ? n : 0, unitSite('hidden-unit', {}));
  // The whole layer at once: row k of W_in is unit k's incoming block, W_out the next weight matrix.
  group('homogeneous-layer', hasIn && homogeneous ? 1 : 0, () => {
    const rows = Array.from({ length: n }, (_, k) => unitIn1(k));
    return {
      kind: 'homogeneous-layer',
      label: place,
      views: {
        W_in: { rows: n, cols: rows[0]!.length, index: Int32Array.from(rows.flat()) },
        W_out: { rows: spec.widths[l + 1]!, cols: n, index: Int32Array.from(allOf(net, `W${l + 1}`)) },
      },
      scalars: {},
    };
  });
  if (spec.act.kind === 'poly')
    group('poly-unit', hasIn ? n : 0, unitSite('poly-unit', { k: spec.act.degree }));
  group('odd-unit', hasIn && odd ? n : 0, unitSite('odd-unit', {}));
  const batch = spec.norm === 'batch';
  group('normalised-unit', batch ? n : 0, (k) => ({
    kind: 'normalised-unit',
    label: `layer ${l}, unit ${k + 1}`,
    views: { theta: vec([...rowOf(net, `W${l}`, k), ...bias(k)]) },
    scalars: {},
  }));
  group('bias-before-batchnorm', batch && spec.bias ? n : 0, (k) => ({
    kind: 'bias-before-batchnorm',
    label: `layer ${l}, unit ${k + 1}`,
    views: { theta: vec(bias(k)) },
    scalars: {},
  }));
  const layer = spec.norm === 'layer';
  group('normalised-layer', layer ? 1 : 0, () => ({
    kind: 'normalised-layer',
    label: place,
    views: { theta: vec([...allOf(net, `W${l}`), ...(spec.bias ? allOf(net, `b${l}`) : [])]) },
    scalars: {},
  }));
  group('bias-before-layernorm', layer && spec.bias ? 1 : 0, () => ({
    kind: 'bias-before-layernorm',
    label: place,
    views: { theta: vec(allOf(net, `b${l}`)) },
    scalars: {},
  }));
  group('linear-layer', spec.act.kind === 'linear' && spec.norm === 'none' ? 1 : 0, () => {
    const W = blockOf(net, `W${l}`);
    const idx: number[] = [];
    for (let i = 0; i < W.rows; i++) idx.push(...rowOf(net, `W${l}`, i), ...bias(i));
    return {
      kind: 'linear-layer',
      label: place,
      views: {
        W1: { rows: W.rows, cols: W.cols + (spec.bias ? 1 : 0), index: Int32Array.from(idx) },
        W2: { rows: spec.widths[l + 1]!, cols: n, index: Int32Array.from(allOf(net, `W${l + 1}`)) },
      },
      scalars: {},
    };
  });
  return out;
}

/** The groups of sites at the output layer (softmax translations). */
function outputGroups(net: Network): SiteGroup[] {
  const { spec } = net;
  if (spec.loss !== 'ce') return [];
  const L = spec.widths.length - 1;
  const place = 'output layer';
  const out: SiteGroup[] = [
    {
      kind: 'softmax-column',
      place,
      count: spec.widths[L - 1]!,
      site: (k) => ({
        kind: 'softmax-column',
        label: `output layer, column ${k + 1}`,
        views: { theta: vec(colOf(net, `W${L}`, k)) },
        scalars: {},
      }),
    },
  ];
  if (spec.bias)
    out.push({
      kind: 'softmax-bias',
      place,
      count: 1,
      site: () => ({
        kind: 'softmax-bias',
        label: 'output bias',
        views: { theta: vec(allOf(net, `b${L}`)) },
        scalars: {},
      }),
    });
  return out;
}

/**
 * The symmetry sites of a network, grouped by kind and place (layer by layer, then the output
 * layer), optionally of one kind only. Counting them costs nothing; each site is built on demand.
 */
export function siteGroups(net: Network, kind?: SiteKind): SiteGroup[] {
  const L = net.spec.widths.length - 1;
  const all: SiteGroup[] = [];
  for (let l = 1; l < L; l++) all.push(...layerGroups(net, l));
  all.push(...outputGroups(net));
  return kind === undefined ? all : all.filter((g) => g.kind === kind);
}

/** How many sites of a kind a network has. */
export function siteCount(net: Network, kind: SiteKind): number {
  return siteGroups(net, kind).reduce((s, g) => s + g.count, 0);
}

/** The i-th site of a kind (0 ≤ i < siteCount), in the order a scan lists them. */
export function siteAt(net: Network, kind: SiteKind, i: number): Site {
  let rest = i;
  for (const g of siteGroups(net, kind)) {
    if (rest < g.count) return g.site(rest);
    rest -= g.count;
  }
  throw new RangeError(`${kind} site ${i} of ${siteCount(net, kind)}`);
}

/** Every site of a kind, built one at a time as the caller goes (a small network's whole list). */
export function* sitesOf(net: Network, kind: SiteKind): Generator<Site> {
  for (const g of siteGroups(net, kind)) for (let i = 0; i < g.count; i++) yield g.site(i);
}

/** The roles (block names) each site kind offers, and the scalars it fixes. */
export const SITE_ROLES: Readonly<Record<SiteKind, readonly string[]>> = {
  'hidden-unit': ['w_in', 'w_out'],
  'poly-unit': ['w_in', 'w_out'],
  'normalised-unit': ['theta'],
  'normalised-layer': ['theta'],
  'softmax-column': ['theta'],
  'softmax-bias': ['theta'],
  'bias-before-batchnorm': ['theta'],
  'bias-before-layernorm': ['theta'],
  'linear-layer': ['W1', 'W2'],
  'homogeneous-layer': ['W_in', 'W_out'],
  'augmented-input': ['W1'],
  'odd-unit': ['w_in', 'w_out'],
  'unit-pair': ['w_in1', 'w_in2', 'w_out1', 'w_out2'],
  'product-layer': ['u', 'w'],
  'attention-qk': ['K', 'Qt'],
  'attention-vo': ['V', 'O'],
  'key-bias': ['theta'],
  'conv-channel': ['w_in', 'w_out'],
  'normalised-channel': ['theta'],
  'channel-bias-before-batchnorm': ['theta'],
  'residual-unit': ['w_in', 'w_out'],
  'graph-softmax-column': ['theta'],
  'graph-softmax-bias': ['theta'],
  'attention-bias-before-layernorm': ['theta'],
  'residual-channel': ['w_in', 'w_out'],
  'head-pair': ['K1', 'Qt1', 'V1', 'O1', 'K2', 'Qt2', 'V2', 'O2'],
  'channel-pair': ['w_in1', 'w_in2', 'w_out1', 'w_out2'],
  'odd-channel': ['w_in', 'w_out'],
};
