/**
 * The loss at a point of the orbit and its natural scale. A symmetry leaves L(ψ(θ, a)) = L(θ)
 * exactly; in float64 the two differ by the rounding of the forward pass, which is measured against
 * what the loss's last step cancels: for softmax cross-entropy the mean of |logsumexp(f_b)| + Σ_j
 * y_bj|f_bj|, for ½-mean squared error ½ mean Σ_j (|f_bj| + |y_bj|)².
 */
import { evaluate, type Batch, type Evaluation, type Network } from '../../numeric/mlp';

/**
 * Relative tolerance of the loss along the orbit (docs/theory.md §7, §9): a teleport applies the
 * declared finite group element itself (no integrator), so L(ψ(θ, a)) − L(θ) is the forward pass's
 * rounding, about 1e-15 of the loss's natural scale; 1e-12 leaves three orders of magnitude for
 * depth and the exponentials of the action, while a map that is not a symmetry moves the loss at
 * first order in a (relative changes of 1e-3 and more for the steps a teleport takes).
 */
export const ORBIT_TOLERANCE = 1e-12;

/** The natural scale of the loss an evaluation computed (see the module comment). */
export function lossScale(net: Network, e: Evaluation, batch: Batch): number {
  const F = e.outputs;
  const Y = batch.Y;
  const B = F.rows;
  const m = F.cols;
  let s = 0;
  for (let b = 0; b < B; b++) {
    if (net.spec.loss === 'ce') {
      let mx = -Infinity;
      for (let j = 0; j < m; j++) mx = Math.max(mx, F.data[b * m + j]!);
      let se = 0;
      for (let j = 0; j < m; j++) se += Math.exp(F.data[b * m + j]! - mx);
      const lse = mx + Math.log(se);
      let row = 0;
      for (let j = 0; j < m; j++) row += Y.data[b * m + j]! * (Math.abs(lse) + Math.abs(F.data[b * m + j]!));
      s += row;
    } else {
      for (let j = 0; j < m; j++)
        s += 0.5 * (Math.abs(F.data[b * m + j]!) + Math.abs(Y.data[b * m + j]!)) ** 2;
    }
  }
  return s / B;
}

/** Loss, gradient and the loss's natural scale at θ. */
export function lossAt(
  net: Network,
  theta: Float64Array,
  batch: Batch,
): { loss: number; grad: Float64Array; scale: number } {
  const e = evaluate(net, theta, batch);
  return { loss: e.loss, grad: Float64Array.from(e.grad), scale: lossScale(net, e, batch) };
}
