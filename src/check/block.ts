/**
 * `noether check`: every law of a block-level derivation evaluated on sampled networks at the
 * declaration's sites, with exact float64 gradients and Hessian-vector products.
 *
 * Residuals are relative to the natural scale of their formula: Σ |c| Π ‖letter‖ (bind.ts), with
 * each gradient letter measured by its rounding bound (Σ |contributions|, forward rounding
 * included: numeric/bounds.ts), and for H v its own such bound. So a law on a gradient that
 * truly vanishes is judged against the size of what cancelled, not against rounding noise.
 * Every law must hold to IDENTITY_TOLERANCE.
 * Sampling is fast-check's: a failure is reported with its seed and path, and `--replay path`
 * re-runs exactly the failing case.
 */
import { flowCheck, FLOW_DEFAULT_PARAMETERS } from './flow';
import { fixedParameters } from '../../numeric/sample';
import { DegenerateSample } from '../../numeric/errors';
import { scatter, type View } from '../../numeric/sites';
import { norm2, squaresInRange } from '../../numeric/linalg';
import type { NetworkCase } from '../../numeric/arbitraries';
import type { BlockDeclaration } from '../declaration/types';
import type { Derivation, Law } from '../derivation';
import { deriveBlock } from '../derive/block';
import { weakest } from '../verdict';
import { WordEvaluator, frobenius, type Values } from './bind';
import { resolveDims, caseValues, siteBlocks, type SiteSample } from './values';
import { runModels, siteVerdict, selectedKinds, networkCheckFields } from './runner';
import type { GraphCase } from '../../numeric/graph/sites';
import { type CaseEvaluation, type CaseModel, caseModel } from './caseModel';
import type { CheckOptions, BlockCheckReport, LawCheck } from './report';

interface Bound {
  readonly laws: readonly Law[];
  readonly evaluator: WordEvaluator;
  /** The generator's vectors, reused case after case. */
  readonly work: WorkArrays;
}

/** The generator as a model-size vector, zero outside the views written. */
interface Work {
  readonly v: Float64Array;
  readonly views: View[];
}

/**
 * The generator's vectors of one residual function, by model size (sampled architectures vary:
 * biases, norms), kept for the last few sizes met: a fresh 85k-entry array costs its page faults and
 * its collection. Each is cleared where it was written, not whole.
 */
class WorkArrays {
  private readonly bySize = new Map<number, Work>();

  /** The vector for a model of `size` parameters, zero. */
  of(size: number): Work {
    let w = this.bySize.get(size);
    if (w) {
      for (const view of w.views) for (const i of view.index) w.v[i] = 0;
      w.views.length = 0;
      return w;
    }
    if (this.bySize.size >= 8) this.bySize.clear();
    w = { v: new Float64Array(size), views: [] };
    this.bySize.set(size, w);
    return w;
  }
}

/** Σ x_i² and Σ y_i², written by sumsOfSquares (a returned pair would be an allocation per call). */
const SUMS = new Float64Array(2);

/**
 * Σ x_i² and Σ y_i² (x, y of one length: H v and its bound), each in index order, in one loop: the
 * two sums are independent chains of additions, so they overlap (one pass over both vectors took
 * 0.4–0.6× the time of a pass over each). A loop with nothing after it but the stores: V8 compiles
 * a long loop on the stack (OSR) before the code after it has run, and code after it that reads an
 * imported function it has no feedback for threw the compiled loop away at the end of every call on
 * Node 22 (1.1 ms a call for 85k entries, 0.2 ms once compiled for good).
 */
function sumsOfSquares(x: Float64Array, y: Float64Array): void {
  if (x.length !== y.length) throw new Error(`internal: norms of ${x.length} and ${y.length} entries`);
  let a = 0;
  let b = 0;
  for (let i = 0; i < x.length; i++) {
    const p = x[i]!;
    const q = y[i]!;
    a += p * p;
    b += q * q;
  }
  SUMS[0] = a;
  SUMS[1] = b;
}

/**
 * ‖x‖ and ‖y‖ of two model-size vectors. Their sums run in sumsOfSquares, a function of its own:
 * inlined in a large function, the loop ran interpreted (~15 ns an entry) whenever that function was
 * being recompiled after a deoptimisation.
 */
function norms(x: Float64Array, y: Float64Array): { readonly x: number; readonly y: number } {
  sumsOfSquares(x, y);
  const x2 = SUMS[0]!;
  const y2 = SUMS[1]!;
  if (squaresInRange(x2) && squaresInRange(y2)) return { x: Math.sqrt(x2), y: Math.sqrt(y2) };
  return rescaled(x, y, x2, y2);
}

