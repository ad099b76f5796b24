/**
 * Networks as graphs: the MLP (same θ layout as numeric/mlp.ts, so the two evaluate the same
 * function of the same parameters), a small CNN, a residual MLP and a transformer block.
 */
import { type MlpSpec } from '../mlp';
import { type Graph, GraphBuilder } from './graph';
import { type GraphActivation } from './ops';

/** The MLP of a spec as a graph: Linear → [norm, affine] → activation, …, Linear → loss. */
export function mlpGraph(spec: MlpSpec, batch: number): Graph {
  const g = new GraphBuilder();
  const { widths } = spec;
  let a = g.input([batch, widths[0]!]);
  const L = widths.length - 1;
  for (let l = 1; l <= L; l++) {
    const W = g.param(`W${l}`, [widths[l]!, widths[l - 1]!]);
    const b = spec.bias ? g.param(`b${l}`, [widths[l]!]) : undefined;
    let z = g.dense(a, W, b);
    if (l < L) {
      if (spec.norm === 'batch') z = g.batchNorm(z);
      if (spec.norm === 'layer') z = g.normalize(z, 'LayerNorm');
      if (spec.norm !== 'none' && spec.affine) {
        const gamma = g.param(`gamma${l}`, [widths[l]!]);
        z = g.affine(z, gamma, g.param(`beta${l}`, [widths[l]!]), 1);
      }
      z = g.act(z, spec.act);
    }
    a = z;
  }
  return g.build(g.loss(spec.loss, a, g.target([batch, widths[L]!])));
}

/** A small CNN: conv (+ bias) → [BatchNorm] → activation, repeated; global average pool; Linear; loss. */
export interface CnnSpec {
  /** Input [N, C, H, W]. */
  readonly input: readonly [number, number, number, number];
  readonly convs: readonly {
    readonly channels: number;
    readonly k: number;
    readonly stride: number;
    readonly pad: number;
  }[];
  readonly batchNorm: boolean;
  /**
   * With BatchNorm: a learnable per-channel scale and shift after it (parameters gamma<i>, beta<i>
   * after cb<i>), as PyTorch's BatchNorm2d has by default. Absent or false: none, and θ as before.
   */
  readonly affine?: boolean;
  readonly act: GraphActivation;
  /** Average pooling over k × k after every conv (1: none). */
  readonly pool: number;
  readonly classes: number;
  readonly loss: 'mse' | 'ce';
  /**
   * Residual blocks after the convs (0 when absent): x ← x + K_b ∗ σ(K_a ∗ x + b_a) + b_b with 3 × 3
   * kernels (padding 1, stride 1) keeping the channels, named rconv<i>a, rcb<i>a, rconv<i>b, rcb<i>b.
   */
  readonly blocks?: number;
}

/** The side of a square image after convs of kernel k, stride s and padding 1 for k > 1 (≤ 0: none left). */
/** The padding a conv spec implies when it names none: 1 for kernels above 1 (a 3 × 3 keeps the size), else 0. */
export const defaultPad = (k: number): number => (k > 1 ? 1 : 0);

export function convSide(
  side: number,
  convs: readonly { readonly k: number; readonly stride: number; readonly pad?: number }[],
  pool = 1,
): number {
  let n = side;
  for (const c of convs)
    n = Math.floor((Math.floor((n + 2 * (c.pad ?? defaultPad(c.k)) - c.k) / c.stride) + 1) / pool);
  return n;
}
export function cnnGraph(spec: CnnSpec): Graph {
  const g = new GraphBuilder();
  let x = g.input(spec.input);
  spec.convs.forEach((c, i) => {
    const C = g.shape(x)[1]!;
    const K = g.param(`conv${i + 1}`, [c.channels, C, c.k, c.k]);
    x = g.addBias(g.conv2d(x, K, c.stride, c.pad), g.param(`cb${i + 1}`, [c.channels]), 1);
    if (spec.batchNorm) x = g.batchNorm(x);
    if (spec.batchNorm && spec.affine) {
      const gamma = g.param(`gamma${i + 1}`, [c.channels]);
      x = g.affine(x, gamma, g.param(`beta${i + 1}`, [c.channels]), 1);
    }
    x = g.act(x, spec.act);
    if (spec.pool > 1) x = g.avgpool(x, spec.pool);
  });
  for (let i = 1; i <= (spec.blocks ?? 0); i++) {
    const C = g.shape(x)[1]!;
    const conv = (y: number, n: string): number =>
      g.addBias(g.conv2d(y, g.param(`rconv${i}${n}`, [C, C, 3, 3]), 1, 1), g.param(`rcb${i}${n}`, [C]), 1);
    x = g.add(x, conv(g.act(conv(x, 'a'), spec.act), 'b'));
  }
  const pooled = g.globalavg(x);
  const C = g.shape(pooled)[1]!;
  const f = g.dense(pooled, g.param('W_out', [spec.classes, C]), g.param('b_out', [spec.classes]));
  return g.build(g.loss(spec.loss, f, g.target([spec.input[0], spec.classes])));
}

