/**
 * `--arch transformer:…` and `--arch cnn:…`: the spec's tokens fix exactly those fields of the
 * sampled graph models (read back from the sampled graphs' shapes), malformed specs are one-line
 * input errors, and a spec for one kind of model leaves out the site kinds of another.
 */
import fc from 'fast-check';
import { ArchError, parseArch } from '../src/arch';
import { graphSiteCase } from '../numeric/graph/sites';
import { checkDeclaration } from '../src/check/block';
import { loadCatalog } from '../src/catalog';
import type { BlockDeclaration } from '../src/declaration/types';
import { UserInputError } from '../numeric/errors';

const shapeOf = (
  c: { graph: { params: readonly { name: string; shape: readonly number[] }[] } },
  name: string,
) => c.graph.params.find((p) => p.name === name)!.shape;

describe('graph architecture specs', () => {
  it('a transformer spec fixes tokens, width, heads and head size of every sampled block', () => {
    const { graph } = parseArch('transformer:t5:d6:h3x2:causal:gelu:n2:o4', { graph: true });
    expect(graph).toMatchObject({
      kind: 'transformer',
      tokens: 5,
      dim: 6,
      heads: 3,
      headDim: 2,
      causal: true,
    });
    fc.assert(
      fc.property(graphSiteCase('attention-qk', graph), (c) => {
        expect(c.graph.input).toEqual([2, 5, 6]);
        expect(shapeOf(c, 'W_Q')).toEqual([6, 6]);
        expect(shapeOf(c, 'W_out')).toEqual([4, 6]);
        expect(c.architecture).toMatch(/3×2 heads f\d+ gelu causal/);
      }),
      { numRuns: 20, seed: 3 },
    );
  });
  it('a cnn spec fixes the input and every conv', () => {
    const { graph } = parseArch('cnn:2x7x7:c3k3s1:c5k2s2:leaky:mse:o2', { graph: true });
    fc.assert(
      fc.property(graphSiteCase('conv-channel', graph), (c) => {
        expect(c.graph.input.slice(1)).toEqual([2, 7, 7]);
        expect(shapeOf(c, 'conv1')).toEqual([3, 2, 3, 3]);
        expect(shapeOf(c, 'conv2')).toEqual([5, 3, 2, 2]);
        expect(c.graph.target[1]).toBe(2);
      }),
      { numRuns: 20, seed: 4 },
    );
  });
  it.each([
    ['transformer:t4:q7', /unknown token 'q7'/],
    ['transformer:t4:t5', /fixes tokens twice/],
    ['transformer:t0', /a size from 1/],
    ['cnn:1x8x8:c4k9s1', /a size from 1 to 7/],
    ['cnn:3x300x300', /above the 65536/],
    ['transformer:d512:h16x512', /above/],
  ])('refuses %s in one line', (spec, message) => {
    expect(() => parseArch(spec, { graph: true })).toThrow(ArchError);
    expect(() => parseArch(spec, { graph: true })).toThrow(message);
  });
  it('only check takes a graph spec', () => {
    expect(() => parseArch('transformer:t4')).toThrow(/taken by check only/);
  });
  it('a spec for one model leaves out the site kinds of the others', () => {
    const qk = loadCatalog('attention-qk') as BlockDeclaration;
    const rescale = loadCatalog('rescale') as BlockDeclaration;
    const cnn = parseArch('cnn:1x6x6', { graph: true });
    expect(() => checkDeclaration(qk, { runs: 2, arch: cnn })).toThrow(UserInputError);
    expect(() =>
      checkDeclaration(rescale, { runs: 2, arch: parseArch('cnn:1x6x6:bn:r0', { graph: true }) }),
    ).toThrow(
      /no cnn allowed by the architecture spec has a residual-channel site \(it needs .*residual blocks/,
    );
    const report = checkDeclaration(qk, {
      runs: 10,
      arch: parseArch('transformer:t3:d4:h2x2', { graph: true }),
    });
    expect(report.verdict.kind).toBe('numerically-verified');
  });
});
