/**
 * Mirror symmetries and the structure they force [SIS; GU for odd activations], derived from the
 * declared involution and checked against the loss; thresholds compared with independent
 * formulas and with gradient descent itself.
 */
import { readDeclaration } from '../../src/declaration/load';
import { deriveMirror } from '../../src/mirror/derive';
import type { Derivation, Law } from '../../src/derivation';
import type { MirrorDeclaration } from '../../src/declaration/types';
import { compile } from '../../src/expr/evaluate';
import { loadCatalog } from '../../src/catalog';
import { reflectionOf } from '../../src/mirror/derive';
import { collapseExperiment } from '../../src/mirror/toyCollapse';

const mirror = (o: Record<string, unknown>): MirrorDeclaration =>
  readDeclaration({ name: 'm', kind: 'mirror', data: ['x', 'y'], ...o }) as MirrorDeclaration;
const law = (d: Derivation, id: string): Law => {
  const l = d.laws.find((x) => x.id === id);
  if (!l) throw new Error(`no ${id}`);
  return l;
};
/** Gram–Schmidt on float64 rows (independent rows assumed): the test's own orthonormalisation. */
const orthonormalRows = (rows: readonly number[][]): number[][] => {
  const qs: number[][] = [];
  for (const v0 of rows) {
    const v = [...v0];
    for (const q of qs) {
      const c = q.reduce((s, x, i) => s + x * v[i]!, 0);
      for (let i = 0; i < v.length; i++) v[i]! -= c * q[i]!;
    }
    const nv = Math.hypot(...v);
    qs.push(v.map((x) => x / nv));
  }
  return qs;
};
const signFlip = mirror({ parameters: ['u', 'w'], loss: '(y - u*w*x)^2', action: { u: '-u', w: '-w' } });

describe('rescaling → sparsity: the sign flip (u, w) → (−u, −w) of ℓ(u·w) [SIS]', () => {
  const d = deriveMirror(signFlip);
  it('is a symmetry, and its symmetric solutions are u = w = 0', () => {
    expect(law(d, 'invariance').verdict.kind).toBe('proved');
    expect(law(d, 'mirror-constraint').statement.text).toBe('u = 0, w = 0');
    expect(law(d, 'mirror-constraint').note).toMatch(/sparsity/);
    expect(law(d, 'invariant-set').verdict.kind).toBe('proved');
  });
  it('the attraction threshold is γ* = |x y| (independent formula: oᵀHo = ±2xy at u = w = 0)', () => {
    const l = law(d, 'attraction-threshold');
    if (l.data.kind !== 'expr') throw new Error('expression expected');
    const f = compile(l.data.expr, ['x', 'y']);
    for (const [x, y] of [
      [0.5, 1.5],
      [-1.25, 0.75],
      [2, -0.3],
    ] as const)
      expect(f([x, y])).toBeCloseTo(Math.abs(x * y), 12);
  });
  it('gradient descent on L + γ‖θ‖² collapses onto u = w = 0 above γ*, and leaves it below', () => {
    const [x, y] = [0.8, 1.25];
    const gstar = Math.abs(x * y);
    const run = (gamma: number): number => {
      let [u, w] = [1e-3, 2e-3];
      for (let k = 0; k < 4000; k++) {
        const r = y - u * w * x;
        const [gu, gw] = [-2 * r * w * x + 2 * gamma * u, -2 * r * u * x + 2 * gamma * w];
        [u, w] = [u - 0.01 * gu, w - 0.01 * gw];
      }
      return Math.hypot(u, w);
    };
    expect(run(1.1 * gstar)).toBeLessThan(1e-6);
    expect(run(0.9 * gstar)).toBeGreaterThan(1e-2);
  });
});

