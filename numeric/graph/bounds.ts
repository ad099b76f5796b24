/**
 * Rounding scales of a graph's gradient and H v: for every entry, the sum of the magnitudes of the
 * contributions that make it up, each forward value taken at its own magnitude (the sum of what
 * cancelled inside it). Rounding errs by about 1e-16 of this, so it is the scale against which a
 * quantity that should cancel (a symmetry's constraint, a translation's zero gradient) is measured —
 * as numeric/bounds.ts does for the hand-written MLP, op by op here.
 *
 * Three absolute passes over the evaluated graph:
 *   M (forward): for multilinear ops (products, sums, permutations, convolution, pooling) the op
 *     itself on magnitudes; for a nonlinear op its value plus |J| M of its input;
 *   T (tangents): |J| T, with |v| at the parameters;
 *   A, RA (adjoints and R-adjoints): |J|ᵀ A, and |J|ᵀ RA + |J̇|ᵀ A.
 * For a multilinear op every rule applied to nonnegative arrays is its own absolute version, so the
 * rules of numeric/graph/ops.ts are reused; the nonlinear ops (activations, softmax,
 * standardisation, losses) have theirs below.
 */
import {
  type Acc,
  type Node,
  activationFns,
  backward,
  forward,
  normGroups,
  probabilities,
  tangent,
} from './ops';
import { sizeOf } from './shape';
import { entryOf, rowStats } from './normalize';

/** Ops whose four rules, on nonnegative arrays, are their absolute versions (c ↦ |c| for a scale). */
const MULTILINEAR: ReadonlySet<Node['op']['kind']> = new Set([
  'matmul',
  'addBias',
  'affine',
  'add',
  'scale',
  'permute',
  'reshape',
  'conv2d',
  'avgpool',
  'globalavg',
]);

const absNode = (node: Node): Node =>
  node.op.kind === 'scale' ? { ...node, op: { kind: 'scale', c: Math.abs(node.op.c) } } : node;

export interface GraphBoundInputs {
  readonly nodes: readonly Node[];
  readonly loss: number;
  /** Every node's value from the evaluation. */
  readonly val: readonly Float64Array[];
  /** Which nodes depend on the parameters. */
  readonly active: readonly boolean[];
  /** |v| per parameter node (absent without a direction). */
  readonly absDirection?: (node: number) => Float64Array;
}

/** Per node: A (and RA with a direction) — the caller reads them at the parameter nodes. */
export function graphBounds(b: GraphBoundInputs): readonly (Acc | undefined)[] {
  const { nodes, val, active } = b;
  const n = nodes.length;
  const M: Float64Array[] = new Array<Float64Array>(n);
  const T: (Float64Array | undefined)[] = new Array<Float64Array | undefined>(n);
  const dir = b.absDirection;
  nodes.forEach((node, i) => {
    const op = node.op;
    if (op.kind === 'param' || op.kind === 'data' || op.kind === 'mse' || op.kind === 'ce') {
      M[i] = val[i]!.map(Math.abs);
      if (dir) T[i] = op.kind === 'param' ? dir(i) : new Float64Array(M[i]!.length);
      return;
    }
    const shapes = node.inputs.map((j) => nodes[j]!.shape);
    const xm = node.inputs.map((j) => M[j]!);
    const xt = dir ? node.inputs.map((j) => T[j]!) : undefined;
    if (MULTILINEAR.has(op.kind)) {
      const an = absNode(node);
      M[i] = forward(an, shapes, xm);
      if (xt) T[i] = tangent({ node: an, shapes, x: xm, dx: xt, y: M[i]! });
      return;
    }
    const [m, t] = nonlinearForward(node, val[node.inputs[0]!]!, val[i]!, xm[0]!, xt?.[0]);
    M[i] = m;
    T[i] = t;
  });
  const acc: (Acc | undefined)[] = new Array<Acc | undefined>(n);
  const accOf = (j: number): Acc | undefined => {
    if (!active[j]) return undefined;
    const size = sizeOf(nodes[j]!.shape);
    return (acc[j] ??= { adj: new Float64Array(size), radj: dir ? new Float64Array(size) : undefined });
  };
  for (let i = b.loss; i >= 0; i--) {
    const node = nodes[i]!;
    if (node.inputs.length === 0) continue;
    const into = node.inputs.map(accOf);
    if (node.op.kind === 'mse' || node.op.kind === 'ce') {
      const [f, y] = node.inputs as [number, number];
      if (i === b.loss && into[0]) lossSeed(node, nodes[f]!.shape, val[f]!, val[y]!, M[f]!, T[f], into[0]);
      continue;
    }
    const a = acc[i];
    if (!a) continue;
    const shapes = node.inputs.map((j) => nodes[j]!.shape);
    const xm = node.inputs.map((j) => M[j]!);
    if (MULTILINEAR.has(node.op.kind)) {
      const an = absNode(node);
      const ctx = dir
        ? { node: an, shapes, x: xm, dx: node.inputs.map((j) => T[j]!), y: M[i]!, dy: T[i]! }
        : { node: an, shapes, x: xm, y: M[i]! };
      backward(ctx, a.adj, a.radj, into);
      continue;
    }
    if (into[0])
      nonlinearBackward(node, val[node.inputs[0]!]!, val[i]!, T[node.inputs[0]!], T[i], a, into[0]);
  }
  return acc;
}

