/**
 * Block-level derivations: width-independent laws, checked at random sizes against the formulas
 * of docs/theory.md §2 evaluated independently on plain arrays (test/helpers/numeric.ts).
 */
import { test, fc } from '@fast-check/jest';
import { readDeclaration } from '../../src/declaration/load';
import { deriveBlock } from '../../src/derive/block';
import { deriveConcrete } from '../../src/derive/concrete';
import { loadCatalog } from '../../src/catalog';
import type { Derivation, Law } from '../../src/derivation';
import type { BlockDeclaration, ConcreteDeclaration } from '../../src/declaration/types';
import { Instance, generatorFromAction, flat } from '../../src/derive/instantiate';
import { compile } from '../../src/expr/evaluate';
import { neg } from '../../src/expr/ast';
import {
  type Mat,
  randMat,
  evalTrace,
  evalMatrix,
  frob,
  matmul,
  transpose,
  errOnScale,
  absMat,
} from '../helpers/numeric';

const lcg = (seed: number): (() => number) => {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
};
const law = (d: Derivation, id: string, kind?: string): Law => {
  const l = d.laws.find((x) => x.id === id && (kind === undefined || x.data.kind === kind));
  if (!l) throw new Error(`no ${id} law`);
  return l;
};
const trace = (l: Law) => {
  if (l.data.kind !== 'trace') throw new Error('not a trace law');
  return l.data.sum;
};
const matrix = (l: Law) => {
  if (l.data.kind !== 'matrix') throw new Error('not a matrix law');
  return l.data.sum;
};
const hvp = (l: Law) => {
  if (l.data.kind !== 'hvp') throw new Error('not an hvp law');
  return l.data;
};
const sq = (a: Mat): number => frob(a, a);
const block = (o: Record<string, unknown>): BlockDeclaration =>
  readDeclaration({ name: 't', kind: 'block', group: 'a', ...o }) as BlockDeclaration;
const sizes = fc.tuple(
  fc.integer({ min: 1, max: 6 }),
  fc.integer({ min: 1, max: 6 }),
  fc.integer({ min: 1, max: 6 }),
  fc.integer(),
);
// float64 evaluation of the same polynomial two ways: rounding only, of order (terms)·2⁻⁵³ of Σ|terms|.
const TOL = 1e-12;
/**
 * These declarations have no sites, so invariance is stated as an assumption (inconclusive) and the
 * overall verdict cannot be 'proved'; every law derived from it is.
 */
const derivedLawsProved = (d: { laws: readonly { id: string; verdict: { kind: string } }[] }): void => {
  expect(d.laws[0]).toMatchObject({ id: 'invariance', verdict: { kind: 'inconclusive' } });
  expect(d.laws.slice(1).every((l) => l.verdict.kind === 'proved')).toBe(true);
};

