/** One entry point for every kind of declaration. */
import type { Declaration } from '../declaration/types';
import type { Derivation } from '../derivation';
import { deriveConcrete, type DeriveOptions } from './concrete';
import { deriveBlock } from './block';
import { deriveMirror } from '../mirror/derive';
import { deriveBlockMirror } from '../mirror/deriveBlock';

export type { DeriveOptions };

/**
 * Derive every law the declared symmetry implies, each with its verdict. For a continuous symmetry:
 * the generator, the gradient and Hessian constraints, and the Noether charge (or what obstructs
 * one); for a mirror: whether it is a symmetry at all, the symmetric set, its invariance under GD and
 * SGD, the Hessian block there and the attraction threshold. Dispatches on `d.kind`; the same seed
 * gives the same record. Never loads fast-check (nor the CAS, unless `opts.cas`).
 *
 * @param d - The declaration, from {@link loadCatalog}, {@link parseDeclarationText},
 *   {@link loadDeclarationFile} or {@link readDeclaration}.
 * @param opts - Seed and number of random points for the numeric confirmations; the optional CAS
 *   cross-check.
 * @returns The derivation record (`noether derive --format json` prints exactly this); its
 *   `verdict` is the weakest of its laws'.
 * @throws {@link InputError} when the action cannot be derived (e.g. a mirror that is not an involution).
 *
 * @example
 * ```ts
 * import { derive, loadCatalog } from 'noether';
 * const d = derive(loadCatalog('rescale')!);
 * d.laws.map((l) => l.id); // ['gradient-constraint', 'hessian-constraint', 'charge']
 * d.laws.find((l) => l.id === 'charge')?.statement.text; // 'Q = 1/2 ‖w_in‖² - 1/2 ‖w_out‖²'
 * d.verdict.kind; // 'proved'
 * ```
 */
export function derive(d: Declaration, opts: DeriveOptions = {}): Derivation {
  switch (d.kind) {
    case 'block':
      return deriveBlock(d, opts);
    case 'mirror':
      return deriveMirror(d, opts);
    case 'block-mirror':
      return deriveBlockMirror(d, opts);
    case 'concrete':
      return deriveConcrete(d, opts);
  }
}
