/**
 * A float64 computation graph (a tape of ops in evaluation order) and its evaluation: loss, the
 * exact gradient by reverse mode and, with a direction v, the exact H v by the R-operator
 * (numeric/graph/ops.ts gives each op's four rules).
 *
 * A graph is plain data: its nodes (op, inputs, shape), its parameter blocks (name, shape, offset
 * in the flat θ) and which node is the loss. Builders (`GraphBuilder`) check shapes as they go.
 */
import { withArena } from '../kernels';
import { zeros } from '../linalg';
import { ArchitectureError } from '../mlp';
import { graphBounds } from './bounds';
import { type Acc, type GraphActivation, type Node, type Op, backward, forward, tangent } from './ops';
import { sizeOf } from './shape';

/** A parameter block of a graph: its node, name, shape and offset in θ. */
export interface ParamBlock {
  readonly node: number;
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
}

export interface Graph {
  readonly nodes: readonly Node[];
  readonly params: readonly ParamBlock[];
  /** Number of parameters. */
  readonly size: number;
  /** The loss node (a scalar). */
  readonly loss: number;
  /** Shapes of the data: inputs x and targets y. */
  readonly input: readonly number[];
  readonly target: readonly number[];
}

/** The data a graph is evaluated on (row-major, in the graph's input and target shapes). */
export interface GraphData {
  readonly x: Float64Array;
  readonly y: Float64Array;
}

export interface GraphEvaluation {
  readonly loss: number;
  readonly grad: Float64Array;
  /** H v, when a direction was given. */
  readonly hv?: Float64Array | undefined;
  /** ⟨∇L, v⟩ by forward mode (the loss's tangent), when a direction was given. */
  readonly lossDot?: number | undefined;
  /** With `bound`: per gradient entry, the sum of the magnitudes of what makes it up (graph/bounds.ts). */
  readonly gradBound?: Float64Array | undefined;
  /** With `bound` and a direction: the same for H v. */
  readonly hvBound?: Float64Array | undefined;
}

