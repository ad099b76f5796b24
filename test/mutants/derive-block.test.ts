/**
 * Block-level derivations (src/derive/block.ts): the record, every law's statement in the documented
 * notation worked out by hand, the laws' data evaluated on plain float64 matrices against the
 * formulas of docs/theory.md §2 (test/helpers/numeric.ts), the verdicts of the exact check at small
 * sizes, and every action the derivation refuses, with its reason.
 */
import { readDeclaration } from '../../src/declaration/load';
import { deriveBlock } from '../../src/derive/block';
import { derive } from '../../src/derive';
import { loadCatalog } from '../../src/catalog';
import { InputError } from '../../src/declaration/errors';
import type {
  BlockDeclaration,
  BlockMirrorDeclaration,
  Declaration,
  MirrorDeclaration,
} from '../../src/declaration/types';
import { deriveMirror } from '../../src/mirror/derive';
import { deriveBlockMirror } from '../../src/mirror/deriveBlock';
import {
  type Derivation,
  type Law,
  ASSUMED_INVARIANCE,
  NORMALISATION,
  SCHEMA_VERSION,
  blockInvariance,
} from '../../src/derivation';
import { Algebra, type WordSum, matrixText, matrixLatex, traceLatex } from '../../src/derive/words';
import { type Expr, mul, num } from '../../src/expr/ast';
import { Instance } from '../../src/derive/instantiate';
import { type Mat, randMat, evalTrace, evalMatrix, frob, matmul, transpose } from '../helpers/numeric';

const lcg = (seed: number): (() => number) => {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
};
const block = (o: Record<string, unknown>): BlockDeclaration =>
  readDeclaration({ name: 't', kind: 'block', group: 'a', ...o }) as BlockDeclaration;
const law = (d: Derivation, id: string, parameter?: string): Law => {
  const l = d.laws.find((x) => x.id === id && (parameter === undefined || x.parameter === parameter));
  if (!l) throw new Error(`no ${id} law in ${d.laws.map((x) => x.id).join(', ')}`);
  return l;
};
const sumOf = (l: Law) => {
  if (l.data.kind !== 'trace' && l.data.kind !== 'matrix') throw new Error(`law ${l.id} has no sum`);
  return l.data.sum;
};
const hvp = (l: Law) => {
  if (l.data.kind !== 'hvp') throw new Error('not an hvp law');
  return l.data;
};
const lin = (a: Mat, b: Mat, ca: number, cb: number): Mat =>
  a.map((r, i) => r.map((x, j) => ca * x + cb * b[i]![j]!));
const sym = (a: Mat): Mat => lin(a, transpose(a), 0.5, 0.5);
const anti = (a: Mat): Mat => lin(a, transpose(a), 0.5, -0.5);
const expectMat = (got: Mat, want: Mat): void =>
  got.forEach((row, i) =>
    row.forEach((x, j) =>
      expect(Math.abs(x - want[i]![j]!)).toBeLessThan(1e-12 * (1 + Math.abs(want[i]![j]!))),
    ),
  );
const expectNum = (got: number, want: number): void =>
  expect(Math.abs(got - want)).toBeLessThan(1e-12 * (1 + Math.abs(want)));
const ids = (d: Derivation): string[] => d.laws.map((l) => l.id);
const kinds = (d: Derivation): string[] => d.laws.map((l) => l.verdict.kind);
/** Without sites the invariance is assumed (stated first, inconclusive); every law derived from it is proved. */
const derived = (d: Derivation): boolean =>
  d.laws[0]!.id === 'invariance' &&
  d.laws[0]!.verdict.kind === 'inconclusive' &&
  d.laws.slice(1).every((l) => l.verdict.kind === 'proved');

/** The method of a proved block-level law: the sizes of the exact check name each dimension. */
const certified = (sizes: string) =>
  `block algebra for every size (trace cyclicity, adjoints by transposition); exact check at sizes ${sizes} ` +
  `against a generic test function`;