/** A residual MLP: Linear in, blocks h ← h + W₂ σ(W₁ h + b₁) + b₂, Linear out. */
export interface ResidualSpec {
  readonly batch: number;
  readonly inputs: number;
  readonly width: number;
  readonly hidden: number;
  readonly blocks: number;
  readonly outputs: number;
  readonly act: GraphActivation;
  readonly loss: 'mse' | 'ce';
}

export function residualGraph(spec: ResidualSpec): Graph {
  const g = new GraphBuilder();
  const x = g.input([spec.batch, spec.inputs]);
  let h = g.dense(x, g.param('W_in', [spec.width, spec.inputs]), g.param('b_in', [spec.width]));
  for (let i = 1; i <= spec.blocks; i++) {
    const u = g.act(
      g.dense(h, g.param(`W${i}a`, [spec.hidden, spec.width]), g.param(`b${i}a`, [spec.hidden])),
      spec.act,
    );
    h = g.add(h, g.dense(u, g.param(`W${i}b`, [spec.width, spec.hidden]), g.param(`b${i}b`, [spec.width])));
  }
  const f = g.dense(h, g.param('W_out', [spec.outputs, spec.width]), g.param('b_out', [spec.outputs]));
  return g.build(g.loss(spec.loss, f, g.target([spec.batch, spec.outputs])));
}

/**
 * A transformer block on sequences [N, T, d]: multi-head self-attention (W_Q, W_K, W_V of
 * [heads·d_head, d], W_O of [d, heads·d_head], with biases; scores scaled by 1/√d_head, softmax over
 * keys, optionally causal) with a residual connection, [LayerNorm with affine], an MLP with a
 * residual connection, the mean over positions, a Linear head and the loss.
 */
export interface TransformerSpec {
  readonly batch: number;
  readonly tokens: number;
  readonly dim: number;
  readonly heads: number;
  readonly headDim: number;
  readonly hidden: number;
  readonly causal: boolean;
  readonly layerNorm: boolean;
  readonly act: GraphActivation;
  readonly outputs: number;
  readonly loss: 'mse' | 'ce';
  /**
   * An activation applied to the keys after their projection (not a standard block: a twin that
   * breaks the key-bias translation, which holds only while keys are affine in b_K).
   */
  readonly keyAct?: GraphActivation;
}

/** Multi-head self-attention of X [N·T, d]: the output [N·T, d]. */
export function attention(g: GraphBuilder, X: number, s: TransformerSpec, name = ''): number {
  const { batch: N, tokens: T, heads: H, headDim: dh, dim: d } = s;
  const heads = (which: string): number => {
    const W = g.param(`W_${which}${name}`, [H * dh, d]);
    const y = g.dense(X, W, g.param(`b_${which}${name}`, [H * dh]));
    return g.permute(g.reshape(y, [N, T, H, dh]), [0, 2, 1, 3]);
  };
  const Q = heads('Q'),
    K = s.keyAct ? g.act(heads('K'), s.keyAct) : heads('K'),
    V = heads('V');
  const P = g.softmax(g.scale(g.matmul(Q, K, true), 1 / Math.sqrt(dh)), s.causal);
  const O = g.reshape(g.permute(g.matmul(P, V), [0, 2, 1, 3]), [N * T, H * dh]);
  return g.dense(O, g.param(`W_O${name}`, [d, H * dh]), g.param(`b_O${name}`, [d]));
}

export function transformerGraph(s: TransformerSpec): Graph {
  const g = new GraphBuilder();
  const { batch: N, tokens: T, dim: d } = s;
  const x = g.input([N, T, d]);
  const X = g.reshape(x, [N * T, d]);
  let h = g.add(X, attention(g, X, s));
  if (s.layerNorm) {
    h = g.normalize(h, 'LayerNorm');
    const gamma = g.param('gamma', [d]);
    h = g.affine(h, gamma, g.param('beta', [d]), 1);
  }
  const u = g.act(g.dense(h, g.param('W_1', [s.hidden, d]), g.param('b_1', [s.hidden])), s.act);
  h = g.add(h, g.dense(u, g.param('W_2', [d, s.hidden]), g.param('b_2', [d])));
  const seq = g.reshape(g.permute(g.reshape(h, [N, T, d]), [0, 2, 1]), [N, d, T, 1]);
  const f = g.dense(g.globalavg(seq), g.param('W_out', [s.outputs, d]), g.param('b_out', [s.outputs]));
  return g.build(g.loss(s.loss, f, g.target([N, s.outputs])));
}
