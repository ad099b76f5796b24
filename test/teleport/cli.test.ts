/** `noether teleport` on the command line: the report, its JSON record, its exit codes and its input errors. */
import Ajv from 'ajv';
import schema from '../../schema/output.schema.json';
import { runCli } from '../helpers/cli';

const quick = ['--runs', '2', '--steps', '20', '--every', '10'];

test('rescale on penguins: both laws verified (exit 0), the speed-up and one line per seed', () => {
  const r = runCli('teleport', 'rescale', '--data', 'penguins', ...quick);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/^teleport: rescale on 4-16-16-3:relu:ce \(32 sites, one group parameter each\)\n/);
  expect(r.out).toContain('data: Palmer penguins');
  expect(r.out).toMatch(
    /1\. The loss is unchanged along the orbit\n.*\n {3}verdict: numerically verified \(\d+ points/,
  );
  expect(r.out).toMatch(/2\. Each teleport moves the charge .*\n.*\n {3}verdict: numerically verified/);
  expect(r.out).toMatch(/speed-up \(iterations without \/ with teleports, 2 seeds\): median /);
  expect(r.out.match(/^ {2}seed \d+: threshold /gm)).toHaveLength(2);
});

test('--format json prints one teleport-report record that the output schema accepts', () => {
  const r = runCli('teleport', 'rescale', '--format', 'json', ...quick);
  expect(r.code).toBe(0);
  const rec = JSON.parse(r.out) as { kind: string; runs: unknown[]; data: string };
  expect(rec).toMatchObject({ kind: 'teleport-report', data: expect.stringMatching(/^sampled: 64 rows/) });
  expect(rec.runs).toHaveLength(2);
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  expect(validate(rec)).toBe(true);
});

test('a declaration that is not a symmetry of the network is refuted (exit 1) and nothing is teleported', () => {
  const r = runCli('teleport', 'examples/rescale-wrong-exponent.yaml', ...quick);
  expect(r.code).toBe(1);
  expect(r.out).toMatch(
    /verdict: refuted \(the declared action changes the loss: not a symmetry of this network;/,
  );
  expect(r.out).toMatch(/counterexample at seed 1, teleport at step 0, layer 1, unit \d+, a = /);
  expect(r.out).toContain(
    'speed-up: not measured (the loss moved along the declared orbit: no teleport was made)',
  );
});

test.each([
  [['teleport'], /^noether: teleport needs one symmetry/],
  [['teleport', 'rescale', 'scale'], /^noether: teleport needs one symmetry/],
  [['teleport', 'mirror-swap'], /is a mirror declaration; teleport moves along the orbit/],
  [['teleport', 'gl', '--arch', '4-8-3:linear:ce'], /acts through the constant E \(a matrix group\)/],
  [['teleport', 'rescale', '--arch', '4-8-3:tanh:ce'], /this 4-8-3 tanh network has none/],
  [['teleport', 'rescale', '--data', 'mnist'], /unknown data set 'mnist'/],
  [['teleport', 'rescale', '--data', 'iris', '--arch', '5-8-3:relu:ce'], /--arch needs 4 inputs, 3 outputs/],
  [['teleport', 'rescale', '--rule', 'gf(wd=0)'], /descends with sgd, momentum or adam/],
  [['teleport', 'rescale', '--rule', 'sgd(lr=eta)'], /needs a number for lr/],
  [['teleport', 'rescale', '--every', '0'], /--every must be an integer ≥ 1/],
  [['teleport', 'rescale', '--format', 'markdown'], /teleport cannot write markdown/],
  [['teleport', 'rescale', '--batch', '4'], /teleport does not take --batch/],
])('%j: one line, exit 2', (args, message) => {
  const r = runCli(...args);
  expect(r.code).toBe(2);
  expect(r.out).toBe('');
  expect(r.err).toMatch(message);
  expect(r.err.trim().split('\n')).toHaveLength(1);
});
