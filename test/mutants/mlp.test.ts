/**
 * numeric/mlp.ts against a second implementation written here: the same networks, evaluated with
 * plain loops over hyper-dual numbers a + b ε₁ + c ε₂ + d ε₁ε₂ (ε₁² = ε₂² = 0). Evaluating the loss
 * at θ + ε₁ eᵢ + ε₂ v gives ∂ᵢL in the ε₁ part and (H v)ᵢ in the ε₁ε₂ part, exactly up to
 * rounding, with no backward pass at all. Also: the parameter layout, the architecture errors and
 * limits, a degenerate normalisation group, the loss's symmetry identities, and worked examples.
 */
import { test, fc } from '@fast-check/jest';
import {
  activation,
  blockOf,
  buildNetwork,
  evaluate,
  ArchitectureError,
  DEGENERATE_SPREAD,
  LEAKY_SLOPE,
  NETWORK_LIMITS,
  type Activation,
  type Batch,
  type MlpSpec,
  type Network,
} from '../../numeric/mlp';
import { mat } from '../../numeric/linalg';
import { rng, type Rng } from '../../numeric/rng';
import { DegenerateSample, UserInputError } from '../../numeric/errors';

// ---------------- hyper-dual numbers ----------------

class HD {
  constructor(
    readonly a: number,
    readonly b = 0,
    readonly c = 0,
    readonly d = 0,
  ) {}
  add(y: HD): HD {
    return new HD(this.a + y.a, this.b + y.b, this.c + y.c, this.d + y.d);
  }
  sub(y: HD): HD {
    return new HD(this.a - y.a, this.b - y.b, this.c - y.c, this.d - y.d);
  }
  mul(y: HD): HD {
    return new HD(
      this.a * y.a,
      this.a * y.b + this.b * y.a,
      this.a * y.c + this.c * y.a,
      this.a * y.d + this.b * y.c + this.c * y.b + this.d * y.a,
    );
  }
  scale(k: number): HD {
    return new HD(k * this.a, k * this.b, k * this.c, k * this.d);
  }
  /** f(x) from f(a), f′(a), f″(a). */
  apply(f0: number, f1: number, f2: number): HD {
    return new HD(f0, f1 * this.b, f1 * this.c, f1 * this.d + f2 * this.b * this.c);
  }
  div(y: HD): HD {
    return this.mul(y.apply(1 / y.a, -1 / (y.a * y.a), 2 / (y.a * y.a * y.a)));
  }
}
const C = (x: number): HD => new HD(x);
const hsum = (xs: HD[]): HD => xs.reduce((s, x) => s.add(x), C(0));
const hexp = (x: HD): HD => x.apply(Math.exp(x.a), Math.exp(x.a), Math.exp(x.a));
const hlog = (x: HD): HD => x.apply(Math.log(x.a), 1 / x.a, -1 / (x.a * x.a));
const hsqrt = (x: HD): HD => {
  const s = Math.sqrt(x.a);
  return x.apply(s, 1 / (2 * s), -1 / (4 * s * x.a));
};
function hact(act: Activation, x: HD): HD {
  switch (act.kind) {
    case 'relu':
      return x.a > 0 ? x : C(0);
    case 'leaky':
      return x.a > 0 ? x : x.scale(act.slope);
    case 'linear':
      return x;
    case 'tanh': {
      const t = Math.tanh(x.a);
      return x.apply(t, 1 - t * t, -2 * t * (1 - t * t));
    }
    case 'poly': {
      let p = C(1);
      for (let i = 0; i < act.degree; i++) p = p.mul(x);
      return p;
    }
  }
}

// ---------------- the parameter layout, as documented ----------------

interface Slot {
  name: string;
  rows: number;
  cols: number;
  offset: number;
}
/** W_l (out × in, row-major), then b_l, then γ_l, β_l (hidden layers with an affine normalisation). */
function layout(spec: MlpSpec): Slot[] {
  const out: Slot[] = [];
  let offset = 0;
  const put = (name: string, rows: number, cols: number): void => {
    out.push({ name, rows, cols, offset });
    offset += rows * cols;
  };
  const w = spec.widths,
    L = w.length - 1;
  for (let l = 1; l <= L; l++) {
    put(`W${l}`, w[l]!, w[l - 1]!);
    if (spec.bias) put(`b${l}`, 1, w[l]!);
    if (l < L && spec.norm !== 'none' && spec.affine) {
      put(`gamma${l}`, 1, w[l]!);
      put(`beta${l}`, 1, w[l]!);
    }
  }
  return out;
}