/**
 * Outside the range where squares are safe, the norms again, scaled (numeric/linalg.ts); kept out of
 * norms' loop, which it slowed 2–3× inlined. x (H v − rhs) is measured against y (its bound): while
 * ‖y‖ ≥ 1e-125, squares of x lost below the range (√(n·2⁻¹⁰⁷⁴) ≤ 1e-158 at most) are 1e-33 of y and
 * below, so √x2 stands; that is the common case, x exactly 0 where the law holds to the bit, and it
 * needs no second pass over x.
 */
function rescaled(x: Float64Array, y: Float64Array, x2: number, y2: number): { x: number; y: number } {
  const yInRange = squaresInRange(y2);
  return {
    x: squaresInRange(x2) || (yInRange && x2 < Infinity) ? Math.sqrt(x2) : norm2(x),
    y: yInRange ? Math.sqrt(y2) : norm2(y),
  };
}

/** The laws a network check evaluates (the others are decided symbolically or say why there is no charge). */
const CHECKABLE: ReadonlySet<Law['id']> = new Set([
  'gradient-constraint',
  'gradient-constraint-matrix',
  'hessian-constraint',
  'charge',
  'charge-matrix',
]);

/** Relative residual of every checkable law on one case, or undefined for a degenerate network. */
export function lawResiduals(
  decl: BlockDeclaration,
  d: Derivation,
  c: NetworkCase,
): Map<Law, number> | undefined {
  return blockResidualFunction(decl, d).residualsOf(c);
}

/** A sampled case as the residuals need it: its site and parameters, and its model (src/check/caseModel.ts). */
interface Evaluable extends SiteSample {
  readonly theta: Float64Array;
  readonly model: CaseModel;
}
const evaluable = (c: NetworkCase | GraphCase): Evaluable => ({ ...c, model: caseModel(c) });

function residuals(
  decl: BlockDeclaration,
  d: Derivation,
  bound: Bound,
  c: Evaluable,
): Map<Law, number> | undefined {
  const dims = resolveDims(decl, c);
  const { consts, scalars } = caseValues(decl, c, dims);
  const base: Values = { blocks: siteBlocks(decl, c, c.theta), consts, scalars };
  const views = c.site.views;
  const ev = bound.evaluator;
  // The generator, scattered into a full parameter vector, when a Hessian law asks for H v along it.
  let v: Float64Array | undefined;
  if (bound.laws.some((l) => l.id === 'hessian-constraint')) {
    const work = bound.work.of(c.model.size);
    v = work.v;
    for (const comp of d.generators[0]!.components) {
      const view = views[comp.target]!;
      scatter(v, view, ev.matrix(comp.sum ?? [], base, view.rows, view.cols).value.data);
      work.views.push(view);
    }
  }
  // ∇L (and H v) with their rounding bounds (asked for, so present), read in place: the site's blocks
  // of ∇L are copied out, H v is only measured.
  try {
    return c.model.evaluateWith(c.theta, v, true, (e) => lawValues(decl, bound, c, base, e));
  } catch (err) {
    if (err instanceof DegenerateSample) return undefined;
    throw err;
  }
}