const same = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);
const show = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** Builds a graph node by node, checking shapes. Every method returns the new node's index. */
export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly params: ParamBlock[] = [];
  private offset = 0;
  private inputShape: readonly number[] | undefined;
  private targetShape: readonly number[] | undefined;

  private push(op: Op, inputs: readonly number[], shape: readonly number[]): number {
    if (shape.some((d) => !Number.isInteger(d) || d < 1))
      throw new ArchitectureError(`${op.kind}: shape ${show(shape)} has an empty or invalid axis`);
    this.nodes.push({ op, inputs, shape });
    return this.nodes.length - 1;
  }
  shape(i: number): readonly number[] {
    return this.nodes[i]!.shape;
  }
  param(name: string, shape: readonly number[]): number {
    if (this.params.some((p) => p.name === name))
      throw new Error(`internal: parameter ${name} declared twice`);
    const node = this.push({ kind: 'param', name, offset: this.offset }, [], shape);
    this.params.push({ node, name, shape, offset: this.offset });
    this.offset += sizeOf(shape);
    return node;
  }
  input(shape: readonly number[]): number {
    this.inputShape = shape;
    return this.push({ kind: 'data', role: 'x' }, [], shape);
  }
  target(shape: readonly number[]): number {
    this.targetShape = shape;
    return this.push({ kind: 'data', role: 'y' }, [], shape);
  }
  /** A·B (or A·Bᵀ): batch axes equal, inner dimensions matching. */
  matmul(a: number, b: number, transB = false): number {
    const [A, B] = [this.shape(a), this.shape(b)];
    const k = A[A.length - 1]!,
      kb = transB ? B[B.length - 1]! : B[B.length - 2]!;
    if (A.length < 2 || A.length !== B.length || !same(A.slice(0, -2), B.slice(0, -2)) || k !== kb)
      throw new ArchitectureError(`matmul: ${show(A)} × ${show(B)}${transB ? 'ᵀ' : ''} do not match`);
    const n = transB ? B[B.length - 2]! : B[B.length - 1]!;
    return this.push({ kind: 'matmul', transB }, [a, b], [...A.slice(0, -1), n]);
  }
  /** x Wᵀ (+ b): x is [M, k], W is [n, k] (PyTorch's Linear). */
  dense(x: number, W: number, b?: number): number {
    const y = this.matmul(x, W, true);
    return b === undefined ? y : this.addBias(y, b, 1);
  }
  private fits(kind: string, x: number, v: number, axis: number): void {
    const [X, V] = [this.shape(x), this.shape(v)];
    if (V.length !== 1 || X[axis] !== V[0])
      throw new ArchitectureError(`${kind}: a vector ${show(V)} does not fit axis ${axis} of ${show(X)}`);
  }
  addBias(x: number, b: number, axis: number): number {
    this.fits('addBias', x, b, axis);
    return this.push({ kind: 'addBias', axis }, [x, b], this.shape(x));
  }
  /** x ⊙ γ + β, γ and β along `axis`. */
  affine(x: number, g: number, b: number, axis: number): number {
    this.fits('affine', x, g, axis);
    this.fits('affine', x, b, axis);
    return this.push({ kind: 'affine', axis }, [x, g, b], this.shape(x));
  }
  add(a: number, b: number): number {
    if (!same(this.shape(a), this.shape(b)))
      throw new ArchitectureError(`add: ${show(this.shape(a))} and ${show(this.shape(b))} differ`);
    return this.push({ kind: 'add' }, [a, b], this.shape(a));
  }
  scale(x: number, c: number): number {
    return this.push({ kind: 'scale', c }, [x], this.shape(x));
  }
  act(x: number, act: GraphActivation): number {
    return this.push({ kind: 'act', act }, [x], this.shape(x));
  }
  softmax(x: number, causal = false): number {
    const X = this.shape(x);
    if (causal && (X.length < 2 || X[X.length - 1] !== X[X.length - 2]))
      throw new ArchitectureError(`causal softmax needs [..., T, T], got ${show(X)}`);
    return this.push({ kind: 'softmax', causal }, [x], X);
  }
  permute(x: number, axes: readonly number[]): number {
    const X = this.shape(x);
    if (axes.length !== X.length || [...axes].sort((a, b) => a - b).some((a, i) => a !== i))
      throw new ArchitectureError(`permute: ${show(axes)} is not a permutation of the axes of ${show(X)}`);
    return this.push(
      { kind: 'permute', axes },
      [x],
      axes.map((a) => X[a]!),
    );
  }
  reshape(x: number, shape: readonly number[]): number {
    if (sizeOf(shape) !== sizeOf(this.shape(x)))
      throw new ArchitectureError(`reshape: ${show(this.shape(x))} has no shape ${show(shape)}`);
    return this.push({ kind: 'reshape' }, [x], shape);
  }
  /** Each row (last axis) standardised; `label` names it in a refusal (BatchNorm, LayerNorm). */
  normalize(x: number, label: string): number {
    const X = this.shape(x);
    if (X[X.length - 1]! < 2) throw new ArchitectureError(`${label} needs groups of at least 2 values`);
    return this.push({ kind: 'normalize', label, groups: 'rows' }, [x], X);
  }
  /** BatchNorm without its affine part: each channel (axis 1) of [N, C, …] over the batch and space. */
  batchNorm(x: number): number {
    const X = this.shape(x);
    if (X.length < 2 || sizeOf(X) / X[1]! < 2)
      throw new ArchitectureError(
        `BatchNorm of ${show(X)} needs [N, C, …] with at least 2 values per channel`,
      );
    return this.push({ kind: 'normalize', label: 'BatchNorm', groups: 'channels' }, [x], X);
  }
  conv2d(x: number, K: number, stride = 1, pad = 0): number {
    const [X, W] = [this.shape(x), this.shape(K)];
    if (X.length !== 4 || W.length !== 4 || X[1] !== W[1])
      throw new ArchitectureError(
        `conv2d: input ${show(X)} (NCHW) and kernel ${show(W)} (OIHW) do not match`,
      );
    if (!Number.isInteger(stride) || stride < 1 || !Number.isInteger(pad) || pad < 0)
      throw new ArchitectureError(`conv2d: stride ${stride} and padding ${pad} must be integers ≥ 1 and ≥ 0`);
    const Ho = Math.floor((X[2]! + 2 * pad - W[2]!) / stride) + 1,
      Wo = Math.floor((X[3]! + 2 * pad - W[3]!) / stride) + 1;
    return this.push({ kind: 'conv2d', stride, pad }, [x, K], [X[0]!, W[0]!, Ho, Wo]);
  }
  avgpool(x: number, k: number): number {
    const X = this.shape(x);
    if (X.length !== 4) throw new ArchitectureError(`avgpool needs NCHW, got ${show(X)}`);
    return this.push(
      { kind: 'avgpool', k },
      [x],
      [X[0]!, X[1]!, Math.floor(X[2]! / k), Math.floor(X[3]! / k)],
    );
  }
  globalavg(x: number): number {
    const X = this.shape(x);
    if (X.length !== 4) throw new ArchitectureError(`global average pooling needs NCHW, got ${show(X)}`);
    return this.push({ kind: 'globalavg' }, [x], [X[0]!, X[1]!]);
  }
  /** A loss of the outputs against the targets. */
  loss(kind: 'mse' | 'ce', f: number, y: number): number {
    if (!same(this.shape(f), this.shape(y)))
      throw new ArchitectureError(
        `${kind}: outputs ${show(this.shape(f))} and targets ${show(this.shape(y))}`,
      );
    return this.push({ kind }, [f, y], [1]);
  }
  build(loss: number): Graph {
    if (!this.inputShape || !this.targetShape)
      throw new Error('internal: a graph needs its input and target');
    return {
      nodes: [...this.nodes],
      params: [...this.params],
      size: this.offset,
      loss,
      input: this.inputShape,
      target: this.targetShape,
    };
  }
}

