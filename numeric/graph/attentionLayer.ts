/**
 * One multi-head self-attention layer alone, with a loss: sequences x [N, T, d] → the layer
 * (numeric/graph/models.ts `attention`, with its biases) → [N·T, d] against targets of that shape.
 * Used to check the laws `noether laws --arch attention:…` finds on the layer's real gradients.
 */
import type { Graph } from './graph';
import { GraphBuilder } from './graph';
import { attention } from './models';

export interface AttentionLayerSpec {
  readonly batch: number;
  readonly tokens: number;
  readonly dim: number;
  readonly heads: number;
  readonly headDim: number;
  readonly causal: boolean;
  readonly loss: 'mse' | 'ce';
}

export function attentionLayerGraph(s: AttentionLayerSpec): Graph {
  const g = new GraphBuilder();
  const { batch: N, tokens: T, dim: d } = s;
  const X = g.reshape(g.input([N, T, d]), [N * T, d]);
  // the fields of a transformer block attention() does not read are given neutral values
  const out = attention(g, X, {
    ...s,
    hidden: 1,
    layerNorm: false,
    act: { kind: 'linear' },
    outputs: d,
  });
  return g.build(g.loss(s.loss, out, g.target([N * T, d])));
}
