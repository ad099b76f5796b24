/**
 * The Lagrangian view of a learning rule (docs/theory.md §3.9) [NLD]: the rule's continuous form as
 * the Euler–Lagrange equation of a Lagrangian, derived symbolically, and Noether's learning dynamics
 * of a charge read off that Lagrangian.
 *
 * Everything is computed on a per-coordinate model with two coordinates θ₁, θ₂ and, in place of the
 * loss, a generic cubic L(θ) with symbolic coefficients ℓ_ij. Every residual below is linear in L and
 * involves L only through its derivatives of order ≤ 2 at the point, and a cubic with free
 * coefficients takes any 2-jet at any point: an identity in the ℓ_ij is an identity for every smooth
 * loss. Time is τ; d/dτ is the total derivative ∂_τ + θ̇·∂_θ + θ̈·∂_θ̇ built from the project's
 * `diff`, and every identity is decided by {@link decideZero} (the exact normal form first).
 *
 * - A second-order continuous form m G θ̈ + c₁ G θ̇ = −(∇L + λθ) (heavy-ball momentum's limit; GD's and
 *   a preconditioned step's second-order modified equation, β = d = 0) has the Lagrangian
 *   𝓛 = e^{kτ}[(m/2) θ̇ᵀGθ̇ − L − (λ/2)‖θ‖²] with k = c₁/m: the damping is the time factor.
 * - A first-order flow G θ̇ = −∇V has none of the form 𝓛(θ, θ̇, t) (see `noLagrangianProof`); it is the
 *   Rayleigh form 𝓛 = −V with dissipation R = ½ θ̇ᵀGθ̇. GD's first-order modified flow is the Rayleigh
 *   form of the modified potential Ṽ = V + (η/4)‖∇V‖².
 * - Noether: for a generator X = (χ_i θ_i + ξ_i)_i, Q_N = ⟨∂𝓛/∂θ̇, X⟩ moves along solutions at
 *   dQ_N/dτ = e^{kτ}[−⟨∇L, X⟩ − λ⟨θ, X⟩ + m⟨Gθ̇, J_X θ̇⟩]: the loss term vanishes by the
 *   gradient constraint, the others are weight decay's and the kinetic symmetry breaking.
 */
import { type Expr, add, mul, neg, num, pow, sym, sub, call, symbols, substitute, ZERO_E } from '../expr/ast';
import { diff } from '../expr/diff';
import { expanded } from '../expr/normal';
import { toLatex, toText } from '../expr/print';
import { decideZero } from '../verify/zero';
import { type Verdict, weakest } from '../verdict';
import type { Rule } from './rule';
import type { Dynamics, LagrangianLaw } from './dynamics/types';
import { hyperExpr, polynomialCoefficients, tidyExpr } from './dynamics/context';
import { heavyBallOde } from './dynamics/momentum';

const SUB = ['₁', '₂'] as const;
const X = SUB.map((s) => `θ${s}`);
const V = SUB.map((s) => `θ̇${s}`);
const A = SUB.map((s) => `θ̈${s}`);
const T = 'τ';
const [x, v, a] = [X.map(sym), V.map(sym), A.map(sym)];
const half = num({ n: 1n, d: 2n });
const sumOf = (f: (i: number) => Expr): Expr => add(...[0, 1].map(f));

/** The generic cubic loss of the per-coordinate model: Σ_{i+j≤3} ℓ_ij θ₁^i θ₂^j. */
export const GENERIC_LOSS: Expr = add(
  ...[0, 1, 2, 3].flatMap((i) =>
    [0, 1, 2, 3]
      .filter((j) => i + j <= 3)
      .map((j) => mul(sym(`ℓ${i}${j}`), pow(x[0]!, num(i)), pow(x[1]!, num(j)))),
  ),
);

/** The total time derivative of F(θ, θ̇, τ): ∂_τ F + Σ θ̇_i ∂_{θ_i} F + Σ θ̈_i ∂_{θ̇_i} F. */
export function totalDerivative(F: Expr): Expr {
  return add(
    diff(F, T),
    ...X.map((xi, i) => mul(v[i]!, diff(F, xi))),
    ...V.map((vi, i) => mul(a[i]!, diff(F, vi))),
  );
}

