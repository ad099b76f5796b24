/**
 * Symmetries of residual branches, BatchNorm-ed convolutions, LayerNorm-ed attention and softmax
 * output layers, on graph models (numeric/graph): each group action is applied here by parameter
 * name — a hidden unit of a residual branch rescaled through ReLU, a conv channel before BatchNorm
 * scaled (kernel and bias) or shifted (bias), the attention output's bias shifted before LayerNorm,
 * an output column or bias shifted under softmax cross-entropy — and the loss must not move (to
 * rounding); the same action where the symmetry does not hold (a tanh branch, no BatchNorm, no
 * LayerNorm, a squared loss) must move it. Then the sites the toolkit builds are compared with
 * these index sets, and the catalog entries are checked on them by the toolkit, with wrong-sign twins.
 */
import { rng } from '../../numeric/rng';
import { type Graph, type GraphData, evaluateGraph } from '../../numeric/graph/graph';
import {
  cnnGraph,
  type CnnSpec,
  residualGraph,
  type ResidualSpec,
  transformerGraph,
  type TransformerSpec,
} from '../../numeric/graph/models';
import { sizeOf } from '../../numeric/graph/shape';
import { graphSiteCase, graphSiteGroups, type GraphModel } from '../../numeric/graph/sites';
import fc from 'fast-check';
import { chargeDrift } from '../../src/check/drift';
import { deriveBlock } from '../../src/derive/block';
import type { SiteKind } from '../../numeric/sites';
import { loadCatalog } from '../../src/catalog';
import { parseDeclarationText } from '../../src/declaration/load';
import { checkDeclaration } from '../../src/check/block';
import type { BlockDeclaration } from '../../src/declaration/types';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function sample(g: Graph, seed: number, ce: boolean): { theta: Float64Array; data: GraphData } {
  const r = rng(seed);
  const theta = Float64Array.from({ length: g.size }, () => 0.7 * r.normal());
  const x = Float64Array.from({ length: sizeOf(g.input) }, () => r.normal());
  const y = new Float64Array(sizeOf(g.target));
  const cols = g.target[1]!;
  for (let i = 0; i < g.target[0]!; i++)
    if (ce) y[i * cols + r.int(cols)] = 1;
    else for (let j = 0; j < cols; j++) y[i * cols + j] = r.normal();
  return { theta, data: { x, y } };
}

const param = (g: Graph, name: string) => g.params.find((p) => p.name === name)!;

/** An action on θ: indices and what happens to each (scale or shift). */
type Move = { readonly index: readonly number[]; readonly f: (x: number, i: number) => number };

/** |L(gθ) − L(θ)| relative to |L|, for the moves applied together. */
function lossChange(g: Graph, seed: number, ce: boolean, moves: (g: Graph) => readonly Move[]): number {
  const { theta, data } = sample(g, seed, ce);
  const moved = Float64Array.from(theta);
  for (const m of moves(g)) m.index.forEach((j, i) => (moved[j] = m.f(theta[j]!, i)));
  const a = evaluateGraph(g, theta, data).loss,
    b = evaluateGraph(g, moved, data).loss;
  return Math.abs(a - b) / Math.abs(a);
}

const range = <T = number>(n: number, at: (i: number) => T): T[] =>
  Array.from({ length: n }, (_, i) => at(i));

/** Hidden unit k of W_a [h, w] (+ b_a) → W_b [w, h]: incoming row and bias, outgoing column. */
function unitIndex(
  g: Graph,
  a: string,
  b: string,
  out: string,
  k: number,
): { win: number[]; wout: number[] } {
  const Wa = param(g, a),
    Wb = param(g, out);
  const [h, w] = Wa.shape as [number, number];
  return {
    win: [...range(w, (j) => Wa.offset + k * w + j), param(g, b).offset + k],
    wout: range(Wb.shape[0]!, (i) => Wb.offset + i * h + k),
  };
}
const rescale = (u: { win: number[]; wout: number[] }, a: number): Move[] => [
  { index: u.win, f: (x) => Math.exp(a) * x },
  { index: u.wout, f: (x) => Math.exp(-a) * x },
];

/** Channel o of conv i: its kernel entries, its bias. */
function channelIndex(g: Graph, i: number, o: number): { kernel: number[]; bias: number } {
  const K = param(g, `conv${i}`);
  const per = sizeOf(K.shape.slice(1));
  return { kernel: range(per, (j) => K.offset + o * per + j), bias: param(g, `cb${i}`).offset + o };
}

