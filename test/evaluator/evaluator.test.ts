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
} from '../../src';
import { buildNetwork, evaluate } from '../../numeric/mlp';
import { rng } from '../../numeric/rng';
import { sampleBatch, sampleParams } from '../../numeric/sample';
import { integrate } from '../../numeric/ode';
import { UserInputError } from '../../numeric/errors';

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

  test('refusals: no charge, no site, missing or unknown parameter, symbolic rule, non-finite entries', () => {
    expect(() => evaluator(block('rescale'), { spec: archSpec('4-8-3:tanh') })).toThrow(/has none/);
    const ev = evaluator(block('rescale'), { spec });
    const missing = Object.fromEntries(Object.entries(sd).filter(([k]) => k !== '0.bias'));
    expect(() => ev.charges(missing)).toThrow(/'0.bias' \(the network's b1\) is missing/);
    expect(() => ev.charges({ ...sd, extra: [1] })).toThrow(/unknown parameter 'extra'/);
    expect(() => ev.charges({ ...sd, '0.bias': [1, 2] })).toThrow(/has 2 entries/);
    expect(() => ev.charges({ ...sd, '0.bias': new Float64Array(8).fill(NaN) })).toThrow(/finite/);
    expect(() => ev.predict(parseRule('sgd(lr=eta)'))).toThrow(/needs a number for lr/);
    expect(ev.predict(parseRule('momentum(lr=0.1, beta=0.9)')).kind).toBe('none');
  });
});
