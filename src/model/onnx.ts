/**
 * Reading a multilayer perceptron from an ONNX file into the toolkit's architecture: its spec
 * (numeric/mlp.ts) and its weights in the toolkit's flat layout.
 *
 * The graph must be a chain from its one input to its one output of the layers the toolkit models:
 * Linear (Gemm, or MatMul then Add of a bias) → optional BatchNormalization or LayerNormalization →
 * optional activation (Relu, LeakyRelu with slope 0.1, Tanh), repeated, then a final Linear,
 * optionally followed by Softmax or LogSoftmax (which makes the loss softmax cross-entropy). Two
 * Linear layers with nothing between them make a linear hidden activation. Identity, Flatten (axis 1)
 * and Reshape to [batch, features] are passed over; weights may come from initializers (also when
 * they are listed as graph inputs, as old exporters do), Constant nodes, and Identity or Transpose
 * nodes on those.
 *
 * What the toolkit computes differs from what an inference runtime computes with the same file in two
 * ways, both by design: normalisations use ε = 0 whatever epsilon the model declares (so that their
 * scale symmetry is exact), and BatchNorm normalises with the batch's statistics (training
 * semantics); the running mean and variance stored in the model are buffers and are ignored.
 *
 * Each block is named after the PyTorch state_dict tensor it is ({@link ModelParameter}), also where
 * the exporter renamed the initializer (a Linear without bias is a MatMul on 'onnx::MatMul_12'): the key
 * is then read from the node's name, which the exporter sets to the module's path.
 *
 * Every problem is a {@link ModelError}: one line naming the file and the node or value at fault.
 * The bytes are data: malformed protobuf, truncated files and hostile shapes are refused, never
 * followed (decoding is linear in the file's size and every shape is checked against the data before
 * anything is allocated from it).
 */
import { openSync, readSync, closeSync } from 'node:fs';
import { UserInputError } from '../../numeric/errors';
import {
  type Activation,
  type Block,
  type Loss,
  type MlpSpec,
  type Network,
  type Norm,
  LEAKY_SLOPE,
  activation,
  buildNetwork,
} from '../../numeric/mlp';
import { excerpt, readFailure } from '../declaration/errors';
import {
  AttributeType,
  constantTensor,
  decodeModel,
  shapeText,
  tensorFloats,
  tensorInts,
  type Fail,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
} from './onnx-proto';

/** A model file the toolkit cannot read as an MLP. The CLI exits 2 with the message as one line. */
export class ModelError extends UserInputError {
  override readonly name: string = 'ModelError';
  /**
   * @param origin - The file, as messages name it (its last 120 characters when longer).
   * @param detail - What is wrong, and where in the graph.
   */
  constructor(
    readonly origin: string,
    readonly detail: string,
  ) {
    const clipped = origin.length > 120 ? `…${origin.slice(origin.length - 120)}` : origin;
    super(`${excerpt(clipped, 130)}: ${detail}`);
  }
}

/** The tensor a toolkit block is: for a model exported from PyTorch, the user's state_dict tensor. */
export interface ModelParameter {
  /**
   * For a model exported by torch.onnx.export, the PyTorch state_dict key (e.g. '0.weight',
   * 'features.0.weight'). It is the name of the ONNX value holding the block: an initializer, or the
   * Identity output the exporter names after a parameter whose initializer it shared with an equal one
   * (two LayerNorms with their initial γ = 1, β = 0), or the Constant output supplying it. When the
   * exporter generated that name instead ('onnx::MatMul_12': a Linear without bias is a MatMul on its
   * weight's folded transpose), the key is read from the consuming node's name, which the exporter
   * sets to the module's path (`/0/MatMul` → '0.weight', `/features/features.0/MatMul` →
   * 'features.0.weight'; a normalisation's γ, β are '<path>.weight', '<path>.bias'). It stays the
   * generated name when the key is not certain: node names not of the exporter's form, a scope that
   * may be a module's second call (`/2_1`), node names that contradict other parameters' keys, or a
   * key that would name another value of the graph. The path is the chain of called modules; a layer
   * reached through a container that is never called itself (an `nn.ModuleDict` indexed in `forward`)
   * does not show that container in node names.
   */
  readonly name: string;
  /** The shape of tensor `name` (when `name` was read from a node's name: [out, in] for a weight, [n] for a vector). */
  readonly shape: readonly number[];
  /**
   * Tensor `name` holds the block transposed: a weight stored in×out under its own name (a MatMul's,
   * or Gemm's B with transB = 0). Never for a state_dict key read from a node's name (PyTorch's Linear
   * weight is out×in, like the block).
   */
  readonly transposed: boolean;
  /**
   * The graph initializer holding the values, when it is not `name`: the exporter-generated name a key
   * was read for, or the initializer an Identity (a shared, deduplicated parameter) takes. For reading
   * the values from the ONNX file's initializers. It holds them as its node reads them: a MatMul
   * weight's (in×out) is tensor `name` transposed when `name` is a key read from the node's name;
   * otherwise it is stored like tensor `name`.
   */
  readonly initializer?: string;
}