/** d/dt ∂𝓛/∂θ̇_i − ∂𝓛/∂θ_i (+ ∂R/∂θ̇_i with a dissipation function R), per coordinate. */
export function eulerLagrange(lagrangian: Expr, dissipation?: Expr): Expr[] {
  return X.map((xi, i) =>
    add(
      totalDerivative(diff(lagrangian, V[i]!)),
      neg(diff(lagrangian, xi)),
      dissipation ? diff(dissipation, V[i]!) : ZERO_E,
    ),
  );
}

/** Whether lhs_i = rhs_i for both coordinates, decided exactly first (variables: every symbol). */
export function identity(lhs: readonly Expr[], rhs: readonly Expr[], claim: string, seed = 1): Verdict {
  return weakest(
    lhs.map((l, i) => {
      const terms = [l, neg(rhs[i]!)];
      const names = [...symbols(add(...terms))].sort();
      return decideZero({
        terms,
        variables: names.map((name) => ({ name, role: 'parameter' as const })),
        seed,
        claim: `${claim} (coordinate ${i + 1})`,
      });
    }),
  );
}

/** The potential V = L + (λ/2)‖θ‖² and its gradient. */
const potential = (L: Expr, lambda: Expr): Expr =>
  add(
    L,
    mul(
      half,
      lambda,
      sumOf((i) => pow(x[i]!, num(2))),
    ),
  );
const gradient = (F: Expr): Expr[] => X.map((xi) => diff(F, xi));

/** A rule's continuous form, as the toolkit derives it. */
export type ContinuousForm =
  | {
      readonly kind: 'second-order';
      readonly m: Expr;
      readonly c1: Expr;
      readonly metric: readonly Expr[];
      readonly lambda: Expr;
      readonly eta: Expr;
      readonly beta: Expr;
      readonly damp: Expr;
    }
  | { readonly kind: 'first-order'; readonly metric: readonly Expr[]; readonly lambda: Expr }
  | { readonly kind: 'none'; readonly why: string };

const ONES: readonly Expr[] = [num(1), num(1)];
const GAMMAS: readonly Expr[] = SUB.map((s) => sym(`γ${s}`));

/** The continuous form of a rule: heavy-ball's limit (β = d = 0 for GD and precond), or a first-order flow. */
export function continuousForm(rule: Rule): ContinuousForm {
  const lambda = 'wd' in rule.params ? hyperExpr(rule.params.wd) : num(0);
  const eta = 'lr' in rule.params ? sym(rule.params.lr.symbol) : sym('eta');
  switch (rule.kind) {
    case 'gf':
      return { kind: 'first-order', metric: ONES, lambda };
    case 'sgd':
    case 'precond': {
      const { m, c1 } = heavyBallOde(eta, num(0), num(0));
      const metric = rule.kind === 'sgd' ? ONES : GAMMAS;
      return { kind: 'second-order', m, c1, metric, lambda, eta, beta: num(0), damp: num(0) };
    }
    case 'momentum': {
      const [beta, damp] = [hyperExpr(rule.params.beta), hyperExpr(rule.params.dampening)];
      return {
        kind: 'second-order',
        ...heavyBallOde(eta, beta, damp),
        metric: ONES,
        lambda,
        eta,
        beta,
        damp,
      };
    }
    case 'adam':
      return {
        kind: 'none',
        why:
          "Adam's metric diag(√v̂_k + ε)/η is made by the moment recursions along the run, not given as a " +
          'function G(θ, t): no Lagrangian of its own recursion is derived (the exact per-step identity ' +
          'carries its kinetic symmetry breaking; the law below holds for any given G)',
      };
  }
}

/**
 * Whether the Euler–Lagrange equation of the second-order Lagrangian is the rule's ODE: e^{kτ}·ODE
 * with the time factor, the ODE itself without it (the negative twin: refuted, with a point).
 */
export function eulerLagrangeVerdict(
  f: Extract<ContinuousForm, { kind: 'second-order' }>,
  timeFactor = true,
  seed = 1,
): Verdict {
  const factor = timeFactor ? call('exp', mul(rate(f), sym(T))) : num(1);
  return identity(
    eulerLagrange(secondOrderLagrangian(f, GENERIC_LOSS, timeFactor)),
    secondOrderOde(f).map((e) => mul(factor, e)),
    timeFactor
      ? 'd/dt ∂𝓛/∂θ̇ − ∂𝓛/∂θ = e^{kt}·(the rule’s ODE)'
      : 'without the time factor, d/dt ∂𝓛/∂θ̇ − ∂𝓛/∂θ = the rule’s ODE',
    seed,
  );
}

