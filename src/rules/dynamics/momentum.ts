/**
 * Heavy-ball momentum (PyTorch convention with dampening): the continuous limit as a damped,
 * driven oscillator for charges of degree 1 or 2, and an exact two-step recursion for linear charges.
 */
import { type Expr, sym, num, numValue, mul, add, sub, neg, pow, substitute, ONE_E } from '../../expr/ast';
import { div, rat } from '../../expr/rational';
import { expanded } from '../../expr/normal';
import { toText, toLatex } from '../../expr/print';
import type { Rendered } from '../../derivation';
import { proved, none, tidy, tidyExpr, linearCoefficient, hyperExpr, type ChargeContext } from './context';
import type { RuleOf } from '../rule';
import type { DynamicsLaw } from './types';

export function momentumLaws(c: ChargeContext, rule: RuleOf<'momentum'>): DynamicsLaw[] {
  const { S, GC, eta, lambda, homogeneous, quadQ, dgQ, killedByConstraint, qn, withLetters } = c;
  const laws: DynamicsLaw[] = [];
  const beta = hyperExpr(rule.params.beta),
    damp = hyperExpr(rule.params.dampening);
  if ((homogeneous === 1 || homogeneous === 2) && killedByConstraint) {
    const { c1, m } = heavyBallOde(eta, beta, damp);
    // Then Q̈ = 2 Q₂(θ̇) + ⟨X, θ̈⟩ and m⟨X, θ̈⟩ = −(c₁ Q̇ + ⟨X, g⟩ + λ D_θ Q), with
    // ⟨X, g⟩ = 0 and D_θ Q = p Q.
    const gamma = mul(c1, pow(mul(num(2), m), num(-1)));
    const omega2 = mul(num(homogeneous), lambda, pow(m, num(-1)));
    const quadV = withLetters(quadQ, 'step');
    // Shown in terms of m, as derived; the data keeps the full expressions.
    const mSym = sym('m');
    const show = (e: Expr): Rendered => ({ text: toText(e), latex: toLatex(e) });
    const mShown = tidy(m, [mul(eta, sub(ONE_E, damp), add(ONE_E, beta), num({ n: 1n, d: 2n }))]);
    const [mt, gt, wt] = [
      mShown,
      show(overTwoM(tidyExpr(c1, [sub(ONE_E, beta)]), mSym)),
      show(mul(num(homogeneous), lambda, pow(mSym, num(-1)))),
    ];
    // The Green's-function solution of the driven oscillator.
    const green = `∫₀ᵗ e^{−γ(t−τ)} sin(ω_d(t−τ))/ω_d · 2${qn}₂(θ'(τ)) dτ`;
    const driven = quadV.length ? `; driven part ${green}` : '';
    laws.push({
      kind: 'dynamics-law',
      id: 'oscillator',
      title: 'Heavy-ball momentum, continuous limit: a damped, driven oscillator',
      statement: {
        text:
          `${qn}'' + 2γ ${qn}' + ω² ${qn} = ` +
          `${quadV.length ? `2·${qn}₂(θ') with ${qn}₂(u) = ${S.text(quadV)}` : '0'};  t = η(1−d)k, ` +
          `m = ${mt.text}, γ = ${gt.text}, ω² = ${wt.text}. ` +
          `Homogeneous solutions: under-damped (ω > γ) e^{−γt}(A cos ω_d t + B sin ω_d t), ω_d = ` +
          `√(ω² − γ²); critically damped (ω = γ) e^{−γt}(A + B t); over-damped (ω < γ) A ` +
          `e^{−(γ−√(γ²−ω²))t} + B e^{−(γ+√(γ²−ω²))t}` +
          driven,
        latex:
          `\\ddot ${qn} + 2\\gamma \\dot ${qn} + \\omega^2 ${qn} = ` +
          `${quadV.length ? `2 ${qn}_2(\\dot\\theta)` : '0'}, \\quad m = ${mt.latex}, \\ \\gamma = ` +
          `${gt.latex}, \\ \\omega^2 = ${wt.latex}`,
      },
      data: { kind: 'oscillator', m, gamma, omega2, quadV },
      verdict: proved(
        `along m θ̈ + (1 − β) θ̇ = −(g + λθ): Q̈ = 2Q₂(θ̇) + ⟨X, θ̈⟩; ⟨X, g⟩ = 0 (gradient ` +
          `constraint) and D_θ Q = ${homogeneous}·Q`,
      ),
      note:
        'started at θ̇(0) = −(g₀ + λθ₀)/(1 + β) (matching the displacement of the discrete ' +
        'parasitic mode β^k that v₀ = 0 excites), the limit is second order in η; `check --rule ' +
        'momentum(…)` measures the order',
    });
  }
  if (homogeneous === 1 && killedByConstraint) {
    // Derived by elimination: s_{k+1} = s_k − η Q(v_{k+1}), Q(v_{k+1}) = β Q(v_k) + (1 − d)(Q(g_k) + λ s_k)
    // (Q is linear), and Q(v_k) = (s_{k−1} − s_k)/η; Q(g_k) is a multiple of the gradient constraint.
    const [s0, s1, gq] = [sym('__s0'), sym('__s1'), sym('__g')];
    const next = sub(
      s0,
      mul(
        eta,
        add(mul(beta, sub(s1, s0), pow(eta, num(-1))), mul(sub(ONE_E, damp), add(gq, mul(lambda, s0)))),
      ),
    );
    const cur = expanded(linearCoefficient(next, '__s0'));
    const prev = expanded(linearCoefficient(next, '__s1'));
    const cG = expanded(linearCoefficient(next, '__g'));
    const [c, p] = [tidy(cur, [add(ONE_E, beta, neg(mul(eta, sub(ONE_E, damp), lambda)))]), tidy(prev)];
    laws.push({
      kind: 'dynamics-law',
      id: 'two-step-recursion',
      title: 'Heavy-ball momentum: exact two-step recursion (linear charge)',
      statement: {
        text: `${qn}_{k+1} = (${c.text})·${qn}_k + (${p.text})·${qn}_{k−1}`,
        latex: `${qn}_{k+1} = \\left(${c.latex}\\right) ${qn}_k + \\left(${p.latex}\\right) ${qn}_{k-1}`,
      },
      data: { kind: 'two-step', cur, prev, cDropped: mul(cG, S.ratio(dgQ, GC) ?? num(0)) },
      verdict: proved(
        `${qn} is linear and ${qn}(g) = ${S.text(dgQ)} is a multiple of the gradient constraint, so ` +
          `${qn}(v_{k+1}) = β ${qn}(v_k) + (1 − d) λ ${qn}_k with ${qn}(v_k) = (${qn}_{k−1} − ${qn}_k)/η`,
      ),
      note:
        'v₀ = 0, v_{k+1} = β v_k + (1 − d)(g_k + λθ_k), θ_{k+1} = θ_k − η v_{k+1} (PyTorch sets ' +
        'v₁ = g₀ + λθ₀ without dampening; the two agree when d = 0)',
    });
  } else {
    laws.push(
      none(
        homogeneous === 1
          ? 'the charge is linear but its derivative along g is not a multiple of the gradient constraint'
          : `the charge is quadratic: Q(θ_{k+1}) involves ⟨X(θ_k), v_{k+1}⟩, and v_{k+1} mixes ` +
              `gradients of earlier steps taken at other parameters, for which the gradient constraint ` +
              `at θ_k says nothing — no closed recursion in ${qn} (the continuous-time oscillator ` +
              `form is the approximation)`,
      ),
    );
  }
  return laws;
}

/**
 * Heavy-ball momentum's continuous limit m θ̈ + c₁ θ̇ = −(g + λθ), derived:
 * v_{k+1} − βv_k = (1 − d)(g + λθ) and θ_{k+1} − θ_k = −η v_{k+1} give
 * (θ_{k+1} − θ_k) − β(θ_k − θ_{k−1}) = −h (g + λθ), h = η(1 − d). Taylor-expanding θ(t ± h) to
 * second order and dividing by h gives c₁ θ̇ + m θ̈, read off the normal form (time t = hk).
 * With β = 0 and d = 0 it is GD's second-order modified equation (η/2) θ̈ + θ̇.
 */
export function heavyBallOde(eta: Expr, beta: Expr, damp: Expr): { readonly c1: Expr; readonly m: Expr } {
  const [T0, T1, T2, hS] = [sym('__T0'), sym('__T1'), sym('__T2'), sym('__h')];
  const at = (sgn: number): Expr =>
    add(T0, mul(num(sgn), hS, T1), mul(num({ n: 1n, d: 2n }), pow(hS, num(2)), T2));
  const taylor = sub(sub(at(1), T0), mul(beta, sub(T0, at(-1))));
  const h = mul(eta, sub(ONE_E, damp));
  const perH = (symbol: string): Expr =>
    substitute(mul(linearCoefficient(taylor, symbol), pow(hS, num(-1))), new Map([['__h', h]]));
  return { c1: expanded(perH('__T1')), m: perH('__T2') };
}

/** c/(2m) as shown: a numeric c folded into one coefficient (1/(20 m), not 1/(10·2·m)). */
function overTwoM(c: Expr, m: Expr): Expr {
  return c.kind === 'num'
    ? mul(num(div(numValue(c), rat(2))), pow(m, num(-1)))
    : mul(c, pow(mul(num(2), m), num(-1)));
}
