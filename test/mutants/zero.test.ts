/**
 * decideZero's verdicts (src/verify/zero.ts), each on a residual whose truth is known by hand, and
 * each reported number recomputed here from the point the verdict prints (Math.sin, exact fractions).
 */
import { parseExpr } from '../../src/expr/parse';
import { decideZero, zeroAsker, type ZeroQuestion, type Variable } from '../../src/verify/zero';
import { IDENTITY_TOLERANCE, REFUTATION_THRESHOLD } from '../../src/verdict';
import { designPoints } from '../../src/verify/points';

const vars = (...names: string[]): Variable[] => names.map((name) => ({ name, role: 'parameter' }));
const ask = (terms: string[], names: string[], over: Partial<ZeroQuestion> = {}) =>
  decideZero({
    terms: terms.map(parseExpr),
    variables: vars(...names),
    seed: 1,
    claim: 'the claim',
    ...over,
  });
/** 26 symbols, a to z. */
const LETTERS = 'abcdefghijklmnopqrstuvwxyz'.split('');
/** (a + … + z + 1)⁴ has 27,405 terms, beyond the normal form's budget: its exact form is unknown. */
const BIG = `(${LETTERS.join(' + ')} + 1)^4`;
/** BIG − BIG·(1 + k): of unknown exact form, relative size k/(2 + k). */
const offBy = (k: string): string[] => [BIG, `-${BIG}*(1 + ${k})`];

describe('proved', () => {
  it('by the exact normal form, with the evidence of the points', () => {
    const v = ask(['sin(x)^2', 'cos(x)^2', '-1'], ['x'], { seed: 4 });
    expect(v).toEqual({
      kind: 'proved',
      method: 'exact normal form reduces the residual to 0',
      evidence: 'confirmed at 48 random points, worst relative residual 0.00e+0, seed 4',
    });
  });

  it('the number of points asked for is the number used', () => {
    const v = ask(['x*y', '-y*x'], ['x', 'y'], { points: 12 });
    expect(v.kind === 'proved' && v.evidence).toBe(
      'confirmed at 12 random points, worst relative residual 0.00e+0, seed 1',
    );
  });

  it('by case analysis on the kinks: everywhere (relu(x)·relu(−x) = 0 also at x = 0)', () => {
    const v = ask(['relu(x)*relu(-x)*sin(x)'], ['x']);
    expect(v.kind).toBe('proved');
    if (v.kind === 'proved')
      expect(v.method).toBe(
        'case analysis on the kinks of -x: the exact normal form vanishes on every one of 3 branches (everywhere)',
      );
  });

  it('by case analysis almost everywhere only for a derivative law (step(x) + step(−x) = 1)', () => {
    const v = ask(['step(x)', 'step(-x)', '-1'], ['x'], { almostEverywhere: true });
    expect(v.kind).toBe('proved');
    if (v.kind === 'proved') {
      expect(v.method).toContain('(almost everywhere)');
      expect(v.evidence).toMatch(/; almost everywhere \(off the kinks\)$/);
    }
    // Pointwise it is false at x = 0, where it is 0 + 0 − 1.
    const p = ask(['step(x)', 'step(-x)', '-1'], ['x']);
    expect(p.kind).toBe('refuted');
    if (p.kind === 'refuted' && p.counterexample.kind === 'point') {
      expect(p.counterexample.point).toEqual({ x: '0' });
      expect(p.counterexample.values['residual']).toBe(-1);
    }
  });

  it('by the CAS when asked, where its rewrites cannot mislead it', () => {
    const v = ask(['sigmoid(x)', '-1/(1 + exp(-x))'], ['x'], { cas: true });
    expect(v.kind === 'proved' && v.method).toBe('CAS (nerdamer-prime) reduces the residual to 0');
    // Not asked: the same identity is only numerically verified.
    expect(ask(['sigmoid(x)', '-1/(1 + exp(-x))'], ['x']).kind).toBe('numerically-verified');
  });
});

