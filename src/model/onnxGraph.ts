/**
 * Reading a CNN or a transformer block from an ONNX file into the toolkit's graph models
 * (numeric/graph/models.ts): the spec, the weights as θ in the graph's parameter layout, and the
 * tensor (PyTorch state_dict key, or ONNX name) each graph parameter is.
 *
 * Accepted patterns (Identity nodes, and a Pad of zeros before an AveragePool, are passed over):
 *
 * CNN (`cnnGraph`): from the input [N, C, H, W] (C, H, W declared as numbers), repeated
 *   Conv (with bias; square kernel, equal strides, equal pads on all sides, dilation 1, group 1)
 *   → optional BatchNormalization (its extra training outputs unused) → optional activation (Relu,
 *   LeakyRelu with slope 0.1, Tanh) → optional AveragePool (kernel k × k, stride k, no pads, no
 *   ceil_mode), with the same BatchNorm, activation and pooling after every Conv; then
 *   GlobalAveragePool → Flatten (axis 1) or Reshape to [N, C], or ReduceMean over axes 2, 3 without
 *   keepdims; then Gemm (transA 0, alpha = beta = 1, with C) or MatMul + Add; then optional Softmax or
 *   LogSoftmax over the last axis (the loss is then cross-entropy). BatchNorm's γ, β are learnable
 *   (initializers: the spec's `affine`) or constants 1 and 0.
 *
 * Transformer block (`transformerGraph`), as torch.onnx.export (TorchScript, opset 17, static shapes)
 * writes a module computing, on x [N, T, d]:
 *   q, k, v = Linear(x) each (MatMul + Add), reshaped to [N, T, H, d_head] and transposed to
 *   [N, H, T, d_head] (k to [N, H, d_head, T]: Transpose perm 0,2,3,1, or 0,2,1,3 then 0,1,3,2);
 *   s = MatMul(q, kᵀ) then Div by √d_head or Mul by 1/√d_head; optionally Add of a constant mask
 *   (0 on and below the diagonal, −∞ above: causal, broadcast from [T, T]); Softmax over the last axis;
 *   MatMul with v; Transpose 0,2,1,3; Reshape to [N, T, H·d_head]; Linear (W_O); Add of x (residual);
 *   optional LayerNormalization over the last axis with learnable γ, β; Linear → optional activation
 *   (Relu, LeakyRelu 0.1, Tanh) → Linear, Add of its input (residual); ReduceMean over axis 1 without
 *   keepdims; Linear head (Gemm or MatMul + Add); optional Softmax or LogSoftmax.
 * Anything else (another op, a branch elsewhere, a missing bias, a shape that does not fit) is refused.
 *
 * As for MLPs (src/model/onnx.ts), normalisations use ε = 0 whatever the model declares, BatchNorm
 * normalises with the batch's statistics (its running mean and variance are ignored), and the
 * attention scale is 1/√d_head exactly (a constant within float32 rounding of it is accepted). The
 * batch N is the input's declared first axis, or `opts.batch` (default {@link DEFAULT_GRAPH_BATCH})
 * when the file leaves it symbolic. Every problem is a {@link ModelError}: one line naming the node.
 */
import { UserInputError } from '../../numeric/errors';
import { type Graph } from '../../numeric/graph/graph';
import { type CnnSpec, type TransformerSpec, cnnGraph, transformerGraph } from '../../numeric/graph/models';
import { type GraphActivation } from '../../numeric/graph/ops';
import { LEAKY_SLOPE } from '../../numeric/mlp';
import {
  type Const,
  type ModelParameter,
  type Use,
  ModelError,
  attr,
  constants,
  decode,
  floatAttr,
  floats,
  intAttr,
  nodeName,
  quote,
  readBounded,
  stateDictKeys,
} from './onnx';
import { type Fail, type OnnxGraph, type OnnxNode, shapeText, tensorFloats, tensorInts } from './onnx-proto';

/** A graph model read from ONNX: its spec, θ in the graph's layout, and the tensor each parameter is. */
export type OnnxGraphModel =
  | {
      readonly kind: 'cnn';
      /** The file name, for messages. */
      readonly origin: string;
      readonly spec: CnnSpec;
      /** For each graph parameter (conv1, cb1, …, W_out, b_out): the tensor it is. */
      readonly parameters: Readonly<Record<string, ModelParameter>>;
      /** The model's weights in the graph's θ layout (cnnGraph(spec).params order), float64. */
      readonly theta: Float64Array;
    }
  | {
      readonly kind: 'transformer';
      readonly origin: string;
      readonly spec: TransformerSpec;
      readonly parameters: Readonly<Record<string, ModelParameter>>;
      readonly theta: Float64Array;
    };

/** Options for reading a graph model. */
export interface GraphModelOptions {
  /** The loss; by default cross-entropy when the graph ends in Softmax or LogSoftmax, else ½-mean squared error. */
  readonly loss?: 'mse' | 'ce';
  /** The batch when the input's first axis is symbolic (default {@link DEFAULT_GRAPH_BATCH}). */
  readonly batch?: number;
}

/** The batch a graph model is evaluated on when its file leaves the batch axis symbolic. */
export const DEFAULT_GRAPH_BATCH = 4;

/** The ops a graph model may hold (Add and Mul only as the patterns use them). */
const SUPPORTED =
  'Conv, BatchNormalization, Relu, LeakyRelu, Tanh, AveragePool, Pad, GlobalAveragePool, Flatten, ' +
  'ReduceMean, Gemm, MatMul, Add, Reshape, Transpose, Div, Mul, Softmax, LogSoftmax, ' +
  'LayerNormalization, Identity';
const OPS = new Set(SUPPORTED.split(', '));

