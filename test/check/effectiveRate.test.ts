/**
 * The effective learning rate of a normalised block as a trajectory [NLD; docs/theory.md §3.4, §3.9]:
 * on sampled networks with BatchNorm/LayerNorm scale sites, η/ρ²_k from the exact recursion run
 * forward from ρ²_0 matches the observed one to rounding, and the RMSProp-like second moment to
 * fourth order in the angular step. Independent computations: sequences made here by the exact
 * recursion (a closed recursion, not the module's), and the order of the RMSProp gap as the gradient
 * scale halves. Negative twins: a perturbed sequence, and the recursion claimed at hidden units.
 */
import { fc } from '@fast-check/jest';
import { loadCatalog } from '../../src/catalog';
import { deriveBlock } from '../../src/derive/block';
import { deriveDynamics } from '../../src/rules/dynamics';
import { parseRule } from '../../src/rules/rule';
import { checkTrajectories } from '../../src/check/trajectory';
import { effectiveRate } from '../../src/check/effectiveRate';
import type { BlockDeclaration } from '../../src/declaration/types';

/** ρ²_0 … ρ²_K made by ρ²_{k+1} = (1 − ηλ)²ρ²_k + η²‖ĝ_k‖²/ρ²_k, written here. */
function sequence(rho2: number, ghat2: readonly number[], eta: number, lambda: number): number[] {
  const out = [rho2];
  for (const g2 of ghat2)
    out.push((1 - eta * lambda) ** 2 * out[out.length - 1]! + (eta * eta * g2) / out[out.length - 1]!);
  return out;
}

describe('effective learning rate η/ρ²_k: exact recursion and the RMSProp-like form', () => {
  const arb = fc.record({
    eta: fc.double({ min: 1e-3, max: 0.5, noNaN: true }),
    lambda: fc.double({ min: 0, max: 0.1, noNaN: true }),
    rho2: fc.double({ min: 0.5, max: 4, noNaN: true }),
    ghat2: fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { minLength: 1, maxLength: 200 }),
  });

  it(
    'on a sequence made by the recursion the forward run matches to rounding; the RMSProp gap is ' +
      'within its bound',
    () => {
      fc.assert(
        fc.property(arb, ({ eta, lambda, rho2, ghat2 }) => {
          const rho = sequence(rho2, ghat2, eta, lambda);
          const e = effectiveRate(rho, ghat2, (1 - eta * lambda) ** 2, eta * eta, eta);
          // Rounding of one step is a few ε; the forward run does not amplify it (|∂ρ²_{k+1}/∂ρ²_k| ≤ 1
          // + c_Q).
          expect(e.exactGap).toBeLessThan(1e-12);
          expect(e.rmspropGap).toBeLessThanOrEqual(e.rmspropBound * (1 + 1e-9) + 1e-13);
          expect(e.points).toHaveLength(ghat2.length + 1);
        }),
        { numRuns: 50 },
      );
    },
  );

  it('the RMSProp gap is fourth order in the angular step: ‖ĝ‖ halved divides it by about 16', () => {
    const ghat2 = Array.from({ length: 100 }, (_, k) => 0.5 + 0.4 * Math.sin(k));
    const gap = (s: number): number => {
      const g = ghat2.map((x) => x * s * s);
      return effectiveRate(sequence(1, g, 0.1, 0.01), g, 0.999 ** 2, 0.01, 0.1).rmspropGap;
    };
    // δ ≈ 0.1·0.25·‖ĝ‖ at the largest scale: 16 up to the O(δ²) change of ρ with the scale.
    for (const s of [0.25, 0.125]) {
      const ratio = gap(s) / gap(s / 2);
      expect(ratio).toBeGreaterThan(14);
      expect(ratio).toBeLessThan(17);
    }
  });

  it('negative twin: a sequence off the recursion by 1e-6 at one step is missed by about that much', () => {
    const ghat2 = [0.3, 0.5, 0.2, 0.4];
    const rho = sequence(1.2, ghat2, 0.1, 0.05);
    rho[2] = rho[2]! * (1 + 1e-6);
    const e = effectiveRate(rho, ghat2, 0.995 ** 2, 0.01, 0.1);
    expect(e.exactGap).toBeGreaterThan(5e-7);
  });
});

describe('on sampled networks (check --rule sgd at scale sites)', () => {
  const dyn = (name: string, rule: string) => {
    const decl = loadCatalog(name) as BlockDeclaration;
    return { decl, d: deriveDynamics(decl, deriveBlock(decl), parseRule(rule)) };
  };

  it(
    'the recursion run forward from ρ²_0 gives η/ρ²_k to rounding; ' +
      'RMSProp-like within its bound, not exact',
    () => {
      const { decl, d } = dyn('scale', 'sgd(lr=0.1, wd=0.01)');
      const rep = checkTrajectories(decl, d, { runs: 2, steps: 100 });
      const e = rep.effectiveRate!;
      expect(e.steps).toBe(100);
      // 100 steps of a few ε each, on float64 networks: 1e-12 leaves a factor ~100.
      expect(e.exactGap).toBeLessThan(1e-12);
      expect(e.rmspropGap).toBeLessThanOrEqual(e.rmspropBound);
      expect(e.rmspropGap).toBeGreaterThan(1e3 * e.exactGap);
    },
  );

  it('negative twin: the recursion claimed at hidden units (rescale) misses the trajectory', () => {
    const s = dyn('scale', 'sgd(lr=0.1, wd=0.01)').d;
    const { decl, d } = dyn('rescale', 'sgd(lr=0.1, wd=0.01)');
    const laws = s.laws.filter((l) => l.id === 'normalisation');
    const rep = checkTrajectories(decl, { ...d, laws }, { runs: 1, steps: 20 });
    expect(rep.effectiveRate!.exactGap).toBeGreaterThan(1e-6);
  });
});
