/**
 * Reading CNNs and transformer blocks from ONNX files into the graph models. The fixtures
 * (test/fixtures/onnx/, made by scripts/make-onnx-graph-fixtures.py and committed) are PyTorch models
 * exported by torch.onnx.export, with PyTorch's float64 loss and gradient at a batch: the graph's loss
 * and exact gradient at the weights read must equal them (≤ 1e-12 relative), which checks the spec,
 * the parameter order and every transposition independently of the reader. Each parameter must be
 * named by its state_dict key, and that tensor (stored in the reference) read with the parameter's
 * transposition must be the block in θ. Altered fixtures (an unsupported op, a wrong shape, a NaN
 * weight, a mask that is not causal, …) must end in a one-line ModelError naming the node.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Root, type Type } from 'protobufjs/light';
import reference from '../fixtures/onnx/graph-reference.json';
import { evaluateGraph, type Graph } from '../../numeric/graph/graph';
import { type CnnSpec, type TransformerSpec, cnnGraph, transformerGraph } from '../../numeric/graph/models';
import { ModelError } from '../../src/model/onnx';
import { ONNX_SCHEMA } from '../../src/model/onnx-proto';
import { type OnnxGraphModel, loadGraphModel, onnxModelKind, readOnnxGraph } from '../../src/model/onnxGraph';
import { graphSiteCase } from '../../numeric/graph/sites';
import { parseArch } from '../../src/arch';
import { main } from '../../src/cli/main';
import { graphArch } from '../../src/cli/model';
import { TORCH_TOL, relNorm } from '../helpers/torch';

const DIR = join(__dirname, '..', 'fixtures', 'onnx');
const bytes = (name: string): Buffer => readFileSync(join(DIR, `${name}.onnx`));

interface Ref {
  readonly name: string;
  readonly spec: CnnSpec | TransformerSpec;
  readonly parameters: readonly string[];
  readonly tensors: Readonly<Record<string, unknown>>;
  readonly X: readonly number[];
  readonly Y: readonly number[];
  readonly loss: number;
  readonly grad: Readonly<Record<string, unknown>>;
}
const REFS = reference.models as unknown as readonly Ref[];

const flat = (t: unknown): number[] => (Array.isArray(t) ? t.flatMap(flat) : [t as number]);
const graphOf = (m: OnnxGraphModel): Graph =>
  m.kind === 'cnn' ? cnnGraph(m.spec) : transformerGraph(m.spec);

/** A graph block's values read from a state_dict tensor, transposed when the parameter says so. */
function asBlock(values: readonly number[], shape: readonly number[], transposed: boolean): number[] {
  if (!transposed) return [...values];
  const [rows, cols] = shape as [number, number];
  return Array.from({ length: rows * cols }, (_, k) => values[(k % cols) * rows + Math.floor(k / cols)]!);
}

function refusal(f: () => unknown, origin = 'model.onnx'): ModelError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  if (!(caught instanceof ModelError)) throw new Error(`expected a ModelError, got ${String(caught)}`);
  expect(caught.message).not.toMatch(/[\n\r]/);
  expect(caught.message.startsWith(`${origin}: `)).toBe(true);
  expect(caught.message.length).toBeLessThan(400);
  return caught;
}

