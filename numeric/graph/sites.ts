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
 */
import fc from 'fast-check';
import { rng } from '../rng';
import type { Site, View } from '../sites';
import type { Graph, GraphData } from './graph';
import { type CnnSpec, cnnGraph, type TransformerSpec, transformerGraph } from './models';
import type { GraphActivation } from './ops';
import { sizeOf } from './ops';

import { type GraphSiteKind, isGraphSiteKind } from '../sites';

export { type GraphSiteKind, isGraphSiteKind };

/**
 * What `--arch transformer:…` or `--arch cnn:…` fixes of the graph models a check samples; the
 * fields left out stay free.
 */
export type GraphConstraints =
  | {
      readonly kind: 'transformer';
      readonly batch?: number;
      readonly tokens?: number;
      readonly dim?: number;
      readonly heads?: number;
      readonly headDim?: number;
      readonly hidden?: number;
      readonly causal?: boolean;
      readonly layerNorm?: boolean;
      readonly act?: GraphActivation;
      readonly outputs?: number;
      readonly loss?: 'ce' | 'mse';
    }
  | {
      readonly kind: 'cnn';
      readonly batch?: number;
      /** Input channels, height, width. */
      readonly input?: readonly [number, number, number];
      readonly convs?: readonly { readonly channels: number; readonly k: number; readonly stride: number }[];
      readonly act?: GraphActivation;
      readonly outputs?: number;
      readonly loss?: 'ce' | 'mse';
    };

/** The graph model a site kind lives on. */
export const modelOf = (kind: GraphSiteKind): GraphConstraints['kind'] =>
  kind === 'conv-channel' ? 'cnn' : 'transformer';

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
function channelSite(g: Graph, s: CnnSpec, i: number, o: number): Site {
  const K = block(g, `conv${i + 1}`),
    b = block(g, `cb${i + 1}`);
  const per = sizeOf(K.shape.slice(1));
  const win = [...Array.from({ length: per }, (_, j) => K.offset + o * per + j), b.offset + o];
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
    const fan = p.shape.length > 1 ? sizeOf(p.shape.slice(1)) : 1;
    const scale = Math.exp((r.next() - 0.5) * Math.log(10)) / Math.sqrt(fan);
    for (let i = 0; i < sizeOf(p.shape); i++) theta[p.offset + i] = scale * r.normal();
  }
  const x = Float64Array.from({ length: sizeOf(g.input) }, () => r.normal());
  const rows = g.target[0]!,
    cols = sizeOf(g.target) / rows;
  const y = new Float64Array(sizeOf(g.target));
  for (let i = 0; i < rows; i++)
    if (ce) y[i * cols + r.int(cols)] = 1;
    else for (let j = 0; j < cols; j++) y[i * cols + j] = r.normal();
  return { theta, data: { x, y } };
}

const actName = (a: GraphActivation): string => (a.kind === 'poly' ? `poly${a.degree}` : a.kind);

/** Cases of a graph site kind: transformer blocks for the attention kinds, CNNs for conv channels. */
export function graphSiteCase(kind: GraphSiteKind, fixed?: GraphConstraints): fc.Arbitrary<GraphCase> {
  if (fixed && fixed.kind !== modelOf(kind))
    throw new Error(`internal: ${kind} sites are not on a ${fixed.kind} (the runner selects kinds)`);
  if (kind === 'conv-channel') return convCase(fixed?.kind === 'cnn' ? fixed : undefined);
  const t = fixed?.kind === 'transformer' ? fixed : undefined;
  const acts: GraphActivation[] = [{ kind: 'relu' }, { kind: 'gelu' }, { kind: 'tanh' }];
  return fc
    .record({
      batch: either(t?.batch, fc.integer({ min: 2, max: 3 })),
      tokens: either(t?.tokens, fc.integer({ min: 2, max: 4 })),
      dim: either(t?.dim, fc.integer({ min: 2, max: 5 })),
      heads: either(t?.heads, fc.integer({ min: 1, max: 3 })),
      headDim: either(t?.headDim, fc.integer({ min: 1, max: 3 })),
      hidden: either(t?.hidden, fc.integer({ min: 2, max: 4 })),
      causal: either(t?.causal, fc.boolean()),
      // LayerNorm needs rows of at least 2 values: a fixed width 1 rules it out unless asked for.
      layerNorm: either(t?.layerNorm, t?.dim === 1 ? fc.constant(false) : fc.boolean()),
      act: either(t?.act, fc.constantFrom(...acts)),
      outputs: either(t?.outputs, fc.integer({ min: 2, max: 3 })),
      loss: either(t?.loss, fc.constantFrom('ce' as const, 'mse' as const)),
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      pick: fc.nat(),
    })
    .map((f) => {
      const { seed, pick, ...spec } = f;
      const g = transformerGraph(spec);
      const site = attentionSite(kind, g, spec, pick % spec.heads);
      const architecture =
        `transformer block N${spec.batch} T${spec.tokens} d${spec.dim} ${spec.heads}×${spec.headDim} heads ` +
        `${actName(spec.act)}${spec.causal ? ' causal' : ''}${spec.layerNorm ? ' layernorm' : ''} ${spec.loss}`;
      return {
        kind: 'graph' as const,
        graph: g,
        ...sampleCase(g, seed, spec.loss === 'ce'),
        site,
        seed,
        architecture,
      };
    });
}

function convCase(c?: Extract<GraphConstraints, { kind: 'cnn' }>): fc.Arbitrary<GraphCase> {
  const conv = fc.record({
    channels: fc.integer({ min: 1, max: 3 }),
    k: fc.integer({ min: 1, max: 3 }),
    stride: fc.integer({ min: 1, max: 2 }),
  });
  const acts: GraphActivation[] = [{ kind: 'relu' }, { kind: 'leaky', slope: 0.1 }, { kind: 'linear' }];
  const image = c?.input;
  return fc
    .record({
      input: fc.tuple(
        either(c?.batch, fc.integer({ min: 2, max: 3 })),
        either(image?.[0], fc.integer({ min: 1, max: 2 })),
        either(image?.[1], fc.integer({ min: 3, max: 6 })),
        either(image?.[2], fc.integer({ min: 3, max: 6 })),
      ),
      convs: either(c?.convs, fc.array(conv, { minLength: 1, maxLength: 2 })),
      act: either(c?.act, fc.constantFrom(...acts)),
      classes: either(c?.outputs, fc.integer({ min: 2, max: 3 })),
      loss: either(c?.loss, fc.constantFrom('ce' as const, 'mse' as const)),
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      pick: fc.nat(),
    })
    .map((f) => {
      const spec: CnnSpec = {
        input: f.input,
        convs: f.convs.map((c) => ({ ...c, pad: c.k > 1 ? 1 : 0 })),
        batchNorm: false,
        act: f.act,
        pool: 1,
        classes: f.classes,
        loss: f.loss,
      };
      const g = cnnGraph(spec);
      const total = spec.convs.reduce((s, c) => s + c.channels, 0);
      let at = f.pick % total,
        i = 0;
      while (at >= spec.convs[i]!.channels) at -= spec.convs[i++]!.channels;
      const architecture =
        `CNN ${f.input.join('×')} convs ${spec.convs.map((c) => `${c.channels}@${c.k}/${c.stride}`).join(',')} ` +
        `${actName(f.act)} ${f.loss}`;
      return {
        kind: 'graph' as const,
        graph: g,
        ...sampleCase(g, f.seed, f.loss === 'ce'),
        site: channelSite(g, spec, i, at),
        seed: f.seed,
        architecture,
      };
    });
}
