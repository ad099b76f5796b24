/**
 * Symmetry sites of graph models (numeric/graph/models.ts) and the fast-check cases a check samples
 * them on. Views are index matrices into θ, as for MLP sites (numeric/sites.ts), so a block-level
 * declaration's laws evaluate on them unchanged.
 *
 * Site kinds and their roles (W̃: a weight matrix with its bias as a last column):
 *   attention-qk   K = W̃_K,h (d_head × (d+1)), Qt = W̃_Q,hᵀ ((d+1) × d_head) — one head of a transformer
 *                  block: the scores of head h are X̃ Qt K X̃ᵀ/√d_head, unchanged by Qt ↦ Qt A⁻¹, K ↦ A K
 *   attention-vo   V = W̃_V,h (d_head × (d+1)), O = W_O[:, head h] (d × d_head) — the head's output is
 *                  P X̃ (O V)ᵀ, unchanged by V ↦ A V, O ↦ O A⁻¹
 *   key-bias       theta = b_K,h (d_head) — adding c to every key adds q·c to every score of a row
 *   conv-channel   w_in (a conv's kernel of output channel o, and its bias), w_out (the next conv's
 *                  kernel slice of input channel o, or the output layer's column o) — a channel of a
 *                  positively homogeneous activation without BatchNorm
 *   normalised-channel             theta (a conv's kernel of output channel o, and its bias) — before BatchNorm
 *   channel-bias-before-batchnorm  theta (the bias of output channel o) — before BatchNorm
 *   residual-channel  w_in (K_a's output channel o and its bias), w_out (K_b's input channel o) — a channel
 *                  inside a residual block x + K_b ∗ σ(K_a ∗ x + b_a) + b_b of a CNN, σ positively homogeneous
 *   residual-unit  w_in ([row k of W_a | b_a,k]), w_out (column k of W_b) — hidden unit k of a residual
 *                  branch h + W_b σ(W_a h + b_a) + b_b with σ positively homogeneous (a residual MLP's
 *                  blocks, a transformer block's MLP)
 *   attention-bias-before-layernorm  theta (b_O, the attention output's bias) — a transformer block with
 *                  LayerNorm after the attention's residual sum
 *   graph-softmax-column, graph-softmax-bias   theta (a column of the output layer W_out, or b_out) — under
 *                  softmax cross-entropy
 *   head-pair      K1, Qt1, V1, O1, K2, Qt2, V2, O2 — two heads h1 < h2 of a transformer block, each with
 *                  the views attention-qk and attention-vo build: exchanging all four blocks of the two
 *                  heads permutes the concatenated head outputs, and W_O's column blocks undo it
 *   channel-pair   w_in1, w_in2, w_out1, w_out2 — two output channels of one conv, each as conv-channel
 *                  builds it (with BatchNorm, w_in also holds the channel's γ, β); exchanging them leaves a
 *                  CNN of any elementwise activation unchanged
 *   odd-channel    w_in, w_out as for conv-channel (after BatchNorm, w_in is the channel's γ, β instead) —
 *                  a channel of an odd activation (tanh, linear), where (w_in, w_out) ↦ (−w_in, −w_out)
 *                  leaves the CNN unchanged
 */
import fc from 'fast-check';
import { rng, type Rng } from '../rng';
import { pairAt, type Site, type SiteGroup, type View } from '../sites';
import type { Graph, GraphData } from './graph';
import {
  type CnnSpec,
  cnnGraph,
  convSide,
  defaultPad,
  type ResidualSpec,
  residualGraph,
  type TransformerSpec,
  transformerGraph,
} from './models';
import { NoSuchSite } from '../errors';
import { type GraphConstraints, RANGE } from './constraints';
import type { GraphActivation } from './ops';
import { sizeOf } from './shape';

import { type GraphSiteKind, isGraphSiteKind } from '../sites';

export { type GraphSiteKind, isGraphSiteKind };
export type { GraphConstraints };