/** The second-order Lagrangian e^{kτ}[(m/2)θ̇ᵀGθ̇ − V], k = c₁/m; without the time factor when asked. */
export function secondOrderLagrangian(
  f: Extract<ContinuousForm, { kind: 'second-order' }>,
  L: Expr = GENERIC_LOSS,
  timeFactor = true,
): Expr {
  const kinetic = mul(
    half,
    f.m,
    sumOf((i) => mul(f.metric[i]!, pow(v[i]!, num(2)))),
  );
  const body = sub(kinetic, potential(L, f.lambda));
  return timeFactor ? mul(call('exp', mul(rate(f), sym(T))), body) : body;
}

const rate = (f: Extract<ContinuousForm, { kind: 'second-order' }>): Expr => mul(f.c1, pow(f.m, num(-1)));

/** The rule's second-order ODE residual, per coordinate: G(m θ̈ + c₁ θ̇) + ∇L + λθ. */
export function secondOrderOde(
  f: Extract<ContinuousForm, { kind: 'second-order' }>,
  L: Expr = GENERIC_LOSS,
): Expr[] {
  const g = gradient(L);
  return [0, 1].map((i) =>
    add(mul(f.metric[i]!, add(mul(f.m, a[i]!), mul(f.c1, v[i]!))), g[i]!, mul(f.lambda, x[i]!)),
  );
}

/** The modified flow of GD (docs/theory.md §3.3): θ̇ + d + (η/2)(H + λ)d, d = ∇L + λθ. */
export function modifiedFlowOde(eta: Expr, lambda: Expr, L: Expr = GENERIC_LOSS): Expr[] {
  const g = gradient(L);
  const d = [0, 1].map((i) => add(g[i]!, mul(lambda, x[i]!)));
  return [0, 1].map((i) =>
    add(
      v[i]!,
      d[i]!,
      mul(
        half,
        eta,
        add(...[0, 1].map((j) => mul(add(diff(g[i]!, X[j]!), i === j ? lambda : ZERO_E), d[j]!))),
      ),
    ),
  );
}

/** The first-order flow residual: G θ̇ + ∇L + λθ. */
export function firstOrderOde(metric: readonly Expr[], lambda: Expr, L: Expr = GENERIC_LOSS): Expr[] {
  const g = gradient(L);
  return [0, 1].map((i) => add(mul(metric[i]!, v[i]!), g[i]!, mul(lambda, x[i]!)));
}

/** The Rayleigh dissipation ½ θ̇ᵀGθ̇. */
export const rayleigh = (metric: readonly Expr[]): Expr =>
  mul(
    half,
    sumOf((i) => mul(metric[i]!, pow(v[i]!, num(2)))),
  );

/** GD's modified potential Ṽ = V + (η/4)‖∇V‖². */
export function modifiedPotential(eta: Expr, lambda: Expr, L: Expr = GENERIC_LOSS): Expr {
  const V0 = potential(L, lambda);
  return add(
    V0,
    mul(
      num({ n: 1n, d: 4n }),
      eta,
      sumOf((i) => pow(diff(V0, X[i]!), num(2))),
    ),
  );
}

/** The per-coordinate generator X_i = χ_i θ_i + ξ_i (ξ = 0 for p = 2, χ = 0 for p = 1). */
export function generator(p: 1 | 2 | 'both'): Expr[] {
  return [0, 1].map((i) =>
    add(p === 1 ? ZERO_E : mul(sym(`χ${SUB[i]}`), x[i]!), p === 2 ? ZERO_E : sym(`ξ${SUB[i]}`)),
  );
}

/** Q with ∇Q = X for the generator above: Σ χ_i θ_i²/2 + ξ_i θ_i (optionally weighted by G). */
export function chargeOf(X_: readonly Expr[], metric: readonly Expr[] = ONES): Expr {
  return sumOf((i) => mul(metric[i]!, integrate(X_[i]!, i)));
}
/** ∫ X_i dθ_i for X_i affine in θ_i. */
function integrate(e: Expr, i: number): Expr {
  const slope = diff(e, X[i]!);
  const intercept = substitute(e, new Map([[X[i]!, ZERO_E]]));
  return add(mul(half, slope, pow(x[i]!, num(2))), mul(intercept, x[i]!));
}