/** What the file is: a CNN (it has a Conv), a transformer block (a MatMul of two computed values), or an MLP. */
export function onnxModelKind(bytes: Uint8Array, origin: string): 'mlp' | 'cnn' | 'transformer' {
  const fail: Fail = (detail) => {
    throw new ModelError(origin, detail);
  };
  const g = decode(bytes, fail).graph!;
  return kindOf(g, constants(g, fail).consts);
}

function kindOf(g: OnnxGraph, consts: ReadonlyMap<string, Const>): 'mlp' | 'cnn' | 'transformer' {
  if (g.node.some((n) => n.opType === 'Conv')) return 'cnn';
  const computed = (v: string): boolean => v !== '' && !consts.has(v);
  if (g.node.some((n) => n.opType === 'MatMul' && n.input.length === 2 && n.input.every(computed)))
    return 'transformer';
  return 'mlp';
}

/** A graph parameter as read: the value, the node taking it and whether it is stored transposed. */
interface Binding {
  readonly name: string;
  readonly c: Const;
  readonly node: OnnxNode;
  readonly attribute: string;
  /** A matrix stored as the graph block's transpose (a MatMul's in × out weight). */
  readonly transposed: boolean;
}

/** A Linear layer read: weight (as a binding), its in/out widths, bias, and its output value. */
interface Linear {
  readonly w: Const;
  readonly wNode: OnnxNode;
  readonly transposed: boolean;
  readonly nIn: number;
  readonly nOut: number;
  readonly b: Const;
  readonly bNode: OnnxNode;
  readonly out: string;
  readonly at: string;
}

/** Walks the graph's nodes along the patterns, marking what it has read. */
class Reader {
  readonly consts: Map<string, Const>;
  private readonly made: Set<number>;
  private readonly users = new Map<string, number[]>();
  private readonly seen = new Set<number>();

  constructor(
    readonly g: OnnxGraph,
    readonly fail: Fail,
  ) {
    ({ consts: this.consts, made: this.made } = constants(g, fail));
    g.node.forEach((n, i) => {
      if (this.made.has(i)) return;
      if (!((n.domain === '' || n.domain === 'ai.onnx') && OPS.has(n.opType))) {
        const domain = n.domain && n.domain !== 'ai.onnx' ? ` in domain ${quote(n.domain)}` : '';
        fail(
          `${nodeName(n, i)}${domain} is not supported in a CNN or transformer block (supported: ${SUPPORTED})`,
        );
      }
      for (const v of new Set(n.input.filter((x) => x !== '' && !this.consts.has(x)))) {
        const us = this.users.get(v);
        if (us) us.push(i);
        else this.users.set(v, [i]);
      }
    });
  }

  at(i: number): string {
    return nodeName(this.g.node[i]!, i);
  }
  node(i: number): OnnxNode {
    return this.g.node[i]!;
  }
  /** The nodes taking a computed value. */
  takers(v: string): readonly number[] {
    return this.users.get(v) ?? [];
  }
  /** Mark node i read and return its first output (its other outputs must be unused). */
  take(i: number): string {
    const n = this.node(i);
    if (this.seen.has(i)) this.fail(`the graph has a cycle through ${this.at(i)}`);
    this.seen.add(i);
    const out = n.output[0];
    if (!out) this.fail(`${this.at(i)} has no output`);
    for (const extra of n.output.slice(1))
      if (extra && (this.users.has(extra) || this.g.output.includes(extra)))
        this.fail(`${this.at(i)}: its output ${quote(extra)} is used; only its first output may be`);
    return out;
  }
  /**
   * The one node taking `v` (Identity nodes, and Pads of zeros when `pad`, taken and passed over),
   * as its index and the value it takes; refused when none or several do.
   */
  next(v: string, what: string, pad = false): { i: number; v: string } {
    for (;;) {
      const us = this.takers(v);
      if (us.length === 0)
        this.fail(
          v === this.g.output[0]
            ? `the graph ends at ${quote(v)}; expected ${what}`
            : `nothing takes ${quote(v)} further; expected ${what}`,
        );
      if (us.length > 1)
        this.fail(
          `${quote(v)} feeds ${us.length} nodes (${us
            .slice(0, 3)
            .map((i) => this.at(i))
            .join(', ')}); expected only ${what}`,
        );
      const i = us[0]!,
        n = this.node(i);
      if (n.opType === 'Identity') v = this.take(i);
      else if (pad && n.opType === 'Pad' && n.input[0] === v) {
        const pads = n.input[1] ? this.ints(i, 1, 'pads') : [...(attr(n, 'pads')?.ints ?? [])];
        const value = n.input[2] ? floats(this.operand(i, 2, 'constant value'), this.fail) : [0];
        if (
          pads.some((p) => p !== 0) ||
          value.some((x) => x !== 0) ||
          (attr(n, 'mode')?.s ?? 'constant') !== 'constant'
        )
          this.fail(`${this.at(i)}: only a Pad of zeros (none) is supported`);
        v = this.take(i);
      } else return { i, v };
    }
  }
  /** `next`, required to be one of `ops`. */
  expect(v: string, ops: readonly string[], what: string, pad = false): number {
    const { i } = this.next(v, what, pad);
    if (!ops.includes(this.node(i).opType)) this.fail(`${this.at(i)} is not ${what}`);
    if (this.node(i).input[0] !== v && !['Add', 'Mul'].includes(this.node(i).opType))
      this.fail(`${this.at(i)}: ${quote(v)} must be its first operand`);
    return i;
  }
  operand(i: number, k: number, what: string): Const {
    const name = this.node(i).input[k];
    const c = name ? this.consts.get(name) : undefined;
    if (!c) this.fail(`${this.at(i)}: its ${what} must be an initializer or a constant`);
    return c;
  }
  ints(i: number, k: number, what: string): number[] {
    const c = this.operand(i, k, what);
    return tensorInts(c.tensor, `constant ${quote(c.name)}`, this.fail);
  }
  /** The axes of a ReduceMean: its attribute (below opset 18) or its second input. */
  axes(i: number): number[] {
    const n = this.node(i);
    return n.input[1] ? this.ints(i, 1, 'axes') : [...(attr(n, 'axes')?.ints ?? [])];
  }
  /** Refuse the first node not read. */
  finish(): void {
    const i = this.g.node.findIndex((_, k) => !this.made.has(k) && !this.seen.has(k));
    if (i >= 0) this.fail(`${this.at(i)} is not part of the recognised pattern`);
  }