/** A fixed value, or the arbitrary of a free one. */
const either = <T>(fixed: T | undefined, free: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fixed === undefined ? free : fc.constant(fixed);

/** A sampled graph model at one of its sites: parameters, data and the site. */
export interface GraphCase {
  readonly kind: 'graph';
  readonly graph: Graph;
  readonly theta: Float64Array;
  readonly data: GraphData;
  readonly site: Site;
  /** The seed of parameters and data. */
  readonly seed: number;
  /** The architecture in words (for counterexamples). */
  readonly architecture: string;
}

function block(g: Graph, name: string): { offset: number; shape: readonly number[] } {
  const p = g.params.find((q) => q.name === name);
  if (!p) throw new Error(`internal: the graph has no parameter ${name}`);
  return p;
}
const view = (rows: number, cols: number, at: (i: number, j: number) => number): View => {
  const index = new Int32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) index[i * cols + j] = at(i, j);
  return { rows, cols, index };
};

/** W̃ of head h of a [H·dh, d] weight and its [H·dh] bias: dh × (d + 1), the bias as last column. */
function headWeights(g: Graph, w: string, b: string, h: number, dh: number): View {
  const W = block(g, w),
    B = block(g, b);
  const d = W.shape[1]!;
  return view(dh, d + 1, (i, j) => (j < d ? W.offset + (h * dh + i) * d + j : B.offset + h * dh + i));
}
const transposed = (v: View): View => view(v.cols, v.rows, (i, j) => v.index[j * v.cols + i]!);

/** The sites of one kind on a transformer block with `heads` heads of dimension `dh`. */
function attentionSite(kind: GraphSiteKind, g: Graph, s: TransformerSpec, h: number): Site {
  const dh = s.headDim;
  const label = `head ${h + 1}`;
  switch (kind) {
    case 'attention-qk':
      return {
        kind,
        label,
        views: {
          K: headWeights(g, 'W_K', 'b_K', h, dh),
          Qt: transposed(headWeights(g, 'W_Q', 'b_Q', h, dh)),
        },
        scalars: {},
      };
    case 'attention-vo': {
      const O = block(g, 'W_O');
      const width = s.heads * dh;
      return {
        kind,
        label,
        views: {
          V: headWeights(g, 'W_V', 'b_V', h, dh),
          O: view(s.dim, dh, (i, j) => O.offset + i * width + h * dh + j),
        },
        scalars: {},
      };
    }
    case 'key-bias': {
      const B = block(g, 'b_K');
      return { kind, label, views: { theta: view(dh, 1, (i) => B.offset + h * dh + i) }, scalars: {} };
    }
    default:
      throw new Error(`internal: ${kind} is not an attention site`);
  }
}

/** Channel o of conv i (0-based) of a CNN without BatchNorm. */
function channelSite(g: Graph, s: CnnSpec, i: number, o: number, mirror?: 'exchange' | 'flip'): Site {
  const K = block(g, `conv${i + 1}`),
    b = block(g, `cb${i + 1}`);
  const per = sizeOf(K.shape, 1);
  const bn = (name: string): number => block(g, `${name}${i + 1}`).offset + o;
  const kernel = [...Array.from({ length: per }, (_, j) => K.offset + o * per + j), b.offset + o];
  // After BatchNorm with γ, β, an exchanged channel takes its γ, β along, and a flipped one flips γ, β
  // alone, (−γ)n + (−β) = −(γn + β): on its symmetric set (γ = β = 0) BatchNorm's input keeps its
  // spread, where flipping the kernel would zero it and BatchNorm (ε = 0) be undefined.
  const affine = s.batchNorm && s.affine === true;
  const win =
    mirror === 'flip' && affine
      ? [bn('gamma'), bn('beta')]
      : mirror === 'exchange' && affine
        ? [...kernel, bn('gamma'), bn('beta')]
        : kernel;
  let wout: number[];
  if (i + 1 < s.convs.length) {
    const N = block(g, `conv${i + 2}`);
    const [O2, C2, kh, kw] = N.shape as [number, number, number, number];
    wout = [];
    for (let p = 0; p < O2; p++)
      for (let t = 0; t < kh * kw; t++) wout.push(N.offset + (p * C2 + o) * kh * kw + t);
  } else {
    const W = block(g, 'W_out');
    const C = W.shape[1]!;
    wout = Array.from({ length: W.shape[0]! }, (_, p) => W.offset + p * C + o);
  }
  const vec = (idx: number[]): View => ({ rows: idx.length, cols: 1, index: Int32Array.from(idx) });
  const label = `conv ${i + 1}, channel ${o + 1}`;
  return { kind: 'conv-channel', label, views: { w_in: vec(win), w_out: vec(wout) }, scalars: {} };
}

