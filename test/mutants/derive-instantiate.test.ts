/**
 * The exact check at small sizes (src/derive/instantiate.ts): the symbolic entries, constants of
 * each structure, the test function, words and traces, the action evaluated entrywise, and the
 * verdict — each instantiated expression evaluated at random values and compared with the same
 * quantity computed here on plain float64 matrices.
 */
import { Instance, generatorFromAction, flat } from '../../src/derive/instantiate';
import type { BlockShaped, Constant, Shape } from '../../src/declaration/types';
import { type Expr, num, sym, mul, neg } from '../../src/expr/ast';
import { parseExpr } from '../../src/expr/parse';
import { compile } from '../../src/expr/evaluate';
import { diff } from '../../src/expr/diff';
import { letter, type WordSum } from '../../src/derive/words';
import * as Q from '../../src/expr/rational';
import { type Mat, matmul, transpose } from '../helpers/numeric';

const lcg = (seed: number): (() => number) => {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
};
const shape = (t: string): Shape => {
  if (t === 'scalar') return { kind: 'scalar' };
  const v = /^vector\[(\w+)\]$/.exec(t);
  if (v) return { kind: 'vector', n: v[1]! };
  const m = /^matrix\[(\w+), (\w+)\]$/.exec(t)!;
  return { kind: 'matrix', rows: m[1]!, cols: m[2]! };
};
const decl = (
  blocks: Record<string, string>,
  constants: Record<string, [string, Constant['structure']]> = {},
  scalars: string[] = [],
): BlockShaped => ({
  origin: 'test',
  blocks: Object.entries(blocks).map(([name, s]) => ({ name, shape: shape(s) })),
  constants: Object.entries(constants).map(([name, [s, structure]]) => ({
    name,
    shape: shape(s),
    structure,
  })),
  scalars,
  action: [],
  sites: [],
});
/** Evaluate every entry of a matrix of expressions at the given values. */
const at = (m: Expr[][], values: Map<string, number>): Mat => {
  const names = [...values.keys()];
  const xs = names.map((n) => values.get(n)!);
  return m.map((row) => row.map((e) => compile(e, names)(xs)));
};
const valuesOf = (inst: Instance, seed: number, extra: Record<string, number> = {}): Map<string, number> => {
  const r = lcg(seed);
  return new Map([...inst.variables.map((v) => [v.name, r() * 4 - 2] as const), ...Object.entries(extra)]);
};
const closeMat = (got: Mat, want: Mat): void => {
  expect(got.length).toBe(want.length);
  got.forEach((row, i) => {
    expect(row.length).toBe(want[i]!.length);
    row.forEach((x, j) =>
      expect(Math.abs(x - want[i]![j]!)).toBeLessThan(1e-12 * (1 + Math.abs(want[i]![j]!))),
    );
  });
};
const eye = (n: number): Mat =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => +(i === j)));
const lin = (a: Mat, b: Mat, ca: number, cb: number): Mat =>
  a.map((r, i) => r.map((x, j) => ca * x + cb * b[i]![j]!));