/** The loss (or Σ F ⊙ adjoint, when an output adjoint is given) over hyper-duals, in plain loops. */
function refLoss(spec: MlpSpec, th: HD[], batch: Batch, adjoint?: number[][]): { loss: HD; F: HD[][] } {
  const slots = new Map(layout(spec).map((s) => [s.name, s]));
  const get = (name: string, i: number, j: number): HD => {
    const s = slots.get(name)!;
    return th[s.offset + i * s.cols + j]!;
  };
  const B = batch.X.rows,
    w = spec.widths,
    L = w.length - 1;
  let A: HD[][] = Array.from({ length: B }, (_, i) =>
    Array.from({ length: w[0]! }, (_, k) => C(batch.X.data[i * w[0]! + k]!)),
  );
  for (let l = 1; l <= L; l++) {
    const Z = A.map((row) =>
      Array.from({ length: w[l]! }, (_, j) => {
        let z = hsum(row.map((x, k) => x.mul(get(`W${l}`, j, k))));
        if (spec.bias) z = z.add(get(`b${l}`, 0, j));
        return z;
      }),
    );
    if (l === L) {
      A = Z;
      break;
    }
    let Qm = Z;
    if (spec.norm !== 'none') {
      const Nm = Z.map((row) => row.slice());
      // Groups: columns over the batch (BatchNorm) or rows over the units (LayerNorm).
      const groupsOf: [number, number][][] =
        spec.norm === 'batch'
          ? Array.from({ length: w[l]! }, (_, j) =>
              Array.from({ length: B }, (_, i) => [i, j] as [number, number]),
            )
          : Array.from({ length: B }, (_, i) =>
              Array.from({ length: w[l]! }, (_, j) => [i, j] as [number, number]),
            );
      for (const g of groupsOf) {
        const n = g.length;
        const mu = hsum(g.map(([i, j]) => Z[i]![j]!)).scale(1 / n);
        const vr = hsum(g.map(([i, j]) => Z[i]![j]!.sub(mu).mul(Z[i]![j]!.sub(mu)))).scale(1 / n);
        const s = hsqrt(vr);
        for (const [i, j] of g) Nm[i]![j] = Z[i]![j]!.sub(mu).div(s);
      }
      Qm = spec.affine
        ? Nm.map((row) => row.map((x, j) => x.mul(get(`gamma${l}`, 0, j)).add(get(`beta${l}`, 0, j))))
        : Nm;
    }
    A = Qm.map((row) => row.map((x) => hact(spec.act, x)));
  }
  const F = A,
    out = w[L]!;
  const Y = (i: number, j: number): number => batch.Y.data[i * out + j]!;
  let loss = C(0);
  for (let i = 0; i < B; i++) {
    if (adjoint) {
      for (let j = 0; j < out; j++) loss = loss.add(F[i]![j]!.scale(adjoint[i]![j]!));
    } else if (spec.loss === 'mse') {
      for (let j = 0; j < out; j++) {
        const d = F[i]![j]!.sub(C(Y(i, j)));
        loss = loss.add(d.mul(d).scale(1 / (2 * B)));
      }
    } else {
      // log Σ_k exp F_k − F_j = log Σ_k exp(F_k − F_m) + (F_m − F_j), shifted by the largest output
      // F_m itself (all its parts), so that exp cannot overflow and a saturated softmax (F_m far above
      // the rest) gives exactly 0 in every part: shifting by a constant instead left the second-order
      // parts to cancel, F.d + F.b·F.c − F.b·F.c, at one rounding of F.b·F.c (1e14 of logits of 1e6).
      const m = F[i]!.reduce((best, x, k) => (x.a > F[i]![best]!.a ? k : best), 0);
      const Fm = F[i]![m]!;
      const rest = hlog(hsum(F[i]!.map((x) => hexp(x.sub(Fm)))));
      for (let j = 0; j < out; j++) loss = loss.add(rest.add(Fm.sub(F[i]![j]!)).scale(Y(i, j) / B));
    }
  }
  return { loss, F };
}

/** Reference loss, gradient, H v and ⟨∇L, v⟩, one hyper-dual pass per parameter. */
function reference(spec: MlpSpec, theta: Float64Array, batch: Batch, v: Float64Array, adjoint?: number[][]) {
  const grad = new Float64Array(theta.length),
    hv = new Float64Array(theta.length);
  let loss = 0,
    lossDot = 0;
  let F: number[][] = [];
  for (let p = 0; p < theta.length; p++) {
    const th = Array.from(theta, (x, i) => new HD(x, i === p ? 1 : 0, v[i]!, 0));
    const r = refLoss(spec, th, batch, adjoint);
    grad[p] = r.loss.b;
    hv[p] = r.loss.d;
    loss = r.loss.a;
    lossDot = r.loss.c;
    F = r.F.map((row) => row.map((x) => x.a));
  }
  return { loss, grad, hv, lossDot, F };
}

const norm2 = (x: ArrayLike<number>): number => Math.sqrt(Array.from(x).reduce((s, y) => s + y * y, 0));
/**
 * Entry by entry, relative to the vector's size plus what cancelled in it (the rounding bounds, where
 * given): both computations round, and a normalisation group of small spread amplifies it in both.
 */
function near(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-9, bound?: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  const scale = norm2(want) + (bound ? norm2(bound) : 0) + 1e-300;
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= tol * scale))
      throw new Error(`entry ${i}: ${got[i]} ≠ ${want[i]} (scale ${scale})`);
  }
}
const nearN = (got: number, want: number, scale: number, tol = 1e-9): void =>
  expect(Math.abs(got - want)).toBeLessThanOrEqual(tol * (Math.abs(want) + scale + 1e-300));

function sampleCase(r: Rng, spec: MlpSpec, batchSize: number) {
  const net = buildNetwork(spec);
  const theta = new Float64Array(net.size).map((_, i) =>
    net.blocks.find((b) => b.name.startsWith('gamma') && i >= b.offset && i < b.offset + b.cols)
      ? 1 + 0.4 * r.normal()
      : 0.8 * r.normal(),
  );
  const X = mat(batchSize, spec.widths[0]!);
  X.data.forEach((_, i) => (X.data[i] = r.normal()));
  const out = spec.widths[spec.widths.length - 1]!;
  const Y = mat(batchSize, out);
  for (let i = 0; i < batchSize; i++)
    if (spec.loss === 'ce') {
      // Soft labels too: class probabilities per row.
      const p = Array.from({ length: out }, () => r.next() + 0.05);
      const s = p.reduce((t, x) => t + x, 0);
      p.forEach((x, j) => (Y.data[i * out + j] = i === 0 ? (j === 1 ? 1 : 0) : x / s));
    } else for (let j = 0; j < out; j++) Y.data[i * out + j] = r.normal();
  const v = new Float64Array(net.size).map(() => r.normal());
  return { net, theta, batch: { X, Y }, v };
}

