/**
 * SGD with weight decay, any minibatch: Q((1 − ηλ)θ − ηg) expanded exactly. A closed one-step
 * recursion when the first-order part is a multiple of the gradient constraint, the θ-part a
 * multiple of Q and the second-order part a multiple of Q₂(g); its continuous form (t = ηk); and
 * for a pure scale generator, normalisation as adaptive optimisation.
 */
import { num, mul, add, sub, neg, pow, ONE_E } from '../../expr/ast';
import { toText } from '../../expr/print';
import { exactZero, expanded } from '../../expr/normal';
import { letter, type WordSum } from '../../derive/words';
import { proved, none, tidy, polynomialCoefficients, type ChargeContext } from './context';
import type { RuleOf } from '../rule';
import type { DynamicsLaw } from './types';

/** c·X with the coefficient in parentheses, or X alone when c is 1 (no weight decay). */
const times = (c: string, x: string): string => (c === '1' ? x : `(${c})·${x}`);
const timesLatex = (c: string, x: string): string => (c === '1' ? x : `\\left(${c}\\right) ${x}`);

export function sgdLaws(c: ChargeContext, rule: RuleOf<'sgd'>): DynamicsLaw[] {
  const { decl, alg, S, Q, GC, blocks, eta, lambda, degrees, quadQ, qn, withLetters, derivation } = c;
  const laws: DynamicsLaw[] = [];
  // θ − η(g + λθ) = (1 − ηλ) θ − η g.
  const E = S.canon(
    alg.substitute(
      Q,
      new Map(
        blocks.map((b) => [
          b,
          [
            { coef: sub(ONE_E, mul(eta, lambda)), letter: letter('block', b) },
            { coef: neg(eta), letter: letter('grad', b) },
          ],
        ]),
      ),
    ),
  );
  const [E0, E1, E2] = [0, 1, 2].map((k) => S.part(E, 'grad', k)) as [WordSum, WordSum, WordSum];
  const c1 = S.ratio(E1, GC);
  const c0 = S.ratio(E0, Q);
  const quadG = withLetters(quadQ, 'grad');
  const c2 = S.ratio(E2, quadG);
  if (c1 === undefined)
    laws.push(
      none(
        `the first-order term ${S.text(E1)} is not a multiple of the gradient constraint (a charge ` +
          `mixing degrees under weight decay)`,
      ),
    );
  else if (c0 === undefined)
    laws.push(
      none(
        `the θ-part ${S.text(E0)} is not a multiple of ${qn} (the charge mixes degrees ${[...degrees].join(' and ')})`,
      ),
    );
  else if (c2 === undefined)
    laws.push(none(`the second-order term ${S.text(E2)} is not a multiple of ${qn}₂(g)`));
  else {
    const shrink = sub(ONE_E, mul(eta, lambda));
    const [a, b] = [
      tidy(
        c0,
        [...degrees].map((p) => pow(shrink, num(p))),
      ),
      tidy(c2),
    ];
    const g2 = quadG.length ? S.text(quadG) : '0';
    laws.push({
      kind: 'dynamics-law',
      id: 'exact-recursion',
      title: 'SGD with weight decay: exact one-step recursion (any minibatch)',
      statement: {
        text:
          `${qn}_{k+1} = ${times(a.text, `${qn}_k`)}` +
          (quadG.length ? ` + (${b.text})·${qn}₂(g_k),  ${qn}₂(g) = ${g2}` : ''),
        latex:
          `${qn}_{k+1} = ${timesLatex(a.latex, `${qn}_k`)}` +
          (quadG.length
            ? ` + \\left(${b.latex}\\right) ${qn}_2(g_k), \\quad ${qn}_2(g) = ${S.latex(quadG)}`
            : ''),
      },
      data: { kind: 'recursion', cQ: c0, cG: c2, quadG, cDropped: c1 },
      verdict: proved(
        `Q((1 − ηλ)θ − ηg) expanded; its first-order part is (${tidy(c1).text}) × the gradient ` +
          `constraint, which vanishes on every minibatch`,
      ),
      note:
        'g_k is the gradient of the minibatch loss used at step k; the recursion holds for every ' +
        'minibatch because the gradient constraint does',
    });
    // A pure scale generator (X_B = c θ_B, one c for every block): the loss is invariant under
    // θ ↦ sθ (s > 0), so g(sθ) = g(θ)/s, and with Q = (c/2)ρ², Q₂(g) = (c/2)‖g‖² = (c/2)‖ĝ‖²/ρ²
    // the recursion becomes ρ²_{k+1} = cQ ρ²_k + cG ‖ĝ_k‖²/ρ²_k, whose fixed point is
    // ρ⁴ = cG ‖ĝ‖²/(1 − cQ).
    const comps = derivation.generators[0]?.components ?? [];
    const scales = comps.map((cp) =>
      cp.sum &&
      cp.sum.length === 1 &&
      cp.sum[0]!.word.length === 1 &&
      cp.sum[0]!.word[0]!.kind === 'block' &&
      !cp.sum[0]!.word[0]!.t
        ? cp.sum[0]!.coef
        : undefined,
    );
    const pureScale =
      comps.length === decl.blocks.length &&
      scales.every((x) => x !== undefined) &&
      scales.every((x) => exactZero(sub(x!, scales[0]!)) === 'zero');
    if (pureScale) {
      // A steady state exists only where ρ² shrinks by itself (c_Q ≠ 1: weight decay). Without it,
      // ρ⁴_{k+1} = ρ⁴_k + 2c_G‖ĝ_k‖² + c_G²‖ĝ_k‖⁴/ρ⁴_k
      //          ≥ ρ⁴_k + 2c_G‖ĝ_k‖²: ρ grows without bound.
      const decays = exactZero(sub(ONE_E, c0)) !== 'zero';
      const steady = decays ? mul(c2, pow(sub(ONE_E, c0), num(-1))) : undefined;
      const st = steady && tidy(steady, [mul(eta, pow(mul(lambda, sub(num(2), mul(eta, lambda))), num(-1)))]);
      laws.push({
        kind: 'dynamics-law',
        id: 'normalisation',
        title: st
          ? 'Normalisation as adaptive optimisation: effective learning rate and steady state'
          : 'Normalisation as adaptive optimisation: effective learning rate; ρ never decreases',
        statement: {
          text:
            `g(sθ) = g(θ)/s for s > 0, so with ρ = ‖θ‖ and ĝ = g(θ/ρ): ρ²_{k+1} = ` +
            `${times(a.text, 'ρ²_k')} + (${b.text})·‖ĝ_k‖²/ρ²_k; the direction θ/ρ moves with effective ` +
            `learning rate η/ρ²; ` +
            (st
              ? `steady state ρ⁴ = (${st.text})·‖ĝ‖²`
              : `no weight-decay equilibrium: ρ⁴_k ≥ ρ⁴_0 + 2(${b.text})·Σ_{j<k} ‖ĝ_j‖², so ρ never ` +
                `decreases and grows without bound exactly when Σ‖ĝ_j‖² diverges (e.g. persistent ` +
                `minibatch noise), the effective learning rate falling with it`),
          latex:
            `\\rho_{k+1}^2 = ${timesLatex(a.latex, '\\rho_k^2')} + \\left(${b.latex}\\right) ` +
            `\\frac{\\lVert \\hat g_k \\rVert^2}{\\rho_k^2}, \\quad ` +
            (st
              ? `\\rho^4_\\ast = \\left(${st.latex}\\right) \\lVert \\hat g \\rVert^2`
              : `\\rho_k^4 \\ge \\rho_0^4 + 2\\left(${b.latex}\\right) \\sum_{j<k} ` +
                `\\lVert \\hat g_j \\rVert^2`),
        },
        data: { kind: 'normalisation', cQ: c0, cG: c2, ...(steady ? { steady } : {}) },
        verdict: proved(
          'the generator is a pure scaling of every block, so the loss is invariant under θ ↦ sθ and ' +
            'g is homogeneous of degree −1; the exact recursion then closes in ρ²',
        ),
        note: st
          ? 'ĝ changes with the direction θ/ρ: the steady state is that of ρ for a given ‖ĝ‖² ' +
            '(with minibatch noise, its mean); `check --rule sgd(…)` checks g(θ/ρ) = ρ g(θ) at every ' +
            'step and reports ρ⁴ against the prediction'
          : 'the bound follows from the recursion squared (its last term is ≥ 0), and ρ⁴ also ' +
            'stays below ρ⁴_0 + Σ(2c‖ĝ_j‖² + c²‖ĝ_j‖⁴/ρ⁴_0), bounded when ' +
            'Σ‖ĝ_j‖² converges; `check --rule sgd(…)` checks g(θ/ρ) = ρ g(θ) at every step',
      });
    }
    // Continuous time t = ηk: Q(t + η) = c_Q Q(t) + c_G Q₂(g) is matched to first order in η by
    // dQ/dt = r Q + s Q₂(g) with e^{rη} = c_Q and s = c_G/η. For c_Q = 1 + a₁η + a₂η² + …,
    // r = ln(c_Q)/η = a₁ + (a₂ − a₁²/2)η + O(η²). (The forward difference (c_Q − 1)/η = a₁ + a₂η
    // is wrong at first order whenever a₁ ≠ 0, i.e. with weight decay; the modified flow agrees
    // with r.)
    const cs = polynomialCoefficients(c0, rule.params.lr.symbol);
    if (!cs) {
      laws.push(none(`the decay factor ${toText(c0)} is not polynomial in the learning rate`));
      return laws;
    }
    const [a1, a2] = [cs[1] ?? num(0), cs[2] ?? num(0)];
    const rate = expanded(add(a1, mul(sub(a2, mul(num({ n: 1n, d: 2n }), pow(a1, num(2)))), eta))),
      source = mul(c2, pow(eta, num(-1)));
    const [rt, sc] = [tidy(rate), tidy(source)];
    // Without weight decay the rate is exactly 0: Q only accumulates the source.
    const still = exactZero(rate) === 'zero';
    const src = quadG.length ? ` + (${sc.text})·${qn}₂(g)` : '';
    laws.push({
      kind: 'dynamics-law',
      id: 'continuous-form',
      title: 'Finite learning rate, continuous time t = ηk (modified flow)',
      statement: {
        text: still
          ? `d${qn}/dt = ${quadG.length ? `(${sc.text})·${qn}₂(g)` : '0'}: to first order in η, ` +
            `${qn}(t) = ${qn}(0)${quadG.length ? ` + (${sc.text}) ∫₀ᵗ ${qn}₂(g(τ)) dτ` : ''}`
          : `d${qn}/dt = (${rt.text})·${qn}${src}: to ` +
            `first order in η, ${qn}(t) = e^{(${rt.text}) t} ` +
            `${qn}(0)${quadG.length ? ` + (${sc.text}) ∫₀ᵗ e^{(${rt.text})(t−τ)} ${qn}₂(g(τ)) dτ` : ''}`,
        latex: still
          ? `\\frac{d${qn}}{dt} = ${quadG.length ? `\\left(${sc.latex}\\right) ${qn}_2(g)` : '0'}`
          : `\\frac{d${qn}}{dt} = \\left(${rt.latex}\\right) ` +
            `${qn}${quadG.length ? ` + \\left(${sc.latex}\\right) ${qn}_2(g)` : ''}`,
      },
      data: { kind: 'continuous', rate, source, quadG },
      verdict: proved(
        'the exact recursion read in time t = ηk: rate ln(c_Q)/η to first order in η (the modified flow ' +
          'θ̇ = −d − (η/2)(H + λ)d gives the same rate and source), source c_G/η',
      ),
      note:
        'discrete GD follows gradient flow to first order in η and the modified flow θ̇ = −d − ' +
        '(η/2)(H + λ)d, d = g + λθ, to second order; `check --rule sgd(…)` measures both orders',
    });
  }
  return laws;
}
