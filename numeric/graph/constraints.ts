/**
 * What `--arch transformer:…`, `cnn:…` or `residual:…` may fix of the graph models a check samples,
 * the ranges the free sizes are drawn from (numeric/graph/sites.ts samples them), and the size of the
 * largest model a spec allows — without the samplers, so that reading a size loads no fast-check.
 */
import type { GraphActivation } from './ops';

/**
 * What `--arch transformer:…`, `cnn:…` or `residual:…` fixes of the graph models a check samples; the
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
      readonly convs?: readonly {
        readonly channels: number;
        readonly k: number;
        readonly stride: number;
        /** Padding (default: 1 for kernels above 1, else 0). */
        readonly pad?: number;
      }[];
      readonly batchNorm?: boolean;
      /** BatchNorm with its affine γ, β (numeric/graph/models.ts, CnnSpec.affine). */
      readonly affine?: boolean;
      /** Average pooling over k × k after every conv (1: none). */
      readonly pool?: number;
      /** Residual blocks after the convs (numeric/graph/models.ts, CnnSpec.blocks). */
      readonly blocks?: number;
      readonly act?: GraphActivation;
      readonly outputs?: number;
      readonly loss?: 'ce' | 'mse';
    }
  | {
      readonly kind: 'residual';
      readonly batch?: number;
      readonly inputs?: number;
      readonly width?: number;
      readonly hidden?: number;
      readonly blocks?: number;
      readonly act?: GraphActivation;
      readonly outputs?: number;
      readonly loss?: 'ce' | 'mse';
    };

/**
 * The ranges (inclusive) free sizes of sampled graph models are drawn from: what the samplers below
 * draw and what {@link largestGraphParameters} takes as the largest model a spec allows.
 */
export const RANGE = {
  transformer: {
    batch: [2, 3],
    tokens: [2, 4],
    dim: [2, 5],
    heads: [1, 3],
    headDim: [1, 3],
    hidden: [2, 4],
    outputs: [2, 3],
  },
  cnn: {
    batch: [2, 3],
    channelsIn: [1, 2],
    convs: [1, 2],
    channels: [1, 3],
    k: [1, 3],
    stride: [1, 2],
    blocks: [0, 2],
    outputs: [2, 3],
  },
  residual: { batch: [2, 5], inputs: [1, 4], width: [1, 4], hidden: [1, 4], blocks: [1, 2], outputs: [2, 3] },
} as const;

/**
 * The parameters of the largest graph model the constraints allow (free sizes at the top of their
 * ranges): what the size limits of the costlier checks read.
 */
export function largestGraphParameters(g: GraphConstraints): number {
  switch (g.kind) {
    case 'transformer': {
      const T = RANGE.transformer;
      const [d, H, dh] = [g.dim ?? T.dim[1], g.heads ?? T.heads[1], g.headDim ?? T.headDim[1]];
      const [f, o] = [g.hidden ?? T.hidden[1], g.outputs ?? T.outputs[1]];
      return 3 * H * dh * (d + 1) + d * (H * dh + 1) + 2 * d + f * (d + 1) + d * (f + 1) + o * (d + 1);
    }
    case 'cnn': {
      const C = RANGE.cnn;
      let channels = g.input?.[0] ?? C.channelsIn[1],
        n = 0;
      const free = { channels: C.channels[1], k: C.k[1] };
      for (const v of g.convs ?? Array.from({ length: C.convs[1] }, () => free)) {
        n += v.channels * (channels * v.k * v.k + 1);
        channels = v.channels;
      }
      const blocks = g.blocks ?? C.blocks[1];
      return n + blocks * 2 * channels * (9 * channels + 1) + (g.outputs ?? C.outputs[1]) * (channels + 1);
    }
    case 'residual': {
      const R = RANGE.residual;
      const [i, w, f] = [g.inputs ?? R.inputs[1], g.width ?? R.width[1], g.hidden ?? R.hidden[1]];
      const [b, o] = [g.blocks ?? R.blocks[1], g.outputs ?? R.outputs[1]];
      return w * (i + 1) + b * (f * (w + 1) + w * (f + 1)) + o * (w + 1);
    }
  }
}
