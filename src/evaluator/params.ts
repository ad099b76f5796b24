/**
 * A network's parameters by name. The toolkit keeps θ as one flat float64 vector in block order (W1,
 * b1, γ1, β1, W2, …; numeric/mlp.ts); a user holds named tensors — a PyTorch `state_dict`, an ONNX
 * model's initializers. This module maps one to the other: each block has the name of the tensor
 * it is, the tensor's stored shape, and whether the tensor holds it transposed.
 *
 * Without a model, a spec's names are those of the `nn.Sequential` that builds the same network
 * (Linear, [BatchNorm1d | LayerNorm], activation, …, Linear): `0.weight`, `0.bias`, `1.weight`, …,
 * which are also the initializer names PyTorch's ONNX export of that model gives.
 */
import { UserInputError } from '../../numeric/errors';
import { buildNetwork, type Block, type MlpSpec, type Network } from '../../numeric/mlp';

/** The tensor a block is: its name, its stored shape, and whether it is stored transposed. */
export interface ParameterName {
  readonly name: string;
  readonly shape: readonly number[];
  /** The tensor holds the block transposed (a MatMul weight stored in × out). */
  readonly transposed: boolean;
}

/** A network and the names of its parameter tensors (a spec's own, or a model's). */
export interface NamedNetwork {
  readonly spec: MlpSpec;
  /** For each block (W1, b1, gamma1, beta1, …), the tensor it is. */
  readonly parameters?: Readonly<Record<string, ParameterName>>;
}

/** An array a user passes: flat (row-major) or nested rows; a Float64Array is taken as it is. */
export type NamedArray = ArrayLike<number> | readonly (readonly number[])[];

/** Parameters: the flat vector θ, or named arrays (by tensor name, or by block name W1, b1, …). */
export type Parameters = Float64Array | Readonly<Record<string, NamedArray>>;

/** A batch of data: inputs X (B × in) and targets Y (B × out; one-hot or probabilities for cross-entropy). */
export interface BatchInput {
  readonly X: NamedArray;
  readonly Y: NamedArray;
}

/**
 * The tensor names of a spec's `nn.Sequential`: a Linear per layer, then a normalisation module
 * and an activation module after each hidden Linear (no module for a linear activation).
 */
export function sequentialNames(spec: MlpSpec): Record<string, ParameterName> {
  const out: Record<string, ParameterName> = {};
  const L = spec.widths.length - 1;
  let index = 0;
  for (let l = 1; l <= L; l++) {
    const [n, m] = [spec.widths[l]!, spec.widths[l - 1]!];
    out[`W${l}`] = { name: `${index}.weight`, shape: [n, m], transposed: false };
    if (spec.bias) out[`b${l}`] = { name: `${index}.bias`, shape: [n], transposed: false };
    index++;
    if (l === L) break;
    if (spec.norm !== 'none') {
      if (spec.affine) {
        out[`gamma${l}`] = { name: `${index}.weight`, shape: [n], transposed: false };
        out[`beta${l}`] = { name: `${index}.bias`, shape: [n], transposed: false };
      }
      index++;
    }
    if (spec.act.kind !== 'linear') index++;
  }
  return out;
}

/** The names of a network's tensors: the model's, or its spec's `nn.Sequential` names. */
export function parameterNames(n: NamedNetwork): Readonly<Record<string, ParameterName>> {
  return n.parameters ?? sequentialNames(n.spec);
}

/**
 * A tensor's entries, row-major: a flat array of its `size` numbers, or rows of numbers with the
 * stored shape (`rows` × `size / rows`). Anything else — ragged or deeper rows, a wrong shape, an
 * entry that is not a finite number — is an input error naming the tensor.
 */
const flatten = (a: unknown, what: string, shape: readonly number[], layout = 'as stored'): Float64Array => {
  if (a instanceof Float64Array) return checked(a, what);
  if (typeof a !== 'object' || a === null || typeof (a as { length?: unknown }).length !== 'number')
    throw new UserInputError(`${what} is not an array`);
  const rows = a as ArrayLike<unknown>;
  const nested = rows.length > 0 && typeof rows[0] === 'object' && rows[0] !== null;
  if (!nested) return checked(numbers(rows, what), what);
  const [r, c] = shape.length === 2 ? [shape[0]!, shape[1]!] : [1, shape[0] ?? 0];
  if (shape.length !== 2 || rows.length !== r)
    throw new UserInputError(
      `${what} has ${rows.length} rows; ${layout} it is ${shape.length === 2 ? `${r}×${c}` : `a vector of ${c}`}`,
    );
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    const row = rows[i] as ArrayLike<unknown>;
    if (typeof row !== 'object' || row === null || row.length !== c)
      throw new UserInputError(`${what}: row ${i} is not an array of ${c} numbers (the tensor is ${r}×${c})`);
    out.set(numbers(row, `${what}, row ${i}`), i * c);
  }
  return checked(out, what);
};

