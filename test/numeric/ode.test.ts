/** The integrator reaches its tolerance on problems with known solutions. */
import { test, fc } from '@fast-check/jest';
import { DORMAND_PRINCE, integrate } from '../../numeric/ode';

test.prop([fc.double({ min: 0.1, max: 3, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true })])(
  "exponential decay y' = −λy is integrated to ~rtol: y(1) = y0 e^{−λ}",
  (lambda, y0) => {
    const r = integrate((_, y) => y.map((x) => -lambda * x), Float64Array.of(y0), 0, 1, {
      rtol: 1e-10,
      atol: 1e-14,
    });
    expect(r.completed).toBe(true);
    expect(Math.abs(r.y[0]! - y0 * Math.exp(-lambda))).toBeLessThanOrEqual(1e-8 * Math.abs(y0) + 1e-13);
  },
);

it('a harmonic oscillator keeps its energy to the tolerance over several periods', () => {
  const r = integrate((_, y) => Float64Array.of(y[1]!, -y[0]!), Float64Array.of(1, 0), 0, 20, {
    rtol: 1e-11,
    atol: 1e-13,
  });
  expect(Math.abs(r.y[0]! - Math.cos(20))).toBeLessThan(1e-8);
  expect(Math.abs(r.y[0]! ** 2 + r.y[1]! ** 2 - 1)).toBeLessThan(1e-8);
});

// ---------------- the integrator's order (Dormand–Prince 5(4)) ----------------
//
// Every coefficient of the tableau matters to one of these: the 5th-order solution's weights and
// nodes (quadrature exact to degree 4), the full tableau (global error ∝ h⁵ with a fixed step, on
// nonlinear and non-autonomous problems), and the embedded 4th-order weights (the error estimate
// vanishes on cubics, and step counts scale as tol^(−1/5)). Each test caps the step count, so a
// broken coefficient fails in milliseconds instead of crawling through tiny steps.

/** Problems with known solutions: nonlinear and non-autonomous, linear non-autonomous, a 2-D system. */
const PROBLEMS = [
  {
    name: "y' = −t y², y(0) = 1 (y = 2/(t² + 2))",
    f: (t: number, y: Float64Array) => Float64Array.of(-t * y[0]! * y[0]!),
    y0: Float64Array.of(1),
    T: 2,
    exact: (t: number) => [2 / (t * t + 2)],
  },
  {
    name: "y' = y cos t, y(0) = 1 (y = e^{sin t})",
    f: (t: number, y: Float64Array) => Float64Array.of(y[0]! * Math.cos(t)),
    y0: Float64Array.of(1),
    T: 6,
    exact: (t: number) => [Math.exp(Math.sin(t))],
  },
  {
    name: "u' = v, v' = −u (u = cos t, v = −sin t)",
    f: (_: number, y: Float64Array) => Float64Array.of(y[1]!, -y[0]!),
    y0: Float64Array.of(1, 0),
    T: 6,
    exact: (t: number) => [Math.cos(t), -Math.sin(t)],
  },
] as const;

const maxErr = (y: ArrayLike<number>, exact: readonly number[]): number =>
  Math.max(...exact.map((x, i) => Math.abs(y[i]! - x)));

/** n fixed steps of size T/n: each a call that accepts its one step (an error control that never rejects). */
function fixedSteps(p: (typeof PROBLEMS)[number], n: number): Float64Array {
  let y = Float64Array.from(p.y0);
  for (let i = 0; i < n; i++) {
    const [t0, t1] = [(p.T * i) / n, (p.T * (i + 1)) / n];
    const r = integrate(p.f, y, t0, t1, { h0: t1 - t0, rtol: 0, atol: 1e300, maxSteps: 1 });
    expect(r.completed && r.steps === 1 && r.rejected === 0).toBe(true);
    y = Float64Array.from(r.y);
  }
  return y;
}

describe('Dormand–Prince: a fifth-order method with a fourth-order error estimate', () => {
  it.each([0, 1, 2, 3, 4])(
    "one step integrates y' = (k+1) t^k exactly for k = %d ≤ 4 (the weights and nodes are a 5th-order quadrature)",
    (k) => {
      const r = integrate((t) => Float64Array.of((k + 1) * t ** k), Float64Array.of(0), 0, 1.5, {
        h0: 1.5,
        rtol: 0,
        atol: 1e300,
        maxSteps: 1,
      });
      expect(r.completed).toBe(true);
      expect(Math.abs(r.y[0]! - 1.5 ** (k + 1))).toBeLessThanOrEqual(1e-14 * 1.5 ** (k + 1));
    },
  );

  it.each(PROBLEMS.map((p) => [p.name, p] as const))(
    'fixed steps: the global error falls as h⁵ (halving h divides it by ~32) — %s',
    (_, p) => {
      const errs = [32, 64, 128].map((n) => maxErr(fixedSteps(p, n), p.exact(p.T)));
      for (let i = 0; i + 1 < errs.length; i++) {
        const order = Math.log2(errs[i]! / errs[i + 1]!);
        expect(order).toBeGreaterThan(4.6);
        expect(order).toBeLessThan(5.6);
      }
    },
  );

  it("the embedded estimate vanishes on cubics: y' = 4t³ over [0, 100] takes a handful of ever longer steps", () => {
    const r = integrate((t) => Float64Array.of(4 * t ** 3), Float64Array.of(0), 0, 100, {
      h0: 1e-3,
      rtol: 1e-13,
      atol: 1e-13,
      maxSteps: 200,
    });
    expect(r.completed).toBe(true);
    expect(r.rejected).toBe(0);
    expect(r.steps).toBeLessThanOrEqual(12); // ×5 per step: 1e-3 → 100 in ~8 steps
    expect(Math.abs(r.y[0]! - 1e8)).toBeLessThanOrEqual(1e-6);
  });

  it.each(PROBLEMS.map((p) => [p.name, p] as const))(
    'adaptive: the global error is proportional to the tolerance, and steps grow as tol^(−1/5) — %s',
    (_, p) => {
      const tols = [1e-5, 1e-7, 1e-9, 1e-11];
      const runs = tols.map((tol) => {
        const r = integrate(p.f, p.y0, 0, p.T, { rtol: tol, atol: tol * 1e-3, maxSteps: 5000 });
        expect(r.completed).toBe(true);
        return { tol, err: maxErr(r.y, p.exact(p.T)), steps: r.steps };
      });
      for (const r of runs) expect(r.err).toBeLessThanOrEqual(10 * r.tol);
      // From 1e-5 to 1e-11 the error must fall by at least 1e4 …
      expect(runs[3]!.err).toBeLessThan(1e-4 * runs[0]!.err + 1e-13);
      // … and the steps grow by (1e6)^(1/5) ≈ 16 for a 5(4) pair (a 4(3) or worse would need ≥ 30).
      const growth = runs[3]!.steps / runs[0]!.steps;
      expect(growth).toBeGreaterThan(6);
      expect(growth).toBeLessThan(30);
    },
  );
});

