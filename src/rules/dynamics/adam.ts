/** Adam: no charge survives (its preconditioner moves in time); the exact per-step change of the charge. */
import type { RuleOf } from '../rule';
import type { DynamicsLaw } from './types';
import type { ChargeContext } from './context';
import { perStepIdentity } from './identity';

export function adamLaws(c: ChargeContext, rule: RuleOf<'adam'>): DynamicsLaw[] {
  return [perStepIdentity(c, rule)];
}