describe('proved, the texts', () => {
  it('case analysis over two groups names both arguments, and an a.e. law uses all 48 points off the kinks', () => {
    const v = ask(['step(x)', 'step(-x)', '-1', 'sign(y)^2', '-1'], ['x', 'y'], { almostEverywhere: true });
    expect(v).toEqual({
      kind: 'proved',
      method:
        'case analysis on the kinks of y, -x: the exact normal form vanishes on every one of 4 branches ' +
        '(almost everywhere)',
      evidence:
        'confirmed at 48 random points, worst relative residual 0.00e+0, seed 1; almost everywhere (off the kinks)',
    });
  });
});

describe('refuted exactly (a nonzero rational function)', () => {
  it('x² − x: the point, the residual, its relative size and the reported values recomputed', () => {
    const v = ask(['x^2', '-x'], ['x'], { report: { lhs: parseExpr('x^2'), rhs: parseExpr('x') } });
    expect(v.kind).toBe('refuted');
    if (v.kind !== 'refuted' || v.counterexample.kind !== 'point') return;
    const ce = v.counterexample;
    const x = Number(ce.point['x']);
    expect(ce.values).toEqual({ lhs: x * x, rhs: x, residual: x * x - x });
    expect(ce.relativeResidual).toBe(Math.abs(x * x - x) / (x * x + Math.abs(x)));
    expect(ce.seed).toBe(1);
    // x is a dyadic k/4: x² − x = (k² − 4k)/16 exactly.
    const k = x * 4;
    const n = k * k - 4 * k;
    const g = ((a: number, b: number): number => {
      while (b) [a, b] = [b, a % b];
      return Math.abs(a);
    })(n, 16);
    const exact = 16 / g === 1 ? `${n / g}` : `${n / g}/${16 / g}`;
    expect(ce.exact).toBe(exact);
    expect(v.why).toBe(
      "not true that the claim: the residual's exact normal form is a nonzero rational function of the " +
        `symbols (exactly ${exact} at this point)`,
    );
  });

  it('a relative residual of 0 when every term is 0 there is reported as 0, not NaN', () => {
    // x·y − x·z: at any point the witness picks, the residual is nonzero, so the scale is too.
    const v = ask(['x*y', '-x*z'], ['x', 'y', 'z']);
    if (v.kind !== 'refuted' || v.counterexample.kind !== 'point') throw new Error('refuted expected');
    const { x, y, z } = v.counterexample.point;
    const [a, b] = [Number(x) * Number(y), -Number(x) * Number(z)];
    expect(v.counterexample.relativeResidual).toBe(Math.abs(a + b) / (Math.abs(a) + Math.abs(b)));
  });
});

describe('refuted exactly: terms that are not finite at a candidate point are avoided', () => {
  it('(x² − 1)/(x − 1) − x = 1 is refuted, never at x = 1 (0/0 there)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const v = ask(['(x^2 - 1)/(x - 1)', '-x'], ['x'], { seed });
      if (v.kind !== 'refuted' || v.counterexample.kind !== 'point') throw new Error('refuted expected');
      expect(v.counterexample.point['x']).not.toBe('1');
      expect(v.counterexample.values['residual']).toBeCloseTo(1, 12);
    }
  });

  it('terms that underflow to 0 in float64: relative residual 0, not NaN', () => {
    const v = ask(['x*1e-200*1e-200'], ['x']);
    if (v.kind !== 'refuted' || v.counterexample.kind !== 'point') throw new Error('refuted expected');
    expect(v.counterexample.values['residual']).toBe(0);
    expect(v.counterexample.relativeResidual).toBe(0);
  });
});

