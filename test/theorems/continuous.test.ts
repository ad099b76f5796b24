/**
 * The laws of continuous symmetries, checked on sampled networks — one property per law, named
 * as its theorem, with its source (docs/theory.md's references). Each law comes from the toolkit's own
 * derivation of the catalog declaration; the networks are real (exact float64 gradients and
 * Hessian-vector products, numeric/mlp.ts). Every property has negative twins that must fail: the
 * same law at a site where the action is not a symmetry, the law with a sign flipped, and a
 * quantity that is not a charge drifting under gradient flow.
 *
 * Tolerances (docs/theory.md §7): identities hold to IDENTITY_TOLERANCE = 1e-10 relative to their natural
 * scale (src/check.ts); a charge followed with the adaptive integrator at per-step tolerance
 * RTOL may move by at most RTOL per accepted step (the global error of the integration).
 */
import { test, fc } from '@fast-check/jest';
import { loadCatalog } from '../../src/catalog';
import { deriveBlock } from '../../src/derive/block';
import { lawResiduals } from '../../src/check/block';
import { chargeDrift } from '../../src/check/drift';
import { runSites, siteVerdict } from '../../src/check/runner';
import type { Derivation, Law } from '../../src/derivation';
import type { BlockDeclaration } from '../../src/declaration/types';
import { IDENTITY_TOLERANCE } from '../../src/verdict';
import { siteCase } from '../../numeric/arbitraries';
import { mlpSiteKinds, type SiteKind } from '../../numeric/sites';
import { evaluate } from '../../numeric/mlp';
import { DegenerateSample } from '../../numeric/errors';
import { integrate } from '../../numeric/ode';
import { dot } from '../../numeric/linalg';

const RTOL = 1e-10;

interface Theorem {
  readonly name: string;
  readonly source: string;
  readonly where: string;
  readonly wrongSite?: SiteKind;
}
const THEOREMS: readonly Theorem[] = [
  {
    name: 'rescale',
    source: 'NM §3',
    where: 'at every hidden unit of a ReLU, leaky-ReLU or linear network',
    wrongSite: 'poly-unit',
  },
  {
    name: 'scale',
    source: 'NM §3',
    where: 'at every BatchNorm-ed unit and LayerNorm-ed layer',
    wrongSite: 'softmax-column',
  },
  {
    name: 'translation',
    source: 'NM §3',
    where: 'at every softmax column, the output bias, and biases before a normalisation',
    wrongSite: 'normalised-unit',
  },
  {
    name: 'homogeneity',
    source: 'NM §3',
    where: 'at every hidden unit of a z^k network (k = the degree)',
    wrongSite: 'hidden-unit',
  },
  { name: 'gl', source: 'NM §3; GU', where: 'at every hidden layer of a deep linear network' },
  {
    name: 'layer-balance',
    source: 'GU; NM §3',
    where:
      'at every hidden layer of a ReLU, leaky-ReLU or linear network (negative twin: test/theorems/layer.test.ts)',
  },
];

const CHECKED = new Set([
  'gradient-constraint',
  'gradient-constraint-matrix',
  'hessian-constraint',
  'charge',
  'charge-matrix',
]);
// MLP sites (the graph models' sites of the same declarations: test/theorems/graphSites.test.ts).
const cases = (decl: BlockDeclaration) => fc.oneof(...mlpSiteKinds(decl.sites).map((k) => siteCase(k)));

/** The law with its first term's sign flipped (for a Hessian law: the right side negated). */
function flipped(d: Derivation, law: Law): { derivation: Derivation; law: Law } | undefined {
  const neg = <T extends { coef: unknown }>(t: T): T => ({
    ...t,
    coef: { kind: 'mul', factors: [{ kind: 'num', value: '-1' }, t.coef] },
  });
  const data = law.data;
  let nd: Law['data'] | undefined;
  if ((data.kind === 'trace' || data.kind === 'matrix') && data.sum.length >= 2)
    nd = { ...data, sum: [neg(data.sum[0]!), ...data.sum.slice(1)] };
  if (data.kind === 'hvp' && Object.values(data.rhs).some((s) => s.length))
    nd = { ...data, rhs: Object.fromEntries(Object.entries(data.rhs).map(([b, s]) => [b, s.map(neg)])) };
  if (!nd) return undefined;
  // The perturbed data has the same kind as the law's own, so the law's id still fits it.
  const l2 = { ...law, data: nd } as Law;
  return { derivation: { ...d, laws: d.laws.map((x) => (x === law ? l2 : x)) }, law: l2 };
}

