/**
 * The differentiable-constraint recipe [SIS]: reparametrise w = u v and train with weight decay;
 * the penalty γ(u² + v²) over all factorisations of w is minimised at γ·2|w| — an L1 penalty on w.
 * Proof: the exact identity γ(u² + v²) − 2γ|uv| = γ(|u| − |v|)² ≥ 0 (exact normal form), so every
 * factorisation costs at least 2γ|w|, and u = v = √|w| (sign carried by one factor) attains it.
 */
import { parseExpr } from '../src/expr/parse';
import { exactZero } from '../src/expr/normal';
import { decideZero } from '../src/verify/zero';
import { certificateOf, type Certificate, type ProofStep } from '../src/certificate';
import type { Verdict } from '../src/verdict';

export const DCS_THEOREM = {
  id: 'sis-dcs-l1',
  title: 'Product parametrisation with weight decay is an L1 penalty (differentiable constraint)',
  source: 'SIS §4',
  statement: {
    text: 'min over u·v = w of γ(u² + v²) = 2γ|w|',
    latex: '\\min_{uv = w} \\gamma (u^2 + v^2) = 2\\gamma |w|',
  },
} as const;

export function proveDcs(): Certificate {
  const steps: ProofStep[] = [];
  const exact = (claim: string, residual: string): void => {
    const z = exactZero(parseExpr(residual));
    const v: Verdict =
      z === 'zero'
        ? { kind: 'proved', method: 'exact normal form reduces the residual to 0', evidence: residual }
        : decideZero({
            terms: [parseExpr(residual)],
            variables: ['u', 'v', 'w', 'gamma'].map((name) => ({ name, role: 'parameter' as const })),
            seed: 1,
            claim,
          });
    steps.push({ claim, verdict: v });
  };
  exact(
    'γ(u² + v²) − 2γ|uv| = γ(|u| − |v|)², a square, so γ(u² + v²) ≥ 2γ|uv| = 2γ|w| on u·v = w',
    'gamma*(u^2 + v^2) - 2*gamma*abs(u*v) - gamma*(abs(u) - abs(v))^2',
  );
  exact('the factorisation u = sign(w)·√|w|, v = √|w| has u·v = w', 'sign(w)*sqrt(abs(w))*sqrt(abs(w)) - w');
  exact('and costs exactly 2γ|w|', 'gamma*((sign(w)*sqrt(abs(w)))^2 + sqrt(abs(w))^2) - 2*gamma*abs(w)');
  return certificateOf(DCS_THEOREM, steps);
}
