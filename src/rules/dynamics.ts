/**
 * How a learning rule moves a charge, derived in the word algebra from the charge and the rule.
 *
 * For a charge Q of degree ≤ 2 in the blocks and an update θ ← θ − η u, expanding Q(θ − η u) is
 * exact: Q − η D_u Q + η² Q₂(u), where D_u Q is the derivative along u and Q₂ the quadratic part.
 * With u = g + λθ (SGD with weight decay, any minibatch) the substitution θ ← (1 − ηλ)θ − ηg gives
 * parts of degree 0, 1, 2 in g. The degree-1 part is dropped only when it is an exact multiple of
 * the gradient constraint (which vanishes for every minibatch); then, when the degree-0 part is a
 * multiple of Q and the degree-2 part a multiple of Q₂(g), Q obeys a closed one-step recursion.
 * Otherwise the output says which step fails. Momentum gives a two-step recursion for linear
 * charges; preconditioned steps and Adam give the exact per-step identity with the breaking term
 * −η⟨X, u⟩; gradient flow with weight decay gives dQ/dt = −λ D_θ Q (Euler degree).
 */
import { type Expr, sym, num, mul, add, sub, neg, pow, substitute, ONE_E } from '../expr/ast';
import { Normalizer, expanded, exactZero } from '../expr/normal';
import { toText, toLatex } from '../expr/print';
import {
  Algebra,
  letter,
  type WordSum,
  type Letter,
  traceText,
  traceLatex,
  matrixText,
  matrixLatex,
} from '../derive/words';
import type { BlockDeclaration } from '../declaration/types';
import type { Derivation, Law, Rendered } from '../derivation';
import type { Verdict } from '../verdict';
import type { Rule } from './rule';

export type DynamicsData =
  /** Q_{k+1} = cQ · Q_k + cG · Q₂(g_k); the dropped term was cDropped × the gradient constraint. */
  | {
      readonly kind: 'recursion';
      readonly cQ: Expr;
      readonly cG: Expr;
      readonly quadG: WordSum;
      readonly cDropped: Expr;
    }
  /** s_{k+1} = cur · s_k + prev · s_{k−1}; the dropped term was cDropped × the gradient constraint at step k. */
  | { readonly kind: 'two-step'; readonly cur: Expr; readonly prev: Expr; readonly cDropped: Expr }
  /** Q_{k+1} = Q_k − η D_u Q + η² Q₂(u_k), exact for any update u. */
  | { readonly kind: 'identity'; readonly linU: WordSum; readonly quadU: WordSum }
  /** The continuous-time form of a recursion (t = ηk): dQ/dt = rate · Q + source · Q₂(g). */
  | { readonly kind: 'continuous'; readonly rate: Expr; readonly source: Expr; readonly quadG: WordSum }
  /** Momentum's continuous limit: Q̈ + 2γ Q̇ + ω² Q = 2 Q₂(θ̇), t = η(1−d)k, m = η(1−d)(1+β)/2. */
  | {
      readonly kind: 'oscillator';
      readonly m: Expr;
      readonly gamma: Expr;
      readonly omega2: Expr;
      readonly quadV: WordSum;
    }
  /** Scale invariance under SGD: ρ = ‖θ_A‖, ĝ = g(θ̂): ρ²_{k+1} = cQ ρ²_k + cG ‖ĝ_k‖²/ρ²_k; steady state ρ⁴ = steady · ‖ĝ‖². */
  | { readonly kind: 'normalisation'; readonly cQ: Expr; readonly cG: Expr; readonly steady: Expr }
  /** For a constant per-block metric G = diag(γ_B I): Q_G (with symbols γ_B) has ∇Q_G = G X, so θ̇ = −G⁻¹g conserves it. */
  | {
      readonly kind: 'metric-charge';
      readonly sum: WordSum;
      readonly gammas: Readonly<Record<string, string>>;
    }
  /** dQ/dt = −rate · Q, so Q(t) = e^{−rate t} Q(0). */
  | { readonly kind: 'decay'; readonly rate: Expr }
  | { readonly kind: 'none' };