  /** A Linear layer at node i taking x: MatMul then Add of a bias, or Gemm with a bias. */
  linear(i: number, x: string, nIn: number, what: string): Linear {
    const n = this.node(i),
      at = this.at(i);
    if (n.input[0] !== x) this.fail(`${at}: ${what}'s input must be its first operand`);
    let inOut: boolean, b: Const, bNode: OnnxNode, out: string;
    const w = this.operand(i, 1, `${what}'s weight`);
    if (n.opType === 'Gemm') {
      const transB = intAttr(n, 'transB', 0);
      if (intAttr(n, 'transA', 0) !== 0 || (transB !== 0 && transB !== 1))
        this.fail(`${at}: only transA = 0 and transB = 0 or 1 are supported`);
      if (floatAttr(n, 'alpha', 1) !== 1 || floatAttr(n, 'beta', 1) !== 1)
        this.fail(`${at}: only alpha = beta = 1 is supported`);
      if (!n.input[2]) this.fail(`${at}: ${what} has no bias; the toolkit's graph models have one`);
      inOut = transB === 0;
      b = this.operand(i, 2, `${what}'s bias`);
      bNode = n;
      out = this.take(i);
    } else if (n.opType === 'MatMul') {
      inOut = true;
      const mm = this.take(i);
      const a = this.expect(mm, ['Add'], `the Add of ${what}'s bias`);
      const an = this.node(a);
      const k = an.input[0] === mm ? 1 : 0;
      b = this.operand(a, k, `${what}'s bias`);
      bNode = an;
      out = this.take(a);
    } else return this.fail(`${at} is not ${what} (Gemm, or MatMul then Add)`);
    const d = w.flipped ? [w.tensor.dims[1]!, w.tensor.dims[0]!] : w.tensor.dims;
    if (d.length !== 2)
      this.fail(`${at}: weight ${quote(w.name)} has shape ${shapeText(d)}; expected a matrix`);
    const [wi, wo] = inOut ? [d[0]!, d[1]!] : [d[1]!, d[0]!];
    if (wi !== nIn)
      this.fail(`${at}: weight ${quote(w.name)} takes ${wi} features, but its input has ${nIn}`);
    const bd = b.tensor.dims;
    if (!((bd.length === 1 && bd[0] === wo) || (bd.length === 2 && bd[0] === 1 && bd[1] === wo)))
      this.fail(`${at}: bias ${quote(b.name)} has shape ${shapeText(bd)}, expected [${wo}]`);
    return { w, wNode: n, transposed: inOut !== w.flipped, nIn: wi, nOut: wo, b, bNode, out, at };
  }
}

/** The bindings of a Linear's weight and bias as graph parameters W, b. */
const linearBindings = (l: Linear, W: string, b: string): Binding[] => [
  { name: W, c: l.w, node: l.wNode, attribute: 'weight', transposed: l.transposed },
  { name: b, c: l.b, node: l.bNode, attribute: 'bias', transposed: false },
];

/** An activation node's graph activation, or undefined when the node is not one. */
function activationOf(r: Reader, i: number): GraphActivation | undefined {
  const n = r.node(i);
  if (n.opType === 'Relu') return { kind: 'relu' };
  if (n.opType === 'Tanh') return { kind: 'tanh' };
  if (n.opType !== 'LeakyRelu') return undefined;
  const alpha = floatAttr(n, 'alpha', 0.01);
  // The attribute is a float32: 0.1 is stored as 0.10000000149….
  if (Math.abs(alpha - LEAKY_SLOPE) > 1e-7)
    r.fail(
      `${r.at(i)}: slope ${Number(alpha.toPrecision(7))}; the toolkit's leaky ReLU has slope ${LEAKY_SLOPE}`,
    );
  return { kind: 'leaky', slope: LEAKY_SLOPE };
}

const sameAct = (a: GraphActivation, b: GraphActivation): boolean => a.kind === b.kind;

/** The optional Softmax / LogSoftmax head after the logits; the value must then be the graph's output. */
function head(r: Reader, v: string): boolean {
  let out = v,
    ce = false;
  if (v !== r.g.output[0]) {
    const { i } = r.next(v, 'Softmax or LogSoftmax (or the graph output)');
    const n = r.node(i);
    if (n.opType !== 'Softmax' && n.opType !== 'LogSoftmax')
      r.fail(`${r.at(i)} follows the output layer; only Softmax or LogSoftmax may`);
    const axis = intAttr(n, 'axis', -1);
    if (axis !== -1 && axis !== 1) r.fail(`${r.at(i)}: only the last axis is supported, got ${axis}`);
    out = r.take(i);
    ce = true;
  }
  if (out !== r.g.output[0])
    r.fail(`${quote(out)} is taken further, but the graph's output is ${quote(r.g.output[0]!)}`);
  return ce;
}

