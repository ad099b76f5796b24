/**
 * Mirror symmetries at block level [SIS]: an involution θ ↦ Rθ of parameter blocks, each block's
 * image a sum of c · L θ_C R' (constant matrices L, R' around one block, possibly another block:
 * swaps exchange blocks). The loss is the network at the declaration's sites, so invariance is an
 * assumption that `noether check` tests on sampled networks. From the action alone, in the word
 * algebra (every size at once):
 *
 *   reflection  R² = I (applying the action twice) and R = Rᵀ
 *               (Σ⟨φ_B, (Rθ)_B⟩ = Σ⟨(Rφ)_B, θ_B⟩ as traces)
 *   constraint  Oᵀθ = 0 ⟺ (θ − Rθ)/2 = 0, block by block, and what it forces: blocks set to zero
 *               (sparsity, a dead unit), blocks made equal (identical units), a projector annihilating
 *               a factor (low rank)
 *   invariant   L(Rθ) = L(θ) ⇒ ∇L(Rθ) = Rᵀ∇L(θ) = R∇L(θ); on the set Rθ = θ, so (g − Rg)/2 = 0 and,
 *   set         with (θ − Rθ)/2 = 0, GD and SGD on L + γ‖θ‖² stay on it (every minibatch, η, γ)
 *   Hessian     H(Rθ) = R H(θ) R ⇒ on the set H R = R H: H is block-diagonal in (OOᵀ, I − OOᵀ)
 *   threshold   the set attracts gradient flow on L + γ‖θ‖² locally iff γ > −λ_min(OᵀHO)/2
 *               (numeric per network)
 *
 * Independent confirmation: the blocks are instantiated at small sizes (symbolic entries, a concrete
 * rational projector), the involution R is read off entrywise and must be an orthogonal involution
 * in exact rationals, and the block constraint and gradient formulas must equal (θ − Rθ)/2 and
 * (∇F − R∇F)/2 entrywise for a generic polynomial F. The laws on the set follow from invariance,
 * R = Rᵀ and R² = I by the chain rule (above), for every invariant loss; what an instance can test
 * of them is their block formulas, which it compares.
 */
import { type Expr, add, mul, num, symbols, ONE_E, neg, sym, isNum } from '../expr/ast';
import { diff } from '../expr/diff';
import { exactZero } from '../expr/normal';
import * as Q from '../expr/rational';
import type { BlockMirrorDeclaration, MirrorDeclaration, Shape } from '../declaration/types';
import { ONES } from '../declaration/types';
import { InputError } from '../declaration/errors';
import {
  Algebra,
  letter,
  type WordSum,
  type Word,
  matrixText,
  matrixLatex,
  type LetterKind,
} from '../derive/words';
import { Instance, flat } from '../derive/instantiate';
import { shapeOf, dimsOf, dimsText, fail, hasExpm, type Ctx } from '../derive/block';
import { reflectionOf } from './derive';
import { type Verdict, weakest } from '../verdict';
import {
  type Derivation,
  type Law,
  SCHEMA_VERSION,
  declarationRef,
  assertUniqueLaws,
  blockInvariance,
  ASSUMED_INVARIANCE,
} from '../derivation';
import type { DeriveOptions } from '../derive/concrete';

/** One term of a block's image: coef · left · θ_source · right. */
export interface ReflectionTerm {
  readonly coef: Expr;
  readonly left: Word;
  readonly source: string;
  readonly right: Word;
}
/** The involution, block by block: (Rθ)_B = Σ terms. */
export type BlockReflection = ReadonlyMap<string, readonly ReflectionTerm[]>;

