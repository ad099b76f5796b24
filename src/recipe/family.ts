/**
 * Reparametrisation families (docs/theory.md §4.7): w = φ(θ) as a chain of factors
 * φ = M_1 M_2 ⋯ M_K, each factor a matrix of symbols, trained with weight decay λ‖θ‖².
 *
 *   product(K)   K scalar factors per entry          w = u_1 ⊙ ⋯ ⊙ u_K
 *   group(G)     a vector times a scalar per group   w_g = v_g·s_g  (v_g ∈ ℝ^G)
 *   factor(K)    K matrix factors                    W = M_1 M_2 ⋯ M_K
 *
 * The matrix family is written symbolically with 2 × 2 factors (two singular values: enough to see
 * that the penalty acts on each one separately); the checks on trajectories use any shapes.
 */
import { add, mul, sym, type Expr } from '../expr/ast';
import type { PenaltyDomain } from './penalty';

export type FamilyKind = 'product' | 'group' | 'factor';

/** A family and its parameters. */
export interface Family {
  readonly kind: FamilyKind;
  /** Number of factors K. */
  readonly depth: number;
  /** Entries per group (group). */
  readonly size?: number;
}

/** One factor of the chain: its name and its symbols, row by row. */
export interface Factor {
  readonly name: string;
  readonly symbols: readonly (readonly string[])[];
}

/** The matrix factors' symbols: M_1 = (a11 a12; a21 a22), M_2 = (b11 …), …. */
const FACTOR_LETTERS = 'abcdefgh';

/** Symbolic sizes of the matrix family's factors. */
export const FACTOR_SLICE = 2;

/** What the family's penalty acts on. */
export const domainOf = (f: Family): PenaltyDomain =>
  f.kind === 'product' ? 'entry' : f.kind === 'group' ? 'group' : 'singular';

/** The reparametrisation in words. */
export function familyText(f: Family): string {
  const K = f.depth;
  switch (f.kind) {
    case 'product':
      return K === 2 ? 'w = u ⊙ v (entrywise)' : `w = u_1 ⊙ u_2 ⊙ ⋯ ⊙ u_${K} (${K} factors, entrywise)`;
    case 'group':
      return `w_g = s_g·v_g per group (s_g a scalar, v_g ∈ ℝ^${f.size})`;
    case 'factor':
      return K === 2
        ? 'W = M_1 M_2 (= U Vᵀ; entries a_ij, b_ij)'
        : `W = M_1 M_2 ⋯ M_${K} (${K} matrix factors; entries a_ij, b_ij, …)`;
  }
}

/** The factors of a family, in chain order (φ = M_1 ⋯ M_K). */
export function factors(f: Family): Factor[] {
  const grid = (name: string, rows: number, cols: number): Factor => ({
    name,
    symbols: Array.from({ length: rows }, (_, i) =>
      Array.from({ length: cols }, (__, j) => (rows * cols === 1 ? name : `${name}${i + 1}${j + 1}`)),
    ),
  });
  switch (f.kind) {
    case 'product':
      return f.depth === 2
        ? [grid('u', 1, 1), grid('v', 1, 1)]
        : Array.from({ length: f.depth }, (_, j) => grid(`u${j + 1}`, 1, 1));
    case 'group':
      return [
        { name: 'v', symbols: Array.from({ length: f.size ?? 1 }, (_, i) => [`v${i + 1}`]) },
        grid('s', 1, 1),
      ];
    case 'factor':
      return Array.from({ length: f.depth }, (_, j) => grid(FACTOR_LETTERS[j]!, FACTOR_SLICE, FACTOR_SLICE));
  }
}

/** A matrix of expressions. */
export type EMat = readonly (readonly Expr[])[];

export const symbolMatrix = (m: Factor): EMat => m.symbols.map((row) => row.map(sym));

/** The product A B of expression matrices. */
export function matMul(a: EMat, b: EMat): EMat {
  return a.map((row) => b[0]!.map((_, j) => add(...row.map((x, k) => mul(x, b[k]![j]!)))));
}

/** φ = M_1 ⋯ M_K over matrices standing for the factors. */
export const chain = (ms: readonly EMat[]): EMat => ms.reduce((p, m) => matMul(p, m));

/** Every symbol of the family. */
export const allSymbols = (fs: readonly Factor[]): string[] => fs.flatMap((m) => m.symbols.flat());

/** The weight-decay cost ‖θ‖² = Σ of every symbol squared. */
export const cost = (fs: readonly Factor[]): Expr => add(...allSymbols(fs).map((s) => mul(sym(s), sym(s))));