describe('refuted by sampling', () => {
  it('sin(x) − x + x³/6 (the Taylor remainder): the point, the residuals, the report', () => {
    const v = ask(['sin(x)', '-x', 'x^3/6'], ['x'], { report: { sine: parseExpr('sin(x)') } });
    expect(v.kind).toBe('refuted');
    if (v.kind !== 'refuted' || v.counterexample.kind !== 'point') return;
    expect(v.why).toBe('not true that the claim');
    const x = Number(v.counterexample.point['x']);
    const r = Math.sin(x) - x + x ** 3 / 6;
    const { values } = v.counterexample;
    expect(values['sine']).toBe(Math.sin(x));
    expect(Math.abs(values['residual']! - r)).toBeLessThanOrEqual(1e-15 * (1 + Math.abs(x) ** 3));
    // The normal form's terms: sin(x) − x + 1/6·x³ evaluated term by term.
    expect(Math.abs(values['residual (normal form)']! - r)).toBeLessThanOrEqual(
      1e-15 * (1 + Math.abs(x) ** 3),
    );
    const rel = Math.abs(r) / (Math.abs(Math.sin(x)) + Math.abs(x) + Math.abs(x) ** 3 / 6);
    expect(Math.abs(v.counterexample.relativeResidual - rel)).toBeLessThanOrEqual(1e-9 * rel);
    expect(v.counterexample.relativeResidual).toBeGreaterThanOrEqual(REFUTATION_THRESHOLD);
  });

  it('the counterexample shown is the first refuting grid point of the design (the simplest first)', () => {
    const v = ask(['sin(x)', '-x'], ['x'], { seed: 2 });
    if (v.kind !== 'refuted' || v.counterexample.kind !== 'point') throw new Error('refuted expected');
    const points = designPoints({
      roles: ['parameter'],
      names: ['x'],
      terms: [parseExpr('sin(x)'), parseExpr('-x')],
      count: 48,
      seed: 2,
      almostEverywhere: false,
    });
    const rel = (x: number): number => Math.abs(Math.sin(x) - x) / (Math.abs(Math.sin(x)) + Math.abs(x));
    const grid = points.filter((_, i) => i % 4 === 0).map(([x]) => x!);
    const refuting = grid.filter((x) => rel(x) >= REFUTATION_THRESHOLD);
    expect(refuting.length).toBeGreaterThan(1);
    expect(v.counterexample.point['x']).toBe(String(refuting[0]));
  });

  it('a residual of unknown exact form wrong by 1e−5 relative is refuted (no normal-form values)', () => {
    const v = ask(offBy('1/100000'), LETTERS);
    expect(v.kind).toBe('refuted');
    if (v.kind !== 'refuted' || v.counterexample.kind !== 'point') return;
    expect(Object.keys(v.counterexample.values)).toEqual(['residual']);
    const rel = 1e-5 / (2 + 1e-5);
    expect(Math.abs(v.counterexample.relativeResidual - rel)).toBeLessThanOrEqual(1e-9);
  });
});

