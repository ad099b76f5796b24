/** Records of a learning rule's effect on a charge: the laws, their data, and the whole derivation. */
import type { Expr } from '../../expr/ast';
import type { WordSum } from '../../derive/words';
import type { Rendered, SCHEMA_VERSION } from '../../derivation';
import type { Verdict } from '../../verdict';
import type { Rule } from '../rule';

/** Machine-readable content of a {@link DynamicsLaw}, by `kind`: the coefficients of its recursion, flow, identity. */
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
  /**
   * Scale invariance under SGD: ρ = ‖θ_A‖, ĝ = g(θ̂): ρ²_{k+1} = cQ ρ²_k + cG ‖ĝ_k‖²/ρ²_k; steady
   * state ρ⁴ = steady · ‖ĝ‖² (absent when cQ = 1: without weight decay ρ grows without bound).
   */
  | { readonly kind: 'normalisation'; readonly cQ: Expr; readonly cG: Expr; readonly steady?: Expr }
  /**
   * For a constant per-block metric G = diag(γ_B I): Q_G (with symbols γ_B) has ∇Q_G = G X, so θ̇ =
   * −G⁻¹g conserves it.
   */
  | {
      readonly kind: 'metric-charge';
      readonly sum: WordSum;
      readonly gammas: Readonly<Record<string, string>>;
    }
  /** dQ/dt = −rate · Q, so Q(t) = e^{−rate t} Q(0). */
  | { readonly kind: 'decay'; readonly rate: Expr }
  | { readonly kind: 'none' };

/** One law by which a learning rule moves a charge: statement, data, verdict, and a note where useful. */
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
  /** The statement at the rule's numeric step size (η symbolic in the derivation). */
  readonly atValues?: Rendered;
  readonly data: DynamicsData;
  readonly verdict: Verdict;
  readonly note?: string;
}

/**
 * How a learning rule moves a block-level symmetry's charge: the laws {@link deriveDynamics} derives
 * (an exact recursion, its continuous form, the per-step identity, …), each with its verdict, and the
 * word sums {@link checkRule} evaluates on trajectories.
 */
export interface Dynamics {
  readonly kind: 'dynamics';
  readonly schemaVersion: typeof SCHEMA_VERSION;
  /** The gradient constraint in the charge's form (what the derivation dropped). */
  readonly constraint: WordSum;
  /** The charge's word sum (canonical), evaluated on trajectories. */
  readonly chargeSum: WordSum;
  readonly symmetry: string;
  readonly rule: Rule;
  /** The charge whose dynamics these are. */
  readonly charge: { readonly statement: string; readonly kind: 'trace' | 'matrix' };
  readonly laws: readonly DynamicsLaw[];
  /** The Lagrangian view of the rule (`derive --rule`; src/rules/lagrangian.ts). */
  readonly lagrangian?: readonly LagrangianLaw[];
}

/** What a law of the Lagrangian view holds, by `kind`. */
export type LagrangianData =
  /**
   * 𝓛 = e^{rate·t}[(mass/2) θ̇ᵀGθ̇ − L − (λ/2)‖θ‖²]; its Euler–Lagrange equation is
   * e^{rate·t}·(the rule's ODE).
   */
  | {
      readonly kind: 'second-order';
      readonly mass: Expr;
      readonly damping: Expr;
      readonly rate: Expr;
      readonly lambda: Expr;
      /** The metric's diagonal on the two coordinates (1 where the rule has none). */
      readonly metric: readonly Expr[];
    }
  /** 𝓛 = −Ṽ, R = ½ θ̇ᵀGθ̇: the EL equation with dissipation is G θ̇ + ∇Ṽ = 0. */
  | { readonly kind: 'rayleigh'; readonly potential: 'V' | 'modified'; readonly metric: readonly Expr[] }
  /**
   * Noether's learning dynamics of Q_N = ⟨∂𝓛/∂θ̇, X⟩ = e^{rate·t}·mass·⟨Gθ̇, X⟩ (mass 0 and
   * rate 0 for a first-order flow, where dQ/dt = −decay·Q): dQ_N/dt = e^{rate·t}[−⟨∇L, X⟩ − λ⟨θ,
   * X⟩ + mass⟨Gθ̇, J_Xθ̇⟩].
   */
  | { readonly kind: 'noether'; readonly rate: Expr; readonly mass: Expr; readonly decay: Expr }
  | { readonly kind: 'none' };

/** One law of the Lagrangian view: statement, data, verdict, a note where useful. */
export interface LagrangianLaw {
  readonly kind: 'lagrangian-law';
  readonly id:
    'euler-lagrange' | 'rayleigh' | 'modified-flow' | 'noether' | 'metric-noether' | 'no-lagrangian';
  readonly title: string;
  readonly statement: Rendered;
  readonly data: LagrangianData;
  readonly verdict: Verdict;
  readonly note?: string;
}
