/**
 * Exact refutation (src/verify/exact.ts): the witness point is a small dyadic rational (or log of
 * one, through exp), and the exact value reported there is recomputed here independently — in BigInt
 * fractions, or modulo 2⁶¹ − 1 with a separate modular power — from the point the witness prints.
 */
import { parseExpr } from '../../src/expr/parse';
import { exactWitness } from '../../src/verify/exact';

const always = (): boolean => true;
/** x^k written as a product of powers of at most 64 (the normal form's largest integer power). */
const power = (x: string, k: number): string => {
  const fs: string[] = [];
  for (; k > 64; k -= 64) fs.push(`${x}^64`);
  return [...fs, `${x}^${k}`].join('*');
};
const witness = (
  src: string,
  names: string[],
  seed = 1,
  finite: (xs: readonly number[]) => boolean = always,
) => exactWitness(parseExpr(src), names, seed, finite);

/** An exact fraction, by hand. */
interface F {
  n: bigint;
  d: bigint;
}
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));
const norm = ({ n, d }: F): F => {
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
};
const fmul = (a: F, b: F): F => norm({ n: a.n * b.n, d: a.d * b.d });
const fadd = (a: F, b: F): F => norm({ n: a.n * b.d + b.n * a.d, d: a.d * b.d });
const fpow = (a: F, k: number): F => {
  let r: F = { n: 1n, d: 1n };
  for (let i = 0; i < k; i++) r = fmul(r, a);
  return r;
};
const show = (a: F): string => (a.d === 1n ? `${a.n}` : `${a.n}/${a.d}`);
/** What the witness prints for an exact value: in full up to 160 characters, else summarised. */
const printed = (a: F): string => {
  const text = show(a);
  return text.length <= 160
    ? text
    : `a rational of ${text.length} characters, ≈ ${(Number(a.n) / Number(a.d)).toPrecision(6)}`;
};
/** A printed dyadic value such as "-0.75" as a fraction. */
const dyadic = (text: string): F => {
  const v = Number(text);
  let d = 1n;
  let y = v;
  while (!Number.isInteger(y)) {
    y *= 2;
    d *= 2n;
  }
  return norm({ n: BigInt(y), d });
};
/** log(E) or log(E)/(c): E as a fraction. */
const logArg = (text: string): F => {
  const m = /^log\(([^)]+)\)/.exec(text)!;
  const [n, d] = m[1]!.split('/');
  return norm({ n: BigInt(n!), d: BigInt(d ?? '1') });
};