describe('refuted by sampling: which point is shown, and the worst residual', () => {
  it('the point shown is the first refuting grid point, even after a refuting wide one (relu(x − 1/2))', () => {
    let checked = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const v = ask(['relu(x - 1/2)'], ['x'], { seed });
      if (v.kind !== 'refuted' || v.counterexample.kind !== 'point') throw new Error('refuted expected');
      const xs = designPoints({
        roles: ['parameter'],
        names: ['x'],
        terms: [parseExpr('relu(x - 1/2)')],
        count: 48,
        seed,
        almostEverywhere: false,
      }).map(([x]) => x!);
      // Judged by its normal form x·step(x − 1/2) − step(x − 1/2)/2: relative residual
      // (x − 1/2)/(x + 1/2) for x > 1/2, 0 elsewhere.
      const rel = (x: number): number => (x > 0.5 ? (x - 0.5) / (x + 0.5) : 0);
      const refutes = (x: number): boolean => rel(x) >= REFUTATION_THRESHOLD;
      const grid = xs.filter((x, i) => i % 4 === 0 && refutes(x));
      if (grid.length === 0) continue;
      if (xs.findIndex(refutes) % 4 !== 0) checked++;
      expect(v.counterexample.point['x']).toBe(String(grid[0]));
      expect(v.counterexample.relativeResidual).toBeCloseTo(rel(grid[0]!), 14);
    }
    // Some seeds have a refuting point of another strategy before the first refuting grid point.
    expect(checked).toBeGreaterThan(0);
  });

  it('a residual of one term after cancellation is judged by that term (2 sin x − sin x)', () => {
    const v = ask(['2*sin(x)', '-sin(x)'], ['x']);
    if (v.kind !== 'refuted' || v.counterexample.kind !== 'point') throw new Error('refuted expected');
    const x = Number(v.counterexample.point['x']);
    expect(v.counterexample.values['residual (normal form)']).toBe(Math.sin(x));
    expect(v.counterexample.relativeResidual).toBe(1);
  });

  it('the worst residual over all points decides, not the first one (wrong by z²/10⁷, large only far out)', () => {
    // Relative size z²/(2·10⁷ + z²): below 2e−7 on the grid (|z| ≤ 2), above 1e−6 for |z| > 4.5.
    const v = ask(offBy('z^2/10000000'), LETTERS);
    expect(v.kind).toBe('refuted');
    if (v.kind !== 'refuted' || v.counterexample.kind !== 'point') return;
    const z = Number(v.counterexample.point['z']);
    expect(Math.abs(z)).toBeGreaterThan(4);
    const k = z ** 2 / 1e7;
    expect(Math.abs(v.counterexample.relativeResidual - k / (2 + k))).toBeLessThanOrEqual(
      1e-6 * (k / (2 + k)),
    );
  });
});

describe('judged by what is left after exact cancellation', () => {
  it('x² + 1e−300·exp(y) against x² + 1e−300·exp(z): refuted, though tiny beside x²', () => {
    const v = ask(['x^2 + 1e-300*exp(y)', '-x^2 - 1e-300*exp(z)'], ['x', 'y', 'z']);
    expect(v.kind).toBe('refuted');
  });
});

describe('inconclusive', () => {
  it('an unknown symbol', () => {
    expect(ask(['x + z'], ['x'])).toEqual({ kind: 'inconclusive', reason: "no value for symbol 'z'" });
  });

  it('no finite value anywhere', () => {
    expect(ask(['log(-1 - x^2)'], ['x'], { seed: 9 })).toEqual({
      kind: 'inconclusive',
      reason: 'no finite value at any of 48 random points (seed 9)',
    });
  });

  it('a derivative law on a kink surface', () => {
    const v = ask(['relu(x - x)'], ['x'], { almostEverywhere: true });
    expect(v).toEqual({
      kind: 'inconclusive',
      reason:
        'the law is evaluated on a kink surface (the kink argument x - x vanishes identically there), ' +
        'where the derivatives it involves need not exist',
    });
    // Pointwise the same residual is 0, proved.
    expect(ask(['relu(x - x)'], ['x']).kind).toBe('proved');
  });

  it('too few finite values: √x√y√z = √(xyz) is finite only where all three are ≥ 0', () => {
    const v = ask(['sqrt(x)*sqrt(y)*sqrt(z)', '-sqrt(x*y*z)'], ['x', 'y', 'z']);
    expect(v.kind).toBe('inconclusive');
    if (v.kind === 'inconclusive')
      expect(v.reason).toMatch(
        new RegExp(
          '^only \\d+ of 48 points gave finite values \\(the others overflowed, underflowed or left the domain; ' +
            'seed 1\\), too few to verify numerically$',
        ),
      );
  });

  it('a residual between the identity tolerance and the refutation threshold (1e−8 relative)', () => {
    const v = ask(offBy('1/100000000'), LETTERS);
    expect(v.kind).toBe('inconclusive');
    if (v.kind === 'inconclusive')
      expect(v.reason).toMatch(
        new RegExp(
          `^worst relative residual 5\\.00e-9 lies between the identity tolerance ${IDENTITY_TOLERANCE} ` +
            `and the refutation threshold ${REFUTATION_THRESHOLD} \\(seed 1\\)$`,
        ),
      );
  });
});

