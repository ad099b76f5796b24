/**
 * A per-test time limit that also holds for synchronous tests. Jest's `testTimeout` is a timer on
 * the event loop: a synchronous test (every fast-check property here, every ODE integration) blocks
 * the loop, so the timer cannot fire while it runs, and a synchronous test that overruns still
 * *passes* once it returns. This environment (jest.config.js `testEnvironment`) adds:
 *
 * - a test that returns after its limit (its own timeout, or `testTimeout`) fails, naming the time;
 * - a watchdog thread that, if a test or hook is still running at twice its limit, prints which one
 *   and kills the test process — a hang (a broken integrator taking ever smaller steps) then fails
 *   the test file in about 2 × `testTimeout` instead of running for minutes. Its test file is
 *   reported as failed ("A jest worker process … was terminated").
 */
import { TestEnvironment } from 'jest-environment-node';
import type { Circus } from '@jest/types';
import { Worker } from 'node:worker_threads';

/** The watchdog: told what is running and its deadline; kills the process when one passes. */
const WATCHDOG = `
const { parentPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
let current;
parentPort.on('message', (m) => { current = m; });
setInterval(() => {
  if (current && current.deadline !== undefined && Date.now() > current.deadline) {
    writeSync(2, '\\n[time limit] ' + current.what + ' still running after ' + current.after +
      ' ms (twice its limit): killing the test process\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}, 250);
`;

/** How long past its limit a running test or hook is given before the process is killed. */
const HARD_FACTOR = 2;

export default class TimeLimitEnvironment extends TestEnvironment {
  private readonly limit: number;
  private watchdog: Worker | undefined;
  private started = 0;

  constructor(...args: ConstructorParameters<typeof TestEnvironment>) {
    super(...args);
    this.limit = args[0].globalConfig.testTimeout ?? 5000;
  }

  override async setup(): Promise<void> {
    await super.setup();
    this.watchdog = new Worker(WATCHDOG, { eval: true });
    this.watchdog.unref();
  }

  override async teardown(): Promise<void> {
    await this.watchdog?.terminate();
    await super.teardown();
  }

  private arm(what: string, limit: number): void {
    this.started = Date.now();
    const after = HARD_FACTOR * limit;
    this.watchdog?.postMessage({ what, after, deadline: this.started + after });
  }

  private disarm(): void {
    this.watchdog?.postMessage({});
  }

  handleTestEvent(event: Circus.Event): void {
    switch (event.name) {
      case 'hook_start':
        this.arm(`a ${event.hook.type} hook`, event.hook.timeout ?? this.limit);
        break;
      case 'test_fn_start':
        this.arm(`test "${event.test.name}"`, event.test.timeout ?? this.limit);
        break;
      case 'test_fn_success': {
        const limit = event.test.timeout ?? this.limit;
        const ms = Date.now() - this.started;
        if (ms > limit && !event.test.failing) {
          const err = new Error(`the test ran for ${ms} ms, over its time limit of ${limit} ms`);
          err.stack = err.message; // no code frame: the place is the whole test
          event.test.errors.push(err);
        }
        this.disarm();
        break;
      }
      case 'test_fn_failure':
      case 'hook_success':
      case 'hook_failure':
        this.disarm();
        break;
      default:
        break;
    }
  }
}
