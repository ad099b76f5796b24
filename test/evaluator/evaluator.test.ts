/**
 * The library evaluator against computations that do not go through the derivation: charges
 * written out by hand from the weight matrices (THEORY's formulas), the SGD recursion against a
 * real minibatch SGD run, the decay law against an integrated flow, and residuals of exact laws.
 */
import {
  archSpec,
  evaluator,
  loadCatalog,
  parseRule,
  sequentialNames,
  type BlockDeclaration,
  type ChargeValue,
  loadModel,
  parseDeclarationText,
} from '../../src';
import { buildNetwork, evaluate } from '../../numeric/mlp';
import { rng } from '../../numeric/rng';
import { sampleBatch, sampleParams } from '../../numeric/sample';
import { integrate } from '../../numeric/ode';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserInputError } from '../../numeric/errors';
import { oscillatorStep } from '../../src/evaluator/oscillator';

const block = (name: string): BlockDeclaration => {
  const d = loadCatalog(name)!;
  if (d.kind !== 'block') throw new Error(name);
  return d;
};
const scalar = (q: ChargeValue): number => (q.kind === 'scalar' ? q.value : NaN);

/** Named tensors of a flat θ, as a state_dict would hold them (row-major arrays by name). */
function stateDict(spec: ReturnType<typeof archSpec>, theta: Float64Array): Record<string, Float64Array> {
  const net = buildNetwork(spec);
  const names = sequentialNames(spec);
  return Object.fromEntries(
    net.blocks.map((b) => [names[b.name]!.name, theta.slice(b.offset, b.offset + b.rows * b.cols)]),
  );
}