const inner = (p: readonly Expr[], q: readonly Expr[]): Expr => sumOf((i) => mul(p[i]!, q[i]!));
/** ⟨Gθ̇, J_X θ̇⟩ for X_i affine in θ_i. */
const kineticBreaking = (X_: readonly Expr[], metric: readonly Expr[]): Expr =>
  sumOf((i) => mul(metric[i]!, diff(X_[i]!, X[i]!), pow(v[i]!, num(2))));

/** θ̈ solved from the second-order ODE, to evaluate along solutions. */
function accelerations(f: Extract<ContinuousForm, { kind: 'second-order' }>, L: Expr): Map<string, Expr> {
  const g = gradient(L);
  return new Map(
    A.map((ai, i) => [
      ai,
      neg(
        mul(
          add(mul(f.c1, f.metric[i]!, v[i]!), g[i]!, mul(f.lambda, x[i]!)),
          pow(mul(f.m, f.metric[i]!), num(-1)),
        ),
      ),
    ]),
  );
}

/** dQ_N/dτ along solutions, Q_N = ⟨∂𝓛/∂θ̇, X⟩: the quantity and its rate (θ̈ eliminated). */
export function noetherRate(
  f: Extract<ContinuousForm, { kind: 'second-order' }>,
  X_: readonly Expr[],
  L: Expr = GENERIC_LOSS,
): { readonly charge: Expr; readonly rate: Expr } {
  const lag = secondOrderLagrangian(f, L);
  const charge = inner(
    V.map((vi) => diff(lag, vi)),
    X_,
  );
  return { charge, rate: substitute(totalDerivative(charge), accelerations(f, L)) };
}

/** A generic per-coordinate metric G_i(θ, t) = γ_i0 + γ_i1 θ₁ + γ_i2 θ₂ + γ_i3 t (any 1-jet). */
export const GENERIC_METRIC: readonly Expr[] = [0, 1].map((i) =>
  add(sym(`γ${i}0`), mul(sym(`γ${i}1`), x[0]!), mul(sym(`γ${i}2`), x[1]!), mul(sym(`γ${i}3`), sym(T))),
);

/**
 * Noether's learning dynamics for a metric G(θ, t) (diagonal, given as expressions of θ and τ): along
 * solutions of the Euler–Lagrange equation of e^{kτ}[(m/2)θ̇ᵀG(θ, τ)θ̇ − V] (θ̈ solved from it), the
 * rate of Q_N = ⟨∂𝓛/∂θ̇, X⟩ and the stated form e^{kτ}[−⟨∇L, X⟩ − λ⟨θ, X⟩ +
 * m⟨Gθ̇, J_Xθ̇⟩ + (m/2)θ̇ᵀ(D_X G)θ̇].
 */
export function metricNoether(
  f: Extract<ContinuousForm, { kind: 'second-order' }>,
  metric: readonly Expr[],
  X_: readonly Expr[],
  L: Expr = GENERIC_LOSS,
): { readonly rate: Expr; readonly stated: Expr } {
  const g: typeof f = { ...f, metric };
  const lag = secondOrderLagrangian(g, L);
  const el = eulerLagrange(lag);
  const solved = new Map(
    A.map((ai, i) => {
      const [rest, lead] = polynomialCoefficients(el[i]!, ai) ?? [ZERO_E, ZERO_E];
      return [ai, neg(mul(rest!, pow(lead!, num(-1))))];
    }),
  );
  const charge = inner(
    V.map((vi) => diff(lag, vi)),
    X_,
  );
  const along = substitute(totalDerivative(charge), solved);
  const lieG = sumOf((i) =>
    mul(
      sumOf((j) => mul(X_[j]!, diff(metric[i]!, X[j]!))),
      pow(v[i]!, num(2)),
    ),
  );
  const stated = mul(
    call('exp', mul(rate(f), sym(T))),
    add(
      neg(inner(gradient(L), X_)),
      neg(mul(f.lambda, inner(x, X_))),
      mul(f.m, kineticBreaking(X_, metric)),
      mul(half, f.m, lieG),
    ),
  );
  return { rate: along, stated };
}

const paren = (e: Expr): string => (e.kind === 'sym' || e.kind === 'num' ? toText(e) : `(${toText(e)})`);