describe('permutation → identical neurons; odd activation → dead unit [SIS, GU]', () => {
  it(
    'swapping two tanh units: the symmetric solutions have identical units, the set is invariant, ' +
      'the Hessian decouples',
    () => {
      const d = deriveMirror(
        mirror({
          parameters: ['a1', 'a2', 'v1', 'v2'],
          loss: '(y - v1*tanh(a1*x) - v2*tanh(a2*x))^2',
          action: { a1: 'a2', a2: 'a1', v1: 'v2', v2: 'v1' },
        }),
      );
      expect(law(d, 'mirror-constraint').statement.text).toBe('a1 - a2 = 0, v1 - v2 = 0');
      expect(law(d, 'mirror-constraint').note).toMatch(/identical/);
      for (const id of ['invariance', 'invariant-set', 'hessian-block'])
        expect(law(d, id).verdict.kind).toBe('proved');
    },
  );
  it('flipping one tanh unit: the symmetric solution is a dead unit a1 = v1 = 0', () => {
    const d = deriveMirror(
      mirror({
        parameters: ['a1', 'v1', 'a2', 'v2'],
        loss: '(y - v1*tanh(a1*x) - v2*tanh(a2*x))^2',
        action: { a1: '-a1', v1: '-v1' },
      }),
    );
    expect(law(d, 'mirror-constraint').statement.text).toBe('a1 = 0, v1 = 0');
    expect(law(d, 'hessian-block').verdict.kind).toBe('proved');
  });
});

describe('negative twins and bad input', () => {
  it('the sign flip of a unit with an even activation (cosh) is refuted with a counterexample', () => {
    const d = deriveMirror(
      mirror({ parameters: ['a', 'v'], loss: '(y - v*cosh(a*x))^2', action: { a: '-a', v: '-v' } }),
    );
    expect(law(d, 'invariance').verdict.kind).toBe('refuted');
    expect(d.laws).toHaveLength(1);
  });
  it('swapping a tanh unit with a sigmoid unit is refuted', () => {
    const d = deriveMirror(
      mirror({
        parameters: ['a1', 'a2'],
        loss: '(y - tanh(a1*x) - sigmoid(a2*x))^2',
        action: { a1: 'a2', a2: 'a1' },
      }),
    );
    expect(law(d, 'invariance').verdict.kind).toBe('refuted');
  });
  it.each<[Record<string, string>, RegExp]>([
    [{ u: '2*u' }, /not an involution/],
    [{ u: '-u^3' }, /must be linear/],
    [{ u: '-u + w' }, /not an orthogonal reflection/],
    [{ u: '1 - u' }, /ψ\(0\) = 0/],
  ])('refuses %j', (action, re) => {
    expect(() => deriveMirror(mirror({ parameters: ['u', 'w'], loss: '(y - u*w*x)^2', action }))).toThrow(re);
  });
  it('refuses a group parameter on a mirror', () => {
    expect(() =>
      readDeclaration({
        name: 'm',
        kind: 'mirror',
        group: 'a',
        parameters: ['u'],
        loss: 'u^2',
        action: { u: '-u' },
      }),
    ).toThrow(/no group parameter/);
  });
});

describe('threshold prediction vs observed collapse on 50 sampled data sets [SIS]', () => {
  it.each(['mirror-sign-flip', 'mirror-swap'])(
    '%s: the local-stability prediction agrees with gradient descent on ≥ 90% of decided samples',
    (name) => {
      const d = loadCatalog(name) as MirrorDeclaration;
      const R = reflectionOf(d).map((r) => r.map((x) => Number(x.n) / Number(x.d)));
      const rep = collapseExperiment(d, R, { samples: 50, seed: 2, steps: 1500 });
      expect(rep.decided).toBeGreaterThanOrEqual(40);
      // Local stability is exact away from the threshold; finite runs near it are set apart (ambiguous).
      expect(rep.agree / rep.decided).toBeGreaterThanOrEqual(0.9);
      expect(rep.samples.some((s) => s.predicted) && rep.samples.some((s) => !s.predicted)).toBe(true);
    },
  );
});

