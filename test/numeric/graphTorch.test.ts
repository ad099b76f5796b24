/**
 * The graph layer against PyTorch float64: each model of test/fixtures/torch-graph.json (made by
 * scripts/make-graph-fixtures.py, which writes the models op by op with torch.nn.functional) is built
 * from its spec, evaluated at PyTorch's parameters, data and direction, and its loss, gradient and H v
 * compared with autograd's (double backward). Together the models use every op of numeric/graph.
 */
import fixtures from '../fixtures/torch-graph.json';
import { type Graph, evaluateGraph } from '../../numeric/graph/graph';
import {
  type CnnSpec,
  cnnGraph,
  type ResidualSpec,
  residualGraph,
  type TransformerSpec,
  transformerGraph,
} from '../../numeric/graph/models';

/** Both compute the same sums in a different order: agreement to 1e-12 relative (of the largest entry). */
const AGREE = 1e-12;
const rel = (a: ArrayLike<number>, b: readonly number[]): number => {
  let d = 0,
    s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return d / s;
};

function build(kind: string, spec: unknown): Graph {
  if (kind === 'cnn') return cnnGraph(spec as CnnSpec);
  if (kind === 'residual') return residualGraph(spec as ResidualSpec);
  return transformerGraph(spec as TransformerSpec);
}

describe.each(fixtures.cases.map((c) => [c.name, c] as const))('%s against PyTorch', (_name, c) => {
  it('loss, gradient and H v agree to 1e-12', () => {
    const g = build(c.kind, c.spec);
    expect(g.size).toBe(c.theta.length);
    const e = evaluateGraph(
      g,
      Float64Array.from(c.theta),
      { x: Float64Array.from(c.x), y: Float64Array.from(c.y) },
      Float64Array.from(c.v),
    );
    expect(Math.abs(e.loss - c.loss)).toBeLessThanOrEqual(AGREE * Math.abs(c.loss));
    expect(rel(e.grad, c.grad)).toBeLessThanOrEqual(AGREE);
    expect(rel(e.hv!, c.hv)).toBeLessThanOrEqual(AGREE);
  });
});