/** Parameters (Gaussian, scaled by fan-in) and data (Gaussian inputs; one-hot or Gaussian targets). */
function sampleCase(g: Graph, seed: number, ce: boolean): { theta: Float64Array; data: GraphData } {
  const r = rng(seed);
  const theta = new Float64Array(g.size);
  for (const p of g.params) {
    const fan = p.shape.length > 1 ? sizeOf(p.shape, 1) : 1;
    const scale = Math.exp((r.next() - 0.5) * Math.log(10)) / Math.sqrt(fan);
    r.fillNormal(theta, p.offset, p.offset + sizeOf(p.shape), scale);
  }
  return { theta, data: sampleGraphData(g, r, ce) };
}

/** A batch of a graph's data shape: Gaussian inputs; one-hot (cross-entropy) or Gaussian targets. */
export function sampleGraphData(g: Graph, r: Rng, ce: boolean): GraphData {
  const x = new Float64Array(sizeOf(g.input));
  r.fillNormal(x, 0, x.length);
  const rows = g.target[0]!,
    cols = sizeOf(g.target) / rows;
  const y = new Float64Array(sizeOf(g.target));
  for (let i = 0; i < rows; i++)
    if (ce) y[i * cols + r.int(cols)] = 1;
    else for (let j = 0; j < cols; j++) y[i * cols + j] = r.normal();
  return { x, y };
}

const actName = (a: GraphActivation): string => (a.kind === 'poly' ? `poly${a.degree}` : a.kind);

/** A graph model the site kinds live on, with its spec. */
export type GraphModel =
  | { readonly kind: 'transformer'; readonly spec: TransformerSpec }
  | { readonly kind: 'cnn'; readonly spec: CnnSpec }
  | { readonly kind: 'residual'; readonly spec: ResidualSpec };

/** The graph of a model. */
export function graphOf(m: GraphModel): Graph {
  switch (m.kind) {
    case 'transformer':
      return transformerGraph(m.spec);
    case 'cnn':
      return cnnGraph(m.spec);
    case 'residual':
      return residualGraph(m.spec);
  }
}

/** A model in words (for scans and counterexamples). */
export function describeGraphModel(m: GraphModel): string {
  switch (m.kind) {
    case 'transformer': {
      const s = m.spec;
      return (
        `transformer block N${s.batch} T${s.tokens} d${s.dim} ${s.heads}×${s.headDim} heads f${s.hidden} ` +
        `${actName(s.act)}${s.causal ? ' causal' : ''}${s.layerNorm ? ' layernorm' : ''} o${s.outputs} ${s.loss}`
      );
    }
    case 'cnn': {
      const s = m.spec;
      const convs = s.convs.map((c) => `${c.channels}@${c.k}/${c.stride}`).join(',');
      const blocks = s.blocks ? ` ${s.blocks} residual block${s.blocks > 1 ? 's' : ''}` : '';
      const norm = s.batchNorm ? (s.affine ? ' batchnorm+affine' : ' batchnorm') : '';
      const pool = s.pool > 1 ? ` pool ${s.pool}` : '';
      const head = `${actName(s.act)} o${s.classes} ${s.loss}`;
      return `CNN ${s.input.join('×')} convs ${convs}${norm}${pool}${blocks} ${head}`;
    }
    case 'residual': {
      const s = m.spec;
      return (
        `residual MLP N${s.batch} ${s.inputs}-${s.width}-${s.outputs} ${s.blocks} blocks f${s.hidden} ` +
        `${actName(s.act)} ${s.loss}`
      );
    }
  }
}

/** Positively homogeneous activations: a unit's rescaling passes through them. */
const homogeneous = (a: GraphActivation): boolean =>
  a.kind === 'relu' || a.kind === 'leaky' || a.kind === 'linear' || (a.kind === 'poly' && a.degree === 1);