// ---------------- the same arithmetic as the textbook loop ----------------
//
// integrate() forms each stage and the combined step with the coefficients times h in locals and
// one loop per stage. Every entry must be the same sum, in the same order, as the textbook double
// loop over the tableau (a flow check's drift and a train report's trajectory are reported to
// the bit, and reports are compared across versions): the same y, t, accepted and rejected steps.

// The module's own tableau (its coefficients are pinned by the order tests above).
const { C: TC, A: TA, B5: TB5, B4: TB4 } = DORMAND_PRINCE;

function textbook(
  f: (t: number, y: Float64Array) => Float64Array,
  y0: Float64Array,
  t1: number,
  rtol: number,
  atol: number,
  maxSteps: number,
): { y: Float64Array; t: number; steps: number; rejected: number; completed: boolean } {
  const n = y0.length;
  let y = Float64Array.from(y0);
  let t = 0;
  let k1 = f(t, y);
  const rms = (v: Float64Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0) / n);
  let h = Math.min(t1, (0.01 * (rms(y) + atol)) / (rms(k1) + 1e-300));
  let steps = 0;
  let rejected = 0;
  while (t < t1) {
    if (steps + rejected >= maxSteps) return { y, t, steps, rejected, completed: false };
    if (t + h > t1) h = t1 - t;
    const k: Float64Array[] = [k1];
    for (let s = 1; s < 7; s++) {
      const arg = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let acc = y[i]!;
        for (let j = 0; j < s; j++) acc += h * TA[s]![j]! * k[j]![i]!;
        arg[i] = acc;
      }
      k.push(f(t + TC[s]! * h, arg));
    }
    const yNew = new Float64Array(n);
    let err = 0;
    for (let i = 0; i < n; i++) {
      let y5 = y[i]!;
      let e = 0;
      for (let s = 0; s < 7; s++) {
        y5 += h * TB5[s]! * k[s]![i]!;
        e += h * (TB5[s]! - TB4[s]!) * k[s]![i]!;
      }
      yNew[i] = y5;
      err += (e / (atol + rtol * Math.max(Math.abs(y[i]!), Math.abs(y5)))) ** 2;
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
      k1 = k[6]!;
      steps++;
    } else rejected++;
    h *= Math.min(5, Math.max(0.2, 0.9 * Math.pow(err || 1e-10, -1 / 5)));
  }
  return { y, t, steps, rejected, completed: true };
}

/** A nonlinear, coupled, non-autonomous field on n entries, stiff when `stiff` is large. */
const field =
  (stiff: number, blowUp: boolean) =>
  (t: number, y: Float64Array): Float64Array => {
    const n = y.length;
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const next = y[(i + 1) % n]!;
      v[i] = -stiff * (i % 3) * y[i]! + Math.sin(next) * Math.cos(t) - 0.1 * y[i]! * y[i]! * y[i]!;
      if (blowUp && i === 0) v[i] = y[i]! * y[i]! * 1e3; // escapes to ∞: a non-finite error estimate
    }
    return v;
  };

test.prop([
  fc.integer({ min: 1, max: 40 }),
  fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  fc.constantFrom(0, 1, 50, 400),
  fc.constantFrom(1e-4, 1e-8, 1e-11),
  fc.constantFrom(5, 60, 2000),
  fc.boolean(),
])(
  'every step is the textbook Dormand–Prince arithmetic to the bit (accepted, rejected, non-finite, cut short)',
  (n, seed, stiff, rtol, maxSteps, blowUp) => {
    let s = seed;
    const y0 = new Float64Array(n).map(() => {
      s = (Math.imul(s, 48271) >>> 0) % 2147483647;
      return (s / 2147483647) * 4 - 2;
    });
    const f = field(stiff, blowUp);
    const atol = rtol * 1e-3;
    const want = textbook(f, y0, 1, rtol, atol, maxSteps);
    const got = integrate(f, y0, 0, 1, { rtol, atol, maxSteps });
    expect([got.t, got.steps, got.rejected, got.completed]).toEqual([
      want.t,
      want.steps,
      want.rejected,
      want.completed,
    ]);
    expect(Array.from(got.y, (x) => (Object.is(x, -0) ? '-0' : x))).toEqual(
      Array.from(want.y, (x) => (Object.is(x, -0) ? '-0' : x)),
    );
  },
);
