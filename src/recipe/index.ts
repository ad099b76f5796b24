/** The constraint recipe (docs/theory.md §4.7): penalty grammar, derivation, trajectories, report. */
export {
  parsePenalty,
  penaltyText,
  PenaltyError,
  RECIPE_LIMITS,
  type Penalty,
  type PenaltyDomain,
} from './penalty';
export { recipeFor, deriveFamily, candidates, type RecipeDerivation } from './derive';
export { domainOf, familyText, type Family, type FamilyKind } from './family';
export { checkTrajectories, RECIPE_TOLERANCE, type TrajectoryCheck, type TrajectoryRun } from './trajectory';
export { recipeReport, type RecipeReport } from './report';
export { renderRecipe, recipeBody, recipeHeading } from './text';