/** Hidden unit k of a dense pair W_a [hidden, width] (+ b_a) → W_b [width, hidden]: rescale roles. */
function unitSite(g: Graph, a: string, b: string, out: string, k: number, label: string): Site {
  const Wa = block(g, a),
    ba = block(g, b),
    Wb = block(g, out);
  const width = Wa.shape[1]!,
    hidden = Wa.shape[0]!;
  return {
    kind: 'residual-unit',
    label,
    views: {
      w_in: view(width + 1, 1, (i) => (i < width ? Wa.offset + k * width + i : ba.offset + k)),
      w_out: view(Wb.shape[0]!, 1, (i) => Wb.offset + i * hidden + k),
    },
    scalars: {},
  };
}

/** The output layer's sites under softmax cross-entropy: a column of W_out, or b_out. */
function softmaxGroups(g: Graph, loss: 'ce' | 'mse'): SiteGroup[] {
  if (loss !== 'ce') return [];
  const W = block(g, 'W_out'),
    b = block(g, 'b_out');
  const [classes, C] = W.shape as [number, number];
  const place = 'output layer';
  return [
    {
      kind: 'graph-softmax-column',
      place,
      count: C,
      site: (j) => ({
        kind: 'graph-softmax-column',
        label: `output column ${j + 1}`,
        views: { theta: view(classes, 1, (i) => W.offset + i * C + j) },
        scalars: {},
      }),
    },
    {
      kind: 'graph-softmax-bias',
      place,
      count: 1,
      site: () => ({
        kind: 'graph-softmax-bias',
        label: 'output bias',
        views: { theta: view(classes, 1, (i) => b.offset + i) },
        scalars: {},
      }),
    },
  ];
}

/** The k-th pair of output channels (o1 < o2) of conv i of a CNN, each with its BatchNorm γ, β when it has them. */
function channelPair(g: Graph, s: CnnSpec, i: number, k: number): Site {
  const [o1, o2] = pairAt(s.convs[i]!.channels, k);
  const a = channelSite(g, s, i, o1, 'exchange').views,
    b = channelSite(g, s, i, o2, 'exchange').views;
  return {
    kind: 'channel-pair',
    label: `conv ${i + 1}, channels ${o1 + 1} and ${o2 + 1}`,
    views: { w_in1: a.w_in!, w_in2: b.w_in!, w_out1: a.w_out!, w_out2: b.w_out! },
    scalars: {},
  };
}

/** Channel o inside residual block i of a CNN: K_a's output channel (and bias), K_b's input channel. */
function residualChannel(g: Graph, i: number, o: number): Site {
  const Ka = block(g, `rconv${i}a`),
    ba = block(g, `rcb${i}a`),
    Kb = block(g, `rconv${i}b`);
  const C = Ka.shape[0]!,
    per = C * 9;
  return {
    kind: 'residual-channel',
    label: `residual block ${i}, channel ${o + 1}`,
    views: {
      w_in: view(per + 1, 1, (j) => (j < per ? Ka.offset + o * per + j : ba.offset + o)),
      w_out: view(C * 9, 1, (j) => Kb.offset + (Math.floor(j / 9) * C + o) * 9 + (j % 9)),
    },
    scalars: {},
  };
}

/** Channel o of conv i of a CNN with BatchNorm: its kernel and bias (scale), or its bias alone (translation). */
function normalisedChannel(g: Graph, i: number, o: number, biasOnly: boolean): Site {
  const K = block(g, `conv${i + 1}`),
    b = block(g, `cb${i + 1}`);
  const per = sizeOf(K.shape, 1);
  const label = `conv ${i + 1}, channel ${o + 1}`;
  if (biasOnly)
    return {
      kind: 'channel-bias-before-batchnorm',
      label,
      views: { theta: view(1, 1, () => b.offset + o) },
      scalars: {},
    };
  return {
    kind: 'normalised-channel',
    label,
    views: { theta: view(per + 1, 1, (j) => (j < per ? K.offset + o * per + j : b.offset + o)) },
    scalars: {},
  };
}

/**
 * The symmetry sites of a graph model, grouped by kind and place, optionally of one kind only; each
 * site is built when asked for (as numeric/sites.ts does for MLPs).
 */
