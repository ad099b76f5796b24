/**
 * A site's views (index arrays into θ) read back as slices of the network's named tensors, so that
 * generated code gathers each role from the user's own parameters the way a person would write it:
 * `P["0.weight"][k, :]`, `P["2.weight"][:, k]`, `[P["0.weight"] | P["0.bias"][:, None]]`.
 *
 * A vector view (one column) is a vertical concatenation of segments, each a run of one block's
 * row or column; a matrix view is a horizontal concatenation of sub-matrices of blocks (or of a
 * block's rows read as columns, a bias beside a weight). The sites of one group whose slices move
 * by a constant step from site to site are written as one loop over k.
 */
import type { Block, Network } from '../../numeric/mlp';
import type { Site, SiteGroup, View } from '../../numeric/sites';
import type { ParameterName } from '../evaluator/params';

/** A run of entries of one block: along a row (`row`: fixed row, columns from…to) or a column. */
export interface Segment {
  readonly block: string;
  readonly along: 'row' | 'col';
  readonly fixed: number;
  readonly from: number;
  readonly to: number;
}

/**
 * A sub-matrix of a block, as view columns: `direct` — view column j is block column c0 + j, rows
 * from…to; `across` — view column j is block row r0 + j (a bias row vector read as a column).
 */
export interface Panel {
  readonly block: string;
  readonly orient: 'direct' | 'across';
  /** Rows (direct) or columns (across) of the block, from…to (exclusive). */
  readonly from: number;
  readonly to: number;
  /** Block columns (direct) or rows (across) first…last + 1 (exclusive). */
  readonly first: number;
  readonly last: number;
}

export type ViewShape =
  | { readonly kind: 'vector'; readonly segments: readonly Segment[] }
  | { readonly kind: 'matrix'; readonly panels: readonly Panel[] };

const locate = (net: Network, i: number): { b: Block; r: number; c: number } => {
  for (const b of net.blocks)
    if (i >= b.offset && i < b.offset + b.rows * b.cols) {
      const o = i - b.offset;
      return { b, r: Math.floor(o / b.cols), c: o % b.cols };
    }
  throw new Error(`internal: index ${i} outside the network`);
};

/** A vector view as segments of block rows and columns. */
function segments(net: Network, index: Int32Array): Segment[] {
  const out: Segment[] = [];
  let i = 0;
  while (i < index.length) {
    const { b, r, c } = locate(net, index[i]!);
    const end = b.offset + b.rows * b.cols;
    // The longer of the two runs from here: along the row (stride 1) or down the column (stride cols).
    let row = 1;
    while (i + row < index.length && index[i + row] === index[i]! + row && c + row < b.cols) row++;
    let col = 1;
    while (i + col < index.length && index[i + col] === index[i]! + col * b.cols && index[i + col]! < end)
      col++;
    if (col > row) {
      out.push({ block: b.name, along: 'col', fixed: c, from: r, to: r + col });
      i += col;
    } else {
      out.push({ block: b.name, along: 'row', fixed: r, from: c, to: c + row });
      i += row;
    }
  }
  return out;
}

/** A matrix view as panels of block columns (or rows read as columns). */
function panels(net: Network, v: View): Panel[] {
  const out: Panel[] = [];
  for (let j = 0; j < v.cols; j++) {
    const column = Array.from({ length: v.rows }, (_, i) => locate(net, v.index[i * v.cols + j]!));
    const b = column[0]!.b;
    const same = column.every((x) => x.b === b);
    const down = same && column.every((x, i) => x.c === column[0]!.c && x.r === column[0]!.r + i);
    const across = same && column.every((x, i) => x.r === column[0]!.r && x.c === column[0]!.c + i);
    if (!down && !across) throw new Error(`internal: view column ${j} is not a run of one block`);
    const p: Panel = down
      ? {
          block: b.name,
          orient: 'direct',
          from: column[0]!.r,
          to: column[0]!.r + v.rows,
          first: column[0]!.c,
          last: 0,
        }
      : {
          block: b.name,
          orient: 'across',
          from: column[0]!.c,
          to: column[0]!.c + v.rows,
          first: column[0]!.r,
          last: 0,
        };
    const at = down ? column[0]!.c : column[0]!.r;
    const prev = out.at(-1);
    if (
      prev &&
      prev.block === p.block &&
      prev.orient === p.orient &&
      prev.from === p.from &&
      prev.last === at
    )
      out[out.length - 1] = { ...prev, last: at + 1 };
    else out.push({ ...p, last: at + 1 });
  }
  return out;
}

/** A view read as slices of blocks. */
export function viewShape(net: Network, v: View): ViewShape {
  return v.cols === 1
    ? { kind: 'vector', segments: segments(net, v.index) }
    : { kind: 'matrix', panels: panels(net, v) };
}

