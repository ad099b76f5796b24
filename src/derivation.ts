/**
 * Derivation records: what a declared symmetry implies, each law with its verdict. Plain
 * readonly JSON data; `noether derive --format json` prints exactly this.
 */
import type { Expr } from './expr/ast';
import type { Verdict } from './verdict';
import type { TraceSum, WordSum } from './derive/words';
import type { Declaration } from './declaration/types';

/** A statement rendered twice: plain text (for terminals) and a LaTeX fragment (KaTeX and LaTeX render it). */
export interface Rendered {
  readonly text: string;
  readonly latex: string;
}

/** Concrete: an expression in parameters (and ∂L/∂θ placeholders). */
export interface ExprData {
  readonly kind: 'expr';
  readonly expr: Expr;
}
/** Concrete: one expression per parameter (or per constraint). */
export interface VectorData {
  readonly kind: 'vector';
  readonly components: Readonly<Record<string, Expr>>;
}
/** Concrete: a matrix of expressions (e.g. the threshold's matrix along the reflected directions). */
export interface ExprMatrixData {
  readonly kind: 'expr-matrix';
  readonly rows: readonly (readonly Expr[])[];
}
/** Block-level scalar: Σ coef · tr(word). */
export interface TraceData {
  readonly kind: 'trace';
  readonly sum: TraceSum;
}
/** Block-level matrix-valued (for a generic matrix E: the law holds for every E). */
export interface MatrixData {
  readonly kind: 'matrix';
  readonly sum: WordSum;
}
/** Block-level Hessian constraint: (H v)_B = rhs_B for each block B, with v the generator. */
export interface HvpData {
  readonly kind: 'hvp';
  readonly direction: Readonly<Record<string, WordSum>>;
  readonly rhs: Readonly<Record<string, WordSum>>;
}
/** Block-level mirror: one matrix per block (the reflected part of θ or of ∇L, or the reflection itself). */
export interface BlocksData {
  readonly kind: 'blocks';
  readonly components: Readonly<Record<string, WordSum>>;
}
/** A law stated in words only (what obstructs a charge; an invariance shown by its proof). */
export interface NoData {
  readonly kind: 'none';
}

/** Machine-readable content of a law. */
export type LawData =
  ExprData | VectorData | ExprMatrixData | TraceData | MatrixData | HvpData | BlocksData | NoData;

/** Which data each law carries: a law's id fixes the kinds of data it can have. */
export interface LawDataById {
  /**
   * L(ψ(θ, a)) − L(θ) (concrete) or L(Rθ) − L(θ) (mirror); at block level `none`: invariance is
   * tested on sampled networks at the declared sites, or stated as the assumption it is.
   */
  readonly invariance: ExprData | NoData;
  /** ⟨g, X⟩ = 0: concrete expression or block-level trace sum. */
  readonly 'gradient-constraint': ExprData | TraceData;
  /** The matrix-valued gradient constraint of a whole Lie algebra (every E). */
  readonly 'gradient-constraint-matrix': MatrixData;
  /** H X + J_Xᵀ g = 0: per-parameter components (concrete) or H v per block (block-level). */
  readonly 'hessian-constraint': VectorData | HvpData;
  /** The charge Q with ∇Q = X; `none` when X is a gradient field whose potential has no closed form. */
  readonly charge: ExprData | TraceData | NoData;
  /** The matrix of charges of a whole Lie algebra (symmetric E). */
  readonly 'charge-matrix': MatrixData;
  readonly 'no-charge': NoData;
  /** Oᵀθ = 0: its equations (concrete) or the reflected part per block. */
  readonly 'mirror-constraint': VectorData | BlocksData;
  readonly 'invariant-set': NoData | BlocksData;
  readonly 'hessian-block': NoData | BlocksData;
  /** γ* = −λ_min(OᵀHO)/2: a closed form, the matrix whose eigenvalue it is, or words. */
  readonly 'attraction-threshold': ExprData | ExprMatrixData | NoData;
}

/** Which law: the keys of {@link LawDataById}, e.g. `'gradient-constraint'`, `'charge'`, `'mirror-constraint'`. */
export type LawId = keyof LawDataById;