/** The laws' residuals on one evaluation (its arrays valid only during the call). */
function lawValues(
  decl: BlockDeclaration,
  bound: Bound,
  c: Evaluable,
  base: Values,
  e: CaseEvaluation,
): Map<Law, number> {
  const consts = base.consts ?? {};
  const views = c.site.views;
  const ev = bound.evaluator;
  const grads = siteBlocks(decl, c, e.grad);
  const gradBounds = siteBlocks(decl, c, e.gradBound!);
  // −∇L at the site only: negate the gathered blocks, not the whole gradient.
  const minusG = Object.fromEntries(
    Object.entries(grads).map(([name, m]) => [name, { ...m, data: m.data.map((x) => -x) }]),
  );
  const vals: Values = { ...base, grads, gradBounds };
  const out = new Map<Law, number>();
  const rel = (x: number, scale: number): number =>
    scale === 0 ? (x === 0 ? 0 : Infinity) : Math.abs(x) / scale;
  for (const law of bound.laws) {
    const data = law.data;
    if (data.kind === 'trace' && law.id === 'gradient-constraint') {
      const t = ev.trace(data.sum, vals);
      out.set(law, rel(t.value, t.bound));
    } else if (data.kind === 'matrix' && law.id === 'gradient-constraint-matrix') {
      const k = consts[law.parameter]!;
      const m = ev.matrix(data.sum, vals, k.rows, k.cols);
      out.set(law, rel(frobenius(m.value), m.bound));
    } else if (law.id === 'hessian-constraint' && data.kind === 'hvp') {
      // The right-hand side at its roles' entries (zero elsewhere; a later role's entry replaces an
      // earlier one, as scattering would).
      const rhs = new Map<number, number>();
      let rhsBound = 0;
      for (const [role, sum] of Object.entries(data.rhs)) {
        const view = views[role]!;
        const m = ev.matrix(sum, vals, view.rows, view.cols);
        view.index.forEach((i, j) => rhs.set(i, m.value.data[j]!));
        rhsBound += m.bound;
      }
      // H v − rhs formed in place at those entries (the evaluation is this read's own), measured, and
      // H v restored: one pass over two model-size vectors, no third.
      const hv = e.hv!;
      const saved = new Map<number, number>();
      for (const [i, x] of rhs) {
        saved.set(i, hv[i]!);
        hv[i] = hv[i]! - x;
      }
      const r = norms(hv, e.hvBound!);
      for (const [i, x] of saved) hv[i] = x;
      // Rounding scales of both sides: Σ |contributions| to H v, and the rhs formula's bound.
      out.set(law, rel(r.x, r.y + rhsBound));
    } else if (law.id === 'charge' && data.kind === 'trace') {
      const t = ev.traceDerivative(data.sum, vals, minusG, gradBounds);
      out.set(law, rel(t.value, t.bound));
    } else if (law.id === 'charge-matrix' && data.kind === 'matrix') {
      const k = consts[law.parameter]!;
      const m = ev.matrixDerivative(data.sum, vals, minusG, k.rows, k.cols, gradBounds);
      out.set(law, rel(frobenius(m.value), m.bound));
    }
  }
  return out;
}

/** The residual function of a block check, with its keys (the checkable laws, in order). */
export function blockResidualFunction(
  decl: BlockDeclaration,
  d: Derivation,
): {
  readonly keys: readonly Law[];
  readonly residualsOf: (c: NetworkCase | GraphCase) => Map<Law, number> | undefined;
} {
  const checkable = d.laws.filter((l) => CHECKABLE.has(l.id));
  const bound: Bound = { laws: checkable, evaluator: new WordEvaluator(), work: new WorkArrays() };
  return { keys: checkable, residualsOf: (c) => residuals(decl, d, bound, evaluable(c)) };
}

/**
 * Check a block-level declaration's laws on sampled networks at its sites. `derivation` defaults
 * to the declaration's own; passing another (e.g. a deliberately wrong law) checks that instead.
 */
export function checkDeclaration(
  decl: BlockDeclaration,
  opts: CheckOptions = {},
  derivation?: Derivation,
): BlockCheckReport {
  const seed = opts.seed ?? 1;
  const { kinds, excluded } = selectedKinds(decl, opts);
  const d = derivation ?? deriveBlock(decl, { seed });
  const { keys: checkable, residualsOf } = blockResidualFunction(decl, d);
  const run = runModels(kinds, opts, checkable, (l) => l.title, residualsOf, undefined, {
    kind: 'block',
    decl,
    derivation: d,
  });
  const laws: LawCheck[] = checkable.map((l) => ({
    id: l.id,
    parameter: l.parameter,
    title: l.title,
    statement: l.statement.text,
    verdict: siteVerdict(run, l, kinds, seed, 'exact float64 gradients and Hessian-vector products'),
  }));
  // Once the laws hold pointwise: the charge along a few integrated flows (not when replaying a case).
  const charge = checkable.find((l) => l.id === 'charge' || l.id === 'charge-matrix');
  const perKind = opts.flowRuns ?? 3;
  const size = fixedParameters(opts.arch ?? {});
  const flow: BlockCheckReport['flow'] =
    !charge || perKind === 0 || run.counterexample || opts.replay !== undefined
      ? undefined
      : opts.flowRuns === undefined && size > FLOW_DEFAULT_PARAMETERS
        ? {
            kind: 'flow-not-run',
            reason:
              `about ${size} parameters, above the ${FLOW_DEFAULT_PARAMETERS} up to which the flow is ` +
              'integrated by default (--flow N integrates it from N networks per site kind)',
          }
        : flowCheck(decl, charge, kinds, opts, perKind);
  return {
    kind: 'block-check',
    ...networkCheckFields(decl, opts, { kinds, excluded }, run, laws),
    ...(flow ? { flow } : {}),
    verdict: laws.length
      ? weakest([...laws.map((l) => l.verdict), ...(flow?.kind === 'flow' ? [flow.verdict] : [])])
      : { kind: 'inconclusive', reason: 'no law can be checked numerically' },
  };
}