const residual = (act: ResidualSpec['act']): ResidualSpec => ({
  batch: 4,
  inputs: 3,
  width: 4,
  hidden: 3,
  blocks: 2,
  outputs: 3,
  act,
  loss: 'ce',
});
const cnn = (batchNorm: boolean, loss: 'ce' | 'mse' = 'ce'): CnnSpec => ({
  input: [3, 2, 5, 5],
  convs: [
    { channels: 3, k: 3, stride: 1, pad: 1 },
    { channels: 2, k: 3, stride: 2, pad: 1 },
  ],
  batchNorm,
  act: { kind: 'tanh' },
  pool: 1,
  classes: 3,
  loss,
});
const transformer = (layerNorm: boolean): TransformerSpec => ({
  batch: 2,
  tokens: 3,
  dim: 4,
  heads: 2,
  headDim: 2,
  hidden: 3,
  causal: true,
  layerNorm,
  act: { kind: 'relu' },
  outputs: 3,
  loss: 'ce',
});

// Rounding: a few hundred operations in float64 on O(1) values; the twins move the loss by O(1e-2).
const INVARIANT = 1e-13;
const BROKEN = 1e-6;

describe('the group actions on graph models, applied by parameter name', () => {
  const seeds = [1, 2, 3, 4, 5];
  it('rescaling a hidden unit of a ReLU residual branch keeps the loss; a tanh branch does not', () => {
    for (const seed of seeds) {
      const at = (g: Graph) => rescale(unitIndex(g, 'W2a', 'b2a', 'W2b', seed % 3), 0.8);
      expect(lossChange(residualGraph(residual({ kind: 'relu' })), seed, true, at)).toBeLessThan(INVARIANT);
      expect(lossChange(residualGraph(residual({ kind: 'tanh' })), seed, true, at)).toBeGreaterThan(BROKEN);
    }
  });
  it('rescaling a channel inside a residual conv block keeps the loss; a tanh block does not', () => {
    const spec = (act: CnnSpec['act']): CnnSpec => ({ ...cnn(false), act, blocks: 2 });
    for (const seed of seeds) {
      const at = (g: Graph): Move[] => {
        const Ka = param(g, 'rconv2a'),
          Kb = param(g, 'rconv2b');
        const C = Ka.shape[0]!,
          o = seed % C;
        return rescale(
          {
            win: [...range(C * 9, (j) => Ka.offset + o * C * 9 + j), param(g, 'rcb2a').offset + o],
            wout: range(C * 9, (j) => Kb.offset + (Math.floor(j / 9) * C + o) * 9 + (j % 9)),
          },
          0.7,
        );
      };
      expect(lossChange(cnnGraph(spec({ kind: 'relu' })), seed, true, at)).toBeLessThan(INVARIANT);
      expect(lossChange(cnnGraph(spec({ kind: 'tanh' })), seed, true, at)).toBeGreaterThan(BROKEN);
    }
  });
  it("rescaling a unit of a transformer block's ReLU MLP keeps the loss", () => {
    for (const seed of seeds) {
      const at = (g: Graph) => rescale(unitIndex(g, 'W_1', 'b_1', 'W_2', seed % 3), -0.6);
      expect(lossChange(transformerGraph(transformer(true)), seed, true, at)).toBeLessThan(INVARIANT);
    }
  });
  it('scaling a conv channel (kernel and bias) before BatchNorm keeps the loss; without BatchNorm not', () => {
    for (const seed of seeds) {
      const at = (g: Graph): Move[] => {
        const c = channelIndex(g, 1 + (seed % 2), seed % 2);
        return [{ index: [...c.kernel, c.bias], f: (x) => 2.5 * x }];
      };
      expect(lossChange(cnnGraph(cnn(true)), seed, true, at)).toBeLessThan(INVARIANT);
      expect(lossChange(cnnGraph(cnn(false)), seed, true, at)).toBeGreaterThan(BROKEN);
    }
  });
  it('shifting a conv channel bias before BatchNorm keeps the loss; without BatchNorm not', () => {
    for (const seed of seeds) {
      const at = (g: Graph): Move[] => [{ index: [channelIndex(g, 1, seed % 3).bias], f: (x) => x + 1.3 }];
      expect(lossChange(cnnGraph(cnn(true)), seed, true, at)).toBeLessThan(INVARIANT);
      expect(lossChange(cnnGraph(cnn(false)), seed, true, at)).toBeGreaterThan(BROKEN);
    }
  });
  it("shifting the attention output's bias by c·1 before LayerNorm keeps the loss; without LayerNorm not", () => {
    for (const seed of seeds) {
      const at = (g: Graph): Move[] => {
        const b = param(g, 'b_O');
        return [{ index: range(4, (i) => b.offset + i), f: (x) => x - 0.9 }];
      };
      expect(lossChange(transformerGraph(transformer(true)), seed, true, at)).toBeLessThan(INVARIANT);
      expect(lossChange(transformerGraph(transformer(false)), seed, true, at)).toBeGreaterThan(BROKEN);
    }
  });
  it('shifting an output column or the output bias keeps softmax cross-entropy; a squared loss not', () => {
    for (const seed of seeds) {
      const column = (g: Graph): Move[] => {
        const W = param(g, 'W_out');
        const [classes, C] = W.shape as [number, number];
        return [{ index: range(classes, (i) => W.offset + i * C + (seed % C)), f: (x) => x + 0.7 }];
      };
      const bias = (g: Graph): Move[] => [
        { index: range(3, (i) => param(g, 'b_out').offset + i), f: (x) => x + 2 },
      ];
      for (const at of [column, bias]) {
        expect(lossChange(cnnGraph(cnn(true, 'ce')), seed, true, at)).toBeLessThan(INVARIANT);
        expect(lossChange(cnnGraph(cnn(true, 'mse')), seed, false, at)).toBeGreaterThan(BROKEN);
      }
    }
  });
});