/** The declared input shape, with the batch axis resolved. */
function inputShape(r: Reader, x: string, rank: number, what: string, batch: number): number[] {
  const dims = r.g.inputShapes?.get(x);
  if (!dims) r.fail(`the input ${quote(x)} declares no shape; a ${what} needs its ${rank} axes`);
  if (dims.length !== rank) r.fail(`the input ${quote(x)} has ${dims.length} axes; a ${what}'s has ${rank}`);
  return dims.map((d, k) => {
    if (typeof d === 'number') return d;
    if (k === 0) return batch;
    return r.fail(`the input ${quote(x)}'s axis ${k} is symbolic ('${d}'); a ${what}'s must be a number`);
  });
}

/** The CNN from input x [N, C, H, W]. */
function readCnn(
  r: Reader,
  x: string,
  batch: number,
): { spec: Omit<CnnSpec, 'loss'>; bindings: Binding[]; ce: boolean } {
  const [N, C0, H0, W0] = inputShape(r, x, 4, 'CNN', batch) as [number, number, number, number];
  let C = C0,
    H = H0,
    Wd = W0,
    v = x;
  const convs: CnnSpec['convs'][number][] = [];
  const bindings: Binding[] = [];
  let bn: boolean | undefined,
    affine: boolean | undefined,
    act: GraphActivation | undefined,
    pool: number | undefined;
  const uniform = (i: number, what: string, ok: boolean): void => {
    if (!ok) r.fail(`${r.at(i)}: ${what}; the toolkit's CNN has the same layers after every Conv`);
  };
  for (;;) {
    const { i } = r.next(v, 'a Conv or the global average pool');
    const n = r.node(i),
      at = r.at(i);
    if (n.opType !== 'Conv') break;
    if (n.input[0] !== v) r.fail(`${at}: the layer's input must be its first operand`);
    const K = r.operand(i, 1, 'kernel');
    if (!n.input[2]) r.fail(`${at} has no bias; the toolkit's CNN convs have one`);
    const B = r.operand(i, 2, 'bias');
    if (K.flipped || K.tensor.dims.length !== 4)
      r.fail(`${at}: kernel ${quote(K.name)} has shape ${shapeText(K.tensor.dims)}; expected [O, C, k, k]`);
    const [O, Ci, kh, kw] = K.tensor.dims as [number, number, number, number];
    if (Ci !== C) r.fail(`${at}: kernel ${quote(K.name)} takes ${Ci} channels, but its input has ${C}`);
    if (kh !== kw) r.fail(`${at}: a ${kh}×${kw} kernel; the toolkit's convs are square`);
    const ints = (name: string, dflt: number[]): readonly number[] => {
      const a = attr(n, name);
      return a ? a.ints : dflt;
    };
    const strides = ints('strides', [1, 1]),
      pads = ints('pads', [0, 0, 0, 0]),
      dil = ints('dilations', [1, 1]);
    const ks = ints('kernel_shape', [kh, kw]);
    if (ks.length !== 2 || ks[0] !== kh || ks[1] !== kw)
      r.fail(`${at}: kernel_shape ${shapeText(ks)} differs from its kernel's`);
    if (intAttr(n, 'group', 1) !== 1) r.fail(`${at}: only group = 1 is supported`);
    if (dil.some((d) => d !== 1)) r.fail(`${at}: only dilation 1 is supported`);
    if (strides.length !== 2 || strides[0] !== strides[1]) r.fail(`${at}: only equal strides are supported`);
    if (pads.length !== 4 || pads.some((p) => p !== pads[0]))
      r.fail(`${at}: only equal pads on all sides are supported`);
    const autoPad = attr(n, 'auto_pad')?.s ?? 'NOTSET';
    if (autoPad !== 'NOTSET' && autoPad !== '') r.fail(`${at}: auto_pad ${quote(autoPad)} is not supported`);
    const s = strides[0]!,
      p = pads[0]!;
    if (s < 1 || p < 0 || s > 64 || p > 64) r.fail(`${at}: stride ${s} and pad ${p} out of range`);
    const bd = B.tensor.dims;
    if (bd.length !== 1 || bd[0] !== O)
      r.fail(`${at}: bias ${quote(B.name)} has shape ${shapeText(bd)}, expected [${O}]`);
    const k = convs.length + 1;
    bindings.push(
      { name: `conv${k}`, c: K, node: n, attribute: 'weight', transposed: false },
      { name: `cb${k}`, c: B, node: n, attribute: 'bias', transposed: false },
    );
    H = Math.floor((H + 2 * p - kh) / s) + 1;
    Wd = Math.floor((Wd + 2 * p - kw) / s) + 1;
    if (H < 1 || Wd < 1) r.fail(`${at}: its output would be empty (${H}×${Wd})`);
    convs.push({ channels: O, k: kh, stride: s, pad: p });
    C = O;
    v = r.take(i);
    // Optional BatchNorm, activation, pooling.
    let nx = r.next(v, 'BatchNorm, an activation, a pool, a Conv or the global average pool', true);
    const hasBn = r.node(nx.i).opType === 'BatchNormalization';
    if (bn !== undefined)
      uniform(
        nx.i,
        hasBn ? 'a BatchNorm where the first Conv has none' : 'no BatchNorm where the first Conv has one',
        bn === hasBn,
      );
    bn = hasBn;
    if (hasBn) {
      const bi = nx.i,
        bnode = r.node(bi);
      if (bnode.input[0] !== v) r.fail(`${r.at(bi)}: the layer's input must be its first operand`);
      const gamma = r.operand(bi, 1, 'scale'),
        beta = r.operand(bi, 2, 'bias B');
      for (const [c, what] of [
        [gamma, 'scale'],
        [beta, 'bias'],
      ] as const)
        if (c.tensor.dims.length !== 1 || c.tensor.dims[0] !== O)
          r.fail(
            `${r.at(bi)}: ${what} ${quote(c.name)} has shape ${shapeText(c.tensor.dims)}, expected [${O}]`,
          );
      const learnable = gamma.initializer && beta.initializer;
      if (!learnable) {
        const fixed = (c: Const, x: number): boolean =>
          !c.initializer && floats(c, r.fail).every((y) => y === x);
        if (!fixed(gamma, 1) || !fixed(beta, 0))
          r.fail(
            `${r.at(bi)}: its scale and bias must both be learnable (initializers) or both fixed at 1 and 0`,
          );
      }
      if (affine !== undefined)
        uniform(bi, 'its BatchNorm differs in affine γ, β from the first', affine === learnable);
      affine = learnable;
      if (learnable)
        bindings.push(
          { name: `gamma${k}`, c: gamma, node: bnode, attribute: 'weight', transposed: false },
          { name: `beta${k}`, c: beta, node: bnode, attribute: 'bias', transposed: false },
        );
      v = r.take(bi);
      nx = r.next(v, 'an activation, a pool, a Conv or the global average pool', true);
    }
    const a = activationOf(r, nx.i) ?? { kind: 'linear' as const };
    if (act !== undefined) uniform(nx.i, `activation ${a.kind} after ${act.kind}`, sameAct(a, act));
    act = a;
    if (a.kind !== 'linear') {
      v = r.take(nx.i);
      nx = r.next(v, 'a pool, a Conv or the global average pool', true);
    }
    let q = 1;
    if (r.node(nx.i).opType === 'AveragePool') {
      const pn = r.node(nx.i),
        pat = r.at(nx.i);
      const ks2 = attr(pn, 'kernel_shape')?.ints ?? [];
      const st = attr(pn, 'strides')?.ints ?? ks2.map(() => 1);
      const pp = attr(pn, 'pads')?.ints ?? [];
      if (ks2.length !== 2 || ks2[0] !== ks2[1] || st.length !== 2 || st[0] !== ks2[0] || st[1] !== ks2[0])
        r.fail(`${pat}: only a k × k pool with stride k is supported`);
      if (pp.some((x) => x !== 0) || intAttr(pn, 'ceil_mode', 0) !== 0)
        r.fail(`${pat}: only a pool without pads or ceil_mode is supported`);
      q = ks2[0]!;
      if (q < 2 || q > 64) r.fail(`${pat}: pool size ${q} out of range`);
      v = r.take(nx.i);
      H = Math.floor(H / q);
      Wd = Math.floor(Wd / q);
      if (H < 1 || Wd < 1) r.fail(`${pat}: its output would be empty`);
    }
    if (pool !== undefined) uniform(nx.i, `pooling ${q} after pooling ${pool}`, pool === q);
    pool = q;
  }
  if (convs.length === 0) r.fail('a CNN starts with a Conv on its input');
  // Global average pool, to [N, C].
  const { i: gi } = r.next(v, 'the global average pool');
  const gn = r.node(gi);
  if (gn.opType === 'GlobalAveragePool') {
    v = r.take(gi);
    const { i: fi } = r.next(v, 'Flatten or Reshape to [N, C]');
    const fn = r.node(fi);
    if (fn.opType === 'Flatten') {
      if (intAttr(fn, 'axis', 1) !== 1) r.fail(`${r.at(fi)}: only axis 1 is supported`);
    } else if (fn.opType === 'Reshape') {
      const t = r.ints(fi, 1, 'shape');
      const ok =
        t.length === 2 &&
        (t[0] === N || t[0] === 0 || t[0] === -1) &&
        (t[1] === C || t[1] === -1) &&
        !(t[0] === -1 && t[1] === -1);
      if (!ok) r.fail(`${r.at(fi)}: reshapes to ${shapeText(t)}; expected [${N}, ${C}]`);
    } else r.fail(`${r.at(fi)} is not Flatten or Reshape to [N, C]`);
    v = r.take(fi);
  } else if (gn.opType === 'ReduceMean') {
    const ax = r
      .axes(gi)
      .map((a) => (a < 0 ? a + 4 : a))
      .sort();
    if (ax.length !== 2 || ax[0] !== 2 || ax[1] !== 3 || intAttr(gn, 'keepdims', 1) !== 0)
      r.fail(`${r.at(gi)}: only a mean over axes 2, 3 (height, width) without keepdims is supported`);
    v = r.take(gi);
  } else
    r.fail(`${r.at(gi)} is not the global average pool (GlobalAveragePool, or ReduceMean over axes 2, 3)`);
  const { i: li } = r.next(v, 'the output layer');
  const out = r.linear(li, v, C, 'the output layer');
  bindings.push(...linearBindings(out, 'W_out', 'b_out'));
  const ce = head(r, out.out);
  const spec = {
    input: [N, C0, H0, W0] as const,
    convs,
    batchNorm: bn!,
    ...(bn ? { affine: affine! } : {}),
    act: act!,
    pool: pool!,
    classes: out.nOut,
  };
  return { spec, bindings, ce };
}

