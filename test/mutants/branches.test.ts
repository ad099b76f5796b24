/**
 * Case analysis on kinks (src/verify/branches.ts) on residuals whose value on each branch is worked
 * out by hand: step(u), step(−u) take (1, 0), (0, 1) off the kink and (0, 0) on it; sign(u) takes
 * ∓1 off it and 0 on it; an unpaired step(u) takes 0 and 1.
 */
import { parseExpr } from '../../src/expr/parse';
import { branchProof } from '../../src/verify/branches';

const proof = (src: string) => branchProof(parseExpr(src));

describe('paired steps step(u), step(−u)', () => {
  it('step(x) + step(−x) − 1: 0 on (1, 0) and (0, 1), −1 on (0, 0): almost everywhere, 2 branches', () => {
    expect(proof('step(x) + step(-x) - 1')).toEqual({
      scope: 'almost everywhere',
      args: ['-x'],
      branches: 2,
    });
  });
  it('relu(x)·relu(−x) = −x²·step(x)·step(−x): 0 on all three: everywhere, 3 branches', () => {
    expect(proof('relu(x)*relu(-x)')).toEqual({ scope: 'everywhere', args: ['-x'], branches: 3 });
    expect(proof('step(x)*step(-x)')).toEqual({ scope: 'everywhere', args: ['-x'], branches: 3 });
  });
  it('step(x) − step(−x): 1 on (1, 0): not shown', () => {
    expect(proof('step(x) - step(-x)')).toBeUndefined();
    expect(proof('step(x) + step(-x) - 2')).toBeUndefined();
  });
  it('pairs arguments that are negatives after normalisation: step(x − y) and step(y − x)', () => {
    const p = proof('step(x - y) + step(y - x) - 1');
    expect(p?.scope).toBe('almost everywhere');
    expect(p?.branches).toBe(2);
    expect(p?.args).toHaveLength(1);
  });
  it('the values reach inside powers and function calls', () => {
    expect(proof('exp(step(x) + step(-x)) - exp(1)')?.scope).toBe('almost everywhere');
    expect(proof('(step(x) + step(-x))^y - 1')?.scope).toBe('almost everywhere');
    expect(proof('sin(step(x) + step(-x)) - sin(1)')?.scope).toBe('almost everywhere');
    expect(proof('step(x)*y + step(-x)*y - y')?.scope).toBe('almost everywhere');
  });
});

describe('an unpaired step(u): values 0 and 1, nothing else on the kink', () => {
  it('2^step(x) − 1 − step(x): 0 at 0 and at 1: everywhere, 2 branches', () => {
    expect(proof('2^step(x) - 1 - step(x)')).toEqual({ scope: 'everywhere', args: ['x'], branches: 2 });
  });
  it('two unpaired steps of unrelated arguments are two groups (2 × 2 branches), not a pair', () => {
    expect(proof('2^step(x) - 1 - step(x) + 2^step(y) - 1 - step(y)')).toEqual({
      scope: 'everywhere',
      args: ['x', 'y'],
      branches: 4,
    });
  });
  it('3^step(x) − 1 − step(x): 1 at step = 1: not shown', () => {
    expect(proof('3^step(x) - 1 - step(x)')).toBeUndefined();
  });
});

describe('sign(u): −1 and 1 off the kink, 0 on it', () => {
  it('sign(x)² − 1: 0 at ±1, −1 at 0: almost everywhere, 2 branches', () => {
    expect(proof('sign(x)^2 - 1')).toEqual({ scope: 'almost everywhere', args: ['x'], branches: 2 });
  });
  it('sin(sign(x)) − sign(x)·sin(1): 0 at −1, 0, 1: everywhere, 3 branches', () => {
    expect(proof('sin(sign(x)) - sign(x)*sin(1)')).toEqual({ scope: 'everywhere', args: ['x'], branches: 3 });
  });
  it('2^(sign(x)²) − 1 − sign(x)²: 0 at −1, 0, 1: everywhere', () => {
    expect(proof('2^(sign(x)^2) - 1 - sign(x)^2')?.scope).toBe('everywhere');
  });
  it('2^sign(x) − 1 − sign(x): 0 at 1 and at 0 but 1/2 at −1: not shown', () => {
    expect(proof('2^sign(x) - 1 - sign(x)')).toBeUndefined();
  });
  it('sign(x) − sign(x)²: 0 at 1, −2 at −1: not shown', () => {
    expect(proof('sign(x) - sign(x)^2')).toBeUndefined();
  });
});

describe('several groups: every combination', () => {
  it('two groups, almost everywhere: 2 × 2 branches off the kinks', () => {
    const p = proof('step(x) + step(-x) - 1 + sign(y)^2 - 1');
    expect(p?.scope).toBe('almost everywhere');
    expect(p?.branches).toBe(4);
    expect(new Set(p?.args)).toEqual(new Set(['y', '-x']));
  });
  it('two groups, everywhere: 3 × 3 branches', () => {
    const p = proof('relu(x)*relu(-x) + relu(y)*relu(-y)');
    expect(p?.scope).toBe('everywhere');
    expect(p?.branches).toBe(9);
  });
  it('an unpaired step and a sign: 2 × 2 off the kinks; on the kink of y, 2 × 3 are not all 0', () => {
    expect(proof('2^step(x) - 1 - step(x) + sign(y)^2 - 1')).toEqual({
      scope: 'almost everywhere',
      args: ['y', 'x'],
      branches: 4,
    });
  });
  it('at most 8 groups are split', () => {
    const signs = (n: number): string => Array.from({ length: n }, (_, i) => `sign(x${i})^2 - 1`).join(' + ');
    expect(proof(signs(8))?.branches).toBe(256);
    expect(proof(signs(9))).toBeUndefined();
  });
});

describe('nothing to split', () => {
  it('no kink atoms in the normal form', () => {
    expect(proof('x^2 - 1')).toBeUndefined();
    expect(proof('sin(x)')).toBeUndefined();
    // relu(x) − x·step(x) is 0 in the normal form already: no atoms left.
    expect(proof('relu(x) - x*step(x)')).toBeUndefined();
  });
  it('no normal form at all (log 0): undefined, not an error', () => {
    expect(proof('step(x) + log(x - x)')).toBeUndefined();
  });
});
