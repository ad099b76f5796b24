/**
 * Mirror symmetries [SIS]: a loss invariant under a linear reflection θ ↦ Rθ, R = I − 2OOᵀ.
 * From the declared involution alone:
 *
 *   symmetry      L(Rθ) = L(θ)                                   (proved / refuted with a counterexample)
 *   reflection    R = ∂ψ/∂θ, exact; R² = I and R = Rᵀ are required (an orthogonal reflection)
 *   constraint    Oᵀθ = 0  ⟺  (I − R)θ/2 = 0, row-reduced in exact rationals and classified
 *                 (a row fixing one parameter to 0: sparsity / a dead unit; a row equating two: identical units)
 *   invariant set on the set, Oᵀ∇(L + γ‖θ‖²) = 0: GD and SGD (any minibatch, any γ) never leave it
 *   Hessian       on the set, OᵀH(I − OOᵀ) = 0: the Hessian is block-diagonal
 *   threshold     the set attracts gradient flow on L + γ‖θ‖² locally iff γ > −λ_min(OᵀHO)/2
 *                 (symbolic for a single constraint)
 *
 * Each identity is decided against the actual loss on the set (parametrised by the free parameters).
 */
import { type Expr, add, mul, num, numValue, sym, sub, substitute, ZERO_E, isNum } from '../expr/ast';
import { diff, gradient } from '../expr/diff';
import { expanded, exactZero } from '../expr/normal';
import { kinkArguments } from '../verify/points';
import * as Q from '../expr/rational';
import type { Rational } from '../expr/rational';
import { toText, toLatex } from '../expr/print';
import type { MirrorDeclaration } from '../declaration/types';
import { InputError } from '../declaration/errors';
import { zeroAsker, type Variable } from '../verify/zero';
import { type Verdict, weakest } from '../verdict';
import { type Derivation, type Law, SCHEMA_VERSION, declarationRef, assertUniqueLaws } from '../derivation';
import type { DeriveOptions } from '../derive/concrete';
import { rref, inverse, reducedNullspace, type RMat } from '../expr/rmatrix';

/** The constant value of e, when its exact normal form is a number. */
function constantOf(e: Expr): Rational | undefined {
  // A number is its own normal form (a linear action's Jacobian is mostly numbers already).
  if (e.kind === 'num') return numValue(e);
  const x = expanded(e);
  return x.kind === 'num' ? Q.parseRational(x.value) : undefined;
}

/**
 * The reflection R = ∂ψ/∂θ of a mirror declaration, exactly. Input errors unless ψ is linear
 * (ψ(0) = 0, constant Jacobian), an involution (R² = I) and orthogonal (R = Rᵀ).
 */
export function reflectionOf(d: MirrorDeclaration): RMat {
  const P = d.parameters;
  const fail = (field: string, detail: string): never => {
    throw new InputError(d.origin, field, detail);
  };
  const psi = P.map((p) => d.action.find((a) => a.target === p)?.expr ?? sym(p));
  const zero = new Map(P.map((p) => [p, ZERO_E]));
  const R: RMat = psi.map((e, i) => {
    const at0 = constantOf(substitute(e, zero));
    if (!at0 || !Q.isZero(at0))
      fail(
        `action.${P[i]}`,
        'a mirror must be linear in the parameters (ψ(0) = 0); shift the parameters first',
      );
    return P.map(
      (p) =>
        constantOf(diff(e, p)) ??
        fail(`action.${P[i]}`, `a mirror must be linear in the parameters: ∂ψ/∂${p} is not constant`),
    );
  });
  const I = (i: number, j: number): Rational => (i === j ? Q.ONE : Q.ZERO);
  // R² row by row over R's nonzero entries (a permutation has one per row).
  const support = R.map((row) => row.flatMap((x, k) => (Q.isZero(x) ? [] : [k])));
  const R2 = R.map((row, i) =>
    P.map((_, j) => support[i]!.reduce((s, k) => Q.add(s, Q.mul(row[k]!, R[k]![j]!)), Q.ZERO)),
  );
  if (R2.some((row, i) => row.some((x, j) => Q.cmp(x, I(i, j)) !== 0)))
    fail('action', 'the action is not an involution: applying it twice does not give the identity');
  if (R.some((row, i) => row.some((x, j) => Q.cmp(x, R[j]![i]!) !== 0)))
    fail('action', 'the involution is not an orthogonal reflection (R ≠ Rᵀ); SIS mirrors are I − 2OOᵀ');
  return R;
}