describe.each(THEOREMS.map((t) => [t.name, t] as const))('%s symmetry', (_, t) => {
  const decl = loadCatalog(t.name) as BlockDeclaration;
  const d = deriveBlock(decl);
  const laws = d.laws.filter((l) => CHECKED.has(l.id));

  describe(`${t.where} [${t.source}]`, () => {
    for (const law of laws) {
      test.prop([cases(decl)], { numRuns: 40 })(
        `${law.title}: ${law.statement.text.split('   where')[0]}`,
        (c) => {
          const r = lawResiduals(decl, d, c);
          fc.pre(r !== undefined); // a normalisation group without spread: the network is undefined there
          expect(r!.get(law)!).toBeLessThanOrEqual(IDENTITY_TOLERANCE);
        },
      );
    }

    const charge = laws.find((l) => l.id === 'charge' || l.id === 'charge-matrix');
    if (charge) {
      test.prop([cases(decl)], { numRuns: 5 })(
        `the charge ${charge.statement.text.split('   (')[0]} stays constant along gradient flow θ̇ ` +
          `= −∇L (adaptive RK45), to the integrator's tolerance`,
        (c) => {
          const r = chargeDrift(decl, charge, c, { rtol: RTOL, maxSteps: 1500 });
          fc.pre(r !== undefined); // degenerate network, or a flow too stiff for the step budget
          expect(r!.relative).toBeLessThanOrEqual(RTOL * r!.steps);
        },
      );
    }
  });

  describe('negative twins: these must fail', () => {
    if (t.wrongSite) {
      const wrong: BlockDeclaration = { ...decl, sites: [t.wrongSite] };
      it(`the same laws at ${t.wrongSite} sites, where the action is not a symmetry, are refuted`, () => {
        const details = fc.check(
          fc.property(siteCase(t.wrongSite!), (c) => {
            const r = lawResiduals(wrong, d, c);
            return r === undefined || [...r.values()].every((x) => x <= IDENTITY_TOLERANCE);
          }),
          { numRuns: 60, seed: 7 },
        );
        expect(details.failed).toBe(true);
      });
    }
    for (const law of laws) {
      const f = flipped(d, law);
      if (!f) continue; // a one-term law is unchanged by a sign: the wrong-site twin covers it
      it(`${law.title} with a sign flipped is refuted`, () => {
        const details = fc.check(
          fc.property(cases(decl), (c) => {
            const r = lawResiduals(decl, f.derivation, c);
            return r === undefined || r.get(f.law)! <= IDENTITY_TOLERANCE;
          }),
          { numRuns: 60, seed: 7 },
        );
        expect(details.failed).toBe(true);
      });
    }
  });
});

describe('what is not a charge drifts [NM §3]', () => {
  it("½‖θ‖² of a whole ReLU network moves under gradient flow, far beyond the integrator's tolerance", () => {
    const [c] = fc.sample(
      siteCase('hidden-unit', { acts: ['relu'], norms: ['none'], losses: ['mse'], widths: [3, 5, 2] }),
      { seed: 11, numRuns: 1 },
    );
    const grad = (th: Float64Array): Float64Array => evaluate(c!.net, th, c!.batch).grad.map((x) => -x);
    const g0 = grad(c!.theta);
    const T = Math.sqrt(dot(c!.theta, c!.theta) / dot(g0, g0)) / 30; // θ moves by ~3% of its norm
    const r = integrate((_, th) => grad(th), c!.theta, 0, T, { rtol: RTOL, maxSteps: 20000 });
    expect(r.completed).toBe(true);
    const q = (th: Float64Array): number => dot(th, th) / 2;
    expect(Math.abs(q(r.y) - q(c!.theta)) / q(c!.theta)).toBeGreaterThan(1e3 * RTOL * r.steps);
  });

  it('the rescale charge evaluated at a tanh unit (not a symmetry there) moves under gradient flow', () => {
    const decl = loadCatalog('rescale') as BlockDeclaration;
    const d = deriveBlock(decl);
    const charge = d.laws.find((l) => l.id === 'charge')!;
    // A tanh network's hidden units seen as hidden-unit sites: build one by hand from a relu case's layout.
    const [c0] = fc.sample(siteCase('hidden-unit', { acts: ['relu'], norms: ['none'], widths: [3, 4, 2] }), {
      seed: 5,
      numRuns: 1,
    });
    const c = {
      ...c0!,
      spec: { ...c0!.spec, act: { kind: 'tanh' as const } },
      net: { ...c0!.net, spec: { ...c0!.net.spec, act: { kind: 'tanh' as const } } },
    };
    let r;
    try {
      r = chargeDrift(decl, charge, c, { rtol: RTOL });
    } catch (e) {
      if (!(e instanceof DegenerateSample)) throw e;
    }
    expect(r).toBeDefined();
    expect(r!.relative).toBeGreaterThan(1e3 * RTOL * r!.steps);
  });
});

describe("a refuted verdict cites its own law's residual at the counterexample", () => {
  it('two laws failing at one case with different residuals', () => {
    const res = new Map([
      ['a', 0.75],
      ['b', 0.25],
      ['c', 0],
    ]);
    const run = runSites(
      ['hidden-unit'],
      { runs: 5, seed: 1 },
      ['a', 'b', 'c'],
      (k) => k,
      () => res,
    );
    expect(run.counterexample?.law).toBe('a');
    const verdicts = ['a', 'b', 'c'].map((k) => siteVerdict(run, k, ['hidden-unit'], 1, 'test'));
    expect(
      verdicts.map((v) =>
        v.kind === 'refuted' && v.counterexample.kind === 'network'
          ? v.counterexample.relativeResidual
          : v.kind,
      ),
    ).toEqual([0.75, 0.25, 'inconclusive']);
  });
});