describe('catalog laws equal docs/theory.md §2 at every size [NM]', () => {
  const rescale = deriveBlock(loadCatalog('rescale') as BlockDeclaration);
  const gradientLaw = '⟨g_in, w_in⟩ − ⟨g_out, w_out⟩';
  test.prop([sizes])(
    `rescale: the charge is ½‖w_in‖² − ½‖w_out‖² and the gradient law is ${gradientLaw}`,
    ([n, m, , seed]) => {
      const r = lcg(seed);
      const v = {
        blocks: { w_in: randMat(n, 1, r), w_out: randMat(m, 1, r) },
        grads: { w_in: randMat(n, 1, r), w_out: randMat(m, 1, r) },
      };
      expect(
        errOnScale(
          evalTrace(trace(law(rescale, 'charge')), v),
          sq(v.blocks.w_in) / 2 - sq(v.blocks.w_out) / 2,
          sq(v.blocks.w_in) / 2 + sq(v.blocks.w_out) / 2,
        ),
      ).toBeLessThan(TOL);
      expect(
        errOnScale(
          evalTrace(trace(law(rescale, 'gradient-constraint')), v),
          frob(v.grads.w_in, v.blocks.w_in) - frob(v.grads.w_out, v.blocks.w_out),
          frob(absMat(v.grads.w_in), absMat(v.blocks.w_in)) +
            frob(absMat(v.grads.w_out), absMat(v.blocks.w_out)),
        ),
      ).toBeLessThan(TOL);
      const h = hvp(law(rescale, 'hessian-constraint'));
      // H(w_in ⊕ −w_out) = −(g_in ⊕ −g_out)
      expect(evalMatrix(h.direction['w_out']!, v, m, 1)).toEqual(
        v.blocks.w_out.map((row) => row.map((x) => -x)),
      );
      expect(evalMatrix(h.rhs['w_in']!, v, n, 1)).toEqual(v.grads.w_in.map((row) => row.map((x) => -x)));
      expect(evalMatrix(h.rhs['w_out']!, v, m, 1)).toEqual(v.grads.w_out);
    },
  );

  const homogeneity = deriveBlock(loadCatalog('homogeneity') as BlockDeclaration);
  test.prop([sizes, fc.double({ min: 0.5, max: 4, noNaN: true })])(
    'degree-k homogeneity: the charge is ½‖w_in‖² − (k/2)‖w_out‖²',
    ([n, m, , seed], k) => {
      const d = homogeneity;
      const r = lcg(seed);
      const v = { blocks: { w_in: randMat(n, 1, r), w_out: randMat(m, 1, r) }, scalars: { k } };
      expect(
        errOnScale(
          evalTrace(trace(law(d, 'charge')), v),
          sq(v.blocks.w_in) / 2 - (k / 2) * sq(v.blocks.w_out),
          sq(v.blocks.w_in) / 2 + (k / 2) * sq(v.blocks.w_out),
        ),
      ).toBeLessThan(TOL);
    },
  );

  const tr = deriveBlock(loadCatalog('translation') as BlockDeclaration);
  const sc = deriveBlock(loadCatalog('scale') as BlockDeclaration);
  test.prop([sizes])(
    'translation and scale: ⟨1, θ⟩ and ½‖θ‖², with H 1 = 0 and H θ = −g',
    ([n, , , seed]) => {
      const r = lcg(seed);
      const v = { blocks: { theta: randMat(n, 1, r) }, grads: { theta: randMat(n, 1, r) } };
      expect(
        errOnScale(
          evalTrace(trace(law(tr, 'charge')), v),
          v.blocks.theta.flat().reduce((s, x) => s + x, 0),
          v.blocks.theta.flat().reduce((s, x) => s + Math.abs(x), 0),
        ),
      ).toBeLessThan(TOL);
      expect(hvp(law(tr, 'hessian-constraint')).rhs['theta']).toEqual([]);
      const half = sq(v.blocks.theta) / 2;
      expect(errOnScale(evalTrace(trace(law(sc, 'charge')), v), half, half)).toBeLessThan(TOL);
      expect(evalMatrix(hvp(law(sc, 'hessian-constraint')).rhs['theta']!, v, n, 1)).toEqual(
        v.grads.theta.map((row) => row.map((x) => -x)),
      );
    },
  );

  const gl = deriveBlock(loadCatalog('gl') as BlockDeclaration);
  test.prop([sizes])(
    'GL(n): W2ᵀ g_W2 = g_W1 W1ᵀ, and the charge matrix is ½(W1 W1ᵀ − W2ᵀ W2) [GU]',
    ([n, dd, m, seed]) => {
      const r = lcg(seed);
      const v = {
        blocks: { W1: randMat(n, dd, r), W2: randMat(m, n, r) },
        grads: { W1: randMat(n, dd, r), W2: randMat(m, n, r) },
      };
      const M = evalMatrix(matrix(law(gl, 'gradient-constraint-matrix', 'matrix')), v, n, n);
      const expected = matmul(v.grads.W1, transpose(v.blocks.W1)).map((row, i) =>
        row.map((x, j) => x - matmul(transpose(v.blocks.W2), v.grads.W2)[i]![j]!),
      );
      const sign = Math.sign(frob(M, expected)) || 1;
      M.forEach((row, i) =>
        row.forEach((x, j) =>
          expect(Math.abs(sign * x - expected[i]![j]!)).toBeLessThan(1e-12 * (1 + Math.abs(x))),
        ),
      );
      const C = evalMatrix(matrix(law(gl, 'charge-matrix')), v, n, n);
      const W1W1 = matmul(v.blocks.W1, transpose(v.blocks.W1));
      const W2W2 = matmul(transpose(v.blocks.W2), v.blocks.W2);
      C.forEach((row, i) =>
        row.forEach((x, j) =>
          expect(Math.abs(x - (W1W1[i]![j]! - W2W2[i]![j]!) / 2)).toBeLessThan(1e-12 * (1 + Math.abs(x))),
        ),
      );
      expect(gl.laws.find((l) => l.id === 'no-charge')?.statement.text).toContain('antisymmetric generator');
    },
  );
});

