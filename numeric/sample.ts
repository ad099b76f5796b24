/**
 * Seeded sampling of architectures, parameters and batches. Everything is a function of an Rng,
 * so a network is reproduced from the seed that produced it.
 */
import { type GraphConstraints, largestGraphParameters } from './graph/constraints';
import { type Rng } from './rng';
import { mat } from './linalg';
import {
  type MlpSpec,
  type Network,
  type Batch,
  type Activation,
  type Norm,
  type Loss,
  activation,
} from './mlp';

/** What may be fixed about sampled architectures (also `--arch` on the command line). */
export interface ArchConstraints {
  readonly widths?: readonly number[];
  readonly acts?: readonly Activation['kind'][];
  readonly degrees?: readonly number[];
  readonly norms?: readonly Norm[];
  readonly losses?: readonly Loss[];
  readonly bias?: boolean;
  readonly affine?: boolean;
  readonly batch?: number;
  /**
   * Fixed parameters (a model's own weights, in the flat layout of the network the other fields fix
   * exactly): only the data and the site are sampled.
   */
  readonly weights?: Float64Array;
  /** A graph model instead of an MLP (`--arch transformer:…`, `--arch cnn:…`): only graph site kinds. */
  readonly graph?: GraphConstraints;
}

/**
 * The weights and biases of the networks the constraints fix the widths of (norm parameters
 * aside), or 0 when the widths are sampled: what the size limits of the costlier checks read.
 */
export function fixedParameters(c: ArchConstraints): number {
  if (c.graph) return largestGraphParameters(c.graph);
  const w = c.widths;
  if (!w) return 0;
  const bias = c.bias === false ? 0 : 1;
  return w.slice(1).reduce((s, n, i) => s + (w[i]! + bias) * n, 0);
}

export interface SpecConstraints extends ArchConstraints {
  readonly depth?: readonly [number, number];
  readonly width?: readonly [number, number];
}

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[r.int(xs.length)]!;

export function sampleSpec(r: Rng, c: SpecConstraints = {}): MlpSpec {
  const kind = pick<Activation['kind']>(r, c.acts ?? ['relu', 'leaky', 'linear', 'tanh', 'poly']);
  const act = kind === 'poly' ? activation(kind, pick(r, c.degrees ?? [2, 3])) : activation(kind);
  const norm = pick<Norm>(r, c.norms ?? ['none', 'none', 'batch', 'layer']);
  const loss = pick<Loss>(r, c.losses ?? ['mse', 'ce']);
  let widths = c.widths;
  if (!widths) {
    const [dlo, dhi] = c.depth ?? [1, 3];
    const [wlo, whi] = c.width ?? [2, 6];
    const depth = dlo + r.int(dhi - dlo + 1);
    const w = (): number => wlo + r.int(whi - wlo + 1);
    widths = [w(), ...Array.from({ length: depth }, w), Math.max(loss === 'ce' ? 2 : 1, w())];
  }
  return {
    widths,
    act,
    norm,
    affine: c.affine ?? (norm !== 'none' && r.next() < 0.5),
    loss,
    bias: c.bias ?? r.next() < 0.8,
  };
}

/** Parameters with per-block scales drawn over two orders of magnitude (badly scaled networks included). */
export function sampleParams(net: Network, r: Rng): Float64Array {
  const theta = new Float64Array(net.size);
  for (const b of net.blocks) {
    const scale = Math.exp((r.next() - 0.5) * Math.log(100)) / Math.sqrt(b.cols);
    const gamma = b.name.startsWith('gamma');
    const end = b.offset + b.rows * b.cols;
    if (gamma) r.fillNormal(theta, b.offset, end, 0.5, 1);
    else r.fillNormal(theta, b.offset, end, scale);
  }
  return theta;
}

export function sampleBatch(spec: MlpSpec, batch: number, r: Rng): Batch {
  const inp = spec.widths[0]!;
  const out = spec.widths[spec.widths.length - 1]!;
  const X = mat(batch, inp);
  r.fillNormal(X.data, 0, X.data.length);
  const Y = mat(batch, out);
  for (let i = 0; i < batch; i++) {
    if (spec.loss === 'ce') Y.data[i * out + r.int(out)] = 1;
    else r.fillNormal(Y.data, i * out, (i + 1) * out);
  }
  return { X, Y };
}

export function sampleDirection(n: number, r: Rng): Float64Array {
  const v = new Float64Array(n);
  r.fillNormal(v, 0, n);
  return v;
}

/** The given rows of a batch (repeats allowed), as a new batch. */
export function rowsOf(data: Batch, rows: readonly number[]): Batch {
  const X = mat(rows.length, data.X.cols),
    Y = mat(rows.length, data.Y.cols);
  rows.forEach((j, i) => {
    X.data.set(data.X.data.subarray(j * data.X.cols, (j + 1) * data.X.cols), i * X.cols);
    Y.data.set(data.Y.data.subarray(j * data.Y.cols, (j + 1) * data.Y.cols), i * Y.cols);
  });
  return { X, Y };
}