describe('library evaluator', () => {
  const spec = archSpec('4-8-3:relu:ce');
  const net = buildNetwork(spec);
  const r = rng(7);
  const theta = sampleParams(net, r);
  const sd = stateDict(spec, theta);

  test('rescale charges are ½‖incoming‖² − ½‖outgoing‖² per hidden unit, from named tensors', () => {
    const ev = evaluator(block('rescale'), { spec });
    const q = ev.charges(sd);
    expect(q).toHaveLength(8);
    const W1 = sd['0.weight']!,
      b1 = sd['0.bias']!,
      W2 = sd['2.weight']!;
    for (let k = 0; k < 8; k++) {
      let inn = b1[k]! ** 2,
        out = 0;
      for (let j = 0; j < 4; j++) inn += W1[k * 4 + j]! ** 2;
      for (let i = 0; i < 3; i++) out += W2[i * 8 + k]! ** 2;
      expect(scalar(q[k]!)).toBeCloseTo(0.5 * inn - 0.5 * out, 13);
      expect(q[k]!.site).toBe(`layer 1, unit ${k + 1}`);
    }
    // The flat vector and the nested-rows form give the same values.
    expect(ev.charges(theta).map(scalar)).toEqual(q.map(scalar));
    const nested = {
      ...sd,
      '0.weight': Array.from({ length: 8 }, (_, i) => [...W1.slice(i * 4, i * 4 + 4)]),
    };
    expect(ev.charges(nested).map(scalar)).toEqual(q.map(scalar));
  });

  test('gl charge matrix is ½ W1 W1ᵀ − ½ W2ᵀ W2 with W1 = [W | b]', () => {
    const s = archSpec('3-4-2:linear:mse');
    const t = sampleParams(buildNetwork(s), rng(3));
    const d = stateDict(s, t);
    const [q] = evaluator(block('gl'), { spec: s }).charges(d);
    if (q?.kind !== 'matrix') throw new Error('matrix charge expected');
    const W = d['0.weight']!,
      b = d['0.bias']!,
      V = d['1.weight']!;
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        let c = b[i]! * b[j]!;
        for (let k = 0; k < 3; k++) c += W[i * 3 + k]! * W[j * 3 + k]!;
        for (let k = 0; k < 2; k++) c -= V[k * 4 + i]! * V[k * 4 + j]!;
        expect(q.value[i * 4 + j]!).toBeCloseTo(c / 2, 13);
      }
  });

  test('every checkable law has a residual near rounding at every site; a wrong batch is refused', () => {
    const ev = evaluator(block('rescale'), { spec });
    const batch = sampleBatch(spec, 6, r);
    const res = ev.residuals(sd, { X: batch.X.data, Y: batch.Y.data });
    expect(res).toHaveLength(8);
    for (const s of res) {
      expect(s.laws.map((l) => l.id)).toEqual(
        expect.arrayContaining(['gradient-constraint', 'hessian-constraint', 'charge']),
      );
      for (const l of s.laws) expect(l.relative).toBeLessThan(1e-13);
    }
    expect(() => ev.residuals(sd, { X: batch.X.data.slice(1), Y: batch.Y.data })).toThrow(UserInputError);
  });

  test('the SGD recursion predicts a real minibatch SGD run with weight decay from Q₀', () => {
    const ev = evaluator(block('rescale'), { spec });
    const p = ev.predict(parseRule('sgd(lr=0.05, wd=0.01)'));
    if (p.kind !== 'recursion') throw new Error(p.kind);
    const data = sampleBatch(spec, 32, rng(11));
    let th = Float64Array.from(theta);
    const q0 = ev.charges(th);
    const drives: ChargeValue[][] = [];
    for (let k = 0; k < 50; k++) {
      const rows = Array.from({ length: 4 }, (_, i) => ((k * 4 + i) * 7) % 32);
      const pick = (m: Float64Array, w: number): Float64Array =>
        Float64Array.from(rows.flatMap((i) => [...m.slice(i * w, i * w + w)]));
      const X = pick(data.X.data, 4),
        Y = pick(data.Y.data, 3);
      const g = evaluate(net, th, {
        X: { rows: 4, cols: 4, data: X },
        Y: { rows: 4, cols: 3, data: Y },
      }).grad;
      drives.push([...p.drive(g)]);
      th = th.map((x, i) => x - 0.05 * (g[i]! + 0.01 * x));
    }
    const measured = ev.charges(th);
    for (let s = 0; s < 8; s++) {
      const traj = p.trajectory(
        q0[s]!,
        drives.map((d) => d[s]!),
      );
      const predicted = scalar(traj.at(-1)!);
      expect(Math.abs(predicted - scalar(measured[s]!))).toBeLessThan(1e-12 * (1 + Math.abs(scalar(q0[s]!))));
    }
    // A twin without the drive term misses: the recursion's source is needed.
    const off = q0.map((q, s) => Math.abs(0.9995 ** 100 * scalar(q) - scalar(measured[s]!)));
    expect(Math.max(...off)).toBeGreaterThan(1e-6);
  });

  test('gradient flow with weight decay follows the decay law (integrated flow)', () => {
    const s = archSpec('3-5-2:linear:mse');
    const n = buildNetwork(s);
    const t0 = sampleParams(n, rng(5));
    const b = sampleBatch(s, 6, rng(6));
    const ev = evaluator(block('rescale'), { spec: s });
    const p = ev.predict(parseRule('gf(wd=0.3)'));
    if (p.kind !== 'decay') throw new Error(p.kind);
    const run = integrate(
      (_t, y) => {
        const g = evaluate(n, y, b).grad;
        return g.map((x, i) => -(x + 0.3 * y[i]!));
      },
      t0,
      0,
      1,
      { rtol: 1e-11, atol: 1e-13 },
    );
    expect(run.completed).toBe(true);
    const q0 = ev.charges(t0),
      q1 = ev.charges(run.y);
    for (let k = 0; k < 5; k++) expect(scalar(p.at(q0[k]!, 1))).toBeCloseTo(scalar(q1[k]!), 8);
  });

  test('heavy-ball momentum follows the driven oscillator from Q₀, to second order in η', () => {
    const s = archSpec('3-6-2:leaky:mse');
    const n = buildNetwork(s);
    const t0 = sampleParams(n, rng(4));
    const b = sampleBatch(s, 16, rng(5));
    const ev = evaluator(block('rescale'), { spec: s });
    const [beta, wd, T] = [0.9, 0.05, 2];
    /** Worst |Q − Q_predicted| / |Q₀| over the sites at time T, with and without the drive 2Q₂(θ̇). */
    const run = (lr: number): { driven: number; undriven: number } => {
      const p = ev.predict(parseRule(`momentum(lr=${lr}, beta=${beta}, wd=${wd})`));
      if (p.kind !== 'oscillator') throw new Error(p.kind);
      let th = Float64Array.from(t0);
      const buf = new Float64Array(n.size);
      const q0 = ev.charges(th);
      const r0 = p.rate0(th, evaluate(n, th, b).grad);
      let driven = q0.map((q, i) => ({ q, rate: r0[i]! }));
      let undriven = driven;
      for (let k = 0; k < Math.round(T / p.h); k++) {
        // PyTorch's SGD with momentum (dampening 0): buf ← β buf + (g + λθ), θ ← θ − η buf.
        const g = evaluate(n, th, b).grad;
        for (let i = 0; i < n.size; i++) buf[i] = beta * buf[i]! + (g[i]! + wd * th[i]!);
        const next = th.map((x, i) => x - lr * buf[i]!);
        const f = p.drive(next.map((x, i) => (x - th[i]!) / p.h));
        driven = driven.map((st, i) => p.next(st, f[i]!));
        undriven = undriven.map((st) => p.next(st, { ...st.q, value: 0 } as ChargeValue));
        th = next;
      }
      const q = ev.charges(th);
      const gap = (pred: { q: ChargeValue }[]): number =>
        Math.max(...q.map((x, i) => Math.abs(scalar(x) - scalar(pred[i]!.q)) / Math.abs(scalar(q0[i]!))));
      return { driven: gap(driven), undriven: gap(undriven) };
    };
    const errs = [0.02, 0.01, 0.005].map(run);
    expect(errs[0]!.driven).toBeLessThan(1e-4);
    // Second order: each halving of η divides the error by about 4 (3 leaves room for the constant).
    expect(errs[0]!.driven / errs[1]!.driven).toBeGreaterThan(3);
    expect(errs[1]!.driven / errs[2]!.driven).toBeGreaterThan(3);
    // Without the drive the prediction misses by orders of magnitude more.
    expect(errs[2]!.undriven).toBeGreaterThan(100 * errs[0]!.driven);
  });

  test('the oscillator step is the exact solution (under-, over-damped, no decay) against closed forms', () => {
    const close = (a: number, b: number): void =>
      expect(Math.abs(a - b)).toBeLessThan(1e-13 * (1 + Math.abs(b)));
    // Under-damped, undriven: x = e^{−γt}(cos ω_d t + γ/ω_d sin ω_d t) from (1, 0).
    const [g, w2, h] = [0.3, 4, 0.7];
    const wd = Math.sqrt(w2 - g * g);
    close(
      oscillatorStep(g, w2, h)(1, 0, 0)[0],
      Math.exp(-g * h) * (Math.cos(wd * h) + (g / wd) * Math.sin(wd * h)),
    );
    // Over-damped: roots r± = −γ ± √(γ² − ω²); from (0, 1), x = (e^{r₊t} − e^{r₋t})/(r₊ − r₋).
    const [rp, rm] = [-2 + Math.sqrt(3), -2 - Math.sqrt(3)];
    close(oscillatorStep(2, 1, h)(0, 1, 0)[0], (Math.exp(rp * h) - Math.exp(rm * h)) / (rp - rm));
    // No weight decay (ω = 0), constant drive f: ẍ + 2γẋ = 2f from rest gives
    // x = (f/γ)(t − (1 − e^{−2γt})/(2γ)).
    close(oscillatorStep(0.5, 0, 3)(0, 0, 0.25)[0], (0.25 / 0.5) * (3 - (1 - Math.exp(-3)) / 1));
  });

  test('named arrays: block names in the block layout, tensor names as stored; shapes and entries checked', () => {
    const m = loadModel(join(__dirname, '..', 'fixtures', 'onnx', 'matmul-float32.onnx'));
    const net = buildNetwork(m.spec);
    const ev = evaluator(block('rescale'), m);
    const want = ev.charges(m.theta).map(scalar);
    const rowsOf = (d: Float64Array, r: number, c: number): number[][] =>
      Array.from({ length: r }, (_, i) => [...d.slice(i * c, (i + 1) * c)]);
    const byBlock = Object.fromEntries(
      net.blocks.map((b) => {
        const d = m.theta.slice(b.offset, b.offset + b.rows * b.cols);
        return [b.name, b.rows === 1 ? [...d] : rowsOf(d, b.rows, b.cols)];
      }),
    );
    expect(ev.charges(byBlock).map(scalar)).toEqual(want);
    // By tensor name the weights are as the model stores them: in × out, the block transposed.
    const W1 = byBlock['W1'] as number[][];
    const stored = { ...byBlock, [m.parameters['W1']!.name]: W1[0]!.map((_, j) => W1.map((r) => r[j]!)) };
    delete (stored as Record<string, unknown>)['W1'];
    expect(ev.charges(stored).map(scalar)).toEqual(want);
    // The block's layout under the tensor's name is a shape error, not a silent transpose.
    expect(() => ev.charges({ ...stored, [m.parameters['W1']!.name]: W1 })).toThrow(
      /rows; as stored it is 4×6/,
    );
    const bad = (v: unknown): Record<string, unknown> => ({ ...byBlock, b1: v });
    for (const [v, msg] of [
      [[0.1, null, 0.2, 0.3, 0.4, 0.5], /entry 1 is null, not a number/],
      [[0.1, '0.2', 0.2, 0.3, 0.4, 0.5], /entry 1 is 0\.2, not a number/],
      [undefined, /is not an array/],
    ] as const)
      expect(() => ev.charges(bad(v) as never)).toThrow(msg);
    expect(() => ev.charges({ ...byBlock, W2: [[1, 2], [3]] })).toThrow(/rows|row 1 is not an array/);
    // A state_dict's normalisation buffers are not parameters: ignored, not refused.
    expect(
      ev.charges({ ...byBlock, '1.running_mean': [0], '1.num_batches_tracked': [3] }).map(scalar),
    ).toEqual(want);
    expect(() =>
      evaluator(block('rescale'), { spec: m.spec, parameters: {} }).charges(m.theta.slice()),
    ).not.toThrow();
    expect(() => evaluator(block('rescale'), { spec: m.spec, parameters: {} }).charges(byBlock)).toThrow(
      /no names for its block W1|none for its block W1/,
    );
  });

  test('refusals: a scalar no site fixes, a one-row batch through BatchNorm', () => {
    const text = readFileSync('catalog/homogeneity.yaml', 'utf8').replace(/\bk\b/g, 'c');
    const decl = parseDeclarationText(text, 'homogeneity-c.yaml');
    if (decl.kind !== 'block') throw new Error(decl.kind);
    expect(() => evaluator(decl, { spec: archSpec('3-4-2:poly3') })).toThrow(
      /scalar 'c', which its sites do not fix/,
    );
    const s = archSpec('3-4-2:relu:batch');
    const ev = evaluator(block('scale'), { spec: s });
    const t = sampleParams(buildNetwork(s), rng(2));
    expect(() => ev.residuals(t, { X: [[1, 2, 3]], Y: [[0, 1]] })).toThrow(/at least 2/);
  });

  test('refusals: no charge, no site, missing or unknown parameter, symbolic rule, non-finite entries', () => {
    expect(() => evaluator(block('rescale'), { spec: archSpec('4-8-3:tanh') })).toThrow(/has none/);
    const ev = evaluator(block('rescale'), { spec });
    const missing = Object.fromEntries(Object.entries(sd).filter(([k]) => k !== '0.bias'));
    expect(() => ev.charges(missing)).toThrow(/'0.bias' \(the network's b1\) is missing/);
    expect(() => ev.charges({ ...sd, extra: [1] })).toThrow(/unknown parameter 'extra'/);
    expect(() => ev.charges({ ...sd, '0.bias': [1, 2] })).toThrow(/has 2 entries/);
    expect(() => ev.charges({ ...sd, '0.bias': new Float64Array(8).fill(NaN) })).toThrow(/finite/);
    expect(() => ev.predict(parseRule('sgd(lr=eta)'))).toThrow(/needs a number for lr/);
    expect(ev.predict(parseRule('momentum(lr=0.1, beta=0.9)')).kind).toBe('oscillator');
    expect(ev.predict(parseRule('adam(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)')).kind).toBe('none');
  });
});
