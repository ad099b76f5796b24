/**
 * Adaptive Dormand–Prince 5(4) integration (the embedded Runge–Kutta pair behind ode45), used to
 * follow gradient flow θ̇ = −∇L(θ) closely enough that a conserved quantity stays constant to the
 * integrator's tolerance. Error control per step: ‖err_i / (atol + rtol·max(|y_i|, |y_new,i|))‖_rms ≤ 1.
 */
export interface OdeOptions {
  readonly rtol?: number;
  readonly atol?: number;
  readonly maxSteps?: number;
  /** First step size (default: chosen from the initial slope). */
  readonly h0?: number;
}

export interface OdeResult {
  readonly y: Float64Array;
  readonly t: number;
  readonly steps: number;
  readonly rejected: number;
  /** False when maxSteps ran out before t1. */
  readonly completed: boolean;
}

/** The Dormand–Prince 5(4) tableau: nodes C, stage weights A, the 5th- and 4th-order weights B5, B4. */
export const DORMAND_PRINCE: {
  readonly C: readonly number[];
  readonly A: readonly (readonly number[])[];
  readonly B5: readonly number[];
  readonly B4: readonly number[];
} = {
  C: [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1],
  A: [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
  ],
  B5: [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0],
  B4: [5179 / 57600, 0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40],
};
const { C, A, B5, B4 } = DORMAND_PRINCE;

/** The seven slopes of a step, k_0 … k_6. */
type Slopes = [
  Float64Array,
  Float64Array,
  Float64Array,
  Float64Array,
  Float64Array,
  Float64Array,
  Float64Array,
];

export function integrate(
  f: (t: number, y: Float64Array) => Float64Array,
  y0: Float64Array,
  t0: number,
  t1: number,
  opts: OdeOptions = {},
): OdeResult {
  const rtol = opts.rtol ?? 1e-10;
  const atol = opts.atol ?? 1e-12;
  const maxSteps = opts.maxSteps ?? 100_000;
  const n = y0.length;
  let y = Float64Array.from(y0);
  let t = t0;
  let k1 = f(t, y);
  let h =
    opts.h0 ??
    Math.min(
      t1 - t0,
      (0.01 * (Math.sqrt(y.reduce((s, x) => s + x * x, 0) / n) + atol)) /
        (Math.sqrt(k1.reduce((s, x) => s + x * x, 0) / n) + 1e-300),
    );
  let steps = 0,
    rejected = 0;
  const k: Slopes = [k1, k1, k1, k1, k1, k1, k1];
  const tmp = new Float64Array(n);
  // A step's coefficients times h, formed once per step: h·A[s][j] is the same product the stage
  // sums take entry by entry, so every entry is the same sum of the same terms in the same order.
  const hA = new Float64Array(7 * 7);
  const hB5 = new Float64Array(7);
  const hE = new Float64Array(7);
  while (t < t1) {
    if (steps + rejected >= maxSteps) return { y, t, steps, rejected, completed: false };
    if (t + h > t1) h = t1 - t;
    k[0] = k1;
    for (let s = 1; s < 7; s++) for (let j = 0; j < s; j++) hA[7 * s + j] = h * A[s]![j]!;
    for (let s = 0; s < 7; s++) {
      hB5[s] = h * B5[s]!;
      hE[s] = h * (B5[s]! - B4[s]!);
    }
    for (let s = 1; s < 7; s++) {
      stageInput(tmp, y, k, hA, s);
      k[s] = f(t + C[s]! * h, tmp.slice());
    }
    const yNew = new Float64Array(n);
    const err = Math.sqrt(combine(yNew, y, k, hB5, hE, atol, rtol) / n);
    if (!Number.isFinite(err)) {
      h /= 10;
      rejected++;
      continue;
    }
    if (err <= 1) {
      t += h;
      y = yNew;
      k1 = k[6]!; // first-same-as-last
      steps++;
    } else rejected++;
    h *= Math.min(5, Math.max(0.2, 0.9 * Math.pow(err || 1e-10, -1 / 5)));
  }
  return { y, t, steps, rejected, completed: true };
}

