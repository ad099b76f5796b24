/**
 * Coefficients printed as Python mean what they meant: random expressions (sums, products with
 * negative and fractional coefficients, negative and positive integer powers, calls) printed by
 * pyExpr and evaluated by Python agree with the toolkit's own evaluation of the same expression.
 */
import fc from 'fast-check';
import type { Expr } from '../../src/expr/ast';
import { compile } from '../../src/expr/evaluate';
import { pyExpr } from '../../src/export/python';
import { pythonHas, runPython } from '../helpers/python';

const num = (n: number, d = 1): Expr => ({ kind: 'num', value: d === 1 ? String(n) : `${n}/${d}` });
const expr: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<Expr>(
      { kind: 'sym', name: 'a' },
      { kind: 'sym', name: 'b' },
      { kind: 'sym', name: 'lambda' },
    ),
    fc.tuple(fc.integer({ min: -5, max: 5 }), fc.integer({ min: 1, max: 4 })).map(([n, d]) => num(n, d)),
    fc.array(tie('e'), { minLength: 2, maxLength: 3 }).map((terms): Expr => ({ kind: 'add', terms })),
    fc.array(tie('e'), { minLength: 2, maxLength: 3 }).map((factors): Expr => ({ kind: 'mul', factors })),
    fc
      .tuple(
        tie('e'),
        fc.integer({ min: -2, max: 3 }).filter((k) => k !== 0),
      )
      .map(([base, k]): Expr => ({ kind: 'pow', base, exp: num(k) })),
    tie('e').map((x): Expr => ({
      kind: 'call',
      fn: 'exp',
      args: [{ kind: 'mul', factors: [num(1, 8), x] }],
    })),
  ),
})).e;

const ok = pythonHas(['json', 'math']);

(ok ? test : test.skip)('pyExpr prints what the toolkit evaluates (200 random expressions)', () => {
  const env = { a: 1.3, b: -0.7, lambda: 0.45 };
  const cases = fc.sample(expr, { seed: 20261130, numRuns: 200 });
  const values = cases.map((e) => compile(e, Object.keys(env))(Object.values(env)));
  const script = [
    'import json, math',
    `a, b, lambda_ = ${env.a}, ${env.b}, ${env.lambda}`,
    'out = []',
    'def value(f):',
    '    try:',
    '        return float(f())',
    '    except (ZeroDivisionError, OverflowError, ValueError):',
    '        return None',
    ...cases.map((e) => `out.append(value(lambda: ${pyExpr(e)}))`),
    'print(json.dumps(out))',
  ].join('\n');
  const py = JSON.parse(runPython(script, process.cwd())) as (number | null)[];
  let compared = 0;
  cases.forEach((e, i) => {
    const want = values[i]!;
    const got = py[i];
    if (!Number.isFinite(want) || got === null || got === undefined || Math.abs(want) > 1e12) return;
    compared++;
    if (Math.abs(got - want) > 1e-9 * (1 + Math.abs(want))) throw new Error(`${pyExpr(e)}: ${got} ≠ ${want}`);
  });
  expect(compared).toBeGreaterThan(120);
});