/** Value of a block-level mirror expression as a word sum (no group parameter: no derivative). */
function value(ctx: Ctx, e: Expr): WordSum {
  const { decl, alg } = ctx;
  const matrixSyms = new Set([...decl.blocks.map((b) => b.name), ...decl.constants.map((c) => c.name), ONES]);
  if (![...symbols(e)].some((s) => matrixSyms.has(s))) {
    if (hasExpm(e)) fail(ctx, 'expm has no place in a mirror (an involution is linear)');
    return alg.matrix([{ coef: e, word: [] }]);
  }
  switch (e.kind) {
    case 'sym': {
      if (e.name === ONES)
        return fail(ctx, `a mirror must be linear in the blocks (ψ(0) = 0): '${ONES}' shifts them`);
      const isBlock = decl.blocks.some((b) => b.name === e.name);
      return [{ coef: ONE_E, word: [letter(isBlock ? 'block' : 'const', e.name)] }];
    }
    case 'add':
      return alg.plus(...e.terms.map((t) => value(ctx, t)));
    case 'mul':
      return e.factors.map((t) => value(ctx, t)).reduce((x, y) => alg.times(x, y));
    default:
      return fail(
        ctx,
        'unsupported form in a block-level mirror (write sums of constants · blocks · constants)',
      );
  }
}

/** Read the involution from a block-level mirror declaration (shapes checked, linearity required). */
export function blockReflection(
  decl: BlockMirrorDeclaration,
  alg: Algebra = algebraOf(decl),
): BlockReflection {
  const out = new Map<string, ReflectionTerm[]>();
  for (const b of decl.blocks) {
    const entry = decl.action.find((a) => a.target === b.name);
    if (!entry) {
      out.set(b.name, [{ coef: ONE_E, left: [], source: b.name, right: [] }]);
      continue;
    }
    const ctx: Ctx = { decl, entry, alg };
    const s = shapeOf(ctx, entry.expr);
    const want = dimsOf(b.shape);
    const got = s.kind === 'scalar' ? (['1', '1'] as const) : s.dims;
    if (s.kind === 'scalar' && b.shape.kind !== 'scalar')
      fail(ctx, `a mirror must be linear in the blocks: the image of ${b.name} mentions no block`);
    if (got[0] !== want[0] || got[1] !== want[1])
      fail(
        ctx,
        `the action changes the shape of block ${b.name}: ${dimsText(want)} becomes ${dimsText(got)}`,
      );
    const terms = value(ctx, entry.expr).map((t) => {
      const at = t.word.map((l, i) => (l.kind === 'block' ? i : -1)).filter((i) => i >= 0);
      if (at.length === 0)
        fail(
          ctx,
          `a mirror must be linear in the blocks (ψ(0) = 0): the term ${matrixText([t])} mentions no block`,
        );
      if (at.length > 1)
        fail(
          ctx,
          `a mirror must be linear in the blocks: the term ${matrixText([t])} is a product of blocks`,
        );
      const l = t.word[at[0]!]!;
      if (l.t) fail(ctx, `a mirror may not transpose a block (${matrixText([t])})`);
      const src = decl.blocks.find((x) => x.name === l.name)!;
      const [sr, sc] = dimsOf(src.shape);
      if (src.name !== b.name && (sr !== want[0] || sc !== want[1]) && t.word.length === 1)
        fail(ctx, `maps block ${src.name} ${dimsText([sr, sc])} onto ${b.name} ${dimsText(want)}`);
      return { coef: t.coef, left: t.word.slice(0, at[0]!), source: l.name, right: t.word.slice(at[0]! + 1) };
    });
    out.set(b.name, terms);
  }
  return out;
}

export function algebraOf(decl: BlockMirrorDeclaration): Algebra {
  return new Algebra(
    new Map(decl.constants.map((c) => [c.name, c.structure])),
    new Map<string, Shape>([
      ...decl.blocks.map((b) => [b.name, b.shape] as const),
      ...decl.constants.map((c) => [c.name, c.shape] as const),
    ]),
  );
}

/** R applied to block-valued word sums (θ, ∇L, …): (R v)_B = Σ c · left · v_source · right. */
export function applyReflection(
  alg: Algebra,
  R: BlockReflection,
  v: ReadonlyMap<string, WordSum>,
): Map<string, WordSum> {
  return new Map(
    [...R].map(([b, terms]) => [
      b,
      alg.plus(
        ...terms.map((t) =>
          alg.times(alg.times([{ coef: t.coef, word: t.left }], v.get(t.source)!), [
            { coef: ONE_E, word: t.right },
          ]),
        ),
      ),
    ]),
  );
}