/**
 * Derive a concrete mirror's laws: that L(Rθ) = L(θ) (proved, or refuted with a counterexample), the
 * symmetric set Oᵀθ = 0 row-reduced and classified (sparsity, identical units), its invariance under
 * GD and SGD with weight decay, the block-diagonal Hessian on it, and the attraction threshold
 * γ* = −λ_min(OᵀHO)/2 (in closed form for a single constraint). {@link derive} calls this for
 * `kind: 'mirror'`.
 *
 * @param d - A mirror declaration (a linear involution of a scalar loss's parameters).
 * @param opts - Seed and random points for the numeric confirmations.
 * @throws {@link InputError} when the action is not linear, not an involution or not orthogonal.
 */
export function deriveMirror(d: MirrorDeclaration, opts: DeriveOptions = {}): Derivation {
  const c = mirrorContext(d, opts);
  const invariance = invarianceLaw(c);
  // Nothing is derived from an involution that is not a symmetry.
  if (invariance.verdict.kind === 'refuted') return result(d, c.seed, [invariance]);
  const { law: constraint, constraints } = constraintLaw(c);
  const set = onTheSet(c);
  // On a set that lies on a kink of the loss, the derivatives these laws need do not exist.
  const onSet = (l: Law): Law =>
    set.kink === undefined
      ? l
      : {
          ...l,
          verdict: {
            kind: 'inconclusive',
            reason:
              `the set lies on a kink of the loss (${toText(set.kink)} = 0 there), where ∇L and H need not ` +
              'exist: one-sided derivatives decide nothing',
          },
        };
  return result(d, c.seed, [
    invariance,
    constraint,
    onSet(invariantSetLaw(c, constraints, set)),
    onSet(hessianBlockLaw(c, set)),
    onSet(thresholdLaw(c, set)),
  ]);
}

/** What every law of a mirror derivation starts from. */
interface MirrorContext {
  readonly d: MirrorDeclaration;
  readonly seed: number;
  /** The parameters, in order. */
  readonly P: readonly string[];
  readonly n: number;
  /** The action: the image of each parameter. */
  readonly psi: readonly Expr[];
  /** The reflection R, exact. */
  readonly R: RMat;
  /** A = (I − R)/2 = OOᵀ, the projector onto the reflected directions. */
  readonly A: RMat;
  /** The row-reduced constraint rows (Oᵀθ = 0 ⟺ rows·θ = 0) and their pivot columns. */
  readonly rows: Rational[][];
  readonly pivots: readonly number[];
  /** The number of reflected directions. */
  readonly m: number;
  readonly variables: readonly Variable[];
  /** Decide that a sum of terms vanishes, with this derivation's seed, points and CAS choice. */
  readonly ask: (
    terms: readonly Expr[],
    claim: string,
    vars?: readonly Variable[],
    report?: Record<string, Expr>,
  ) => Verdict;
}

const identity = (i: number, j: number): Rational => (i === j ? Q.ONE : Q.ZERO);