describe('the record', () => {
  const rescale = loadCatalog('rescale') as BlockDeclaration;
  const d = deriveBlock(rescale);

  it('rescale: the documented charge, gradient and Hessian constraints, all proved', () => {
    expect(d.kind).toBe('derivation');
    expect(d.schemaVersion).toBe(SCHEMA_VERSION);
    expect(d.normalisation).toBe(NORMALISATION);
    expect(d.declaration).toEqual({
      name: 'rescale',
      kind: 'block',
      origin: rescale.origin,
      description: rescale.description,
      source: 'NM',
    });
    expect(d.seed).toBe(1);
    expect(ids(d)).toEqual(['gradient-constraint', 'hessian-constraint', 'charge']);
    expect(d.laws.every((l) => l.kind === 'law' && l.parameter === 'a')).toBe(true);
    expect(kinds(d)).toEqual(['proved', 'proved', 'proved']);
    expect(d.verdict.kind).toBe('proved');
    expect(law(d, 'charge').statement).toEqual({
      text: 'Q = 1/2 ‖w_in‖² - 1/2 ‖w_out‖²',
      latex:
        'Q = \\frac{1}{2} \\, \\lVert w_{\\mathrm{in}} \\rVert^{2} - ' +
        '\\frac{1}{2} \\, \\lVert w_{\\mathrm{out}} \\rVert^{2}',
    });
    const gradText = '⟨∂L/∂w_in, w_in⟩ - ⟨∂L/∂w_out, w_out⟩ = 0';
    expect(law(d, 'gradient-constraint').statement.text).toBe(gradText);
    expect(law(d, 'gradient-constraint').statement.latex).toBe(
      '\\langle \\nabla_{w_{\\mathrm{in}}} L, w_{\\mathrm{in}} \\rangle - ' +
        '\\langle \\nabla_{w_{\\mathrm{out}}} L, w_{\\mathrm{out}} \\rangle = 0',
    );
    expect(law(d, 'hessian-constraint').statement).toEqual({
      text: '(H·X)_w_in = -∂L/∂w_in;  (H·X)_w_out = ∂L/∂w_out   where X = (w_in: w_in, w_out: -w_out)',
      latex:
        '(H X)_{w_{\\mathrm{in}}} = -\\nabla_{w_{\\mathrm{in}}} L, \\quad ' +
        '(H X)_{w_{\\mathrm{out}}} = \\nabla_{w_{\\mathrm{out}}} L',
    });
    expect(d.generators).toEqual([
      {
        parameter: 'a',
        components: [
          {
            target: 'w_in',
            sum: [{ coef: { kind: 'num', value: '1' }, word: [{ kind: 'block', name: 'w_in', t: false }] }],
            value: { text: 'w_in', latex: 'w_{\\mathrm{in}}' },
          },
          {
            target: 'w_out',
            sum: [{ coef: { kind: 'num', value: '-1' }, word: [{ kind: 'block', name: 'w_out', t: false }] }],
            value: { text: '-w_out', latex: '-w_{\\mathrm{out}}' },
          },
        ],
      },
    ]);
    const h = hvp(law(d, 'hessian-constraint'));
    expect(h.direction).toEqual({
      w_in: d.generators[0]!.components[0]!.sum,
      w_out: d.generators[0]!.components[1]!.sum,
    });
  });

  it('the exact check is named with its sizes and its evidence, and uses the seed given', () => {
    for (const l of d.laws) {
      expect(l.verdict).toMatchObject({ kind: 'proved', method: certified('n=2, m=3') });
      if (l.verdict.kind === 'proved') expect(l.verdict.evidence).toMatch(/12 random points.*seed 1$/);
    }
    const d7 = deriveBlock(rescale, { seed: 7 });
    expect(d7.seed).toBe(7);
    for (const l of d7.laws) if (l.verdict.kind === 'proved') expect(l.verdict.evidence).toMatch(/seed 7$/);
    // Only the evidence depends on the seed.
    expect(d7.laws.map((l) => l.statement)).toEqual(d.laws.map((l) => l.statement));
    // Fixed sizes are not renamed: a declaration with numeric dimensions only.
    const fixed = deriveBlock(block({ blocks: { w: 'vector[3]' }, action: { w: 'exp(a)*w' } }));
    expect(law(fixed, 'charge').verdict).toMatchObject({ method: certified('the declared sizes') });
  });

  it('laws and notes: the condition every law is derived under', () => {
    for (const l of d.laws.filter((x) => x.id !== 'charge'))
      expect(l.note).toBe(
        'holds for every loss invariant under the action (at block level invariance is tested on sampled ' +
          'networks: by `noether derive` at the declared sites, and further by `noether check`)',
      );
    expect(law(d, 'charge').note).toBe(
      'X = ∇Q, so dQ/dt = −⟨∇Q, g⟩ = −⟨X, g⟩ = 0 by the gradient constraint',
    );
    expect(law(d, 'gradient-constraint').data.kind).toBe('trace');
    expect(law(d, 'charge').data.kind).toBe('trace');
  });

  it('without sites the invariance is assumed: stated first, inconclusive, and so is the derivation', () => {
    const noSites = block({ blocks: { w_in: 'vector[n]', w_out: 'vector[m]' }, action: rescaleAction });
    const e = deriveBlock(noSites);
    expect(e.laws[0]).toEqual(blockInvariance('a', ASSUMED_INVARIANCE));
    expect(ids(e)).toEqual(['invariance', 'gradient-constraint', 'hessian-constraint', 'charge']);
    expect(kinds(e).slice(1)).toEqual(['proved', 'proved', 'proved']);
    expect(e.verdict).toEqual(ASSUMED_INVARIANCE);
  });

  it('derive dispatches on the kind: block here, mirrors to their own derivations', () => {
    expect(derive(rescale as Declaration, { seed: 3 })).toEqual(deriveBlock(rescale, { seed: 3 }));
    const odd = loadCatalog('mirror-odd')!;
    expect(odd.kind).toBe('mirror');
    expect(derive(odd, { seed: 2 })).toEqual(deriveMirror(odd as MirrorDeclaration, { seed: 2 }));
    const flip = loadCatalog('unit-sign-flip')!;
    expect(flip.kind).toBe('block-mirror');
    expect(derive(flip, { seed: 2 })).toEqual(deriveBlockMirror(flip as BlockMirrorDeclaration, { seed: 2 }));
  });
});
const rescaleAction = { w_in: 'exp(a)*w_in', w_out: 'exp(-a)*w_out' };

