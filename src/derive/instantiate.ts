/**
 * Independent check of block-level formulas: instantiate blocks at small concrete sizes with
 * symbolic entries, take a generic (not invariant) polynomial test function F of the entries,
 * and compare each derived formula with the direct scalar computation from the declared action:
 *
 *   generator  ∂_a ψ(θ, a)|₀ (computed entrywise from the action)  =  X (from the block algebra)
 *   gradient   Σ_i X_i ∂_i F                                       =  formula with g = ∇F
 *   Hessian    ∂_i ⟨∇F, X⟩ − (∇²F X)_i                              =  (J_Xᵀ ∇F)_i = −rhs_i
 *   charge     ∂Q/∂θ_i                                             =  X_i
 *
 * These identities hold for any F, so a wrong formula shows up as a nonzero residual.
 */
import { type Expr, add, mul, num, sym, substitute, ZERO_E, ONE_E, call, neg, pow } from '../expr/ast';
import { diff, gradient } from '../expr/diff';
import * as Q from '../expr/rational';
import { rng } from '../../numeric/rng';
import type { BlockShaped, Shape } from '../declaration/types';
import { ONES } from '../declaration/types';
import type { Letter, Word, WordSum, TraceSum } from './words';
import { decideZero, type Variable } from '../verify/zero';
import { withSharedNormalizer } from '../expr/normal';
import { type Verdict, weakest } from '../verdict';

type M = Expr[][];
type Val = { kind: 'scalar'; v: Expr } | { kind: 'matrix'; m: M };

const dimsOf = (s: Shape): [string, string] =>
  s.kind === 'scalar' ? ['1', '1'] : s.kind === 'vector' ? [s.n, '1'] : [s.rows, s.cols];
const zeros = (r: number, c: number): M =>
  Array.from({ length: r }, () => Array.from({ length: c }, () => ZERO_E));
const eye = (n: number): M =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? ONE_E : ZERO_E)));
const mmul = (a: M, b: M): M =>
  a.map((row) => b[0]!.map((_, j) => add(...row.map((x, k) => mul(x, b[k]![j]!)))));
const madd = (a: M, b: M): M => a.map((row, i) => row.map((x, j) => add(x, b[i]![j]!)));
const mscale = (a: M, c: Expr): M => a.map((row) => row.map((x) => mul(c, x)));
const mT = (a: M): M => a[0]!.map((_, j) => a.map((row) => row[j]!));
const mmap = (a: M, f: (e: Expr) => Expr): M => a.map((row) => row.map(f));

export class Instance {
  readonly sizes = new Map<string, number>();
  readonly entries = new Map<string, M>();
  readonly constants = new Map<string, M>();
  readonly variables: Variable[] = [];
  readonly vars: string[] = [];
  readonly F: Expr;
  private readonly gradCache = new Map<string, M>();
  private readonly partialCache = new Map<string, Expr>();

