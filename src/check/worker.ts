/**
 * A check's worker thread (see parallel.ts): rebuilds the residual function from its job once,
 * then for each task takes case indices from the counter it shares with the caller and the other
 * workers, builds and evaluates those cases of fast-check's sequence for the seed, and sends their
 * outcomes back in one message. Every error is sent back as an outcome, so the caller is never left
 * waiting.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { NetworkCase } from '../../numeric/arbitraries';
import type { GraphCase } from '../../numeric/graph/sites';
import { caseBuilder, failure, outcomeOf } from './caseAt';
import { jobResiduals } from './jobs';
import { type CaseOutcome, type WorkerSetup, type WorkerTask, claim } from './parallel';

const setup = workerData as WorkerSetup;
const count = new Int32Array(setup.counters);

let residualsOf: ((c: NetworkCase | GraphCase) => (number | null)[] | undefined) | undefined;
let setupError: unknown;
try {
  residualsOf = jobResiduals(setup.job);
} catch (err) {
  setupError = err;
}

parentPort!.on('message', (task: WorkerTask) => {
  const out: CaseOutcome[] = [];
  try {
    // Nothing can be evaluated when the job or the sampler failed: every case taken carries the error.
    let build: ((i: number) => NetworkCase | GraphCase) | undefined;
    let broken = setupError;
    if (residualsOf)
      try {
        build = caseBuilder(task);
      } catch (err) {
        broken = err;
      }
    for (let i = claim(count, task.runs); i >= 0; i = claim(count, task.runs)) {
      out.push(build && residualsOf ? outcomeOf(i, build, residualsOf) : failure(i, broken));
      Atomics.add(count, 1, 1);
    }
  } finally {
    setup.port.postMessage(out);
    Atomics.add(count, 0, 1);
    Atomics.notify(count, 0);
  }
});
