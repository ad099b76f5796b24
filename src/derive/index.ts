/** One entry point for both kinds of declaration. */
import type { Declaration } from '../declaration/types';
import type { Derivation } from '../derivation';
import { deriveConcrete, type DeriveOptions } from './concrete';
import { deriveBlock } from './block';
import { deriveMirror } from './mirror';

export type { DeriveOptions };

/** Derive every law the declared symmetry implies, each with its verdict. */
export function derive(d: Declaration, opts: DeriveOptions = {}): Derivation {
  return d.kind === 'block' ? deriveBlock(d, opts) : d.kind === 'mirror' ? deriveMirror(d, opts) : deriveConcrete(d, opts);
}