const ACTS: Activation[] = [
  activation('relu'),
  activation('leaky'),
  activation('linear'),
  activation('tanh'),
  activation('poly', 1),
  activation('poly', 2),
  activation('poly', 3),
];
const specArb = fc.record({
  act: fc.constantFrom(...ACTS),
  norm: fc.constantFrom<MlpSpec['norm']>('none', 'batch', 'layer'),
  affine: fc.boolean(),
  loss: fc.constantFrom<MlpSpec['loss']>('mse', 'ce'),
  bias: fc.boolean(),
  hidden: fc.array(fc.integer({ min: 2, max: 4 }), { minLength: 1, maxLength: 2 }),
  inp: fc.integer({ min: 1, max: 3 }),
  out: fc.integer({ min: 2, max: 3 }),
  batch: fc.integer({ min: 2, max: 4 }),
  seed: fc.integer(),
});

describe('loss, gradient, H v and ⟨∇L, v⟩ equal the hyper-dual reference', () => {
  test.prop([specArb], { numRuns: 120 })('on every architecture kind', (c) => {
    const spec: MlpSpec = {
      widths: [c.inp, ...c.hidden, c.out],
      act: c.act,
      norm: c.norm,
      affine: c.affine,
      loss: c.loss,
      bias: c.bias,
    };
    const { net, theta, batch, v } = sampleCase(rng(c.seed), spec, c.batch);
    let e;
    try {
      e = evaluate(net, theta, batch, v, { bound: true });
    } catch (err) {
      if (err instanceof DegenerateSample) return;
      throw err;
    }
    const ref = reference(spec, theta, batch, v);
    nearN(e.loss, ref.loss, 0);
    near(e.grad, ref.grad, 1e-9, e.gradBound);
    near(e.hv!, ref.hv, 1e-9, e.hvBound);
    nearN(e.lossDot!, ref.lossDot, norm2(ref.grad) * norm2(v));
    near(e.outputs.data, ref.F.flat());
    // Without a direction: the same loss and gradient, and nothing second-order.
    const e0 = evaluate(net, theta, batch);
    expect(e0.loss).toBe(e.loss);
    expect(Array.from(e0.grad)).toEqual(Array.from(e.grad));
    expect(e0.hv).toBeUndefined();
    expect(e0.lossDot).toBeUndefined();
    // Only what was asked for is in the record.
    expect(Object.keys(e0).sort()).toEqual(['grad', 'loss', 'outputAdjoint', 'outputs']);
    expect(Object.keys(e).sort()).toEqual([
      'grad',
      'gradBound',
      'hv',
      'hvBound',
      'loss',
      'lossDot',
      'outputAdjoint',
      'outputs',
    ]);
  });

  test.prop([specArb], { numRuns: 40 })(
    'the output adjoint: ∂L/∂F as returned, and a given one backpropagated (a row of Jᵀ)',
    (c) => {
      const spec: MlpSpec = {
        widths: [c.inp, ...c.hidden, c.out],
        act: c.act,
        norm: c.norm,
        affine: c.affine,
        loss: c.loss,
        bias: c.bias,
      };
      const r = rng(c.seed);
      const { net, theta, batch } = sampleCase(r, spec, c.batch);
      let e;
      try {
        e = evaluate(net, theta, batch);
      } catch (err) {
        if (err instanceof DegenerateSample) return;
        throw err;
      }
      const B = c.batch,
        out = c.out,
        F = e.outputs.data,
        Y = batch.Y.data;
      // ½-mean squared error: (F − Y)/B. Cross-entropy: (softmax(F) − Y)/B per row.
      const want = Array.from(F, (f, k) => {
        if (spec.loss === 'mse') return (f - Y[k]!) / B;
        const i = Math.floor(k / out);
        const row = Array.from(F.subarray(i * out, (i + 1) * out));
        const mx = Math.max(...row);
        const se = row.reduce((s, x) => s + Math.exp(x - mx), 0);
        return (Math.exp(f - mx) / se - Y[k]!) / B;
      });
      near(e.outputAdjoint.data, want, 1e-12);
      const adj = Array.from({ length: B }, () => Array.from({ length: out }, () => r.normal()));
      const given = mat(B, out, Float64Array.from(adj.flat()));
      const eg = evaluate(net, theta, batch, undefined, { outputAdjoint: given, bound: true });
      const ref = reference(spec, theta, batch, new Float64Array(net.size), adj);
      near(eg.grad, ref.grad, 1e-9, eg.gradBound);
      expect(Array.from(eg.outputAdjoint.data)).toEqual(adj.flat());
      // The loss is still the loss.
      expect(eg.loss).toBe(e.loss);
    },
  );
});