describe('graph models read from ONNX equal PyTorch float64', () => {
  test.each(REFS.map((r) => [r.name, r] as const))(
    '%s: spec, state_dict names, θ, and the loss and gradient at the batch',
    (name, ref) => {
      const m = readOnnxGraph(bytes(name), `${name}.onnx`);
      expect(m.spec).toEqual(ref.spec);
      const g = graphOf(m);
      // Every graph parameter is a state_dict tensor, each used once.
      expect(Object.keys(m.parameters).sort()).toEqual(g.params.map((p) => p.name).sort());
      expect(
        Object.values(m.parameters)
          .map((p) => p.name)
          .sort(),
      ).toEqual([...ref.parameters].sort());
      for (const p of g.params) {
        const mp = m.parameters[p.name]!;
        const block = Array.from(m.theta.subarray(p.offset, p.offset + flat(ref.tensors[mp.name]).length));
        expect(block).toEqual(asBlock(flat(ref.tensors[mp.name]), p.shape, mp.transposed));
      }
      const e = evaluateGraph(g, m.theta, { x: Float64Array.from(ref.X), y: Float64Array.from(ref.Y) });
      expect(Math.abs(e.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThanOrEqual(TORCH_TOL);
      const torchGrad = new Float64Array(g.size);
      for (const p of g.params) {
        const mp = m.parameters[p.name]!;
        torchGrad.set(asBlock(flat(ref.grad[mp.name]), p.shape, mp.transposed), p.offset);
      }
      expect(relNorm(e.grad, torchGrad)).toBeLessThanOrEqual(TORCH_TOL);
    },
  );

  test('negative twin: the causal block read as non-causal, or with W_Q untransposed, misses the loss', () => {
    const ref = REFS.find((r) => r.name === 'transformer-causal')!;
    const m = readOnnxGraph(bytes(ref.name), 'm.onnx');
    if (m.kind !== 'transformer') throw new Error('expected a transformer');
    const data = { x: Float64Array.from(ref.X), y: Float64Array.from(ref.Y) };
    const open = evaluateGraph(transformerGraph({ ...m.spec, causal: false }), m.theta, data);
    expect(Math.abs(open.loss - ref.loss) / Math.abs(ref.loss)).toBeGreaterThan(1e-6);
    const g = transformerGraph(m.spec);
    const q = g.params.find((p) => p.name === 'W_Q')!;
    const theta = Float64Array.from(m.theta);
    const [rows, cols] = q.shape as [number, number];
    for (let i = 0; i < rows * cols; i++)
      theta[q.offset + i] = m.theta[q.offset + (i % rows) * cols + Math.floor(i / rows)]!;
    const wrong = evaluateGraph(g, theta, data);
    expect(Math.abs(wrong.loss - ref.loss) / Math.abs(ref.loss)).toBeGreaterThan(1e-6);
  });

  test('a Linear without bias renamed by the exporter is named by its state_dict key, transposed: false', () => {
    const m = readOnnxGraph(bytes('transformer'), 'm.onnx');
    expect(m.parameters['W_Q']).toMatchObject({ name: 'q.weight', transposed: false });
    expect(m.parameters['W_Q']!.initializer).toMatch(/^onnx::MatMul_/);
    expect(m.parameters['W_out']).toEqual({ name: 'out.weight', shape: [2, 4], transposed: false });
  });

  test('the kind of a file: cnn, transformer, or mlp', () => {
    expect(onnxModelKind(bytes('cnn-plain'), 'a')).toBe('cnn');
    expect(onnxModelKind(bytes('transformer'), 'a')).toBe('transformer');
    expect(onnxModelKind(bytes('relu'), 'a')).toBe('mlp');
  });

  test('the loss option overrides the head, and a file from disk is read', () => {
    const m = loadGraphModel(join(DIR, 'cnn-batchnorm.onnx'), { loss: 'mse' });
    expect(m.spec.loss).toBe('mse');
    refusal(() => loadGraphModel(join(DIR, 'nowhere.onnx')), join(DIR, 'nowhere.onnx'));
  });
});

// Altered fixtures: decoded with the schema, changed, encoded again.
type Msg = {
  graph: {
    node: {
      name: string;
      opType: string;
      input: string[];
      attribute: { name: string; ints: number[]; f: number; i: number }[];
    }[];
    initializer: { name: string; dims: number[]; rawData: Uint8Array }[];
    input: { type: { tensorType: { shape: { dim: { dimValue: number; dimParam: string }[] } } } }[];
  };
};
let modelType: Type | undefined;
const codec = (): Type => (modelType ??= Root.fromJSON(ONNX_SCHEMA).lookupType('onnx.ModelProto'));
function altered(name: string, change: (m: Msg) => void): Uint8Array {
  const t = codec();
  const m = t.toObject(t.decode(bytes(name)), { longs: Number, bytes: Buffer }) as Msg;
  change(m);
  return t.encode(t.fromObject(m)).finish();
}
const node = (m: Msg, op: string, k = 0) => m.graph.node.filter((n) => n.opType === op)[k]!;
const init = (m: Msg, name: string) => m.graph.initializer.find((t) => t.name === name)!;

describe('graph models: what the reader refuses, in one line naming the node', () => {
  test.each<[string, string, (m: Msg) => void, RegExp]>([
    [
      'an unsupported op',
      'cnn-plain',
      (m) => (node(m, 'LeakyRelu').opType = 'Elu'),
      /node '\/features\/features.1\/LeakyRelu' \(Elu\) is not supported/,
    ],
    [
      'a dilated conv',
      'cnn-plain',
      (m) => (node(m, 'Conv').attribute.find((a) => a.name === 'dilations')!.ints = [2, 2]),
      /\(Conv\): only dilation 1/,
    ],
    [
      'another leaky slope',
      'cnn-plain',
      (m) => (node(m, 'LeakyRelu').attribute[0]!.f = 0.2),
      /slope 0.2; the toolkit's leaky ReLU has slope 0.1/,
    ],
    [
      'a NaN weight',
      'cnn-plain',
      (m) => {
        const w = init(m, 'features.0.weight');
        w.rawData = Buffer.from(w.rawData);
        new DataView(w.rawData.buffer, w.rawData.byteOffset).setFloat64(8, NaN, true);
      },
      /'features.0.weight' holds a non-finite value/,
    ],
    [
      'an output layer of the wrong width',
      'cnn-batchnorm',
      (m) => (init(m, 'fc.weight').dims = [2, 3]),
      /\(Gemm\): weight 'fc.weight' takes 3 features, but its input has 2/,
    ],
    [
      'a kernel taking the wrong channels',
      'cnn-batchnorm',
      (m) => (init(m, 'features.4.weight').dims = [2, 2, 3, 2]),
      /\(Conv\): kernel 'features.4.weight' takes 2 channels, but its input has 3/,
    ],
    [
      'BatchNorm after one conv only',
      'cnn-batchnorm',
      (m) => {
        const bn = node(m, 'BatchNormalization', 1);
        bn.opType = 'Identity';
        bn.input = bn.input.slice(0, 1);
      },
      /no BatchNorm where the first Conv has one/,
    ],
    [
      'a symbolic image axis',
      'cnn-plain',
      (m) => (m.graph.input[0]!.type.tensorType.shape.dim[2] = { dimValue: 0, dimParam: 'height' }),
      /axis 2 is symbolic \('height'\)/,
    ],
    [
      'a mask that is not causal',
      'transformer-causal',
      (m) => {
        const w = init(m, 'mask');
        w.rawData = Buffer.from(w.rawData);
        new DataView(w.rawData.buffer, w.rawData.byteOffset).setFloat64(8, -1e9, true);
      },
      /\(Add\): mask 'mask' is not causal/,
    ],
    [
      'a scale that is not 1/√d_head',
      'transformer',
      (m) => (node(m, 'Div').opType = 'Mul'),
      /\(Mul\): scales the scores by .*; expected 1\/√2/,
    ],
    [
      'heads of different sizes',
      'transformer',
      (m) => {
        const c = node(m, 'Constant', 1);
        const t = (c as unknown as { attribute: { t: { rawData: Uint8Array } }[] }).attribute[0]!.t;
        t.rawData = Buffer.from(t.rawData);
        const v = new DataView(t.rawData.buffer, t.rawData.byteOffset);
        v.setBigInt64(16, 1n, true);
        v.setBigInt64(24, 4n, true);
      },
      /1 heads of 4, where another projection has 2 of 2/,
    ],
    [
      'a node off the pattern',
      'transformer',
      (m) =>
        m.graph.node.push({
          name: 'stray',
          opType: 'Relu',
          input: ['/Add_output_0'],
          attribute: [],
        } as never),
      /'\/Add_output_0' feeds 3 nodes|stray/,
    ],
    [
      'a cycle (the activation fed by an Identity of its own output)',
      'cnn-plain',
      (m) => {
        const relu = node(m, 'LeakyRelu');
        const out = '/features/features.1/LeakyRelu_output_0';
        relu.input = ['loop'];
        m.graph.node.push({
          name: 'i1',
          opType: 'Identity',
          input: [out],
          output: ['loop'],
          attribute: [],
        } as never);
      },
      /nothing takes '\/features\/features.0\/Conv_output_0' further/,
    ],
    [
      'a padding Pad before a pool',
      'cnn-batchnorm',
      (m) => {
        const c = node(m, 'Constant');
        const t = (c as unknown as { attribute: { t: { rawData: Uint8Array } }[] }).attribute[0]!.t;
        t.rawData = Buffer.from(t.rawData);
        new DataView(t.rawData.buffer, t.rawData.byteOffset).setBigInt64(16, 1n, true);
      },
      /\(Pad\): only a Pad of zeros \(none\) is supported/,
    ],
    [
      'a softmax over the wrong axis',
      'transformer',
      (m) => (node(m, 'Softmax').attribute[0]!.i = 2),
      /node '\/Softmax' \(Softmax\): only the last axis is supported, got 2/,
    ],
  ])('%s (%s)', (_what, name, change, message) => {
    expect(refusal(() => readOnnxGraph(altered(name, change), 'model.onnx')).message).toMatch(message);
  });

  test('hostile bytes: truncated, empty, not protobuf', () => {
    const b = bytes('transformer');
    refusal(() => readOnnxGraph(b.subarray(0, b.length >> 1), 'model.onnx'));
    refusal(() => readOnnxGraph(new Uint8Array(0), 'model.onnx'));
    refusal(() => readOnnxGraph(Uint8Array.from([0xff, 0xff, 0xff, 0xff]), 'model.onnx'));
  });

  test('an MLP is neither a CNN nor a transformer block', () => {
    expect(refusal(() => readOnnxGraph(bytes('relu'), 'model.onnx')).message).toMatch(/neither a CNN/);
  });
});

describe('graph models on the command line (check --model)', () => {
  const run = (...args: string[]): { code: number; out: string; err: string } => {
    let out = '',
      err = '';
    const code = main(args, { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
    return { code, out, err };
  };
  const file = (name: string): string => join(DIR, `${name}.onnx`);

  test.each(['cnn-plain', 'transformer-causal', 'transformer'])(
    '%s: the sampled graph models have exactly the model graph parameter shapes',
    (name) => {
      const m = readOnnxGraph(bytes(name), 'm.onnx');
      const { arch, sampled } = graphArch(m);
      expect(sampled).toEqual({ kind: 'fixed' });
      const fixed = parseArch(arch, { graph: true }).graph!;
      const kinds = m.kind === 'cnn' ? (['conv-channel'] as const) : (['attention-qk', 'key-bias'] as const);
      const shapes = (g: Graph): string =>
        g.params.map((p) => `${p.name}${JSON.stringify(p.shape)}`).join(' ');
      const want = shapes(graphOf(m));
      for (const kind of kinds)
        fc.assert(
          fc.property(graphSiteCase(kind, fixed), (c) => {
            expect(shapes(c.graph)).toBe(want);
            expect(c.graph.input).toEqual(graphOf(m).input);
          }),
          { numRuns: 5, seed: 1 },
        );
    },
  );

  test('check --model on a CNN and a transformer block: verified on the model shape', () => {
    const c = run('check', 'channel-rescale', '--model', file('cnn-plain'), '--runs', '3');
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/conv-channel sites/);
    const t = run('check', 'attention-qk', '--model', file('transformer-causal'), '--runs', '3');
    expect(t.code).toBe(0);
    // Negative twin: a law of another model's sites has no site on this one.
    const off = run('check', 'attention-vo', '--model', file('cnn-plain'), '--runs', '3');
    expect(off.code).toBe(2);
    expect(off.err).toMatch(/attention-vo sites live on a transformer/);
  });

  test('refusals, one line, exit 2: a shape check cannot sample, --weights, MLP-only commands', () => {
    // BatchNorm is fixed in the sampled CNNs, so a channel rescale through ReLU has no site there.
    const bn = run('check', 'channel-rescale', '--model', file('cnn-batchnorm'), '--runs', '3');
    expect(bn.code).toBe(2);
    expect(bn.err).toMatch(/no cnn allowed by the architecture spec has a conv-channel site .*no BatchNorm/);
    const scale = run('check', 'scale', '--model', file('cnn-batchnorm'), '--runs', '3');
    expect(scale.code).toBe(0);
    expect(scale.out).toMatch(/normalised-channel sites/);
    const w = run('check', 'channel-rescale', '--model', file('cnn-plain'), '--weights');
    expect(w.code).toBe(2);
    expect(w.err).toMatch(/drop --weights/);
    const laws = run('laws', '--model', file('transformer'));
    expect(laws.code).toBe(2);
    expect(laws.err).toMatch(/laws reads MLP models; .* is a transformer block/);
    const bad = run('check', 'attention-qk', '--model', file('relu').replace('relu', 'nowhere'));
    expect(bad.code).toBe(2);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
  });
});
