/**
 * What `noether derive` does for a block-level declaration with sites: the derivation assumes
 * invariance (a block-level declaration has no loss of its own), so it is tested, cheaply, on
 * sampled networks at the declared sites and reported as the first law. For a continuous symmetry
 * the test is ⟨∇L, X⟩ = 0 — invariance to first order, equivalent to invariance of the connected
 * group — and for a mirror L(Rθ) = L(θ) with ∇L(Rθ) = R∇L(θ). A refuted invariance refutes the
 * derivation; `noether check` goes further.
 */
import type { BlockDeclaration, BlockMirrorDeclaration } from '../declaration/types';
import { type Derivation, type Law, blockInvariance } from '../derivation';
import { type Verdict, weakest } from '../verdict';
import { checkDeclaration } from './block';
import { mirrorSymmetryVerdict } from './mirror';

/** Networks per site kind for the test at derive time. */
export const DERIVE_INVARIANCE_RUNS = 8;

/** The derivation with its invariance tested on sampled networks at the declaration's sites. */
export function withTestedInvariance(
  decl: BlockDeclaration | BlockMirrorDeclaration,
  d: Derivation,
  opts: { readonly seed?: number; readonly runs?: number } = {},
): Derivation {
  if (decl.sites.length === 0) return d; // the derivation already states the assumption
  // Pointwise laws only: the integrated flow (check's last step) says nothing more about invariance.
  const run = { seed: opts.seed ?? d.seed, runs: opts.runs ?? DERIVE_INVARIANCE_RUNS, flowRuns: 0 };
  let verdict: Verdict;
  let parameter: string;
  if (decl.kind === 'block') {
    // only the gradient constraints test invariance: checked alone, no H v is computed
    const first = (l: Law): boolean =>
      l.id === 'gradient-constraint' || l.id === 'gradient-constraint-matrix';
    const report = checkDeclaration(decl, run, { ...d, laws: d.laws.filter(first) });
    verdict = report.laws.length
      ? weakest(report.laws.map((l) => l.verdict))
      : { kind: 'inconclusive', reason: 'no gradient constraint to test invariance with' };
    parameter = decl.parameter;
  } else {
    verdict = mirrorSymmetryVerdict(decl, run);
    parameter = 'R';
  }
  const law: Law = blockInvariance(parameter, described(verdict, decl));
  const laws = [law, ...d.laws];
  return { ...d, laws, verdict: weakest(laws.map((l) => l.verdict)) };
}

/** The verdict with what was tested said in its words. */
function described(v: Verdict, decl: BlockDeclaration | BlockMirrorDeclaration): Verdict {
  const what =
    decl.kind === 'block'
      ? `⟨∇L, X⟩ = 0 (invariance to first order) on sampled networks at ${decl.sites.join(', ')} sites`
      : `L(Rθ) = L(θ) and ∇L(Rθ) = R∇L(θ) on sampled networks at ${decl.sites.join(', ')} sites`;
  switch (v.kind) {
    case 'numerically-verified':
      return { ...v, why: `${what}; \`noether check\` samples more` };
    case 'refuted':
      return { ...v, why: `not a symmetry of the networks: ${v.why}` };
    default:
      return v;
  }
}