/** An MLP read from a model file. */
export interface Model {
  readonly kind: 'model';
  /** The file name, for messages. */
  readonly origin: string;
  readonly spec: MlpSpec;
  /** For each toolkit block (W1, b1, gamma1, beta1, …): the tensor it is. */
  readonly parameters: Readonly<Record<string, ModelParameter>>;
  /** The model's own weights in the toolkit's flat layout (buildNetwork(spec) order), float64. */
  readonly theta: Float64Array;
}

/** Options for reading a model. */
export interface ModelOptions {
  /**
   * The loss. Default: softmax cross-entropy ('ce') when the graph ends in Softmax or LogSoftmax,
   * otherwise ½-mean squared error ('mse'). Given, it overrides the graph.
   */
  readonly loss?: Loss;
}

/**
 * The largest model file read, in bytes. The largest network the toolkit builds (NETWORK_LIMITS:
 * 5 million parameters) is 40 MB in float64; the rest is headroom for buffers and metadata.
 */
export const MODEL_BYTES_LIMIT = 256 * 1024 * 1024;

/** The node types read, as listed in messages (Add only as MatMul's bias). */
const SUPPORTED =
  'Gemm, MatMul+Add, Relu, LeakyRelu, Tanh, BatchNormalization, LayerNormalization, Identity, Flatten, ' +
  'Reshape, Softmax, LogSoftmax';
const OPS = new Set(SUPPORTED.replace('+', ', ').split(', '));
/** The nodes a LayerNorm is split into when exported below opset 17 (which added LayerNormalization). */
const LAYERNORM_PARTS = new Set(['ReduceMean', 'Sub', 'Pow', 'Sqrt', 'Div', 'Mul']);

/** A value known without running the graph: an initializer, or what Constant/Identity/Transpose make of one. */
export interface Const {
  /** The initializer, Constant output or Identity output holding the values. */
  readonly name: string;
  readonly tensor: OnnxTensor;
  /** The value the nodes see is the stored matrix transposed (a Transpose node on it). */
  readonly flipped: boolean;
  /** An initializer (a learnable parameter), not a node's constant. */
  readonly initializer: boolean;
  /** The graph initializer holding the values (through Identity and Transpose nodes), if one does. */
  readonly source?: string;
}

/** One node of the chain and the value it receives along it. */
interface Link {
  readonly node: OnnxNode;
  readonly at: string;
  readonly input: string;
}

type Token =
  | {
      readonly kind: 'linear';
      readonly at: string;
      readonly node: OnnxNode;
      readonly w: Const;
      readonly inOut: boolean;
      readonly b?: Const;
    }
  | { readonly kind: 'bias'; readonly at: string; readonly node: OnnxNode; readonly b: Const }
  | {
      readonly kind: 'norm';
      readonly at: string;
      readonly node: OnnxNode;
      readonly norm: 'batch' | 'layer';
      readonly op: string;
      readonly gamma: Const;
      readonly beta?: Const;
    }
  | { readonly kind: 'act'; readonly at: string; readonly op: string; readonly act: Activation }
  | { readonly kind: 'width'; readonly at: string; readonly width: number }
  | { readonly kind: 'head'; readonly at: string };

type LinearToken = Extract<Token, { kind: 'linear' }>;
type NormToken = Extract<Token, { kind: 'norm' }>;
type ActToken = Extract<Token, { kind: 'act' }>;

/** A Reshape that fixes the width: the layer before it must have that many outputs. */
interface Fixed {
  readonly at: string;
  readonly width: number;
}

/** A layer as read: its Linear (with its bias), normalisation, activation, and Reshapes after it. */
interface Layer {
  readonly linear: LinearToken;
  bias?: Extract<Token, { kind: 'bias' }>;
  norm?: NormToken;
  act?: ActToken;
  readonly reshapes: Fixed[];
}

/** How messages name a node: its name, or its position when it has none, and its type. */
export const nodeName = (n: OnnxNode, i: number): string =>
  `${n.name ? `node '${excerpt(n.name, 60)}'` : `node #${i}`} (${excerpt(n.opType, 30)})`;
export const quote = (name: string): string => `'${excerpt(name, 60)}'`;

export const attr = (n: OnnxNode, name: string): OnnxAttribute | undefined =>
  n.attribute.find((a) => a.name === name);
export const intAttr = (n: OnnxNode, name: string, dflt: number): number => attr(n, name)?.i ?? dflt;
/** A float attribute (an exporter that wrote it as an int is read too). */
export const floatAttr = (n: OnnxNode, name: string, dflt: number): number => {
  const a = attr(n, name);
  return !a ? dflt : a.type === AttributeType.INT ? a.i : a.f;
};