/** `c·what`, or `what` alone when c is 1. */
const times = (c: Expr, what: string): string =>
  c.kind === 'num' && c.value === '1' ? what : `${paren(c)}·${what}`;

/** m, c₁ and k = c₁/m as shown: η(1 − d)(1 + β)/2, 1 − β and their ratio when the normal form agrees. */
function shown(f: Extract<ContinuousForm, { kind: 'second-order' }>): { m: Expr; c1: Expr; k: Expr } {
  const one = num(1);
  const m = mul(f.eta, sub(one, f.damp), add(one, f.beta), half);
  const c1 = sub(one, f.beta);
  const k = mul(num(2), c1, pow(mul(f.eta, sub(one, f.damp), add(one, f.beta)), num(-1)));
  return {
    m: tidyExpr(f.m, [m]),
    c1: tidyExpr(f.c1, [c1]),
    // With numeric β and d the expanded form reads best (2/(19*eta)); with symbols, the factored one.
    k: tidyExpr(rate(f), symbols(k).size <= 1 ? [] : [k]),
  };
}

/**
 * The Lagrangian view of `rule`: the Euler–Lagrange identities of its continuous forms and, with the
 * dynamics `dyn` of a symmetry under it, Noether's learning dynamics of the charge compared with the
 * rule's law (the oscillator of momentum, the decay of gradient flow).
 */
export function lagrangianView(rule: Rule, dyn?: Dynamics, seed = 1): LagrangianLaw[] {
  const f = continuousForm(rule);
  if (f.kind === 'none')
    return [
      {
        kind: 'lagrangian-law',
        id: 'no-lagrangian',
        title: 'No Lagrangian derived',
        statement: { text: f.why, latex: '\\text{no Lagrangian}' },
        data: { kind: 'none' },
        verdict: { kind: 'inconclusive', reason: f.why },
      },
      metricLaw(rule, seed),
    ];
  const laws: LagrangianLaw[] = [];
  const p = dyn ? chargeDegree(dyn) : undefined;
  if (f.kind === 'second-order') {
    const { m, c1, k } = shown(f);
    const G = f.metric === ONES ? '' : 'G';
    const metricText = G ? ', G = diag(γ₁, γ₂) the constant metric' : '';
    const e = `e^{${paren(k)} t}`;
    laws.push({
      kind: 'lagrangian-law',
      id: 'euler-lagrange',
      title: 'Lagrangian and Euler–Lagrange equation (the damping is the time factor)',
      statement: {
        text:
          `𝓛(θ, θ', t) = ${e}·[ ½·${paren(m)}·θ'ᵀ${G}θ' − L(θ) − λ/2·‖θ‖² ]; ` +
          "d/dt ∂𝓛/∂θ' − ∂𝓛/∂θ = " +
          `${e}·( ${times(m, `${G}θ''`)} + ${times(c1, `${G}θ'`)} + ∇L + λθ )${metricText}, ` +
          `λ = ${toText(f.lambda)}`,
        latex:
          `\\mathcal{L} = e^{${toLatex(k)} t}\\left[\\tfrac{1}{2}\\left(${toLatex(m)}\\right)\\dot\\theta^\\top ` +
          `${G}\\dot\\theta - L(\\theta) - \\tfrac{\\lambda}{2}\\lVert\\theta\\rVert^2\\right]`,
      },
      data: {
        kind: 'second-order',
        mass: f.m,
        damping: f.c1,
        rate: rate(f),
        lambda: f.lambda,
        metric: f.metric,
      },
      verdict: eulerLagrangeVerdict(f, true, seed),
      note:
        'per coordinate, L a generic cubic with symbolic coefficients (the identity involves L only ' +
        "through its 2-jet, which a cubic takes at any point); m and c₁ are the rule's own continuous " +
        'limit (heavy-ball Taylor expansion; β = d = 0 for a plain or preconditioned step); without ' +
        'the time factor the equation loses its damping term and the identity is refuted',
    });
  }
  if (f.kind === 'first-order' || rule.kind === 'precond') {
    const metric = f.kind === 'first-order' ? f.metric : GAMMAS;
    const verdict = identity(
      eulerLagrange(neg(potential(GENERIC_LOSS, f.lambda)), rayleigh(metric)),
      firstOrderOde(metric, f.lambda),
      'EL equation of 𝓛 = −V with dissipation R = ½θ̇ᵀGθ̇ is Gθ̇ + ∇V = 0',
      seed,
    );
    const G = metric === ONES ? '' : 'G';
    laws.push({
      kind: 'lagrangian-law',
      id: 'rayleigh',
      title: 'First-order flow: Rayleigh form',
      statement: {
        text:
          `𝓛 = −V(θ), V = L + λ/2·‖θ‖², dissipation R = ½θ'ᵀ${G}θ': ` +
          "d/dt ∂𝓛/∂θ' − ∂𝓛/∂θ + ∂R/∂θ' = " +
          `${G}θ' + ∇L + λθ, λ = ${toText(f.lambda)}`,
        latex: `\\mathcal{L} = -V, \\ R = \\tfrac12 \\dot\\theta^\\top ${G} \\dot\\theta`,
      },
      data: { kind: 'rayleigh', potential: 'V', metric },
      verdict,
      note:
        'no Lagrangian in (θ, θ̇, t) alone has a first-order flow as its Euler–Lagrange equation: one ' +
        'of degree 2 in θ̇ gives a second-order equation, and one affine in θ̇ gives an equation ' +
        'free of θ̇ (`noLagrangianProof`); the dissipation function carries the friction',
    });
  }
  if (rule.kind === 'sgd' && f.kind === 'second-order') {
    const verdict = identity(
      eulerLagrange(neg(modifiedPotential(f.eta, f.lambda)), rayleigh(ONES)),
      modifiedFlowOde(f.eta, f.lambda),
      'the Rayleigh form of Ṽ = V + (η/4)‖∇V‖² is the modified flow',
      seed,
    );
    laws.push({
      kind: 'lagrangian-law',
      id: 'modified-flow',
      title: 'The modified flow: Rayleigh form of the modified potential',
      statement: {
        text:
          `𝓛 = −Ṽ, Ṽ = V + ${paren(f.eta)}/4·‖∇V‖², R = ½‖θ'‖²: ` +
          "the equation is θ' = −d − " +
          `${paren(f.eta)}/2·(H + λ)d, d = ∇L + λθ (docs/theory.md §3.3)`,
        latex: `\\tilde V = V + \\tfrac{\\eta}{4}\\lVert\\nabla V\\rVert^2`,
      },
      data: { kind: 'rayleigh', potential: 'modified', metric: ONES },
      verdict,
      note:
        'the first-order modified flow and the second-order form (η/2)θ̈ + θ̇ = −d agree to O(η²); only the ' +
        'second has a Lagrangian in (θ, θ̇, t)',
    });
  }
  if (p !== undefined) laws.push(noetherLaw(f, rule, p, dyn!, seed));
  if (rule.kind === 'precond') laws.push(metricLaw(rule, seed));
  return laws;
}

