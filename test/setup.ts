// Property tests take their seed (and run count) from the environment, so a CI failure can be
// replayed: FC_SEED=<seed printed by fast-check> npm test.
import fc from 'fast-check';

const seed = process.env['FC_SEED'];
const runs = process.env['FC_RUNS'];
fc.configureGlobal({
  ...(seed !== undefined ? { seed: Number(seed) } : {}),
  ...(runs !== undefined ? { numRuns: Number(runs) } : {}),
});