/** The shape of a value as the nodes see it. */
const dimsOf = (c: Const): readonly number[] =>
  c.flipped ? [c.tensor.dims[1]!, c.tensor.dims[0]!] : c.tensor.dims;

/** A value's entries as float64 (a weight: float32 or float64, finite). */
export const floats = (c: Const, fail: Fail): Float64Array =>
  tensorFloats(c.tensor, `${c.initializer ? 'initializer' : 'constant'} ${quote(c.name)}`, fail);

/**
 * The values known without running the graph: initializers, then Constant nodes and Identity or
 * Transpose nodes on known values, in node order (ONNX graphs are topologically sorted). Returns them
 * and the nodes that made them.
 */
export function constants(g: OnnxGraph, fail: Fail): { consts: Map<string, Const>; made: Set<number> } {
  const consts = new Map<string, Const>();
  for (const t of g.initializer)
    consts.set(t.name, { name: t.name, tensor: t, flipped: false, initializer: true, source: t.name });
  const made = new Set<number>();
  g.node.forEach((n, i) => {
    const out = n.output[0];
    if (out === undefined || !(n.domain === '' || n.domain === 'ai.onnx')) return;
    if (n.opType === 'Constant') {
      const t = constantTensor(n, out);
      if (!t) fail(`${nodeName(n, i)}: only a tensor, float(s) or int(s) value is supported`);
      consts.set(out, { name: out, tensor: t, flipped: false, initializer: false });
      made.add(i);
      return;
    }
    const c = n.input.length === 1 ? consts.get(n.input[0]!) : undefined;
    if (!c) return;
    if (n.opType === 'Identity') {
      consts.set(out, { ...c, name: out });
      made.add(i);
    } else if (n.opType === 'Transpose') {
      const rank = c.tensor.dims.length,
        perm = attr(n, 'perm')?.ints;
      const swap = rank === 2 && (!perm || (perm[0] === 1 && perm[1] === 0));
      const keep = rank <= 1 || (rank === 2 && perm?.[0] === 0 && perm[1] === 1);
      if (!swap && !keep) fail(`${nodeName(n, i)}: only a matrix's transpose is supported`);
      consts.set(out, { ...c, flipped: swap ? !c.flipped : c.flipped });
      made.add(i);
    }
  });
  return { consts, made };
}

/**
 * The nodes from the graph's input to its output, each taking the previous one's output and
 * constants only. Anything else (a branch, a second input, a node off the path) is refused.
 */
function chain(g: OnnxGraph, consts: Map<string, Const>, made: Set<number>, fail: Fail): Link[] {
  const inputs = [...new Set(g.input)].filter((name) => !consts.has(name));
  if (inputs.length !== 1)
    fail(
      inputs.length === 0
        ? 'the graph declares no input'
        : `the graph has ${inputs.length} inputs (${inputs.slice(0, 4).map(quote).join(', ')}); an MLP has one`,
    );
  if (g.output.length !== 1)
    fail(`the graph has ${g.output.length} outputs${g.output.length ? '' : ' declared'}; an MLP has one`);
  const input = inputs[0]!,
    output = g.output[0]!;
  const dynamic = (n: OnnxNode): string[] => n.input.filter((v) => v !== '' && !consts.has(v));
  const consumers = new Map<string, number[]>();
  let live = 0;
  g.node.forEach((n, i) => {
    if (made.has(i)) return;
    live++;
    for (const v of new Set(dynamic(n))) {
      const cs = consumers.get(v);
      if (cs) cs.push(i);
      else consumers.set(v, [i]);
    }
  });
  const links: Link[] = [];
  let cur = input;
  while (cur !== output) {
    const cs = consumers.get(cur) ?? [];
    if (cs.length === 0)
      fail(
        `not a chain: nothing takes ${quote(cur)} further, and it is not the graph's output ${quote(output)}`,
      );
    if (cs.length > 1)
      fail(
        `not a chain: ${quote(cur)} feeds ${cs.length} nodes (` +
          `${cs
            .slice(0, 3)
            .map((i) => nodeName(g.node[i]!, i))
            .join(', ')}); an MLP's layers form a chain`,
      );
    const i = cs[0]!,
      n = g.node[i]!,
      at = nodeName(n, i);
    const others = dynamic(n).filter((v) => v !== cur);
    if (others.length)
      fail(
        `not a chain: ${at} also takes ${quote(others[0]!)}, which is neither the layer before nor a constant`,
      );
    const out = n.output[0];
    if (!out) fail(`${at} has no output`);
    for (const extra of n.output.slice(1))
      if (extra && (consumers.has(extra) || extra === output))
        fail(`not a chain: ${at}'s output ${quote(extra)} is used; only its first output may be`);
    links.push({ node: n, at, input: cur });
    if (links.length > live) fail(`not a chain: the graph has a cycle through ${at}`);
    cur = out;
  }
  if (links.length === 0) fail('the graph has no layers: its input is its output');
  if (links.length < live) {
    const on = new Set(links.map((l) => l.node));
    const i = g.node.findIndex((n, k) => !made.has(k) && !on.has(n));
    fail(
      `not a chain: ${nodeName(g.node[i]!, i)} is not on the path from ${quote(input)} to ${quote(output)}`,
    );
  }
  return links;
}

