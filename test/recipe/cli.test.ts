/** `noether recipe` on the command line: the report, its JSON record, LaTeX, exit codes and input errors. */
import Ajv from 'ajv';
import schema from '../../schema/output.schema.json';
import { runCli } from '../helpers/cli';
import { compileLatex, pdflatexAvailable } from '../helpers/latex';

test('l1: the product w = u⊙v with λ = μ/2, the certificate proved, the trajectories verified (exit 0)', () => {
  const r = runCli('recipe', 'l1', '--runs', '2', '--lambda', '0.2');
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/^recipe for l1: R\(w\) = 2λ·Σ_i \|w_i\|\n/);
  expect(r.out).toContain('reparametrisation: w = u ⊙ v (entrywise)');
  expect(r.out).toContain('Q_1 = u^2 - v^2');
  expect(r.out).toContain('weight decay λ = μ/2 = 0.1');
  expect(r.out).toMatch(/certificate: proved/);
  expect(r.out.match(/^ {2}seed \d+: converged in \d+ steps/gm)).toHaveLength(2);
  expect(r.out).toMatch(/without weight decay: support 10\/10/);
});

test('--format json prints one recipe record that the output schema accepts', () => {
  const r = runCli('recipe', 'group(size=2)', '--runs', '1', '--format', 'json');
  expect(r.code).toBe(0);
  const rec = JSON.parse(r.out) as { kind: string; weightDecay: number; derivation: { family: unknown } };
  expect(rec).toMatchObject({
    kind: 'recipe',
    weightDecay: 0.05,
    derivation: { family: { kind: 'group', size: 2 } },
  });
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  expect(validate(rec)).toBe(true);
});

test('--format latex writes a subsection', () => {
  const r = runCli('recipe', 'nuclear', '--runs', '1', '--format', 'latex');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/\\subsection\*\{/);
});

const penalties = [['lp(k=3)'], ['schatten(k=2)'], ['group(size=2)']];
(pdflatexAvailable() ? test.each(penalties) : test.skip.each(penalties))(
  '--standalone LaTeX compiles with pdflatex: %s',
  (penalty) => {
    const r = runCli('recipe', penalty, '--runs', '1', '--format', 'latex', '--standalone');
    expect(r.code).toBe(0);
    const c = compileLatex(r.out);
    expect(c.errors).toBe('');
    expect(c.pdf).toBe(true);
  },
  60_000,
);

test('too few steps: inconclusive, exit 4', () => {
  expect(runCli('recipe', 'l1', '--runs', '1', '--steps', '3').code).toBe(4);
});

test.each([
  [['recipe', 'lp(p=3/2)'], /^noether: no reparametrisation family induces Σ_i \|w_i\|\^\(3\/2\)/],
  [['recipe', 'ridge'], /^noether: unknown penalty 'ridge'/],
  [['recipe'], /^noether: recipe needs one penalty/],
  [['recipe', 'l1', '--lambda=-1'], /^noether: --lambda must be a number in \(0, 100\], got '-1'/],
  [['recipe', 'l1', '--lambda', 'abc'], /^noether: --lambda must be a number/],
  [['recipe', 'l1', '--format', 'markdown'], /^noether: recipe cannot write markdown/],
  [['recipe', 'l1', '--arch', '2-2'], /^noether: recipe does not take --arch/],
])('%j: exit 2, one line', (args, message) => {
  const r = runCli(...args);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(message);
  expect(r.err.trim().split('\n')).toHaveLength(1);
});

test('prove lists and runs the recipe theorems', () => {
  const list = runCli('prove', '--list');
  expect(list.out).toMatch(/^sis-recipe-product /m);
  const r = runCli('prove', 'sis-recipe-group', 'sis-recipe-product');
  expect(r.code).toBe(0);
  expect(r.out).toContain('certificate: PROVED');
});