/** The charge's degree in θ (every term the same), from the dynamics' charge sum. */
function chargeDegree(dyn: Dynamics): 1 | 2 | undefined {
  if (dyn.charge.kind !== 'trace' || dyn.chargeSum.length === 0) return undefined;
  const ds = new Set(dyn.chargeSum.map((t) => t.word.filter((l) => l.kind === 'block').length));
  const d = ds.size === 1 ? [...ds][0] : undefined;
  return d === 1 || d === 2 ? d : undefined;
}

function noetherLaw(
  f: Exclude<ContinuousForm, { kind: 'none' }>,
  rule: Rule,
  p: 1 | 2,
  dyn: Dynamics,
  seed: number,
): LagrangianLaw {
  const X_ = generator(p);
  const Q = chargeOf(X_);
  const constraint = inner(gradient(GENERIC_LOSS), X_);
  if (f.kind === 'first-order') {
    // Along G θ̇ = −∇V: dQ/dt = ⟨X, θ̇⟩ = −⟨X, ∇L⟩ − λ⟨θ, X⟩ = −⟨X, ∇L⟩ −
    // pλQ; compare with the decay law.
    const flow = new Map(V.map((vi, i) => [vi, neg(add(gradient(GENERIC_LOSS)[i]!, mul(f.lambda, x[i]!)))]));
    const along = substitute(inner(X_, v), flow);
    const decay = dyn.laws.find((l) => l.id === 'continuous-decay');
    const rateOf = decay && decay.data.kind === 'decay' ? decay.data.rate : mul(num(p), f.lambda);
    const verdict = identity(
      [along],
      [sub(neg(constraint), mul(rateOf, Q))],
      `along the flow dQ/dt = −⟨∇L, X⟩ − (${toText(rateOf)})·Q`,
      seed,
    );
    return {
      kind: 'lagrangian-law',
      id: 'noether',
      title: "Noether's learning dynamics (first-order flow)",
      statement: {
        text:
          "dQ/dt = ⟨X, θ'⟩ = −⟨∇L, X⟩ − λ⟨θ, X⟩ = " +
          `−(${toText(rateOf)})·Q: ⟨∇L, X⟩ = 0 is the gradient ` +
          `constraint, weight decay breaks the symmetry` +
          (decay ? '; the rate is the continuous-decay law’s' : ''),
        latex: `\\dot Q = -\\langle \\nabla L, X\\rangle - ${toLatex(rateOf)}\\, Q`,
      },
      data: { kind: 'noether', rate: ZERO_E, mass: ZERO_E, decay: rateOf },
      verdict,
    };
  }
  const { charge, rate: r } = noetherRate(f, X_);
  const factor = call('exp', mul(rate(f), sym(T)));
  const general = identity(
    [r],
    [
      mul(
        factor,
        add(neg(constraint), neg(mul(f.lambda, inner(x, X_))), mul(f.m, kineticBreaking(X_, f.metric))),
      ),
    ],
    'dQ_N/dt = e^{kt}[−⟨∇L, X⟩ − λ⟨θ, X⟩ + m⟨Gθ̇, J_Xθ̇⟩] along solutions',
    seed,
  );
  const steps: Verdict[] = [general];
  const osc = dyn.laws.find((l) => l.id === 'oscillator');
  let compared = '';
  if (rule.kind === 'momentum' && osc && osc.data.kind === 'oscillator') {
    // Q_N = e^{kt} m Q̇ with k = 2γ, and dQ_N/dt = e^{kt} m (2Q₂(θ̇) − ω²Q − ⟨∇L, X⟩/m):
    // the oscillator.
    const { gamma, omega2 } = osc.data;
    const kk = mul(num(2), gamma);
    const expK = call('exp', mul(kk, sym(T)));
    const q2 = mul(half, kineticBreaking(X_, ONES));
    steps.push(
      identity(
        [charge],
        [mul(expK, f.m, inner(X_, v))],
        'Q_N = e^{2γt}·m·dQ/dt with the oscillator’s γ',
        seed,
      ),
      identity(
        [r],
        [mul(expK, add(neg(constraint), mul(f.m, sub(mul(num(2), q2), mul(omega2, Q)))))],
        'dQ_N/dt = e^{2γt}[m(2Q₂(θ̇) − ω²Q) − ⟨∇L, X⟩] with the oscillator’s ω²',
        seed,
      ),
    );
    compared =
      "; with ∇Q = X, Q_N = e^{2γt}·m·Q' and this is Q'' + 2γQ' + ω²Q = 2Q₂(θ'), the oscillator law " +
      'above (its γ and ω² compared exactly)';
  }
  const G = f.metric === ONES ? '' : 'G';
  const { m, k } = shown(f);
  const e = `e^{${paren(k)} t}`;
  return {
    kind: 'lagrangian-law',
    id: 'noether',
    title: "Noether's learning dynamics: kinetic and weight-decay symmetry breaking",
    statement: {
      text:
        `Q_N = ⟨∂𝓛/∂θ', X⟩ = ${e}·${paren(m)}·⟨${G}θ', X⟩; ` +
        `dQ_N/dt = ${e}·[ −⟨∇L, X⟩ − λ⟨θ, X⟩ + ` +
        `${paren(m)}·⟨${G}θ', J_X θ'⟩ ]: ⟨∇L, X⟩ = 0 is the gradient constraint, ⟨θ, X⟩ = ` +
        `${p === 1 ? '' : p}Q is weight decay's breaking, the last term the kinetic symmetry breaking${compared}`,
      latex:
        `\\frac{dQ_N}{dt} = e^{k t}\\left[-\\langle\\nabla L, X\\rangle - \\lambda\\langle\\theta, X\\rangle + ` +
        `m\\langle ${G}\\dot\\theta, J_X\\dot\\theta\\rangle\\right]`,
    },
    data: { kind: 'noether', rate: rate(f), mass: f.m, decay: mul(num(p), f.lambda, pow(f.m, num(-1))) },
    verdict: weakest(steps),
    note: `X_i = ${p === 2 ? 'χ_i θ_i' : 'ξ_i'} per coordinate (the catalog generators at one entry per block)`,
  };
}