/** A node's constant operand at `k`, refused when missing or computed in the graph. */
function operand(l: Link, k: number, what: string, consts: Map<string, Const>, fail: Fail): Const {
  const name = l.node.input[k];
  const c = name ? consts.get(name) : undefined;
  if (!c) fail(`${l.at}: its ${what} must be an initializer or a constant`);
  return c;
}

/** The chain's nodes as layer tokens (Identity and Flatten drop out). */
function tokens(links: readonly Link[], consts: Map<string, Const>, opset: number, fail: Fail): Token[] {
  const out: Token[] = [];
  for (const l of links) {
    const n = l.node,
      at = l.at;
    const first = (): void => {
      if (n.input[0] !== l.input) fail(`${at}: the layer's input must be its first operand`);
    };
    switch (n.opType) {
      case 'Gemm': {
        first();
        const transB = intAttr(n, 'transB', 0);
        if (intAttr(n, 'transA', 0) !== 0 || (transB !== 0 && transB !== 1))
          fail(`${at}: only transA = 0 and transB = 0 or 1 are supported`);
        const hasC = !!n.input[2];
        if (floatAttr(n, 'alpha', 1) !== 1 || (hasC && floatAttr(n, 'beta', 1) !== 1))
          fail(`${at}: only alpha = beta = 1 is supported`);
        const w = operand(l, 1, 'weight B', consts, fail);
        const b = hasC ? operand(l, 2, 'bias C', consts, fail) : undefined;
        out.push({ kind: 'linear', at, node: n, w, inOut: transB === 0, ...(b ? { b } : {}) });
        break;
      }
      case 'MatMul':
        first();
        out.push({ kind: 'linear', at, node: n, w: operand(l, 1, 'weight', consts, fail), inOut: true });
        break;
      case 'Add': {
        const k = n.input[0] === l.input ? 1 : 0;
        out.push({ kind: 'bias', at, node: n, b: operand(l, k, 'other operand', consts, fail) });
        break;
      }
      case 'Relu':
      case 'Tanh':
        out.push({ kind: 'act', at, op: n.opType, act: activation(n.opType === 'Relu' ? 'relu' : 'tanh') });
        break;
      case 'LeakyRelu': {
        const alpha = floatAttr(n, 'alpha', 0.01);
        // The attribute is a float32: 0.1 is stored as 0.10000000149….
        if (Math.abs(alpha - LEAKY_SLOPE) > 1e-7)
          fail(
            `${at}: slope ${Number(alpha.toPrecision(7))}; the toolkit's leaky ReLU has slope ${LEAKY_SLOPE}`,
          );
        out.push({ kind: 'act', at, op: n.opType, act: activation('leaky') });
        break;
      }
      case 'BatchNormalization':
      case 'LayerNormalization': {
        first();
        const batch = n.opType === 'BatchNormalization';
        if (!batch) {
          const axis = intAttr(n, 'axis', -1);
          if (axis !== -1 && axis !== 1) fail(`${at}: only the last axis (-1) is supported, got ${axis}`);
        }
        const gamma = operand(l, 1, 'scale', consts, fail);
        const beta = batch || n.input[2] ? operand(l, 2, 'bias B', consts, fail) : undefined;
        out.push({
          kind: 'norm',
          at,
          node: n,
          norm: batch ? 'batch' : 'layer',
          op: n.opType,
          gamma,
          ...(beta ? { beta } : {}),
        });
        break;
      }
      case 'Identity':
        break;
      case 'Flatten':
        if (intAttr(n, 'axis', 1) !== 1) fail(`${at}: only axis 1 (to [batch, features]) is supported`);
        break;
      case 'Reshape': {
        const shape = n.input[1]
          ? tensorInts(operand(l, 1, 'shape', consts, fail).tensor, `constant ${quote(n.input[1]!)}`, fail)
          : (attr(n, 'shape')?.ints ?? fail(`${at}: it has no shape`));
        const [a, b] = shape;
        const zeroIsBatch = intAttr(n, 'allowzero', 0) === 0;
        const keepsBatch = (a === 0 && zeroIsBatch) || a === -1;
        if (shape.length !== 2 || !keepsBatch || !(b === -1 ? a === 0 : b! > 0))
          fail(`${at}: only a reshape to [batch, features] is supported, got ${shapeText(shape)}`);
        // [0, -1] flattens whatever follows the batch: harmless. [·, n] fixes the width at n.
        if (b! > 0) out.push({ kind: 'width', at, width: b! });
        break;
      }
      case 'Softmax':
      case 'LogSoftmax': {
        const axis = intAttr(n, 'axis', opset >= 13 ? -1 : 1);
        if (axis !== -1 && axis !== 1) fail(`${at}: only the last axis (-1) is supported, got ${axis}`);
        out.push({ kind: 'head', at });
        break;
      }
      default:
        fail(`${at} is not supported (supported: ${SUPPORTED})`);
    }
  }
  return out;
}