export function graphSiteGroups(m: GraphModel, g: Graph, kind?: GraphSiteKind): SiteGroup[] {
  const out: SiteGroup[] = [];
  const group = (k: GraphSiteKind, place: string, count: number, site: (i: number) => Site): void => {
    if (count > 0) out.push({ kind: k, place, count, site });
  };
  switch (m.kind) {
    case 'transformer': {
      const s = m.spec;
      for (const k of ['attention-qk', 'attention-vo', 'key-bias'] as const)
        group(k, 'attention', s.heads, (h) => attentionSite(k, g, s, h));
      group('head-pair', 'attention', (s.heads * (s.heads - 1)) / 2, (i) => headPairSite(g, s, i));
      if (s.layerNorm)
        group('attention-bias-before-layernorm', 'attention', 1, () => {
          const b = block(g, 'b_O');
          return {
            kind: 'attention-bias-before-layernorm',
            label: 'attention output bias',
            views: { theta: view(s.dim, 1, (i) => b.offset + i) },
            scalars: {},
          };
        });
      if (homogeneous(s.act))
        group('residual-unit', 'MLP', s.hidden, (k) =>
          unitSite(g, 'W_1', 'b_1', 'W_2', k, `MLP unit ${k + 1}`),
        );
      out.push(...softmaxGroups(g, s.loss));
      break;
    }
    case 'cnn': {
      const s = m.spec;
      const blocks = s.blocks ?? 0;
      s.convs.forEach((c, i) => {
        const place = `conv ${i + 1}`;
        if (s.batchNorm) {
          group('normalised-channel', place, c.channels, (o) => normalisedChannel(g, i, o, false));
          group('channel-bias-before-batchnorm', place, c.channels, (o) => normalisedChannel(g, i, o, true));
        }
        // The last conv before residual blocks feeds their skip connections too: its channels are
        // neither rescaled, swapped nor flipped alone. BatchNorm moves with an exchanged or flipped
        // channel (its statistics are the channel's own; BN(−x) = −BN(x)), not with a rescaled one.
        if (blocks === 0 || i + 1 < s.convs.length) {
          if (homogeneous(s.act) && !s.batchNorm)
            group('conv-channel', place, c.channels, (o) => channelSite(g, s, i, o));
          group('channel-pair', place, (c.channels * (c.channels - 1)) / 2, (k) => channelPair(g, s, i, k));
          // Flipped through BatchNorm's γ, β: without them the symmetric set zeroes BatchNorm's input.
          if ((s.act.kind === 'tanh' || s.act.kind === 'linear') && (!s.batchNorm || s.affine))
            group('odd-channel', place, c.channels, (o) => ({
              ...channelSite(g, s, i, o, 'flip'),
              kind: 'odd-channel',
            }));
        }
      });
      if (homogeneous(s.act))
        for (let i = 1; i <= blocks; i++) {
          const C = s.convs[s.convs.length - 1]!.channels;
          group('residual-channel', `residual block ${i}`, C, (o) => residualChannel(g, i, o));
        }
      out.push(...softmaxGroups(g, s.loss));
      break;
    }
    case 'residual': {
      const s = m.spec;
      if (homogeneous(s.act))
        for (let i = 1; i <= s.blocks; i++)
          group('residual-unit', `block ${i}`, s.hidden, (k) =>
            unitSite(g, `W${i}a`, `b${i}a`, `W${i}b`, k, `block ${i}, unit ${k + 1}`),
          );
      out.push(...softmaxGroups(g, s.loss));
      break;
    }
  }
  return kind === undefined ? out : out.filter((x) => x.kind === kind);
}

/** The graph models a site kind lives on. */
export function modelsOf(kind: GraphSiteKind): readonly GraphModel['kind'][] {
  switch (kind) {
    case 'attention-qk':
    case 'attention-vo':
    case 'key-bias':
    case 'attention-bias-before-layernorm':
    case 'head-pair':
      return ['transformer'];
    case 'conv-channel':
    case 'normalised-channel':
    case 'channel-bias-before-batchnorm':
    case 'residual-channel':
    case 'channel-pair':
    case 'odd-channel':
      return ['cnn'];
    case 'residual-unit':
      return ['residual', 'transformer'];
    case 'graph-softmax-column':
    case 'graph-softmax-bias':
      return ['transformer', 'cnn', 'residual'];
  }
}

/** The smallest image side that convs leave an output of. */
function minSide(convs: readonly { readonly k: number; readonly stride: number }[], pool: number): number {
  let side = 1;
  while (convSide(side, convs, pool) < 1) side++;
  return side;
}