/** What an evaluation needs of a graph beyond its nodes, worked out once per graph. */
interface Plan {
  /** Per node, its inputs' shapes and its number of entries. */
  readonly shapes: readonly (readonly (readonly number[])[])[];
  readonly sizes: readonly number[];
  /** Per node, whether it depends on the parameters (data and what is made of data alone do not). */
  readonly active: readonly boolean[];
  /** Per node, per input, whether the input's tangent is zero (not active). */
  readonly still: readonly (readonly boolean[])[];
  /**
   * Per node, the consumer whose adjoint it shares, or −1: a node used exactly once, by an op whose
   * Jacobian on it is the identity (x of x + b, either term of a residual sum) — its adjoint is then
   * its consumer's, entry for entry, and no other use adds to it. Not a parameter (its adjoint is the
   * gradient) nor a reshape (it shares its input's instead).
   */
  readonly passed: Int32Array;
  /** Bytes of the kernels' arena an evaluation uses (see arenaSize). */
  readonly arenaBytes: number;
}
const plans = new WeakMap<Graph, Plan>();
function planOf(g: Graph): Plan {
  const hit = plans.get(g);
  if (hit) return hit;
  const n = g.nodes.length;
  const active = new Array<boolean>(n).fill(false);
  const uses = new Int32Array(n);
  const user = new Int32Array(n).fill(-1);
  g.nodes.forEach((node, i) => {
    active[i] = node.op.kind === 'param' || node.inputs.some((j) => active[j]);
    node.inputs.forEach((j, slot) => {
      uses[j]!++;
      const k = node.op.kind;
      if ((k === 'addBias' && slot === 0) || k === 'add') user[j] = i;
    });
  });
  const own = (j: number): boolean => !['param', 'reshape'].includes(g.nodes[j]!.op.kind);
  const shapes = g.nodes.map((node) => node.inputs.map((j) => g.nodes[j]!.shape));
  const sizes = g.nodes.map((node) => sizeOf(node.shape));
  const plan: Plan = {
    shapes,
    sizes,
    active,
    still: g.nodes.map((node) => node.inputs.map((j) => !active[j])),
    passed: user.map((c, j) => (uses[j] === 1 && own(j) ? c : -1)),
    arenaBytes: arenaSize(g, shapes, sizes),
  };
  plans.set(g, plan);
  return plan;
}