/** A number in code: a constant, or a + b·k inside a loop over k. */
export interface Affine {
  readonly a: number;
  readonly b: number;
}

/** A shape's numbers in a fixed order (segments: fixed, from, to; panels: from, to, first, last). */
export const numbers = (s: ViewShape): number[] =>
  s.kind === 'vector'
    ? s.segments.flatMap((x) => [x.fixed, x.from, x.to])
    : s.panels.flatMap((x) => [x.from, x.to, x.first, x.last]);
const skeleton = (s: ViewShape): string =>
  s.kind === 'vector'
    ? s.segments.map((x) => `${x.block}/${x.along}`).join(',')
    : s.panels.map((x) => `${x.block}/${x.orient}`).join(',');

/**
 * Sites of a group written as a loop: every role's slices and the label's numbers are a + b·k for
 * site k. Returns undefined when they are not (the sites are then written one by one).
 */
export interface LoopedGroup {
  readonly count: number;
  /** The label with its numbers as a + b·k, split around them. */
  readonly label: { readonly text: readonly string[]; readonly numbers: readonly Affine[] };
  /** Each role's shape at k = 0, and its numbers as a + b·k in the order `numbers` lists them. */
  readonly roles: Readonly<
    Record<string, { readonly shape: ViewShape; readonly numbers: readonly Affine[] }>
  >;
}

const labelParts = (l: string): { text: string[]; numbers: number[] } => {
  const parts = l.split(/(\d+)/);
  return {
    text: parts.filter((_, i) => i % 2 === 0),
    numbers: parts.filter((_, i) => i % 2 === 1).map(Number),
  };
};

/** Fit a + b·k through every site's numbers, or undefined. */
function fit(rows: readonly (readonly number[])[]): Affine[] | undefined {
  const first = rows[0]!;
  const step = rows.length > 1 ? rows[1]!.map((x, i) => x - first[i]!) : first.map(() => 0);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    if (r.length !== first.length || r.some((x, i) => x !== first[i]! + k * step[i]!)) return undefined;
  }
  return first.map((a, i) => ({ a, b: step[i]! }));
}

export function loopGroup(net: Network, g: SiteGroup): LoopedGroup | undefined {
  const sites: Site[] = Array.from({ length: g.count }, (_, i) => g.site(i));
  const labels = sites.map((s) => labelParts(s.label));
  if (labels.some((l) => l.text.join('#') !== labels[0]!.text.join('#'))) return undefined;
  const labelFit = fit(labels.map((l) => l.numbers));
  if (!labelFit) return undefined;
  const roles: Record<string, { shape: ViewShape; numbers: Affine[] }> = {};
  for (const role of Object.keys(sites[0]!.views)) {
    const shapes = sites.map((s) => viewShape(net, s.views[role]!));
    if (shapes.some((s) => skeleton(s) !== skeleton(shapes[0]!))) return undefined;
    const f = fit(shapes.map(numbers));
    if (!f) return undefined;
    roles[role] = { shape: shapes[0]!, numbers: f };
  }
  return { count: g.count, label: { text: labels[0]!.text, numbers: labelFit }, roles };
}

/** The printed form of an affine number in a loop over k. */
export function affineText(x: Affine): string {
  if (x.b === 0) return String(x.a);
  const kb = x.b === 1 ? 'k' : `${x.b} * k`;
  return x.a === 0 ? kb : `${kb} + ${x.a}`;
}

/** Replace a shape's numbers by printed affine numbers, in the order `numbers` lists them. */
export function withNumbers(
  s: ViewShape,
  nums: readonly string[],
): { kind: 'vector'; segments: SegmentText[] } | { kind: 'matrix'; panels: PanelText[] } {
  let i = 0;
  const next = (): string => nums[i++]!;
  return s.kind === 'vector'
    ? { kind: 'vector', segments: s.segments.map((x) => ({ ...x, fixed: next(), from: next(), to: next() })) }
    : {
        kind: 'matrix',
        panels: s.panels.map((x) => ({ ...x, from: next(), to: next(), first: next(), last: next() })),
      };
}
export type SegmentText = Omit<Segment, 'fixed' | 'from' | 'to'> & {
  readonly fixed: string;
  readonly from: string;
  readonly to: string;
};
export type PanelText = Omit<Panel, 'from' | 'to' | 'first' | 'last'> & {
  readonly from: string;
  readonly to: string;
  readonly first: string;
  readonly last: string;
};

/** The tensor name and storage of a block. */
export const tensorOf = (names: Readonly<Record<string, ParameterName>>, block: string): ParameterName =>
  names[block]!;
