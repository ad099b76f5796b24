/**
 * Derivation records: what a declared symmetry implies, each law with its verdict. Plain
 * readonly JSON data; `noether derive --format json` prints exactly this.
 */
import type { Expr } from './expr/ast';
import type { Verdict } from './verdict';
import type { TraceSum, WordSum } from './derive/words';

export interface Rendered {
  readonly text: string;
  readonly latex: string;
}

/** Machine-readable content of a law, by declaration kind. */
export type LawData =
  /** Concrete: an expression in parameters (and ∂L/∂θ placeholders). */
  | { readonly kind: 'expr'; readonly expr: Expr }
  /** Concrete: one expression per parameter. */
  | { readonly kind: 'vector'; readonly components: Readonly<Record<string, Expr>> }
  /** Concrete: a matrix of expressions (e.g. the Hessian block along the reflected directions). */
  | { readonly kind: 'expr-matrix'; readonly rows: readonly (readonly Expr[])[] }
  /** Block-level scalar: Σ coef · tr(word). */
  | { readonly kind: 'trace'; readonly sum: TraceSum }
  /** Block-level matrix-valued (for a generic matrix E: the law holds for every E). */
  | { readonly kind: 'matrix'; readonly sum: WordSum }
  /** Block-level Hessian constraint: (H v)_B = rhs_B for each block B, with v the generator. */
  | {
      readonly kind: 'hvp';
      readonly direction: Readonly<Record<string, WordSum>>;
      readonly rhs: Readonly<Record<string, WordSum>>;
    }
  /** Block-level mirror: one matrix per block (the reflected part of θ or of ∇L, or the reflection itself). */
  | { readonly kind: 'blocks'; readonly components: Readonly<Record<string, WordSum>> }
  | { readonly kind: 'none' };

export type LawId =
  | 'invariance'
  | 'gradient-constraint'
  | 'hessian-constraint'
  | 'charge'
  | 'charge-matrix'
  | 'no-charge'
  | 'mirror-constraint'
  | 'invariant-set'
  | 'hessian-block'
  | 'attraction-threshold';

export interface Law {
  readonly kind: 'law';
  readonly id: LawId;
  /** The group parameter (or generator) the law belongs to. */
  readonly parameter: string;
  readonly title: string;
  readonly statement: Rendered;
  readonly data: LawData;
  readonly verdict: Verdict;
  /** Further explanation (e.g. what obstructs a charge). */
  readonly note?: string;
}

export interface GeneratorComponent {
  readonly target: string;
  readonly value: Rendered;
  readonly expr?: Expr;
  readonly sum?: WordSum;
}
export interface Generator {
  readonly parameter: string;
  readonly components: readonly GeneratorComponent[];
}

export interface Derivation {
  readonly kind: 'derivation';
  readonly declaration: {
    readonly name: string;
    readonly kind: 'block' | 'concrete';
    readonly origin: string;
    readonly description: string;
    readonly source?: string;
  };
  /** How charges are normalised. */
  readonly normalisation: string;
  readonly seed: number;
  readonly generators: readonly Generator[];
  readonly laws: readonly Law[];
  /** The weakest verdict among the laws. */
  readonly verdict: Verdict;
}

export const NORMALISATION =
  'a charge Q is the potential of the generator, ∇Q = X, so quadratic charges carry a factor 1/2';