describe('numerically verified', () => {
  it('a true identity the normal form cannot reduce, with the reasons', () => {
    const v = ask(['softplus(x)', '-log(1 + exp(x))'], ['x']);
    expect(v).toEqual({
      kind: 'numerically-verified',
      count: 48,
      worstRelative: 0,
      tolerance: IDENTITY_TOLERANCE,
      seed: 1,
      why: 'the exact normal form does not reduce it; no CAS cross-check was asked for',
    });
  });

  it('unknown exact form, wrong by 1e−12 relative: within rounding, verified', () => {
    const v = ask(offBy('1/1000000000000'), LETTERS);
    expect(v.kind).toBe('numerically-verified');
    if (v.kind === 'numerically-verified') {
      expect(v.why).toBe(
        'no exact normal form (budget or unsupported form); no CAS cross-check was asked for',
      );
      expect(v.worstRelative).toBeLessThanOrEqual(IDENTITY_TOLERANCE);
    }
  });

  it('points outside the domain are counted and reported', () => {
    const v = ask(['tanh(x)', '-(exp(2*x) - 1)/(exp(2*x) + 1)'], ['x']);
    expect(v.kind).toBe('numerically-verified');
    if (v.kind !== 'numerically-verified') return;
    expect(v.count).toBeLessThan(48);
    expect(v.why).toBe(
      'the exact normal form does not reduce it; no CAS cross-check was asked for; ' +
        `${48 - v.count} of 48 points had no finite value`,
    );
  });

  it('a CAS 0 is not trusted when some points are outside the domain, and says why', () => {
    const v = ask(['log(x^2)', '-2*log(x)'], ['x'], { cas: true });
    if (v.kind !== 'numerically-verified') throw new Error(`verified expected: ${JSON.stringify(v)}`);
    const n = 48 - v.count;
    expect(n).toBeGreaterThan(0);
    expect(v.why).toBe(
      `the exact normal form does not reduce it; the CAS claims 0, not trusted here (${n} of 48 points ` +
        `outside the domain); ${n} of 48 points had no finite value`,
    );
  });

  it('a CAS 0 is not trusted where a power has a symbolic exponent, however nested', () => {
    // (x^a)^b = x^(ab) for x > 0 (a constant), the CAS's rewrite; one grid point keeps every value finite.
    const vars: Variable[] = [
      { name: 'x', role: 'constant' },
      { name: 'a', role: 'parameter' },
      { name: 'b', role: 'parameter' },
    ];
    for (const terms of [
      ['2*(x^a)^b', '-2*x^(a*b)'],
      ['sin((x^a)^b)', '-sin(x^(a*b))'],
      ['(x^a)^b', '-x^(a*b)', 'sin(x)', '-sin(x)'],
    ]) {
      const v = decideZero({
        terms: terms.map(parseExpr),
        variables: vars,
        seed: 1,
        claim: 'c',
        cas: true,
        points: 1,
      });
      expect(v).toEqual({
        kind: 'numerically-verified',
        count: 1,
        worstRelative: 0,
        tolerance: IDENTITY_TOLERANCE,
        seed: 1,
        why: 'the exact normal form does not reduce it; the CAS claims 0, not trusted here (symbolic exponents)',
      });
    }
  });

  it('points where the original terms are not finite are left out, even when the normal form is', () => {
    // (x² − x)/x − x + 1 is 0 in the normal form, but 0/0 at x = 0 (a feature point of softplus(x)).
    const v = ask(['softplus(x)', '-log(1 + exp(x))', '(x^2 - x)/x', '-x', '1'], ['x']);
    if (v.kind !== 'numerically-verified') throw new Error(`verified expected: ${JSON.stringify(v)}`);
    expect(v.count).toBeLessThan(48);
    expect(v.why).toMatch(new RegExp(`; ${48 - v.count} of 48 points had no finite value$`));
  });

  it('a CAS that does not reduce it either', () => {
    const v = ask(offBy('1/1000000000000'), LETTERS, { cas: true });
    if (v.kind !== 'numerically-verified') throw new Error(`verified expected: ${JSON.stringify(v)}`);
    expect(v.why).toMatch(
      /^no exact normal form \(budget or unsupported form\); the CAS (does not|is unavailable)/,
    );
  });
});