const lettersOf = (decl: BlockMirrorDeclaration, kind: LetterKind): Map<string, WordSum> =>
  new Map(decl.blocks.map((b) => [b.name, [{ coef: ONE_E, word: [letter(kind, b.name)] }]]));

/** Rθ block by block, as word sums in the blocks (what `noether check` evaluates on networks). */
export type ReflectionSums = ReadonlyMap<string, WordSum>;

export function reflectionSums(decl: BlockMirrorDeclaration): Map<string, WordSum> {
  const alg = algebraOf(decl);
  return applyReflection(alg, blockReflection(decl, alg), lettersOf(decl, 'block'));
}

/** (v − Rv)/2 for each block: the projection O Oᵀ v onto the reflected directions. */
export function reflectedPart(
  alg: Algebra,
  R: BlockReflection,
  v: ReadonlyMap<string, WordSum>,
): Map<string, WordSum> {
  const Rv = applyReflection(alg, R, v);
  return new Map(
    [...v].map(([b, x]) => [b, alg.scale(alg.plus(x, alg.scale(Rv.get(b)!, num(-1))), num(Q.rat(1, 2)))]),
  );
}

/** The distinct non-zero components of a block map (a component equal to ± another is dropped). */
function distinct(alg: Algebra, m: ReadonlyMap<string, WordSum>): [string, WordSum][] {
  const kept: [string, WordSum][] = [];
  for (const [b, s] of m) {
    if (alg.isZero(s)) continue;
    if (kept.some(([, k]) => alg.equalMatrix(k, s) || alg.equalMatrix(k, alg.scale(s, num(-1))))) continue;
    kept.push([b, s]);
  }
  return kept;
}

/** "x = 0", "x = y" or "P x = 0" for 2K (K = (θ − Rθ)/2). */
function equationText(alg: Algebra, s: WordSum, latex: boolean): string {
  const two = alg.scale(s, num(2));
  const show = (w: WordSum): string => (latex ? matrixLatex(w) : matrixText(w));
  // A single term c · w = 0 is w = 0 (c ≠ 0: it is a kept, non-zero component).
  if (two.length === 1) return `${show([{ coef: ONE_E, word: two[0]!.word }])} = 0`;
  if (two.length === 2) {
    const [p, q] = two as [WordSum[number], WordSum[number]];
    if (exactZero(add(p.coef, q.coef)) === 'zero')
      return `${show([{ coef: ONE_E, word: p.word }])} = ${show([{ coef: ONE_E, word: q.word }])}`;
  }
  return `${show(two)} = 0`;
}

/**
 * Rθ of a declared mirror, which must be an orthogonal reflection other than the identity: R² = I
 * and R = Rᵀ, decided in the word algebra (every size). Otherwise the declaration is refused (InputError).
 */
export function requireReflection(
  decl: BlockMirrorDeclaration,
  alg: Algebra = algebraOf(decl),
  R: BlockReflection = blockReflection(decl, alg),
): ReflectionSums {
  const input = (detail: string): never => {
    throw new InputError(decl.origin, 'action', detail);
  };
  const theta = lettersOf(decl, 'block');
  const grad = lettersOf(decl, 'grad');
  const twice = applyReflection(alg, R, applyReflection(alg, R, theta));
  for (const [b, x] of twice)
    if (!alg.equalMatrix(x, theta.get(b)!)) {
      const unprojected = decl.constants.some(
        (c) => c.structure !== 'projector' && decl.action.some((a) => symbols(a.expr).has(c.name)),
      );
      input(
        `the action is not an involution: applying it twice maps ${b} to ${matrixText(x)}` +
          (unprojected ? ' (a reflection I − 2P needs P declared with structure: projector)' : ''),
      );
    }
  const Rtheta = applyReflection(alg, R, theta),
    Rgrad = applyReflection(alg, R, grad);
  const left = alg.trace(decl.blocks.flatMap((b) => alg.inner(grad.get(b.name)!, Rtheta.get(b.name)!)));
  const right = alg.trace(decl.blocks.flatMap((b) => alg.inner(Rgrad.get(b.name)!, theta.get(b.name)!)));
  if (!alg.equalTrace(left, right))
    input('the involution is not an orthogonal reflection (R ≠ Rᵀ); SIS mirrors are I − 2OOᵀ');
  if (distinct(alg, reflectedPart(alg, R, theta)).length === 0)
    input('the action is the identity: it reflects nothing');
  return Rtheta;
}