/**
 * Bytes of the kernels' memory an evaluation of g uses: every node's value, tangent, adjoint and
 * R-adjoint, the column matrices of its convolutions, and the scratch of its largest product. An
 * estimate: past it, arrays go to the heap and products copy their operands (slower, same result).
 */
function arenaSize(g: Graph, shapes: Plan['shapes'], sizes: Plan['sizes']): number {
  let entries = 2 * g.size,
    scratch = 0;
  // A product of r × c outputs over s steps packs 32·s·(⌈r/4⌉ + ⌈c/4⌉) bytes; its transposes the same sizes.
  const product = (a: number, b: number, c: number): void => {
    for (const [r, q, s] of [
      [a, b, c],
      [a, c, b],
      [c, b, a],
    ] as const)
      scratch = Math.max(scratch, 32 * s * (Math.ceil(r / 4) + Math.ceil(q / 4)) + 128);
  };
  g.nodes.forEach((node, i) => {
    entries += 4 * sizes[i]!;
    const [X, K] = shapes[i]!;
    if (node.op.kind === 'matmul')
      product(X![X!.length - 2]!, node.shape[node.shape.length - 1]!, X![X!.length - 1]!);
    if (node.op.kind === 'conv2d') {
      const [N, C] = X as [number, number];
      const patch = C * sizeOf(K!, 2);
      const rows = N * sizeOf(node.shape, 2);
      // im2col of values and tangents, their adjoints, and the outputs as rows.
      entries += 8 * rows * patch + 4 * sizes[i]!;
      product(rows, node.shape[1]!, patch);
    }
  });
  return 8 * entries + scratch + 65536;
}

/** Loss, ∇L and (with v) H v and ⟨∇L, v⟩ of a graph at θ on its data. */
export function evaluateGraph(
  g: Graph,
  theta: Float64Array,
  data: GraphData,
  v?: Float64Array,
  opts: { readonly bound?: boolean } = {},
): GraphEvaluation {
  if (theta.length !== g.size || (v && v.length !== g.size))
    throw new Error(`internal: θ or v does not have the graph's ${g.size} entries`);
  if (data.x.length !== sizeOf(g.input) || data.y.length !== sizeOf(g.target))
    throw new Error(
      `internal: data of ${data.x.length}, ${data.y.length} entries for shapes x, y of the graph`,
    );
  // Every array of the evaluation in the kernels' memory, where products use it in place; nothing
  // there outlives the arena: what is returned is on the heap.
  return withArena(planOf(g).arenaBytes, () => evaluateIn(g, theta, data, v, opts));
}

/** A copy of x in the open arena (or on the heap). */
function arenaCopy(x: Float64Array): Float64Array {
  const a = zeros(x.length);
  a.set(x);
  return a;
}