/**
 * Stage s's argument, tmp = y + Σ_{j<s} (h·A[s][j]) k_j, each entry summed left to right. One loop
 * per stage with the coefficients and slopes in locals: the generic double loop read A[s][j] and
 * k[j] for every entry and every term (3–4× slower at a few thousand entries).
 */
function stageInput(tmp: Float64Array, y: Float64Array, k: Slopes, hA: Float64Array, s: number): void {
  const n = tmp.length;
  const [k0, k1, k2, k3, k4, k5] = k;
  const r = 7 * s;
  const [a0, a1, a2, a3, a4, a5] = [hA[r]!, hA[r + 1]!, hA[r + 2]!, hA[r + 3]!, hA[r + 4]!, hA[r + 5]!];
  switch (s) {
    case 1:
      for (let i = 0; i < n; i++) tmp[i] = y[i]! + a0 * k0[i]!;
      return;
    case 2:
      for (let i = 0; i < n; i++) tmp[i] = y[i]! + a0 * k0[i]! + a1 * k1[i]!;
      return;
    case 3:
      for (let i = 0; i < n; i++) tmp[i] = y[i]! + a0 * k0[i]! + a1 * k1[i]! + a2 * k2[i]!;
      return;
    case 4:
      for (let i = 0; i < n; i++) tmp[i] = y[i]! + a0 * k0[i]! + a1 * k1[i]! + a2 * k2[i]! + a3 * k3[i]!;
      return;
    case 5:
      for (let i = 0; i < n; i++)
        tmp[i] = y[i]! + a0 * k0[i]! + a1 * k1[i]! + a2 * k2[i]! + a3 * k3[i]! + a4 * k4[i]!;
      return;
    default:
      for (let i = 0; i < n; i++)
        tmp[i] = y[i]! + a0 * k0[i]! + a1 * k1[i]! + a2 * k2[i]! + a3 * k3[i]! + a4 * k4[i]! + a5 * k5[i]!;
  }
}

/**
 * The fifth-order solution y + Σ_s (h·B5[s]) k_s into yNew, and the sum over entries of the squared
 * scaled error (Σ_s (h·(B5[s] − B4[s])) k_s) / (atol + rtol·max(|y|, |yNew|)): each sum left to right
 * from y (the error's from its first term: the loop's 0 + changes at most the sign of a zero, which
 * squaring drops), as the generic loop over s added them.
 */
function combine(
  yNew: Float64Array,
  y: Float64Array,
  k: Slopes,
  hB5: Float64Array,
  hE: Float64Array,
  atol: number,
  rtol: number,
): number {
  const [k0, k1, k2, k3, k4, k5, k6] = k;
  const [b0, b1, b2, b3, b4, b5, b6] = [hB5[0]!, hB5[1]!, hB5[2]!, hB5[3]!, hB5[4]!, hB5[5]!, hB5[6]!];
  const [e0, e1, e2, e3, e4, e5, e6] = [hE[0]!, hE[1]!, hE[2]!, hE[3]!, hE[4]!, hE[5]!, hE[6]!];
  let err = 0;
  for (let i = 0; i < y.length; i++) {
    const q0 = k0[i]!,
      q1 = k1[i]!,
      q2 = k2[i]!,
      q3 = k3[i]!,
      q4 = k4[i]!,
      q5 = k5[i]!,
      q6 = k6[i]!;
    const y5 = y[i]! + b0 * q0 + b1 * q1 + b2 * q2 + b3 * q3 + b4 * q4 + b5 * q5 + b6 * q6;
    const e = e0 * q0 + e1 * q1 + e2 * q2 + e3 * q3 + e4 * q4 + e5 * q5 + e6 * q6;
    yNew[i] = y5;
    const sc = atol + rtol * Math.max(Math.abs(y[i]!), Math.abs(y5));
    err += (e / sc) ** 2;
  }
  return err;
}
