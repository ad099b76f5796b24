/** Every theorem module, in the order `noether prove --all` prints them. */
import type { Theorem } from './lib';
import { theorem as nmTranslationGradient } from './nm-translation-gradient';
import { theorem as nmTranslationHessian } from './nm-translation-hessian';
import { theorem as nmTranslationCharge } from './nm-translation-charge';
import { theorem as nmScaleGradient } from './nm-scale-gradient';
import { theorem as nmScaleHessian } from './nm-scale-hessian';
import { theorem as nmScaleCharge } from './nm-scale-charge';
import { theorem as nmRescaleGradient } from './nm-rescale-gradient';
import { theorem as nmRescaleHessian } from './nm-rescale-hessian';
import { theorem as nmRescaleCharge } from './nm-rescale-charge';
import { theorem as guLinearBalance } from './gu-linear-balance';
import { theorem as nmLinearGradient } from './nm-linear-gradient';
import { theorem as guAugmentationGradient } from './gu-augmentation-gradient';
import { theorem as guAugmentationHessian } from './gu-augmentation-hessian';
import { theorem as guLayerBalance } from './gu-layer-balance';

export const THEOREMS: readonly Theorem[] = [
  nmTranslationGradient,
  nmTranslationHessian,
  nmTranslationCharge,
  nmScaleGradient,
  nmScaleHessian,
  nmScaleCharge,
  nmRescaleGradient,
  nmRescaleHessian,
  nmRescaleCharge,
  guLinearBalance,
  nmLinearGradient,
  guAugmentationGradient,
  guAugmentationHessian,
  guLayerBalance,
];

export { prove, type Theorem } from './lib';
export { proveRule, RULE_THEOREMS, type RuleTheorem } from './rules';
export { proveMirror, MIRROR_THEOREMS, type MirrorTheorem } from './mirror';
export { proveDcs, DCS_THEOREM } from './dcs';
export { proveGuTime, GU_TIME_THEOREM } from './gu-time';
export { proveGuLayerBound, GU_LAYER_BOUND_THEOREM } from './gu-layer-bound';
export { proveNldLagrangian, NLD_LAGRANGIAN_THEOREM } from './nld-lagrangian';
export { proveRecipeProduct, recipeProductTheorem } from './recipe-product';
export { proveRecipeGroup, recipeGroupTheorem } from './recipe-group';
export { proveRecipeFactor, recipeFactorTheorem } from './recipe-factor';

import type { Family } from '../src/recipe/family';
import type { Certificate, TheoremHead } from '../src/certificate';
import { proveRecipeProduct, recipeProductTheorem } from './recipe-product';
import { proveRecipeGroup, recipeGroupTheorem } from './recipe-group';
import { proveRecipeFactor, recipeFactorTheorem } from './recipe-factor';

/** The equivalence of minima for a family of the constraint recipe (docs/theory.md §4.7). */
export function proveRecipe(f: Family, seed = 1): Certificate {
  switch (f.kind) {
    case 'product':
      return proveRecipeProduct(f.depth, seed);
    case 'group':
      return proveRecipeGroup(f.size ?? 1, seed);
    case 'factor':
      return proveRecipeFactor(f.depth, seed);
  }
}

/** The recipe theorems as `noether prove` lists them: one instance each (3 factors, groups of 3, 2 factors). */
export const RECIPE_THEOREMS: readonly {
  readonly head: TheoremHead;
  readonly run: (seed: number) => Certificate;
}[] = [
  { head: recipeProductTheorem(3), run: (seed) => proveRecipeProduct(3, seed) },
  { head: recipeGroupTheorem(3), run: (seed) => proveRecipeGroup(3, seed) },
  { head: recipeFactorTheorem(2), run: (seed) => proveRecipeFactor(2, seed) },
];
