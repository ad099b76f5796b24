/**
 * `check --save-case FILE.json`: a refuted network check's failing case written out exactly — the
 * parameters by tensor name (a model's state_dict keys, or the `nn.Sequential` names of the
 * --arch network), the batch and the site — so that it can be replayed outside the toolkit
 * (`load_case` in an exported Python module reads it, `save_npz` turns it into a .npz).
 */
import { writeFileSync } from 'node:fs';
import { UserInputError } from '../../numeric/errors';
import type { ArchConstraints } from '../../numeric/arbitraries';
import type { SiteKind } from '../../numeric/sites';
import { specText } from '../arch';
import { sequentialNames, type ParameterName } from '../evaluator/params';
import type { NetworkCounterexample } from '../verdict';

/** The JSON record of a saved case. */
export interface SavedCase {
  readonly kind: 'network-case';
  readonly declaration: string;
  readonly architecture: string;
  readonly siteKind: SiteKind;
  readonly site: string;
  readonly replay: { readonly seed: number; readonly path: string };
  /** Each tensor as stored (rows of a matrix, or a vector), by name. */
  readonly parameters: Readonly<Record<string, number[] | number[][]>>;
  /** The block each tensor is, and whether it is stored transposed. */
  readonly tensors: readonly {
    readonly block: string;
    readonly name: string;
    readonly transposed: boolean;
  }[];
  readonly batch: { readonly X: number[][]; readonly Y: number[][] };
  readonly relativeResidual: number;
}

const rows = (data: ArrayLike<number>, r: number, c: number): number[][] =>
  Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => data[i * c + j]!));

/** Rebuild the counterexample's case and write it to `file`. */
export function saveCase(
  file: string,
  declaration: string,
  siteKind: SiteKind,
  cx: NetworkCounterexample,
  arch: ArchConstraints,
  names?: Readonly<Record<string, ParameterName>>,
): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { caseAt } = require('../../numeric/arbitraries') as typeof import('../../numeric/arbitraries');
  const c = caseAt(siteKind, arch, cx.replay.seed, cx.replay.path);
  if (!c) throw new Error(`internal: the counterexample's path ${cx.replay.path} names no case`);
  const tensorNames = names ?? sequentialNames(c.spec);
  const parameters: Record<string, number[] | number[][]> = {};
  for (const b of c.net.blocks) {
    const p = tensorNames[b.name]!;
    const data = c.theta.subarray(b.offset, b.offset + b.rows * b.cols);
    if (p.shape.length === 1) parameters[p.name] = [...data];
    else if (!p.transposed) parameters[p.name] = rows(data, b.rows, b.cols);
    else {
      // Stored transposed (in × out): entry (j, i) of the tensor is entry (i, j) of the block.
      const m = rows(data, b.rows, b.cols);
      parameters[p.name] = Array.from({ length: b.cols }, (_, j) => m.map((r) => r[j]!));
    }
  }
  const record: SavedCase = {
    kind: 'network-case',
    declaration,
    architecture: specText(c.spec),
    siteKind,
    site: c.site.label,
    replay: cx.replay,
    parameters,
    tensors: c.net.blocks.map((b) => ({
      block: b.name,
      name: tensorNames[b.name]!.name,
      transposed: tensorNames[b.name]!.transposed,
    })),
    batch: {
      X: rows(c.batch.X.data, c.batch.X.rows, c.batch.X.cols),
      Y: rows(c.batch.Y.data, c.batch.Y.rows, c.batch.Y.cols),
    },
    relativeResidual: cx.relativeResidual,
  };
  try {
    writeFileSync(file, JSON.stringify(record) + '\n');
  } catch (e) {
    throw new UserInputError(`cannot write ${file}: ${(e as Error).message}`);
  }
}
