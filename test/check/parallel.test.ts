/**
 * Checks on worker threads (src/check/parallel.ts): the report is the same whatever the number of
 * threads — the same worst residuals, counts, skipped cases and the same shrunk counterexample —
 * and an input error met in a worker is an input error for the caller. Under jest the workers run
 * the TypeScript sources through ts-node, so each test starts threads that compile for a few seconds,
 * and the caller's thread, which takes cases from the same counter meanwhile, takes most of them:
 * `callerTakesCases: false` leaves every case to the workers, so what they compute is compared too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog } from '../../src/catalog';
import { parseDeclarationText } from '../../src/declaration/load';
import { checkDeclaration, checkBlockMirror } from '../../src/check';
import type { BlockDeclaration, BlockMirrorDeclaration } from '../../src/declaration/types';
import { UserInputError } from '../../numeric/errors';

const block = (name: string): BlockDeclaration => loadCatalog(name) as BlockDeclaration;

describe('a check on worker threads gives the report of the sequential check', () => {
  // One thread layout each (every pool started compiles the sources in its workers): two workers
  // alone, the caller with two workers, three workers alone.
  it.each([
    ['rescale', {}, { jobs: 2, callerTakesCases: false }],
    ['translation', { arch: { losses: ['ce' as const] } }, { jobs: 3 }],
    ['scale', {}, { jobs: 3, callerTakesCases: false }],
  ])(
    '%s: jobs 1 and %j give the same report',
    (name, extra, threads) => {
      const opts = { seed: 5, runs: 12, ...extra };
      const one = checkDeclaration(block(name), opts);
      expect(one.verdict.kind).toBe('numerically-verified');
      expect(checkDeclaration(block(name), { ...opts, ...threads })).toEqual(one);
    },
    60_000,
  );

  it('a refuted declaration: the same first failing case, shrunk to the same replay path', () => {
    const decl = parseDeclarationText(
      readFileSync(join(__dirname, '../../examples/rescale-wrong-exponent.yaml'), 'utf8'),
      'examples/rescale-wrong-exponent.yaml',
    ) as BlockDeclaration;
    const one = checkDeclaration(decl, { seed: 1, runs: 30 });
    expect(one.verdict.kind).toBe('refuted');
    expect(one.counterexample).toBeDefined();
    expect(checkDeclaration(decl, { seed: 1, runs: 30, jobs: 2, callerTakesCases: false })).toEqual(one);
  }, 60_000);

  it('a block-level mirror: the same laws (the threshold experiment stays on the caller)', () => {
    const decl = loadCatalog('unit-swap') as BlockMirrorDeclaration;
    const opts = { seed: 2, runs: 6, collapseSamples: 0 };
    expect(checkBlockMirror(decl, { ...opts, jobs: 2, callerTakesCases: false })).toEqual(
      checkBlockMirror(decl, opts),
    );
  }, 60_000);

  it('graph models: attention and conv-channel sites, and a refuted head swap, as sequentially', () => {
    for (const [name, arch] of [
      ['attention-qk', undefined],
      ['channel-rescale', undefined],
    ] as const) {
      const opts = { seed: 3, runs: 8, ...(arch ? { arch } : {}) };
      const one = checkDeclaration(block(name), opts);
      expect(one.verdict.kind).toBe('numerically-verified');
      expect(checkDeclaration(block(name), { ...opts, jobs: 2, callerTakesCases: false })).toEqual(one);
    }
    // Q and K swapped without V and O: refuted on a transformer block, the same shrunk case.
    const qkOnly = parseDeclarationText(
      readFileSync(join(__dirname, '../../examples/head-swap-qk-only.yaml'), 'utf8'),
      'examples/head-swap-qk-only.yaml',
    ) as BlockMirrorDeclaration;
    const opts = { seed: 1, runs: 10, collapseSamples: 0 };
    const one = checkBlockMirror(qkOnly, opts);
    expect(one.verdict.kind).toBe('refuted');
    expect(checkBlockMirror(qkOnly, { ...opts, jobs: 2, callerTakesCases: false })).toEqual(one);
  }, 90_000);

  it.each([false, true])(
    'an input error met in a worker (or on the caller: %s) is an input error for the caller (exit 2, not a bug)',
    (callerTakesCases) => {
      const gl = block('gl');
      const run = (): unknown =>
        checkDeclaration(gl, {
          runs: 2,
          jobs: 2,
          callerTakesCases,
          arch: { widths: [4, 10000, 3], acts: ['linear'], norms: ['none'] },
        });
      expect(run).toThrow(UserInputError);
      expect(run).toThrow(/constant E is 10000×10000 at linear-layer sites/);
    },
    60_000,
  );
});