describe('a mirror declared by its surface O: R = I − 2O(OᵀO)⁻¹Oᵀ [SIS]', () => {
  const toNum = (R: ReturnType<typeof reflectionOf>): number[][] =>
    R.map((r) => r.map((x) => Number(x.n) / Number(x.d)));
  /**
   * Householder reflection through the span of the vectors O (float64, by hand): I − 2Σ qqᵀ over
   * their orthonormalisation q.
   */
  const householder = (O: number[][]): number[][] => {
    const qs = orthonormalRows(O),
      n = O[0]!.length;
    return Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (__, j) => (i === j ? 1 : 0) - 2 * qs.reduce((s, q) => s + q[i]! * q[j]!, 0)),
    );
  };
  it('the swap of two tanh units, declared by O = [e_a1 − e_a2, e_v1 − e_v2], is the catalog swap', () => {
    const cat = loadCatalog('mirror-swap') as MirrorDeclaration;
    const bySurface = readDeclaration({
      name: 's',
      kind: 'mirror',
      parameters: cat.parameters,
      data: cat.data,
      loss: cat.lossText,
      surface: [
        { a1: 1, a2: -1 },
        { v1: 1, v2: -1 },
      ],
    }) as MirrorDeclaration;
    expect(toNum(reflectionOf(bySurface))).toEqual(toNum(reflectionOf(cat)));
    expect(law(deriveMirror(bySurface), 'mirror-constraint').statement.text).toBe(
      law(deriveMirror(cat), 'mirror-constraint').statement.text,
    );
  });
  it('non-orthogonal, non-normalised vectors give the same reflection as the float Householder formula', () => {
    const d = mirror({
      parameters: ['p', 'q', 'r'],
      loss: 'p^2 + q^2 + r^2',
      surface: [
        { p: 1, q: 2 },
        { q: '1/2', r: -3 },
      ],
    });
    const R = toNum(reflectionOf(d));
    const H = householder([
      [1, 2, 0],
      [0, 0.5, -3],
    ]);
    R.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo(H[i]![j]!, 14)));
  });
  it(
    'an oblique reflection no table lists: proved, its set u + 2w = 0, threshold −½ oᵀHo against ' +
      'finite differences',
    () => {
      const loss = (u: number, w: number, x: number, y: number): number =>
        (y - x * (2 * u - w)) ** 2 + (u + 2 * w) ** 2 * x ** 2;
      const d = deriveMirror(
        mirror({
          parameters: ['u', 'w'],
          loss: '(y - x*(2*u - w))^2 + (u + 2*w)^2*x^2',
          surface: [{ u: 1, w: 2 }],
        }),
      );
      expect(d.verdict.kind).toBe('proved');
      expect(law(d, 'mirror-constraint').statement.text).toBe('u + 2*w = 0');
      const th = law(d, 'attraction-threshold');
      if (th.data.kind !== 'expr') throw new Error('expression expected');
      const f = compile(th.data.expr, ['u', 'w', 'x', 'y']);
      const o = [1 / Math.sqrt(5), 2 / Math.sqrt(5)],
        h = 1e-4;
      for (const [s, x, y] of [
        [0.3, 0.7, -1.1],
        [-1.2, -0.4, 0.9],
        [2.1, 1.3, 0.2],
      ] as const) {
        const [u, w] = [2 * s, -s]; // on the set u + 2w = 0
        const at = (t: number): number => loss(u + t * o[0]!, w + t * o[1]!, x, y);
        const curvature = (at(h) - 2 * at(0) + at(-h)) / (h * h);
        expect(f([u, w, x, y])).toBeCloseTo(-curvature / 2, 5);
      }
    },
  );
  it(
    'negative twin: the reflection through u + w = 0 is not a symmetry of that loss, refuted with a ' +
      'counterexample that replays',
    () => {
      const d = deriveMirror(
        mirror({
          parameters: ['u', 'w'],
          loss: '(y - x*(2*u - w))^2 + (u + 2*w)^2*x^2',
          surface: [{ u: 1, w: 1 }],
        }),
      );
      const v = law(d, 'invariance').verdict;
      if (v.kind !== 'refuted' || v.counterexample.kind !== 'point')
        throw new Error(`refuted expected, got ${v.kind}`);
      const at = v.counterexample.point;
      const [u, w, x, y] = ['u', 'w', 'x', 'y'].map((k) => Number(at[k])) as [number, number, number, number];
      const loss = (a: number, b: number): number => (y - x * (2 * a - b)) ** 2 + (a + 2 * b) ** 2 * x ** 2;
      expect(Math.abs(loss(u, w) - loss(-w, -u))).toBeGreaterThan(1e-6); // R swaps and negates: (u, w) → (−w, −u)
    },
  );
  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'dependent vectors',
      {
        surface: [
          { u: 1, w: 1 },
          { u: 2, w: 2 },
        ],
      },
      /combination of the ones before it/,
    ],
    ['a zero vector', { surface: [{ u: 0 }] }, /zero vector/],
    ['an unknown parameter', { surface: [{ z: 1 }] }, /unknown parameter 'z'/],
    ['an irrational coefficient', { surface: [{ u: 'sqrt(2)' }] }, /rational coefficient/],
    ['both action and surface', { surface: [{ u: 1 }], action: { u: '-u' } }, /not both/],
    ['an empty surface', { surface: [] }, /non-empty list/],
  ])('refuses %s', (_, o, re) => {
    expect(() => mirror({ parameters: ['u', 'w'], loss: '(y - u*w*x)^2', ...o })).toThrow(re);
  });
  it('refuses a surface outside concrete mirrors', () => {
    expect(() =>
      readDeclaration({
        name: 'm',
        kind: 'mirror',
        sites: ['odd-unit'],
        blocks: { w_in: 'vector[n]', w_out: 'vector[m]' },
        surface: [{ w_in: 1 }],
      }),
    ).toThrow(/block-level mirror is given by its action/);
    expect(() =>
      readDeclaration({
        name: 'm',
        group: 'a',
        parameters: ['u'],
        loss: 'u^2',
        action: { u: 'u' },
        surface: [{ u: 1 }],
      }),
    ).toThrow(/only mirror declarations/);
  });
});