/** Every site of a kind on a model as sorted index sets per role. */
function sitesOf(m: GraphModel, g: Graph, kind: SiteKind): Record<string, number[]>[] {
  const out: Record<string, number[]>[] = [];
  for (const grp of graphSiteGroups(m, g))
    if (grp.kind === kind)
      for (let i = 0; i < grp.count; i++)
        out.push(
          Object.fromEntries(
            Object.entries(grp.site(i).views).map(([r, v]) => [r, [...v.index].sort((a, b) => a - b)]),
          ),
        );
  return out;
}
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

describe('the sites the toolkit builds are those index sets, and only where the symmetry holds', () => {
  it('residual-unit: every unit of every ReLU branch (and the MLP of a transformer block); none for tanh', () => {
    const spec = residual({ kind: 'relu' });
    const g = residualGraph(spec);
    const want = [1, 2].flatMap((b) =>
      range(spec.hidden, (k) => {
        const u = unitIndex(g, `W${b}a`, `b${b}a`, `W${b}b`, k);
        return { w_in: sorted(u.win), w_out: sorted(u.wout) };
      }),
    );
    expect(sitesOf({ kind: 'residual', spec }, g, 'residual-unit')).toEqual(want);
    const tanh = residual({ kind: 'tanh' });
    expect(sitesOf({ kind: 'residual', spec: tanh }, residualGraph(tanh), 'residual-unit')).toEqual([]);
    const t = transformer(true);
    const tg = transformerGraph(t);
    expect(sitesOf({ kind: 'transformer', spec: t }, tg, 'residual-unit')).toEqual(
      range(t.hidden, (k) => {
        const u = unitIndex(tg, 'W_1', 'b_1', 'W_2', k);
        return { w_in: sorted(u.win), w_out: sorted(u.wout) };
      }),
    );
  });
  it('normalised-channel and channel-bias-before-batchnorm: every channel of every conv, with BatchNorm only', () => {
    const spec = cnn(true);
    const g = cnnGraph(spec);
    const channels = [1, 2].flatMap((i) => range(spec.convs[i - 1]!.channels, (o) => channelIndex(g, i, o)));
    expect(sitesOf({ kind: 'cnn', spec }, g, 'normalised-channel')).toEqual(
      channels.map((c) => ({ theta: sorted([...c.kernel, c.bias]) })),
    );
    expect(sitesOf({ kind: 'cnn', spec }, g, 'channel-bias-before-batchnorm')).toEqual(
      channels.map((c) => ({ theta: [c.bias] })),
    );
    const plain = cnn(false);
    expect(sitesOf({ kind: 'cnn', spec: plain }, cnnGraph(plain), 'normalised-channel')).toEqual([]);
    // Residual conv blocks: every channel of each block's first conv; the last plain conv feeds the skips.
    const res: CnnSpec = { ...cnn(false), act: { kind: 'relu' }, blocks: 2 };
    const rg = cnnGraph(res);
    const found = sitesOf({ kind: 'cnn', spec: res }, rg, 'residual-channel');
    expect(found).toHaveLength(2 * 2);
    expect(found[3]!.w_in).toContain(param(rg, 'rcb2a').offset + 1);
    expect(sitesOf({ kind: 'cnn', spec: res }, rg, 'conv-channel')).toHaveLength(3);
  });
  it('attention-bias-before-layernorm with LayerNorm only; graph-softmax sites under cross-entropy only', () => {
    const on = transformer(true),
      off = transformer(false);
    const g = transformerGraph(on);
    const bO = param(g, 'b_O');
    expect(sitesOf({ kind: 'transformer', spec: on }, g, 'attention-bias-before-layernorm')).toEqual([
      { theta: range(on.dim, (i) => bO.offset + i) },
    ]);
    const og = transformerGraph(off);
    expect(sitesOf({ kind: 'transformer', spec: off }, og, 'attention-bias-before-layernorm')).toEqual([]);
    const mse = cnn(true, 'mse');
    expect(sitesOf({ kind: 'cnn', spec: mse }, cnnGraph(mse), 'graph-softmax-bias')).toEqual([]);
    expect(sitesOf({ kind: 'transformer', spec: on }, g, 'graph-softmax-column')).toHaveLength(on.dim);
  });
});

