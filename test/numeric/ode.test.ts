/** The integrator reaches its tolerance on problems with known solutions. */
import { test, fc } from '@fast-check/jest';
import { integrate } from '../../numeric/ode';

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
