/**
 * norm2 and norm2Of (numeric/linalg.ts): the 2-norm without spurious underflow or overflow. Checked
 * against Math.hypot (scaled by the engine, written independently), against exact power-of-two
 * scaling (‖2ᵏx‖ = 2ᵏ‖x‖ exactly, as long as no entry leaves the normal range), and bit for bit
 * against √Σ x² where the squares stay in range (the checks' residuals are unchanged there).
 */
import { test, fc } from '@fast-check/jest';
import { norm2, norm2Of } from '../../numeric/linalg';

const finite = fc.double({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true });
const vector = fc.array(finite, { minLength: 1, maxLength: 40 }).map((xs) => Float64Array.from(xs));
/** Relative agreement of two norm computations that round differently (each within ~n ulps). */
const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-14 * Math.max(a, b);

describe('norm2: the 2-norm over the whole double range', () => {
  test.prop([vector])('in range, the same bits as √Σ x² (and as norm2Of)', (x) => {
    const plain = Math.sqrt(x.reduce((s, v) => s + v * v, 0));
    // Vectors of zeros, or of entries below 1e-125, take the scaled path; the rest must be plain.
    if (plain ** 2 >= 1e-250) expect(norm2(x)).toBe(plain);
    expect(norm2Of(x.length, (i) => x[i]!)).toBe(norm2(x));
    // A plain array: the same sum in the same order as the Float64Array.
    expect(norm2(Array.from(x))).toBe(norm2(x));
    expect(close(norm2(x), Math.hypot(...x))).toBe(true);
  });

  test.prop([vector, fc.constantFrom(-900, -700, -560, 560, 700, 900)])(
    'scaled by 2ᵏ (squares far outside the range), the norm scales by exactly 2ᵏ (to rounding)',
    (x, k) => {
      const scaled = x.map((v) => v * 2 ** k);
      // Entries below the normal range (before or after scaling) have lost bits: leave those out.
      const normal = (v: number): boolean => v === 0 || Math.abs(v) >= 2 ** -1022;
      fc.pre(x.every(normal) && scaled.every((v, i) => normal(v) && (v === 0) === (x[i] === 0)));
      const n = norm2(x);
      expect(close(norm2(scaled), n * 2 ** k)).toBe(true);
      expect(close(norm2(scaled), Math.hypot(...scaled))).toBe(true);
      if (n > 0) expect(norm2(scaled)).toBeGreaterThan(0);
      expect(Number.isFinite(norm2(scaled))).toBe(true);
    },
  );

  it('zeros, a single tiny or huge entry, NaN and ∞', () => {
    expect(norm2(new Float64Array(5))).toBe(0);
    expect(norm2(Float64Array.from([0, 3e-200, 0, -4e-200]))).toBeCloseTo(5e-200, 214);
    expect(norm2(Float64Array.from([3e200, -4e200]))).toBe(Math.hypot(3e200, 4e200));
    expect(norm2(Float64Array.from([5e-324]))).toBe(5e-324);
    expect(norm2(Float64Array.from([1, NaN, 1e300]))).toBeNaN();
    expect(norm2(Float64Array.from([1e-300, NaN]))).toBeNaN();
    expect(norm2(Float64Array.from([1, -Infinity]))).toBe(Infinity);
    expect(norm2Of(0, () => 1)).toBe(0);
  });
});