describe('block actions no catalog lists', () => {
  test.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), sizes], { numRuns: 15 })(
    'unequal exponents (e^{pa} w_in, e^{-qa} w_out): Q = (p/2)‖w_in‖² − (q/2)‖w_out‖²',
    (p, q, [n, m, , seed]) => {
      const d = deriveBlock(
        block({
          blocks: { w_in: 'vector[n]', w_out: 'vector[m]' },
          action: { w_in: `exp(${p}*a)*w_in`, w_out: `exp(-${q}*a)*w_out` },
        }),
      );
      const r = lcg(seed);
      const v = { blocks: { w_in: randMat(n, 1, r), w_out: randMat(m, 1, r) } };
      expect(
        errOnScale(
          evalTrace(trace(law(d, 'charge')), v),
          (p / 2) * sq(v.blocks.w_in) - (q / 2) * sq(v.blocks.w_out),
          (p / 2) * sq(v.blocks.w_in) + (q / 2) * sq(v.blocks.w_out),
        ),
      ).toBeLessThan(TOL);
      derivedLawsProved(d);
      expect(d.verdict.kind).toBe('inconclusive');
    },
  );

  const chain = deriveBlock(
    block({
      blocks: { A: 'matrix[n, d]', B: 'matrix[m, n]', C: 'matrix[d, m]' },
      action: { A: 'exp(2*a)*A', B: 'exp(3*a)*B', C: 'exp(-5*a)*C' },
    }),
  );
  test.prop([sizes])(
    'a chain of three matrix blocks (e^{2a} A, e^{3a} B, e^{-5a} C): Q = ‖A‖² + (3/2)‖B‖² − (5/2)‖C‖²',
    ([n, dd, m, seed]) => {
      const d = chain;
      const r = lcg(seed);
      const v = { blocks: { A: randMat(n, dd, r), B: randMat(m, n, r), C: randMat(dd, m, r) } };
      expect(
        errOnScale(
          evalTrace(trace(law(d, 'charge')), v),
          sq(v.blocks.A) + 1.5 * sq(v.blocks.B) - 2.5 * sq(v.blocks.C),
          sq(v.blocks.A) + 1.5 * sq(v.blocks.B) + 2.5 * sq(v.blocks.C),
        ),
      ).toBeLessThan(TOL);
    },
  );

  const mixed = deriveBlock(
    block({ blocks: { b: 'vector[n]', w: 'vector[m]' }, action: { b: 'b + a*ones', w: 'exp(2*a)*w' } }),
  );
  test.prop([sizes])(
    'mixed translation and scaling (b + a·1, e^{2a} w): Q = ⟨1, b⟩ + ‖w‖²',
    ([n, m, , seed]) => {
      const d = mixed;
      const r = lcg(seed);
      const v = { blocks: { b: randMat(n, 1, r), w: randMat(m, 1, r) } };
      expect(
        errOnScale(
          evalTrace(trace(law(d, 'charge')), v),
          v.blocks.b.flat().reduce((s, x) => s + x, 0) + sq(v.blocks.w),
          v.blocks.b.flat().reduce((s, x) => s + Math.abs(x), 0) + sq(v.blocks.w),
        ),
      ).toBeLessThan(TOL);
    },
  );

  const left = deriveBlock(
    block({
      blocks: { W: 'matrix[n, d]' },
      constants: { S: { shape: 'matrix[n, n]', structure: 'symmetric' } },
      action: { W: 'expm(a*S)*W' },
    }),
  );
  test.prop([sizes])('left multiplication by a symmetric S: Q = ½ tr(Wᵀ S W)', ([n, dd, , seed]) => {
    const d = left;
    const r = lcg(seed);
    const S0 = randMat(n, n, r);
    const S = S0.map((row, i) => row.map((x, j) => (x + S0[j]![i]!) / 2));
    const v = { blocks: { W: randMat(n, dd, r) }, consts: { S } };
    const W = v.blocks.W;
    // The terms are S_ij W_ik W_jk / 2; S is indefinite, so their sum can cancel far below their size.
    const scale = frob(absMat(W), matmul(absMat(S), absMat(W))) / 2;
    expect(errOnScale(evalTrace(trace(law(d, 'charge')), v), frob(W, matmul(S, W)) / 2, scale)).toBeLessThan(
      TOL,
    );
  });
  it('left multiplication by an antisymmetric K has no charge', () => {
    const k = deriveBlock(
      block({
        blocks: { W: 'matrix[n, d]' },
        constants: { K: { shape: 'matrix[n, n]', structure: 'antisymmetric' } },
        action: { W: 'expm(a*K)*W' },
      }),
    );
    expect(k.laws.map((l) => l.id)).toEqual([
      'invariance',
      'gradient-constraint',
      'hessian-constraint',
      'no-charge',
    ]);
  });

  it('right multiplication by a generic E: charges C = ½ WᵀW for symmetric E, none for antisymmetric E', () => {
    const d = deriveBlock(
      block({
        blocks: { W: 'matrix[n, d]' },
        constants: { E: { shape: 'matrix[d, d]' } },
        action: { W: 'W*expm(a*E)' },
      }),
    );
    const r = lcg(3);
    const v = { blocks: { W: randMat(3, 4, r) } };
    const C = evalMatrix(matrix(law(d, 'charge-matrix')), v, 4, 4);
    const WtW = matmul(transpose(v.blocks.W), v.blocks.W);
    C.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo(WtW[i]![j]! / 2, 12)));
    expect(d.laws.some((l) => l.id === 'no-charge')).toBe(true);
  });

  it('translation along a declared constant vector c: X = c, H c = 0, Q = ⟨c, θ⟩', () => {
    const d = deriveBlock(
      block({
        blocks: { theta: 'vector[n]' },
        constants: { c: 'vector[n]' },
        action: { theta: 'theta + a*c' },
      }),
    );
    const r = lcg(5);
    const v = { blocks: { theta: randMat(4, 1, r) }, consts: { c: randMat(4, 1, r) } };
    const { c } = v.consts;
    const { theta } = v.blocks;
    const Q = evalTrace(trace(law(d, 'charge')), v);
    expect(errOnScale(Q, frob(c, theta), frob(absMat(c), absMat(theta)))).toBeLessThan(TOL);
    expect(hvp(law(d, 'hessian-constraint')).rhs['theta']).toEqual([]);
    derivedLawsProved(d);
  });
});

