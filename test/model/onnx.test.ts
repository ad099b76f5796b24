/**
 * Reading MLPs from ONNX files. The fixtures (test/fixtures/onnx/, made by
 * scripts/make-onnx-fixtures.py and committed, so the suite needs no Python) are PyTorch models
 * exported by torch.onnx.export, with PyTorch's float64 outputs on a batch: the toolkit's forward
 * pass on the weights read must reproduce them, which checks the spec, the block order and every
 * transposition independently of the reader. Each block's name must be the PyTorch state_dict key, and
 * the state_dict tensor (stored in the reference) read with the block's shape and transposition must be
 * the block in θ, also where the exporter renamed the initializer (a Linear without bias is a MatMul on
 * 'onnx::MatMul_<n>') or shared it between equal parameters (an Identity node on the first). Failure
 * fixtures, graphs written here with the schema's encoder, and hostile bytes must all end in a one-line
 * ModelError.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Root, type Type } from 'protobufjs/light';
import reference from '../fixtures/onnx/reference.json';
import { buildNetwork, evaluate, type MlpSpec } from '../../numeric/mlp';
import { mat } from '../../numeric/linalg';
import { rng } from '../../numeric/rng';
import { ModelError, loadModel, readOnnx, type Model } from '../../src/model/onnx';
import { ONNX_SCHEMA, decodeModel } from '../../src/model/onnx-proto';
import { TORCH_TOL, relNorm } from '../helpers/torch';

const DIR = join(__dirname, '..', 'fixtures', 'onnx');
const bytes = (name: string): Buffer => readFileSync(join(DIR, `${name}.onnx`));

/** The ModelError `f` throws (failing the test on any other outcome), checked to be one line naming the file. */
function refusal(f: () => unknown, origin = 'model.onnx'): ModelError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  if (!(caught instanceof ModelError)) throw new Error(`expected a ModelError, got ${String(caught)}`);
  expect(caught.name).toBe('ModelError');
  expect(caught.message).not.toMatch(/[\n\r]/);
  expect(caught.message.startsWith(`${origin}: `)).toBe(true);
  expect(caught.message.length).toBeLessThan(400);
  return caught;
}

describe.each(reference.models.map((c) => [c.name, c] as const))('%s', (name, c) => {
  const model = readOnnx(bytes(name), `${name}.onnx`);

  it('reads the spec PyTorch built', () => {
    expect(model.kind).toBe('model');
    expect(model.origin).toBe(`${name}.onnx`);
    expect(model.spec).toEqual(c.spec);
  });

  it("names every block after PyTorch's parameter, in block order", () => {
    const blocks = buildNetwork(model.spec).blocks;
    expect(Object.keys(model.parameters)).toEqual(blocks.map((b) => b.name));
    expect(blocks.map((b) => model.parameters[b.name]!.name)).toEqual(c.parameters);
    const transposed = Object.values(model.parameters).filter((p) => p.transposed);
    expect(transposed.map((p) => p.name)).toEqual(c.transposed);
    for (const b of blocks) {
      const p = model.parameters[b.name]!;
      const stored = p.transposed ? [b.cols, b.rows] : b.rows === 1 ? [b.cols] : [b.rows, b.cols];
      expect(p.shape).toEqual(stored);
    }
  });

  it('reads each named tensor, with its shape and transposition, as its block of θ', () => {
    const tensors = c.tensors as Readonly<Record<string, number[] | number[][]>>;
    expect(Object.keys(tensors).sort()).toEqual([...c.parameters].sort());
    for (const b of buildNetwork(model.spec).blocks) {
      const p = model.parameters[b.name]!;
      const t = tensors[p.name]!;
      expect(Array.isArray(t[0]) ? [t.length, (t[0] as number[]).length] : [t.length]).toEqual(p.shape);
      const flat = t.flat();
      const block = Array.from({ length: b.rows * b.cols }, (_, k) =>
        p.transposed ? flat[(k % b.cols) * b.rows + Math.floor(k / b.cols)] : flat[k],
      );
      expect(Array.from(model.theta.subarray(b.offset, b.offset + block.length))).toEqual(block);
    }
  });

  it('names the initializer holding a block when the block is not named after it', () => {
    const g = decodeModel(bytes(name)).graph!;
    const initializers = new Set(g.initializer.map((t) => t.name));
    for (const p of Object.values(model.parameters))
      if (initializers.has(p.name)) expect(p.initializer).toBeUndefined();
      else if (p.initializer !== undefined) expect(initializers.has(p.initializer)).toBe(true);
      else expect(g.node.some((n) => n.opType === 'Constant' && n.output[0] === p.name)).toBe(true);
  });

  it("reproduces PyTorch's float64 outputs to 1e-12", () => {
    const net = buildNetwork(model.spec);
    expect(model.theta.length).toBe(net.size);
    const X = mat(c.X.length, c.X[0]!.length, Float64Array.from(c.X.flat()));
    const out = model.spec.widths[model.spec.widths.length - 1]!;
    const Y = mat(c.X.length, out);
    for (let i = 0; i < c.X.length; i++) Y.data[i * out] = 1; // a one-hot dummy target
    const f = evaluate(net, model.theta, { X, Y }).outputs;
    expect(relNorm(f.data, c.outputs.flat())).toBeLessThanOrEqual(TORCH_TOL);
  });

  it('reads the same from the file', () => {
    const fromFile = loadModel(join(DIR, `${name}.onnx`));
    expect(fromFile.origin).toBe(join(DIR, `${name}.onnx`));
    expect(fromFile.spec).toEqual(model.spec);
    expect(Array.from(fromFile.theta)).toEqual(Array.from(model.theta));
  });
});

