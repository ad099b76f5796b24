/**
 * `noether laws`: how many conservation laws gradient flow has for every loss and data set, which
 * they are, and whether the list is complete (docs/theory.md §6).
 *
 * Two bounds, each sound on its own: the laws found are proved identities (a lower bound once reduced
 * to a functionally independent set), and D − rank of the generated Lie algebra at a random point mod p
 * is an upper bound (the rank at a point never exceeds the generic rank, the rank mod p never exceeds
 * the rank over ℚ, and brackets left untried only lower it). When they meet, the list is complete.
 */
import { archSpec } from '../arch';
import type { ConcreteDeclaration } from '../declaration/types';
import type { LawCount, SCHEMA_VERSION } from '../derivation';
import { UserInputError } from '../../numeric/errors';
import { rng } from '../../numeric/rng';
import { archFields, concreteFields, type FieldSource } from './fields';
import { attentionFields, isAttentionSpec, parseAttentionSpec } from './attention';
import { lieRank } from './lie';
import { P } from './modp';
import { polyText } from './poly';
import { searchLaws } from './search';
import { discoverSymmetries, type SymmetryReport } from './symmetries';
import { compareDeclared, type DeclaredReport } from './declared';
import { momentumFields } from './momentum';
import type { FoundLaw } from './search';

/** A law in a laws report: proved identically (⟨∇h, X⟩ ≡ 0 for every generating field, over ℚ). */
export interface LawEntry {
  readonly expression: string;
  readonly degree: number;
  readonly verdict: 'proved';
}

/** What `noether laws` reports. */
export interface LawsReport {
  readonly kind: 'laws';
  readonly schemaVersion: typeof SCHEMA_VERSION;
  /** The declaration's name or the architecture spec. */
  readonly subject: string;
  /** What the generating fields are. */
  readonly model: string;
  /** The dynamics counted: gradient flow, or momentum on phase space. */
  readonly flow: 'gradient' | 'momentum';
  /** D, the number of coordinates the laws are functions of: the parameters (2D + 1 with momentum). */
  readonly parameters: number;
  /** Generating fields (nonzero gradients of the model's coefficient polynomials). */
  readonly generators: number;
  /** Rank of the generated Lie algebra at the point (mod p): a lower bound on its dimension. */
  readonly lieDimension: number;
  /** The rank after each bracket level tried (level 1: the generators; none past D − laws). */
  readonly lieLevels: readonly number[];
  /** D − lieDimension: no more independent laws exist. */
  readonly upperBound: number;
  /** The functionally independent laws found (each proved). */
  readonly laws: readonly LawEntry[];
  /** How many independent laws are proved to exist: laws.length. */
  readonly lowerBound: number;
  /** The polynomial degree searched, and whether the search ran. */
  readonly search:
    | {
        readonly kind: 'searched';
        readonly degree: number;
        readonly space: number;
        readonly unconfirmed: number;
      }
    | { readonly kind: 'skipped'; readonly degree: number; readonly reason: string };
  /** True only when lowerBound = upperBound: the list is complete (proved). */
  readonly complete: boolean;
  /** Where the bounds hold when only near a point (a ReLU network's activation region). */
  readonly scope?: string;
  /** Why the list may be incomplete (absent when complete). */
  readonly gap?: string;
  /** Linear symmetries of the model, their charges and which laws they explain. */
  readonly symmetries: SymmetryReport;
  /** For a concrete declaration: its own generators' charges against the laws found. */
  readonly declared?: DeclaredReport;
  readonly prime: number;
  readonly seed: number;
}

/** Options of {@link lawsForArch} and {@link lawsForDeclaration}. */
export interface LawsOptions {
  /** Highest polynomial degree searched (default 2). */
  readonly degree?: number;
  readonly seed?: number;
  /** The dynamics: gradient flow (default) or heavy-ball momentum lifted to (θ, v, s = e^t). */
  readonly flow?: 'gradient' | 'momentum';
  /** Discover the model's linear symmetries (default true). */
  readonly symmetries?: boolean;
}