describe('block-level and concrete derivations agree', () => {
  it(
    'rescale instantiated as one ReLU unit (2 inputs, 1 output) gives the same charge as the ' +
      'concrete derivation',
    () => {
      const concrete = deriveConcrete(
        <ConcreteDeclaration>readDeclaration({
          name: 'unit',
          kind: 'concrete',
          group: 'a',
          parameters: ['u1', 'u2', 'v'],
          data: ['x1', 'x2', 'y'],
          loss: '(y - v*relu(u1*x1 + u2*x2))^2',
          action: { u1: 'exp(a)*u1', u2: 'exp(a)*u2', v: 'exp(-a)*v' },
        }),
      );
      expect(concrete.verdict.kind).toBe('proved');
      const blockD = deriveBlock(loadCatalog('rescale') as BlockDeclaration);
      const qc = law(concrete, 'charge');
      if (qc.data.kind !== 'expr') throw new Error('expected an expression');
      const f = compile(qc.data.expr, ['u1', 'u2', 'v']);
      const r = lcg(8);
      for (let i = 0; i < 10; i++) {
        const [u1, u2, vv] = [r() * 4 - 2, r() * 4 - 2, r() * 4 - 2];
        expect(
          errOnScale(
            f([u1, u2, vv]),
            evalTrace(trace(law(blockD, 'charge')), { blocks: { w_in: [[u1], [u2]], w_out: [[vv]] } }),
            (u1 * u1 + u2 * u2 + vv * vv) / 2,
          ),
        ).toBeLessThan(TOL);
      }
    },
  );
});

describe('the instantiation check can fail', () => {
  it('refutes a wrong generator for rescale (w_out scaled up instead of down)', () => {
    const decl = loadCatalog('rescale') as BlockDeclaration;
    const inst = new Instance(decl, 1);
    const entry = decl.action.find((a) => a.target === 'w_out')!;
    const direct = flat(generatorFromAction(inst, 'w_out', entry.expr, 'a'));
    const wrong = flat(
      inst.matrix(
        [{ coef: { kind: 'num', value: '1' }, word: [{ kind: 'block', name: 'w_out', t: false }] }],
        3,
        1,
      ),
    );
    const v = inst.allZero(
      direct.map((x, i) => [x, neg(wrong[i]!)]),
      'a wrong generator',
      1,
    );
    expect(v.kind).toBe('refuted');
  });
});
