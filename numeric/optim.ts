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
      return {
        direction: (d) => {
          const u = new Float64Array(d.length);
          for (let i = 0; i < d.length; i++) u[i] = d[i]! / spec.diagonal[i]!;
          return u;
        },
      };
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

// The vector steps below are plain loops, not TypedArray map with a callback: the same operations in
// the same order, at several times the speed (a call per entry from the builtin; in a mirror check's
// SGD runs the callbacks took a fifth of the profile).

/** The step direction with weight decay: g + λθ. */
export function withDecay(g: Float64Array, theta: Float64Array, decay: number): Float64Array {
  const d = new Float64Array(g.length);
  for (let i = 0; i < g.length; i++) d[i] = g[i]! + decay * theta[i]!;
  return d;
}

/** θ − η u (a new vector). */
export function descend(theta: Float64Array, u: ArrayLike<number>, eta: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(theta.length);
  for (let i = 0; i < theta.length; i++) out[i] = theta[i]! - eta * u[i]!;
  return out;
}

/** One plain gradient step on L + (decay/2)‖θ‖²: θ − η(g + decay·θ) (a new vector). */
export const gdStep = (
  theta: Float64Array,
  g: ArrayLike<number>,
  eta: number,
  decay: number,
): Float64Array<ArrayBuffer> => gdStepInto(new Float64Array(theta.length), theta, g, eta, decay);

/** The same step written into `out` (not θ's own array): a run of many steps alternates two vectors. */
export function gdStepInto<T extends Float64Array>(
  out: T,
  theta: Float64Array,
  g: ArrayLike<number>,
  eta: number,
  decay: number,
): T {
  for (let i = 0; i < theta.length; i++) {
    const x = theta[i]!;
    out[i] = x - eta * (g[i]! + decay * x);
  }
  return out;
}

/** Whether every entry is finite (a loop: `every` with a callback costs a call per entry). */
export function allFinite(x: ArrayLike<number>): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) return false;
  return true;
}
