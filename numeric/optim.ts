/**
 * Optimiser steps on float64 parameter vectors, in one place for every descent loop of the
 * toolkit (trajectory checks, convergence orders, mirror experiments).
 *
 * Conventions (PyTorch's): the step direction d = g + λθ includes weight decay λ;
 *   sgd       u = d
 *   momentum  v ← βv + (1 − dampening) d, u = v            (v₀ = 0)
 *   precond   u = d / G with a constant diagonal G
 *   adam      m ← β₁m + (1 − β₁)d, s ← β₂s + (1 − β₂)d², u = m̂ / (√ŝ + ε)
 *             with bias correction
 * and θ ← θ − η u.
 */

/** The update rule of an optimiser, with its numeric hyper-parameters. */
export type OptimiserSpec =
  | { readonly kind: 'sgd' }
  | { readonly kind: 'momentum'; readonly beta: number; readonly dampening: number }
  | { readonly kind: 'precond'; readonly diagonal: Float64Array }
  | { readonly kind: 'adam'; readonly beta1: number; readonly beta2: number; readonly eps: number };

/** An optimiser's state over a run: `direction(d)` turns step k's direction d into the update u. */
export interface Optimiser {
  direction(d: Float64Array): Float64Array;
}

/** A fresh optimiser (zero momentum and moments) for n parameters. */
export function optimiser(spec: OptimiserSpec, n: number): Optimiser {
  switch (spec.kind) {
    case 'sgd':
      return { direction: (d) => d };
    case 'momentum': {
      const vel = new Float64Array(n);
      return {
        direction: (d) => {
          for (let i = 0; i < n; i++) vel[i] = spec.beta * vel[i]! + (1 - spec.dampening) * d[i]!;
          return Float64Array.from(vel);
        },
      };
    }
    case 'precond':
      return { direction: (d) => d.map((x, i) => x / spec.diagonal[i]!) };
    case 'adam': {
      const m1 = new Float64Array(n),
        m2 = new Float64Array(n);
      const { beta1: b1, beta2: b2, eps } = spec;
      let k = 0;
      return {
        direction: (d) => {
          k++;
          const u = new Float64Array(n);
          for (let i = 0; i < n; i++) {
            m1[i] = b1 * m1[i]! + (1 - b1) * d[i]!;
            m2[i] = b2 * m2[i]! + (1 - b2) * d[i]! * d[i]!;
            u[i] = m1[i]! / (1 - b1 ** k) / (Math.sqrt(m2[i]! / (1 - b2 ** k)) + eps);
          }
          return u;
        },
      };
    }
  }
}

/** The step direction with weight decay: g + λθ. */
export const withDecay = (g: Float64Array, theta: Float64Array, decay: number): Float64Array =>
  g.map((x, i) => x + decay * theta[i]!);

/** θ − η u (a new vector). */
export const descend = (theta: Float64Array, u: ArrayLike<number>, eta: number): Float64Array<ArrayBuffer> =>
  theta.map((x, i) => x - eta * u[i]!);

/** One plain gradient step on L + (decay/2)‖θ‖²: θ − η(g + decay·θ) (a new vector). */
export const gdStep = (
  theta: Float64Array,
  g: ArrayLike<number>,
  eta: number,
  decay: number,
): Float64Array<ArrayBuffer> => theta.map((x, i) => x - eta * (g[i]! + decay * x));