describe('the laws, evaluated on plain matrices', () => {
  const r = lcg(11);
  const [n, dd, m] = [3, 4, 2];

  it('left multiplication by a symmetric S: X = S W, H X = −S g, Q = ½ tr(Wᵀ S W)', () => {
    const d = deriveBlock(
      block({
        blocks: { W: 'matrix[n, d]' },
        constants: { S: { shape: 'matrix[n, n]', structure: 'symmetric' } },
        action: { W: 'expm(a*S)*W' },
      }),
    );
    expect(ids(d)).toEqual(['invariance', 'gradient-constraint', 'hessian-constraint', 'charge']);
    expect(derived(d)).toBe(true);
    const v = {
      blocks: { W: randMat(n, dd, r) },
      grads: { W: randMat(n, dd, r) },
      consts: { S: sym(randMat(n, n, r)) },
    };
    const SW = matmul(v.consts.S, v.blocks.W);
    expectMat(evalMatrix(d.generators[0]!.components[0]!.sum!, v, n, dd), SW);
    expectNum(evalTrace(sumOf(law(d, 'gradient-constraint')), v), frob(v.grads.W, SW));
    const h = hvp(law(d, 'hessian-constraint'));
    expectMat(evalMatrix(h.rhs['W']!, v, n, dd), lin(matmul(v.consts.S, v.grads.W), SW, -1, 0));
    expectNum(evalTrace(sumOf(law(d, 'charge')), v), frob(v.blocks.W, SW) / 2);
    expect(law(d, 'charge').statement.text).toBe('Q = 1/2 tr(W Wᵀ S)');
    expect(law(d, 'hessian-constraint').statement.text).toBe('(H·X)_W = -S ∂L/∂W   where X = (W: S W)');
  });

  it('a translation along a constant matrix E is not an operator: Q = ⟨E, W⟩, H X = 0, no matrix laws', () => {
    const d = deriveBlock(
      block({
        blocks: { W: 'matrix[n, n]' },
        constants: { E: { shape: 'matrix[n, n]', structure: 'general' } },
        action: { W: 'W + a*E' },
      }),
    );
    expect(ids(d)).toEqual(['invariance', 'gradient-constraint', 'hessian-constraint', 'charge']);
    expect(derived(d)).toBe(true);
    const v = {
      blocks: { W: randMat(n, n, r) },
      grads: { W: randMat(n, n, r) },
      consts: { E: randMat(n, n, r) },
    };
    expectNum(evalTrace(sumOf(law(d, 'charge')), v), frob(v.consts.E, v.blocks.W));
    expect(hvp(law(d, 'hessian-constraint')).rhs['W']).toEqual([]);
    expect(law(d, 'hessian-constraint').statement.text).toBe('(H·X)_W = 0   where X = (W: E)');
  });

  it('GL(n): M = g_W1 W1ᵀ − W2ᵀ g_W2 for all E, C = ½(W1 W1ᵀ − W2ᵀ W2); none for antisymmetric E', () => {
    const d = deriveBlock(loadCatalog('gl') as BlockDeclaration);
    expect(ids(d)).toEqual([
      'gradient-constraint',
      'gradient-constraint-matrix',
      'hessian-constraint',
      'charge-matrix',
      'no-charge',
    ]);
    expect(d.laws.map((l) => l.parameter)).toEqual(['a', 'E', 'a', 'E', 'E antisymmetric']);
    expect(kinds(d)).toEqual(['proved', 'proved', 'proved', 'proved', 'proved']);
    const v = {
      blocks: { W1: randMat(n, dd, r), W2: randMat(m, n, r) },
      grads: { W1: randMat(n, dd, r), W2: randMat(m, n, r) },
      consts: { E: randMat(n, n, r) },
    };
    const { W1, W2 } = v.blocks;
    const M = lin(matmul(v.grads.W1, transpose(W1)), matmul(transpose(W2), v.grads.W2), 1, -1);
    expectMat(evalMatrix(sumOf(law(d, 'gradient-constraint-matrix')), v, n, n), M);
    // ⟨E, M⟩ is the gradient constraint at this E.
    expectNum(evalTrace(sumOf(law(d, 'gradient-constraint')), v), frob(v.consts.E, M));
    const C = lin(matmul(W1, transpose(W1)), matmul(transpose(W2), W2), 0.5, -0.5);
    expectMat(evalMatrix(sumOf(law(d, 'charge-matrix')), v, n, n), C);
    const h = hvp(law(d, 'hessian-constraint'));
    // X = (E W1, −W2 E): rhs = (−Eᵀ g_W1, g_W2 Eᵀ).
    const Et = transpose(v.consts.E);
    expectMat(evalMatrix(h.rhs['W1']!, v, n, dd), lin(matmul(Et, v.grads.W1), W1, -1, 0));
    expectMat(evalMatrix(h.rhs['W2']!, v, m, n), matmul(v.grads.W2, Et));
    const matrixLaw = law(d, 'gradient-constraint-matrix');
    expect(matrixLaw.title).toBe('Gradient constraint for every E (matrix form)');
    expect(matrixLaw.statement.text).toBe(`${matrixLaw.statement.text.split(' = 0')[0]} = 0`);
    expect(matrixLaw.note).toMatch(
      /^the gradient constraint equals ⟨E, M⟩ and holds for every E, so M = 0 \(matrix\[n, n\]\);/,
    );
    const cm = law(d, 'charge-matrix');
    expect(cm.title).toBe('Gradient-flow charges of the symmetric E (matrix form)');
    expect(cm.statement.text).toMatch(/^C = .* {3}\(Q_E = ⟨E, C⟩ for symmetric E\)$/);
    // The antisymmetric part: A = (L ↦ K L on W1, R ↦ −R K on W2), (A − Aᵀ)/2 = A.
    const none = law(d, 'no-charge', 'E antisymmetric');
    expect(none.data).toEqual({ kind: 'none' });
    expect(none.verdict).toEqual({
      kind: 'proved',
      method: 'block algebra: the adjoint (L θ R ↦ Lᵀ θ Rᵀ) differs from the operator',
      evidence: '(A − Aᵀ)/2 = (W1: E W1, W2: -W2 E)',
    });
    expect(none.statement.text).toBe('no gradient-flow charge (antisymmetric generator)');
  });

  it('two generic constants (W ↦ e^{aE} W e^{aF}): a charge for symmetric E, F, none for antisymmetric', () => {
    const d = deriveBlock(
      block({
        blocks: { W: 'matrix[n, d]' },
        constants: { E: { shape: 'matrix[n, n]' }, F: { shape: 'matrix[d, d]' } },
        action: { W: 'expm(a*E)*W*expm(a*F)' },
      }),
    );
    expect(d.laws.map((l) => [l.id, l.parameter])).toEqual([
      ['invariance', 'a'],
      ['gradient-constraint', 'a'],
      ['hessian-constraint', 'a'],
      ['charge', 'a'],
      ['no-charge', 'E, F antisymmetric'],
    ]);
    expect(derived(d)).toBe(true);
    expect(law(d, 'charge').title).toBe('Gradient-flow charge for symmetric generators');
    const v = {
      blocks: { W: randMat(n, dd, r) },
      grads: { W: randMat(n, dd, r) },
      consts: { E: sym(randMat(n, n, r)), F: sym(randMat(dd, dd, r)) },
    };
    const { W } = v.blocks;
    // Q = ½ tr(Wᵀ E W) + ½ tr(Wᵀ W F) for symmetric E, F.
    expectNum(
      evalTrace(sumOf(law(d, 'charge')), v),
      frob(W, matmul(v.consts.E, W)) / 2 + frob(W, matmul(W, v.consts.F)) / 2,
    );
    // The gradient constraint ⟨g, E W + W F⟩ (its matrix forms need one constant at a time: none here).
    expectNum(
      evalTrace(sumOf(law(d, 'gradient-constraint')), v),
      frob(v.grads.W, matmul(v.consts.E, W)) + frob(v.grads.W, matmul(W, v.consts.F)),
    );
  });

  it('the data-set rotation (augmentation, antisymmetric A): no charge, the Hessian constraint H X = g A', () => {
    const d = deriveBlock(loadCatalog('augmentation') as BlockDeclaration);
    expect(ids(d)).toEqual(['gradient-constraint', 'hessian-constraint', 'no-charge']);
    expect(d.laws.map((l) => l.parameter)).toEqual(['a', 'a', 'a']);
    expect(d.verdict.kind).toBe('proved');
    const v = {
      blocks: { W1: randMat(n, dd, r) },
      grads: { W1: randMat(n, dd, r) },
      consts: { A: anti(randMat(dd, dd, r)) },
    };
    // X = W1 A, rhs = −g Aᵀ = g A.
    expectMat(
      evalMatrix(hvp(law(d, 'hessian-constraint')).rhs['W1']!, v, n, dd),
      matmul(v.grads.W1, v.consts.A),
    );
    expect(law(d, 'no-charge').verdict).toMatchObject({
      kind: 'proved',
      evidence: '(A − Aᵀ)/2 = (W1: W1 A)',
    });
    expect(law(d, 'no-charge').note).toContain('(A − Aᵀ)/2 acts as (W1: W1 A) ≠ 0');
  });

  it('the obstruction names only the blocks whose linear part is not self-adjoint', () => {
    const withS = deriveBlock(
      block({
        blocks: { W: 'matrix[n, n]', U: 'vector[n]' },
        constants: {
          S: { shape: 'matrix[n, n]', structure: 'symmetric' },
          K: { shape: 'matrix[n, n]', structure: 'antisymmetric' },
        },
        action: { W: 'expm(a*S)*W', U: 'expm(a*K)*U' },
      }),
    );
    const none = law(withS, 'no-charge');
    // Only U's part is antisymmetric: W's is self-adjoint and left out.
    expect(none.verdict).toMatchObject({ evidence: '(A − Aᵀ)/2 = (U: K U)' });
  });

  it('scalar blocks: a translation b + a is X = 1, Q = ⟨1, b⟩; degree-k homogeneity has a scalar k', () => {
    const d = deriveBlock(
      block({
        blocks: { b: 'scalar', w: 'vector[n]' },
        action: { b: 'b + 2*a', w: 'exp(3*a)*w' },
      }),
    );
    expect(d.generators[0]!.components.map((c) => c.value.text)).toEqual(['2 1', '3 w']);
    expect(law(d, 'charge').statement.text).toBe('Q = 2 ⟨1, b⟩ + 3/2 ‖w‖²');
    expect(law(d, 'hessian-constraint').statement.text).toBe(
      '(H·X)_b = 0;  (H·X)_w = -3 ∂L/∂w   where X = (b: 2 1, w: 3 w)',
    );
    expect(derived(d)).toBe(true);
    const v = { blocks: { b: [[0.7]], w: randMat(n, 1, r) } };
    expectNum(evalTrace(sumOf(law(d, 'charge')), v), 2 * 0.7 + 1.5 * frob(v.blocks.w, v.blocks.w));
    const k = deriveBlock(loadCatalog('homogeneity') as BlockDeclaration);
    expect(k.verdict.kind).toBe('proved');
    const vk = { blocks: { w_in: randMat(n, 1, r), w_out: randMat(m, 1, r) }, scalars: { k: 2.5 } };
    const [wi, wo] = [vk.blocks.w_in, vk.blocks.w_out];
    expectNum(evalTrace(sumOf(law(k, 'charge')), vk), frob(wi, wi) / 2 - (2.5 / 2) * frob(wo, wo));
  });

  it('a scalar coefficient that is a function of a: sin(a) w, a·w and (1 + a)² w', () => {
    for (const [expr, c] of [
      ['w + sin(a)*w', '1'],
      ['(1 + a)^2*w', '2'],
      ['w*exp(a/2)', '1/2'],
    ] as const) {
      const d = deriveBlock(block({ blocks: { w: 'vector[n]' }, action: { w: expr } }));
      expect(d.generators[0]!.components[0]!.value.text).toBe(c === '1' ? 'w' : `${c} w`);
      expect(derived(d)).toBe(true);
    }
  });
});

