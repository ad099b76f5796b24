/** `noether report` on the command line: the files it writes, its summary, its exit code, its input errors. */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { loadModel } from '../../src/model/onnx';
import { blockOf, buildNetwork } from '../../numeric/mlp';

const dir = mkdtempSync(join(tmpdir(), 'noether-report-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('writes the page and one CSV per plot with a metadata header, and prints each run’s largest gap', () => {
  const file = join(dir, 'r.html');
  const r = runCli(
    'report',
    'rescale',
    '--rule',
    'sgd(lr=0.1, wd=0.01)',
    '--steps',
    '20',
    '--runs',
    '2',
    '--data',
    'penguins',
    '-o',
    file,
  );
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(
    /^rescale: numerically verified; full batch: largest gap \d\.\d\de-1\d over 32 sites; batch 16: largest gap/,
  );
  const csvs = readdirSync(dir).filter((f) => f.startsWith('r.') && f.endsWith('.csv'));
  expect(r.out).toContain(`wrote ${file} and ${csvs.length} CSV files`);
  expect(csvs).toContain('r.rescale-full-charges.csv');
  expect(csvs).toContain('r.rescale-order.csv');
  const charges = readFileSync(join(dir, 'r.rescale-batch16-charges.csv'), 'utf8').split('\n');
  expect(charges.slice(0, 8)).toEqual([
    expect.stringMatching(/^# plot: Charges per site/),
    '# symmetry: rescale',
    '# architecture: 4-16-16-3:relu:none:ce:bias',
    '# rule: sgd(lr=0.1, wd=0.01)',
    '# seed: 1',
    expect.stringMatching(/^# data set: Palmer penguins, \d+ complete rows of 344/),
    '# batch: minibatch of 16 rows',
    expect.stringMatching(/^# content: /),
  ]);
  expect(charges[8]).toBe('panel,step,curve,Q');
  // Every site, not only the panels drawn: 32 sites × 21 records × 3 curves.
  expect(charges.filter((l) => /^"layer/.test(l))).toHaveLength(32 * 21 * 3);
  // The law count across hidden widths: a one-hidden-layer ReLU network has exactly one law per
  // hidden unit (its rescale balance), proved complete — the closed form, not the tool's output.
  const laws = readFileSync(join(dir, 'r.laws.csv'), 'utf8')
    .split('\n')
    .filter((l) => /^\d/.test(l));
  for (let h = 1; h <= 6; h++) {
    const d = 4 * h + h + 3 * h + 3;
    expect(laws).toContain(`${h},4-${h}-3:relu:bias,${d},parameters D,true`);
    expect(laws).toContain(`${h},4-${h}-3:relu:bias,${h},laws found (proved),true`);
    expect(laws).toContain(`${h},4-${h}-3:relu:bias,${d - h},Lie dimension,true`);
  }
  const html = readFileSync(file, 'utf8');
  expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
});

test.each([
  [['rescale'], /report needs -o FILE\.html/],
  [['rescale', '-o', join(dir, 'x.txt')], /should end in \.html/],
  [['-o', join(dir, 'x.html')], /report needs a symmetry/],
  [
    ['rescale', '--data', 'mnist', '-o', join(dir, 'x.html')],
    /unknown data set 'mnist' \(known: iris, penguins\)/,
  ],
  [
    ['rescale', '--arch', '5-8-3:relu', '-o', join(dir, 'x.html')],
    /iris data set has 4 features and 3 classes/,
  ],
  [['rescale', '--rule', 'sgd(lr=eta)', '-o', join(dir, 'x.html')], /needs a number for lr/],
  [['rescale', '--format', 'json', '-o', join(dir, 'x.html')], /report does not take --format/],
  [['no-such-symmetry', '-o', join(dir, 'x.html')], /no-such-symmetry/],
])('input error %j: one line, exit 2, nothing written', (args, message) => {
  const r = runCli('report', ...(args as string[]));
  expect(r.code).toBe(2);
  expect(r.err).toMatch(message);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(existsSync(join(dir, 'x.html'))).toBe(false);
});

test('the exit code is the weakest verdict: a declaration that is not a symmetry is refuted (exit 1)', () => {
  const file = join(dir, 'wrong.html');
  const r = runCli(
    'report',
    'examples/rescale-wrong-exponent.yaml',
    '--runs',
    '3',
    '--steps',
    '5',
    '-o',
    file,
  );
  expect(r.code).toBe(1);
  expect(r.out).toMatch(/^rescale-wrong-exponent: refuted/);
  expect(readFileSync(file, 'utf8')).toContain('<span class="verdict refuted">refuted</span>');
});

test('text from a declaration is escaped in the page', () => {
  const decl = join(dir, 'html.yaml');
  writeFileSync(
    decl,
    readFileSync('catalog/rescale.yaml', 'utf8')
      .replace(/^name: .*$/m, 'name: rescale-html')
      .replace(/^description: .*$/m, 'description: "<img src=x onerror=alert(1)> & <b>bold</b>"'),
  );
  const file = join(dir, 'html.html');
  expect(runCli('report', decl, '--runs', '2', '--steps', '5', '-o', file).code).toBe(0);
  const html = readFileSync(file, 'utf8');
  expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
  expect(html).not.toContain('<img src=x');
});

test('--model: trained from the ONNX weights; Q₀ is their charge, computed here by hand', () => {
  const file = join(dir, 'model.html');
  const r = runCli(
    'report',
    'rescale',
    '--model',
    'examples/relu-mlp.onnx',
    '--steps',
    '10',
    '--runs',
    '2',
    '-o',
    file,
  );
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/^rescale: numerically verified; full batch: largest gap \d\.\d\de-1\d over 8 sites/);
  expect(readFileSync(file, 'utf8')).toContain(
    'Model examples/relu-mlp.onnx (4-8-3:relu:none:mse:bias), trained from its own weights',
  );
  const m = loadModel('examples/relu-mlp.onnx');
  const net = buildNetwork(m.spec);
  const [W1, b1, W2] = ['W1', 'b1', 'W2'].map((b) => blockOf(net, b));
  const at = (b: typeof W1, i: number, j: number) => m.theta[b!.offset + i * b!.cols + j]!;
  const q0 = (u: number) =>
    0.5 * ([0, 1, 2, 3].reduce((s, j) => s + at(W1, u, j) ** 2, 0) + at(b1, 0, u) ** 2) -
    0.5 * [0, 1, 2].reduce((s, k) => s + at(W2, k, u) ** 2, 0);
  const rows = readFileSync(join(dir, 'model.rescale-full-charges.csv'), 'utf8').split('\n');
  for (let u = 0; u < 8; u++) {
    const first = rows.find((l) => l.startsWith(`"layer 1, unit ${u + 1}",0,measured,`))!;
    expect(Number(first.split(',').at(-1))).toBeCloseTo(q0(u), 14);
  }
});

test.each([[['--model', 'examples/relu-mlp.onnx', '--arch', '4-8-3']], [['--loss', 'ce']]])(
  '%j: one network, one line, exit 2',
  (args) => {
    const r = runCli('report', 'rescale', ...(args as string[]), '-o', join(dir, 'y.html'));
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  },
);

test('a network without the symmetry’s sites says so and trains nothing', () => {
  const file = join(dir, 'none.html');
  const r = runCli('report', 'scale', '--arch', '4-8-3:relu:ce', '--runs', '2', '-o', file);
  expect(r.code).toBe(0);
  expect(readFileSync(file, 'utf8')).toContain('network has no normalised-unit or normalised-layer site');
});
