/**
 * Sampled cases evaluated on worker threads and on the caller's own, synchronously for the caller.
 * A check's residual function is rebuilt in each worker from a {@link SiteJob} (plain data); every
 * thread takes the next case index of fast-check's sequence for the seed from one shared counter, so
 * the caller works while the workers start and a slow thread takes fewer cases. The caller sorts the
 * outcomes back into case order, so a report is byte-identical whatever the number of threads: the
 * same worst residuals, the same first failing case (shrunk afterwards by fast-check, on the
 * caller's thread).
 *
 * Once out of cases, the caller blocks on Atomics.wait (waking every 100 ms to report progress) and
 * reads results with receiveMessageOnPort: the CLI stays synchronous. Every error a thread meets is
 * an outcome (an input error stays one); a worker killed outright (out of memory) would leave the
 * caller waiting, so checks whose networks approach the memory limits run with --jobs 1.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ArchConstraints } from '../../numeric/arbitraries';
import type { SiteKind } from '../../numeric/sites';
import type { BlockDeclaration, BlockMirrorDeclaration } from '../declaration/types';
import type { Derivation } from '../derivation';

/** What a worker needs to rebuild a check's residual function. */
export type SiteJob =
  | { readonly kind: 'block'; readonly decl: BlockDeclaration; readonly derivation: Derivation }
  | { readonly kind: 'mirror'; readonly decl: BlockMirrorDeclaration };

/** One case's outcome: its residuals in the job's key order (null where a law gave none), or why not. */
export type CaseOutcome =
  | { readonly kind: 'residuals'; readonly index: number; readonly values: readonly (number | null)[] }
  | { readonly kind: 'skipped'; readonly index: number }
  | { readonly kind: 'error'; readonly index: number; readonly input: boolean; readonly message: string };

/** What a worker starts with: the job, its port back to the caller, and the shared counters. */
export interface WorkerSetup {
  readonly job: SiteJob;
  readonly port: MessagePort;
  /** Int32 slots: [0] tasks finished (over all workers), [1] cases evaluated, [2] the next case to take. */
  readonly counters: SharedArrayBuffer;
}

/** One site kind's cases, sent to every worker. */
export interface WorkerTask {
  readonly siteKind: SiteKind;
  readonly arch: ArchConstraints;
  readonly seed: number;
  readonly runs: number;
}

/** The next case index of a task of `runs` cases from the shared counters, or −1 when none is left. */
export function claim(count: Int32Array, runs: number): number {
  const i = Atomics.add(count, 2, 1);
  return i < runs ? i : -1;
}

/** The worker's entry: compiled JavaScript next to this module, or the TypeScript source under ts-node. */
function workerScript(): { file: string; execArgv: string[] } {
  const js = join(__dirname, 'worker.js');
  if (existsSync(js)) return { file: js, execArgv: [] };
  return { file: join(__dirname, 'worker.ts'), execArgv: ['--require', 'ts-node/register/transpile-only'] };
}

/**
 * Worker threads for one check: started once (each rebuilds the job's residual function), then
 * given one site kind's cases at a time, which the caller's thread takes from too. Close it when done.
 */
export class WorkerPool {
  private readonly count: Int32Array;
  private readonly ports: MessagePort[] = [];
  private readonly threads: Worker[] = [];
  private finished = 0;

  constructor(job: SiteJob, workers: number) {
    const counters = new SharedArrayBuffer(12);
    this.count = new Int32Array(counters);
    const { file, execArgv } = workerScript();
    for (let w = 0; w < workers; w++) {
      const { port1, port2 } = new MessageChannel();
      this.ports.push(port1);
      const setup: WorkerSetup = { job, port: port2, counters };
      this.threads.push(new Worker(file, { execArgv, workerData: setup, transferList: [port2] }));
    }
  }

  /**
   * Evaluate one site kind's `runs` cases; the outcomes in case order. `local(i)`, when given, is case
   * i's outcome on the caller's thread, which then takes cases as the workers do until none is left.
   * `progress(done)` as cases finish.
   */
  evaluate(
    task: WorkerTask,
    progress: (done: number) => void,
    local?: (i: number) => CaseOutcome,
  ): CaseOutcome[] {
    const start = Atomics.load(this.count, 1);
    // Every worker finished the last task, so none takes from the counter while it is reset.
    Atomics.store(this.count, 2, 0);
    for (const t of this.threads) t.postMessage(task);
    const outcomes: CaseOutcome[] = [];
    const drain = (): void => {
      for (const p of this.ports)
        for (let m = receiveMessageOnPort(p); m; m = receiveMessageOnPort(p))
          outcomes.push(...(m.message as CaseOutcome[]));
    };
    let reported = 0;
    const report = (): void => {
      const done = Atomics.load(this.count, 1) - start;
      if (done > reported) progress((reported = done));
    };
    if (local)
      for (let i = claim(this.count, task.runs); i >= 0; i = claim(this.count, task.runs)) {
        outcomes.push(local(i));
        Atomics.add(this.count, 1, 1);
        report();
      }
    const target = this.finished + this.threads.length;
    for (;;) {
      const finished = Atomics.load(this.count, 0);
      report();
      drain();
      if (finished >= target) break;
      Atomics.wait(this.count, 0, finished, 100);
    }
    drain();
    this.finished = target;
    if (outcomes.length !== task.runs)
      throw new Error(
        `parallel check: ${outcomes.length} outcomes for ${task.runs} cases (a worker failed?)`,
      );
    return outcomes.sort((x, y) => x.index - y.index);
  }

  close(): void {
    for (const t of this.threads) void t.terminate();
    for (const p of this.ports) p.close();
  }
}
