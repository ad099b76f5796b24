/** Comparing the toolkit with PyTorch float64 references. */

/** Two independent float64 implementations of the same function agree to rounding: ≤ 1e-12 relative. */
export const TORCH_TOL = 1e-12;

/** ‖a − b‖ / ‖b‖ (b the reference). */
export const relNorm = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0,
    s = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    s += b[i]! ** 2;
  }
  return Math.sqrt(d / (s || 1e-300));
};