/** A fixed value, or the arbitrary of a free one — or nothing when a fixed value is not among the allowed. */
function allowed<T>(
  fixed: T | undefined,
  ok: readonly T[],
  same = (a: T, b: T) => a === b,
): fc.Arbitrary<T> | null {
  if (fixed === undefined) return fc.constantFrom(...ok);
  return ok.some((o) => same(o, fixed)) ? fc.constant(fixed) : null;
}
const sameAct = (a: GraphActivation, b: GraphActivation): boolean => a.kind === b.kind;

/** What a site kind needs of its model (a ReLU branch, BatchNorm, a softmax loss). */
function needs(kind: GraphSiteKind): {
  act?: readonly string[];
  batchNorm?: boolean;
  layerNorm?: true;
  loss?: 'ce';
  /** At least one residual block (true), or none (false). */
  blocks?: boolean;
  /** BatchNorm only with its γ, β (bn+affine), when there is BatchNorm. */
  affine?: true;
  /** Two heads (a transformer), or a conv of two channels (a CNN). */
  pairs?: true;
} {
  switch (kind) {
    case 'conv-channel':
      // Residual blocks after the convs take the last conv's channels into their skip connections.
      return { act: ['relu', 'leaky', 'linear'], batchNorm: false, blocks: false };
    case 'normalised-channel':
    case 'channel-bias-before-batchnorm':
      return { batchNorm: true };
    case 'residual-unit':
      return { act: ['relu', 'leaky', 'linear'] };
    case 'residual-channel':
      return { act: ['relu', 'leaky', 'linear'], blocks: true };
    case 'graph-softmax-column':
    case 'graph-softmax-bias':
      return { loss: 'ce' };
    case 'attention-bias-before-layernorm':
      return { layerNorm: true };
    case 'head-pair':
      return { pairs: true };
    // Any elementwise activation swaps; an odd one flips signs (BatchNorm's mean would not).
    case 'channel-pair':
      return { blocks: false, pairs: true };
    case 'odd-channel':
      return { act: ['tanh', 'linear'], blocks: false, affine: true };
    default:
      return {};
  }
}

/** A free size drawn from its range. */
const drawn = ([min, max]: readonly [number, number]): fc.Arbitrary<number> => fc.integer({ min, max });

