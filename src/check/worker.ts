/**
 * A check's worker thread (see parallel.ts): rebuilds the residual function from its job once,
 * then for each task samples the case fields of fast-check's sequence for the seed, builds and
 * evaluates the cases i ≡ worker (mod workers), and sends their outcomes back in one message.
 * Every error is sent back as an outcome, so the caller is never left waiting.
 */
import { parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import type { NetworkCase } from '../../numeric/arbitraries';
import { siteCaseParts } from '../../numeric/arbitraries';
import { type GraphCase, graphCaseParts } from '../../numeric/graph/sites';
import { isGraphSiteKind } from '../../numeric/sites';
import { UserInputError } from '../../numeric/errors';
import { jobResiduals } from './jobs';
import type { CaseOutcome, WorkerSetup, WorkerTask } from './parallel';

const setup = workerData as WorkerSetup;
const count = new Int32Array(setup.counters);

const failure = (index: number, err: unknown): CaseOutcome => ({
  kind: 'error',
  index,
  input: err instanceof UserInputError,
  message: err instanceof Error ? err.message : String(err),
});

let residualsOf: ((c: NetworkCase | GraphCase) => (number | null)[] | undefined) | undefined;
let setupError: unknown;
try {
  residualsOf = jobResiduals(setup.job);
} catch (err) {
  setupError = err;
}

/**
 * The i-th case of fast-check's sequence for the task's seed, built on demand: the fields of every
 * case are drawn (cheap), a case is built only for the worker's own indices.
 */
function caseBuilder(task: WorkerTask): (i: number) => NetworkCase | GraphCase {
  if (isGraphSiteKind(task.siteKind)) {
    const { fields, build } = graphCaseParts(task.siteKind, task.arch.graph);
    const all = fc.sample(fields, { seed: task.seed, numRuns: task.runs });
    return (i) => build(all[i]!);
  }
  const { fields, build } = siteCaseParts(task.siteKind, task.arch);
  const all = fc.sample(fields, { seed: task.seed, numRuns: task.runs });
  return (i) => build(all[i]!);
}

parentPort!.on('message', (task: WorkerTask) => {
  const out: CaseOutcome[] = [];
  const mine = (runs: number): number[] =>
    Array.from({ length: runs }, (_, i) => i).filter((i) => i % setup.workers === setup.worker);
  try {
    if (!residualsOf) throw setupError;
    const build = caseBuilder(task);
    for (const i of mine(task.runs)) {
      try {
        const values = residualsOf(build(i));
        out.push(values ? { kind: 'residuals', index: i, values } : { kind: 'skipped', index: i });
      } catch (err) {
        out.push(failure(i, err));
      }
      Atomics.add(count, 1, 1);
    }
  } catch (err) {
    // Nothing evaluated (the job or the sampler failed): every case of this worker carries the error.
    out.length = 0;
    for (const i of mine(task.runs)) out.push(failure(i, err));
  } finally {
    setup.port.postMessage(out);
    Atomics.add(count, 0, 1);
    Atomics.notify(count, 0);
  }
});
