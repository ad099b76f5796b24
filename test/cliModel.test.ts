/**
 * Models and export on the command line: `scan model.onnx`, `check --model`, `laws --model`,
 * `export --to …` (stdout and -o), and their refusals (one line, exit 2). The ONNX fixtures are
 * PyTorch nn.Sequential exports (scripts/make-onnx-fixtures.py), read without Python.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main';
import { parseJsonStream } from './helpers/jsonStream';
import { loadModel, type ScanReport } from '../src';
import type { SavedCase } from '../src/cli/caseFile';

function run(...args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(args, { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
  return { code, out, err };
}
const fixture = (name: string): string => join(__dirname, 'fixtures', 'onnx', `${name}.onnx`);

describe('models read from ONNX', () => {
  it('scan model.onnx: the architecture, the tensor of every block, and the tensors each site reads', () => {
    const r = run('scan', fixture('tanh-batchnorm'), '--format', 'json');
    expect(r.code).toBe(0);
    const [s] = parseJsonStream(r.out) as ScanReport[];
    expect(s!.architecture).toBe('4-6-3:tanh:batch+affine:mse');
    expect(s!.model!.tensors.map((t) => `${t.block}=${t.name}`)).toEqual([
      'W1=0.weight',
      'b1=0.bias',
      'gamma1=1.weight',
      'beta1=1.bias',
      'W2=3.weight',
      'b2=3.bias',
    ]);
    const normalised = s!.siteKinds.find((k) => k.kind === 'normalised-unit')!;
    expect(normalised.groups[0]!.tensors).toEqual({ theta: ['0.weight', '0.bias'] });
    expect(run('scan', fixture('tanh-batchnorm')).out).toMatch(
      /tensors \(layer 1\): theta ← 0\.weight \+ 0\.bias/,
    );
  });
  it('check --model samples networks of the model architecture; laws --model counts its laws', () => {
    const c = run('check', 'rescale', '--model', fixture('relu'), '--runs', '5', '--format', 'json');
    expect(c.code).toBe(0);
    // The model's architecture is fixed: scale needs a normalisation this model does not have.
    const none = run('check', 'scale', '--model', fixture('relu'), '--runs', '5');
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/no architecture allowed by the constraints has a normalised-unit site/);
    const l = run('laws', '--model', fixture('linear'));
    expect(l.code).toBe(0);
    expect(l.out).toMatch(/complete \(proved\)/);
  });
  it("check --model --weights: the laws at the model's own weights; a refuted case saved by tensor name", () => {
    const ok = run('check', 'rescale', '--model', fixture('relu'), '--weights', '--runs', '10');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/\(the given weights; batches and sites sampled\)/);
    const file = join(mkdtempSync(join(tmpdir(), 'noether-case-')), 'case.json');
    const bad = run(
      'check',
      'examples/rescale-wrong-exponent.yaml',
      ...['--model', fixture('matmul-float32'), '--weights', '--runs', '10', '--save-case', file],
    );
    expect(bad.code).toBe(1);
    const ce = run(
      'check',
      'examples/rescale-wrong-exponent.yaml',
      '--model',
      fixture('relu'),
      '--loss',
      'ce',
      '--weights',
    );
    expect(ce.out).toMatch(
      /replay: noether check \S+ --model \S+relu\.onnx --loss ce --weights --site hidden-unit/,
    );
    // The replay command reproduces the network: the model and its weights, not only its architecture.
    expect(bad.out).toMatch(
      /replay: noether check \S+ --model \S+matmul-float32\.onnx --weights --site hidden-unit/,
    );
    const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedCase;
    const m = loadModel(fixture('matmul-float32'));
    const W1 = m.theta.subarray(0, 24); // the block W1 (6 × 4); the tensor holds it transposed (4 × 6)
    expect(saved.parameters['fc1.weight_t']).toEqual(
      Array.from({ length: 4 }, (_, j) => Array.from({ length: 6 }, (_, i) => W1[i * 4 + j])),
    );
    expect(saved.batch.X[0]).toHaveLength(4);
    expect(run('check', 'rescale', '--weights').err).toMatch(/give --model FILE\.onnx/);
  });
  it('refusals: an unsupported node named, a missing file, --arch with --model', () => {
    for (const [args, msg] of [
      [['scan', fixture('sigmoid')], /node '.*' \(Sigmoid\) is not supported/],
      [['check', 'rescale', '--model', '/nonexistent.onnx'], /cannot read the model/],
      [['check', 'rescale', '--model', fixture('relu'), '--arch', 'relu'], /not both/],
      [['export', 'rescale', '--to', 'pytorch'], /needs one network/],
      [['export', 'rescale', '--arch', '4-8-3:relu', '--to', 'julia'], /unknown export target 'julia'/],
      [['export', 'rescale', '--arch', '4-8-3:tanh', '--to', 'numpy'], /has none/],
      [['export', 'unit-swap', '--arch', '4-8-3:tanh', '--to', 'numpy'], /block-level/],
      [
        ['export', 'rescale', '--arch', '4-8-3:relu', '--loss', 'ce', '--to', 'numpy'],
        /--loss applies to a model/,
      ],
      [['scan', fixture('relu'), '--loss', 'hinge'], /--loss is mse or ce, got 'hinge'/],
      [
        ['export', 'rescale', '--model', fixture('relu'), '--to', 'numpy', '-o', fixture('relu')],
        /is an input of this/,
      ],
      [
        ['check', 'rescale', '--model', fixture('relu'), '--save-case', fixture('relu')],
        /is an input of this/,
      ],
      [['check', 'rescale', '--rule', 'sgd(lr=0.1)', '--save-case', 'x.json'], /not a --rule trajectory/],
      [['check', 'rescale', 'scale', '--save-case', 'x.json'], /give one declaration/],
      [['check', 'rescale', '--save-case'], /--save-case needs a value/],
      [['check', 'examples/tanh-rescale.yaml', '--model', fixture('relu')], /--model applies to block-level/],
    ] as const) {
      const r = run(...args);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(msg);
    }
  });
});

describe('noether export', () => {
  it('--loss ce: a model that ends in its logits, trained with cross-entropy, has softmax translations', () => {
    const mse = run('export', 'translation', '--model', fixture('relu'), '--to', 'numpy');
    expect(mse.code).toBe(2);
    const ce = run('export', 'translation', '--model', fixture('relu'), '--loss', 'ce', '--to', 'numpy');
    expect(ce.code).toBe(0);
    expect(ce.out).toMatch(/yield f"output layer, column \{k \+ 1\}"/);
  });
  it('writes a module over the model tensor names, to stdout or to -o FILE', () => {
    const r = run('export', 'rescale', '--model', fixture('relu'), '--to', 'pytorch');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/P\["0\.weight"\]\[k, :\]/);
    expect(r.out).toMatch(/def attach\(model, optimizer/);
    const file = join(mkdtempSync(join(tmpdir(), 'noether-cli-export-')), 'charges.py');
    expect(run('export', 'gl', '--arch', '3-4-2:linear:mse', '--to', 'sympy', '-o', file).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/def gradient_is_generator/);
  });
});