describe('worked by hand', () => {
  it('one ReLU unit: L = ½ (v relu(w x + b) − y)², active and inactive', () => {
    const net = buildNetwork({
      widths: [1, 1, 1],
      act: activation('relu'),
      norm: 'none',
      affine: false,
      loss: 'mse',
      bias: true,
    });
    // θ = (W1, b1, W2, b2) = (w, b, u, c).
    const [w, b, u, c, x, y] = [0.8, -0.3, 1.5, 0.2, 2, 1];
    const batch = { X: mat(1, 1, Float64Array.of(x)), Y: mat(1, 1, Float64Array.of(y)) };
    const z = w * x + b; // 1.3 > 0
    const r = u * z + c - y;
    const dir = Float64Array.of(1, 0, 0, 0);
    const e = evaluate(net, Float64Array.of(w, b, u, c), batch, dir);
    expect(e.loss).toBeCloseTo((r * r) / 2, 15);
    const g = [r * u * x, r * u, r * z, r];
    g.forEach((gi, i) => expect(e.grad[i]).toBeCloseTo(gi, 14));
    // H e₁ = ∂g/∂w = (u² x², u² x, x (u z + r), u x).
    [u * u * x * x, u * u * x, x * (u * z + r), u * x].forEach((h, i) => expect(e.hv![i]).toBeCloseTo(h, 14));
    expect(e.lossDot).toBeCloseTo(g[0]!, 14);
    // Inactive (w x + b < 0): only the output bias learns.
    const e2 = evaluate(net, Float64Array.of(-w, b, u, c), batch);
    expect(Array.from(e2.grad, (g) => g + 0)).toEqual([0, 0, 0, c - y]);
    expect(e2.loss).toBeCloseTo(((c - y) * (c - y)) / 2, 15);
  });

  it('leaky ReLU on the negative side has slope 0.1', () => {
    expect(activation('leaky')).toEqual({ kind: 'leaky', slope: LEAKY_SLOPE });
    expect(LEAKY_SLOPE).toBe(0.1);
    const net = buildNetwork({
      widths: [1, 1, 1],
      act: activation('leaky'),
      norm: 'none',
      affine: false,
      loss: 'mse',
      bias: false,
    });
    const e = evaluate(net, Float64Array.of(-1, 2), {
      X: mat(1, 1, Float64Array.of(3)),
      Y: mat(1, 1, Float64Array.of(0)),
    });
    // h = 0.1·(−3) = −0.3, f = −0.6, L = 0.18, ∂L/∂W1 = f · 2 · 0.1 · 3, ∂L/∂W2 = f · h.
    expect(e.loss).toBeCloseTo(0.18, 15);
    expect(e.grad[0]).toBeCloseTo(-0.6 * 2 * 0.1 * 3, 15);
    expect(e.grad[1]).toBeCloseTo(-0.6 * -0.3, 15);
  });

  it('BatchNorm over two samples gives ±1 whatever the input, so nothing upstream learns', () => {
    const spec: MlpSpec = {
      widths: [1, 1, 1],
      act: activation('linear'),
      norm: 'batch',
      affine: true,
      loss: 'mse',
      bias: true,
    };
    const net = buildNetwork(spec);
    // θ = (W1, b1, γ1, β1, W2, b2).
    const theta = Float64Array.of(0.5, 0.25, 2, 0.5, 3, -1);
    const batch = { X: mat(2, 1, Float64Array.of(1, 4)), Y: mat(2, 1, Float64Array.of(0, 1)) };
    const e = evaluate(net, theta, batch, Float64Array.of(1, 1, 1, 1, 1, 1));
    // Z = (0.75, 2.25): μ = 1.5, s = 0.75, N = (−1, 1) exactly; Q = γN + β = (−1.5, 2.5),
    // F = 3Q − 1 = (−5.5, 6.5); F̄ = (F − Y)/2 = (−2.75, 2.75).
    expect(Array.from(e.outputs.data)).toEqual([-5.5, 6.5]);
    expect(e.loss).toBeCloseTo((5.5 * 5.5 + 5.5 * 5.5) / 4, 13);
    const expected = [0, 0, 3 * (2.75 + 2.75), 3 * (-2.75 + 2.75), -2.75 * -1.5 + 2.75 * 2.5, 0];
    expected.forEach((gi, i) => expect(e.grad[i]).toBeCloseTo(gi, 13));
  });
});

describe('at the edges', () => {
  const relu1: MlpSpec = {
    widths: [1, 1, 1],
    act: activation('relu'),
    norm: 'none',
    affine: false,
    loss: 'mse',
    bias: true,
  };
  it('a pre-activation exactly 0: slope 0 for ReLU (as PyTorch), the leaky slope for leaky ReLU', () => {
    const net = buildNetwork(relu1);
    // z = 0·x + 0 = 0; f = u·σ(0) + c.
    const batch = { X: mat(1, 1, Float64Array.of(2)), Y: mat(1, 1, Float64Array.of(1)) };
    const v1 = Float64Array.of(1, 1, 1, 1);
    const e = evaluate(net, Float64Array.of(0, 0, 3, 0.5), batch, v1);
    expect(Array.from(e.grad, (g) => g + 0)).toEqual([0, 0, 0, -0.5]);
    // H along (1, 1, 1, 1): only the output bias moves f: (Hv) = (0, 0, 0, 1).
    expect(Array.from(e.hv!, (h) => h + 0)).toEqual([0, 0, 0, 1]);
    const leaky = evaluate(
      buildNetwork({ ...relu1, act: activation('leaky') }),
      Float64Array.of(0, 0, 3, 0.5),
      batch,
    );
    // r = f − y = −0.5: ∂/∂w = r u 0.1 x, ∂/∂b = r u 0.1, ∂/∂u = r σ(0) = 0, ∂/∂c = r.
    expect(leaky.grad[0]).toBeCloseTo(-0.5 * 3 * 0.1 * 2, 15);
    expect(leaky.grad[1]).toBeCloseTo(-0.5 * 3 * 0.1, 15);
    expect(leaky.grad[2]! + 0).toBe(0);
    // z¹ at z = 0 is the identity: the same gradient and H v as a linear activation (no 0 · z⁻¹).
    const poly1 = evaluate(
      buildNetwork({ ...relu1, act: activation('poly', 1) }),
      Float64Array.of(0, 0, 3, 0.5),
      batch,
      v1,
    );
    const lin1 = evaluate(
      buildNetwork({ ...relu1, act: activation('linear') }),
      Float64Array.of(0, 0, 3, 0.5),
      batch,
      v1,
    );
    expect(Array.from(poly1.hv!)).toEqual(Array.from(lin1.hv!));
    expect(Array.from(poly1.grad)).toEqual(Array.from(lin1.grad));
  });

  it('cross-entropy at logits 1000 apart is finite, and P − Y keeps its relative accuracy near 1', () => {
    const net = buildNetwork({ ...relu1, widths: [1, 2], loss: 'ce' });
    // θ = (W = (t, 0), b = (0, 0)), x = 1: logits (t, 0).
    const at = (t: number, label: number) =>
      evaluate(net, Float64Array.of(t, 0, 0, 0), {
        X: mat(1, 1, Float64Array.of(1)),
        Y: mat(1, 2, Float64Array.of(+(label === 0), +(label === 1))),
      });
    const far = at(1000, 1);
    expect(far.loss).toBe(1000);
    expect(Array.from(far.grad)).toEqual([1, -1, 1, -1]);
    expect(at(1000, 0).loss).toBe(0);
    // Logits (40, 0), label 0: ∂L/∂b₀ = P₀ − 1 = −P₁ = −e⁻⁴⁰/(1 + e⁻⁴⁰),
    // far below the rounding of P₀.
    const p1 = Math.exp(-40) / (1 + Math.exp(-40));
    const near40 = at(40, 0);
    expect(Math.abs(near40.grad[2]! + p1)).toBeLessThan(1e-12 * p1);
    expect(Math.abs(near40.grad[3]! - p1)).toBeLessThan(1e-12 * p1);
  });
});