/** The laws of a field source (the shared core of every entry point). */
export function lawsOf(
  subject: string,
  src: FieldSource,
  opts: LawsOptions = {},
  declared?: (laws: readonly FoundLaw[], theta: readonly number[]) => DeclaredReport,
): LawsReport {
  const seed = opts.seed ?? 1;
  // time-dependent momentum laws carry a factor s = e^t: one degree more than their gradient-flow kin
  const degree = opts.degree ?? (opts.flow === 'momentum' ? 3 : 2);
  const r = rng(seed);
  const dim = src.names.length;
  const theta = src.names.map(() => 1 + Math.floor(r.next() * (P - 1)));
  // laws are sought against the superset of fields when there is one (each law then holds in every region)
  const search = searchLaws(src.verify ?? src.fields, dim, degree, theta);
  const found = search.kind === 'searched' ? search.laws : [];
  // the laws' gradients at θ are independent and orthogonal to every field of the algebra there, so its
  // rank is at most D − laws: the bracket search ends when it gets there (the count is then complete)
  const lie = lieRank(src.fields, dim, theta, r, { ceiling: dim - found.length });
  const upperBound = dim - lie.rank;
  const laws = found.map((l) => ({
    expression: polyText(l.poly, src.names),
    degree: l.degree,
    verdict: 'proved' as const,
  }));
  if (laws.length > upperBound)
    throw new Error(`laws: ${laws.length} independent laws found but at most ${upperBound} exist (a bug)`);
  const complete = laws.length === upperBound;
  const gap = complete
    ? undefined
    : search.kind === 'skipped'
      ? `the law search was skipped (${search.reason}); up to ${upperBound} law${upperBound === 1 ? '' : 's'} may exist`
      : `${upperBound - laws.length} more independent law${upperBound - laws.length === 1 ? '' : 's'} may exist: ` +
        (search.unconfirmed
          ? `${search.unconfirmed} solution${search.unconfirmed === 1 ? '' : 's'} mod p did not lift to an ` +
            `exact law (coefficients too large to reconstruct), or `
          : '') +
        `of degree above ${degree}, not polynomial, or the Lie algebra's rank is higher than found at this point`;
  return {
    kind: 'laws',
    schemaVersion: 1,
    subject,
    model: src.model,
    flow: opts.flow ?? 'gradient',
    parameters: dim,
    generators: src.fields.length,
    lieDimension: lie.rank,
    lieLevels: lie.levels,
    upperBound,
    laws,
    lowerBound: laws.length,
    search:
      search.kind === 'searched'
        ? { kind: 'searched', degree, space: search.space, unconfirmed: search.unconfirmed }
        : { kind: 'skipped', degree, reason: search.reason },
    complete,
    ...(src.scope ? { scope: src.scope } : {}),
    ...(gap ? { gap } : {}),
    symmetries:
      opts.flow === 'momentum'
        ? {
            kind: 'skipped',
            reason: 'not computed for momentum dynamics (a phase-space flow, not a gradient field)',
          }
        : opts.symmetries === false
          ? { kind: 'skipped', reason: 'not asked for' }
          : discoverSymmetries(src, found, theta),
    ...(declared ? { declared: declared(found, theta) } : {}),
    prime: P,
    seed,
  };
}

/**
 * The laws of an architecture spec, e.g. `'4-3-5:linear'`, `'4-3-5:relu:nobias'`, or one attention layer,
 * `'attention:d4:h2x2'`.
 */
export function lawsForArch(spec: string, opts: LawsOptions = {}): LawsReport {
  // one self-attention layer: `attention:d4:h2x2[:bias]` (src/laws/attention.ts)
  if (isAttentionSpec(spec))
    return lawsOf(spec, lifted(attentionFields(parseAttentionSpec(spec)), opts), opts);
  // the fields are the model's, whatever the loss: a spec without one is read with mse (any output width)
  const withLoss = spec.split(':').some((t) => /^(mse|ce)$/i.test(t.trim())) ? spec : `${spec}:mse`;
  if (!spec.split(':').some((t) => /^\d+(-\d+)+$/.test(t.trim())))
    throw new UserInputError(`laws --arch needs widths, e.g. 4-3-5:linear (got '${spec.slice(0, 40)}')`);
  return lawsOf(spec, lifted(archFields(archSpec(withLoss), opts.seed ?? 1), opts), opts);
}

/** The laws of a concrete declaration's (polynomial) loss over all its data. */
export function lawsForDeclaration(d: ConcreteDeclaration, opts: LawsOptions = {}): LawsReport {
  const src = concreteFields(d);
  if (opts.flow === 'momentum') return lawsOf(d.name, momentumFields(src), opts);
  return lawsOf(d.name, src, opts, (laws, theta) => compareDeclared(d, src, laws, theta));
}

const lifted = (src: FieldSource, opts: LawsOptions): FieldSource =>
  opts.flow === 'momentum' ? momentumFields(src) : src;

/** How many laws a concrete declaration's loss has in all, and what its declared charges explain. */
export function lawCount(d: ConcreteDeclaration, opts: LawsOptions = {}): LawCount {
  let r: LawsReport;
  try {
    r = lawsForDeclaration(d, { ...opts, symmetries: false }); // the count needs no symmetry discovery
  } catch (e) {
    if (e instanceof UserInputError) return { kind: 'not-counted', reason: e.message.replace(/^laws: /, '') };
    throw e;
  }
  const c = r.declared;
  if (!c || c.kind !== 'compared')
    return { kind: 'not-counted', reason: c?.reason ?? 'no declared generator' };
  return {
    kind: 'counted',
    lowerBound: r.lowerBound,
    upperBound: r.upperBound,
    complete: r.complete,
    explained: c.explained,
    unexplained: c.unexplained.map((i) => r.laws[i]!.expression),
  };
}