/** A Reshape's result for an input of `dims` (0 copies the axis, −1 is inferred), or a failure. */
function reshaped(r: Reader, i: number, dims: readonly number[]): number[] {
  if (intAttr(r.node(i), 'allowzero', 0) !== 0) r.fail(`${r.at(i)}: allowzero is not supported`);
  const t = r.ints(i, 1, 'shape');
  const out = t.map((d, k) => (d === 0 ? (dims[k] ?? NaN) : d));
  const total = dims.reduce((a, b) => a * b, 1);
  const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const free = out.filter((d) => d === -1).length;
  if (free === 1) out[out.indexOf(-1)] = total / known;
  if (free > 1 || out.some((d) => !Number.isInteger(d) || d < 1) || out.reduce((a, b) => a * b, 1) !== total)
    r.fail(`${r.at(i)}: cannot reshape ${shapeText(dims)} to ${shapeText(t)}`);
  return out;
}

const samePerm = (p: readonly number[], q: readonly number[]): boolean =>
  p.length === q.length && p.every((x, k) => x === q[k]);

/** The transformer block from input x [N, T, d]. */
function readTransformer(
  r: Reader,
  x: string,
  batch: number,
): { spec: Omit<TransformerSpec, 'loss'>; bindings: Binding[]; ce: boolean } {
  const [N, T, d] = inputShape(r, x, 3, 'transformer block', batch) as [number, number, number];
  const takers = r.takers(x);
  const mms = takers.filter((i) => r.node(i).opType === 'MatMul');
  if (takers.length !== 4 || mms.length !== 3)
    r.fail(
      `the input ${quote(x)} feeds ${takers.length} nodes (${mms.length} MatMul); a transformer block's ` +
        `feeds the Q, K, V projections (MatMul) and the residual Add`,
    );
  let H = 0,
    dh = 0;
  // Each projection: Linear, Reshape to [N, T, H, dh], Transpose to heads (K: to [N, H, dh, T]).
  const projections = mms.map((i) => {
    const lin = r.linear(i, x, d, 'a Q, K or V projection');
    const ri = r.expect(lin.out, ['Reshape'], 'the Reshape into heads');
    const s = reshaped(r, ri, [N, T, lin.nOut]);
    if (s.length !== 4 || s[0] !== N || s[1] !== T)
      r.fail(
        `${r.at(ri)}: reshapes [${N}, ${T}, ${lin.nOut}] to ${shapeText(s)}; expected [${N}, ${T}, heads, d_head]`,
      );
    if (H === 0) [H, dh] = [s[2]!, s[3]!];
    if (s[2] !== H || s[3] !== dh)
      r.fail(`${r.at(ri)}: ${s[2]} heads of ${s[3]}, where another projection has ${H} of ${dh}`);
    const ti = r.expect(r.take(ri), ['Transpose'], 'the Transpose into heads');
    const perm = attr(r.node(ti), 'perm')?.ints ?? [];
    let out = r.take(ti),
      keys = false;
    if (samePerm(perm, [0, 2, 3, 1])) keys = true;
    else if (!samePerm(perm, [0, 2, 1, 3]))
      r.fail(`${r.at(ti)}: perm ${shapeText(perm)}; expected 0,2,1,3 or 0,2,3,1`);
    else {
      const us = r.takers(out);
      if (us.length === 1 && r.node(us[0]!).opType === 'Transpose') {
        const p2 = attr(r.node(us[0]!), 'perm')?.ints ?? [];
        if (!samePerm(p2, [0, 1, 3, 2])) r.fail(`${r.at(us[0]!)}: perm ${shapeText(p2)}; expected 0,1,3,2`);
        out = r.take(us[0]!);
        keys = true;
      }
    }
    return { lin, out, keys };
  });
  const K = projections.filter((p) => p.keys);
  if (K.length !== 1) r.fail(`${K.length} projections are transposed as keys; a block has one (K)`);
  const kp = K[0]!;
  const [si] = r.takers(kp.out);
  const sn = si === undefined ? undefined : r.node(si);
  if (r.takers(kp.out).length !== 1 || sn!.opType !== 'MatMul' || sn!.input[1] !== kp.out)
    r.fail(`the keys ${quote(kp.out)} must be the second operand of one MatMul (the scores)`);
  const qp = projections.find((p) => !p.keys && p.out === sn!.input[0]);
  if (!qp) r.fail(`${r.at(si!)}: its first operand must be the queries (a projection in heads)`);
  const vp = projections.find((p) => p !== qp && p !== kp)!;
  if (r.next(qp.out, 'the scores MatMul').i !== si)
    r.fail(`the queries ${quote(qp.out)} must feed only the scores`);
  let v = r.take(si!);
  // Scale by 1/√dh.
  const ci = r.expect(v, ['Div', 'Mul'], 'the scaling of the scores (Div by √d_head or Mul by 1/√d_head)');
  const cn = r.node(ci);
  const c = floats(r.operand(ci, cn.input[0] === v ? 1 : 0, 'scale'), r.fail);
  const want = cn.opType === 'Div' ? Math.sqrt(dh) : 1 / Math.sqrt(dh);
  // A float32 constant is within 2⁻²⁴ of √d_head; the toolkit scales by 1/√d_head exactly.
  if (c.length !== 1 || !(Math.abs(c[0]! - want) <= 1e-7 * want))
    r.fail(`${r.at(ci)}: scales the scores by ${cn.opType === 'Div' ? '1/' : ''}${c[0]}; expected 1/√${dh}`);
  v = r.take(ci);
  let causal = false;
  const { i: mi } = r.next(v, 'the causal mask Add or the Softmax');
  if (r.node(mi).opType === 'Add') {
    const mn = r.node(mi);
    const mk = mn.input[0] === v ? 1 : 0;
    const M = r.operand(mi, mk, 'mask');
    const dims = M.tensor.dims;
    if (
      dims.length < 2 ||
      dims[dims.length - 1] !== T ||
      dims[dims.length - 2] !== T ||
      dims.slice(0, -2).some((x) => x !== 1)
    )
      r.fail(`${r.at(mi)}: mask ${quote(M.name)} has shape ${shapeText(dims)}; expected [${T}, ${T}]`);
    const m = tensorFloats(M.tensor, `constant ${quote(M.name)}`, r.fail, true);
    for (let a = 0; a < T; a++)
      for (let b = 0; b < T; b++)
        if (m[a * T + b] !== (b > a ? -Infinity : 0))
          r.fail(`${r.at(mi)}: mask ${quote(M.name)} is not causal (0 on and below the diagonal, −∞ above)`);
    causal = true;
    v = r.take(mi);
  }
  const smi = r.expect(v, ['Softmax'], 'the Softmax of the scores');
  const ax = intAttr(r.node(smi), 'axis', -1);
  if (ax !== -1 && ax !== 3) r.fail(`${r.at(smi)}: only the last axis is supported, got ${ax}`);
  v = r.take(smi);
  const pvi = r.expect(v, ['MatMul'], 'the MatMul of the attention with the values');
  if (r.node(pvi).input[1] !== vp.out) r.fail(`${r.at(pvi)}: its second operand must be the values`);
  if (r.next(vp.out, 'the MatMul with the values').i !== pvi)
    r.fail(`the values ${quote(vp.out)} must feed only the MatMul with the attention`);
  v = r.take(pvi);
  const bti = r.expect(v, ['Transpose'], 'the Transpose back from heads');
  if (!samePerm(attr(r.node(bti), 'perm')?.ints ?? [], [0, 2, 1, 3]))
    r.fail(`${r.at(bti)}: expected perm 0,2,1,3`);
  v = r.take(bti);
  const bri = r.expect(v, ['Reshape'], 'the Reshape back to [N, T, heads·d_head]');
  const back = reshaped(r, bri, [N, T, H, dh]);
  if (!samePerm(back, [N, T, H * dh]))
    r.fail(`${r.at(bri)}: reshapes to ${shapeText(back)}; expected [${N}, ${T}, ${H * dh}]`);
  v = r.take(bri);
  const { i: oi } = r.next(v, 'the output projection');
  const O = r.linear(oi, v, H * dh, 'the output projection');
  if (O.nOut !== d) r.fail(`${O.at}: the output projection has ${O.nOut} outputs; the block's width is ${d}`);
  const residual = (a: string, what: string): string => {
    const ai = r.expect(a, ['Add'], what);
    const n = r.node(ai);
    const other = n.input[0] === a ? n.input[1] : n.input[0];
    if (other !== undefined && other !== '' && !r.consts.has(other) && r.takers(other).includes(ai)) {
      return other;
    }
    return r.fail(`${r.at(ai)} is not ${what}`);
  };
  const resid1 = residual(O.out, 'the residual Add of the attention');
  if (resid1 !== x) r.fail(`the attention's residual must add the input ${quote(x)}, not ${quote(resid1)}`);
  let h = r.take(r.takers(O.out)[0]!);
  const bindings: Binding[] = [];
  const order: [string, (typeof projections)[number]][] = [
    ['Q', qp],
    ['K', kp],
    ['V', vp],
  ];
  for (const [name, p] of order) bindings.push(...linearBindings(p.lin, `W_${name}`, `b_${name}`));
  bindings.push(...linearBindings(O, 'W_O', 'b_O'));
  let layerNorm = false;
  const hu = r.takers(h);
  if (hu.length === 1 && r.node(hu[0]!).opType === 'LayerNormalization') {
    const li = hu[0]!,
      ln = r.node(li);
    if (ln.input[0] !== h) r.fail(`${r.at(li)}: the layer's input must be its first operand`);
    const axis = intAttr(ln, 'axis', -1);
    if (axis !== -1 && axis !== 2) r.fail(`${r.at(li)}: only the last axis is supported, got ${axis}`);
    const gamma = r.operand(li, 1, 'scale');
    if (!ln.input[2]) r.fail(`${r.at(li)}: LayerNorm without a bias; the toolkit's block has learnable γ, β`);
    const beta = r.operand(li, 2, 'bias');
    for (const [cc, what] of [
      [gamma, 'scale'],
      [beta, 'bias'],
    ] as const) {
      if (!cc.initializer) r.fail(`${r.at(li)}: its ${what} must be learnable (an initializer)`);
      if (cc.tensor.dims.length !== 1 || cc.tensor.dims[0] !== d)
        r.fail(
          `${r.at(li)}: ${what} ${quote(cc.name)} has shape ${shapeText(cc.tensor.dims)}, expected [${d}]`,
        );
    }
    bindings.push(
      { name: 'gamma', c: gamma, node: ln, attribute: 'weight', transposed: false },
      { name: 'beta', c: beta, node: ln, attribute: 'bias', transposed: false },
    );
    layerNorm = true;
    h = r.take(li);
  }
  if (hu.length === 1 && ['ReduceMean', 'Sub'].includes(r.node(hu[0]!).opType))
    r.fail(
      `${r.at(hu[0]!)}: a LayerNorm split into ReduceMean, Sub, Pow, … is not supported; ` +
        'export with opset 17 or later (one LayerNormalization node)',
    );
  const mu = r.takers(h);
  const f1i = mu.find((i) => r.node(i).opType === 'MatMul' || r.node(i).opType === 'Gemm');
  if (mu.length !== 2 || f1i === undefined)
    r.fail(`${quote(h)} feeds ${mu.length} nodes; expected the MLP's first Linear and its residual Add`);
  const f1 = r.linear(f1i, h, d, "the MLP's first Linear");
  let u = f1.out;
  let { i: ai } = r.next(u, "an activation or the MLP's second Linear");
  const act = activationOf(r, ai) ?? { kind: 'linear' as const };
  if (act.kind !== 'linear') {
    u = r.take(ai);
    ai = r.next(u, "the MLP's second Linear").i;
  }
  const f2 = r.linear(ai, u, f1.nOut, "the MLP's second Linear");
  if (f2.nOut !== d) r.fail(`${f2.at}: the MLP has ${f2.nOut} outputs; the block's width is ${d}`);
  const resid2 = residual(f2.out, "the MLP's residual Add");
  if (resid2 !== h) r.fail(`the MLP's residual must add its input ${quote(h)}, not ${quote(resid2)}`);
  h = r.take(r.takers(f2.out)[0]!);
  bindings.push(...linearBindings(f1, 'W_1', 'b_1'), ...linearBindings(f2, 'W_2', 'b_2'));
  const rmi = r.expect(h, ['ReduceMean'], 'the mean over positions (ReduceMean over axis 1)');
  const axes = r.axes(rmi);
  if (axes.length !== 1 || (axes[0] !== 1 && axes[0] !== -2) || intAttr(r.node(rmi), 'keepdims', 1) !== 0)
    r.fail(`${r.at(rmi)}: only a mean over axis 1 (positions) without keepdims is supported`);
  v = r.take(rmi);
  const { i: hi } = r.next(v, 'the output layer');
  const out = r.linear(hi, v, d, 'the output layer');
  bindings.push(...linearBindings(out, 'W_out', 'b_out'));
  const ce = head(r, out.out);
  const spec = {
    batch: N,
    tokens: T,
    dim: d,
    heads: H,
    headDim: dh,
    hidden: f1.nOut,
    causal,
    layerNorm,
    act,
    outputs: out.nOut,
  };
  return { spec, bindings, ce };
}