/**
 * The activation's factors for the rounding bounds (ActivationDerivatives.factors: |σ′(z)| and how
 * far σ, σ′ can move, in units of ε, when z errs by up to εM), read back from the bounds of the
 * network f = w₂ σ(w₁ x + b₁) + b₂ with x = 1, w₂ = 1, b₂ = ½, by numeric/bounds.ts's documented
 * rules: |F̄|⁺ = |F|⁺ + |y| = gradBound(b₂); |F|⁺ = |H|⁺ |w₂| + |b₂| with
 * |H|⁺ = |σ(z)| + moved(0); gradBound(b₁) = |Q̄|⁺ = |σ′(z)| |H̄|⁺ + moved(1) |H̄| with
 * |H̄|⁺ = |F̄|⁺ |w₂| and H̄ = F̄ w₂. So with F̄ = 0 (y = f) gradBound(b₁) gives |σ′(z)|, and with
 * F̄ = 1 it gives moved(1).
 * w₁ = (M + z)/2 and b₁ = (z − M)/2 make z the pre-activation and M = |w₁| + |b₁| its magnitude.
 */
function factorsAt(act: Activation, z: number, M: number) {
  const net = buildNetwork({ widths: [1, 1, 1], act, norm: 'none', affine: false, loss: 'mse', bias: true });
  const theta = Float64Array.of((M + z) / 2, (z - M) / 2, 1, 0.5);
  // Along v = e_{b₁}: ż = 1 (|ż|⁺ = 1), |Ḟ|⁺ = |σ′| + moved(1), R(H̄) = Ḟ = σ′(z), and
  // hvBound(b₁) = |R(Q̄)|⁺ = |σ′| |R(H̄)|⁺ + moved(1) |R(H̄)| + (moved(2) |ż| + |σ″| |ż|⁺) |H̄|
  //   + |σ″| |ż| |H̄|⁺.
  const v = Float64Array.of(0, 1, 0, 0);
  const run = (y: number) =>
    evaluate(net, theta, { X: mat(1, 1, Float64Array.of(1)), Y: mat(1, 1, Float64Array.of(y)) }, v, {
      bound: true,
    });
  const f = run(0).outputs.data[0]!;
  const h = f - 0.5;
  const at0 = run(f); // F̄ = 0
  const EF = at0.gradBound![3]!;
  const m0 = EF - Math.abs(f) - 0.5 - Math.abs(h);
  const slope = at0.gradBound![1]! / EF;
  const at1 = run(f - 1); // F̄ = 1
  const EF1 = at1.gradBound![3]!;
  const m1 = at1.gradBound![1]! - slope * EF1;
  const first = slope * (slope + m1) + m1 * slope;
  const curv = (at0.hvBound![1]! - first) / EF;
  const m2 = at1.hvBound![1]! - first - curv * (1 + EF1);
  return { slope, m0, m1, curv, m2 };
}
const EPS = Number.EPSILON;

describe('the activation factors of the rounding bounds', () => {
  const close = (got: number, want: number, scale = 1): void =>
    expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-9 * (Math.abs(want) + scale));
  type Factors = { slope: number; m0: number; m1: number; curv?: number; m2?: number };
  const expectFactors = (act: Activation, z: number, M: number, want: Factors) => {
    const got = factorsAt(act, z, M);
    close(got.slope, want.slope);
    close(got.m0, want.m0, M);
    close(got.m1, want.m1, got.slope * M);
    close(got.curv, want.curv ?? 0, (got.slope + got.m1) ** 2 / M);
    close(got.m2, want.m2 ?? 0, (got.slope + got.m1) ** 2 + got.curv * M);
  };

  it('ReLU, leaky ReLU, linear: slope and M·slope (exact to first order), nothing for σ′', () => {
    for (const M of [1, 4, 2 ** 20]) {
      expectFactors(activation('relu'), 0.75, M, { slope: 1, m0: M, m1: 0 });
      expectFactors(activation('relu'), -0.75, M, { slope: 0, m0: 0, m1: 0 });
      expectFactors(activation('leaky'), 0.75, M, { slope: 1, m0: M, m1: 0 });
      expectFactors(activation('leaky'), -0.75, M, { slope: 0.1, m0: 0.1 * M, m1: 0 });
      expectFactors(activation('linear'), -0.75, M, { slope: 1, m0: M, m1: 0 });
      // At z = 0 the slopes are those of the gradient (ReLU 0, leaky 0.1): the kink's branch is not bounded.
      expectFactors(activation('relu'), 0, M, { slope: 0, m0: 0, m1: 0 });
      expectFactors(activation('leaky'), 0, M, { slope: 0.1, m0: 0.1 * M, m1: 0 });
    }
  });

  it('tanh: first order, the remainder ½ sup|σ″| δ², the cap 2/ε, and the evaluation error', () => {
    const want = (z: number, M: number) => {
      const t = Math.tanh(z),
        u = 1 - t * t;
      const r = EPS * M * M;
      // moved(0) ≤ |σ′| M + ½·0.77 (εM)²/ε (sup|σ″| < 0.77);
      // moved(1) ≤ |σ″| M + ½ sup|σ‴| (εM)²/ε, sup|σ‴| = 2, and σ′ = 1 − t·t evaluated within
      // ε(1 + 2t²).
      // |σ″| = 2|t|(1 − t²); moved(2) ≤ |σ‴| M + ½ sup|σ⁗| (εM)²/ε (sup|σ⁗| < 4.09), at most
      // 2 sup|σ″| < 1.54, and σ″ = −2t(1 − t·t) evaluated within 8|t|ε.
      const s3 = Math.abs(u * (6 * t * t - 2));
      return {
        slope: u,
        m0: Math.min(u * M + 0.385 * r, 2 / EPS),
        m1: Math.min(2 * Math.abs(t) * u * M + r, 2 / EPS) + 1 + 2 * t * t,
        curv: 2 * Math.abs(t) * u,
        m2: Math.min(s3 * M + 2.045 * r, 1.54 / EPS) + 8 * Math.abs(t),
      };
    };
    for (const [z, M] of [
      [0.5, 1],
      [-1.25, 8],
      [2, 2 ** 26],
      [-0.5, 2 ** 27],
      // Saturated: 1 − t·t is 0 in float64, only the remainder is left.
      [20, 2 ** 27],
      [-20, 2 ** 28],
      // Capped: σ and σ′ cannot move by more than 2 (z a multiple of the ulp of M/2, so exact).
      [0, 2 ** 60],
      [256, 2 ** 60],
    ] as const)
      expectFactors(activation('tanh'), z, M, want(z, M));
  });

  it('zᵏ: every order of (|z| + εM)ᵏ − |z|ᵏ, and k + 1 ulps of evaluating σ′ (k − 1 of σ″)', () => {
    /** ((x + εM)^m − x^m)/ε by the binomial theorem, term by term (no cancellation). */
    const growth = (m: number, x: number, M: number): number => {
      let s = 0;
      for (let j = 1; j <= m; j++) {
        let c = 1;
        for (let i = 0; i < j; i++) c = (c * (m - i)) / (i + 1);
        s += c * x ** (m - j) * (EPS * M) ** j;
      }
      return s / EPS;
    };
    for (const k of [1, 2, 3, 4])
      for (const [z, M] of [
        [0.75, 1],
        [-1.5, 4],
        [3, 2 ** 30],
        [0.5, 2 ** 40],
        [0, 2],
      ] as const) {
        const x = Math.abs(z);
        expectFactors(activation('poly', k), z, M, {
          slope: k * x ** (k - 1),
          m0: growth(k, x, M),
          m1: k >= 2 ? k * (growth(k - 1, x, M) + k * x ** (k - 1)) : 0,
          curv: k >= 2 ? k * (k - 1) * x ** (k - 2) : 0,
          m2: k >= 3 ? k * (k - 1) * (growth(k - 2, x, M) + (k - 1) * x ** (k - 2)) : 0,
        });
      }
  });
});

