/**
 * The constraint recipe derived (docs/theory.md §4.7): for a reparametrisation w = φ(θ) = M_1 ⋯ M_K
 * trained with weight decay λ‖θ‖², the penalty it induces on w, R(w) = min_{φ(θ) = w} λ‖θ‖².
 *
 * 1. The rescalings M_j ↦ M_j A, M_{j+1} ↦ A⁻¹ M_{j+1} leave φ unchanged: their generators X
 *    (M_j E, −E M_{j+1}) annihilate φ (exact normal form). Their orbits lie in the fibres {φ = w}.
 * 2. Along a generator the cost changes at the rate D_X ‖θ‖² = 2Q, Q = ½ D_X ‖θ‖² the Noether charge
 *    (M_jᵀM_j − M_{j+1}M_{j+1}ᵀ): a minimum of the cost on a fibre has every charge 0 (balance).
 * 3. A balanced point on the slice (each factor m on its diagonal) has φ = m^b and cost c·m^a
 *    (a, b, c read off and then proved exactly); the sign flip and rotations of w move it anywhere
 *    (exact equivariance), so R(w) = λ c Σ (magnitude)^(a/b) over entries, groups or singular values.
 *
 * That the balanced point is the minimum over the whole fibre (the lower bound) is the theorem of
 * proofs/recipe-*.ts; this module derives which penalty the balance condition gives.
 */
import { add, mul, neg, num, pow, substitute, sym, type Expr } from '../expr/ast';
import { diff } from '../expr/diff';
import { evaluate } from '../expr/evaluate';
import { expanded } from '../expr/normal';
import { toText } from '../expr/print';
import { rat, toString as ratText, type Rational } from '../expr/rational';
import type { ProofStep } from '../certificate';
import { decideZero } from '../verify/zero';
import {
  allSymbols,
  chain,
  cost,
  domainOf,
  FACTOR_SLICE,
  factors,
  familyText,
  symbolMatrix,
  type EMat,
  type Factor,
  type Family,
} from './family';
import { PenaltyError, RECIPE_LIMITS, penaltyText, type Penalty, type PenaltyDomain } from './penalty';

/** What the derivation found for one family. */
export interface RecipeDerivation {
  readonly family: Family;
  readonly reparametrisation: string;
  /** The rescaling symmetry of φ, in words. */
  readonly symmetry: string;
  /** The derived charges (normal forms), one per generator shown. */
  readonly charges: readonly string[];
  /** Exponent a/b of the induced penalty (exact). */
  readonly exponent: string;
  /** Coefficient c: R(w) = λ·c·Σ magnitude^(a/b). */
  readonly coefficient: string;
  /** The induced penalty in words, with λ the weight decay. */
  readonly penalty: string;
  readonly steps: readonly ProofStep[];
}

const SHOWN_CHARGES = 4;
const MAX_SHOWN = 100;

/** A directional derivative D_X f = Σ_s X_s ∂f/∂s. */
const along = (x: ReadonlyMap<string, Expr>, f: Expr): Expr =>
  add(...[...x].map(([s, xs]) => mul(xs, diff(f, s))));

/** A generator (a map symbol → component) from a matrix of components over a factor's symbols. */
function generator(into: Map<string, Expr>, m: Factor, comp: EMat): void {
  m.symbols.forEach((row, i) => row.forEach((s, j) => into.set(s, add(into.get(s) ?? num(0), comp[i]![j]!))));
}

const elementary = (n: number, k: number, l: number): EMat =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (__, j) => num(i === k && j === l ? 1 : 0)));
const scaleMat = (a: EMat, c: number): EMat => a.map((r) => r.map((x) => mul(num(c), x)));
const matMul = (a: EMat, b: EMat): EMat => chain([a, b]);

/** The rescaling generators: pair j, entry (k, l) of the shared dimension. */
function rescalings(fs: readonly Factor[]): { j: number; k: number; l: number; x: Map<string, Expr> }[] {
  const out = [];
  for (let j = 0; j + 1 < fs.length; j++) {
    const n = fs[j]!.symbols[0]!.length;
    for (let k = 0; k < n; k++)
      for (let l = 0; l < n; l++) {
        const E = elementary(n, k, l);
        const x = new Map<string, Expr>();
        generator(x, fs[j]!, matMul(symbolMatrix(fs[j]!), E));
        generator(x, fs[j + 1]!, scaleMat(matMul(E, symbolMatrix(fs[j + 1]!)), -1));
        out.push({ j, k, l, x });
      }
  }
  return out;
}

/** Σ_o τ_o r_o with fresh symbols τ_o: zero exactly iff every r_o is. */
const bundle = (rs: readonly Expr[]): { e: Expr; taus: string[] } => {
  const taus = rs.map((_, i) => `tau${i + 1}`);
  return { e: add(...rs.map((r, i) => mul(sym(taus[i]!), r))), taus };
};