function mirrorContext(d: MirrorDeclaration, opts: DeriveOptions): MirrorContext {
  const seed = opts.seed ?? 1;
  const points = opts.points ?? 48;
  const cas = opts.cas ?? false;
  const P = d.parameters;
  const R = reflectionOf(d);
  const A: RMat = R.map((row, i) => row.map((x, j) => Q.div(Q.sub(identity(i, j), x), Q.rat(2))));
  const { rows, pivots } = rref(A);
  if (rows.length === 0)
    throw new InputError(d.origin, 'action', 'the action is the identity: it reflects nothing');
  const variables: Variable[] = [
    ...P.map((name) => ({ name, role: 'parameter' as const })),
    ...d.data.map((name) => ({ name, role: 'data' as const })),
    ...d.constants.map((name) => ({ name, role: 'constant' as const })),
  ];
  return {
    d,
    seed,
    P,
    n: P.length,
    psi: P.map((p) => d.action.find((a) => a.target === p)?.expr ?? sym(p)),
    R,
    A,
    rows,
    pivots,
    m: rows.length,
    variables,
    ask: zeroAsker({ seed, points, cas }, variables),
  };
}

/** 1. The mirror is a symmetry of the loss: L(Rθ) = L(θ). */
function invarianceLaw({ d, P, psi, variables, ask }: MirrorContext): Law {
  const moved = substitute(d.loss, new Map(P.map((p, i) => [p, psi[i]!])));
  const inv = ask([moved, mul(num(-1), d.loss)], 'the reflection leaves the loss unchanged', variables, {
    'L(θ)': d.loss,
    'L(Rθ)': moved,
  });
  return {
    kind: 'law',
    id: 'invariance',
    parameter: 'R',
    title: 'Mirror symmetry of the loss',
    statement: { text: 'L(Rθ) = L(θ) for all θ and data', latex: 'L(R\\theta) = L(\\theta)' },
    data: { kind: 'expr', expr: sub(moved, d.loss) },
    verdict: inv,
  };
}

/** 2. The constraint set Oᵀθ = 0, as independent linear equations, and the structure it forces. */
function constraintLaw({ d, P, R, rows, m }: MirrorContext): { law: Law; constraints: Expr[] } {
  const rowExpr = (r: Rational[]): Expr => add(...r.map((c, j) => mul(num(c), sym(P[j]!))));
  const constraints = rows.map(rowExpr);
  const kinds = rows.map((r) => {
    const nz = r.map((c, j) => [c, j] as const).filter(([c]) => !Q.isZero(c));
    if (nz.length === 1) return `${P[nz[0]![1]]} = 0`;
    if (nz.length === 2 && Q.cmp(nz[0]![0], Q.neg(nz[1]![0])) === 0)
      return `${P[nz[0]![1]]} = ${P[nz[1]![1]]}`;
    return undefined;
  });
  const zeros = kinds.filter((k) => k?.endsWith('= 0')).length;
  const equal = kinds.filter((k) => k && !k.endsWith('= 0')).length;
  const structure =
    zeros === m
      ? "sparsity: the symmetric solutions set these parameters to zero (a dead unit when they are a unit's weights)"
      : equal === m
        ? 'identical parameters: the symmetric solutions make them equal (homogeneous, identical units)'
        : 'a structured subspace (e.g. low rank for a reflection inside a rotation-symmetric factorisation)';
  const law: Law = {
    kind: 'law',
    id: 'mirror-constraint',
    parameter: 'O',
    title: `Symmetric solutions: Oᵀθ = 0 (${m} constraint${m > 1 ? 's' : ''})`,
    statement: {
      text: constraints.map((c) => `${toText(c)} = 0`).join(', '),
      latex: constraints.map((c) => `${toLatex(c)} = 0`).join(', \\; '),
    },
    data: { kind: 'vector', components: Object.fromEntries(constraints.map((c, i) => [`c${i + 1}`, c])) },
    verdict: {
      kind: 'proved',
      method: 'exact rational linear algebra: R² = I, R = Rᵀ, Oᵀθ = 0 ⟺ (I − R)θ/2 = 0 row-reduced',
      evidence:
        `R = [${R.map((r) => r.map(Q.toString).join(', ')).join('; ')}]` +
        (d.surface
          ? ` = I − 2O(OᵀO)⁻¹Oᵀ from the declared surface ` +
            `O = [${d.surface.map((v) => v.join(', ')).join('; ')}] (rows: columns of O)`
          : ''),
    },
    note: structure,
  };
  return { law, constraints };
}

