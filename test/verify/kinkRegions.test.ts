/**
 * Almost-everywhere laws leave out points on a kink — but only on a kink *surface* (measure zero),
 * never on a region where a kink argument is identically 0: relu(x) vanishes on the whole half-line
 * x ≤ 0, and leaving that out hid failures there. Truth is established here by hand: each false
 * residual is evaluated at x = −1 in plain arithmetic.
 */
import { parseExpr } from '../../src/expr/parse';
import { decideZero } from '../../src/verify/zero';

const relu = (z: number): number => (z > 0 ? z : 0);
const step = (z: number): number => (z > 0 ? 1 : 0);

const ask = (terms: string[]) =>
  decideZero({
    terms: terms.map(parseExpr),
    variables: [{ name: 'x', role: 'parameter' }],
    seed: 1,
    claim: 'the residual vanishes',
    almostEverywhere: true,
  });

describe('a kink argument that vanishes on a region does not hide a failure there', () => {
  it.each<[string, (x: number) => number]>([
    ['x^2*(1 - step(relu(x)))', (x) => x ** 2 * (1 - step(relu(x)))],
    ['relu(-x)*(1 - step(relu(x)))', (x) => relu(-x) * (1 - step(relu(x)))],
  ])('%s (= x² or −x on x < 0) is refuted, not verified', (src, f) => {
    expect(f(-1)).not.toBe(0); // false on the half-line, by hand
    const v = ask([src]);
    expect(v.kind).toBe('refuted');
  });

  it('points exactly on a kink surface are still left out, and said so (step(x)·x − relu(x) at x = 0)', () => {
    const v = ask(['step(relu(x))', '-step(x)']); // equal everywhere but nowhere left out: relu(x) > 0 ⟺ x > 0
    expect(v.kind).toBe('numerically-verified');
    const w = ask(['abs(x)', '-x*sign(x)', 'step(x)*0']);
    expect(w.kind === 'proved' || w.kind === 'numerically-verified').toBe(true);
    if (w.kind === 'numerically-verified') expect(w.why).not.toMatch(/had no finite value/);
  });
});
