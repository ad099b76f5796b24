/**
 * Training runs on real data: the charges measured along the run against the derived laws run
 * forward from Q₀ (src/report/train.ts). The expectations are independent of the derivation: the
 * closed forms of the theory (Q(t) = e^{−2λt} Q(0) for ½-norm charges under gradient flow with
 * weight decay), the data files read here by hand, and the order of the oscillator limit.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { archSpec } from '../../src/arch';
import { loadCatalog } from '../../src/catalog';
import type { BlockDeclaration } from '../../src/declaration/types';
import { loadDataset } from '../../src/report/data';
import { trainAndPredict, type TrainingOptions } from '../../src/report/train';
import { parseRule } from '../../src/rules/rule';
import { UserInputError } from '../../numeric/errors';

const block = (name: string): BlockDeclaration => loadCatalog(name) as BlockDeclaration;
const iris = loadDataset('iris');
const run = (sym: string, arch: string, rule: string, extra: Partial<TrainingOptions> = {}) =>
  trainAndPredict(block(sym), {
    data: iris,
    spec: archSpec(arch),
    rule: parseRule(rule),
    steps: 60,
    seed: 3,
    ...extra,
  });

describe('data sets', () => {
  test('iris: 150 rows, 4 standardised features, 3 one-hot classes', () => {
    const { X, Y } = iris.batch;
    expect([X.rows, X.cols, Y.cols]).toEqual([150, 4, 3]);
    for (let j = 0; j < 4; j++) {
      const col = Array.from({ length: 150 }, (_, i) => X.data[i * 4 + j]!);
      const mean = col.reduce((s, x) => s + x, 0) / 150;
      expect(Math.abs(mean)).toBeLessThan(1e-12);
      expect(col.reduce((s, x) => s + (x - mean) ** 2, 0) / 150).toBeCloseTo(1, 12);
    }
    for (let i = 0; i < 150; i++) expect(Y.data[i * 3]! + Y.data[i * 3 + 1]! + Y.data[i * 3 + 2]!).toBe(1);
    // 50 flowers of each species (Fisher's design).
    expect(
      [0, 1, 2].map((c) => Array.from({ length: 150 }, (_, i) => Y.data[i * 3 + c]!).reduce((a, b) => a + b)),
    ).toEqual([50, 50, 50]);
  });

  test('penguins: every row with a species and the four measurements, read from the package file by hand', () => {
    const file = join(dirname(dirname(require.resolve('vega-datasets'))), 'data', 'penguins.json');
    const rows = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[];
    const keys = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'];
    const complete = rows.filter(
      (r) => typeof r['Species'] === 'string' && keys.every((k) => typeof r[k] === 'number'),
    );
    const p = loadDataset('penguins');
    expect(p.batch.X.rows).toBe(complete.length);
    expect(p.batch.X.rows).toBeGreaterThan(300);
    expect(p.classes).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    // Standardisation undone on the first row gives its measurements back.
    const col = (k: string) => complete.map((r) => r[k] as number);
    keys.forEach((k, j) => {
      const c = col(k);
      const mean = c.reduce((s, x) => s + x, 0) / c.length;
      const sd = Math.sqrt(c.reduce((s, x) => s + (x - mean) ** 2, 0) / c.length);
      expect(p.batch.X.data[j]! * sd + mean).toBeCloseTo(c[0]!, 9);
    });
  });

  test('an unknown data set is an input error naming the known ones', () => {
    expect(() => loadDataset('mnist')).toThrow(
      new UserInputError("unknown data set 'mnist' (known: iris, penguins)"),
    );
  });
});

describe('charges measured along training against the derived law run forward from Q₀', () => {
  test('SGD with weight decay, full batch and minibatch: the exact recursion holds to rounding at every step', () => {
    for (const batchSize of [undefined, 16]) {
      const r = run('rescale', '4-12-12-3:relu:ce', 'sgd(lr=0.1, wd=0.01)', batchSize ? { batchSize } : {});
      expect(r.law.kind === 'law' && r.law.form).toBe('recursion');
      expect(r.series).toHaveLength(24);
      expect(r.worstGap).toBeLessThan(1e-12);
      // The driving term matters: without it the prediction misses by far more than rounding.
      const undrivenGap = Math.max(
        ...r.series.map(
          (s) =>
            Math.max(...s.undriven.map((u, k) => Math.abs(u - s.observed[k]!))) /
            Math.max(...s.observed.map(Math.abs)),
        ),
      );
      expect(undrivenGap).toBeGreaterThan(1e-6);
      expect(r.loss.at(-1)!).toBeLessThan(r.loss[0]!);
    }
  });

  test('scale before BatchNorm and translation before the softmax: SGD recursion on minibatches', () => {
    for (const sym of ['scale', 'translation']) {
      const r = run(sym, '4-12-12-3:relu:batch:ce', 'sgd(lr=0.05, wd=0.02)', { batchSize: 12 });
      expect(r.series.length).toBeGreaterThan(0);
      expect(r.worstGap).toBeLessThan(1e-12);
    }
  });

  test('gradient flow with weight decay λ: Q(t) = e^{−2λt} Q(0) for the ½-norm rescale charge', () => {
    const lambda = 0.05;
    const r = run('rescale', '4-6-3:linear:ce', `gf(wd=${lambda})`, { steps: 10, time: 4 });
    expect(r.axis).toBe('time');
    expect(r.at.at(-1)).toBeCloseTo(4, 12);
    for (const s of r.series) {
      const scale = Math.max(...s.observed.map(Math.abs));
      s.observed.forEach((q, k) => {
        const closedForm = Math.exp(-2 * lambda * r.at[k]!) * s.observed[0]!;
        expect(Math.abs(q - closedForm) / scale).toBeLessThan(1e-6);
        expect(Math.abs(s.predicted[k]! - closedForm) / scale).toBeLessThan(1e-14);
      });
      expect(s.gap).toBeLessThan(1e-6);
    }
  });

  test('heavy-ball momentum: the driven oscillator misses the steps by O(η): half η, half the gap', () => {
    const gap = (lr: number, steps: number) =>
      run('rescale', '4-8-3:linear:ce', `momentum(lr=${lr}, beta=0.9, wd=0.01)`, { steps }).worstGap;
    const [g1, g2] = [gap(0.02, 40), gap(0.01, 80)];
    expect(g1).toBeLessThan(1e-2);
    expect(g2).toBeLessThan(g1 / 1.8);
  });

  test('heavy-ball dampening d acts as the step η(1 − d), in training and in the oscillator', () => {
    const a = run('rescale', '4-8-3:linear:ce', 'momentum(lr=0.02, beta=0.9, wd=0.01, dampening=0.5)', {
      steps: 30,
    });
    const b = run('rescale', '4-8-3:linear:ce', 'momentum(lr=0.01, beta=0.9, wd=0.01)', { steps: 30 });
    a.series.forEach((s, i) => {
      const t = b.series[i]!;
      s.observed.forEach((q, k) =>
        expect(Math.abs(q - t.observed[k]!)).toBeLessThan(1e-14 * Math.abs(q) + 1e-300),
      );
      s.predicted.forEach((q, k) =>
        expect(Math.abs(q - t.predicted[k]!)).toBeLessThan(1e-14 * Math.abs(q) + 1e-300),
      );
    });
    expect(a.worstGap).toBeLessThan(2e-3);
  });

  test('heavy-ball momentum on a linear charge (translation): the exact two-step recursion, from Q₀ alone', () => {
    for (const d of [0, 0.5]) {
      const rule = `momentum(lr=0.05, beta=0.9, wd=0.01, dampening=${d})`;
      const r = run('translation', '4-8-3:relu:ce', rule, { batchSize: 16 });
      expect(r.law.kind === 'law' && r.law.form).toBe('two-step');
      expect(r.worstGap).toBeLessThan(1e-12);
    }
  });

  test('training that diverges ends early with a note, records up to the last finite step', () => {
    // (1 − ηλ) = −2: the parameters double every step and pass 1e50 near step 166.
    const r = run('rescale', '4-8-3:relu:ce', 'sgd(lr=0.1, wd=30)', { steps: 300 });
    expect(r.note).toMatch(/^ended early: training diverged at step \d+/);
    expect(r.at.length).toBeGreaterThan(100);
    expect(r.at.length).toBeLessThan(200);
    expect(r.worstGap).toBeLessThan(1e-12);
  });

  test('Adam: measured only, with the reason no law predicts it', () => {
    const r = run('rescale', '4-8-3:relu:ce', 'adam(lr=0.01)');
    expect(r.law.kind).toBe('none');
    expect(r.series.every((s) => s.predicted.length === 0 && Number.isNaN(s.gap))).toBe(true);
  });

  test('an architecture that does not fit the data set, and precond, are input errors', () => {
    expect(() => run('rescale', '5-8-3:relu:ce', 'sgd(lr=0.1)')).toThrow(
      /iris data set has 4 features and 3 classes/,
    );
    expect(() => run('rescale', '4-8-3:relu:ce', 'precond(lr=0.1)')).toThrow(UserInputError);
    expect(() => run('rescale', '4-8-3:relu:ce', 'sgd(lr=eta)')).toThrow(/needs a number for lr/);
  });
});