/**
 * Derive a block-level mirror's laws for every width at once: R² = I and R = Rᵀ decided in the block
 * algebra, the symmetric set (θ − Rθ)/2 = 0 block by block and what it forces (zero blocks, equal
 * blocks, low rank), the gradient law and invariance under GD/SGD there, and the Hessian block. The
 * loss's invariance is an assumption bound to the sites; {@link check} tests it on sampled networks.
 * {@link derive} calls this for `kind: 'block-mirror'`.
 *
 * @param decl - A block-level mirror declaration.
 * @param opts - Seed for the independent confirmation at small sizes.
 * @throws {@link InputError} when the action is not an orthogonal reflection or reflects nothing.
 */
export function deriveBlockMirror(decl: BlockMirrorDeclaration, opts: DeriveOptions = {}): Derivation {
  const seed = opts.seed ?? 1;
  const alg = algebraOf(decl);
  const R = blockReflection(decl, alg);
  const theta = lettersOf(decl, 'block');
  const grad = lettersOf(decl, 'grad');
  // Without sites nothing can test invariance: the laws are conditional on it, never plainly proved.
  const laws: Law[] = decl.sites.length === 0 ? [blockInvariance('R', ASSUMED_INVARIANCE)] : [];
  const Rtheta = requireReflection(decl, alg, R);

  const inst = new Instance(decl, seed);
  const sizes = inst.describeSizes();
  const check = instantiationCheck(decl, alg, R, inst, seed);
  const certify = (method: string, evidence: string): Verdict =>
    check.kind === 'proved'
      ? {
          kind: 'proved',
          method:
            `${method}; exact check at sizes ${sizes} (R read entrywise is an orthogonal involution; ` +
            `(θ − Rθ)/2 and (∇F − R∇F)/2 entrywise equal the block formulas, F a generic polynomial)`,
          evidence,
        }
      : check;
  const given =
    'holds for every loss invariant under the mirror (at block level invariance is tested on ' +
    'sampled networks: by `noether derive` at the declared sites, and further by `noether check`)';

  // The constraint set Oᵀθ = 0.
  const K = reflectedPart(alg, R, theta);
  const parts = distinct(alg, K);
  const eqs = parts.map(([, s]) => equationText(alg, s, false));
  const eqsL = parts.map(([, s]) => equationText(alg, s, true));
  const single = parts.every(([, s]) => s.length === 1 && s[0]!.word.length === 1);
  const pairs = parts.every(([, s]) => s.length === 2 && s.every((t) => t.word.length === 1));
  const projectors = decl.constants.filter(
    (c) =>
      c.structure === 'projector' &&
      parts.some(([, s]) => s.some((t) => t.word.some((l) => l.kind === 'const' && l.name === c.name))),
  );
  const structure = single
    ? `sparsity: the symmetric solutions set ${parts.map(([b]) => b).join(', ')} to zero (a dead ` +
      `unit when they are a unit's weights)`
    : pairs
      ? 'identical units: the symmetric solutions make the exchanged blocks equal (homogeneous ' +
        'ensembling; equal factors of a product)'
      : projectors.length
        ? `low rank: ${projectors.map((p) => p.name).join(', ')} annihilates ` +
          `${parts.map(([b]) => b).join(', ')} on the set, so a product through the reflected space ` +
          `loses rank(${projectors.map((p) => p.name).join(', ')})`
        : 'a structured subspace of the blocks';
  laws.push({
    kind: 'law',
    id: 'mirror-constraint',
    parameter: 'O',
    title: `Symmetric solutions: Oᵀθ = 0 (${parts.length} block equation${parts.length > 1 ? 's' : ''})`,
    statement: { text: eqs.join(', '), latex: eqsL.join(', \\; ') },
    data: { kind: 'blocks', components: Object.fromEntries(K) },
    verdict: certify(
      'block algebra: R² = I and R = Rᵀ reduced to identities of words, Oᵀθ = 0 ⟺ (θ − Rθ)/2 = 0',
      `R: ${[...Rtheta].map(([b, x]) => `${b} ↦ ${matrixText(x)}`).join(', ')}`,
    ),
    note: structure,
  });

  // Invariance of the set under GD/SGD with weight decay.
  const G = reflectedPart(alg, R, grad);
  const gparts = distinct(alg, G);
  laws.push({
    kind: 'law',
    id: 'invariant-set',
    parameter: 'O',
    title: 'The symmetric set is invariant under GD and SGD with weight decay',
    statement: {
      text:
        `on ${eqs.join(', ')}: ${gparts.map(([, s]) => equationText(alg, s, false)).join(', ')}; ` +
        `so θ − η(∇L + 2γθ) stays on the set for every minibatch, η and γ`,
      latex: `${gparts.map(([, s]) => equationText(alg, s, true)).join(', \\; ')} \\text{ on } O^\\top\\theta = 0`,
    },
    data: { kind: 'blocks', components: Object.fromEntries(G) },
    verdict: certify(
      'chain rule on L(Rθ) = L(θ): ∇L(Rθ) = Rᵀ∇L(θ) = R∇L(θ), and Rθ = θ on the set',
      `Oᵀ∇L = (∇L − R∇L)/2: ${gparts.map(([b, s]) => `${b}: ${matrixText(s)}`).join(', ')}`,
    ),
    note: given,
  });

  // Block-diagonal Hessian on the set.
  laws.push({
    kind: 'law',
    id: 'hessian-block',
    parameter: 'O',
    title: 'On the set the Hessian is block-diagonal',
    statement: {
      text:
        'H R v = R H v for every direction v, on the set: curvature along the reflected ' +
        'directions decouples from the rest (OᵀH(I − OOᵀ) = 0)',
      latex: 'H R = R H \\;\\Leftrightarrow\\; O^\\top H (I - O O^\\top) = 0',
    },
    data: { kind: 'blocks', components: Object.fromEntries(Rtheta) },
    verdict: certify(
      'differentiating ∇L(Rθ) = R∇L(θ) once more: H(Rθ) R = R H(θ), and Rθ = θ on the set',
      `R: ${[...Rtheta].map(([b, x]) => `${b} ↦ ${matrixText(x)}`).join(', ')}`,
    ),
    note: given,
  });

  // The attraction threshold, numeric per network.
  laws.push({
    kind: 'law',
    id: 'attraction-threshold',
    parameter: 'O',
    title: 'Local attraction threshold for weight decay γ (L + γ‖θ‖²)',
    statement: {
      text:
        'the set attracts gradient flow locally iff γ > γ* = −λ_min(OᵀHO)/2, OᵀHO the Hessian ' +
        'along the reflected directions at the stationary point on the set (computed per network by `noether check`)',
      latex: '\\gamma > \\gamma^\\ast = -\\tfrac12 \\lambda_{\\min}(O^\\top H O)',
    },
    data: { kind: 'none' },
    verdict: {
      kind: 'proved',
      method:
        'linearisation on the set with the block-diagonal Hessian: the reflected part obeys ż = −(OᵀHO + 2γ) z',
      evidence: `${parts.length} block equation(s)`,
    },
    note: 'with enough weight decay every global minimum lies on the set [SIS]',
  });

  return {
    kind: 'derivation',
    schemaVersion: SCHEMA_VERSION,
    declaration: declarationRef(decl),
    seed,
    generators: [],
    laws: assertUniqueLaws(laws),
    verdict: weakest(laws.map((l) => l.verdict)),
  };
}