describe('rational residuals: a dyadic point and the exact value there', () => {
  it('x² − x: the value printed is the value at the point', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const w = witness('x^2 - x', ['x'], seed)!;
      const x = dyadic(w.point['x']!);
      expect(w.values).toEqual([Number(w.point['x'])]);
      expect(w.exact).toBe(show(fadd(fpow(x, 2), { n: -x.n, d: x.d })));
      expect(w.exact).not.toBe('0');
    }
  });

  it('first points: ±k/2^j with 1 ≤ k ≤ 4 and j ≤ 2, both signs over seeds', () => {
    const xs = Array.from({ length: 60 }, (_, s) =>
      Number(witness('x^3 + y - 1000', ['x', 'y'], s + 1)!.point['x']),
    );
    for (const x of xs) {
      expect(Number.isInteger(Math.abs(x) * 4)).toBe(true);
      expect(Math.abs(x)).toBeGreaterThanOrEqual(1 / 4);
      expect(Math.abs(x)).toBeLessThanOrEqual(4);
    }
    expect(xs.some((x) => x < 0)).toBe(true);
    expect(xs.some((x) => x > 0)).toBe(true);
    expect(xs.some((x) => Math.abs(x) === 4)).toBe(true);
    expect(xs.some((x) => !Number.isInteger(x * 2))).toBe(true);
  });

  it('x/y − 1/2 (a denominator): value x/y − 1/2 ≠ 0', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const w = witness('x/y - 1/2', ['x', 'y'], seed)!;
      const [x, y] = [dyadic(w.point['x']!), dyadic(w.point['y']!)];
      expect(w.exact).toBe(show(fadd(fmul(x, { n: y.d, d: y.n }), { n: -1n, d: 2n })));
    }
  });

  it('a residual that vanishes at every first-range point is refuted at a wider one', () => {
    // (x² − 1/16)(x² − 1/4)(x² − 9/16)(x² − 1)(x² − 9/4)(x² − 4)(x² − 9)(x² − 16) is
    // 0 at ±k/2^j, k ≤ 4, j ≤ 2.
    const roots = ['1/16', '1/4', '9/16', '1', '9/4', '4', '9', '16'];
    const src = roots.map((r) => `(x^2 - ${r})`).join('*');
    const w = witness(src, ['x'], 3)!;
    expect(w).toBeDefined();
    const x = dyadic(w.point['x']!);
    let v: F = { n: 1n, d: 1n };
    for (const r of roots) {
      const [n, d] = r.split('/');
      v = fmul(v, fadd(fpow(x, 2), { n: -BigInt(n!), d: BigInt(d ?? '1') }));
    }
    expect(v.n).not.toBe(0n);
    expect(w.exact).toBe(show(v));
    expect(Math.abs(Number(w.point['x']))).toBeLessThanOrEqual(16);
  });

  it('never a pole: 1/(x − 1) + 1/(x + 2) is never offered at x = 1 or x = −2', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const w = witness('1/(x - 1) + 1/(x + 2)', ['x'], seed)!;
      expect(['1', '-2']).not.toContain(w.point['x']);
      const x = dyadic(w.point['x']!);
      const v = fadd({ n: 1n * x.d, d: x.n - x.d }, { n: 1n * x.d, d: x.n + 2n * x.d });
      expect(w.exact).toBe(show(v));
    }
  });

  it('follows `finite`: only points it accepts, and none when it accepts none', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const w = witness('x - 5', ['x'], seed, (xs) => xs[0]! > 0)!;
      expect(Number(w.point['x'])).toBeGreaterThan(0);
    }
    expect(witness('x - 5', ['x'], 1, () => false)).toBeUndefined();
  });

  it('an expression that is not well formed is an error, not a missing witness', () => {
    expect(() => exactWitness({ kind: 'num', value: 'one half' }, [], 1, always)).toThrow(TypeError);
  });

  it('no witness for a residual that is zero, or not a rational function of the symbols', () => {
    expect(witness('x^2 - x*x', ['x'])).toBeUndefined();
    expect(witness('sin(x) - x', ['x'])).toBeUndefined();
    expect(witness('relu(x) - x', ['x'])).toBeUndefined();
    // No normal form at all (log 0).
    expect(witness('x + log(x - x)', ['x'])).toBeUndefined();
  });

  it('long exact values are summarised with their length and approximate value', () => {
    let summarised = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const w = witness(`${power('x', 200)} + 1`, ['x'], seed)!;
      const v = fadd(fpow(dyadic(w.point['x']!), 200), { n: 1n, d: 1n });
      if (show(v).length > 160) summarised++;
      expect(w.exact).toBe(printed(v));
    }
    expect(summarised).toBeGreaterThan(0);
  });

  it('the print limit: values up to 160 characters are printed, longer ones are summarised', () => {
    // 3^k has ⌊k·log10 3⌋ + 1 digits: k = 335 gives 160 digits, k = 336 gives 161.
    const at3 = (k: number): string => {
      for (let seed = 1; seed < 400; seed++) {
        const w = witness(power('x', k), ['x'], seed)!;
        if (w.point['x'] === '3') return w.exact;
      }
      throw new Error('no seed gives x = 3');
    };
    expect(at3(335)).toBe(`${3n ** 335n}`);
    expect(`${3n ** 335n}`).toHaveLength(160);
    expect(at3(336)).toBe(`a rational of 161 characters, ≈ ${(3 ** 336).toPrecision(6)}`);
  });
});

describe('through exp: a symbol that enters only as exp(c·s) takes the value log(E)/c', () => {
  it('exp(x) − 3: point log(E), value E − 3, E a positive dyadic ≠ 1', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const w = witness('exp(x) - 3', ['x'], seed)!;
      expect(w.point['x']).toMatch(/^log\([0-9/]+\)$/);
      const E = logArg(w.point['x']!);
      expect(E.n === E.d).toBe(false);
      expect(E.n > 0n).toBe(true);
      expect(w.values[0]).toBeCloseTo(Math.log(Number(E.n) / Number(E.d)), 14);
      expect(w.exact).toBe(show(fadd(E, { n: -3n, d: 1n })));
    }
  });

  it('exp(x/2) − 3: point log(E)/(1/2), value E − 3', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const w = witness('exp(x/2) - 3', ['x'], seed)!;
      expect(w.point['x']).toMatch(/^log\([0-9/]+\)\/\(1\/2\)$/);
      const E = logArg(w.point['x']!);
      expect(w.values[0]).toBeCloseTo(Math.log(Number(E.n) / Number(E.d)) * 2, 14);
      expect(w.exact).toBe(show(fadd(E, { n: -3n, d: 1n })));
    }
  });

  it('exp(2x) − 3 is E² − 3 at x = log(E)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const w = witness('exp(2*x) - 3', ['x'], seed)!;
      const E = logArg(w.point['x']!);
      expect(w.exact).toBe(show(fadd(fpow(E, 2), { n: -3n, d: 1n })));
    }
  });

  it('E ranges over 1 + k for k < 4, over 1, 2 or 4 (never 1 itself)', () => {
    const Es = Array.from({ length: 80 }, (_, s) =>
      logArg(witness('exp(x) - 1000', ['x'], s + 1)!.point['x']!),
    );
    const vals = Es.map((E) => Number(E.n) / Number(E.d));
    for (const v of vals) {
      expect(v).not.toBe(1);
      expect(Number.isInteger(v * 4)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(1 / 4);
      expect(v).toBeLessThanOrEqual(5);
    }
    expect(vals).toContain(2);
    expect(vals.some((v) => v < 1)).toBe(true);
  });
});

