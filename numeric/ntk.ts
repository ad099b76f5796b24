/**
 * The empirical neural tangent kernel Θ = J Jᵀ (J: the batch's outputs × parameters) and the
 * loss's output adjoint r = ∂L/∂f, for GU's time-symmetry law: along gradient flow
 * dL/dt = −‖∇L‖² = −rᵀ Θ r, because ∇L = Jᵀ r.
 */
import { mat } from './linalg';
import { evaluate, type Network, type Batch } from './mlp';

export interface Ntk {
  /** Θ, n × n row-major with n = batch · outputs. */
  readonly kernel: Float64Array;
  /** r = ∂L/∂f, length n. */
  readonly r: Float64Array;
  readonly n: number;
}

export function empiricalNtk(net: Network, params: Float64Array, batch: Batch): Ntk {
  const B = batch.X.rows,
    out = batch.Y.cols,
    n = B * out;
  // Row k of J: backpropagate the unit output adjoint e_k.
  const rows = Array.from({ length: n }, (_, k) => {
    const e = mat(B, out);
    e.data[k] = 1;
    return evaluate(net, params, batch, undefined, { outputAdjoint: e }).grad;
  });
  const kernel = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      let s = 0;
      const a = rows[i]!,
        b = rows[j]!;
      for (let t = 0; t < a.length; t++) s += a[t]! * b[t]!;
      kernel[i * n + j] = s;
      kernel[j * n + i] = s;
    }
  return { kernel, r: Float64Array.from(evaluate(net, params, batch).outputAdjoint.data), n };
}