/**
 * The independent check at small sizes: R read entrywise from the action must be an orthogonal
 * involution (exact rationals), and the block formulas must equal their entrywise computation from
 * it, (θ − Rθ)/2 and (∇F − R∇F)/2 for a generic polynomial F. The laws on the set (the invariant
 * set, the Hessian block) follow from invariance, R = Rᵀ and R² = I by the chain rule, for every
 * invariant loss: what a concrete instance can test of them is their block formulas, compared here.
 */
function instantiationCheck(
  decl: BlockMirrorDeclaration,
  alg: Algebra,
  R: BlockReflection,
  inst: Instance,
  seed: number,
): Verdict {
  const params = inst.vars;
  const images = new Map<string, Expr>();
  for (const b of decl.blocks) {
    const entry = decl.action.find((a) => a.target === b.name);
    const m = entry ? inst.action(b.name, entry.expr) : inst.entries.get(b.name)!;
    flat(inst.entries.get(b.name)!).forEach((e, i) => images.set((e as { name: string }).name, flat(m)[i]!));
  }
  const concrete: MirrorDeclaration = {
    kind: 'mirror',
    name: `${decl.name}@${inst.describeSizes()}`,
    description: '',
    origin: decl.origin,
    parameters: params,
    data: [],
    constants: inst.variables.filter((v) => v.role !== 'parameter').map((v) => v.name),
    loss: inst.F,
    lossText: '',
    action: params.map((p) => ({ target: p, expr: images.get(p)!, text: '' })),
  };
  try {
    const entrywise = reflectionOf(concrete);
    // The word algebra found a reflection; an instance where it reflects nothing (a projector of
    // size 1 is the identity) compares 0 with 0 entrywise, which would test nothing.
    if (entrywise.every((row, i) => row.every((x, j) => Q.cmp(x, i === j ? Q.ONE : Q.ZERO) === 0)))
      throw new InputError(concrete.origin, 'action', 'the action is the identity: it reflects nothing');
  } catch (err) {
    if (err instanceof InputError)
      return {
        kind: 'inconclusive',
        reason:
          `the block algebra and the entrywise instantiation at sizes ${inst.describeSizes()} ` +
          `disagree: ${err.message}`,
      };
    throw err;
  }
  // The block constraint, entrywise, against (I − R)/2 read from the action.
  const K = reflectedPart(alg, R, lettersOf(decl, 'block'));
  const G = reflectedPart(alg, R, lettersOf(decl, 'grad'));
  const residuals: Expr[][] = [];
  for (const b of decl.blocks) {
    const [r, c] = inst.shapeOf(b.name);
    const k = flat(inst.matrix(K.get(b.name)!, r, c));
    const g = flat(inst.matrix(G.get(b.name)!, r, c));
    flat(inst.entries.get(b.name)!).forEach((e, i) => {
      const name = (e as { name: string }).name;
      const img = images.get(name)!;
      // (θ − ψ(θ))/2 entrywise, and (∇F − R∇F)/2 with R∇F = Σ_j R_ij ∂F/∂θ_j.
      residuals.push([k[i]!, mul(num(Q.rat(-1, 2)), add(sym(name), neg(img)))]);
      // Only the parameters ψ(θ)_i depends on (one, for a permutation) leave a term.
      const RgradF = add(
        ...params.flatMap((p) => {
          const r = diff(img, p);
          return isNum(r, 0) ? [] : [mul(r, inst.partialF(p))];
        }),
      );
      residuals.push([g[i]!, mul(num(Q.rat(-1, 2)), add(inst.partialF(name), neg(RgradF)))]);
    });
  }
  return inst.allZero(residuals, 'the block constraint and gradient formulas, entrywise', seed);
}