describe('symmetry identities of the loss', () => {
  test.prop([fc.integer(), fc.constantFrom<MlpSpec['loss']>('mse', 'ce')], { numRuns: 30 })(
    'ReLU rescaling of hidden unit k: ⟨g, X⟩ = 0 and H X = −J_Xᵀ g for X = (W1[k,:], b1[k], −W2[:,k])',
    (seed, loss) => {
      const r = rng(seed);
      const spec: MlpSpec = {
        widths: [3, 4, 2],
        act: activation('relu'),
        norm: 'none',
        affine: false,
        loss,
        bias: true,
      };
      const { net, theta, batch } = sampleCase(r, spec, 3);
      const k = r.int(4);
      const X = new Float64Array(net.size);
      const [W1, b1, W2] = ['W1', 'b1', 'W2'].map((n) => blockOf(net, n));
      for (let j = 0; j < 3; j++) X[W1!.offset + k * 3 + j] = theta[W1!.offset + k * 3 + j]!;
      X[b1!.offset + k] = theta[b1!.offset + k]!;
      for (let i = 0; i < 2; i++) X[W2!.offset + i * 4 + k] = -theta[W2!.offset + i * 4 + k]!;
      const e = evaluate(net, theta, batch, X);
      const scale = norm2(e.grad) * norm2(X);
      expect(Math.abs(e.grad.reduce((s, g, i) => s + g * X[i]!, 0))).toBeLessThan(1e-12 * scale);
      expect(Math.abs(e.lossDot!)).toBeLessThan(1e-12 * scale);
      // X is linear, X = A θ with A = diag(±1 on the unit's entries): J_Xᵀ g = A g.
      const want = e.grad.map((g, i) => -(X[i]! === 0 ? 0 : Math.sign(X[i]! * theta[i]!)) * g);
      near(e.hv!, want, 1e-12);
    },
  );

  test.prop([fc.integer(), fc.constantFrom<MlpSpec['norm']>('batch', 'layer')], { numRuns: 20 })(
    'a normalisation makes the loss invariant to scaling the weights before it: ⟨g_W1, W1⟩ + ⟨g_b1, b1⟩ = 0',
    (seed, norm) => {
      const r = rng(seed);
      const spec: MlpSpec = {
        widths: [2, 3, 2],
        act: activation('tanh'),
        norm,
        affine: true,
        loss: 'mse',
        bias: true,
      };
      const { net, theta, batch } = sampleCase(r, spec, 4);
      let e;
      try {
        e = evaluate(net, theta, batch, undefined, { bound: true });
      } catch (err) {
        if (err instanceof DegenerateSample) return;
        throw err;
      }
      const [W1, b1] = [blockOf(net, 'W1'), blockOf(net, 'b1')];
      // BatchNorm is invariant per unit (column), LayerNorm only to scaling the whole layer. Scale: the
      // gradient's rounding bounds (what cancelled in each entry).
      let s = 0,
        sc = 0;
      for (let i = W1.offset; i < b1.offset + b1.cols; i++) {
        s += e.grad[i]! * theta[i]!;
        sc += e.gradBound![i]! * Math.abs(theta[i]!);
      }
      expect(Math.abs(s)).toBeLessThan(1e-12 * sc);
      // Not so for the next layer's weights, which the normalisation does not see.
      const W2 = blockOf(net, 'W2');
      const s2 = e.grad
        .subarray(W2.offset, W2.offset + 6)
        .reduce((t, g, i) => t + g * theta[W2.offset + i]!, 0);
      expect(Math.abs(s2)).toBeGreaterThan(1e-6 * norm2(e.grad));
    },
  );
});