const twin = (name: string, from: string, to: string): BlockDeclaration => {
  const text = readFileSync(join(__dirname, '../../catalog', `${name}.yaml`), 'utf8');
  if (!text.includes(from)) throw new Error(`the twin's text '${from}' is not in ${name}`);
  return parseDeclarationText(text.replace(from, to), `${name} (twin)`) as BlockDeclaration;
};

describe('the catalog entries, checked by the toolkit at these sites', () => {
  const graphKinds = (d: BlockDeclaration): SiteKind[] =>
    d.sites.filter((k) =>
      [
        'residual-unit',
        'residual-channel',
        'normalised-channel',
        'channel-bias-before-batchnorm',
        'attention-bias-before-layernorm',
        'graph-softmax-column',
        'graph-softmax-bias',
      ].includes(k),
    );
  it.each(['rescale', 'scale', 'translation'])(
    '%s: every law numerically verified on graph models',
    (name) => {
      const decl = loadCatalog(name) as BlockDeclaration;
      const kinds = graphKinds(decl);
      expect(kinds.length).toBeGreaterThan(0);
      const report = checkDeclaration(decl, { runs: 30, sites: kinds });
      expect(report.verdict.kind).toBe('numerically-verified');
      expect(report.siteKinds).toEqual(kinds);
    },
  );
  it.each([
    ['rescale', 'w_out: exp(-a)*w_out', 'w_out: exp(a)*w_out'],
    ['scale', 'theta: exp(a)*theta', 'theta: exp(a)*theta + a*ones'],
    ['translation', 'theta: theta + a*ones', 'theta: exp(a)*theta'],
  ])('%s with a wrong action is refuted on graph models, with a counterexample', (name, from, to) => {
    const decl = twin(name, from, to);
    const report = checkDeclaration(decl, { runs: 40, sites: graphKinds(decl) });
    expect(report.verdict.kind).toBe('refuted');
    expect(report.counterexample).toBeDefined();
  });
});

describe('the charge along the integrated flow on graph models', () => {
  const rescale = loadCatalog('rescale') as BlockDeclaration;
  const charge = deriveBlock(rescale).laws.find((l) => l.id === 'charge')!;
  // The sum ½‖w_in‖² + ½‖w_out‖² in place of the difference: the charge of no symmetry here.
  const wrong = deriveBlock(twin('rescale', 'w_out: exp(-a)*w_out', 'w_out: exp(a)*w_out')).laws.find(
    (l) => l.id === 'charge',
  )!;
  const cases = fc.sample(graphSiteCase('residual-unit', { kind: 'residual', act: { kind: 'linear' } }), {
    seed: 7,
    numRuns: 4,
  });
  it("½‖w_in‖² − ½‖w_out‖² of a residual unit stays within the integrator's error; the sum moves", () => {
    let moved = 0;
    for (const c of cases) {
      const r = chargeDrift(rescale, charge, c, { rtol: 1e-10, maxSteps: 1500 });
      if (!r) continue;
      expect(r.relative).toBeLessThanOrEqual(1e-10 * r.steps);
      const w = chargeDrift(rescale, wrong, c, { rtol: 1e-10, maxSteps: 1500 })!;
      if (r.moved > 1e-6) {
        moved++;
        expect(w.relative).toBeGreaterThan(1e3 * 1e-10 * w.steps);
      }
    }
    expect(moved).toBeGreaterThan(0);
  });
  it('check runs the flow on graph sites (no longer left out)', () => {
    const report = checkDeclaration(loadCatalog('attention-qk') as BlockDeclaration, { runs: 5 });
    expect(report.flow?.kind).toBe('flow');
    expect(report.flow?.kind === 'flow' && report.flow.verdict.kind).toBe('numerically-verified');
  });
});
