/**
 * `check` for every kind of declaration: block-level symmetries and mirrors on sampled networks,
 * concrete declarations at random points, and a learning rule's laws on minibatch trajectories.
 */
import type { Declaration, BlockDeclaration } from '../declaration/types';
import { InputError } from '../declaration/errors';
import { deriveBlock } from '../derive/block';
import type { TrajectoryOptions, TrajectoryReport } from './trajectory';
import type { Rule } from '../rules/rule';
import { checkDeclaration } from './block';
import { checkBlockMirror } from './mirror';
import { checkConcrete } from './concrete';
import type { CheckOptions, CheckReport } from './report';

export type * from './report';
export { checkDeclaration, lawResiduals } from './block';
export { checkBlockMirror } from './mirror';
export { checkConcrete, type PointCheckOptions } from './concrete';
export { chargeDrift, type Drift } from './drift';
export { withTestedInvariance } from './invariance';

/**
 * Check every law a declaration implies: on sampled networks at its sites (block-level), at random
 * points (concrete), with the mirror experiments where the set exists.
 *
 * @example
 * const report = check(loadCatalog('rescale')!, { runs: 20 });
 * report.verdict.kind; // 'numerically-verified'
 */
export function check(decl: Declaration, opts: CheckOptions = {}): CheckReport {
  switch (decl.kind) {
    case 'block':
      return checkDeclaration(decl, opts);
    case 'block-mirror':
      return checkBlockMirror(decl, opts);
    case 'concrete':
    case 'mirror':
      return checkConcrete(decl, {
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
        ...(opts.runs !== undefined ? { runs: opts.runs } : {}),
      });
  }
}

/**
 * Check the laws by which a learning rule moves a block-level symmetry's charge, step by step on
 * minibatch trajectories of sampled networks.
 */
export function checkRule(decl: Declaration, rule: Rule, opts: TrajectoryOptions = {}): TrajectoryReport {
  if (decl.kind !== 'block')
    throw new InputError(
      decl.origin,
      'kind',
      decl.kind === 'block-mirror'
        ? 'a learning rule moves a charge, and a mirror has none (--rule works with continuous ' +
            'block-level declarations)'
        : '--rule works with block-level declarations (their charges are width-independent)',
    );
  const block: BlockDeclaration = decl;
  // The rule machinery (the dynamics, the trajectories) is loaded only for a rule's check.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { deriveDynamics } = require('../rules/dynamics') as typeof import('../rules/dynamics');
  const { checkTrajectories } = require('./trajectory') as typeof import('./trajectory');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return checkTrajectories(
    block,
    deriveDynamics(block, deriveBlock(block, { seed: opts.seed ?? 1 }), rule),
    opts,
  );
}