describe('three or more reflected directions: γ* = −λ_min(M)/2 with M similar to OᵀHO', () => {
  // Reflection through span O, O = [e_p + e_q, e_r, e_p + e_s]: the loss sees c·θ (c = (1, −1, 0,
  // −1) ⟂ O) and even products of O-components.
  const lossText = '(y - x*(p - q - s))^2 + x*(p + q)*(p + s) + y*r^2';
  const loss = ([p, q, r, s]: readonly number[], x: number, y: number): number =>
    (y - x * (p! - q! - s!)) ** 2 + x * (p! + q!) * (p! + s!) + y * r! ** 2;
  const d = deriveMirror(
    mirror({
      parameters: ['p', 'q', 'r', 's'],
      loss: lossText,
      surface: [{ p: 1, q: 1 }, { r: 1 }, { p: 1, s: 1 }],
    }),
  );
  it(
    'the 3×3 matrix M has the trace and determinant of OᵀHO from a finite-difference Hessian, at ' +
      'points on the set',
    () => {
      expect(d.verdict.kind).toBe('proved');
      const th = law(d, 'attraction-threshold');
      if (th.data.kind !== 'expr-matrix') throw new Error('matrix expected');
      const M = th.data.rows.map((r) => r.map((e) => compile(e, ['p', 'q', 'r', 's', 'x', 'y'])));
      const O = orthonormalRows([
        [1, 1, 0, 0],
        [0, 0, 1, 0],
        [1, 0, 0, 1],
      ]);
      const det3 = (A: number[][]): number =>
        A[0]![0]! * (A[1]![1]! * A[2]![2]! - A[1]![2]! * A[2]![1]!) -
        A[0]![1]! * (A[1]![0]! * A[2]![2]! - A[1]![2]! * A[2]![0]!) +
        A[0]![2]! * (A[1]![0]! * A[2]![1]! - A[1]![1]! * A[2]![0]!);
      for (const [t, x, y] of [
        [0.4, 1.3, -0.7],
        [-1.1, -0.6, 0.8],
        [2.0, 0.9, 1.7],
      ] as const) {
        const theta = [t, -t, 0, -t]; // c = (1, −1, 0, −1) spans the set
        const h = 1e-4;
        const f = (a: readonly number[], b: readonly number[], sa: number, sb: number): number =>
          loss(
            theta.map((v, i) => v + sa * a[i]! + sb * b[i]!),
            x,
            y,
          );
        const OHO = O.map((a) =>
          O.map((b) => (f(a, b, h, h) - f(a, b, h, -h) - f(a, b, -h, h) + f(a, b, -h, -h)) / (4 * h * h)),
        );
        const Mv = M.map((r) => r.map((g) => g([...theta, x, y])));
        expect(Mv[0]![0]! + Mv[1]![1]! + Mv[2]![2]!).toBeCloseTo(OHO[0]![0]! + OHO[1]![1]! + OHO[2]![2]!, 5);
        expect(det3(Mv)).toBeCloseTo(det3(OHO), 4);
      }
    },
  );
});