export interface DynamicsLaw {
  readonly kind: 'dynamics-law';
  readonly id:
    | 'exact-recursion'
    | 'continuous-form'
    | 'normalisation'
    | 'oscillator'
    | 'metric-charge'
    | 'two-step-recursion'
    | 'per-step-identity'
    | 'continuous-decay'
    | 'no-closed-recursion';
  readonly title: string;
  readonly statement: Rendered;
  readonly data: DynamicsData;
  readonly verdict: Verdict;
  readonly note?: string;
}

export interface Dynamics {
  readonly kind: 'dynamics';
  /** The gradient constraint in the charge's form (what the derivation dropped). */
  readonly constraint: WordSum;
  /** The charge's word sum (canonical), evaluated on trajectories. */
  readonly chargeSum: WordSum;
  readonly symmetry: string;
  readonly rule: Rule;
  /** The charge whose dynamics these are. */
  readonly charge: { readonly statement: string; readonly kind: 'trace' | 'matrix' };
  readonly laws: readonly DynamicsLaw[];
}

const proved = (what: string): Verdict => ({
  kind: 'proved',
  method: 'word algebra: exact expansion of the charge along the update, valid for every size',
  evidence: what,
});

/** A display of a coefficient: the first candidate form the exact normal form confirms equal, else the expanded form. */
function tidyExpr(e: Expr, candidates: readonly Expr[] = []): Expr {
  return candidates.find((c) => exactZero(sub(c, e)) === 'zero') ?? expanded(e);
}

function tidy(e: Expr, candidates: readonly Expr[] = []): Rendered {
  const shown = tidyExpr(e, candidates);
  return { text: toText(shown), latex: toLatex(shown) };
}

/** The coefficient of the symbol s in e, an expression linear in s (by the exact normal form). */
function linearCoefficient(e: Expr, s: string): Expr {
  const n = new Normalizer();
  const c = n.coefficientsIn(n.normalize(e), s)?.get(1);
  return c ? n.toExpr(c) : num(0);
}

class Sums {
  constructor(
    readonly alg: Algebra,
    readonly kind: 'trace' | 'matrix',
  ) {}
  canon(s: WordSum): WordSum {
    return this.kind === 'trace' ? this.alg.trace(s) : this.alg.matrix(s);
  }
  text(s: WordSum): string {
    return this.kind === 'trace' ? traceText(s) : matrixText(s);
  }
  latex(s: WordSum): string {
    return this.kind === 'trace' ? traceLatex(s) : matrixLatex(s);
  }
  count(w: readonly Letter[], kind: Letter['kind']): number {
    return w.filter((l) => l.kind === kind).length;
  }
  part(s: WordSum, kind: Letter['kind'], n: number): WordSum {
    return s.filter((t) => this.count(t.word, kind) === n);
  }
  /** c with s = c · base (symbolically), or undefined. */
  ratio(s: WordSum, base: WordSum): Expr | undefined {
    if (s.length === 0) return num(0);
    if (base.length === 0) return undefined;
    const key = (t: WordSum[number]): string => JSON.stringify(t.word);
    const b0 = base[0]!;
    const match = s.find((t) => key(t) === key(b0));
    if (!match) return undefined;
    const c = mul(match.coef, { kind: 'pow', base: b0.coef, exp: num(-1) });
    const diff = this.canon([...s, ...base.map((t) => ({ coef: neg(mul(c, t.coef)), word: t.word }))]);
    return diff.length === 0 ? c : undefined;
  }
}