describe('symbolic entries', () => {
  it('named dimensions (letters, then digits) get 2, 3, 4, 2, … in order of appearance; numbers are kept', () => {
    const inst = new Instance(
      decl({ A: 'matrix[n, d]', v: 'vector[m]', s: 'scalar', B: 'matrix[k, 3]', C: 'matrix[p2, n]' }),
      1,
    );
    expect([...inst.sizes]).toEqual([
      ['n', 2],
      ['d', 3],
      ['m', 4],
      ['k', 2],
      ['p2', 3],
    ]);
    expect(inst.shapeOf('A')).toEqual([2, 3]);
    expect(inst.shapeOf('v')).toEqual([4, 1]);
    expect(inst.shapeOf('s')).toEqual([1, 1]);
    expect(inst.shapeOf('B')).toEqual([2, 3]);
    expect(inst.shapeOf('C')).toEqual([3, 2]);
    expect(inst.describeSizes()).toBe('n=2, d=3, m=4, k=2, p2=3');
    expect(new Instance(decl({ w: 'vector[5]' }), 1).describeSizes()).toBe('the declared sizes');
    expect(new Instance(decl({ w: 'vector[5]' }), 1).shapeOf('w')).toEqual([5, 1]);
    expect(new Instance(decl({ W: 'matrix[12, n]' }), 1).shapeOf('W')).toEqual([12, 2]);
  });

  it('entries are named block[i,j], block[i] or the scalar itself; every one a parameter', () => {
    const inst = new Instance(decl({ A: 'matrix[n, d]', v: 'vector[n]', s: 'scalar' }), 1);
    expect(inst.entries.get('A')).toEqual([
      [sym('A[1,1]'), sym('A[1,2]'), sym('A[1,3]')],
      [sym('A[2,1]'), sym('A[2,2]'), sym('A[2,3]')],
    ]);
    expect(inst.entries.get('v')).toEqual([[sym('v[1]')], [sym('v[2]')]]);
    expect(inst.entries.get('s')).toEqual([[sym('s')]]);
    expect(inst.vars).toEqual([
      'A[1,1]',
      'A[1,2]',
      'A[1,3]',
      'A[2,1]',
      'A[2,2]',
      'A[2,3]',
      'v[1]',
      'v[2]',
      's',
    ]);
    expect(inst.variables).toEqual(inst.vars.map((name) => ({ name, role: 'parameter' })));
  });

  it('constants of each structure: general, symmetric, antisymmetric (data), symbolic scalars (constants)', () => {
    const inst = new Instance(
      decl(
        { W: 'matrix[n, n]' },
        {
          E: ['matrix[n, n]', 'general'],
          S: ['matrix[n, n]', 'symmetric'],
          K: ['matrix[n, n]', 'antisymmetric'],
          c: ['vector[n]', 'general'],
        },
        ['k'],
      ),
      1,
    );
    const e = (c: string, i: number, j: number): Expr => sym(`${c}[${i},${j}]`);
    expect(inst.constants.get('E')).toEqual([
      [e('E', 1, 1), e('E', 1, 2)],
      [e('E', 2, 1), e('E', 2, 2)],
    ]);
    expect(inst.constants.get('S')).toEqual([
      [e('S', 1, 1), e('S', 1, 2)],
      [e('S', 1, 2), e('S', 2, 2)],
    ]);
    expect(inst.constants.get('K')).toEqual([
      [num(0), e('K', 1, 2)],
      [neg(e('K', 1, 2)), num(0)],
    ]);
    expect(inst.constants.get('c')).toEqual([[e('c', 1, 1)], [e('c', 2, 1)]]);
    const roles = Object.fromEntries(inst.variables.map((v) => [v.name, v.role]));
    expect(roles).toEqual({
      'W[1,1]': 'parameter',
      'W[1,2]': 'parameter',
      'W[2,1]': 'parameter',
      'W[2,2]': 'parameter',
      'E[1,1]': 'data',
      'E[1,2]': 'data',
      'E[2,1]': 'data',
      'E[2,2]': 'data',
      'S[1,1]': 'data',
      'S[1,2]': 'data',
      'S[2,2]': 'data',
      'K[1,2]': 'data',
      'c[1,1]': 'data',
      'c[2,1]': 'data',
      k: 'constant',
    });
    // Overridden to symmetric (the charges of a generic E are those of its symmetric part).
    const o = new Instance(decl({ W: 'matrix[n, n]' }, { E: ['matrix[n, n]', 'general'] }), 1, ['E']);
    expect(o.constants.get('E')).toEqual([
      [e('E', 1, 1), e('E', 1, 2)],
      [e('E', 1, 2), e('E', 2, 2)],
    ]);
  });

  it('a projector is a rank-one orthogonal projector v vᵀ / vᵀv with small integers v, fixed by the seed', () => {
    for (const seed of [1, 2, 3, 17]) {
      const inst = new Instance(
        decl({ W: 'matrix[n, d]' }, { P: ['matrix[d, d]', 'projector'], R: ['matrix[d, d]', 'projector'] }),
        seed,
      );
      for (const name of ['P', 'R']) {
        const P = inst.constants.get(name)!;
        expect(P.length).toBe(3);
        const rat = P.map((row) => row.map((x) => Q.parseRational((x as { value: string }).value)!));
        const value = rat.map((row) => row.map(Q.toNumber));
        // P = Pᵀ = P², trace 1; v vᵀ/vᵀv with |vᵢ| ∈ {1, 2, 3}: the diagonal is vᵢ²/vᵀv.
        closeMat(value, transpose(value));
        closeMat(matmul(value, value), value);
        expect(value.reduce((s, row, i) => s + row[i]!, 0)).toBeCloseTo(1, 14);
        // Some vᵀv in [3, 27] makes every vᵢ² = Pᵢᵢ vᵀv one of 1, 4, 9, and sums them to vᵀv.
        const diag = rat.map((row, i) => row[i]!);
        const fits = (vv: number): boolean =>
          diag.every((x) => [1, 4, 9].includes(Number(x.n) * (vv / Number(x.d)))) &&
          diag.reduce((t, x) => t + Number(x.n) * (vv / Number(x.d)), 0) === vv;
        expect(Array.from({ length: 25 }, (_, i) => i + 3).some(fits)).toBe(true);
        // Rank one: P_ij² = P_ii P_jj.
        closeMat(
          value.map((row) => row.map((x) => x * x)),
          value.map((row, i) => row.map((_, j) => value[i]![i]! * value[j]![j]!)),
        );
      }
      // No data symbols for a projector: it is a fixed matrix.
      expect(inst.variables.some((v) => v.name.startsWith('P['))).toBe(false);
      // Two projectors are drawn independently; the same seed gives the same ones.
      const again = new Instance(
        decl({ W: 'matrix[n, d]' }, { P: ['matrix[d, d]', 'projector'], R: ['matrix[d, d]', 'projector'] }),
        seed,
      );
      expect(again.constants).toEqual(inst.constants);
    }
    const ps = [1, 2, 3, 4, 5, 6].map((seed) =>
      new Instance(decl({ W: 'vector[d]' }, { P: ['matrix[d, d]', 'projector'] }), seed).constants.get('P'),
    );
    expect(new Set(ps.map((p) => JSON.stringify(p))).size).toBeGreaterThan(1);
    // Both signs occur off the diagonal (v has entries of either sign).
    const off = ps.flatMap((p) => p!.flatMap((row, i) => row.filter((_, j) => j !== i)));
    expect(off.some((x) => (x as { value: string }).value.startsWith('-'))).toBe(true);
    expect(off.some((x) => !(x as { value: string }).value.startsWith('-'))).toBe(true);
  });
});

