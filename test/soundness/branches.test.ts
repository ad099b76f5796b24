/**
 * Case analysis on kinks: residuals that the normal form leaves with step/sign atoms are split on
 * the values those atoms take. Almost-everywhere laws (about derivatives) are proved when every
 * branch off the kinks vanishes; pointwise laws only when the kinks' own values vanish too — and a
 * pointwise law that fails exactly on a kink is refuted there.
 */
import { decideZero } from '../../src/verify/zero';
import { parseExpr } from '../../src/expr/parse';

const ask = (terms: string[], almostEverywhere: boolean) =>
  decideZero({
    terms: terms.map(parseExpr),
    variables: [
      { name: 'u', role: 'parameter' },
      { name: 'x', role: 'data' },
    ],
    seed: 3,
    claim: terms.join(' + ') + ' = 0',
    almostEverywhere,
  });

it('step(u·x) + step(−u·x) = 1 is proved almost everywhere by case analysis', () => {
  const v = ask(['step(u*x)', 'step(-(u*x))', '-1'], true);
  expect(v.kind).toBe('proved');
  if (v.kind === 'proved') expect(v.method).toMatch(/case analysis on the kinks of .*almost everywhere/);
});

it('the same identity claimed pointwise is refuted exactly on the kink u·x = 0', () => {
  const v = ask(['step(u*x)', 'step(-(u*x))', '-1'], false);
  expect(v.kind).toBe('refuted');
  if (v.kind !== 'refuted' || v.counterexample.kind !== 'point') throw new Error('a point');
  const { u, x } = v.counterexample.point;
  expect(Number(u) * Number(x)).toBe(0);
});

it('relu(−u) − relu(u) + u = 0 is proved almost everywhere (the normal form alone cannot)', () => {
  const v = ask(['relu(-u)', '-relu(u)', 'u'], true);
  expect(v.kind).toBe('proved');
});

it('negative twin: step(u) − step(−u) = 0 is not proved on any reading', () => {
  expect(ask(['step(u)', '-step(-u)'], true).kind).toBe('refuted');
  expect(ask(['step(u)', '-step(-u)'], false).kind).toBe('refuted');
});

it('sign(u)² = 1 holds almost everywhere, and is refuted pointwise at u = 0', () => {
  expect(ask(['sign(u)^2', '-1'], true).kind).toBe('proved');
  const v = ask(['sign(u)^2', '-1'], false);
  expect(v.kind).toBe('refuted');
  if (v.kind === 'refuted' && v.counterexample.kind === 'point')
    expect(Number(v.counterexample.point['u'])).toBe(0);
});