/**
 * Noether's learning dynamics for a metric G(θ, t), proved once for every second-order form: m and c₁
 * free symbols, G_i affine in θ and t with free coefficients (the identity involves G only through its
 * 1-jet), X_i = χ_i θ_i + ξ_i.
 */
function metricLaw(rule: Rule, seed: number): LagrangianLaw {
  const lambda = 'wd' in rule.params ? hyperExpr(rule.params.wd) : num(0);
  const f: Extract<ContinuousForm, { kind: 'second-order' }> = {
    kind: 'second-order',
    m: sym('m'),
    c1: sym('c₁'),
    metric: GENERIC_METRIC,
    lambda,
    eta: sym('eta'),
    beta: num(0),
    damp: num(0),
  };
  const { rate: along, stated } = metricNoether(f, GENERIC_METRIC, generator('both'));
  return {
    kind: 'lagrangian-law',
    id: 'metric-noether',
    title: "Noether's learning dynamics for a metric G(θ, t): kinetic symmetry breaking",
    statement: {
      text:
        "𝓛 = e^{kt}[ ½m·θ'ᵀG(θ, t)θ' − L − λ/2·‖θ‖² ], Q_N = e^{kt}·m·⟨Gθ', X⟩: " +
        'dQ_N/dt = e^{kt}·[ −⟨∇L, X⟩ ' +
        "− λ⟨θ, X⟩ + m⟨Gθ', J_X θ'⟩ + ½m·θ'ᵀ(D_X G)θ' ], λ = " +
        `${toText(lambda)}; the last two terms are δ_X K, the change of the kinetic energy ` +
        "K = ½m·θ'ᵀGθ' under the symmetry's action on (θ, θ'): zero exactly when K is invariant",
      latex:
        '\\frac{dQ_N}{dt} = e^{kt}\\left[-\\langle\\nabla L, X\\rangle - \\lambda\\langle\\theta, X\\rangle + ' +
        'm\\langle G\\dot\\theta, J_X\\dot\\theta\\rangle + ' +
        '\\tfrac{m}{2}\\dot\\theta^\\top (D_X G)\\dot\\theta\\right]',
    },
    data: { kind: 'noether', rate: mul(f.c1, pow(f.m, num(-1))), mass: f.m, decay: ZERO_E },
    verdict: identity(
      [along],
      [stated],
      'dQ_N/dt = e^{kt}[−⟨∇L, X⟩ − λ⟨θ, X⟩ + δ_X K] along solutions',
      seed,
    ),
    note:
      'θ̈ solved from the Euler–Lagrange equation itself; m, k = c₁/m free, G_i affine in θ and t with free ' +
      'coefficients (the identity uses only the 1-jet of G), X_i = χ_i θ_i + ξ_i' +
      (rule.kind === 'adam'
        ? "; Adam's metric read along a run is a G(t), so D_X G = 0 and the breaking is m⟨Gθ', J_X θ'⟩"
        : ''),
  };
}

/**
 * A Lagrangian affine in θ̇, 𝓛 = Σ a_i(θ, t) θ̇_i + b(θ, t) with generic a_i, b: its Euler–Lagrange
 * expression is free of θ̇ and θ̈ (for one coordinate) — no first-order flow comes out of it.
 */
export function noLagrangianProof(): { readonly expression: Expr; readonly freeOfVelocity: boolean } {
  const generic = (name: string): Expr =>
    add(
      ...[0, 1, 2].flatMap((i) =>
        [0, 1].map((j) => mul(sym(`${name}${i}${j}`), pow(x[0]!, num(i)), pow(sym(T), num(j)))),
      ),
    );
  const lag = add(mul(generic('a'), v[0]!), generic('b'));
  const el = add(totalDerivative(diff(lag, V[0]!)), neg(diff(lag, X[0]!)));
  const expression = expanded(el);
  const names = symbols(expression);
  return { expression, freeOfVelocity: !names.has(V[0]!) && !names.has(A[0]!) };
}
