/**
 * The charge along integrated gradient flow (src/check/flow.ts): a true charge stays within the
 * integrator's error; the same charge where the action is not a symmetry (rescale at z² units,
 * whose rescaling changes the loss) drifts by orders more and is refuted; --flow on the CLI.
 */
import { loadCatalog } from '../../src/catalog';
import { deriveBlock } from '../../src/derive/block';
import { flowCheck, FLOW_RTOL } from '../../src/check/flow';
import type { BlockDeclaration } from '../../src/declaration/types';
import { runCli } from '../helpers/cli';

const rescale = loadCatalog('rescale') as BlockDeclaration;
const charge = deriveBlock(rescale).laws.find((l) => l.id === 'charge')!;

describe('the charge along integrated gradient flow', () => {
  it('stays within the integrator error for a true symmetry (rescale at ReLU units)', () => {
    const f = flowCheck(rescale, charge, ['hidden-unit'], { seed: 3 }, 3);
    expect(f.verdict.kind).toBe('numerically-verified');
    expect(f.trajectories).toBe(3);
    expect(f.worstDrift).toBeLessThanOrEqual(FLOW_RTOL * f.worstSteps);
  });

  it('is refuted where the action is not a symmetry (the same charge at z² units)', () => {
    const wrong: BlockDeclaration = { ...rescale, sites: ['poly-unit'] };
    const f = flowCheck(wrong, charge, ['poly-unit'], { seed: 3, arch: { degrees: [2] } }, 3);
    expect(f.verdict.kind).toBe('refuted');
    expect(f.worstDrift).toBeGreaterThan(1e3 * FLOW_RTOL * f.worstSteps);
  });
});

describe('--flow', () => {
  const run = runCli;
  it('adds the integrated-flow law to a block check, and 0 leaves it out', () => {
    const withFlow = run('check', 'rescale', '--runs', '20', '--flow', '2');
    expect(withFlow.code).toBe(0);
    expect(withFlow.out).toMatch(/along the integrated flow\n {3}verdict: numerically verified \(2 points/);
    const without = run('check', 'rescale', '--runs', '20', '--flow', '0');
    expect(without.out).not.toMatch(/integrated flow/);
  });
  it('is refused with --rule', () => {
    const r = run('check', 'rescale', '--rule', 'sgd(lr=0.05)', '--flow', '2');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--flow integrates gradient flow in a network check, not --rule/);
  });
});
