/** `noether laws` on the command line: output, exit codes, refusals (one line, exit 2). */
import { main } from '../src/cli/main';
import { parseJsonStream } from './helpers/jsonStream';
import type { LawsReport } from '../src/laws';

function run(...args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(args, { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
  return { code, out, err };
}

describe('noether laws', () => {
  it('--arch 4-3-5:linear: D, the Lie rank, six proved laws, complete, the symmetries behind them (exit 0)', () => {
    const r = run('laws', '--arch', '4-3-5:linear');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/parameters: D = 35; generating fields: 25/);
    expect(r.out).toMatch(/upper bound: at most D − 29 = 6 independent conservation laws/);
    expect(r.out).toMatch(/complete \(proved\): the 6 laws are all/);
    expect(r.out).toMatch(/dim g = 12, dim \[g, g\] = 11/);
    expect(r.out).toMatch(/laws that are charges of linear symmetries \(X = ∇h\): 1, 2, 3, 4, 5, 6/);
  });
  it('a gap is reported with its reason, and exits 4 (inconclusive)', () => {
    const r = run('laws', '--arch', '4-3-5:linear', '--degree', '1');
    expect(r.code).toBe(4);
    expect(r.out).toMatch(
      /incomplete: 0 found, at most 6 exist — 6 more independent laws may exist: of degree above 1/,
    );
  });
  it('JSON: a laws record with the bounds and the laws', () => {
    const [rec] = parseJsonStream(
      run('laws', '--arch', '3-2-2:relu', '--format', 'json').out,
    ) as LawsReport[];
    expect(rec).toMatchObject({
      kind: 'laws',
      parameters: 14,
      lieDimension: 12,
      upperBound: 2,
      complete: true,
    });
    expect(rec!.laws.map((l) => l.verdict)).toEqual(['proved', 'proved']);
  });
  it('the same seed gives the same report; another seed the same counts', () => {
    const a = run('laws', 'examples/shear.yaml', '--seed', '5').out;
    expect(run('laws', 'examples/shear.yaml', '--seed', '5').out).toBe(a);
    expect(run('laws', 'examples/shear.yaml', '--seed', '6').out).toMatch(
      /complete \(proved\): the 3 laws are all/,
    );
  });
  it.each([
    [['laws', 'rescale'], /'rescale' is a block declaration; laws takes a concrete declaration/],
    [['laws', 'examples/relu-rescale.yaml'], /not a polynomial \(relu\)/],
    [['laws', '--arch', '4-3-5:tanh'], /tanh is not polynomial/],
    [['laws', '--arch', '4-3-5:relu:batch'], /normalised layers are not polynomial/],
    [['laws'], /laws needs --arch SPEC/],
    [['laws', '--arch', '4-3-5', 'examples/shear.yaml'], /either --arch SPEC or declarations/],
    [
      ['laws', '--arch', '4-3-5', '--format', 'markdown', '--standalone'],
      /--standalone .* needs --format latex/,
    ],
    [['laws', '--arch', '4-3-5', '--degree', '5'], /--degree must be at most 4/],
    [['laws', '--arch', '4-3-5', '--runs', '3'], /runs/],
    [['laws', '--arch', 'attention:d4'], /heads h<heads>x<head dim> are missing/],
    [['laws', '--arch', 'attention:d4:h2x2:relu'], /unknown token 'relu'/],
    [['laws', '--arch', 'attention:d99:h1x1'], /the width d 99 is outside 1…16/],
    [['laws', '--arch', 'attention:d16:h8x16'], /8192 parameters, over the limit 1200/],
  ])('refuses %j with one line and exit 2', (args, message) => {
    const r = run(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
  it('--arch attention:d3:h2x2 --format json: a laws record, 12 laws proved complete (exit 0)', () => {
    const r = run('laws', '--arch', 'attention:d3:h2x2', '--format', 'json');
    expect(r.code).toBe(0);
    const [rec] = parseJsonStream(r.out) as LawsReport[];
    expect(rec).toMatchObject({
      kind: 'laws',
      parameters: 48,
      lieDimension: 36,
      upperBound: 12,
      complete: true,
    });
    expect(rec!.laws[0]!.expression).toMatch(/W_Q\[1,1\]/);
    expect(run('laws', '--arch', 'attention:d3:h2x2').out).toMatch(
      /complete \(proved\): the 12 laws are all/,
    );
  });
});