/** The symmetric set parametrised by the free parameters, and the loss's derivatives there. */
interface OnTheSet {
  /** Each pivot parameter in terms of the free ones. */
  readonly onSet: ReadonlyMap<string, Expr>;
  /** The variables left free on the set. */
  readonly setVars: readonly Variable[];
  /** ∇L on the set. */
  readonly gOnSet: readonly Expr[];
  /** The Hessian on the set. */
  readonly H: readonly (readonly Expr[])[];
  /** An argument of a kinked function in the loss that vanishes identically on the set, if any. */
  readonly kink?: Expr;
}

function onTheSet({ d, P, rows, pivots, variables }: MirrorContext): OnTheSet {
  const onSet = new Map<string, Expr>(
    rows.map((r, i) => {
      const p = pivots[i]!;
      return [
        P[p]!,
        add(...r.map((c, j) => (j === p || Q.isZero(c) ? ZERO_E : mul(num(Q.neg(c)), sym(P[j]!))))),
      ];
    }),
  );
  const setVars = variables.filter((v) => !onSet.has(v.name));
  const grad = gradient(d.loss, P);
  const gOnSet = grad.map((g) => substitute(g, onSet));
  // Symmetric (mixed partials commute wherever the loss is twice differentiable, which is where these
  // laws are decided): each pair is differentiated once.
  const H: Expr[][] = P.map(() => []);
  P.forEach((_, i) =>
    gradient(grad[i]!, P.slice(i)).forEach((h, k) => {
      H[i]![i + k] = substitute(h, onSet);
      H[i + k]![i] = H[i]![i + k]!;
    }),
  );
  const kink = kinkArguments([d.loss]).find((k) => exactZero(substitute(k, onSet)) === 'zero');
  return { onSet, setVars, gOnSet, H, ...(kink ? { kink } : {}) };
}

/**
 * 3. Invariance of the set under GD/SGD with weight decay: (I − R)∇L = 0 on the set (and (I − R)θ = 0
 * there).
 */
function invariantSetLaw(
  { rows, ask }: MirrorContext,
  constraints: readonly Expr[],
  { setVars, gOnSet }: OnTheSet,
): Law {
  const inset = rows.map((r, i) => {
    const terms = r.map((c, j) => mul(num(c), gOnSet[j]!)).filter((t) => !isNum(t, 0));
    return terms.length
      ? ask(terms, `constraint ${i + 1} of Oᵀ∇L vanishes on the set`, setVars)
      : ({ kind: 'proved', method: 'trivial', evidence: 'every term vanishes' } as Verdict);
  });
  return {
    kind: 'law',
    id: 'invariant-set',
    parameter: 'O',
    title: 'The symmetric set is invariant under GD and SGD with weight decay',
    statement: {
      text:
        `on ${constraints.map((c) => `${toText(c)} = 0`).join(', ')}: Oᵀ∇(L + γ‖θ‖²) = 0, so θ − ` +
        `η(∇L + 2γθ) stays on the set for every minibatch, η and γ`,
      latex: 'O^\\top \\nabla (L + \\gamma \\lVert\\theta\\rVert^2) = 0 \\text{ on } O^\\top\\theta = 0',
    },
    data: { kind: 'none' },
    verdict: weakest(inset),
  };
}

/**
 * 4. Block-diagonal Hessian on the set: A H (I − A) = 0 there. A's rows span the same space as the
 * row-reduced constraint rows, and (I − A)'s columns the null space of those rows (the unreflected
 * directions: A and I − A are complementary projectors), so the law is decided as rows·H·N = 0 with
 * N the null-space basis read off the row-reduced form: m(n − m) entries instead of n², each a
 * combination of A H (I − A)'s entries and each of those a combination of them.
 */