/** θ in the graph's layout, and the tensor each parameter is (state_dict keys as for MLPs). */
function weights(
  graph: Graph,
  bindings: readonly Binding[],
  consts: ReadonlyMap<string, Const>,
  g: OnnxGraph,
  fail: Fail,
): { theta: Float64Array; parameters: Record<string, ModelParameter> } {
  const used = new Map<string, string>();
  const values = bindings.map((b) => {
    const block = graph.params.find((p) => p.name === b.name);
    if (!block) throw new Error(`internal: the graph has no parameter ${b.name}`);
    const seen = used.get(b.c.name);
    if (seen)
      fail(`${quote(b.c.name)} is both ${seen} and ${b.name}; shared (tied) weights are not supported`);
    used.set(b.c.name, b.name);
    const v = floats(b.c, fail);
    const size = block.shape.reduce((a, x) => a * x, 1);
    if (v.length !== size) fail(`${quote(b.c.name)} has ${v.length} values; ${b.name} has ${size}`);
    return { ...b, block, v };
  });
  const evidence: Use[] = [];
  for (const b of bindings)
    if (b.node.opType === 'BatchNormalization' && b.attribute === 'weight')
      for (const [k, attribute] of [
        [3, 'running_mean'],
        [4, 'running_var'],
      ] as const) {
        const c = b.node.input[k] ? consts.get(b.node.input[k]!) : undefined;
        if (c) evidence.push({ c, node: b.node, attribute });
      }
  const keys = stateDictKeys(g, values, evidence);
  const parameters: Record<string, ModelParameter> = {};
  const theta = new Float64Array(graph.size);
  values.forEach(({ block, c, v, transposed }, i) => {
    const key = keys[i];
    const source = c.source !== undefined && c.source !== (key ?? c.name) ? { initializer: c.source } : {};
    parameters[block.name] =
      key === undefined
        ? { name: c.name, shape: [...c.tensor.dims], transposed, ...source }
        : { name: key, shape: [...block.shape], transposed: false, ...source };
    if (!transposed) theta.set(v, block.offset);
    else {
      const [rows, cols] = block.shape as [number, number];
      for (let a = 0; a < rows; a++)
        for (let b = 0; b < cols; b++) theta[block.offset + a * cols + b] = v[b * rows + a]!;
    }
  });
  return { theta, parameters };
}