/** The models of one kind a site kind's cases are drawn from, or null when the constraints rule them out. */
function modelArbitrary(
  model: GraphModel['kind'],
  kind: GraphSiteKind,
  fixed: GraphConstraints | undefined,
): fc.Arbitrary<GraphModel> | null {
  const need = needs(kind);
  const acts = (
    all: GraphActivation[],
    f: GraphActivation | undefined,
  ): fc.Arbitrary<GraphActivation> | null =>
    allowed(
      f,
      all.filter((a) => !need.act || need.act.includes(a.kind)),
      sameAct,
    );
  const loss = (f: 'ce' | 'mse' | undefined): fc.Arbitrary<'ce' | 'mse'> | null =>
    allowed<'ce' | 'mse'>(f, need.loss ? [need.loss] : ['ce', 'mse']);
  if (model === 'transformer') {
    const t = fixed?.kind === 'transformer' ? fixed : undefined;
    const act = acts([{ kind: 'relu' }, { kind: 'gelu' }, { kind: 'tanh' }], t?.act);
    const l = loss(t?.loss);
    // LayerNorm needs rows of at least 2 values: a fixed width 1 rules it out unless asked for.
    const ln = need.layerNorm
      ? allowed(t?.layerNorm, [true])
      : either(t?.layerNorm, t?.dim === 1 ? fc.constant(false) : fc.boolean());
    const heads = need.pairs
      ? t?.heads !== undefined && t.heads < 2
        ? null
        : either(t?.heads, drawn([2, RANGE.transformer.heads[1]]))
      : either(t?.heads, drawn(RANGE.transformer.heads));
    if (!act || !l || !ln || !heads) return null;
    return fc
      .record({
        batch: either(t?.batch, drawn(RANGE.transformer.batch)),
        tokens: either(t?.tokens, drawn(RANGE.transformer.tokens)),
        dim: either(t?.dim, drawn(RANGE.transformer.dim)),
        heads,
        headDim: either(t?.headDim, drawn(RANGE.transformer.headDim)),
        hidden: either(t?.hidden, drawn(RANGE.transformer.hidden)),
        causal: either(t?.causal, fc.boolean()),
        layerNorm: ln,
        act,
        outputs: either(t?.outputs, drawn(RANGE.transformer.outputs)),
        loss: l,
      })
      .map((spec) => ({ kind: 'transformer' as const, spec }));
  }
  if (model === 'cnn') {
    const c = fixed?.kind === 'cnn' ? fixed : undefined;
    const act = acts(
      [
        { kind: 'relu' },
        { kind: 'leaky', slope: 0.1 },
        { kind: 'linear' },
        { kind: 'tanh' },
        { kind: 'gelu' },
      ],
      c?.act,
    );
    const bn = allowed(c?.batchNorm, need.batchNorm === undefined ? [false, true] : [need.batchNorm]);
    const l = loss(c?.loss);
    const blocks =
      need.blocks === undefined
        ? either(c?.blocks, drawn([RANGE.cnn.blocks[0], 1]))
        : need.blocks
          ? c?.blocks === 0
            ? null
            : either(c?.blocks, drawn([1, RANGE.cnn.blocks[1]]))
          : c?.blocks
            ? null
            : fc.constant(0);
    if (!act || !bn || !l || !blocks) return null;
    if (need.pairs && c?.convs && c.convs.every((v) => v.channels < 2)) return null;
    if (need.affine && c?.batchNorm && c.affine === false) return null;
    // Pooling after every conv: free convs then keep stride 1, so that two of them leave an output.
    const pool = c?.pool ?? 1;
    const conv = fc.record({
      channels: drawn([need.pairs ? 2 : RANGE.cnn.channels[0], RANGE.cnn.channels[1]]),
      k: drawn(RANGE.cnn.k),
      stride: drawn([1, pool > 1 ? 1 : RANGE.cnn.stride[1]]),
    });
    const image = c?.input;
    // Fixed convs may need larger images than the free range: the smallest side every conv leaves ≥ 1.
    const side = c?.convs ? minSide(c.convs, pool) : pool > 1 ? pool * pool : 3;
    return fc
      .record({
        input: fc.tuple(
          either(c?.batch, drawn(RANGE.cnn.batch)),
          either(image?.[0], drawn(RANGE.cnn.channelsIn)),
          either(image?.[1], fc.integer({ min: side, max: Math.max(side, 6) })),
          either(image?.[2], fc.integer({ min: side, max: Math.max(side, 6) })),
        ),
        convs: either(
          c?.convs,
          fc.array(conv, { minLength: RANGE.cnn.convs[0], maxLength: RANGE.cnn.convs[1] }),
        ),
        batchNorm: bn,
        affine: fc.boolean(),
        blocks,
        act,
        classes: either(c?.outputs, drawn(RANGE.cnn.outputs)),
        loss: l,
      })
      .map((f) => ({
        kind: 'cnn' as const,
        spec: {
          ...f,
          // γ, β only after a BatchNorm; a spec fixes them, or they are sampled.
          affine: f.batchNorm && (c?.affine ?? (need.affine || f.affine)),
          convs: f.convs.map((v) => ({ ...v, pad: v.pad ?? defaultPad(v.k) })),
          pool,
        },
      }));
  }
  const r = fixed?.kind === 'residual' ? fixed : undefined;
  const act = acts(
    [{ kind: 'relu' }, { kind: 'leaky', slope: 0.1 }, { kind: 'linear' }, { kind: 'tanh' }],
    r?.act,
  );
  const l = loss(r?.loss);
  if (!act || !l) return null;
  return fc
    .record({
      batch: either(r?.batch, drawn(RANGE.residual.batch)),
      inputs: either(r?.inputs, drawn(RANGE.residual.inputs)),
      width: either(r?.width, drawn(RANGE.residual.width)),
      hidden: either(r?.hidden, drawn(RANGE.residual.hidden)),
      blocks: either(r?.blocks, drawn(RANGE.residual.blocks)),
      outputs: either(r?.outputs, drawn(RANGE.residual.outputs)),
      act,
      loss: l,
    })
    .map((spec) => ({ kind: 'residual' as const, spec }));
}

/** What a graph case is drawn as: the model, the seed of its parameters and data, and which site. */
export interface GraphCaseFields {
  readonly model: GraphModel;
  readonly seed: number;
  readonly pick: number;
}