function hessianBlockLaw({ P, rows, pivots, ask }: MirrorContext, { setVars, H }: OnTheSet): Law {
  const { free, basis } = reducedNullspace(rows, pivots, P.length);
  // Rows and basis vectors by their nonzero entries: only those leave terms.
  const sparse = (x: readonly Rational[]): [number, Rational][] =>
    x.flatMap((c, k): [number, Rational][] => (Q.isZero(c) ? [] : [[k, c]]));
  const columns = basis.map(sparse);
  const blocks: Verdict[] = [];
  rows.map(sparse).forEach((row, i) =>
    columns.forEach((v, b) => {
      const terms: Expr[] = [];
      for (const [k, a] of row)
        for (const [l, c] of v) {
          const t = mul(num(Q.mul(a, c)), H[k]![l]!);
          if (!isNum(t, 0)) terms.push(t);
        }
      if (terms.length)
        blocks.push(
          ask(
            terms,
            `constraint row ${i + 1} times H along the unreflected direction of ${P[free[b]!]} vanishes ` +
              'on the set',
            setVars,
          ),
        );
    }),
  );
  return {
    kind: 'law',
    id: 'hessian-block',
    parameter: 'O',
    title: 'On the set the Hessian is block-diagonal',
    statement: {
      text: 'OᵀH(I − OOᵀ) = 0 on the set: curvature along the reflected directions decouples from the rest',
      latex: 'O^\\top H (I - O O^\\top) = 0',
    },
    data: { kind: 'none' },
    verdict: blocks.length
      ? weakest(blocks)
      : { kind: 'proved', method: 'trivial', evidence: 'every entry vanishes term by term' },
  };
}