  constructor(
    readonly decl: BlockShaped & { readonly parameter?: string },
    seed: number,
    symmetricOverride: readonly string[] = [],
  ) {
    const order = [2, 3, 4];
    const size = (d: string): number => {
      if (/^\d+$/.test(d)) return Number(d);
      if (!this.sizes.has(d)) this.sizes.set(d, order[this.sizes.size % order.length]!);
      return this.sizes.get(d)!;
    };
    for (const b of decl.blocks) {
      const [r, c] = dimsOf(b.shape).map(size) as [number, number];
      const m = Array.from({ length: r }, (_, i) =>
        Array.from({ length: c }, (_, j) => {
          const name =
            b.shape.kind === 'scalar'
              ? b.name
              : b.shape.kind === 'vector'
                ? `${b.name}[${i + 1}]`
                : `${b.name}[${i + 1},${j + 1}]`;
          this.vars.push(name);
          this.variables.push({ name, role: 'parameter' });
          return sym(name);
        }),
      );
      this.entries.set(b.name, m);
    }
    for (const c of decl.constants) {
      const [r, cc] = dimsOf(c.shape).map(size) as [number, number];
      const structure = symmetricOverride.includes(c.name) ? 'symmetric' : c.structure;
      if (structure === 'projector') {
        // A concrete rank-one orthogonal projector v vᵀ / (vᵀ v) with a small integer v (exact rationals).
        const pr = rng(seed + 7919 * (this.constants.size + 1));
        const v = Array.from({ length: r }, () => (pr.int(3) + 1) * (pr.next() < 0.5 ? -1 : 1));
        const vv = v.reduce((s, x) => s + x * x, 0);
        this.constants.set(
          c.name,
          v.map((x) => v.map((y) => num(Q.rat(x * y, vv)))),
        );
        continue;
      }
      const m = zeros(r, cc);
      for (let i = 0; i < r; i++)
        for (let j = 0; j < cc; j++) {
          if (structure !== 'general' && j < i) continue;
          if (structure === 'antisymmetric' && i === j) continue;
          const name = `${c.name}[${i + 1},${j + 1}]`;
          this.variables.push({ name, role: 'data' });
          m[i]![j] = sym(name);
          if (structure === 'symmetric') m[j]![i] = sym(name);
          if (structure === 'antisymmetric') m[j]![i] = neg(sym(name));
        }
      this.constants.set(c.name, m);
    }
    for (const s of decl.scalars) this.variables.push({ name: s, role: 'constant' });
    // A generic polynomial test function of degree 3 in the block entries.
    const r = rng(seed);
    const terms: Expr[] = [];
    const pick = (): Expr => sym(this.vars[r.int(this.vars.length)]!);
    const coef = (): Expr => num((r.int(5) + 1) * (r.next() < 0.5 ? -1 : 1));
    for (const v of this.vars) terms.push(mul(coef(), pow(sym(v), num(2))));
    for (let k = 0; k < this.vars.length + 4; k++)
      terms.push(mul(coef(), pick(), pick()), mul(coef(), pick(), pick(), pick()));
    this.F = add(...terms);
  }

  /** ∇F on one block (computed on first use). */
  gradF(block: string): M {
    let g = this.gradCache.get(block);
    if (!g) {
      g = mmap(this.entries.get(block)!, (e) => this.partialF((e as { name: string }).name));
      this.gradCache.set(block, g);
    }
    return g;
  }

  /** ∂F/∂v for one entry v (∇F computed on first use, in one pass over F; F has no other symbols). */
  partialF(v: string): Expr {
    if (this.partialCache.size === 0)
      gradient(this.F, this.vars).forEach((g, i) => this.partialCache.set(this.vars[i]!, g));
    return this.partialCache.get(v) ?? ZERO_E;
  }

  shapeOf(block: string): [number, number] {
    const m = this.entries.get(block)!;
    return [m.length, m[0]!.length];
  }

  letter(l: Letter): M {
    let m: M;
    switch (l.kind) {
      case 'block':
        m = this.entries.get(l.name)!;
        break;
      case 'grad':
        m = this.gradF(l.name);
        break;
      case 'const':
        m = this.constants.get(l.name)!;
        break;
      case 'ones': {
        const [r, c] = this.shapeOf(l.name);
        m = Array.from({ length: r }, () => Array.from({ length: c }, () => ONE_E));
        break;
      }
      case 'step':
        throw new Error('update letters are not instantiated');
    }
    return l.t ? mT(m) : m;
  }

  word(w: Word, identitySize: number): M {
    return w.length === 0 ? eye(identitySize) : w.map((l) => this.letter(l)).reduce(mmul);
  }

  matrix(s: WordSum, rows: number, cols: number): M {
    return s.reduce((acc, t) => madd(acc, mscale(this.word(t.word, rows), t.coef)), zeros(rows, cols));
  }

  trace(s: TraceSum): Expr {
    return add(
      ...s.map((t) => {
        const m = this.word(t.word, 1);
        return mul(t.coef, add(...m.map((row, i) => row[i]!)));
      }),
    );
  }