/**
 * Cases of a graph site kind as cheap fields and the build of a case from them (so that worker
 * threads draw fast-check's sequence for a seed and build only their own cases): models it lives on
 * (respecting what `--arch` fixes), a seed for their parameters and data, and one of the model's
 * sites of that kind.
 *
 * @throws NoSuchSite when the constraints leave no model with such a site (e.g. conv-channel, which
 *   needs a CNN without BatchNorm, under `cnn:…:bn`).
 */
export function graphCaseParts(
  kind: GraphSiteKind,
  fixed?: GraphConstraints,
): { readonly fields: fc.Arbitrary<GraphCaseFields>; readonly build: (f: GraphCaseFields) => GraphCase } {
  const models = modelsOf(kind).filter((k) => !fixed || fixed.kind === k);
  if (models.length === 0)
    throw new NoSuchSite(`${kind} sites live on a ${modelsOf(kind).join(' or ')}, not on a ${fixed!.kind}`);
  const arbs = models.map((k) => modelArbitrary(k, kind, fixed)).filter((a) => a !== null);
  if (arbs.length === 0) {
    const n = needs(kind);
    const what = [
      n.act ? `a ${n.act.join(', ')} activation` : '',
      n.batchNorm === undefined ? '' : n.batchNorm ? 'BatchNorm (bn)' : 'no BatchNorm (nobn)',
      n.loss ? 'cross-entropy (ce)' : '',
      n.layerNorm ? 'LayerNorm (layernorm)' : '',
      n.blocks === undefined ? '' : n.blocks ? 'residual blocks (r<blocks>)' : 'no residual blocks',
      n.affine ? 'no BatchNorm, or BatchNorm with γ, β (bn+affine)' : '',
      n.pairs ? (models[0] === 'cnn' ? 'a conv of at least 2 channels' : 'at least 2 heads') : '',
    ].filter((w) => w !== '');
    const article = /^[aeiou]/.test(kind) ? 'an' : 'a';
    throw new NoSuchSite(
      `no ${models.join(' or ')} allowed by the architecture spec has ${article} ${kind} site ` +
        `(it needs ${what.join(' and ')})`,
    );
  }
  const fields = fc.record({
    model: arbs.length === 1 ? arbs[0]! : fc.oneof(...arbs),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    pick: fc.nat(),
  });
  return {
    fields,
    build: ({ model, seed, pick }) => {
      const g = graphOf(model);
      const groups = graphSiteGroups(model, g, kind);
      const count = groups.reduce((s, x) => s + x.count, 0);
      if (count === 0) throw new Error(`internal: a sampled ${model.kind} has no ${kind} site`);
      let at = pick % count,
        i = 0;
      while (at >= groups[i]!.count) at -= groups[i++]!.count;
      return {
        kind: 'graph' as const,
        graph: g,
        ...sampleCase(g, seed, model.spec.loss === 'ce'),
        site: groups[i]!.site(at),
        seed,
        architecture: describeGraphModel(model),
      };
    },
  };
}

/**
 * Sampled graph models with a site of the given kind (see {@link graphCaseParts}): the model, its
 * parameters and data, and one of the model's sites of that kind.
 *
 * @throws NoSuchSite when the constraints leave no model with such a site.
 */
export function graphSiteCase(kind: GraphSiteKind, fixed?: GraphConstraints): fc.Arbitrary<GraphCase> {
  const { fields, build } = graphCaseParts(kind, fixed);
  return fields.map(build);
}

/** The i-th pair of heads of a transformer block: each head's attention-qk and attention-vo views. */
function headPairSite(g: Graph, s: TransformerSpec, i: number): Site {
  const [h1, h2] = pairAt(s.heads, i);
  const views: Record<string, View> = {};
  for (const [h, n] of [
    [h1, 1],
    [h2, 2],
  ] as const) {
    const qk = attentionSite('attention-qk', g, s, h).views,
      vo = attentionSite('attention-vo', g, s, h).views;
    Object.assign(views, { [`K${n}`]: qk.K!, [`Qt${n}`]: qk.Qt!, [`V${n}`]: vo.V!, [`O${n}`]: vo.O! });
  }
  return { kind: 'head-pair', label: `heads ${h1 + 1} and ${h2 + 1}`, views, scalars: {} };
}