describe('high degree: evaluated modulo 2⁶¹ − 1', () => {
  const P = (1n << 61n) - 1n;
  const m = (a: bigint): bigint => ((a % P) + P) % P;
  const pw = (b: bigint, e: bigint): bigint => (e === 0n ? 1n : (m(b) * pw(b, e - 1n)) % P);
  /** b^e mod P by repeated squaring written independently (recursion on e/2). */
  const fastPow = (b: bigint, e: bigint): bigint => {
    if (e === 0n) return 1n;
    const h = fastPow(b, e / 2n);
    return (h * h * (e % 2n === 1n ? m(b) : 1n)) % P;
  };
  const inv = (a: bigint): bigint => fastPow(a, P - 2n);
  const residue = (v: F): bigint => m(m(v.n) * inv(m(v.d)));

  it('the two modular powers agree (a check of the reference itself)', () => {
    expect(fastPow(3n, 50n)).toBe(pw(3n, 50n));
    expect(fastPow(-5n, 7n)).toBe(pw(-5n, 7n));
  });

  it('degree 400 is exact, 401 is modular', () => {
    const w400 = witness(`${power('x', 400)} - x`, ['x'], 5)!;
    const x = dyadic(w400.point['x']!);
    expect(w400.exact).toBe(printed(fadd(fpow(x, 400), { n: -x.n, d: x.d })));
    const w401 = witness(`${power('x', 401)} - x`, ['x'], 5)!;
    expect(w401.exact).toMatch(/^nonzero \(its residue modulo 2\^61 − 1 is \d+; degree too high to print\)$/);
  });

  it('the residue printed is the residue of the value at the point (both signs, fractions)', () => {
    let negative = 0;
    let fraction = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const w = witness(`${power('x', 401)} - 3*x + y/x^2`, ['x', 'y'], seed)!;
      const [x, y] = [dyadic(w.point['x']!), dyadic(w.point['y']!)];
      if (x.n < 0n) negative++;
      if (x.d !== 1n) fraction++;
      const v = fadd(fadd(fpow(x, 401), fmul({ n: -3n, d: 1n }, x)), fmul(y, { n: x.d * x.d, d: x.n * x.n }));
      const r = /residue modulo 2\^61 − 1 is (\d+);/.exec(w.exact)!;
      expect(BigInt(r[1]!)).toBe(residue(v));
    }
    expect(negative).toBeGreaterThan(0);
    expect(fraction).toBeGreaterThan(0);
  });

  it('never a point where the high-degree value is 0 (x = ±1 in (x⁴⁰⁰ − 1)(x² − 1)), nor a pole', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const w = witness(`(${power('x', 400)} - 1)*(x - 1)*(x + 1)`, ['x'], seed)!;
      expect(['1', '-1']).not.toContain(w.point['x']);
      const p = witness(`${power('x', 401)} + 1/(x - 1) + 1/(x + 1)`, ['x'], seed)!;
      expect(['1', '-1']).not.toContain(p.point['x']);
      const x = dyadic(p.point['x']!);
      const v = fadd(fpow(x, 401), fadd({ n: x.d, d: x.n - x.d }, { n: x.d, d: x.n + x.d }));
      const r = /residue modulo 2\^61 − 1 is (\d+);/.exec(p.exact)!;
      expect(BigInt(r[1]!)).toBe(residue(v));
    }
  });

  it('a coefficient whose denominator is a multiple of 2⁶¹ − 1 has no residue: no witness is claimed', () => {
    // In the numerator, and in the denominator (its constant term leads, so it stays 1 after scaling).
    expect(witness(`${power('x', 401)}/${P} + x`, ['x'])).toBeUndefined();
    expect(witness(`1/(${power('x', 401)} + x/${P} + 1)`, ['x'])).toBeUndefined();
    // The same residuals with a denominator P + 2 (not a multiple) have witnesses, with their residues.
    const w = witness(`${power('x', 401)}/${P + 2n} + x`, ['x'])!;
    const x = dyadic(w.point['x']!);
    const v = fadd(fmul(fpow(x, 401), { n: 1n, d: P + 2n }), x);
    expect(BigInt(/residue modulo 2\^61 − 1 is (\d+);/.exec(w.exact)![1]!)).toBe(residue(v));
  });

  it('a high-degree residual through exp, modulo P too', () => {
    const w = witness(`${power('exp(x)', 401)} - 2`, ['x'], 4)!;
    const E = logArg(w.point['x']!);
    const r = /residue modulo 2\^61 − 1 is (\d+);/.exec(w.exact)!;
    expect(BigInt(r[1]!)).toBe(residue(fadd(fpow(E, 401), { n: -2n, d: 1n })));
  });
});