describe('the network and its layout', () => {
  it('blocks in the documented order, with offsets and the parameter count', () => {
    for (const spec of [
      { widths: [3, 4, 5, 2], norm: 'batch', affine: true, bias: true },
      { widths: [3, 4, 2], norm: 'layer', affine: false, bias: true },
      { widths: [3, 4, 2], norm: 'none', affine: true, bias: false },
      { widths: [2, 1], norm: 'batch', affine: true, bias: true },
    ] as const) {
      const s: MlpSpec = { ...spec, act: activation('relu'), loss: 'mse' };
      const net = buildNetwork(s);
      const want = layout(s);
      expect(net.blocks).toEqual(want);
      expect(net.size).toBe(want.reduce((t, b) => t + b.rows * b.cols, 0));
      expect(net.spec).toBe(s);
    }
    const net = buildNetwork({
      widths: [3, 4, 2],
      act: activation('relu'),
      norm: 'batch',
      affine: true,
      loss: 'mse',
      bias: true,
    });
    expect(net.blocks.map((b) => b.name)).toEqual(['W1', 'b1', 'gamma1', 'beta1', 'W2', 'b2']);
    expect(net.size).toBe(12 + 4 + 4 + 4 + 8 + 2);
    expect(blockOf(net, 'gamma1')).toEqual({ name: 'gamma1', rows: 1, cols: 4, offset: 16 });
    expect(() => blockOf(net, 'gamma2')).toThrow('internal: no block gamma2');
  });

  it('activations: kinds, the leaky slope, the degree (2 unless given)', () => {
    expect(activation('relu')).toEqual({ kind: 'relu' });
    expect(activation('tanh')).toEqual({ kind: 'tanh' });
    expect(activation('linear')).toEqual({ kind: 'linear' });
    expect(activation('poly')).toEqual({ kind: 'poly', degree: 2 });
    expect(activation('poly', 5)).toEqual({ kind: 'poly', degree: 5 });
  });

  const base: MlpSpec = {
    widths: [2, 3, 2],
    act: activation('relu'),
    norm: 'none',
    affine: false,
    loss: 'mse',
    bias: true,
  };
  const refused = (o: Partial<MlpSpec>, message: string): void => {
    const build = (): Network => buildNetwork({ ...base, ...o });
    expect(build).toThrow(ArchitectureError);
    expect(build).toThrow(UserInputError);
    expect(build).toThrow(message);
    try {
      build();
    } catch (err) {
      expect((err as Error).name).toBe('ArchitectureError');
      expect((err as Error).message).toBe(message);
    }
  };

  it('architectures that cannot be built, each with its reason', () => {
    refused({ widths: [3] }, 'widths must be ≥ 2 positive integers, got [3]');
    refused({ widths: [3, 0, 2] }, 'widths must be ≥ 2 positive integers, got [3, 0, 2]');
    refused({ widths: [3, 1.5, 2] }, 'widths must be ≥ 2 positive integers, got [3, 1.5, 2]');
    refused(
      { widths: [1, 2, 3, 4, 5, 6, 7, 8, -9] },
      'widths must be ≥ 2 positive integers, got [1, 2, 3, 4, 5, 6, 7, 8, …]',
    );
    refused(
      { widths: [1, 2, 3, 4, 5, 6, 7, -8] },
      'widths must be ≥ 2 positive integers, got [1, 2, 3, 4, 5, 6, 7, -8]',
    );
    refused({ loss: 'ce', widths: [2, 3, 1] }, 'softmax cross-entropy needs at least 2 outputs');
    refused({ norm: 'layer', widths: [2, 3, 1, 2] }, 'LayerNorm needs hidden widths ≥ 2');
    refused({ act: activation('poly', 0) }, 'polynomial activation needs an integer degree ≥ 1');
    refused({ act: activation('poly', 1.5) }, 'polynomial activation needs an integer degree ≥ 1');
    // At the edges: all of these build.
    for (const o of [
      { widths: [1, 1] },
      { loss: 'ce', widths: [2, 1, 2] },
      { norm: 'layer', widths: [1, 2, 1] },
      { norm: 'batch', widths: [1, 1, 1] },
      { act: activation('poly', 1) },
    ] as Partial<MlpSpec>[])
      expect(() => buildNetwork({ ...base, ...o })).not.toThrow();
  });

  it('the limits: widths, units a layer, parameters (the limit itself is allowed)', () => {
    expect(NETWORK_LIMITS).toEqual({ widths: 64, width: 100_000, parameters: 5_000_000 });
    const ones = (n: number): number[] => Array.from({ length: n }, () => 1);
    expect(buildNetwork({ ...base, widths: ones(64) }).blocks.length).toBe(63 * 2);
    refused({ widths: ones(65) }, 'a network has at most 64 layers (widths), got 65 (the limit)');
    expect(buildNetwork({ ...base, widths: [100_000, 1], bias: false }).size).toBe(100_000);
    refused(
      { widths: [100_001, 1] },
      '100001-1 is too large: a layer of 100001 units, above the limit 100000',
    );
    refused(
      { widths: [1, 1, 1, 1, 1, 1, 100_001, 1] },
      '1-1-1-1-1-1-100001-1 is too large: a layer of 100001 units, above the limit 100000',
    );
    refused(
      { widths: [1, 1, 1, 1, 1, 1, 1, 100_001, 1] },
      '1-1-1-1-…-100001-1 is too large: a layer of 100001 units, above the limit 100000',
    );
    // 2 · 2,500,000 weights: exactly the limit; with the biases over it.
    expect(buildNetwork({ ...base, widths: [50, 50_000, 50], bias: false }).size).toBe(5_000_000);
    refused(
      { widths: [50, 50_000, 50], bias: true },
      '50-50000-50 is too large: 5050050 parameters, above the limit 5000000',
    );
  });
});