describe('the loss', () => {
  it('is softmax cross-entropy after Softmax or LogSoftmax, else ½-mean squared error', () => {
    expect(readOnnx(bytes('softmax'), 'm').spec.loss).toBe('ce');
    expect(readOnnx(bytes('nobias'), 'm').spec.loss).toBe('ce');
    expect(readOnnx(bytes('relu'), 'm').spec.loss).toBe('mse');
  });
  it('given, overrides the graph', () => {
    expect(readOnnx(bytes('softmax'), 'm', { loss: 'mse' }).spec.loss).toBe('mse');
    expect(readOnnx(bytes('relu'), 'm', { loss: 'ce' }).spec.loss).toBe('ce');
  });
});

describe.each(reference.failures.map((c) => [c.name, c] as const))('refuses %s', (name, c) => {
  it('with a one-line ModelError naming the node and the problem', () => {
    const e = refusal(() => readOnnx(bytes(name), `${name}.onnx`), `${name}.onnx`);
    for (const words of c.expect) expect(e.message).toContain(words);
  });
});

// ---------------- graphs written here ----------------

let modelType: Type | undefined;
const encoder = (): Type => (modelType ??= Root.fromJSON(ONNX_SCHEMA).lookupType('onnx.ModelProto'));

type Attr = { name: string; f?: number; i?: number; ints?: number[]; t?: object; type?: number };
interface NodeSpec {
  op: string;
  inputs: string[];
  output?: string | string[];
  name?: string;
  attrs?: Attr[];
  domain?: string;
}

const f64 = (name: string, dims: number[], values: number[]): object => ({
  name,
  dims,
  dataType: 11,
  rawData: new Uint8Array(Float64Array.from(values).buffer),
});
const i64 = (name: string, values: number[]): object => ({
  name,
  dims: [values.length],
  dataType: 7,
  int64Data: values,
});
const seq = (n: number, scale = 0.1): number[] =>
  Array.from({ length: n }, (_, k) => scale * (k + 1) * (k % 2 ? -1 : 1));

/** Weights of a 2-3-2 MLP: W1 3×2, b1, W2 2×3, b2. */
const MLP_INITS = [
  f64('W1', [3, 2], seq(6)),
  f64('b1', [3], seq(3)),
  f64('W2', [2, 3], seq(6)),
  f64('b2', [2], seq(2)),
];

/** A serialized model: the nodes chained by default (each takes the previous output), input 'x', output 'y'. */
function encode(
  nodes: readonly NodeSpec[],
  opts: { inits?: object[]; inputs?: string[]; outputs?: string[]; opset?: number } = {},
): Uint8Array {
  const node = nodes.map((n, k) => ({
    name: n.name ?? `n${k}`,
    opType: n.op,
    input: n.inputs,
    output: n.output === undefined ? [k === nodes.length - 1 ? 'y' : `v${k}`] : [n.output].flat(),
    attribute: (n.attrs ?? []).map((a) => ({ type: a.f !== undefined ? 1 : a.t ? 4 : a.ints ? 7 : 2, ...a })),
    ...(n.domain ? { domain: n.domain } : {}),
  }));
  const t = encoder();
  const message = t.fromObject({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opts.opset ?? 17 }],
    graph: {
      node,
      initializer: opts.inits ?? MLP_INITS,
      input: (opts.inputs ?? ['x']).map((name) => ({ name })),
      output: (opts.outputs ?? ['y']).map((name) => ({ name })),
    },
  });
  return t.encode(message).finish();
}