/** The tokens grouped into layers; the last has neither normalisation nor activation. */
function layers(toks: readonly Token[], fail: Fail): { layers: Layer[]; head: boolean; start: Fixed[] } {
  const ls: Layer[] = [];
  const start: Fixed[] = [];
  let head = false;
  toks.forEach((t, k) => {
    const cur = ls[ls.length - 1];
    const order = `the toolkit's layers are Linear → normalisation → activation`;
    if (head) fail(`${t.at} follows the softmax head; it must be the last node`);
    switch (t.kind) {
      case 'linear':
        ls.push({ linear: t, reshapes: [] });
        break;
      case 'bias':
        if (!cur || toks[k - 1]?.kind !== 'linear' || cur.linear.b || cur.bias)
          fail(`${t.at} is supported only as the bias right after a MatMul`);
        cur.bias = t;
        break;
      case 'norm':
        if (!cur) fail(`${t.at} comes before the first Linear layer; ${order}`);
        if (cur.norm || cur.act) fail(`${t.at} follows ${(cur.act ?? cur.norm)!.at}; ${order}`);
        cur.norm = t;
        break;
      case 'act':
        if (!cur) fail(`${t.at} comes before the first Linear layer; ${order}`);
        if (cur.act) fail(`${t.at} follows ${cur.act.at}; ${order}`);
        cur.act = t;
        break;
      case 'width':
        (cur ? cur.reshapes : start).push(t);
        break;
      case 'head':
        if (!cur) fail(`${t.at} comes before the first Linear layer`);
        head = true;
        break;
    }
  });
  if (ls.length === 0) fail('the graph has no Linear layer (Gemm, or MatMul then Add)');
  const last = ls[ls.length - 1]!;
  const after = last.norm ?? last.act;
  if (after)
    fail(
      `${after.at} follows the last Linear layer; the toolkit's MLPs end in a Linear layer (then the loss)`,
    );
  return { layers: ls, head, start };
}

/** A hidden layer's activation or normalisation in messages: its node, or its absence after the Linear. */
const part = (t: { readonly at: string } | undefined, l: Layer, what: string): string =>
  t ? t.at : `no ${what} after ${l.linear.at}`;

/** One activation, one normalisation (with or without affine γ, β) and biases in all layers or none. */
function uniform(
  ls: readonly Layer[],
  fail: Fail,
): { act: Activation; norm: Norm; affine: boolean; bias: boolean } {
  const hidden = ls.slice(0, -1);
  const ref = hidden[0];
  for (const l of hidden.slice(1)) {
    if ((l.act?.act.kind ?? 'linear') !== (ref!.act?.act.kind ?? 'linear'))
      fail(
        `${l.act?.at ?? l.linear.at}: mixed activations (${part(ref!.act, ref!, 'activation')}, then ` +
          `${part(l.act, l, 'activation')}); the toolkit's MLPs have one activation in every hidden layer`,
      );
    if ((l.norm?.norm ?? 'none') !== (ref!.norm?.norm ?? 'none'))
      fail(
        `${l.norm?.at ?? l.linear.at}: mixed normalisations (${part(ref!.norm, ref!, 'normalisation')}, ` +
          `then ${part(l.norm, l, 'normalisation')}); the toolkit's MLPs have one kind in every hidden layer`,
      );
  }
  const biased = (l: Layer): boolean => !!(l.linear.b ?? l.bias);
  const withBias = ls.find(biased),
    without = ls.find((l) => !biased(l));
  if (withBias && without)
    fail(
      `${without.linear.at} has no bias but ${withBias.linear.at} has one; ` +
        `the toolkit's MLPs have a bias in every Linear layer or in none`,
    );
  // Learnable γ, β are initializers; a normalisation without them has constant γ = 1, β = 0.
  const affine = (t: NormToken): boolean => t.gamma.initializer && !!t.beta?.initializer;
  const fixed = (t: NormToken): boolean => {
    if (affine(t)) return false;
    const identity = (c: Const | undefined, v: number): boolean =>
      !c || (!c.initializer && floats(c, fail).every((x) => x === v));
    if (!identity(t.gamma, 1) || !identity(t.beta, 0))
      fail(
        `${t.at}: its scale and bias must both be learnable (initializers) or both fixed at 1 and 0 ` +
          `(a normalisation without affine parameters)`,
      );
    return true;
  };
  const norms = hidden.flatMap((l) => (l.norm ? [l.norm] : []));
  const kinds = norms.map((t) => !fixed(t));
  if (kinds.some((a) => a !== kinds[0]))
    fail(
      `${norms[kinds.indexOf(!kinds[0])]!.at}: its normalisation ${kinds[0] ? 'lacks' : 'has'} the affine γ, β ` +
        `that ${norms[0]!.at}'s ${kinds[0] ? 'has' : 'lacks'}; the toolkit's MLPs have them in every layer or none`,
    );
  return {
    act: ref?.act?.act ?? activation('linear'),
    norm: ref?.norm?.norm ?? 'none',
    affine: kinds[0] ?? false,
    bias: !!withBias,
  };
}

