/**
 * Gradients and Hessian-vector products agree with PyTorch float64 (autograd, double backward)
 * on every architecture kind, and on two networks whose products run on the WebAssembly kernels.
 * Fixtures: test/fixtures/torch-mlp.json, made by scripts/make-fixtures.py (committed, so the suite
 * needs no Python).
 */
import fixtures from '../fixtures/torch-mlp.json';
import { buildNetwork, evaluate, type MlpSpec } from '../../numeric/mlp';
import { mat } from '../../numeric/linalg';
import { TORCH_TOL, relNorm } from '../helpers/torch';

const toMat = (rows: number[][]): ReturnType<typeof mat> =>
  mat(rows.length, rows[0]!.length, Float64Array.from(rows.flat()));

describe.each(
  fixtures.cases.map(
    (c) =>
      [
        `${c.spec.act.kind}${'degree' in c.spec.act ? c.spec.act.degree : ''} / ` +
          `${c.spec.norm}${c.spec.affine ? '+affine' : ''} / ${c.spec.loss}${c.spec.bias ? '' : ' / no bias'}`,
        c,
      ] as const,
  ),
)('%s', (_, c) => {
  it('loss, gradient and H v match PyTorch float64 to 1e-12', () => {
    const net = buildNetwork(c.spec as MlpSpec);
    expect(net.size).toBe(c.theta.length);
    const e = evaluate(
      net,
      Float64Array.from(c.theta),
      { X: toMat(c.X), Y: toMat(c.Y) },
      Float64Array.from(c.v),
    );
    expect(Math.abs(e.loss - c.loss)).toBeLessThanOrEqual(TORCH_TOL * Math.abs(c.loss));
    expect(relNorm(e.grad, c.grad)).toBeLessThanOrEqual(TORCH_TOL);
    expect(relNorm(e.hv!, c.hv)).toBeLessThanOrEqual(TORCH_TOL);
  });
});