describe('which constants act as operators, and which laws follow', () => {
  const laws = (action: Record<string, string>, blocks: Record<string, string>, constants = {}) =>
    deriveBlock(block({ blocks, constants, action }));
  const allLaws = (d: Derivation): void => expect(d.laws.every((l) => l.kind === 'law')).toBe(true);

  it("E in one block's linear part only is still an operator (a charge for symmetric E, none otherwise)", () => {
    const d = laws(
      { W: 'expm(a*E)*W', u: 'exp(a)*u' },
      { W: 'matrix[n, d]', u: 'vector[m]' },
      { E: { shape: 'matrix[n, n]' } },
    );
    // The matrix forms need every term linear in E: ½‖u‖² and ⟨g_u, u⟩ are not, so none is stated.
    expect(d.laws.map((l) => [l.id, l.parameter])).toEqual([
      ['invariance', 'a'],
      ['gradient-constraint', 'a'],
      ['hessian-constraint', 'a'],
      ['charge', 'a'],
      ['no-charge', 'E antisymmetric'],
    ]);
    allLaws(d);
    expect(derived(d)).toBe(true);
    expect(law(d, 'gradient-constraint').title).toBe('Gradient constraint ⟨g, X⟩ = 0');
    expect(law(d, 'hessian-constraint').title).toBe('Hessian constraint H X = −J_Xᵀ g');
    const q = law(d, 'charge');
    expect(q.title).toBe('Gradient-flow charge for symmetric generators');
    expect(q.statement.text).toBe('Q = 1/2 tr(W Wᵀ E) + 1/2 ‖u‖²');
    expect(q.statement.latex).toBe(`Q = ${traceLatex(sumOf(q))}`);
    const none = law(d, 'no-charge');
    expect(none.title).toBe('No gradient-flow charge');
    expect(none.statement.latex).toBe('\\text{no gradient-flow charge (antisymmetric generator)}');
    expect(none.note).toBe(
      'the linear part A of the generator is not self-adjoint: (A − Aᵀ)/2 acts as (W: E W) ≠ 0, so X is ' +
        'not a gradient field and no quantity is conserved by it under gradient flow; only the gradient ' +
        'constraint holds',
    );
  });

  it("GL(n): the matrix statements render their data; the charge matrix's note", () => {
    const d = deriveBlock(loadCatalog('gl') as BlockDeclaration);
    allLaws(d);
    const m = law(d, 'gradient-constraint-matrix');
    expect(m.statement).toEqual({
      text: `${matrixText(sumOf(m))} = 0`,
      latex: `${matrixLatex(sumOf(m))} = 0`,
    });
    const cm = law(d, 'charge-matrix');
    expect(cm.statement).toEqual({
      text: `C = ${matrixText(sumOf(cm))}   (Q_E = ⟨E, C⟩ for symmetric E)`,
      latex: `C = ${matrixLatex(sumOf(cm))}`,
    });
    expect(cm.note).toMatch(
      new RegExp(
        '^for every symmetric E the potential of the generator is Q = .* = ⟨E, C⟩; as E ranges over ' +
          'symmetric matrices every entry of the symmetric matrix C is conserved under gradient flow$',
      ),
    );
  });

  it('E inside a product S E is an operator; a generic matrix in the shift or a non-square one is not', () => {
    const C = {
      S: { shape: 'matrix[n, n]', structure: 'symmetric' },
      E: { shape: 'matrix[n, n]' },
      N: { shape: 'matrix[n, m]' },
      Nt: { shape: 'matrix[m, n]' },
    };
    const se = laws({ W: 'expm(a*S*E)*W' }, { W: 'matrix[n, d]' }, C);
    expect(se.laws.map((l) => [l.id, l.parameter])).toEqual([
      ['invariance', 'a'],
      ['gradient-constraint', 'a'],
      ['gradient-constraint-matrix', 'E'],
      ['hessian-constraint', 'a'],
      ['no-charge', 'E antisymmetric'],
    ]);
    const shift = laws({ W: 'expm(a*S)*W + a*E' }, { W: 'matrix[n, n]' }, C);
    expect(shift.laws.map((l) => l.id)).toEqual([
      'invariance',
      'gradient-constraint',
      'hessian-constraint',
      'charge',
    ]);
    expect(law(shift, 'charge').title).toBe('Gradient-flow charge (conserved under θ̇ = −g)');
    expect(law(shift, 'charge').statement.text).toBe('Q = 1/2 tr(W Wᵀ S) + ⟨E, W⟩');
    const nn = laws({ W: 'expm(a*N*Nt)*W' }, { W: 'matrix[n, d]' }, C);
    expect(nn.laws.map((l) => [l.id, l.parameter])).toEqual([
      ['invariance', 'a'],
      ['gradient-constraint', 'a'],
      ['hessian-constraint', 'a'],
      ['no-charge', 'a'],
    ]);
    for (const d of [se, shift, nn]) {
      allLaws(d);
      expect(derived(d)).toBe(true);
    }
  });

  it('E W E: self-adjoint for antisymmetric E too (no obstruction), quadratic in E (no matrix forms)', () => {
    const d = laws({ W: 'W + a*E*W*E' }, { W: 'matrix[n, n]' }, { E: { shape: 'matrix[n, n]' } });
    expect(d.laws.map((l) => [l.id, l.parameter])).toEqual([
      ['invariance', 'a'],
      ['gradient-constraint', 'a'],
      ['hessian-constraint', 'a'],
      ['charge', 'a'],
    ]);
    allLaws(d);
    expect(derived(d)).toBe(true);
    expect(law(d, 'charge').title).toBe('Gradient-flow charge for symmetric generators');
  });

  it('with an antisymmetric K beside a generic E there is no charge even for symmetric E', () => {
    const d = laws(
      { W: 'expm(a*E)*W*expm(a*K)' },
      { W: 'matrix[n, d]' },
      { E: { shape: 'matrix[n, n]' }, K: { shape: 'matrix[d, d]', structure: 'antisymmetric' } },
    );
    // ⟨g, W K⟩ is not linear in E: no matrix form.
    expect(d.laws.map((l) => [l.id, l.parameter])).toEqual([
      ['invariance', 'a'],
      ['gradient-constraint', 'a'],
      ['hessian-constraint', 'a'],
      ['no-charge', 'E antisymmetric'],
    ]);
    expect(law(d, 'no-charge').verdict).toMatchObject({ evidence: '(A − Aᵀ)/2 = (W: W K + E W)' });
  });

  it("the all-ones block of the block acted on, a scalar block scaled, a translation's empty H X", () => {
    const d = laws(
      { u: 'exp(a)*u', theta: 'theta + a*ones', s: 'exp(3*a)*s + a*ones' },
      {
        u: 'vector[n]',
        theta: 'vector[m]',
        s: 'scalar',
      },
    );
    expect(derived(d)).toBe(true);
    expect(d.generators[0]!.components.map((c) => c.value.text)).toEqual(['u', '1', '3 s + 1']);
    expect(law(d, 'charge').statement.text).toBe('Q = 3/2 ‖s‖² + ⟨1, s⟩ + ⟨1, theta⟩ + 1/2 ‖u‖²');
    const tr = deriveBlock(loadCatalog('translation') as BlockDeclaration);
    expect(law(tr, 'hessian-constraint').statement).toEqual({
      text: '(H·X)_theta = 0   where X = (theta: 1)',
      latex: '(H X)_{\\theta} = 0',
    });
  });
});