/** The widths, checking every weight, bias and normalisation parameter's shape along the way. */
function widths(ls: readonly Layer[], start: readonly Fixed[], fail: Fail): number[] {
  const ws: number[] = [];
  const vector = (c: Const, n: number, at: string, what: string): void => {
    const d = dimsOf(c);
    if (!((d.length === 1 && d[0] === n) || (d.length === 2 && d[0] === 1 && d[1] === n)))
      fail(`${at}: ${what} ${quote(c.name)} has shape ${shapeText(d)}, expected [${n}]`);
  };
  ls.forEach((l, k) => {
    const { w, inOut, at } = l.linear;
    if (w.tensor.dims.length !== 2)
      fail(
        `${at}: weight ${quote(w.name)} has shape ${shapeText(w.tensor.dims)}; a Linear layer's is a matrix`,
      );
    const d = dimsOf(w);
    const [nIn, nOut] = inOut ? [d[0]!, d[1]!] : [d[1]!, d[0]!];
    const width = k === 0 ? nIn : ws[ws.length - 1]!;
    if (nIn !== width)
      fail(`${at}: weight ${quote(w.name)} takes ${nIn} features, but its input has ${width}`);
    for (const r of k === 0 ? start : [])
      if (r.width !== nIn) fail(`${r.at}: reshapes to ${r.width} features, but ${at} takes ${nIn}`);
    if (k === 0) ws.push(nIn);
    ws.push(nOut);
    for (const r of l.reshapes)
      if (r.width !== nOut) fail(`${r.at}: reshapes to ${r.width} features, but its input has ${nOut}`);
    const b = l.linear.b ?? l.bias?.b;
    if (b) vector(b, nOut, l.bias?.at ?? at, 'bias');
    if (l.norm) {
      vector(l.norm.gamma, nOut, l.norm.at, 'scale');
      if (l.norm.beta) vector(l.norm.beta, nOut, l.norm.at, 'bias');
    }
  });
  return ws;
}

/** A name torch's exporter makes up for a value, never a state_dict key: a folded constant's or a node output's. */
const generated = (name: string): boolean => name.startsWith('onnx::') || /^\/.*_output_\d+$/.test(name);

const INDEX = /^\d+$/;

/**
 * How torch's exporter names a module in node names (`_unqualified_variable_name`): its path from the
 * last atom that is not an index ('encoder.layer.0' → 'layer.0'), the whole path when all atoms are.
 */
function unqualified(path: string): string {
  const atoms = path.split('.');
  let k = atoms.length - 1;
  while (k > 0 && INDEX.test(atoms[k]!)) k--;
  return atoms.slice(k).join('.');
}

/**
 * The path of the module a node belongs to, from the name torch's exporter (TorchScript) gives it:
 * `/<scope>/…/<scope>/<OpType>`, a scope per module call from the top module down, each the module's
 * unqualified name (`/0/MatMul` → '0'; `/features/features.0/MatMul` → 'features.0';
 * `/encoder/layer.0/fc/MatMul` → 'encoder.layer.0.fc'). Undefined when the name is not of that form,
 * and when the scope may be a repeated call (the exporter suffixes '_1', '_2', … to a scope name
 * already used, so `/2_1` after `/2` is module 2 again, or a module named '2_1').
 *
 * @param used - Whether any node's scope is `scope` or lies under it.
 */
function modulePath(n: OnnxNode, used: (scope: string) => boolean): string | undefined {
  const parts = n.name.split('/');
  if (parts.length < 3 || parts[0] !== '' || parts[parts.length - 1] !== n.opType) return undefined;
  const again = /^(.*)_\d+$/.exec(parts.slice(0, -1).join('/'));
  if (again && used(again[1]!)) return undefined;
  let path = '';
  for (const c of parts.slice(1, -1)) {
    const atoms = c.split('.');
    if (atoms.some((a) => a === '') || atoms.slice(1).some((a) => !INDEX.test(a))) return undefined;
    if (path === '') path = c;
    else {
      // A child of a called container repeats the container's name: 'features' then 'features.0'.
      const u = unqualified(path);
      if (c.startsWith(`${u}.`)) path += c.slice(u.length);
      else if (INDEX.test(atoms[0]!)) return undefined;
      else path += `.${c}`;
    }
  }
  return path;
}