function identity(claim: string, lhs: Expr, rhs: Expr, vars: readonly string[], seed: number): ProofStep {
  const verdict = decideZero({
    terms: [lhs, neg(rhs)],
    variables: vars.map((name) => ({ name, role: 'parameter' as const })),
    seed,
    claim,
  });
  return { claim, verdict };
}

/** Several identities r_o = 0 decided as one (fresh multipliers). */
function identities(claim: string, rs: readonly Expr[], vars: readonly string[], seed: number): ProofStep {
  const { e, taus } = bundle(rs);
  return identity(claim, e, num(0), [...vars, ...taus], seed);
}

const clipText = (s: string): string => (s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}…` : s);

/** The balanced lift on the slice: each factor holds m_1, m_2, … on its diagonal. */
function lift(fs: readonly Factor[]): { map: Map<string, Expr>; ms: string[] } {
  const r = Math.min(...fs.map((m) => Math.min(m.symbols.length, m.symbols[0]!.length)));
  const ms = Array.from({ length: r }, (_, i) => `m${i + 1}`);
  const map = new Map<string, Expr>();
  for (const m of fs)
    m.symbols.forEach((row, i) => row.forEach((s, j) => map.set(s, i === j && i < r ? sym(ms[i]!) : num(0))));
  return { map, ms };
}

/** An integer exponent d with f(2) = c·2^d, f(1) = c (c ≠ 0), read off numerically (then proved). */
function degree(f: Expr, m: string): { d: number; c: number } {
  const at = (x: number): number => evaluate(f, new Map([[m, x]]));
  const c = at(1);
  return { d: Math.round(Math.log2(at(2) / c)), c };
}

/** The slice of a family: φ(lift) = m^b on the diagonal, cost(lift) = c Σ m^a, each proved exactly. */
export function sliceDegrees(f: Family, seed = 1): { a: number; b: number; c: number; steps: ProofStep[] } {
  const fs = factors(f);
  const { map, ms } = lift(fs);
  const phi = chain(fs.map(symbolMatrix)).map((row) => row.map((e) => substitute(e, map)));
  const k = cost(fs);
  const kl = substitute(k, map);
  const only1 = (e: Expr): Expr => substitute(e, new Map(ms.slice(1).map((m) => [m, num(0)])));
  const { d: b, c: cphi } = degree(only1(phi[0]![0]!), ms[0]!);
  const { d: a, c } = degree(only1(kl), ms[0]!);
  const steps: ProofStep[] = [];
  if (cphi !== 1 || !Number.isInteger(c) || b < 1 || a < 1) {
    steps.push({
      claim: 'the balanced slice has φ = m^b and cost c·Σ m^a',
      verdict: { kind: 'inconclusive', reason: `the slice reads φ₁₁(1) = ${cphi}, cost(1) = ${c}` },
    });
    return { a, b, c, steps };
  }
  const expect: Expr[] = [];
  phi.forEach((row, i) =>
    row.forEach((e, j) =>
      expect.push(add(e, neg(i === j && i < ms.length ? pow(sym(ms[i]!), num(b)) : num(0)))),
    ),
  );
  steps.push(
    identities(`on the balanced slice φ = diag(m^${b}) (entries m_i^${b}, all else 0)`, expect, ms, seed),
    identity(
      `and the cost ‖θ‖² = ${c}·Σ_i m_i^${a}`,
      kl,
      mul(num(c), add(...ms.map((m) => pow(sym(m), num(a))))),
      ms,
      seed,
    ),
  );
  return { a, b, c, steps };
}

/** The symmetry of a family in words. */
function symmetryText(f: Family): string {
  switch (f.kind) {
    case 'product':
      return 'u_j ↦ e^t u_j, u_{j+1} ↦ e^{−t} u_{j+1} (each adjacent pair of factors, per entry)';
    case 'group':
      return 's ↦ e^t s, v ↦ e^{−t} v (per group)';
    case 'factor':
      return 'M_j ↦ M_j A, M_{j+1} ↦ A⁻¹ M_{j+1} (A invertible, each adjacent pair)';
  }
}

/** The full derivation of the penalty a family induces. */
export function deriveFamily(f: Family, seed = 1): RecipeDerivation {
  const fs = factors(f);
  const vars = allSymbols(fs);
  const phi = chain(fs.map(symbolMatrix));
  const k = cost(fs);
  const steps: ProofStep[] = [];
  const gens = rescalings(fs);
  // 1. Invariance of φ under every rescaling generator.
  steps.push(
    identities(
      `φ = ${familyText(f)} is invariant under ${symmetryText(f)}: D_X φ = 0 for ` +
        (gens.length === 1 ? 'its generator' : `all ${gens.length} generators`) +
        (f.kind === 'factor' ? ` (written on ${FACTOR_SLICE} × ${FACTOR_SLICE} factors)` : ''),
      gens.flatMap((g) => phi.flat().map((e) => along(g.x, e))),
      vars,
      seed,
    ),
  );
  // 2. The charges: half the rate of the cost along each generator.
  const charges = gens.map((g) => expanded(mul(num(rat(1, 2)), along(g.x, k))));
  const shown = gens
    .map((g, i) => ({ g, q: charges[i]! }))
    .filter(({ g }) => f.kind !== 'factor' || g.j === 0)
    .slice(0, SHOWN_CHARGES)
    .map(({ g, q }) => {
      const where = f.kind === 'factor' ? `Q_${g.j + 1}[${g.k + 1}${g.l + 1}]` : `Q_${g.j + 1}`;
      return `${where} = ${clipText(toText(q))}`;
    });
  // 3. The balanced slice: every charge vanishes there.
  const { map, ms } = lift(fs);
  steps.push(
    identities(
      'the slice (each factor m_i on its diagonal) is balanced: every charge vanishes there',
      charges.map((q) => substitute(q, map)),
      ms,
      seed,
    ),
  );
  const { a, b, c, steps: slice } = sliceDegrees(f, seed);
  steps.push(...slice);
  // 4. Equivariance: a sign flip and rotations of w are matched by moves of the outer factors.
  const first = fs[0]!,
    last = fs[fs.length - 1]!;
  const flip = new Map(first.symbols.flat().map((s) => [s, neg(sym(s))]));
  steps.push(
    identities(
      'M_1 ↦ −M_1 maps φ to −φ and keeps the cost',
      [...phi.flat().map((e) => add(substitute(e, flip), e)), add(substitute(k, flip), neg(k))],
      vars,
      seed,
    ),
  );
  const rots: Expr[] = [];
  const rows = first.symbols.length,
    cols = last.symbols[0]!.length;
  for (let l = 1; l < rows; l++) {
    const O = add2(elementary(rows, 0, l), scaleMat(elementary(rows, l, 0), -1));
    const x = new Map<string, Expr>();
    generator(x, first, matMul(O, symbolMatrix(first)));
    const want = matMul(O, phi);
    phi.forEach((row, i) => row.forEach((e, j) => rots.push(add(along(x, e), neg(want[i]![j]!)))));
    rots.push(along(x, k));
  }
  for (let l = 1; l < cols; l++) {
    const O = add2(elementary(cols, 0, l), scaleMat(elementary(cols, l, 0), -1));
    const x = new Map<string, Expr>();
    generator(x, last, matMul(symbolMatrix(last), O));
    const want = matMul(phi, O);
    phi.forEach((row, i) => row.forEach((e, j) => rots.push(add(along(x, e), neg(want[i]![j]!)))));
    rots.push(along(x, k));
  }
  if (rots.length)
    steps.push(
      identities(
        'rotations of w (Ω M_1, M_K Ω, Ω antisymmetric) rotate φ the same way and keep the cost',
        rots,
        vars,
        seed,
      ),
    );
  const e = rat(a, b);
  const size = f.size !== undefined ? { size: f.size } : {};
  const induced: Penalty = { text: '', domain: domainOf(f), exponent: e, ...size };
  return {
    family: f,
    reparametrisation: familyText(f),
    symmetry: symmetryText(f),
    charges: shown,
    exponent: ratText(e),
    coefficient: String(c),
    penalty: `R(w) = ${c}λ·${penaltyText(induced)}`,
    steps,
  };
}

const add2 = (a: EMat, b: EMat): EMat => a.map((r, i) => r.map((x, j) => add(x, b[i]![j]!)));

/** The families that act on a domain, shallowest first. */
export function candidates(domain: PenaltyDomain, size?: number): Family[] {
  const depths = Array.from({ length: RECIPE_LIMITS.depth - 1 }, (_, i) => i + 2);
  switch (domain) {
    case 'entry':
      return depths.map((depth) => ({ kind: 'product', depth }));
    case 'group':
      return [{ kind: 'group', depth: 2, size: size ?? 1 }];
    case 'singular':
      return depths.map((depth) => ({ kind: 'factor', depth }));
  }
}

const sameRational = (x: Rational, a: number, b: number): boolean => x.n * BigInt(b) === BigInt(a) * x.d;

/**
 * The family whose derived penalty is the requested one (same domain, same exponent), with its
 * derivation; a PenaltyError naming the penalty when no family induces it.
 */
export function recipeFor(p: Penalty, seed = 1): RecipeDerivation {
  const tried: string[] = [];
  for (const f of candidates(p.domain, p.size)) {
    const { a, b } = sliceDegrees(f, seed);
    tried.push(ratText(rat(a, b)));
    if (sameRational(p.exponent, a, b)) return deriveFamily(f, seed);
  }
  const e = ratText(p.exponent);
  throw new PenaltyError(
    `no reparametrisation family induces ${penaltyText(p)}: with weight decay the families give exponents ` +
      `${tried.join(', ')}, not ${e}${e === '2' ? ' (exponent 2 is weight decay on w itself)' : ''}`,
  );
}