describe('the exact check at small sizes catches a wrong formula (a fault put into the word algebra)', () => {
  afterEach(() => jest.restoreAllMocks());
  const rescale = loadCatalog('rescale') as BlockDeclaration;
  const gl = loadCatalog('gl') as BlockDeclaration;
  const twice = (s: WordSum): WordSum => s.map((t) => ({ coef: mul(num(2), t.coef), word: t.word }));
  const hasGrad = (s: WordSum): boolean => s.some((t) => t.word.some((l) => l.kind === 'grad'));

  it('a wrong generator: every law that rests on it is refuted, the obstruction too', () => {
    const plus = Algebra.prototype.plus;
    jest.spyOn(Algebra.prototype, 'plus').mockImplementation(function (this: Algebra, ...ss: WordSum[]) {
      return twice(plus.apply(this, ss));
    });
    const d = deriveBlock(rescale);
    expect(kinds(d)).toEqual(['refuted', 'refuted', 'refuted']);
    const aug = deriveBlock(loadCatalog('augmentation') as BlockDeclaration);
    expect(law(aug, 'no-charge').verdict.kind).toBe('refuted');
  });

  it('a wrong gradient constraint (⟨g, X⟩ doubled) is refuted, alone', () => {
    const inner = Algebra.prototype.inner;
    jest.spyOn(Algebra.prototype, 'inner').mockImplementation(function (
      this: Algebra,
      x: WordSum,
      y: WordSum,
    ) {
      return twice(inner.call(this, x, y));
    });
    expect(kinds(deriveBlock(rescale))).toEqual(['refuted', 'proved', 'proved']);
  });

  it('a wrong matrix form M is refuted, alone', () => {
    const dual = Algebra.prototype.dual;
    jest.spyOn(Algebra.prototype, 'dual').mockImplementation(function (this: Algebra, s: WordSum, c: string) {
      const m = dual.call(this, s, c);
      return m && hasGrad(m) ? twice(m) : m;
    });
    const d = deriveBlock(gl);
    expect(d.laws.map((l) => [l.id, l.verdict.kind])).toEqual([
      ['gradient-constraint', 'proved'],
      ['gradient-constraint-matrix', 'refuted'],
      ['hessian-constraint', 'proved'],
      ['charge-matrix', 'proved'],
      ['no-charge', 'proved'],
    ]);
  });

  it('a wrong Hessian right-hand side is refuted, alone', () => {
    const matrix = Algebra.prototype.matrix;
    jest.spyOn(Algebra.prototype, 'matrix').mockImplementation(function (this: Algebra, s: WordSum) {
      const m = matrix.call(this, s);
      return hasGrad(m) ? twice(m) : m;
    });
    expect(kinds(deriveBlock(rescale))).toEqual(['proved', 'refuted', 'proved']);
  });

  it('a wrong charge: inconclusive when the algebra disagrees, refuted when only the exact check can tell', () => {
    const gradient = Algebra.prototype.gradient;
    const spy = jest.spyOn(Algebra.prototype, 'gradient').mockImplementation(function (
      this: Algebra,
      s: WordSum,
      b: string,
    ) {
      const g = gradient.call(this, s, b);
      return b === 'w_out' ? twice(g) : g;
    });
    const c = law(deriveBlock(rescale), 'charge');
    expect(c.verdict).toEqual({
      kind: 'inconclusive',
      reason: 'the block gradient of the potential does not reduce to the generator in the word algebra',
    });
    spy.mockRestore();
    // The potential itself wrong (doubled), the algebra's own check made to agree: the exact check refutes it.
    const trace = Algebra.prototype.trace;
    jest.spyOn(Algebra.prototype, 'trace').mockImplementation(function (this: Algebra, s: WordSum) {
      const t = trace.call(this, s);
      return hasGrad(t) ? t : twice(t);
    });
    jest.spyOn(Algebra.prototype, 'equalMatrix').mockReturnValue(true);
    expect(law(deriveBlock(rescale), 'charge').verdict.kind).toBe('refuted');
  });
});