/** One law of a kind, with the data that kind carries. */
export type LawOf<Id extends LawId> = {
  readonly kind: 'law';
  readonly id: Id;
  /** The group parameter (or generator) the law belongs to; (id, parameter) is unique in a derivation. */
  readonly parameter: string;
  readonly title: string;
  readonly statement: Rendered;
  readonly data: LawDataById[Id];
  readonly verdict: Verdict;
  /** Further explanation (e.g. what obstructs a charge). */
  readonly note?: string;
};

/** A derived law: a union keyed by its id. */
export type Law = { [Id in LawId]: LawOf<Id> }[LawId];

/** The generator's component on one block or parameter: as text and LaTeX, and as data. */
export interface GeneratorComponent {
  readonly target: string;
  readonly value: Rendered;
  readonly expr?: Expr;
  readonly sum?: WordSum;
}
/** The generator X = ∂ψ/∂a at a = 0 of one group parameter, component by component. */
export interface Generator {
  readonly parameter: string;
  readonly components: readonly GeneratorComponent[];
}

/** The version of the JSON records the toolkit prints; it changes when a record's shape does. */
export const SCHEMA_VERSION = 1 as const;

/** Where a derivation's declaration came from, with its exact kind. */
export interface DeclarationRef {
  readonly name: string;
  readonly kind: Declaration['kind'];
  readonly origin: string;
  readonly description: string;
  readonly source?: string;
}

/**
 * What a declared symmetry implies: its generators and laws, each law with its verdict. Returned by
 * {@link derive}; plain readonly JSON data, exactly what `noether derive --format json` prints.
 */
export interface Derivation {
  readonly kind: 'derivation';
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly declaration: DeclarationRef;
  /** How charges are normalised (continuous symmetries only: a mirror has no charge). */
  readonly normalisation?: string;
  readonly seed: number;
  readonly generators: readonly Generator[];
  readonly laws: readonly Law[];
  /** The weakest verdict among the laws. */
  readonly verdict: Verdict;
  /** For a concrete declaration (`noether derive`): how many laws the loss has in all, next to the declared ones. */
  readonly allLaws?: LawCount;
}

/**
 * All the conservation laws of gradient flow a model has (`noether laws`), against those a declaration
 * explains: the count's bounds, and the laws the declared charges leave unexplained.
 */
export type LawCount =
  | {
      readonly kind: 'counted';
      readonly lowerBound: number;
      readonly upperBound: number;
      /** lowerBound = upperBound: the list is proved complete. */
      readonly complete: boolean;
      /** Independent laws the declared charges (symmetric parts included) account for. */
      readonly explained: number;
      /** The laws found that no declared charge explains. */
      readonly unexplained: readonly string[];
    }
  | { readonly kind: 'not-counted'; readonly reason: string };

export const NORMALISATION =
  'a charge Q is the potential of the generator, ∇Q = X, so quadratic charges carry a factor 1/2';

/** The reference to a declaration that a derivation carries. */
export function declarationRef(d: Declaration): DeclarationRef {
  return {
    name: d.name,
    kind: d.kind,
    origin: d.origin,
    description: d.description,
    ...(d.source ? { source: d.source } : {}),
  };
}

/**
 * A block-level declaration's invariance as a law: the derivation assumes it (there is no loss at
 * block level); `verdict` is what testing it found, or why it is only assumed.
 */
export function blockInvariance(parameter: string, verdict: Verdict): Law {
  return {
    kind: 'law',
    id: 'invariance',
    parameter,
    title: 'The action is a symmetry of the loss at the declared sites',
    statement: {
      text: 'L(ψ(θ, a)) = L(θ) for every network at the declared sites (the laws below are derived from it)',
      latex: 'L(\\psi(\\theta, a)) = L(\\theta)',
    },
    data: { kind: 'none' },
    verdict,
  };
}

/** The verdict of a block-level invariance that nothing tests (a declaration without sites). */
export const ASSUMED_INVARIANCE: Verdict = {
  kind: 'inconclusive',
  reason:
    'assumed: a block-level declaration without sites has no network to test it on, so every law ' +
    'below is conditional on it',
};

/** Laws are identified by (id, parameter): a derivation never states the same law twice. */
export function assertUniqueLaws(laws: readonly Law[]): readonly Law[] {
  const seen = new Set<string>();
  for (const l of laws) {
    const key = `${l.id}\u0000${l.parameter}`;
    if (seen.has(key)) throw new Error(`internal: law ${l.id} [${l.parameter}] derived twice`);
    seen.add(key);
  }
  return laws;
}
