/**
 * The seeded normal generator (a ziggurat) against the standard normal distribution itself: its
 * CDF (Kolmogorov–Smirnov and χ² over equiprobable bins, the CDF from an independent erf), its
 * tails beyond the ziggurat's base (drawn by a separate algorithm, so a wrong sign or scale there
 * shows) and its moments; and the bulk fill against the one-at-a-time draw, value for value.
 */
import { rng } from '../../numeric/rng';

/** erf by Abramowitz and Stegun 7.1.26 (absolute error ≤ 1.5e-7, far below the tests' resolution). */
function erf(x: number): number {
  const s = Math.sign(x),
    a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return s * (1 - poly * Math.exp(-a * a));
}
const cdf = (z: number): number => 0.5 * (1 + erf(z / Math.SQRT2));

const draws = (seed: number, n: number): Float64Array => {
  const r = rng(seed);
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) z[i] = r.normal();
  return z;
};

test('Kolmogorov–Smirnov: the largest CDF gap over 10⁶ draws is below the 1% critical value', () => {
  const n = 1_000_000;
  const z = draws(11, n).sort();
  let d = 0;
  for (let i = 0; i < n; i++) {
    const F = cdf(z[i]!);
    d = Math.max(d, Math.abs(F - i / n), Math.abs((i + 1) / n - F));
  }
  // P(√n·D > 1.63) ≈ 0.01 (the Kolmogorov distribution).
  expect(d * Math.sqrt(n)).toBeLessThan(1.63);
});

test('χ² over 200 equiprobable bins (the layers and their wedges resolved) stays below its 0.1% quantile', () => {
  const bins = 200,
    n = 1_000_000;
  const counts = new Float64Array(bins);
  for (const x of draws(12, n)) counts[Math.min(bins - 1, Math.floor(cdf(x) * bins))]! += 1;
  const e = n / bins;
  const chi2 = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
  // 199 degrees of freedom: mean 199, sd √398 ≈ 20; the 0.1% quantile is ≈ 267.
  expect(chi2).toBeLessThan(267);
});

test('the tails beyond the base layer (|z| > 3.4426) have the normal mass, equally on both sides', () => {
  const n = 2_000_000,
    R = 3.442619855899;
  let lo = 0,
    hi = 0,
    far = 0;
  for (const x of draws(13, n)) {
    if (x > R) hi++;
    if (x < -R) lo++;
    if (Math.abs(x) > 4.5) far++;
  }
  const binomial = (p: number): { mean: number; sd: number } => ({
    mean: n * p,
    sd: Math.sqrt(n * p * (1 - p)),
  });
  const side = binomial(1 - cdf(R));
  for (const k of [lo, hi]) expect(Math.abs(k - side.mean)).toBeLessThan(5 * side.sd);
  const beyond = binomial(2 * (1 - cdf(4.5)));
  expect(Math.abs(far - beyond.mean)).toBeLessThan(5 * beyond.sd + 1);
});

test('moments: mean 0, variance 1, kurtosis 3 within five standard errors over 10⁶ draws', () => {
  const n = 1_000_000;
  let m1 = 0,
    m2 = 0,
    m4 = 0;
  for (const x of draws(14, n)) {
    m1 += x;
    m2 += x * x;
    m4 += x ** 4;
  }
  // Standard errors: √(1/n), √(2/n) and √(96/n) for the mean, variance and fourth moment of N(0, 1).
  expect(Math.abs(m1 / n)).toBeLessThan(5 * Math.sqrt(1 / n));
  expect(Math.abs(m2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  expect(Math.abs(m4 / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
});

test('fillNormal writes shift + scale · normal() value for value, leaving the generator where the loop would', () => {
  for (const seed of [0, 1, 2 ** 31, 4294967295]) {
    const a = rng(seed),
      b = rng(seed);
    const n = 100_000;
    const bulk = new Float64Array(n + 10);
    b.fillNormal(bulk, 5, n + 5, 0.25, 2);
    let differing = 0;
    for (let i = 0; i < n; i++) if (bulk[i + 5] !== 2 + 0.25 * a.normal()) differing++;
    expect(differing).toBe(0);
    expect([...bulk.subarray(0, 5), ...bulk.subarray(n + 5)]).toEqual(new Array(10).fill(0));
    expect(b.next()).toBe(a.next());
  }
});

test('fillNormal refuses a range that is not one (it would never reach its end)', () => {
  const out = new Float64Array(4);
  for (const [from, to] of [
    [0, undefined],
    [NaN, 4],
    [0, 5],
    [-1, 2],
  ])
    expect(() => rng(1).fillNormal(out, from as number, to as number)).toThrow(RangeError);
  expect(() => rng(1).fillNormal(out, 0, 4)).not.toThrow();
});

test('the same seed draws the same values; different seeds draw different ones', () => {
  expect(draws(5, 1000)).toEqual(draws(5, 1000));
  expect(draws(5, 1000)).not.toEqual(draws(6, 1000));
});
