/**
 * A parallel check's residual function, rebuilt from its job in a worker thread: the block check's
 * or the mirror check's, with residuals in the order of the keys the caller holds.
 */
import type { NetworkCase } from '../../numeric/arbitraries';
import type { GraphCase } from '../../numeric/graph/sites';
import { blockResidualFunction } from './block';
import { mirrorResidualFunction } from './mirror';
import type { SiteJob } from './parallel';
import { inKeyOrder } from './caseAt';

export function jobResiduals(job: SiteJob): (c: NetworkCase | GraphCase) => (number | null)[] | undefined {
  const { keys, residualsOf } =
    job.kind === 'block' ? blockResidualFunction(job.decl, job.derivation) : mirrorResidualFunction(job.decl);
  return (c) =>
    inKeyOrder(
      keys as readonly unknown[],
      (residualsOf as (c: NetworkCase | GraphCase) => Map<unknown, number> | undefined)(c),
    );
}