describe('what is confirmed, and what is an error', () => {
  it('a proof is confirmed only at points where float64 can judge the terms (no overflow or underflow)', () => {
    // exp(x)^64 = exp(64x) exactly; in float64 both leave the normal range for |64x| > 708.
    const v = ask(['exp(x)^64', '-exp(64*x)'], ['x']);
    const xs = designPoints({
      roles: ['parameter'],
      names: ['x'],
      terms: [parseExpr('exp(x)^64'), parseExpr('-exp(64*x)')],
      count: 48,
      seed: 1,
      almostEverywhere: false,
    }).map(([x]) => x!);
    const normal = (y: number): boolean => Number.isFinite(y) && y >= 2.2250738585072014e-308;
    const inRange = xs.filter(
      (x) => normal(Math.exp(x)) && normal(Math.exp(x) ** 64) && normal(Math.exp(64 * x)),
    );
    expect(inRange.length).toBeLessThan(48);
    expect(inRange.length).toBeGreaterThan(24);
    expect(v).toEqual({
      kind: 'proved',
      method: 'exact normal form reduces the residual to 0',
      evidence: `confirmed at ${inRange.length} random points, worst relative residual 0.00e+0, seed 1`,
    });
  });

  it('half the points with finite values is enough to verify numerically; fewer is not', () => {
    // tanh(x) = 2σ(2x) − 1, with terms (x − t)^(1/2) that are finite only for x ≥ t (not a feature
    // of the design, so t does not move the points). t is put between the design's sorted x values.
    const identity = ['tanh(x)', '-2*sigmoid(2*x)', '1'];
    const xs = designPoints({
      roles: ['parameter'],
      names: ['x'],
      terms: identity.map(parseExpr),
      count: 8,
      seed: 1,
      almostEverywhere: false,
    })
      .map(([x]) => x!)
      .sort((a, b) => b - a);
    const withCut = (k: number) => {
      const t = (xs[k - 1]! + xs[k]!) / 2; // k points above t
      return ask([...identity, `(x - ${t})^(1/2)`, `-(x - ${t})^(1/2)`], ['x'], { points: 8 });
    };
    const half = withCut(4);
    expect(half.kind).toBe('numerically-verified');
    if (half.kind === 'numerically-verified') {
      expect(half.count).toBe(4);
      expect(half.why).toBe(
        'the exact normal form does not reduce it; no CAS cross-check was asked for; 4 of 8 points had no finite value',
      );
    }
    expect(withCut(3)).toEqual({
      kind: 'inconclusive',
      reason:
        'only 3 of 8 points gave finite values (the others overflowed, underflowed or left the domain; seed 1), ' +
        'too few to verify numerically',
    });
  });

  it('points on a kink are left out of the count that half of must be finite', () => {
    // 4 points: the grid point g comes first whatever the terms; relu(x − g) puts it on a kink. Of
    // the other 3, (x − t)^(1/2) leaves 2 finite: 2 ≥ (4 − 1)/2, so the law is verified.
    const design = (terms: string[]) =>
      designPoints({
        roles: ['parameter'],
        names: ['x'],
        terms: terms.map(parseExpr),
        count: 4,
        seed: 1,
        almostEverywhere: true,
      }).map(([x]) => x!);
    const g = design(['x'])[0]!;
    const law = ['tanh(x)', '-2*sigmoid(2*x)', '1', `relu(x - ${g})`, `-relu(x - ${g})`];
    const [, ...rest] = design(law);
    const [hi, mid, lo] = rest.sort((a, b) => b - a);
    expect(lo).toBeLessThan(mid!);
    const t = (mid! + lo!) / 2;
    const v = ask([...law, `(x - ${t})^(1/2)`, `-(x - ${t})^(1/2)`], ['x'], {
      points: 4,
      almostEverywhere: true,
    });
    expect(hi).toBeGreaterThan(t);
    expect(v).toEqual({
      kind: 'numerically-verified',
      count: 2,
      worstRelative: 0,
      tolerance: IDENTITY_TOLERANCE,
      seed: 1,
      why:
        'the exact normal form does not reduce it; no CAS cross-check was asked for; almost everywhere ' +
        '(off the kinks); 1 of 4 points on a kink left out; 1 of 4 points had no finite value',
    });
  });

  it('a point is on a kink when the kink argument is nonzero on either side of it, or on both', () => {
    // K₊ = |x − g| + (x − g) is 0 for x ≤ g and positive above; K₋ = |x − g| − (x − g) the mirror image
    // (written with sqrt, which is not a kink, so that x − g itself is no kink argument). The grid
    // point g, which comes first in the design, is on either kink; no other point is.
    const g = designPoints({
      roles: ['parameter'],
      names: ['x'],
      terms: [parseExpr('x')],
      count: 4,
      seed: 1,
      almostEverywhere: true,
    })[0]![0]!;
    for (const k of [`sqrt((x - ${g})^2) + x - ${g}`, `sqrt((x - ${g})^2) - x + ${g}`]) {
      const v = ask(['tanh(x)', '-2*sigmoid(2*x)', '1', `step(${k})`, `-step(${k})`], ['x'], {
        points: 4,
        almostEverywhere: true,
      });
      expect(v).toEqual({
        kind: 'numerically-verified',
        count: 3,
        worstRelative: 0,
        tolerance: IDENTITY_TOLERANCE,
        seed: 1,
        why:
          'the exact normal form does not reduce it; no CAS cross-check was asked for; almost everywhere ' +
          '(off the kinks); 1 of 4 points on a kink left out',
      });
    }
  });

  it('a malformed expression is an error, not an inconclusive verdict', () => {
    expect(() =>
      decideZero({
        terms: [
          {
            kind: 'mul',
            factors: [
              { kind: 'sym', name: 'x' },
              { kind: 'num', value: 'one half' },
            ],
          },
        ],
        variables: vars('x'),
        seed: 1,
        claim: 'c',
      }),
    ).toThrow(TypeError);
  });
});