describe('the generic test function', () => {
  const inst = new Instance(decl({ A: 'matrix[n, d]', v: 'vector[n]' }), 5);
  it('is a polynomial of degree 3 with a square of every entry, fixed by the seed', () => {
    // Degree: F(t x) is a polynomial of degree 3 in t, with a nonzero cubic part.
    const vals = valuesOf(inst, 3);
    const names = [...vals.keys()];
    const f = compile(inst.F, names);
    const xs = names.map((n) => vals.get(n)!);
    const g = (t: number): number => f(xs.map((x) => t * x));
    // Fourth differences of a cubic vanish; third differences do not.
    const d4 = g(2) - 4 * g(1) + 6 * g(0) - 4 * g(-1) + g(-2);
    const d3 = g(2) - 2 * g(1) + 2 * g(-1) - g(-2);
    expect(Math.abs(d4)).toBeLessThan(1e-9 * (Math.abs(g(2)) + Math.abs(g(-2))));
    expect(Math.abs(d3)).toBeGreaterThan(1e-3);
    // Every entry appears squared: ∂²F/∂x² ≠ 0 (at x = 0 only the square term and cross terms with
    // other entries survive, so check the coefficient of x² at the origin).
    for (const x of inst.vars) {
      const d2 = compile(diff(diff(inst.F, x), x), names)(names.map(() => 0));
      expect(d2).not.toBe(0);
    }
    // Cubic terms however few the entries (two here).
    const small = new Instance(decl({ w: 'vector[n]' }), 5);
    const fs = compile(small.F, small.vars);
    const gs = (t: number): number => fs([0.7 * t, -1.3 * t]);
    expect(Math.abs(gs(2) - 2 * gs(1) + 2 * gs(-1) - gs(-2))).toBeGreaterThan(1e-3);
    expect(new Instance(decl({ A: 'matrix[n, d]', v: 'vector[n]' }), 5).F).toEqual(inst.F);
    expect(new Instance(decl({ A: 'matrix[n, d]', v: 'vector[n]' }), 6).F).not.toEqual(inst.F);
  });

  it('its gradient on a block is ∂F/∂entry, entry by entry, and is cached', () => {
    const g = inst.gradF('A');
    g.forEach((row, i) => row.forEach((e, j) => expect(e).toEqual(diff(inst.F, `A[${i + 1},${j + 1}]`))));
    expect(inst.gradF('A')).toBe(g);
    expect(inst.gradF('v')).toEqual([[diff(inst.F, 'v[1]')], [diff(inst.F, 'v[2]')]]);
  });
});

