/**
 * Cases of a parallel check by their index in fast-check's sequence for the seed, for whichever
 * thread takes them (a worker or the caller), and a case's outcome as the threads report it.
 */
import fc from 'fast-check';
import type { NetworkCase } from '../../numeric/arbitraries';
import { siteCaseParts } from '../../numeric/arbitraries';
import { type GraphCase, graphCaseParts } from '../../numeric/graph/sites';
import { isGraphSiteKind } from '../../numeric/sites';
import { UserInputError } from '../../numeric/errors';
import type { CaseOutcome, WorkerTask } from './parallel';

/**
 * The i-th case of fast-check's sequence for the task's seed, built on demand: the fields of every
 * case are drawn (cheap), a case is built only when asked for.
 */
export function caseBuilder(task: WorkerTask): (i: number) => NetworkCase | GraphCase {
  if (isGraphSiteKind(task.siteKind)) {
    const { fields, build } = graphCaseParts(task.siteKind, task.arch.graph);
    const all = fc.sample(fields, { seed: task.seed, numRuns: task.runs });
    return (i) => build(all[i]!);
  }
  const { fields, build } = siteCaseParts(task.siteKind, task.arch);
  const all = fc.sample(fields, { seed: task.seed, numRuns: task.runs });
  return (i) => build(all[i]!);
}

/** An error met at case `index`, as an outcome (an input error stays one for the caller). */
export const failure = (index: number, err: unknown): CaseOutcome => ({
  kind: 'error',
  index,
  input: err instanceof UserInputError,
  message: err instanceof Error ? err.message : String(err),
});

/** A case's residuals in the order of the keys (null where a key gave none): what a thread reports. */
export const inKeyOrder = <K>(
  keys: readonly K[],
  m: ReadonlyMap<K, number> | undefined,
): (number | null)[] | undefined => m && keys.map((k) => m.get(k) ?? null);

/** Case i's outcome: its residuals in key order (null where a key gave none), skipped, or the error met. */
export function outcomeOf(
  i: number,
  build: (i: number) => NetworkCase | GraphCase,
  residualsOf: (c: NetworkCase | GraphCase) => (number | null)[] | undefined,
): CaseOutcome {
  try {
    const values = residualsOf(build(i));
    return values ? { kind: 'residuals', index: i, values } : { kind: 'skipped', index: i };
  } catch (err) {
    return failure(i, err);
  }
}