export function deriveDynamics(decl: BlockDeclaration, d: Derivation, rule: Rule): Dynamics {
  const charge = d.laws.find((l) => l.id === 'charge' || l.id === 'charge-matrix');
  const base = {
    kind: 'dynamics' as const,
    symmetry: decl.name,
    rule,
    constraint: [] as WordSum,
    chargeSum: [] as WordSum,
  };
  if (!charge || (charge.data.kind !== 'trace' && charge.data.kind !== 'matrix')) {
    return {
      ...base,
      charge: { statement: 'none', kind: 'trace' },
      laws: [
        {
          kind: 'dynamics-law',
          id: 'no-closed-recursion',
          title: 'No charge to follow',
          statement: {
            text: 'the symmetry has no gradient-flow charge, so a learning rule moves no charge',
            latex: '\\text{no charge}',
          },
          data: { kind: 'none' },
          verdict: proved('no charge law in the derivation'),
        },
      ],
    };
  }
  const structures = new Map(
    decl.constants.map((c) => [
      c.name,
      c.name === charge.parameter && charge.id === 'charge-matrix' ? ('symmetric' as const) : c.structure,
    ]),
  );
  const alg = new Algebra(structures, new Map());
  const S = new Sums(alg, charge.data.kind);
  const Q = S.canon(charge.data.sum);
  // The gradient constraint in the charge's own form: the scalar law, or the symmetric part of the matrix law.
  const gcLaw: Law | undefined =
    charge.data.kind === 'trace'
      ? d.laws.find((l) => l.id === 'gradient-constraint' && l.data.kind === 'trace')
      : d.laws.find((l) => l.id === 'gradient-constraint' && l.data.kind === 'matrix');
  const GC: WordSum = !gcLaw
    ? []
    : gcLaw.data.kind === 'trace'
      ? alg.trace(gcLaw.data.sum)
      : gcLaw.data.kind === 'matrix'
        ? alg.symmetricPart(gcLaw.data.sum)
        : [];
  const blocks = decl.blocks.map((b) => b.name);
  const P = (name: string): Expr => sym(rule.params[name]!.symbol);
  const eta = rule.params['lr'] ? P('lr') : sym('eta');
  const lambda = rule.params['wd'] ? P('wd') : num(0);
  const degrees = new Set(Q.map((t) => S.count(t.word, 'block')));
  const homogeneous = degrees.size === 1 ? [...degrees][0]! : undefined;
  const quadQ = S.part(Q, 'block', 2);
  const asLetter =
    (kind: Letter['kind']) =>
    (b: string): { coef: Expr; letter: Letter } => ({ coef: ONE_E, letter: letter(kind, b) });
  const withLetters = (s: WordSum, kind: Letter['kind']): WordSum =>
    S.canon(alg.substitute(s, new Map(blocks.map((b) => [b, [asLetter(kind)(b)]]))));
  const Qstatement = `${charge.data.kind === 'trace' ? 'Q' : 'C'} = ${S.text(Q)}`;
  const laws: DynamicsLaw[] = [];
  const qn = charge.data.kind === 'trace' ? 'Q' : 'C';

  // The first-order part along g must be a multiple of the gradient constraint to vanish.
  // With θ → θ + g, the terms holding exactly one g are D_g Q (product rule).
  const dgQ = S.part(
    S.canon(alg.substitute(Q, new Map(blocks.map((b) => [b, [asLetter('block')(b), asLetter('grad')(b)]])))),
    'grad',
    1,
  );
  const dgQn = S.canon(dgQ);
  const killedByConstraint = S.ratio(dgQn, GC) !== undefined;

  if (rule.kind === 'gf') {
    if (!killedByConstraint) {
      laws.push(
        none(
          `dQ/dt = −⟨∇Q, g⟩ − λ D_θ Q, and ⟨∇Q, g⟩ = ${S.text(dgQn)} is not a multiple of the gradient constraint`,
        ),
      );
    } else if (homogeneous !== undefined) {
      const rate = mul(num(homogeneous), lambda);
      const r = tidy(rate);
      laws.push({
        kind: 'dynamics-law',
        id: 'continuous-decay',
        title: 'Gradient flow with weight decay',
        statement: {
          text: `d${qn}/dt = −(${r.text})·${qn}, so ${qn}(t) = e^{−(${r.text}) t} ${qn}(0)`,
          latex: `\\frac{d${qn}}{dt} = -\\left(${r.latex}\\right) ${qn}, \\quad ${qn}(t) = e^{-\\left(${r.latex}\\right) t}\\, ${qn}(0)`,
        },
        data: { kind: 'decay', rate },
        verdict: proved(
          `⟨∇Q, g⟩ is a multiple of the gradient constraint; D_θ Q = ${homogeneous}·Q (every term has degree ${homogeneous})`,
        ),
      });
    } else
      laws.push(
        none(
          `the charge mixes degrees ${[...degrees].join(' and ')} in θ, so D_θ Q is not a multiple of Q: no closed equation for Q alone`,
        ),
      );
  }

  if (rule.kind === 'sgd') {
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
          `the first-order term ${S.text(E1)} is not a multiple of the gradient constraint (a charge mixing degrees under weight decay)`,
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
          text: `${qn}_{k+1} = (${a.text})·${qn}_k${quadG.length ? ` + (${b.text})·${qn}₂(g_k),  ${qn}₂(g) = ${g2}` : ''}`,
          latex: `${qn}_{k+1} = \\left(${a.latex}\\right) ${qn}_k${quadG.length ? ` + \\left(${b.latex}\\right) ${qn}_2(g_k), \\quad ${qn}_2(g) = ${S.latex(quadG)}` : ''}`,
        },
        data: { kind: 'recursion', cQ: c0, cG: c2, quadG, cDropped: c1 },
        verdict: proved(
          `Q((1 − ηλ)θ − ηg) expanded; its first-order part is (${tidy(c1).text}) × the gradient constraint, which vanishes on every minibatch`,
        ),
        note: 'g_k is the gradient of the minibatch loss used at step k; the recursion holds for every minibatch because the gradient constraint does',
      });
      // A pure scale generator (X_B = c θ_B, one c for every block): the loss is invariant under θ ↦ sθ
      // (s > 0), so g(sθ) = g(θ)/s, and with Q = (c/2)ρ², Q₂(g) = (c/2)‖g‖² = (c/2)‖ĝ‖²/ρ² the recursion
      // becomes ρ²_{k+1} = cQ ρ²_k + cG ‖ĝ_k‖²/ρ²_k, whose fixed point is ρ⁴ = cG ‖ĝ‖²/(1 − cQ).
      const comps = d.generators[0]?.components ?? [];
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
        const steady = mul(c2, pow(sub(ONE_E, c0), num(-1)));
        const st = tidy(steady, [mul(eta, pow(mul(lambda, sub(num(2), mul(eta, lambda))), num(-1)))]);
        laws.push({
          kind: 'dynamics-law',
          id: 'normalisation',
          title: 'Normalisation as adaptive optimisation: effective learning rate and steady state',
          statement: {
            text: `g(sθ) = g(θ)/s for s > 0, so with ρ = ‖θ‖ and ĝ = g(θ/ρ): ρ²_{k+1} = (${a.text})·ρ²_k + (${b.text})·‖ĝ_k‖²/ρ²_k; the direction θ/ρ moves with effective learning rate η/ρ²; steady state ρ⁴ = (${st.text})·‖ĝ‖²`,
            latex: `\\rho_{k+1}^2 = \\left(${a.latex}\\right) \\rho_k^2 + \\left(${b.latex}\\right) \\frac{\\lVert \\hat g_k \\rVert^2}{\\rho_k^2}, \\quad \\rho^4_\\ast = \\left(${st.latex}\\right) \\lVert \\hat g \\rVert^2`,
          },
          data: { kind: 'normalisation', cQ: c0, cG: c2, steady },
          verdict: proved(
            'the generator is a pure scaling of every block, so the loss is invariant under θ ↦ sθ and g is homogeneous of degree −1; the exact recursion then closes in ρ²',
          ),
          note: 'ĝ changes with the direction θ/ρ: the steady state is that of ρ for a given ‖ĝ‖² (with minibatch noise, its mean); `check --rule sgd(…)` checks g(θ/ρ) = ρ g(θ) at every step and reports ρ⁴ against the prediction',
        });
      }
      // Continuous time t = ηk: (Q_{k+1} − Q_k)/η = ((cQ − 1)/η) Q_k + (cG/η) Q₂(g_k).
      const inv = pow(eta, num(-1));
      const rate = mul(sub(c0, ONE_E), inv),
        source = mul(c2, inv);
      const [rt, sc] = [tidy(rate), tidy(source)];
      laws.push({
        kind: 'dynamics-law',
        id: 'continuous-form',
        title: 'Finite learning rate, continuous time t = ηk (modified flow)',
        statement: {
          text: `d${qn}/dt = (${rt.text})·${qn}${quadG.length ? ` + (${sc.text})·${qn}₂(g)` : ''}: to first order in η, ${qn}(t) = e^{(${rt.text}) t} ${qn}(0)${quadG.length ? ` + (${sc.text}) ∫₀ᵗ e^{(${rt.text})(t−τ)} ${qn}₂(g(τ)) dτ` : ''}`,
          latex: `\\frac{d${qn}}{dt} = \\left(${rt.latex}\\right) ${qn}${quadG.length ? ` + \\left(${sc.latex}\\right) ${qn}_2(g)` : ''}`,
        },
        data: { kind: 'continuous', rate, source, quadG },
        verdict: proved('the exact recursion divided by η with t = ηk'),
        note: 'discrete GD follows gradient flow to first order in η and the modified flow θ̇ = −d − (η/2)(H + λ)d, d = g + λθ, to second order; `check --rule sgd(…)` measures both orders',
      });
    }
  }

  if (rule.kind === 'momentum') {
    const beta = P('beta'),
      damp = P('dampening');
    if ((homogeneous === 1 || homogeneous === 2) && killedByConstraint) {
      // The continuous limit, derived: v_{k+1} − βv_k = (1 − d)(g + λθ) and θ_{k+1} − θ_k = −η v_{k+1} give
      // (θ_{k+1} − θ_k) − β(θ_k − θ_{k−1}) = −h (g + λθ), h = η(1 − d). Taylor-expanding θ(t ± h) to second
      // order and dividing by h gives c₁ θ̇ + m θ̈ = −(g + λθ), read off the normal form.
      const [T0, T1, T2, hS] = [sym('__T0'), sym('__T1'), sym('__T2'), sym('__h')];
      const at = (sgn: number): Expr =>
        add(T0, mul(num(sgn), hS, T1), mul(num({ n: 1n, d: 2n }), pow(hS, num(2)), T2));
      const taylor = sub(sub(at(1), T0), mul(beta, sub(T0, at(-1))));
      const h = mul(eta, sub(ONE_E, damp));
      const perH = (symbol: string): Expr =>
        substitute(mul(linearCoefficient(taylor, symbol), pow(hS, num(-1))), new Map([['__h', h]]));
      const c1 = expanded(perH('__T1'));
      const m = perH('__T2');
      // Then Q̈ = 2 Q₂(θ̇) + ⟨X, θ̈⟩ and m⟨X, θ̈⟩ = −(c₁ Q̇ + ⟨X, g⟩ + λ D_θ Q), with ⟨X, g⟩ = 0 and D_θ Q = p Q.
      const gamma = mul(c1, pow(mul(num(2), m), num(-1)));
      const omega2 = mul(num(homogeneous), lambda, pow(m, num(-1)));
      const quadV = withLetters(quadQ, 'step');
      // Shown in terms of m, as derived; the data keeps the full expressions.
      const mSym = sym('m');
      const show = (e: Expr): Rendered => ({ text: toText(e), latex: toLatex(e) });
      const mShown = tidy(m, [mul(eta, sub(ONE_E, damp), add(ONE_E, beta), num({ n: 1n, d: 2n }))]);
      const [mt, gt, wt] = [
        mShown,
        show(mul(tidyExpr(c1, [sub(ONE_E, beta)]), pow(mul(num(2), mSym), num(-1)))),
        show(mul(num(homogeneous), lambda, pow(mSym, num(-1)))),
      ];
      laws.push({
        kind: 'dynamics-law',
        id: 'oscillator',
        title: 'Heavy-ball momentum, continuous limit: a damped, driven oscillator',
        statement: {
          text:
            `${qn}'' + 2γ ${qn}' + ω² ${qn} = ${quadV.length ? `2·${qn}₂(θ') with ${qn}₂(u) = ${S.text(quadV)}` : '0'};  t = η(1−d)k, m = ${mt.text}, γ = ${gt.text}, ω² = ${wt.text}. ` +
            `Homogeneous solutions: under-damped (ω > γ) e^{−γt}(A cos ω_d t + B sin ω_d t), ω_d = √(ω² − γ²); critically damped (ω = γ) e^{−γt}(A + B t); over-damped (ω < γ) A e^{−(γ−√(γ²−ω²))t} + B e^{−(γ+√(γ²−ω²))t}` +
            `${quadV.length ? `; driven part ∫₀ᵗ e^{−γ(t−τ)} sin(ω_d(t−τ))/ω_d · 2${qn}₂(θ'(τ)) dτ` : ''}`,
          latex: `\\ddot ${qn} + 2\\gamma \\dot ${qn} + \\omega^2 ${qn} = ${quadV.length ? `2 ${qn}_2(\\dot\\theta)` : '0'}, \\quad m = ${mt.latex}, \\ \\gamma = ${gt.latex}, \\ \\omega^2 = ${wt.latex}`,
        },
        data: { kind: 'oscillator', m, gamma, omega2, quadV },
        verdict: proved(
          `along m θ̈ + (1 − β) θ̇ = −(g + λθ): Q̈ = 2Q₂(θ̇) + ⟨X, θ̈⟩; ⟨X, g⟩ = 0 (gradient constraint) and D_θ Q = ${homogeneous}·Q`,
        ),
        note: 'started at θ̇(0) = −(g₀ + λθ₀)/(1 + β) (matching the displacement of the discrete parasitic mode β^k that v₀ = 0 excites), the limit is second order in η; `check --rule momentum(…)` measures the order',
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
        data: { kind: 'two-step', cur, prev, cDropped: mul(cG, S.ratio(dgQn, GC) ?? num(0)) },
        verdict: proved(
          `${qn} is linear and ${qn}(g) = ${S.text(dgQn)} is a multiple of the gradient constraint, so ${qn}(v_{k+1}) = β ${qn}(v_k) + (1 − d) λ ${qn}_k with ${qn}(v_k) = (${qn}_{k−1} − ${qn}_k)/η`,
        ),
        note: 'v₀ = 0, v_{k+1} = β v_k + (1 − d)(g_k + λθ_k), θ_{k+1} = θ_k − η v_{k+1} (PyTorch sets v₁ = g₀ + λθ₀ without dampening; the two agree when d = 0)',
      });
    } else {
      laws.push(
        none(
          homogeneous === 1
            ? 'the charge is linear but its derivative along g is not a multiple of the gradient constraint'
            : `the charge is quadratic: Q(θ_{k+1}) involves ⟨X(θ_k), v_{k+1}⟩, and v_{k+1} mixes gradients of earlier steps taken at other parameters, for which the gradient constraint at θ_k says nothing — no closed recursion in ${qn} (the continuous-time oscillator form is the approximation)`,
        ),
      );
    }
  }

  if (rule.kind === 'precond') {
    // Weight each block's part of the charge by its metric γ_B; the block gradient of the result must be γ_B X_B.
    const gammas = Object.fromEntries(blocks.map((b) => [b, `gamma_${b}`]));
    const ownBlock = (t: WordSum[number]): string | undefined => {
      const bs = new Set(t.word.filter((l) => l.kind === 'block').map((l) => l.name));
      return bs.size === 1 ? [...bs][0] : undefined;
    };
    const QG = Q.every((t) => ownBlock(t) !== undefined)
      ? S.canon(Q.map((t) => ({ coef: mul(sym(gammas[ownBlock(t)!]!), t.coef), word: t.word })))
      : undefined;
    const gen = new Map((d.generators[0]?.components ?? []).map((c) => [c.target, c.sum ?? []]));
    // A matrix charge C_G is checked through ⟨E, C_G⟩ for a symmetric E (the generator's constant).
    const asTrace = !QG
      ? undefined
      : charge.data.kind === 'trace'
        ? QG
        : alg.inner([{ coef: ONE_E, word: [letter('const', charge.parameter)] }], QG);
    const ok =
      asTrace !== undefined &&
      blocks.every((b) =>
        alg.equalMatrix(alg.gradient(asTrace, b), alg.scale(gen.get(b) ?? [], sym(gammas[b]!))),
      );
    if (ok) {
      laws.push({
        kind: 'dynamics-law',
        id: 'metric-charge',
        title: 'Constant metric: the G-weighted charge',
        statement: {
          text: `for θ̇ = −G⁻¹∇L with a constant metric G = diag(${blocks.map((b) => `γ_${b}`).join(', ')}) on the blocks, ${qn}_G = ${S.text(QG!)} is conserved (∇${qn}_G = G X, so d${qn}_G/dt = −⟨G X, G⁻¹ g⟩ = −⟨X, g⟩ = 0); the unweighted ${qn} moves by −⟨X, G⁻¹g⟩`,
          latex: `${qn}_G = ${S.latex(QG!)}`,
        },
        data: { kind: 'metric-charge', sum: QG!, gammas },
        verdict: proved(
          charge.data.kind === 'trace'
            ? 'the block gradient of Q_G equals γ_B X_B for every block'
            : 'the block gradient of ⟨E, C_G⟩ equals γ_B X_B for every block and every symmetric E',
        ),
        note: 'a general constant metric admits such a charge when G X is a gradient field; a per-block scalar metric always does for these block-diagonal generators',
      });
    }
  }

  if (rule.kind === 'precond' || rule.kind === 'adam') {
    const E = S.canon(
      alg.substitute(
        Q,
        new Map(
          blocks.map((b) => [
            b,
            [
              { coef: ONE_E, letter: letter('block', b) },
              { coef: neg(eta), letter: letter('step', b) },
            ],
          ]),
        ),
      ),
    );
    const linU = S.canon(
      S.part(E, 'step', 1).map((t) => ({
        coef: mul(t.coef, { kind: 'pow', base: neg(eta), exp: num(-1) }),
        word: t.word,
      })),
    );
    const quadU = withLetters(quadQ, 'step');
    const step =
      rule.kind === 'precond'
        ? 'u_k = G⁻¹(g_k + λθ_k) with a constant diagonal G'
        : "u_k = m̂_k / (√v̂_k + ε), Adam's moments of g_k + λθ_k";
    laws.push({
      kind: 'dynamics-law',
      id: 'per-step-identity',
      title: `${rule.kind === 'adam' ? 'Adam' : 'Preconditioned GD'}: exact per-step change of the charge (kinetic symmetry breaking)`,
      statement: {
        text: `${qn}_{k+1} − ${qn}_k = −η·(${S.text(linU)})${quadU.length ? ` + η²·(${S.text(quadU)})` : ''}   with ${step}`,
        latex: `${qn}_{k+1} - ${qn}_k = -\\eta \\left(${S.latex(linU)}\\right)${quadU.length ? ` + \\eta^2 \\left(${S.latex(quadU)}\\right)` : ''}`,
      },
      data: { kind: 'identity', linU, quadU },
      verdict: proved('Q(θ − ηu) expanded exactly; the first-order term is −η⟨∇Q, u⟩ = −η⟨X, u⟩'),
      note: `the breaking term −η⟨X, u_k⟩ does not vanish because u_k is not along g_k; the drift of ${qn} over a trajectory is the sum of these terms${rule.kind === 'adam' ? ' (the preconditioner diag(√v̂ + ε) moves in time, so no reweighted charge is conserved either)' : ''}`,
    });
  }
  return {
    ...base,
    constraint: GC,
    chargeSum: Q,
    charge: { statement: Qstatement, kind: charge.data.kind },
    laws,
  };
}

function none(why: string): DynamicsLaw {
  return {
    kind: 'dynamics-law',
    id: 'no-closed-recursion',
    title: 'No closed recursion',
    statement: { text: `no closed recursion: ${why}`, latex: '\\text{no closed recursion}' },
    data: { kind: 'none' },
    verdict: proved(why),
  };
}