/** M and T of an activation, softmax or standardisation from its input's value x, output y, M and T. */
export function nonlinearForward(
  node: Node,
  x: Float64Array,
  y: Float64Array,
  mx: Float64Array,
  tx: Float64Array | undefined,
): [Float64Array, Float64Array | undefined] {
  const op = node.op;
  const m = new Float64Array(y.length);
  const t = tx ? new Float64Array(y.length) : undefined;
  const last = node.shape[node.shape.length - 1]!;
  switch (op.kind) {
    case 'act': {
      const { d1 } = activationFns(op.act);
      for (let i = 0; i < y.length; i++) {
        const s = Math.abs(d1(x[i]!));
        m[i] = Math.abs(y[i]!) + s * mx[i]!;
        if (t) t[i] = s * tx![i]!;
      }
      return [m, t];
    }
    case 'softmax':
      // ẏ = y ⊙ (ẋ − ⟨y, ẋ⟩): |J| w = y ⊙ (w + ⟨y, w⟩).
      for (let r = 0; r < y.length / last; r++) {
        const o = r * last;
        let sm = 0,
          st = 0;
        for (let j = 0; j < last; j++) {
          sm += y[o + j]! * mx[o + j]!;
          if (t) st += y[o + j]! * tx![o + j]!;
        }
        for (let j = 0; j < last; j++) {
          m[o + j] = y[o + j]! + y[o + j]! * (mx[o + j]! + sm);
          if (t) t[o + j] = y[o + j]! * (tx![o + j]! + st);
        }
      }
      return [m, t];
    case 'normalize': {
      // ẏ = (ẋ − mean ẋ − y ⟨y, ẋ⟩/n)/s: |J| w = (w + mean w + |y| ⟨|y|, w⟩/n)/s.
      const grp = normGroups(node);
      const { n } = grp;
      for (let r = 0; r < grp.count; r++) {
        const s = rowStats(x, grp, r).s;
        const abs = (w: Float64Array, out: Float64Array, plus: boolean): void => {
          let mean = 0,
            proj = 0;
          for (let j = 0; j < n; j++) {
            const q = entryOf(grp, r, j);
            mean += w[q]!;
            proj += Math.abs(y[q]!) * w[q]!;
          }
          mean /= n;
          proj /= n;
          for (let j = 0; j < n; j++) {
            const q = entryOf(grp, r, j);
            out[q] = (plus ? Math.abs(y[q]!) : 0) + (w[q]! + mean + Math.abs(y[q]!) * proj) / s;
          }
        };
        abs(mx, m, true);
        if (t) abs(tx!, t, false);
      }
      return [m, t];
    }
    default:
      throw new Error(`internal: ${op.kind} has no nonlinear bound rule`);
  }
}

/**
 * The loss's adjoint on the outputs F, in magnitudes: MSE (|F| + |Y|)/B, its tangent T_F/B;
 * cross-entropy (M(P) + Y)/B with M(P) = P + P ⊙ (M_F + ⟨P, M_F⟩), its tangent P ⊙ (T_F + ⟨P, T_F⟩)/B.
 */