/** Entries that must each be a number (not null, a string or a nested array). */
const numbers = (xs: ArrayLike<unknown>, what: string): Float64Array => {
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (typeof x !== 'number')
      throw new UserInputError(
        `${what}: entry ${i} is ${typeof x === 'object' ? JSON.stringify(x)?.slice(0, 20) : String(x)}, not a number`,
      );
    out[i] = x;
  }
  return out;
};

/** Buffers of normalisation layers a state_dict carries beside the parameters (not parameters, ignored). */
const BUFFER = /\.(running_mean|running_var|num_batches_tracked)$/;

const checked = (x: Float64Array, what: string): Float64Array => {
  for (let i = 0; i < x.length; i++)
    if (!Number.isFinite(x[i]!))
      throw new UserInputError(
        `${what}: entry ${i} is ${String(x[i])} (every value must be a finite number)`,
      );
  return x;
};

/** Write one block from a tensor's flat data (row-major as stored, transposed back when it is). */
function putBlock(theta: Float64Array, b: Block, p: ParameterName, data: Float64Array): void {
  const size = b.rows * b.cols;
  if (data.length !== size)
    throw new UserInputError(
      `parameter '${p.name}' has ${data.length} entries, the network's ${b.name} needs ${size} ` +
        `(${b.rows === 1 ? b.cols : `${b.rows}×${b.cols}`})`,
    );
  if (!p.transposed) theta.set(data, b.offset);
  else
    for (let i = 0; i < b.rows; i++)
      for (let j = 0; j < b.cols; j++) theta[b.offset + i * b.cols + j] = data[j * b.rows + i]!;
}

/**
 * θ in the toolkit's flat layout from parameters given either way. Named arrays may use the tensor
 * names or the block names; every block must be given exactly once, and nothing else.
 *
 * @throws UserInputError (exit 2) naming the missing, unknown or wrongly sized parameter, or a
 *   non-finite entry.
 */
export function flatParameters(
  n: NamedNetwork,
  params: Parameters,
  net: Network = buildNetwork(n.spec),
): Float64Array {
  if (params instanceof Float64Array) {
    if (params.length !== net.size)
      throw new UserInputError(`θ has ${params.length} entries, the network ${net.size}`);
    return checked(params, 'θ');
  }
  const names = parameterNames(n);
  const theta = new Float64Array(net.size);
  const used = new Set<string>();
  for (const b of net.blocks) {
    const p = names[b.name];
    if (!p) throw new UserInputError(`the network's parameter names have none for its block ${b.name}`);
    // By tensor name: as that tensor is stored; by block name: in the block's own layout.
    const byBlock: ParameterName = {
      name: b.name,
      shape: b.rows === 1 ? [b.cols] : [b.rows, b.cols],
      transposed: false,
    };
    const [key, as] = Object.hasOwn(params, p.name)
      ? [p.name, p]
      : Object.hasOwn(params, b.name)
        ? [b.name, byBlock]
        : [];
    if (key === undefined || as === undefined)
      throw new UserInputError(`parameter '${p.name}' (the network's ${b.name}) is missing`);
    used.add(key);
    const layout = as === byBlock ? `in the layout of the block ${b.name}` : 'as stored';
    putBlock(theta, b, as, flatten(params[key], `parameter '${key}'`, as.shape, layout));
  }
  const extra = Object.keys(params).filter((k) => !used.has(k) && !BUFFER.test(k));
  if (extra.length)
    throw new UserInputError(
      `unknown parameter '${extra[0]}' (the network's are ${net.blocks.map((b) => names[b.name]!.name).join(', ')})`,
    );
  return theta;
}

/** A batch as the numeric layer's matrices, its shape checked against the network. */
export function batchOf(spec: MlpSpec, b: BatchInput): { X: Float64Array; Y: Float64Array; rows: number } {
  const [inw, outw] = [spec.widths[0]!, spec.widths[spec.widths.length - 1]!];
  // Nested rows are one sample each; a flat array is row-major.
  const count = (v: unknown): number => (Array.isArray(v) ? v.length : 0);
  const X = flatten(b.X, 'batch X', [count(b.X), inw]);
  const Y = flatten(b.Y, 'batch Y', [count(b.Y), outw]);
  if (X.length % inw !== 0 || X.length === 0)
    throw new UserInputError(`batch X has ${X.length} entries, not a multiple of the ${inw} inputs`);
  const rows = X.length / inw;
  if (spec.norm === 'batch' && rows < 2)
    throw new UserInputError(`batch X has ${rows} row; BatchNorm normalises over a batch of at least 2`);
  if (Y.length !== rows * outw)
    throw new UserInputError(
      `batch Y has ${Y.length} entries, ${rows} rows of ${outw} outputs need ${rows * outw}`,
    );
  return { X, Y, rows };
}