describe('zeroAsker', () => {
  it('the invariance (with a report) is decided pointwise, every other law almost everywhere', () => {
    const askZ = zeroAsker({ seed: 1, points: 48, cas: false }, vars('x'));
    // step(x) + step(−x) − 1 is false exactly on the kink: refuted pointwise, proved almost everywhere.
    const terms = ['step(x)', 'step(-x)', '-1'].map(parseExpr);
    expect(askZ(terms, 'c').kind).toBe('proved');
    const pointwise = askZ(terms, 'c', undefined, { loss: parseExpr('step(x)') });
    expect(pointwise.kind).toBe('refuted');
    if (pointwise.kind === 'refuted' && pointwise.counterexample.kind === 'point')
      expect(pointwise.counterexample.values['loss']).toBe(0);
  });

  it('uses its settings: seed, points, and other variables when given', () => {
    const askZ = zeroAsker({ seed: 7, points: 16, cas: false }, vars('x'));
    const v = askZ([parseExpr('y*x'), parseExpr('-x*y')], 'c', vars('x', 'y'));
    expect(v.kind === 'proved' && v.evidence).toBe(
      'confirmed at 16 random points, worst relative residual 0.00e+0, seed 7',
    );
    const c = zeroAsker({ seed: 1, points: 48, cas: true }, vars('x'))(
      [parseExpr('sigmoid(x)'), parseExpr('-1/(1 + exp(-x))')],
      'c',
    );
    expect(c.kind === 'proved' && c.method).toBe('CAS (nerdamer-prime) reduces the residual to 0');
  });
});