function evaluateIn(
  g: Graph,
  theta: Float64Array,
  data: GraphData,
  v: Float64Array | undefined,
  opts: { readonly bound?: boolean },
): GraphEvaluation {
  const n = g.nodes.length;
  const { shapes, sizes, active, still, passed } = planOf(g);
  const val: Float64Array[] = new Array<Float64Array>(n);
  const tan: (Float64Array | undefined)[] = new Array<Float64Array | undefined>(n);
  const th = arenaCopy(theta),
    vv = v && arenaCopy(v);
  for (let i = 0; i < n; i++) {
    const node = g.nodes[i]!;
    const op = node.op;
    if (op.kind === 'param') {
      val[i] = th.subarray(op.offset, op.offset + sizes[i]!);
      if (vv) tan[i] = vv.subarray(op.offset, op.offset + sizes[i]!);
      continue;
    }
    if (op.kind === 'data') {
      val[i] = arenaCopy(op.role === 'x' ? data.x : data.y);
      if (v) tan[i] = zeros(sizes[i]!);
      continue;
    }
    const x = node.inputs.map((j) => val[j]!);
    val[i] = forward(node, shapes[i]!, x);
    if (v)
      tan[i] = tangent({
        node,
        shapes: shapes[i]!,
        x,
        dx: node.inputs.map((j) => tan[j]!),
        y: val[i]!,
        still: still[i]!,
      });
  }
  const adj: (Acc | undefined)[] = new Array<Acc | undefined>(n);
  // A reshape's adjoint is its input's (the same entries), so its backward rule is skipped; a node
  // whose only use passes its adjoint through (Plan.passed) shares its consumer's.
  const accOf = (j: number): Acc | undefined => {
    if (!active[j]) return undefined;
    const node = g.nodes[j]!;
    if (node.op.kind === 'reshape') return (adj[j] ??= accOf(node.inputs[0]!));
    const c = passed[j]!;
    if (c >= 0) return (adj[j] ??= adj[c]);
    return (adj[j] ??= { adj: zeros(sizes[j]!), radj: v ? zeros(sizes[j]!) : undefined });
  };
  adj[g.loss] = { adj: Float64Array.of(1), radj: v ? Float64Array.of(0) : undefined };
  for (let i = g.loss; i >= 0; i--) {
    const a = adj[i];
    if (!a) continue;
    const node = g.nodes[i]!;
    if (node.inputs.length === 0 || node.op.kind === 'reshape') continue;
    const x = node.inputs.map((j) => val[j]!);
    const ctx = v
      ? {
          node,
          shapes: shapes[i]!,
          x,
          dx: node.inputs.map((j) => tan[j]!),
          y: val[i]!,
          dy: tan[i]!,
          still: still[i]!,
        }
      : { node, shapes: shapes[i]!, x, y: val[i]! };
    // An input sharing this node's adjoint has it already: the rule adds only to the others.
    const into = node.inputs.map((j) => {
      const acc = accOf(j);
      return passed[j] === i ? undefined : acc;
    });
    backward(ctx, a.adj, a.radj, into);
  }
  const grad = new Float64Array(g.size);
  const hv = v ? new Float64Array(g.size) : undefined;
  for (const p of g.params) {
    const a = adj[p.node];
    if (!a) continue;
    grad.set(a.adj, p.offset);
    if (hv) hv.set(a.radj!, p.offset);
  }
  const out = { loss: val[g.loss]![0]!, grad, hv, lossDot: v ? tan[g.loss]![0]! : undefined };
  if (!opts.bound) return out;
  const paramOffset = (i: number): number => (g.nodes[i]!.op as Extract<Op, { kind: 'param' }>).offset;
  const abs = graphBounds({
    nodes: g.nodes,
    loss: g.loss,
    val,
    active,
    ...(v
      ? {
          absDirection: (i: number) =>
            v.slice(paramOffset(i), paramOffset(i) + sizeOf(g.nodes[i]!.shape)).map(Math.abs),
        }
      : {}),
  });
  const gradBound = new Float64Array(g.size);
  const hvBound = v ? new Float64Array(g.size) : undefined;
  for (const p of g.params) {
    const a = abs[p.node];
    if (!a) continue;
    gradBound.set(a.adj, p.offset);
    if (hvBound) hvBound.set(a.radj!, p.offset);
  }
  return { ...out, gradBound, hvBound };
}
