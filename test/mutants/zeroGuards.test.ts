/**
 * decideZero's guards against its own deciders (src/verify/zero.ts): an exact normal form, or a case
 * analysis on kinks, that claims 0 for a residual the points show to be nonzero must not be certified.
 * The deciders are made to lie here (the real ones are right on these residuals), so that the guard
 * alone stands between a false identity and "proved".
 */
import { parseExpr } from '../../src/expr/parse';
import { toText } from '../../src/expr/print';
import type { Expr } from '../../src/expr/ast';

/** Residual texts (prefixed by the decider) for which the deciders below are made to claim 0. */
const mockLies = new Set<string>();
const mockText = (e: Expr): string =>
  jest.requireActual<typeof import('../../src/expr/print')>('../../src/expr/print').toText(e);

jest.mock('../../src/expr/normal', () => {
  const actual = jest.requireActual<typeof import('../../src/expr/normal')>('../../src/expr/normal');
  return {
    ...actual,
    exactZero: (e: Expr) => (mockLies.has(`normal:${mockText(e)}`) ? 'zero' : actual.exactZero(e)),
  };
});
jest.mock('../../src/verify/branches', () => {
  const actual = jest.requireActual<typeof import('../../src/verify/branches')>('../../src/verify/branches');
  return {
    ...actual,
    branchProof: (e: Expr) =>
      mockLies.has(`branches:${mockText(e)}`)
        ? { scope: 'everywhere', args: ['x'], branches: 3 }
        : actual.branchProof(e),
  };
});

// Imported after the mocks are declared (jest hoists them).
import { decideZero } from '../../src/verify/zero';
import { add } from '../../src/expr/ast';

const ask = (terms: string[], almostEverywhere = false) =>
  decideZero({
    terms: terms.map(parseExpr),
    variables: [{ name: 'x', role: 'parameter' }],
    seed: 1,
    claim: 'c',
    almostEverywhere,
  });
const residualText = (terms: string[]): string => toText(add(...terms.map(parseExpr)));

afterEach(() => mockLies.clear());

it('a normal form claiming 0 for sin(x) − x is contradicted by the points: inconclusive, not proved', () => {
  const terms = ['sin(x)', '-x'];
  mockLies.add(`normal:${residualText(terms)}`);
  const v = ask(terms);
  expect(v.kind).toBe('inconclusive');
  if (v.kind === 'inconclusive')
    expect(v.reason).toMatch(
      /^exact normal form is 0 but evaluation gives relative residual \d\.\d\de[-+]\d+ \(seed 1\): not certified$/,
    );
});

it('a case analysis claiming 0 for step(x) − step(−x) is contradicted by the points: inconclusive', () => {
  const terms = ['step(x)', '-step(-x)'];
  mockLies.add(`branches:${residualText(terms)}`);
  for (const ae of [false, true]) {
    const v = ask(terms, ae);
    expect(v.kind).toBe('inconclusive');
    if (v.kind === 'inconclusive')
      expect(v.reason).toBe(
        'the normal form vanishes on every branch of the kinks, but evaluation gives relative residual ' +
          '1.00e+0 (seed 1): not certified',
      );
  }
});

it('a case analysis claiming 0 everywhere for a true pointwise identity is a proof', () => {
  // step(x)·step(−x) = 0 holds everywhere; the real case analysis proves it too.
  const v = ask(['step(x)*step(-x)']);
  expect(v.kind === 'proved' && v.method).toBe(
    'case analysis on the kinks of -x: the exact normal form vanishes on every one of 3 branches (everywhere)',
  );
});

it('when the normal form claims 0, the case analysis is not consulted: the normal form is the one disputed', () => {
  const terms = ['step(x)', '-step(-x)'];
  mockLies.add(`normal:${residualText(terms)}`);
  mockLies.add(`branches:${residualText(terms)}`);
  const v = ask(terms);
  expect(v.kind).toBe('inconclusive');
  if (v.kind === 'inconclusive')
    expect(v.reason).toMatch(/^exact normal form is 0 but evaluation gives relative residual/);
});