function lossSeed(
  node: Node,
  fShape: readonly number[],
  F: Float64Array,
  Y: Float64Array,
  mf: Float64Array,
  tf: Float64Array | undefined,
  into: Acc,
): void {
  const rows = fShape[0]!;
  const n = F.length / rows;
  if (node.op.kind === 'mse') {
    for (let i = 0; i < F.length; i++) {
      into.adj[i]! += (mf[i]! + Math.abs(Y[i]!)) / rows;
      if (into.radj) into.radj[i]! += tf![i]! / rows;
    }
    return;
  }
  const p = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    probabilities(F, o, n, p);
    let sm = 0,
      st = 0;
    for (let j = 0; j < n; j++) {
      sm += p[j]! * mf[o + j]!;
      if (tf) st += p[j]! * tf[o + j]!;
    }
    for (let j = 0; j < n; j++) {
      into.adj[o + j]! += (p[j]! + p[j]! * (mf[o + j]! + sm) + Y[o + j]!) / rows;
      if (into.radj) into.radj[o + j]! += (p[j]! * (tf![o + j]! + st)) / rows;
    }
  }
}

/** A and RA of an activation, softmax or standardisation's input from its output's. */
export function nonlinearBackward(
  node: Node,
  x: Float64Array,
  y: Float64Array,
  tx: Float64Array | undefined,
  ty: Float64Array | undefined,
  a: Acc,
  into: Acc,
): void {
  const op = node.op;
  const ay = a.adj,
    ry = a.radj;
  const last = node.shape[node.shape.length - 1]!;
  switch (op.kind) {
    case 'act': {
      const { d1, d2 } = activationFns(op.act);
      for (let i = 0; i < y.length; i++) {
        const s1 = Math.abs(d1(x[i]!));
        into.adj[i]! += s1 * ay[i]!;
        if (into.radj) into.radj[i]! += Math.abs(d2(x[i]!)) * tx![i]! * ay[i]! + s1 * ry![i]!;
      }
      return;
    }
    case 'softmax':
      for (let r = 0; r < y.length / last; r++) {
        const o = r * last;
        let sa = 0,
          sta = 0,
          sr = 0;
        for (let j = 0; j < last; j++) {
          sa += y[o + j]! * ay[o + j]!;
          if (ry) {
            sta += ty![o + j]! * ay[o + j]!;
            sr += y[o + j]! * ry[o + j]!;
          }
        }
        for (let j = 0; j < last; j++) {
          into.adj[o + j]! += y[o + j]! * (ay[o + j]! + sa);
          if (into.radj)
            into.radj[o + j]! += ty![o + j]! * (ay[o + j]! + sa) + y[o + j]! * (ry![o + j]! + sta + sr);
        }
      }
      return;
    case 'normalize': {
      const grp = normGroups(node);
      const { n } = grp;
      const az = new Float64Array(n),
        rz = new Float64Array(n);
      for (let r = 0; r < grp.count; r++) {
        const s = rowStats(x, grp, r).s;
        let pa = 0,
          pta = 0,
          pr = 0,
          ds = 0;
        for (let j = 0; j < n; j++) {
          const q = entryOf(grp, r, j);
          const ya = Math.abs(y[q]!);
          pa += ya * ay[q]!;
          if (ry) {
            pta += ty![q]! * ay[q]!;
            pr += ya * ry[q]!;
            ds += ya * tx![q]!;
          }
        }
        let ma = 0,
          mr = 0;
        for (let j = 0; j < n; j++) {
          const q = entryOf(grp, r, j);
          const ya = Math.abs(y[q]!);
          az[j] = (ay[q]! + (ya * pa) / n) / s;
          ma += az[j]!;
          if (ry) {
            rz[j] = (ry[q]! + (ty![q]! * pa) / n + (ya * (pta + pr)) / n) / s + (az[j]! * ds) / n / s;
            mr += rz[j]!;
          }
        }
        for (let j = 0; j < n; j++) {
          const q = entryOf(grp, r, j);
          into.adj[q]! += az[j]! + ma / n;
          if (into.radj) into.radj[q]! += rz[j]! + mr / n;
        }
      }
      return;
    }
    default:
      throw new Error(`internal: ${op.kind} has no nonlinear bound rule`);
  }
}