/** A parameter of the graph as its node takes it: the tensor's attribute in its module ('weight', 'bias', …). */
export interface Use {
  readonly c: Const;
  readonly node: OnnxNode;
  readonly attribute: string;
}

/**
 * The state_dict keys of the parameters whose ONNX names torch's exporter generated (a Linear without
 * bias is a MatMul on its folded transpose, 'onnx::MatMul_12'), read from their nodes' names: the
 * module's path and the parameter's attribute. Undefined for every other parameter, and wherever the
 * key is not certain: when the node names do not follow torch's scheme, when some parameter the
 * exporter did name by its key (`evidence` included) is named otherwise by its node, when the key
 * would name another value of the graph or two parameters.
 */
export function stateDictKeys(
  g: OnnxGraph,
  params: readonly Use[],
  evidence: readonly Use[],
): (string | undefined)[] {
  const used = (scope: string): boolean => g.node.some((m) => m.name.startsWith(`${scope}/`));
  const keyOf = (p: Use): string | undefined => {
    const path = modulePath(p.node, used);
    return path === undefined ? undefined : `${path}.${p.attribute}`;
  };
  const none = params.map(() => undefined);
  for (const p of [...params, ...evidence]) {
    const key = generated(p.c.name) ? undefined : keyOf(p);
    if (key !== undefined && key !== p.c.name) return none;
  }
  // Only an initializer read as stored, as torch's exporter writes a folded weight.
  const keys = params.map((p) => (generated(p.c.name) && !p.c.flipped ? keyOf(p) : undefined));
  if (keys.every((k) => k === undefined)) return none;
  const taken = new Set([
    ...g.input,
    ...g.output,
    ...g.initializer.map((t) => t.name),
    ...g.node.flatMap((n) => n.output),
  ]);
  const count = new Map<string, number>();
  for (const k of keys) if (k !== undefined) count.set(k, (count.get(k) ?? 0) + 1);
  return keys.map((k) => (k !== undefined && !taken.has(k) && count.get(k) === 1 ? k : undefined));
}

/** θ in the network's block order, and where each block came from. */
function weights(
  net: Network,
  ls: readonly Layer[],
  g: OnnxGraph,
  consts: ReadonlyMap<string, Const>,
  fail: Fail,
): { theta: Float64Array; parameters: Record<string, ModelParameter> } {
  const used = new Map<string, string>();
  // Every value is read (and checked against its shape) before θ is allocated.
  const values: (Use & { block: Block; v: Float64Array; transposed: boolean })[] = [];
  const put = (
    name: string,
    c: Const,
    node: OnnxNode,
    at: string,
    attribute: string,
    transposed: boolean,
  ): void => {
    const block = net.blocks.find((x) => x.name === name);
    if (!block) return;
    const seen = used.get(c.name);
    if (seen) fail(`${at}: ${quote(c.name)} is also ${seen}'s; shared (tied) weights are not supported`);
    used.set(c.name, name);
    values.push({ block, c, node, attribute, v: floats(c, fail), transposed });
  };
  const evidence: Use[] = [];
  ls.forEach((l, k) => {
    const { w, inOut, at, node } = l.linear;
    put(`W${k + 1}`, w, node, at, 'weight', inOut !== w.flipped);
    const b = l.linear.b ?? l.bias?.b;
    if (b) put(`b${k + 1}`, b, l.bias?.node ?? node, l.bias?.at ?? at, 'bias', false);
    if (l.norm && net.spec.affine) {
      put(`gamma${k + 1}`, l.norm.gamma, l.norm.node, l.norm.at, 'weight', false);
      put(`beta${k + 1}`, l.norm.beta!, l.norm.node, l.norm.at, 'bias', false);
    }
    if (l.norm?.norm === 'batch')
      for (const [i, attribute] of [
        [3, 'running_mean'],
        [4, 'running_var'],
      ] as const) {
        const name = l.norm.node.input[i];
        const c = name ? consts.get(name) : undefined;
        if (c) evidence.push({ c, node: l.norm.node, attribute });
      }
  });
  const keys = stateDictKeys(g, values, evidence);
  const parameters: Record<string, ModelParameter> = {};
  values.forEach(({ block: b, c, transposed }, i) => {
    const key = keys[i];
    const source = c.source !== undefined && c.source !== (key ?? c.name) ? { initializer: c.source } : {};
    parameters[b.name] =
      key === undefined
        ? { name: c.name, shape: [...c.tensor.dims], transposed, ...source }
        : {
            name: key,
            shape: b.name.startsWith('W') ? [b.rows, b.cols] : [b.cols],
            transposed: false,
            ...source,
          };
  });
  const theta = new Float64Array(net.size);
  for (const { block: b, v, transposed } of values)
    if (!transposed) theta.set(v, b.offset);
    else
      for (let i = 0; i < b.rows; i++)
        for (let j = 0; j < b.cols; j++) theta[b.offset + i * b.cols + j] = v[j * b.rows + i]!;
  return { theta, parameters };
}

