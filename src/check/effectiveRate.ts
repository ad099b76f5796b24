/**
 * The effective learning rate of a scale-invariant block under SGD with weight decay, as a trajectory
 * (docs/theory.md §3.4, §3.9) [NLD]. The direction θ̂ = θ/ρ learns at η/ρ²_k, and ρ² obeys the exact
 * recursion ρ²_{k+1} = c_Q ρ²_k + c_G ‖ĝ_k‖²/ρ²_k (c_Q = (1 − ηλ)², c_G = η², the normalisation
 * law's coefficients). Squared, ρ⁴_{k+1} = c_Q² ρ⁴_k + 2c_Q c_G ‖ĝ_k‖² + c_G² ‖ĝ_k‖⁴/ρ⁴_k:
 * without the last term this is RMSProp's second moment v_{k+1} = c_Q² v_k + 2c_Q c_G ‖ĝ_k‖²,
 * with ρ⁴ in the place of v.
 *
 * Given the observed ρ²_0 … ρ²_K and ‖ĝ_k‖², this runs both forward from ρ²_0 alone (never reset to the
 * observed values) and measures their gaps. The RMSProp form drops a positive term, so v_k ≤ ρ⁴_k,
 * and with δ_j² = c_G‖ĝ_j‖²/ρ⁴_j (δ_j the angle the direction turns at step j) the dropped terms give
 * 0 ≤ (ρ⁴_k − v_k)/ρ⁴_k ≤ Σ_{j<k} δ_j⁴/c_Q² =: B (each ρ⁴_{j+1} ≥ c_Q² ρ⁴_j); the effective
 * rate η/√v then exceeds η/ρ² by a relative 1/√(1 − B) − 1 ≈ B/2 at most: fourth order in the
 * angular step.
 */

/** One step of the effective-rate trajectory: η/ρ²_k observed, from the exact recursion, RMSProp-like. */
export interface EffectiveRatePoint {
  readonly step: number;
  readonly observed: number;
  readonly predicted: number;
  readonly rmsprop: number;
}

/** The effective learning rate of a normalised block along one trajectory, observed against its two predictions. */
export interface EffectiveRate {
  readonly steps: number;
  /** max_k of |predicted − observed|/observed, the exact recursion run forward from ρ²_0 (rounding: ~1e-14). */
  readonly exactGap: number;
  /** max_k of |RMSProp-like − observed|/observed. */
  readonly rmspropGap: number;
  /** The bound 1/√(1 − B) − 1 on that gap, B = Σ δ_j⁴/c_Q² (Infinity when B ≥ 1). */
  readonly rmspropBound: number;
  /** The largest angular step δ_j = √c_G ‖ĝ_j‖/ρ²_j. */
  readonly angularStep: number;
  readonly points: readonly EffectiveRatePoint[];
}

/**
 * The effective-rate trajectory from the observed ρ²_0 … ρ²_K (K + 1 values) and ‖ĝ_0‖² …
 * ‖ĝ_{K−1}‖², with the normalisation law's coefficients c_Q, c_G and the step size η.
 */
export function effectiveRate(
  rho2: readonly number[],
  ghat2: readonly number[],
  cQ: number,
  cG: number,
  lr: number,
): EffectiveRate {
  let p = rho2[0]!,
    v = p * p,
    exactGap = 0,
    rmspropGap = 0,
    B = 0,
    angularStep = 0;
  const points: EffectiveRatePoint[] = [{ step: 0, observed: lr / p, predicted: lr / p, rmsprop: lr / p }];
  for (let k = 0; k < ghat2.length && k + 1 < rho2.length; k++) {
    const g2 = ghat2[k]!;
    const d2 = (cG * g2) / (rho2[k]! * rho2[k]!);
    angularStep = Math.max(angularStep, Math.sqrt(d2));
    B += (d2 * d2) / (cQ * cQ);
    p = cQ * p + (cG * g2) / p;
    v = cQ * cQ * v + 2 * cQ * cG * g2;
    const observed = lr / rho2[k + 1]!;
    const predicted = lr / p;
    const rmsprop = lr / Math.sqrt(v);
    exactGap = Math.max(exactGap, Math.abs(predicted - observed) / observed);
    rmspropGap = Math.max(rmspropGap, Math.abs(rmsprop - observed) / observed);
    points.push({ step: k + 1, observed, predicted, rmsprop });
  }
  return {
    steps: points.length - 1,
    exactGap,
    rmspropGap,
    rmspropBound: B < 1 ? 1 / Math.sqrt(1 - B) - 1 : Infinity,
    angularStep,
    points,
  };
}
