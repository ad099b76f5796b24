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

const C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1];
const A: number[][] = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
  [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
];
const B5 = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0];
const B4 = [5179 / 57600, 0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40];

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
  const k: Float64Array[] = new Array(7);
  const tmp = new Float64Array(n);
  while (t < t1) {
    if (steps + rejected >= maxSteps) return { y, t, steps, rejected, completed: false };
    if (t + h > t1) h = t1 - t;
    k[0] = k1;
    for (let s = 1; s < 7; s++) {
      for (let i = 0; i < n; i++) {
        let acc = y[i]!;
        for (let j = 0; j < s; j++) acc += h * A[s]![j]! * k[j]![i]!;
        tmp[i] = acc;
      }
      k[s] = f(t + C[s]! * h, Float64Array.from(tmp));
    }
    const yNew = new Float64Array(n);
    let err = 0;
    for (let i = 0; i < n; i++) {
      let y5 = y[i]!,
        e = 0;
      for (let s = 0; s < 7; s++) {
        y5 += h * B5[s]! * k[s]![i]!;
        e += h * (B5[s]! - B4[s]!) * k[s]![i]!;
      }
      yNew[i] = y5;
      const sc = atol + rtol * Math.max(Math.abs(y[i]!), Math.abs(y5));
      err += (e / sc) ** 2;
    }
    err = Math.sqrt(err / n);
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