/** The model's protobuf, or a ModelError. */
export function decode(bytes: Uint8Array, fail: Fail): OnnxModel {
  if (bytes.length === 0) fail('the file is empty, not an ONNX model');
  let model: OnnxModel;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return fail(`not an ONNX model: malformed protobuf (${excerpt(why, 60)})`);
  }
  if (!model.graph) fail('not an ONNX model: it holds no graph');
  if (model.graph.node.length === 0) fail('the graph is empty: it has no nodes');
  return model;
}

/**
 * Read an MLP from the bytes of an ONNX model file (a serialized ModelProto). Normalisations are
 * read with the toolkit's ε = 0 (the model's epsilon is ignored), and BatchNorm's running mean and
 * variance are ignored (the toolkit normalises with the batch's statistics).
 *
 * @param bytes - The file's contents.
 * @param origin - The file name, for messages and {@link Model.origin}.
 * @param opts - The loss, overriding what the graph implies ({@link ModelOptions}).
 * @returns The spec, the weights in the toolkit's flat layout, and where each block came from.
 * @throws {@link ModelError} naming the node or value at fault when the bytes are not an ONNX model or
 *   the graph is not an MLP the toolkit models.
 */
export function readOnnx(bytes: Uint8Array, origin: string, opts: ModelOptions = {}): Model {
  const fail: Fail = (detail) => {
    throw new ModelError(origin, detail);
  };
  const model = decode(bytes, fail);
  const g = model.graph!;
  const { consts, made } = constants(g, fail);
  g.node.forEach((n, i) => {
    if (made.has(i)) return;
    if ((n.domain === '' || n.domain === 'ai.onnx') && OPS.has(n.opType)) return;
    const hint =
      LAYERNORM_PARTS.has(n.opType) && model.opset < 17
        ? '; a LayerNorm exported below opset 17 is split into such nodes: export with opset 17 or later'
        : '';
    const domain = n.domain && n.domain !== 'ai.onnx' ? ` in domain ${quote(n.domain)}` : '';
    fail(`${nodeName(n, i)}${domain} is not supported (supported: ${SUPPORTED})${hint}`);
  });
  const toks = tokens(chain(g, consts, made, fail), consts, model.opset, fail);
  const { layers: ls, head, start } = layers(toks, fail);
  const shape = uniform(ls, fail);
  const spec: MlpSpec = {
    widths: widths(ls, start, fail),
    ...shape,
    affine: shape.norm !== 'none' && shape.affine,
    loss: opts.loss ?? (head ? 'ce' : 'mse'),
  };
  let net: Network;
  try {
    net = buildNetwork(spec);
  } catch (e) {
    if (e instanceof UserInputError) return fail(e.message);
    throw e;
  }
  return { kind: 'model', origin, spec, ...weights(net, ls, g, consts, fail) };
}

/** A failed read as a ModelError naming the file. */
function ioError(err: unknown, path: string): ModelError {
  const why = readFailure(err) ?? `(${(err as NodeJS.ErrnoException)?.code ?? 'error'})`;
  return new ModelError(path, `cannot read the model: ${why}`);
}

/** A file's bytes, read no further than {@link MODEL_BYTES_LIMIT} + 1 (an endless source is refused). */
export function readBounded(path: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw ioError(err, path);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for (;;) {
      const chunk = Buffer.alloc(1 << 20);
      const got = readSync(fd, chunk, 0, chunk.length, null);
      if (got === 0) break;
      chunks.push(chunk.subarray(0, got));
      total += got;
      if (total > MODEL_BYTES_LIMIT)
        throw new ModelError(path, `larger than ${MODEL_BYTES_LIMIT} bytes (the limit for a model file)`);
    }
  } catch (err) {
    if (err instanceof ModelError) throw err;
    throw ioError(err, path);
  } finally {
    closeSync(fd);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Read an MLP from an ONNX model file ({@link readOnnx} on its contents, named by `path`).
 *
 * @throws {@link ModelError} naming the path when the file cannot be read (missing, a directory,
 *   unreadable, over {@link MODEL_BYTES_LIMIT}) or is not an MLP the toolkit models.
 */
export function loadModel(path: string, opts: ModelOptions = {}): Model {
  return readOnnx(readBounded(path), path, opts);
}
