/**
 * The charge along integrated gradient flow (src/check/flow.ts): a true charge stays within the
 * integrator's error; the same charge where the action is not a symmetry (rescale at z² units,
 * whose rescaling changes the loss) drifts by orders more and is refuted; --flow on the CLI.
 */
import { loadCatalog } from '../../src/catalog';
import { deriveBlock } from '../../src/derive/block';
import { flowCheck, FLOW_RTOL, type FlowCheck, type FlowNotRun } from '../../src/check/flow';
import type { BlockDeclaration } from '../../src/declaration/types';
import { runCli } from '../helpers/cli';

const rescale = loadCatalog('rescale') as BlockDeclaration;
const judged = (f: FlowCheck | FlowNotRun): FlowCheck => {
  if (f.kind !== 'flow') throw new Error(`flow not run: ${f.reason}`);
  return f;
};
const charge = deriveBlock(rescale).laws.find((l) => l.id === 'charge')!;

describe('the charge along integrated gradient flow', () => {
  it('stays within the integrator error for a true symmetry (rescale at ReLU units)', () => {
    const f = judged(flowCheck(rescale, charge, ['hidden-unit'], { seed: 3 }, 3));
    expect(f.verdict.kind).toBe('numerically-verified');
    expect(f.trajectories).toBeGreaterThan(0);
    expect(f.worstDrift).toBeLessThanOrEqual(FLOW_RTOL * f.worstSteps);
  });

  it('is refuted where the action is not a symmetry (the same charge at z² units)', () => {
    const wrong: BlockDeclaration = { ...rescale, sites: ['poly-unit'] };
    const f = judged(flowCheck(wrong, charge, ['poly-unit'], { seed: 3, arch: { degrees: [2] } }, 3));
    expect(f.verdict.kind).toBe('refuted');
    expect(f.worstDrift).toBeGreaterThan(1e3 * FLOW_RTOL * f.worstSteps);
  });
});

describe('--flow', () => {
  const run = runCli;
  it('adds the integrated-flow law to a block check, and 0 leaves it out', () => {
    const withFlow = run('check', 'rescale', '--runs', '20', '--flow', '2');
    expect(withFlow.code).toBe(0);
    expect(withFlow.out).toMatch(/along the integrated flow\n {3}verdict: numerically verified \(\d+ points/);
    const without = run('check', 'rescale', '--runs', '20', '--flow', '0');
    expect(without.out).not.toMatch(/integrated flow/);
  });
  it('a site with a zero gradient gives no evidence: the flow is not run, the check still verifies', () => {
    const r = run('check', 'translation', '--site', 'bias-before-batchnorm', '--runs', '20');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/integrated flow: not run \(no sampled flow could be judged/);
    expect(r.out).toMatch(/overall: numerically verified/);
  });
  it('is refused for mirrors and with --replay', () => {
    expect(run('check', 'unit-swap', '--flow', '2').code).toBe(2);
    expect(run('check', 'mirror-odd', '--flow', '2').code).toBe(2);
    expect(run('check', 'rescale', '--flow', '2', '--replay', '0').code).toBe(2);
  });
  it('is refused with --rule', () => {
    const r = run('check', 'rescale', '--rule', 'sgd(lr=0.05)', '--flow', '2');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--flow integrates gradient flow in a network check, not --rule/);
  });
});