  /** The action's value on block `target` as a matrix of expressions (expm through second order). */
  action(target: string, e: Expr): M {
    const [r, c] = this.shapeOf(target);
    const v = this.evalAction(e, target);
    if (v.kind === 'scalar') return Array.from({ length: r }, () => Array.from({ length: c }, () => v.v));
    return v.m;
  }

  private evalAction(e: Expr, target: string): Val {
    switch (e.kind) {
      case 'num':
        return { kind: 'scalar', v: e };
      case 'sym': {
        if (this.entries.has(e.name)) return { kind: 'matrix', m: this.entries.get(e.name)! };
        if (this.constants.has(e.name)) return { kind: 'matrix', m: this.constants.get(e.name)! };
        if (e.name === ONES)
          return { kind: 'matrix', m: this.letter({ kind: 'ones', name: target, t: false }) };
        return { kind: 'scalar', v: e };
      }
      case 'add':
        return e.terms
          .map((t) => this.evalAction(t, target))
          .reduce((x, y) => {
            if (x.kind === 'scalar' && y.kind === 'scalar') return { kind: 'scalar', v: add(x.v, y.v) };
            if (x.kind === 'matrix' && y.kind === 'matrix') return { kind: 'matrix', m: madd(x.m, y.m) };
            const [s, m] =
              x.kind === 'scalar' ? [x.v, (y as { m: M }).m] : [(y as { v: Expr }).v, (x as { m: M }).m];
            return { kind: 'matrix', m: mmap(m, (z) => add(z, s)) }; // only 1×1 reaches here (shapes were checked)
          });
      case 'mul':
        return e.factors
          .map((t) => this.evalAction(t, target))
          .reduce((x, y) => {
            if (x.kind === 'scalar' && y.kind === 'scalar') return { kind: 'scalar', v: mul(x.v, y.v) };
            if (x.kind === 'scalar') return { kind: 'matrix', m: mscale((y as { m: M }).m, x.v) };
            if (y.kind === 'scalar') return { kind: 'matrix', m: mscale(x.m, y.v) };
            return { kind: 'matrix', m: mmul(x.m, y.m) };
          });
      case 'pow': {
        const b = this.evalAction(e.base, target);
        const p = this.evalAction(e.exp, target);
        if (b.kind !== 'scalar' || p.kind !== 'scalar') throw new Error('matrix power in action');
        return { kind: 'scalar', v: pow(b.v, p.v) };
      }
      case 'call': {
        const u = this.evalAction(e.args[0]!, target);
        if (e.fn === 'expm') {
          if (u.kind === 'scalar') return { kind: 'scalar', v: call('exp', u.v) };
          const I = eye(u.m.length);
          return { kind: 'matrix', m: madd(madd(I, u.m), mscale(mmul(u.m, u.m), num({ n: 1n, d: 2n }))) };
        }
        if (u.kind !== 'scalar') throw new Error(`${e.fn} of a matrix in action`);
        return { kind: 'scalar', v: call(e.fn, ...[u.v, ...e.args.slice(1)]) };
      }
    }
  }

  describeSizes(): string {
    return [...this.sizes].map(([d, n]) => `${d}=${n}`).join(', ') || 'the declared sizes';
  }

  /** Decide that every entry of a matrix of residual-term lists vanishes. */
  allZero(residuals: readonly (readonly Expr[])[], claim: string, seed: number): Verdict {
    // The entries share their pieces (each ∂F/∂v appears in several): one normaliser for all of them.
    const vs = withSharedNormalizer(() =>
      residuals
        .filter((terms) => terms.length > 0)
        .map((terms) => decideZero({ terms, variables: this.variables, seed, points: 12, claim })),
    );
    return vs.length
      ? weakest(vs)
      : { kind: 'proved', method: 'trivial', evidence: 'every entry vanishes term by term' };
  }
}

/** Entrywise generator from the action: ∂_a ψ|_{a=0}. */
export function generatorFromAction(inst: Instance, target: string, e: Expr, parameter: string): M {
  const at0 = new Map([[parameter, ZERO_E]]);
  return mmap(inst.action(target, e), (x) => substitute(diff(x, parameter), at0));
}

export const flat = (m: M): Expr[] => m.flat();