const gemm = (input: string, w: string, b: string, extra: Partial<NodeSpec> = {}): NodeSpec => ({
  op: 'Gemm',
  inputs: [input, w, b],
  attrs: [{ name: 'transB', i: 1 }],
  ...extra,
});
/** Gemm → Relu → Gemm on MLP_INITS, with `between` inserted after the Relu. */
const mlp = (between: NodeSpec[] = [], head: NodeSpec[] = []): NodeSpec[] => {
  const body: NodeSpec[] = [gemm('x', 'W1', 'b1'), { op: 'Relu', inputs: ['v0'] }];
  between.forEach((n, k) => body.push({ ...n, inputs: [`v${k + 1}`, ...n.inputs] }));
  body.push(gemm(`v${body.length - 1}`, 'W2', 'b2'));
  head.forEach((n) => body.push({ ...n, inputs: [`v${body.length - 1}`, ...n.inputs] }));
  return body;
};
const read = (b: Uint8Array, opts?: { loss?: 'mse' | 'ce' }): Model => readOnnx(b, 'model.onnx', opts);
const refuse = (b: Uint8Array): string => refusal(() => read(b)).message;

describe('graphs written with the schema', () => {
  it('reads a Gemm → Relu → Gemm chain', () => {
    const m = read(encode(mlp()));
    expect(m.spec).toEqual({
      widths: [2, 3, 2],
      act: { kind: 'relu' },
      norm: 'none',
      affine: false,
      loss: 'mse',
      bias: true,
    } satisfies MlpSpec);
    expect(Array.from(m.theta)).toEqual([...seq(6), ...seq(3), ...seq(6), ...seq(2)]);
  });

  it('passes over Identity, Flatten and Reshape to [batch, features]', () => {
    const shape = (name: string, v: number[]): object => i64(name, v);
    const inits = [...MLP_INITS, shape('s1', [-1, 3]), shape('s2', [0, -1]), shape('s3', [0, 3])];
    const m = read(
      encode(
        mlp([
          { op: 'Identity', inputs: [] },
          { op: 'Flatten', inputs: [], attrs: [{ name: 'axis', i: 1 }] },
          { op: 'Reshape', inputs: ['s1'] },
          { op: 'Reshape', inputs: ['s2'] },
          { op: 'Reshape', inputs: ['s3'] },
        ]),
        { inits },
      ),
    );
    expect(m.spec.widths).toEqual([2, 3, 2]);
  });

  it('reads weights from Constant nodes and through Identity and Transpose', () => {
    const W1t = [1, 2, 3, 4, 5, 6]; // W1 = [[1, 4], [2, 5], [3, 6]] stored transposed (2×3)
    const m = read(
      encode(
        [
          { op: 'Constant', inputs: [], output: 'c', attrs: [{ name: 'value', t: f64('', [2, 3], W1t) }] },
          { op: 'Transpose', inputs: ['c'], output: 'ct', attrs: [{ name: 'perm', ints: [1, 0] }] },
          { op: 'Identity', inputs: ['b1'], output: 'bias1' },
          { op: 'Gemm', inputs: ['x', 'ct', 'bias1'], output: 'v0', attrs: [{ name: 'transB', i: 1 }] },
          { op: 'Tanh', inputs: ['v0'], output: 'v1' },
          { op: 'MatMul', inputs: ['v1', 'W2t'], output: 'v2' },
          { op: 'Add', inputs: ['b2', 'v2'], output: 'y' },
        ],
        { inits: [...MLP_INITS, f64('W2t', [3, 2], seq(6))] },
      ),
    );
    expect(m.spec.act).toEqual({ kind: 'tanh' });
    expect(m.parameters).toEqual({
      W1: { name: 'c', shape: [2, 3], transposed: true },
      b1: { name: 'bias1', shape: [3], transposed: false, initializer: 'b1' },
      W2: { name: 'W2t', shape: [3, 2], transposed: true },
      b2: { name: 'b2', shape: [2], transposed: false },
    });
    const W2t = seq(6); // 3×2: W2[o][i] = W2t[i][o]
    expect(Array.from(m.theta.subarray(0, 6))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(m.theta.subarray(9, 15))).toEqual([0, 2, 4, 1, 3, 5].map((k) => W2t[k]));
  });

  it('reads float_data, double_data and raw float32', () => {
    const inits = [
      { name: 'W1', dims: [3, 2], dataType: 1, floatData: [0.5, -1, 2, 0.25, 1, -2] },
      { name: 'b1', dims: [3], dataType: 11, doubleData: [0.1, 0.2, 0.3] },
      { name: 'W2', dims: [2, 3], dataType: 1, rawData: new Uint8Array(Float32Array.from(seq(6)).buffer) },
      f64('b2', [2], [1, 2]),
    ];
    const m = read(encode(mlp(), { inits }));
    expect(Array.from(m.theta)).toEqual([
      0.5,
      -1,
      2,
      0.25,
      1,
      -2,
      0.1,
      0.2,
      0.3,
      ...Array.from(Float32Array.from(seq(6))),
      1,
      2,
    ]);
  });

  const cases: [string, () => Uint8Array, RegExp][] = [
    ['a second input', () => encode(mlp(), { inputs: ['x', 'z'] }), /2 inputs \('x', 'z'\); an MLP has one/],
    ['no input', () => encode(mlp(), { inputs: [] }), /declares no input/],
    ['two outputs', () => encode(mlp(), { outputs: ['y', 'v0'] }), /2 outputs; an MLP has one/],
    [
      'a cycle',
      () =>
        encode([
          gemm('x', 'W1', 'b1', { output: 'h' }),
          { op: 'Relu', inputs: ['h'], output: 'h2' },
          { op: 'Identity', inputs: ['h2'], output: 'h' },
          gemm('zz', 'W2', 'b2'),
        ]),
      /not a chain/,
    ],
    [
      'a node off the path',
      () => {
        const nodes = mlp();
        nodes[2] = { ...nodes[2]!, output: 'y' };
        return encode([...nodes, { op: 'Relu', inputs: ['elsewhere'], output: 'z', name: 'stray' }]);
      },
      /node 'stray' \(Relu\) is not on the path from 'x' to 'y'/,
    ],
    ['a dead end', () => encode(mlp(), { outputs: ['nowhere'] }), /nothing takes 'y' further/],
    [
      'a second dynamic operand',
      () => encode([gemm('x', 'W1', 'b1'), { op: 'Add', inputs: ['v0', 'x'], name: 'res' }]),
      /feeds 2 nodes/,
    ],
    [
      'Gemm with alpha 2',
      () =>
        encode([
          gemm('x', 'W1', 'b1', {
            attrs: [
              { name: 'transB', i: 1 },
              { name: 'alpha', f: 2 },
            ],
          }),
        ]),
      /'n0' \(Gemm\): only alpha = beta = 1/,
    ],
    [
      'Gemm with transA',
      () => encode([gemm('x', 'W1', 'b1', { attrs: [{ name: 'transA', i: 1 }] })]),
      /only transA = 0/,
    ],
    [
      'a weight computed in the graph',
      () => encode([gemm('x', 'x', 'b1')]),
      /weight B must be an initializer/,
    ],
    [
      'tied weights',
      () =>
        encode([gemm('x', 'W', 'b1'), { op: 'Relu', inputs: ['v0'] }, gemm('v1', 'W', 'b1')], {
          inits: [f64('W', [3, 3], seq(9)), f64('b1', [3], seq(3))],
        }),
      /'W' is also W1's; shared \(tied\) weights/,
    ],
    [
      'mismatched widths',
      () => encode(mlp(), { inits: [...MLP_INITS.slice(0, 2), f64('W2', [2, 4], seq(8)), MLP_INITS[3]!] }),
      /'n2' \(Gemm\): weight 'W2' takes 4 features, but its input has 3/,
    ],
    [
      'a bias of the wrong length',
      () => encode(mlp(), { inits: [...MLP_INITS.slice(0, 3), f64('b2', [3], seq(3))] }),
      /bias 'b2' has shape \[3\], expected \[2\]/,
    ],
    [
      'a float16 weight',
      () =>
        encode(mlp(), {
          inits: [
            { name: 'W1', dims: [3, 2], dataType: 10, rawData: new Uint8Array(12) },
            ...MLP_INITS.slice(1),
          ],
        }),
      /initializer 'W1' holds float16; weights must be float32 or float64/,
    ],
    [
      'a NaN weight',
      () => encode(mlp(), { inits: [f64('W1', [3, 2], [1, 2, NaN, 4, 5, 6]), ...MLP_INITS.slice(1)] }),
      /'W1' holds a non-finite value/,
    ],
    [
      'a shape its data does not fill',
      () => encode(mlp(), { inits: [f64('W1', [3, 2], seq(5)), ...MLP_INITS.slice(1)] }),
      /initializer 'W1' has shape \[3, 2\] but 5 values/,
    ],
    [
      'a huge claimed shape',
      () =>
        encode([{ op: 'MatMul', inputs: ['x', 'W'] }], { inits: [f64('W', [3_000_000, 2_000_000], seq(6))] }),
      /too large: a layer of 3000000 units/,
    ],
    [
      'external data',
      () =>
        encode(mlp(), {
          inits: [{ name: 'W1', dims: [3, 2], dataType: 11, dataLocation: 1 }, ...MLP_INITS.slice(1)],
        }),
      /'W1' keeps its data in an external file/,
    ],
    [
      'a softmax before the end',
      () =>
        encode([gemm('x', 'W1', 'b1'), { op: 'Softmax', inputs: ['v0'] }, { op: 'Relu', inputs: ['v1'] }]),
      /'n2' \(Relu\) follows the softmax head/,
    ],
    [
      'a softmax over the batch',
      () => encode(mlp([], [{ op: 'Softmax', inputs: [], attrs: [{ name: 'axis', i: 0 }] }])),
      /only the last axis/,
    ],
    [
      'a LayerNorm over the batch',
      () => encode(mlp([{ op: 'LayerNormalization', inputs: ['b1'], attrs: [{ name: 'axis', i: 0 }] }])),
      /only the last axis/,
    ],
    [
      'a normalisation before the first Linear layer',
      () =>
        encode([{ op: 'BatchNormalization', inputs: ['x', 'b1', 'b1', 'b1', 'b1'] }, gemm('v0', 'W1', 'b1')]),
      /comes before the first Linear layer/,
    ],
    [
      'a normalisation after the activation',
      () => encode(mlp([{ op: 'BatchNormalization', inputs: ['b1', 'b1', 'b1', 'b1'] }])),
      /follows node 'n1' \(Relu\); the toolkit's layers are Linear → normalisation → activation/,
    ],
    [
      'two activations',
      () => encode(mlp([{ op: 'Tanh', inputs: [] }])),
      /'n2' \(Tanh\) follows node 'n1' \(Relu\)/,
    ],
    [
      'an Add that is not a bias',
      () => encode(mlp([{ op: 'Add', inputs: ['b1'] }])),
      /'n2' \(Add\) is supported only as the bias right after a MatMul/,
    ],
    [
      'a Reshape that fixes the batch',
      () => encode(mlp([{ op: 'Reshape', inputs: ['s'] }]), { inits: [...MLP_INITS, i64('s', [5, 3])] }),
      /only a reshape to \[batch, features\] is supported, got \[5, 3\]/,
    ],
    [
      'a Reshape that changes the width',
      () => encode(mlp([{ op: 'Reshape', inputs: ['s'] }]), { inits: [...MLP_INITS, i64('s', [-1, 6])] }),
      /reshapes to 6 features, but its input has 3/,
    ],
    [
      'a Reshape to a computed shape',
      () => encode(mlp([{ op: 'Reshape', inputs: ['x'] }])),
      /not a chain: 'x' feeds 2 nodes/,
    ],
    [
      'an op of another domain',
      () => encode(mlp([{ op: 'Relu', inputs: [], domain: 'com.example', name: 'custom' }])),
      /node 'custom' \(Relu\) in domain 'com.example' is not supported/,
    ],
    ['an unnamed node', () => encode(mlp([{ op: 'Sigmoid', inputs: [], name: '' }])), /node #2 \(Sigmoid\)/],
    [
      'control characters in a name',
      () => encode(mlp([{ op: 'Erf', inputs: [], name: 'a\nb\u001b[31m' }])),
      /node 'a b\\u001b\[31m' \(Erf\)/,
    ],
    [
      'a network the toolkit cannot build',
      () =>
        encode([gemm('x', 'W1', 'b1'), { op: 'Softmax', inputs: ['v0'] }], {
          inits: [f64('W1', [1, 2], [1, 2]), f64('b1', [1], [0])],
        }),
      /softmax cross-entropy needs at least 2 outputs/,
    ],
    ['no Linear layer', () => encode([{ op: 'Identity', inputs: ['x'] }]), /no Linear layer/],
    [
      'an activation before the first Linear layer',
      () => encode([{ op: 'Relu', inputs: ['x'] }, gemm('v0', 'W1', 'b1')]),
      /'n0' \(Relu\) comes before the first Linear layer/,
    ],
  ];
  it.each(cases)('refuses %s', (_, make, re) => {
    expect(refuse(make())).toMatch(re);
  });

  it('refuses a LeakyRelu left at its default slope 0.01', () => {
    const nodes = mlp();
    nodes[1] = { op: 'LeakyRelu', inputs: ['v0'] };
    expect(refuse(encode(nodes))).toMatch(/slope 0\.01; the toolkit's leaky ReLU has slope 0\.1/);
  });

  it('refuses normalisations with and without affine γ, β', () => {
    const nodes = [
      gemm('x', 'W1', 'b1', { output: 'h0' }),
      { op: 'BatchNormalization', inputs: ['h0', 'g', 'be', 'm', 'v'], output: 'h1' },
      { op: 'Relu', inputs: ['h1'], output: 'h2' },
      gemm('h2', 'Wm', 'b1', { output: 'h3' }),
      { op: 'BatchNormalization', inputs: ['h3', 'ones', 'zeros', 'm', 'v'], output: 'h4' },
      { op: 'Relu', inputs: ['h4'], output: 'h5' },
      gemm('h5', 'W2', 'b2', { output: 'y' }),
    ];
    const consts = [
      { op: 'Constant', inputs: [], output: 'ones', attrs: [{ name: 'value', t: f64('', [3], [1, 1, 1]) }] },
      { op: 'Constant', inputs: [], output: 'zeros', attrs: [{ name: 'value', t: f64('', [3], [0, 0, 0]) }] },
    ];
    const inits = [
      ...MLP_INITS,
      f64('Wm', [3, 3], seq(9)),
      ...['g', 'be', 'm', 'v'].map((n) => f64(n, [3], [1, 2, 3])),
    ];
    expect(refuse(encode([...consts, ...nodes], { inits }))).toMatch(
      /'n6' \(BatchNormalization\): its normalisation lacks the affine γ, β that node 'n3'/,
    );
    // A fixed scale other than 1 is neither.
    consts[0]!.attrs[0]!.t = f64('', [3], [2, 2, 2]);
    expect(refuse(encode([...consts, ...nodes], { inits }))).toMatch(
      /must both be learnable \(initializers\) or both fixed at 1 and 0/,
    );
  });
});

// ---------------- state_dict keys ----------------

describe('state_dict keys', () => {
  it("reads a MatMul weight's key from its node, stored out×in, and names the exporter's initializer", () => {
    const m = readOnnx(bytes('nobias-matmul'), 'm');
    expect(m.parameters).toEqual({
      W1: { name: '0.weight', shape: [6, 4], transposed: false, initializer: 'onnx::MatMul_8' },
      W2: { name: '2.weight', shape: [3, 6], transposed: false, initializer: 'onnx::MatMul_9' },
    });
    // The initializers hold the weights as MatMul reads them: in×out, PyTorch's weight.T.
    const dims = new Map(decodeModel(bytes('nobias-matmul')).graph!.initializer.map((t) => [t.name, t.dims]));
    expect(dims.get('onnx::MatMul_8')).toEqual([4, 6]);
    expect(dims.get('onnx::MatMul_9')).toEqual([6, 3]);
  });

  it('names parameters the exporter shared between equal ones after their own module', () => {
    for (const name of ['layernorm-dedup', 'batchnorm-dedup'])
      expect(readOnnx(bytes(name), 'm').parameters).toMatchObject({
        gamma1: { name: '1.weight' },
        beta1: { name: '1.bias' },
        gamma2: { name: '4.weight', initializer: '1.weight' },
        beta2: { name: '4.bias', initializer: '1.bias' },
      });
    const m = readOnnx(bytes('nobias-layernorm-softmax'), 'm');
    expect(Object.values(m.parameters).map((p) => [p.name, p.initializer])).toEqual([
      ['0.weight', 'onnx::MatMul_19'],
      ['1.weight', undefined],
      ['1.bias', undefined],
      ['3.weight', 'onnx::MatMul_20'],
      ['4.weight', '1.weight'],
      ['4.bias', '1.bias'],
      ['6.weight', 'onnx::MatMul_21'],
    ]);
    const shared = readOnnx(bytes('matmul-dedup'), 'm').parameters;
    expect([shared.W2!.name, shared.W3!.name]).toEqual(['2.weight', '4.weight']);
    expect(shared.W3!.initializer).toBe(shared.W2!.initializer);
  });

  it('reads the paths of nested modules', () => {
    const m = readOnnx(bytes('nested-nobias'), 'm');
    expect(Object.values(m.parameters).map((p) => p.name)).toEqual([
      'features.0.0.weight',
      'features.1.weight',
      'head.weight',
    ]);
  });

  /** MatMul → Relu → MatMul (2 → 3 → 2) on initializers `w` (in×out), the nodes named `nodes`. */
  const torchLike = (w: [string, string], nodes: [string, string], inits: object[] = []): Model =>
    read(
      encode(
        [
          { op: 'MatMul', inputs: ['x', w[0]], name: nodes[0] },
          { op: 'Relu', inputs: ['v0'], name: '/1/Relu' },
          { op: 'MatMul', inputs: ['v1', w[1]], name: nodes[1] },
        ],
        { inits: [f64(w[0], [2, 3], seq(6)), f64(w[1], [3, 2], seq(6, 0.2)), ...inits] },
      ),
    );
  const names = (m: Model): string[] => Object.values(m.parameters).map((p) => p.name);
  const G = ['onnx::MatMul_7', 'onnx::MatMul_8'] as [string, string];

  it('reads keys from the module paths in node names, θ unchanged', () => {
    const plain = torchLike(['W1t', 'W2t'], ['n0', 'n2']);
    expect(plain.parameters.W1).toEqual({ name: 'W1t', shape: [2, 3], transposed: true });
    const m = torchLike(G, ['/0/MatMul', '/2/MatMul']);
    expect(m.parameters).toEqual({
      W1: { name: '0.weight', shape: [3, 2], transposed: false, initializer: 'onnx::MatMul_7' },
      W2: { name: '2.weight', shape: [2, 3], transposed: false, initializer: 'onnx::MatMul_8' },
    });
    expect(Array.from(m.theta)).toEqual(Array.from(plain.theta));
    const paths: [[string, string], string[]][] = [
      [
        ['/features/features.0/MatMul', '/head/MatMul'],
        ['features.0.weight', 'head.weight'],
      ],
      [
        ['/0/0.0/MatMul', '/0/0.2/0.2.1/MatMul'],
        ['0.0.weight', '0.2.1.weight'],
      ],
      [
        ['/encoder/layer.0/fc/MatMul', '/encoder/layer.1/fc/MatMul'],
        ['encoder.layer.0.fc.weight', 'encoder.layer.1.fc.weight'],
      ],
      [
        ['/net/net.0/MatMul', '/out/MatMul'],
        ['net.0.weight', 'out.weight'],
      ],
      [
        ['/2_1/MatMul', '/3/MatMul'], // no scope '/2': a module named '2_1'
        ['2_1.weight', '3.weight'],
      ],
    ];
    for (const [nodes, keys] of paths) expect(names(torchLike(G, nodes))).toEqual(keys);
  });

  it("reads a bias's and a normalisation's keys from their nodes", () => {
    const m = read(
      encode(
        [
          { op: 'MatMul', inputs: ['x', 'onnx::MatMul_1'], name: '/0/MatMul' },
          { op: 'Add', inputs: ['v0', 'onnx::Add_2'], name: '/0/Add' },
          {
            op: 'LayerNormalization',
            inputs: ['v1', 'onnx::LN_3', 'onnx::LN_4'],
            name: '/1/LayerNormalization',
          },
          { op: 'Relu', inputs: ['v2'], name: '/2/Relu' },
          {
            op: 'Gemm',
            inputs: ['v3', '3.weight', '3.bias'],
            name: '/3/Gemm',
            attrs: [{ name: 'transB', i: 1 }],
          },
        ],
        {
          inits: [
            f64('onnx::MatMul_1', [2, 3], seq(6)),
            f64('onnx::Add_2', [3], seq(3)),
            f64('onnx::LN_3', [3], [1, 2, 3]),
            f64('onnx::LN_4', [3], [4, 5, 6]),
            f64('3.weight', [2, 3], seq(6)),
            f64('3.bias', [2], seq(2)),
          ],
        },
      ),
    );
    expect(names(m)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '3.weight', '3.bias']);
    expect(m.parameters.b1).toEqual({
      name: '0.bias',
      shape: [3],
      transposed: false,
      initializer: 'onnx::Add_2',
    });
  });

  it('keeps the initializer names where the key is not certain', () => {
    const cases: [string, [string, string], object[]][] = [
      ['names not of the exporter', ['0/MatMul', '2/MatMul'], []],
      ['a node named after another op', ['/0/Gemm', '/2/MatMul_1'], []],
      ['no module', ['/MatMul', '/MatMul'], []],
      ['empty atoms', ['//MatMul', '/a..0/MatMul'], []],
      ['an index before a name', ['/a/0.b/MatMul', '/c/0.1/MatMul'], []],
      [
        'a key naming another value',
        ['/0/MatMul', '/2/MatMul'],
        [f64('0.weight', [1], [0]), f64('2.weight', [1], [0])],
      ],
      ['two nodes of one module', ['/0/MatMul', '/0/MatMul'], []],
    ];
    for (const [what, nodes, inits] of cases)
      expect([what, names(torchLike(G, nodes, inits))]).toEqual([what, G]);
    // A second call of module 2 (its scope '/2_1'), or a module named '2_1': not told apart.
    const again = read(
      encode(
        [
          { op: 'MatMul', inputs: ['x', G[0]], name: '/2/MatMul' },
          { op: 'Relu', inputs: ['v0'], name: '/3/Relu' },
          { op: 'MatMul', inputs: ['v1', 'w'], name: '/2_1/MatMul' },
        ],
        { inits: [f64(G[0], [2, 2], seq(4)), f64('w', [2, 2], seq(4))] },
      ),
    );
    expect(names(again)).toEqual(['2.weight', 'w']);
  });

  it('reads no key from node names that contradict the keys the exporter kept', () => {
    const m = read(
      encode(
        [
          {
            op: 'Gemm',
            inputs: ['x', 'blocks.fc.weight'],
            name: '/fc/Gemm',
            attrs: [{ name: 'transB', i: 1 }],
          },
          { op: 'Relu', inputs: ['v0'], name: '/Relu' },
          { op: 'MatMul', inputs: ['v1', 'onnx::MatMul_5'], name: '/out/MatMul' },
        ],
        { inits: [f64('blocks.fc.weight', [3, 2], seq(6)), f64('onnx::MatMul_5', [3, 2], seq(6))] },
      ),
    );
    expect(names(m)).toEqual(['blocks.fc.weight', 'onnx::MatMul_5']);
  });

  it('reads no key for a generated initializer behind a Transpose', () => {
    const m = read(
      encode(
        [
          { op: 'Transpose', inputs: ['onnx::T_1'], output: 't', name: '/0/Transpose' },
          { op: 'MatMul', inputs: ['x', 't'], name: '/0/MatMul', output: 'v0' },
          { op: 'Relu', inputs: ['v0'], name: '/1/Relu', output: 'v1' },
          { op: 'MatMul', inputs: ['v1', 'onnx::MatMul_2'], name: '/2/MatMul', output: 'y' },
        ],
        { inits: [f64('onnx::T_1', [3, 2], seq(6)), f64('onnx::MatMul_2', [3, 2], seq(6))] },
      ),
    );
    expect(m.parameters.W1).toEqual({ name: 'onnx::T_1', shape: [3, 2], transposed: false });
    expect(m.parameters.W2!.name).toBe('2.weight');
  });
});

// ---------------- hostile bytes ----------------

describe('hostile bytes', () => {
  it('refuses empty bytes', () => {
    expect(refuse(new Uint8Array(0))).toMatch(/the file is empty/);
  });

  it('refuses valid protobuf that is not a model', () => {
    expect(refuse(Uint8Array.from([0x08, 0x05]))).toMatch(/not an ONNX model: it holds no graph/);
    expect(refuse(Uint8Array.from([0x3a, 0x00]))).toMatch(/the graph is empty/);
    // A TensorProto (dims [2, 3], data_type 11) where a ModelProto is expected.
    expect(refuse(Uint8Array.from([0x08, 0x02, 0x08, 0x03, 0x10, 0x0b]))).toMatch(/not an ONNX model/);
  });

  it('refuses text, JSON and other formats', () => {
    for (const text of ['hello', '{"graph": {"node": []}}', '\x89PNG\r\n\x1a\n', 'ir_version: 8\n'])
      refusal(() => read(Buffer.from(text)));
  });

  it('refuses random bytes', () => {
    const r = rng(1);
    for (let k = 0; k < 300; k++) {
      const b = Uint8Array.from({ length: 1 + r.int(2000) }, () => r.int(256));
      refusal(() => read(b));
    }
  });

  it('refuses every truncation of a model that cuts into its graph', () => {
    const full = bytes('tanh-batchnorm');
    const spec = read(full).spec;
    let refused = 0;
    for (let n = 0; n < full.length; n++) {
      let m: Model | undefined;
      try {
        m = read(full.subarray(0, n));
      } catch (e) {
        if (!(e instanceof ModelError)) throw e;
        expect(e.message).not.toMatch(/\n/);
        refused++;
      }
      // Only a cut after the graph (in the opset list at the end) can still be read.
      if (m) expect(m.spec).toEqual(spec);
    }
    expect(refused).toBeGreaterThan(full.length - 40);
    expect(refuse(full.subarray(0, full.length >> 1))).toMatch(/malformed protobuf|not a chain|graph/);
  });

  it('refuses corrupted models with ModelErrors only', () => {
    const r = rng(2);
    for (const name of ['relu', 'layernorm-relu', 'matmul-float32', 'nobias']) {
      const good = bytes(name);
      for (let k = 0; k < 150; k++) {
        const b = Uint8Array.from(good);
        for (let j = 1 + r.int(4); j > 0; j--) b[r.int(b.length)] = r.int(256);
        try {
          read(b);
        } catch (e) {
          if (!(e instanceof ModelError)) throw e;
          expect(e.message).not.toMatch(/\n/);
        }
      }
    }
  });

  it('refuses deeply nested groups quickly', () => {
    const t0 = Date.now();
    expect(refuse(new Uint8Array(200_000).fill(0x7b))).toMatch(/malformed protobuf/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('loadModel', () => {
  it('names the path when the file cannot be read', () => {
    const missing = join(DIR, 'missing.onnx');
    expect(refusal(() => loadModel(missing), missing).message).toBe(
      `${missing}: cannot read the model: no such file`,
    );
    expect(refusal(() => loadModel(DIR), DIR).message).toMatch(/is a directory/);
  });

  it('loads protobufjs only when a model is read', () => {
    jest.isolateModules(() => {
      let loaded = false;
      jest.doMock('protobufjs/light', () => {
        loaded = true;
        return jest.requireActual('protobufjs/light');
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh copy of the module, in isolation
      const fresh = require('../../src/model/onnx') as typeof import('../../src/model/onnx');
      expect(loaded).toBe(false);
      fresh.readOnnx(bytes('relu'), 'relu.onnx');
      expect(loaded).toBe(true);
    });
    jest.dontMock('protobufjs/light');
  });
});