describe('the exact check at small sizes catches a wrong mirror formula (a fault in the algebra or instance)', () => {
  afterEach(() => jest.restoreAllMocks());
  const swap = loadCatalog('unit-swap') as BlockMirrorDeclaration;
  const onTheSet = ['mirror-constraint', 'invariant-set', 'hessian-block'];
  const verdicts = (d: Derivation): string[] => onTheSet.map((id) => law(d, id).verdict.kind);

  it('unfaulted, the laws on the set are proved', () => {
    expect(verdicts(deriveBlockMirror(swap))).toEqual(['proved', 'proved', 'proved']);
  });

  it('the reflected part without its 1/2: (θ − Rθ) and (∇L − R∇L) are refuted entrywise', () => {
    const scale = Algebra.prototype.scale;
    jest.spyOn(Algebra.prototype, 'scale').mockImplementation(function (this: Algebra, s: WordSum, c: Expr) {
      return scale.call(this, s, c.kind === 'num' && c.value === '1/2' ? num(1) : c);
    });
    expect(verdicts(deriveBlockMirror(swap))).toEqual(['refuted', 'refuted', 'refuted']);
  });

  it('an action that reflects nothing at the instance sizes (a projector of size 1): inconclusive, not 0 = 0', () => {
    const d = readDeclaration({
      name: 'identity-at-size-one',
      kind: 'mirror',
      blocks: { W: 'matrix[1, d]' },
      constants: { P: { shape: 'matrix[1, 1]', structure: 'projector' } },
      action: { W: '2*P*W - W' },
    }) as BlockMirrorDeclaration;
    const derived = deriveBlockMirror(d);
    for (const id of onTheSet)
      expect(law(derived, id).verdict).toMatchObject({
        kind: 'inconclusive',
        reason: expect.stringMatching(/disagree: .*the action is the identity: it reflects nothing/),
      });
  });

  it("an entrywise action that is not the blocks' involution: inconclusive, naming the disagreement", () => {
    const action = Instance.prototype.action;
    jest.spyOn(Instance.prototype, 'action').mockImplementation(function (
      this: Instance,
      t: string,
      e: Expr,
    ) {
      return t === 'w_in2' ? this.entries.get('w_in2')! : action.call(this, t, e);
    });
    const d = deriveBlockMirror(swap);
    for (const id of onTheSet)
      expect(law(d, id).verdict).toMatchObject({
        kind: 'inconclusive',
        reason: expect.stringMatching(/instantiation at sizes n=2, m=3 disagree: .*not an involution/),
      });
  });
});