describe('words, matrices and traces at the instance', () => {
  const inst = new Instance(
    decl({ W: 'matrix[n, d]', U: 'matrix[d, n]' }, { E: ['matrix[n, n]', 'general'] }, ['k']),
    2,
  );
  const vals = valuesOf(inst, 9, { k: 1.25 });
  const W = at(inst.entries.get('W')!, vals),
    U = at(inst.entries.get('U')!, vals),
    E = at(inst.constants.get('E')!, vals),
    G = at(inst.gradF('W'), vals);

  it('letters: blocks, gradients, constants, the all-ones block, transposes; updates are refused', () => {
    closeMat(at(inst.letter(letter('block', 'W')), vals), W);
    closeMat(at(inst.letter(letter('block', 'W', true)), vals), transpose(W));
    closeMat(at(inst.letter(letter('grad', 'W', true)), vals), transpose(G));
    closeMat(at(inst.letter(letter('const', 'E', true)), vals), transpose(E));
    closeMat(at(inst.letter(letter('ones', 'U')), vals), [
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
    expect(() => inst.letter(letter('step', 'W'))).toThrow('update letters are not instantiated');
  });

  it('matrix sums and traces', () => {
    const s: WordSum = [
      { coef: num(2), word: [letter('const', 'E'), letter('block', 'W')] },
      { coef: sym('k'), word: [letter('block', 'U', true)] },
      { coef: num(-1), word: [letter('block', 'W'), letter('block', 'U'), letter('block', 'W')] },
    ];
    const want = lin(lin(matmul(E, W), transpose(U), 2, 1.25), matmul(matmul(W, U), W), 1, -1);
    closeMat(at(inst.matrix(s, 2, 3), vals), want);
    // The empty word is the identity of the size asked for.
    closeMat(at(inst.matrix([{ coef: num(3), word: [] }], 2, 2), vals), lin(eye(2), eye(2), 3, 0));
    closeMat(at(inst.matrix([], 2, 3), vals), lin(W, W, 0, 0));
    const t: WordSum = [
      {
        coef: num(Q.rat(1, 2)),
        word: [letter('block', 'W', true), letter('const', 'E'), letter('block', 'W')],
      },
      { coef: sym('k'), word: [letter('grad', 'W', true), letter('block', 'W')] },
    ];
    const tr = (a: Mat): number => a.reduce((x, row, i) => x + row[i]!, 0);
    const wantT = 0.5 * tr(matmul(matmul(transpose(W), E), W)) + 1.25 * tr(matmul(transpose(G), W));
    const names = [...vals.keys()];
    expect(compile(inst.trace(t), names)(names.map((n) => vals.get(n)!))).toBeCloseTo(wantT, 10);
  });
});

describe('the action, entrywise', () => {
  const inst = new Instance(
    decl(
      { W: 'matrix[n, d]', w: 'vector[n]', s: 'scalar', Sq: 'matrix[n, n]' },
      { E: ['matrix[n, n]', 'general'], N: ['matrix[n, d]', 'general'] },
      ['k'],
    ),
    4,
  );
  const a = 0.3;
  const vals = valuesOf(inst, 5, { k: 0.7, a });
  const W = at(inst.entries.get('W')!, vals),
    w = at(inst.entries.get('w')!, vals),
    E = at(inst.constants.get('E')!, vals);
  const s = vals.get('s')!;
  const act = (target: string, e: string): Mat => at(inst.action(target, parseExpr(e)), vals);
  const N = at(inst.constants.get('N')!, vals),
    Sq = at(inst.entries.get('Sq')!, vals);
  const aE = lin(E, E, a, 0);
  const expm2 = lin(lin(eye(2), aE, 1, 1), matmul(aE, aE), 1, 0.5);

  it('products, sums and scalars; expm through second order', () => {
    closeMat(act('W', 'expm(a*E)*W'), matmul(expm2, W));
    closeMat(act('W', 'W*2 + E*W*k'), lin(W, matmul(E, W), 2, 0.7));
    closeMat(
      act('w', 'exp(a)*w + a*ones'),
      w.map((r) => r.map((x) => Math.exp(a) * x + a)),
    );
    closeMat(
      act('w', 'w*exp(-k*a)'),
      w.map((r) => r.map((x) => x * Math.exp(-0.7 * a))),
    );
    closeMat(act('s', 's + a'), [[s + a]]);
    closeMat(act('s', '1 + s'), [[1 + s]]);
    // Bare blocks, constants, the all-ones block, products and exponentials added to matrices.
    closeMat(act('s', 's + a + s'), [[2 * s + a]]);
    closeMat(
      act('w', 'w + ones'),
      w.map((r) => r.map((x) => x + 1)),
    );
    closeMat(act('W', 'W + N'), lin(W, N, 1, 1));
    closeMat(act('W', 'W + E*W'), lin(W, matmul(E, W), 1, 1));
    closeMat(act('Sq', 'Sq + expm(a*E)'), lin(Sq, expm2, 1, 1));
    closeMat(act('s', 'expm(a)*s'), [[Math.exp(a) * s]]);
    closeMat(act('s', 'sin(a)^2 + s*a^3'), [[Math.sin(a) ** 2 + s * a ** 3]]);
    // A scalar action on a matrix block fills it.
    closeMat(act('W', 'a*k'), [
      [a * 0.7, a * 0.7, a * 0.7],
      [a * 0.7, a * 0.7, a * 0.7],
    ]);
  });

  it('what it cannot evaluate', () => {
    expect(() => inst.action('W', parseExpr('W^2'))).toThrow('matrix power in action');
    expect(() => inst.action('W', parseExpr('a^W'))).toThrow('matrix power in action');
    expect(() => inst.action('W', parseExpr('tanh(W)'))).toThrow('tanh of a matrix in action');
  });

  it('the generator: ∂_a at a = 0 of every entry', () => {
    const g = (target: string, e: string): Mat =>
      at(generatorFromAction(inst, target, parseExpr(e), 'a'), vals);
    closeMat(g('W', 'expm(a*E)*W'), matmul(E, W));
    closeMat(g('W', 'W*exp(a*k)'), lin(W, W, 0.7, 0));
    closeMat(g('w', 'w + a*ones'), [[1], [1]]);
    closeMat(g('s', 's*exp(2*a) + sin(a)'), [[2 * s + 1]]);
    expect(
      flat([
        [num(1), num(2)],
        [num(3), num(4)],
      ]),
    ).toEqual([num(1), num(2), num(3), num(4)]);
  });
});

describe('the verdict of the exact check', () => {
  const inst = new Instance(decl({ w: 'vector[n]' }), 1);
  const x = sym('w[1]'),
    y = sym('w[2]');
  it('proved when every residual vanishes; refuted when one does not; trivial when there is none', () => {
    const v = inst.allZero(
      [
        [mul(x, y), neg(mul(y, x))],
        [x, neg(x)],
      ],
      'the claim',
      3,
    );
    expect(v.kind).toBe('proved');
    if (v.kind === 'proved') expect(v.evidence).toMatch(/^confirmed at 12 random points.*seed 3$/);
    const bad = inst.allZero([[x, neg(x)], [mul(x, x)]], 'the claim', 3);
    expect(bad.kind).toBe('refuted');
    const none = { kind: 'proved', method: 'trivial', evidence: 'every entry vanishes term by term' };
    expect(inst.allZero([], 'the claim', 1)).toEqual(none);
    expect(inst.allZero([[], []], 'the claim', 1)).toEqual(none);
    // An empty entry next to a nonzero one does not hide it.
    expect(inst.allZero([[], [x]], 'the claim', 1).kind).toBe('refuted');
  });
});
