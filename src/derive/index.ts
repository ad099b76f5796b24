/** One entry point for every kind of declaration. */
import type { Declaration } from '../declaration/types';
import type { Derivation } from '../derivation';
import { deriveConcrete, type DeriveOptions } from './concrete';
import { deriveBlock } from './block';
import { deriveMirror } from '../mirror/derive';
import { deriveBlockMirror } from '../mirror/deriveBlock';

export type { DeriveOptions };

/** Derive every law the declared symmetry implies, each with its verdict. */
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
