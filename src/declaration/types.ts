/**
 * Declarations of continuous symmetries: plain readonly records with a `kind` tag.
 *
 * - `block`: named parameter blocks with symbolic shapes and a one-parameter action on each;
 *   the derived laws are width-independent formulas over blocks.
 * - `concrete`: a scalar loss over scalar parameters and data symbols, and an action written as
 *   expressions in the parameters and the group parameter(s); the toolkit can prove or refute
 *   that the action is a symmetry.
 */
import type { Expr } from '../expr/ast';
import type { SiteKind } from '../../numeric/sites';

/** A dimension: a name (`"n"`) or a positive integer written as text (`"3"`). */
export type Dim = string; // a dimension name ("n") or a positive integer written as text ("3")
/** A block's (or constant's) symbolic shape: `scalar`, `vector[n]` or `matrix[rows, cols]`. */
export type Shape =
  | { readonly kind: 'scalar' }
  | { readonly kind: 'vector'; readonly n: Dim }
  | { readonly kind: 'matrix'; readonly rows: Dim; readonly cols: Dim };

/** How a declared matrix constant is constrained. `general` means: the laws must hold for every
 * such matrix (the whole Lie algebra, e.g. gl(n) for an n×n E). A `projector` is symmetric and
 * idempotent (P = Pᵀ = P²): an orthogonal projection, e.g. onto the reflected directions of a mirror. */
export type Structure = 'general' | 'symmetric' | 'antisymmetric' | 'projector';

/** A declared matrix constant of a block-level action (e.g. the E of `expm(a*E)*W1`): shape and structure. */
export interface Constant {
  readonly name: string;
  readonly shape: Shape;
  readonly structure: Structure;
}

/** A position in a declaration file (1-based). */
export interface Loc {
  readonly line: number;
  readonly column: number;
}

/** The action on one block or parameter: the expression it maps to, parsed and as written. */
export interface ActionEntry {
  /** Where the expression starts in its file, when read from one. */
  readonly at?: Loc;
  /** The block or parameter acted on. */
  readonly target: string;
  readonly expr: Expr;
  /** The expression as the user wrote it. */
  readonly text: string;
}

interface Common {
  readonly name: string;
  readonly description: string;
  /** Short source name (docs/theory.md's references), e.g. "NM". */
  readonly source?: string;
  /** Where it was read from, for messages. */
  readonly origin: string;
}

/** What block-level declarations (continuous and mirror) share: blocks bound to network sites. */
export interface BlockShaped {
  readonly origin: string;
  readonly blocks: readonly { readonly name: string; readonly shape: Shape }[];
  readonly constants: readonly Constant[];
  /** Symbolic scalar constants (e.g. a homogeneity degree k). */
  readonly scalars: readonly string[];
  readonly action: readonly ActionEntry[];
  /** Site kinds of real architectures where this symmetry acts (its blocks are the sites' roles). */
  readonly sites: readonly SiteKind[];
}

export interface BlockDeclaration extends Common, BlockShaped {
  readonly kind: 'block';
  readonly parameter: string;
}

/**
 * A mirror symmetry at block level [SIS]: a linear involution of the blocks, each block's image a
 * sum of (constant matrices ·) blocks (· constant matrices), e.g. a unit's sign flip
 * (w_in, w_out) ↦ (−w_in, −w_out), the swap of two units, or W1 ↦ W1 − 2 P W1 for a projector P.
 * Invariance of the loss is an assumption bound to the sites; `noether check` tests it on networks.
 */
export interface BlockMirrorDeclaration extends Common, BlockShaped {
  readonly kind: 'block-mirror';
}

/** What concrete and mirror declarations share: a scalar loss and an action on its parameters. */
interface ScalarLoss {
  readonly parameters: readonly string[];
  readonly data: readonly string[];
  readonly constants: readonly string[];
  readonly loss: Expr;
  readonly lossText: string;
  readonly action: readonly ActionEntry[];
}

/**
 * A continuous symmetry of a concrete scalar loss over scalar parameters and data: the action is an
 * expression per parameter in the parameters and the group parameter(s); whether it is a symmetry
 * at all is proved or refuted.
 */
export interface ConcreteDeclaration extends Common, ScalarLoss {
  readonly kind: 'concrete';
  /** Group parameters: one for a one-parameter group, several for a multi-parameter group. */
  readonly group: readonly string[];
}

/** A discrete (mirror) symmetry of a scalar loss: a linear involution θ ↦ Rθ of the parameters (the action). */
export interface MirrorDeclaration extends Common, ScalarLoss {
  readonly kind: 'mirror';
  /**
   * When declared by its surface: the reflected directions O (rational coefficients over the
   * parameters), R = I − 2O(OᵀO)⁻¹Oᵀ.
   */
  readonly surface?: readonly (readonly string[])[];
}

/**
 * A declared symmetry: one of four kinds, told apart by `kind` (`'block'`, `'concrete'`, `'mirror'`,
 * `'block-mirror'`). Plain readonly data, read from YAML or JSON by {@link parseDeclarationText},
 * {@link loadDeclarationFile}, {@link readDeclaration} or {@link loadCatalog}.
 */
export type Declaration = BlockDeclaration | ConcreteDeclaration | MirrorDeclaration | BlockMirrorDeclaration;

/** The built-in symbol for the all-ones block in block-level translations. */
export const ONES = 'ones';

export function shapeText(s: Shape): string {
  return s.kind === 'scalar'
    ? 'scalar'
    : s.kind === 'vector'
      ? `vector[${s.n}]`
      : `matrix[${s.rows}, ${s.cols}]`;
}
