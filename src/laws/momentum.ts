/**
 * Momentum dynamics lifted to phase space, so that the same machinery counts their laws [MGP24].
 *
 * The heavy-ball flow τθ̈ + θ̇ = −∇L(θ) is first order on (θ, v = θ̇):
 * θ̇ = v, v̇ = −(v + ∇L)/τ. A law may depend on time, so time is a coordinate too — through
 * s = e^{t/τ} (ṡ = s/τ), which keeps every field polynomial and turns the damping factors e^{t/τ}
 * of time-dependent laws into polynomials. For a loss through φ, ∇L = Σ_k c_k ∇φ_k with
 * coefficients the loss can make anything at a point (zero included), so a function of (θ, v, s)
 * is conserved for every loss exactly when it is conserved by F₀ = v·∂_θ − v·∂_v + s·∂_s and by
 * every F_k = −∇φ_k·∂_v (τ = 1; another τ > 0 rescales time and v and changes no count). The Lie
 * algebra these generate in the 2D + 1 coordinates gives
 * the count, as for gradient flow.
 */
import { rat } from '../expr/rational';
import type { FieldSource } from './fields';
import { addPoly, variable, type Field, type Poly } from './poly';

/** The lifted fields of momentum dynamics on (θ, v, s), from a model's gradient-flow fields. */
export function momentumFields(src: FieldSource): FieldSource {
  const dim = src.names.length;
  const v = (i: number): number => dim + i;
  const s = 2 * dim;
  const f0 = new Map<number, Poly>();
  for (let i = 0; i < dim; i++) {
    f0.set(i, variable(v(i)));
    f0.set(v(i), addPoly(new Map(), variable(v(i)), rat(-1)));
  }
  f0.set(s, variable(s));
  const lifted: Field[] = [
    f0,
    ...src.fields.map((f) => {
      const out = new Map<number, Poly>();
      for (const [i, p] of f) out.set(v(i), addPoly(new Map(), p, rat(-1)));
      return out;
    }),
  ];
  const liftField = (f: Field): Field => {
    const out = new Map<number, Poly>();
    for (const [i, p] of f) out.set(v(i), addPoly(new Map(), p, rat(-1)));
    return out;
  };
  return {
    names: [...src.names, ...src.names.map((n) => `v_${n}`), 's'],
    fields: lifted,
    ...(src.verify ? { verify: [f0, ...src.verify.map(liftField)] } : {}),
    model:
      `momentum flow θ̈ + θ̇ = −∇L on (θ, v = θ̇, s = e^t) for ${src.model}; ` +
      `laws may depend on time through s`,
  };
}