describe('what evaluate refuses', () => {
  const spec: MlpSpec = {
    widths: [2, 3, 2],
    act: activation('tanh'),
    norm: 'batch',
    affine: false,
    loss: 'mse',
    bias: true,
  };
  const net = buildNetwork(spec);
  const theta = new Float64Array(net.size).fill(0.3).map((x, i) => x * Math.sin(i + 1));
  const batch = (rows: number, inp = 2, out = 2, outRows = rows): Batch => ({
    X: mat(
      rows,
      inp,
      Float64Array.from({ length: rows * inp }, (_, i) => Math.cos(3 * i)),
    ),
    Y: mat(outRows, out),
  });

  it('inputs of the wrong size (internal errors)', () => {
    expect(() => evaluate(net, new Float64Array(net.size - 1), batch(3))).toThrow(
      `internal: θ has ${net.size - 1} entries, the network ${net.size}`,
    );
    expect(() => evaluate(net, theta, batch(3), new Float64Array(net.size + 1))).toThrow(
      `internal: direction has ${net.size + 1} entries, the network ${net.size}`,
    );
    for (const b of [batch(3, 3), batch(3, 2, 3), batch(3, 2, 2, 2)])
      expect(() => evaluate(net, theta, b)).toThrow('internal: batch shape does not match the network');
    expect(() => evaluate(net, theta, batch(1))).toThrow('internal: BatchNorm needs a batch of at least 2');
    expect(() => evaluate(net, theta, batch(2))).not.toThrow();
    expect(() => evaluate(net, theta, batch(3), undefined, { outputAdjoint: mat(3, 1) })).toThrow(
      'internal: output adjoint shape does not match the batch',
    );
    expect(() => evaluate(net, theta, batch(3), undefined, { outputAdjoint: mat(2, 2) })).toThrow(
      'internal: output adjoint shape does not match the batch',
    );
    // LayerNorm takes a batch of one.
    const ln = buildNetwork({ ...spec, norm: 'layer' });
    expect(
      evaluate(
        ln,
        new Float64Array(ln.size).fill(0.2).map((x, i) => x * (i % 3)),
        batch(1),
      ).grad.length,
    ).toBe(ln.size);
  });

  it('a normalisation group whose spread is below 1e-6 of its largest value is degenerate', () => {
    expect(DEGENERATE_SPREAD).toBe(1e-6);
    // One input, no bias: the hidden pre-activations of sample i are x_i·(1, −1, 2).
    const s: MlpSpec = {
      widths: [1, 3, 1],
      act: activation('linear'),
      norm: 'batch',
      affine: false,
      loss: 'mse',
      bias: false,
    };
    const n = buildNetwork(s);
    const th = Float64Array.of(1, -1, 2, 1, 1, 1);
    const at = (x1: number, x2: number) =>
      evaluate(n, th, { X: mat(2, 1, Float64Array.of(x1, x2)), Y: mat(2, 1) }, undefined, { bound: true });
    // Values c (1 ± δ) have spread c δ and largest value c (1 + δ): refused below δ ≈ 1e-6, at any scale c.
    for (const c of [1, 1000]) {
      expect(() => at(c * (1 + 3e-6), c * (1 - 3e-6))).not.toThrow();
      expect(() => at(c * (1 + 0.5e-6), c * (1 - 0.5e-6))).toThrow(DegenerateSample);
    }
    expect(() => at(1, 1)).toThrow('BatchNorm of a group with (near-)zero variance is undefined (ε = 0)');
    expect(() => at(0, 0)).toThrow(DegenerateSample);
    const l = buildNetwork({ ...s, norm: 'layer', widths: [1, 3, 1] });
    expect(() =>
      evaluate(l, Float64Array.of(1, 1, 1, 1, 1, 1), { X: mat(1, 1, Float64Array.of(2)), Y: mat(1, 1) }),
    ).toThrow('LayerNorm of a group with (near-)zero variance is undefined (ε = 0)');
  });
});

describe('the rounding bounds are returned when asked, and dominate', () => {
  test.prop([specArb], { numRuns: 40 })('|g_i| ≤ gradBound_i and |(Hv)_i| ≤ hvBound_i', (c) => {
    const spec: MlpSpec = {
      widths: [c.inp, ...c.hidden, c.out],
      act: c.act,
      norm: c.norm,
      affine: c.affine,
      loss: c.loss,
      bias: c.bias,
    };
    const { net, theta, batch, v } = sampleCase(rng(c.seed), spec, c.batch);
    let e;
    try {
      e = evaluate(net, theta, batch, v, { bound: true });
    } catch (err) {
      if (err instanceof DegenerateSample) return;
      throw err;
    }
    expect(e.gradBound!.length).toBe(net.size);
    expect(e.hvBound!.length).toBe(net.size);
    e.grad.forEach((g, i) => expect(Math.abs(g)).toBeLessThanOrEqual(e.gradBound![i]! * (1 + 1e-12)));
    e.hv!.forEach((h, i) => expect(Math.abs(h)).toBeLessThanOrEqual(e.hvBound![i]! * (1 + 1e-12)));
    // With a given output adjoint (a row of Jᵀ, however large), the bound is that of its backward pass.
    const big = mat(
      c.batch,
      c.out,
      Float64Array.from({ length: c.batch * c.out }, (_, k) => 1e6 * Math.cos(k + 1)),
    );
    const ea = evaluate(net, theta, batch, undefined, { bound: true, outputAdjoint: big });
    ea.grad.forEach((g, i) => expect(Math.abs(g)).toBeLessThanOrEqual(ea.gradBound![i]! * (1 + 1e-12)));
    const e1 = evaluate(net, theta, batch, undefined, { bound: true });
    expect(e1.hvBound).toBeUndefined();
    expect(Array.from(e1.gradBound!)).toEqual(Array.from(e.gradBound!));
  });
});
