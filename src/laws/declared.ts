/**
 * Declared against all: what a concrete declaration's own generators contribute to the laws. Each
 * generator X = ∂ψ/∂a at a = 0 (the other group parameters at 0) is read as a polynomial field. Its
 * charge exists when X is a gradient field (symmetric Jacobian): Q with ∇Q = X, Q(0) = 0. When it is
 * not and X is affine, its symmetric part ½(A + Aᵀ)θ + b is tried as a symmetry of its own (exactly:
 * ⟨∇φ_k, X_s⟩ ≡ 0): a shear's symmetric part can be, and then carries the charge the shear lacks.
 * The charges are then compared with the laws: a law is unexplained when its gradient is independent
 * of the charges' gradients at the point (mod p).
 */
import { substitute, ZERO_E, sym } from '../expr/ast';
import { diff } from '../expr/diff';
import * as Q from '../expr/rational';
import type { ConcreteDeclaration } from '../declaration/types';
import { UserInputError } from '../../numeric/errors';
import { exprToPoly, type FieldSource } from './fields';
import { compile, evaluate, pointOf } from './jets';
import { Echelon } from './modp';
import {
  addTerm,
  diffPoly,
  gradient,
  lieDerivative,
  polyText,
  type Field,
  type Poly,
  type Term,
} from './poly';
import { normalise, type FoundLaw } from './search';
import { pairing } from './symmetries';

/** One declared generator: its charge, or its obstruction and what its symmetric part gives. */
export interface DeclaredGenerator {
  readonly parameter: string;
  /** The generator's charge, when it is a gradient field. */
  readonly charge?: string;
  /** Why there is none (the generator's own obstruction), when there is none. */
  readonly obstruction?: string;
  /** For an affine generator without a charge: whether its symmetric part is a symmetry, and its charge. */
  readonly symmetricPart?: { readonly symmetry: boolean; readonly charge?: string };
}

/** A concrete declaration's generators against the laws found, or why they were not compared. */
export type DeclaredReport =
  | {
      readonly kind: 'compared';
      readonly generators: readonly DeclaredGenerator[];
      /** Independent laws the declared charges (symmetric parts included) account for. */
      readonly explained: number;
      /** Indices of found laws independent of every declared charge. */
      readonly unexplained: readonly number[];
    }
  | { readonly kind: 'not-compared'; readonly reason: string };

/** Is the field's Jacobian symmetric (∂_j X_i = ∂_i X_j for all i, j)? */
function isGradient(x: Field, dim: number): boolean {
  for (let i = 0; i < dim; i++)
    for (let j = i + 1; j < dim; j++) {
      const a = diffPoly(x.get(i) ?? new Map(), j);
      const b = diffPoly(x.get(j) ?? new Map(), i);
      const d = new Map(a);
      for (const t of b.values()) addTerm(d, t.m, Q.neg(t.c));
      if (d.size > 0) return false;
    }
  return true;
}

/** The potential of a gradient field with Q(0) = 0: each term c·m of X_i contributes c·m·θ_i/(deg m + 1). */
function potential(x: Field): Poly {
  const q = new Map<string, Term>();
  for (const [i, p] of x)
    for (const t of p.values())
      addTerm(
        q,
        [...t.m, i].sort((a, b) => a - b),
        Q.div(t.c, Q.rat(t.m.length + 1)),
      );
  return q;
}

/** The symmetric part of an affine field, or undefined when the field is not affine. */
function symmetricPart(x: Field): Field | undefined {
  const out = new Map<number, Map<string, Term>>();
  const put = (i: number, m: readonly number[], c: Q.Rational): void => {
    let p = out.get(i);
    if (!p) out.set(i, (p = new Map()));
    addTerm(p, m, c);
  };
  const half = Q.rat(1, 2);
  for (const [i, p] of x)
    for (const t of p.values()) {
      if (t.m.length > 1) return undefined;
      if (t.m.length === 0) put(i, [], t.c);
      else {
        put(i, t.m, Q.mul(half, t.c));
        put(t.m[0]!, [i], Q.mul(half, t.c));
      }
    }
  for (const [i, p] of out) if (p.size === 0) out.delete(i);
  return out;
}

const symmetryOf = (x: Field, src: FieldSource): boolean => src.fields.every((f) => pairing(f, x).size === 0);

/** Compare a concrete declaration's generators with the laws found. */
export function compareDeclared(
  d: ConcreteDeclaration,
  src: FieldSource,
  laws: readonly FoundLaw[],
  theta: readonly number[],
): DeclaredReport {
  const index = new Map(d.parameters.map((p, i) => [p, i]));
  const dim = d.parameters.length;
  const charges: Poly[] = [];
  const generators: DeclaredGenerator[] = [];
  try {
    for (const a of d.group) {
      const others = new Map(d.group.filter((g) => g !== a).map((g) => [g, ZERO_E]));
      const atZero = new Map([[a, ZERO_E]]);
      const x = new Map<number, Poly>();
      d.parameters.forEach((p, i) => {
        const entry = d.action.find((e) => e.target === p);
        const psi = entry ? substitute(entry.expr, others) : sym(p);
        const xi = exprToPoly(substitute(diff(psi, a), atZero), index, `the generator's ${p} component`);
        if (xi.size > 0) x.set(i, xi);
      });
      if (x.size === 0) {
        generators.push({
          parameter: a,
          obstruction: 'the generator vanishes at the identity (no law from it)',
        });
        continue;
      }
      if (!symmetryOf(x, src)) {
        generators.push({ parameter: a, obstruction: 'not a symmetry of the model: ⟨∇φ, X⟩ ≢ 0' });
        continue;
      }
      if (isGradient(x, dim)) {
        const q = normalise(potential(x));
        charges.push(q);
        generators.push({ parameter: a, charge: polyText(q, d.parameters) });
        continue;
      }
      const s = symmetricPart(x);
      if (!s) {
        generators.push({
          parameter: a,
          obstruction: 'its Jacobian is not symmetric (not a gradient field)',
        });
        continue;
      }
      if (s.size === 0) {
        generators.push({
          parameter: a,
          obstruction: 'antisymmetric generator (A = −Aᵀ): a constraint, no charge',
        });
        continue;
      }
      const isSym = symmetryOf(s, src);
      const q = isSym ? normalise(potential(s)) : undefined;
      if (q && q.size > 0 && src.fields.every((f) => lieDerivative(q, f).size === 0)) charges.push(q);
      generators.push({
        parameter: a,
        obstruction: 'its Jacobian is not symmetric (not a gradient field)',
        symmetricPart: q ? { symmetry: true, charge: polyText(q, d.parameters) } : { symmetry: false },
      });
    }
  } catch (e) {
    if (e instanceof UserInputError)
      return { kind: 'not-compared', reason: e.message.replace(/^laws: /, '') };
    throw e;
  }
  const ech = new Echelon(dim);
  const at = pointOf(theta);
  const grad = (p: Poly): Int32Array => Int32Array.from(evaluate(compile([gradient(p)]), at, dim));
  for (const q of charges) ech.add(grad(q));
  const explained = ech.rank;
  const unexplained: number[] = [];
  laws.forEach((l, i) => {
    if (ech.add(grad(l.poly))) unexplained.push(i);
  });
  return { kind: 'compared', generators, explained, unexplained };
}
