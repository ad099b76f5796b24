/**
 * A sampled case, an MLP network or a graph model (transformer block, CNN), as functions of θ: the
 * loss with ∇L, H v and their rounding bounds, a gradient on a random minibatch, the parameter count
 * and the architecture in words. The mirror check and the mirror experiments run on it whatever the
 * model.
 */
import { evaluate, type Batch } from '../../numeric/mlp';
import { describeSpec, type NetworkCase } from '../../numeric/arbitraries';
import { rowsOf } from '../../numeric/sample';
import type { rng } from '../../numeric/rng';
import { evaluateGraph, type GraphData } from '../../numeric/graph/graph';
import type { GraphCase } from '../../numeric/graph/sites';

/** The loss at θ, its gradient and (along a direction) H v, with rounding bounds when asked. */
export interface CaseEvaluation {
  readonly loss: number;
  readonly grad: Float64Array;
  readonly hv?: Float64Array | undefined;
  readonly gradBound?: Float64Array | undefined;
  readonly hvBound?: Float64Array | undefined;
}

type Rng = ReturnType<typeof rng>;

/** A case's model as functions of θ (its own parameters and data fixed). */
export interface CaseModel {
  readonly size: number;
  readonly architecture: string;
  readonly evaluate: (theta: Float64Array, v?: Float64Array, bound?: boolean) => CaseEvaluation;
  /**
   * ∇L on a random minibatch: on an MLP, minRows … B distinct rows of the batch; on a graph model,
   * whose batch size its graph fixes, B rows drawn with replacement (a bootstrap minibatch).
   */
  readonly minibatchGrad: (theta: Float64Array, r: Rng, minRows?: number) => Float64Array;
}

/** A minibatch of minRows … B distinct rows of a batch, in random order. */
export function minibatch(b: Batch, r: Rng, minRows = 1): Batch {
  const B = b.X.rows;
  const k = minRows + r.int(B - minRows + 1);
  return rowsOf(
    b,
    Array.from({ length: B }, (_, i) => i)
      .sort(() => r.next() - 0.5)
      .slice(0, k),
  );
}

/** B rows of graph data (first axis of x and of y) drawn with replacement. */
export function bootstrap(c: GraphCase, r: Rng): GraphData {
  const B = c.graph.target[0]!;
  const xr = c.data.x.length / B,
    yr = c.data.y.length / B;
  const x = new Float64Array(c.data.x.length),
    y = new Float64Array(c.data.y.length);
  for (let i = 0; i < B; i++) {
    const j = r.int(B);
    x.set(c.data.x.subarray(j * xr, (j + 1) * xr), i * xr);
    y.set(c.data.y.subarray(j * yr, (j + 1) * yr), i * yr);
  }
  return { x, y };
}

export const isGraphCase = (c: NetworkCase | GraphCase): c is GraphCase => 'kind' in c;

/** The model of a sampled case. */
export function caseModel(c: NetworkCase | GraphCase): CaseModel {
  if (isGraphCase(c))
    return {
      size: c.graph.size,
      architecture: c.architecture,
      evaluate: (theta, v, bound) => evaluateGraph(c.graph, theta, c.data, v, { bound: bound ?? false }),
      minibatchGrad: (theta, r) => evaluateGraph(c.graph, theta, bootstrap(c, r)).grad,
    };
  return {
    size: c.net.size,
    architecture: describeSpec(c.spec),
    evaluate: (theta, v, bound) => evaluate(c.net, theta, c.batch, v, { bound: bound ?? false }),
    minibatchGrad: (theta, r, minRows) => evaluate(c.net, theta, minibatch(c.batch, r, minRows)).grad,
  };
}