/**
 * Read a CNN or a transformer block from the bytes of an ONNX model (the patterns of this module's
 * comment).
 *
 * @throws {@link ModelError} naming the node or value at fault.
 */
export function readOnnxGraph(
  bytes: Uint8Array,
  origin: string,
  opts: GraphModelOptions = {},
): OnnxGraphModel {
  const fail: Fail = (detail) => {
    throw new ModelError(origin, detail);
  };
  const g = decode(bytes, fail).graph!;
  const r = new Reader(g, fail);
  const inputs = [...new Set(g.input)].filter((name) => !r.consts.has(name));
  if (inputs.length !== 1)
    fail(
      inputs.length === 0
        ? 'the graph declares no input'
        : `the graph has ${inputs.length} inputs; a graph model has one`,
    );
  if (g.output.length !== 1) fail(`the graph has ${g.output.length} outputs; a graph model has one`);
  const batch = opts.batch ?? DEFAULT_GRAPH_BATCH;
  const kind = kindOf(g, r.consts);
  try {
    if (kind === 'cnn') {
      const { spec: s, bindings, ce } = readCnn(r, inputs[0]!, batch);
      r.finish();
      const spec: CnnSpec = { ...s, loss: opts.loss ?? (ce ? 'ce' : 'mse') };
      return { kind, origin, spec, ...weights(cnnGraph(spec), bindings, r.consts, g, fail) };
    }
    if (kind === 'transformer') {
      const { spec: s, bindings, ce } = readTransformer(r, inputs[0]!, batch);
      r.finish();
      const spec: TransformerSpec = { ...s, loss: opts.loss ?? (ce ? 'ce' : 'mse') };
      return { kind, origin, spec, ...weights(transformerGraph(spec), bindings, r.consts, g, fail) };
    }
  } catch (e) {
    // A spec the graph builders refuse (an empty axis, a LayerNorm over one value): the file's fault.
    if (e instanceof UserInputError && !(e instanceof ModelError)) return fail(e.message);
    throw e;
  }
  return fail('neither a CNN (no Conv) nor a transformer block (no MatMul of two computed values)');
}

/** Read a CNN or transformer block from an ONNX file ({@link readOnnxGraph} on its contents). */
export function loadGraphModel(path: string, opts: GraphModelOptions = {}): OnnxGraphModel {
  return readOnnxGraph(readBounded(path), path, opts);
}
