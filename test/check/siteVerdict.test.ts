/**
 * A network check's verdict per law (src/check/runner.ts siteVerdict): nothing evaluated is nothing
 * verified. A run whose every sampled case was skipped as degenerate (a normalisation group without
 * spread, where the network is undefined with ε = 0) is inconclusive with the reason, never
 * "numerically verified" over 0 points; one evaluated case is enough for a numerical verdict.
 */
import { siteVerdict, type SiteRun } from '../../src/check/runner';

const run = (count: number, skipped: number): SiteRun<'law'> => ({
  worst: new Map([['law', 0]]),
  count,
  skipped,
  failed: new Map(),
});

describe('siteVerdict', () => {
  it('every case skipped: inconclusive, saying how many and why', () => {
    const v = siteVerdict(run(0, 20), 'law', ['odd-channel'], 1, 'exact float64 gradients');
    expect(v.kind).toBe('inconclusive');
    if (v.kind === 'inconclusive') expect(v.reason).toMatch(/20 degenerate.*nothing was evaluated/);
  });
  it('one case evaluated among skipped ones: numerically verified over that one', () => {
    const v = siteVerdict(run(1, 19), 'law', ['odd-channel'], 1, 'exact float64 gradients');
    expect(v.kind).toBe('numerically-verified');
    if (v.kind === 'numerically-verified') expect(v.count).toBe(1);
  });
});
