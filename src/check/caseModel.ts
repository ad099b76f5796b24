/**
 * A sampled case, an MLP network or a graph model (transformer block, CNN), as functions of θ: the
 * loss with ∇L, H v and their rounding bounds, a gradient on a random minibatch, the parameter count
 * and the architecture in words. The mirror check and the mirror experiments run on it whatever the
 * model.
 */
import { evaluate, evaluateWith, type Batch } from '../../numeric/mlp';
import { describeSpec, type NetworkCase } from '../../numeric/arbitraries';
import { rowsOf, sampleBatch } from '../../numeric/sample';
import type { rng } from '../../numeric/rng';
import { evaluateGraph, type GraphData } from '../../numeric/graph/graph';
import { type GraphCase, sampleGraphData } from '../../numeric/graph/sites';

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
   * The same evaluation read in place by `read`: its arrays are valid only until `read` returns (an
   * MLP's live in the kernels' memory), so a check reads the entries it needs without copying
   * model-size vectors out.
   */
  readonly evaluateWith: <R>(
    theta: Float64Array,
    v: Float64Array | undefined,
    bound: boolean,
    read: (e: CaseEvaluation) => R,
  ) => R;
  /**
   * ∇L on a random minibatch, read in place by `read` (valid only until it returns, as with
   * evaluateWith): on an MLP, minRows … B distinct rows of the batch; on a graph model, whose batch
   * size its graph fixes, B rows drawn with replacement (a bootstrap minibatch).
   */
  readonly minibatchGradWith: <R>(
    theta: Float64Array,
    r: Rng,
    minRows: number,
    read: (grad: Float64Array) => R,
  ) => R;
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
  return pickRows(
    c.data,
    B,
    Array.from({ length: B }, () => r.int(B)),
  );
}

export const isGraphCase = (c: NetworkCase | GraphCase): c is GraphCase => 'kind' in c;

/** The model of a sampled case. */
export function caseModel(c: NetworkCase | GraphCase): CaseModel {
  if (isGraphCase(c))
    return {
      size: c.graph.size,
      architecture: c.architecture,
      evaluate: (theta, v, bound) => evaluateGraph(c.graph, theta, c.data, v, { bound: bound ?? false }),
      evaluateWith: (theta, v, bound, read) => read(evaluateGraph(c.graph, theta, c.data, v, { bound })),
      minibatchGradWith: (theta, r, _minRows, read) =>
        read(evaluateGraph(c.graph, theta, bootstrap(c, r)).grad),
    };
  return {
    size: c.net.size,
    architecture: describeSpec(c.spec),
    evaluate: (theta, v, bound) => evaluate(c.net, theta, c.batch, v, { bound: bound ?? false }),
    evaluateWith: (theta, v, bound, read) => evaluateWith(c.net, theta, c.batch, v, { bound }, read),
    minibatchGradWith: (theta, r, minRows, read) =>
      evaluateWith(c.net, theta, minibatch(c.batch, r, minRows), undefined, {}, (e) => read(e.grad)),
  };
}

/**
 * A case's model for a training trajectory: a data set of 4× the case's batch, and per step a
 * minibatch of the batch's size drawn from it with replacement, on which θ is evaluated (∇L and its
 * rounding bound). MLP: a fresh data set of the network's spec; graph model: the case's own data and
 * three fresh batches like it (its graph fixes the batch size).
 */
export interface StepModel {
  readonly size: number;
  readonly theta: Float64Array;
  readonly architecture: string;
  /** Draws the minibatch of a step; the returned function evaluates θ on it (the same minibatch each call). */
  readonly step: (r: Rng) => (theta: Float64Array) => CaseEvaluation;
}

export function stepModel(c: NetworkCase | GraphCase, r: Rng): StepModel {
  if (isGraphCase(c)) {
    const pool = graphDataPool(c, r, 4);
    const B = c.graph.target[0]!;
    return {
      size: c.graph.size,
      theta: c.theta,
      architecture: c.architecture,
      step: (rr) => {
        const mb = pickRows(
          pool,
          4 * B,
          Array.from({ length: B }, () => rr.int(4 * B)),
        );
        return (theta) => evaluateGraph(c.graph, theta, mb, undefined, { bound: true });
      },
    };
  }
  const B = c.batch.X.rows;
  const data = sampleBatch(c.spec, 4 * B, r);
  return {
    size: c.net.size,
    theta: c.theta,
    architecture: describeSpec(c.spec),
    step: (rr) => {
      const mb = rowsOf(
        data,
        Array.from({ length: B }, () => rr.int(data.X.rows)),
      );
      return (theta) => evaluate(c.net, theta, mb, undefined, { bound: true });
    },
  };
}

/** `copies` batches shaped as a graph case's data: its own, then fresh ones (numeric/graph/sites.ts). */
function graphDataPool(c: GraphCase, r: Rng, copies: number): GraphData {
  const ce = c.graph.nodes[c.graph.loss]!.op.kind === 'ce';
  const batches = [c.data, ...Array.from({ length: copies - 1 }, () => sampleGraphData(c.graph, r, ce))];
  const x = new Float64Array(copies * c.data.x.length),
    y = new Float64Array(copies * c.data.y.length);
  batches.forEach((b, i) => {
    x.set(b.x, i * b.x.length);
    y.set(b.y, i * b.y.length);
  });
  return { x, y };
}

/** The given rows (first axis) of graph data of `total` rows, in that order. */
function pickRows(data: GraphData, total: number, rows: readonly number[]): GraphData {
  const xr = data.x.length / total,
    yr = data.y.length / total;
  const x = new Float64Array(rows.length * xr),
    y = new Float64Array(rows.length * yr);
  rows.forEach((j, i) => {
    x.set(data.x.subarray(j * xr, (j + 1) * xr), i * xr);
    y.set(data.y.subarray(j * yr, (j + 1) * yr), i * yr);
  });
  return { x, y };
}