describe('actions the derivation refuses, with the reason', () => {
  const refused = (action: string, detail: string, blocks = 'matrix[n, d]', constants = {}): void => {
    const decl = block({ blocks: { W: blocks }, constants, action: { W: action } });
    let err: unknown;
    try {
      deriveBlock(decl);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe('action.W');
    expect((err as InputError).detail).toBe(detail);
  };
  const C = {
    E: { shape: 'matrix[n, n]' },
    N: { shape: 'matrix[n, d]' },
    Nt: { shape: 'matrix[d, n]' },
  };

  it('shapes that do not fit', () => {
    refused('W + a', 'adds a scalar to a [n, d] matrix: write a translation as a*ones');
    refused('W + a*Nt', 'adds matrices of shapes [n, d] and [d, n]', undefined, C);
    refused('W + a*N + a*Nt', 'adds matrices of shapes [n, d] and [d, n]', undefined, C);
    // One dimension differing is enough.
    refused('W + a*E*W + a*E', 'adds matrices of shapes [n, d] and [n, n]', undefined, C);
    refused('W + a*Md', 'adds matrices of shapes [n, d] and [m, d]', undefined, {
      Md: { shape: 'matrix[m, d]' },
    });
    refused('W + a', 'adds a scalar to a [n, 1] matrix: write a translation as a*ones', 'vector[n]');
    refused(
      'W + a*W*N',
      'multiplies a [n, d] matrix by a [n, d] matrix: inner dimensions d and n differ',
      undefined,
      C,
    );
    refused('W + a*W^2', 'powers of matrices are not supported (use expm)');
    refused('W*2^(a*E)', 'powers of matrices are not supported (use expm)', undefined, C);
    refused('expm(a*N)*W', 'expm of a non-square [n, d] matrix', undefined, C);
    refused('W + a*exp(W)', 'exp applied to a matrix (only expm takes matrices)');
    refused('W + a*tanh(N)', 'tanh applied to a matrix (only expm takes matrices)', undefined, C);
  });

  it('actions that are not a one-parameter group acting affinely at a = 0', () => {
    refused(
      'Nt*W + a*Nt*W',
      'the action changes the shape of block W: matrix[n, d] becomes [d, d]',
      undefined,
      C,
    );
    refused('a', 'the action changes the shape of block W: vector[n] becomes [1, 1]', 'vector[n]');
    refused(
      'W*R + a*W*R',
      'the action changes the shape of block W: matrix[n, d] becomes [n, m]',
      undefined,
      { R: { shape: 'matrix[d, m]' } },
    );
    refused('2*W + a*W', 'the action is not the identity at a = 0: it gives 2 W instead of W');
    refused(
      'W + E + a*W',
      'the action is not the identity at a = 0: it gives W + E instead of W',
      'matrix[n, n]',
      C,
    );
    refused('W + a*W*W', 'the generator W W is not affine in W', 'matrix[n, n]');
    refused('expm(E)*W + a*W', "expm's argument must vanish at a = 0 (it is E)", undefined, C);
    refused('exp(expm(a))*W', 'exp of a matrix is not supported');
    refused('expm(a)^2*W', 'unsupported form in a block-level action');
  });

  it('a scalar constant is a scalar: b ↦ b + a c on a scalar block', () => {
    const d = deriveBlock(
      block({ blocks: { b: 'scalar' }, constants: { c: 'scalar' }, action: { b: 'b + a*c' } }),
    );
    expect(derived(d)).toBe(true);
    expect(d.generators[0]!.components[0]!.value.text).toBe('c');
  });

  it('a block the action leaves alone has no generator and H X = 0 there', () => {
    const d = deriveBlock(
      block({ blocks: { W: 'matrix[n, d]', u: 'vector[m]' }, action: { W: 'exp(a)*W' } }),
    );
    expect(derived(d)).toBe(true);
    expect(d.generators[0]!.components.map((c) => c.target)).toEqual(['W']);
    expect(law(d, 'hessian-constraint').statement.text).toBe('(H·X)_W = -∂L/∂W   where X = (W: W)');
  });

  it('a scalar block takes scalar actions, and a scalar times a matrix is a matrix', () => {
    expect(() => deriveBlock(block({ blocks: { W: 'scalar' }, action: { W: 'W + a' } }))).not.toThrow();
    expect(() => deriveBlock(block({ blocks: { W: 'scalar' }, action: { W: 'exp(a)*W' } }))).not.toThrow();
    expect(() =>
      deriveBlock(block({ blocks: { W: 'matrix[n, n]' }, constants: C, action: { W: 'W + a*ones + a*E' } })),
    ).not.toThrow();
  });
});
