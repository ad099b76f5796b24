/**
 * `noether check` for concrete declarations (a scalar loss over a few parameters): the derivation
 * again, with the check's number of random points and seed, and for a mirror the attraction
 * threshold it derives against gradient descent on sampled data sets.
 */
import type { ConcreteDeclaration, MirrorDeclaration } from '../declaration/types';
import { SCHEMA_VERSION } from '../derivation';
import { derive } from '../derive';
import { reflectionOf } from '../mirror/derive';
import { collapseExperiment } from '../mirror/toyCollapse';
import type { PointCheckReport } from './report';

/** Options of {@link checkConcrete}. */
export interface PointCheckOptions {
  readonly seed?: number;
  /** Random points per law (default 100); for a mirror also the sampled data sets (default 50). */
  readonly runs?: number;
}

/** Check a concrete or mirror declaration's laws at random points (and a mirror's threshold). */
export function checkConcrete(
  decl: ConcreteDeclaration | MirrorDeclaration,
  opts: PointCheckOptions = {},
): PointCheckReport {
  const seed = opts.seed ?? 1;
  const derivation = derive(decl, { seed, points: opts.runs ?? 100 });
  // The threshold experiment only for a mirror that is one: a refuted symmetry has no set to attract.
  const collapse =
    decl.kind === 'mirror' && derivation.verdict.kind !== 'refuted'
      ? collapseExperiment(
          decl,
          reflectionOf(decl).map((r) => r.map((x) => Number(x.n) / Number(x.d))),
          { samples: opts.runs ?? 50, seed },
        )
      : undefined;
  return {
    kind: 'point-check',
    schemaVersion: SCHEMA_VERSION,
    derivation,
    ...(collapse ? { collapse } : {}),
    verdict: derivation.verdict,
  };
}