/** 5. The attraction threshold γ* = −λ_min(OᵀHO)/2: closed forms for one and two reflected directions. */
function thresholdLaw({ P, A, rows, m }: MirrorContext, { H }: OnTheSet): Law {
  if (m === 1) {
    // One reflected direction o (A = o oᵀ): oᵀHo = tr(A H).
    const quad = add(
      ...A.flatMap((row, i) => row.map((a, j) => (Q.isZero(a) ? ZERO_E : mul(num(a), H[j]![i]!)))),
    );
    const gstar = mul(num(Q.rat(-1, 2)), expanded(quad));
    return {
      kind: 'law',
      id: 'attraction-threshold',
      parameter: 'O',
      title: 'Local attraction threshold for weight decay γ (L + γ‖θ‖²)',
      statement: {
        text:
          `the set attracts gradient flow locally iff γ > γ* = −½ oᵀHo = ${toText(gstar)} (on ` +
          `the set, for the data at hand)`,
        latex: `\\gamma > \\gamma^\\ast = ${toLatex(gstar)}`,
      },
      data: { kind: 'expr', expr: gstar },
      verdict: {
        kind: 'proved',
        method:
          'linearisation on the set: the reflected coordinate obeys ż = −(oᵀHo + 2γ) z, since the ' +
          'Hessian is block-diagonal there',
        evidence: 'oᵀHo computed from the loss on the set',
      },
      note: 'for a batch, H is the mean Hessian; with enough weight decay every global minimum lies on the set [SIS]',
    };
  } else {
    // Reflected directions spanned by the constraint rows B (m×n): the eigenvalues of OᵀHO are those of
    // the pencil (B H Bᵀ, B Bᵀ), i.e. of M = (B Bᵀ)⁻¹ B H Bᵀ (exact rational G = B Bᵀ; B has full rank).
    const B = rows;
    const idx = B.map((_, i) => i);
    const BHB = idx.map((i) =>
      idx.map((j) =>
        add(
          ...P.flatMap((_, k) =>
            P.map((__, l) =>
              Q.isZero(B[i]![k]!) || Q.isZero(B[j]![l]!)
                ? ZERO_E
                : mul(num(Q.mul(B[i]![k]!, B[j]![l]!)), H[k]![l]!),
            ),
          ),
        ),
      ),
    );
    const G = idx.map((i) => idx.map((j) => Q.dot(B[i]!, B[j]!)));
    const Ginv = inverse(G);
    const M = idx.map((i) =>
      idx.map((j) =>
        add(...idx.map((k) => (Q.isZero(Ginv[i]![k]!) ? ZERO_E : mul(num(Ginv[i]![k]!), BHB[k]![j]!)))),
      ),
    );
    const evidence = `B = [${B.map((r) => r.map(Q.toString).join(', ')).join('; ')}]`;
    const note =
      'for a batch, H is the mean Hessian; with enough weight decay every global minimum lies on the set [SIS]';
    if (m === 2) {
      // The smaller eigenvalue in closed form: λ_min = tr M/2 − √(tr² M/4 − det M).
      const tr = add(M[0]![0]!, M[1]![1]!);
      const dt = sub(mul(M[0]![0]!, M[1]![1]!), mul(M[0]![1]!, M[1]![0]!));
      const disc = expanded(sub(mul(num(Q.rat(1, 4)), tr, tr), dt));
      const lmin = add(
        mul(num(Q.rat(1, 2)), expanded(tr)),
        mul(num(-1), { kind: 'call', fn: 'sqrt', args: [disc] }),
      );
      const gstar = expanded(mul(num(Q.rat(-1, 2)), lmin));
      return {
        kind: 'law',
        id: 'attraction-threshold',
        parameter: 'O',
        title: 'Local attraction threshold for weight decay γ (L + γ‖θ‖²)',
        statement: {
          text:
            `the set attracts gradient flow locally iff γ > γ* = −λ_min(OᵀHO)/2 = ` +
            `${toText(gstar)} (on the set, for the data at hand)`,
          latex: `\\gamma > \\gamma^\\ast = ${toLatex(gstar)}`,
        },
        data: { kind: 'expr', expr: gstar },
        verdict: {
          kind: 'proved',
          method:
            'linearisation on the set (block-diagonal Hessian); the smaller eigenvalue of the 2×2 ' +
            'pencil (B H Bᵀ, B Bᵀ) in closed form',
          evidence,
        },
        note,
      };
    } else {
      // No closed form for the smallest eigenvalue: the m×m matrix itself, to evaluate at a point.
      const Mx = M.map((row) => row.map((e) => expanded(e)));
      return {
        kind: 'law',
        id: 'attraction-threshold',
        parameter: 'O',
        title: 'Local attraction threshold for weight decay γ (L + γ‖θ‖²)',
        statement: {
          text:
            `the set attracts gradient flow locally iff γ > γ* = −λ_min(M)/2, M = (BBᵀ)⁻¹BHBᵀ = ` +
            `[${Mx.map((r) => r.map(toText).join(', ')).join('; ')}] (similar to the ${m}×${m} OᵀHO; ` +
            `on the set, for the data at hand)`,
          latex:
            `\\gamma > -\\tfrac12 \\lambda_{\\min}(M), \\; M = \\begin{pmatrix} ` +
            `${Mx.map((r) => r.map(toLatex).join(' & ')).join(' \\\\ ')} \\end{pmatrix}`,
        },
        data: { kind: 'expr-matrix', rows: Mx },
        verdict: {
          kind: 'proved',
          method:
            `linearisation on the set (block-diagonal Hessian); OᵀHO is similar to M = ` +
            `(BBᵀ)⁻¹BHBᵀ for the ${m} constraint rows B`,
          evidence,
        },
        note: `${note}; noether check evaluates λ_min at sampled points`,
      };
    }
  }
}

function result(d: MirrorDeclaration, seed: number, laws: Law[]): Derivation {
  return {
    kind: 'derivation',
    schemaVersion: SCHEMA_VERSION,
    declaration: declarationRef(d),
    seed,
    generators: [],
    laws: assertUniqueLaws(laws),
    verdict: weakest(laws.map((l) => l.verdict)),
  };
}
