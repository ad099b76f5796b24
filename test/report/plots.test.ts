/**
 * Plots: the synchronous SVG path against Vega's own `View.toSVG`, the CSV writer against RFC 4180
 * quoting and the metadata header, the fitted log-log slope against exact power laws.
 */
import { plotCsv, renderPlots, vegaLiteSpec, type Plot } from '../../src/report/plots';
import { logSlope } from '../../src/report/figures';

const plot = (rows: Plot['rows'], spec: Plot['spec'] = {}): Plot => ({
  kind: 'plot',
  name: 'p',
  title: 'a plot',
  caption: '',
  spec: {
    width: 200,
    height: 100,
    mark: 'line',
    encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
    ...spec,
  },
  rows,
  meta: { architecture: '4-8-3', seed: '7' },
});

test("the synchronous renderer gives Vega's own View.toSVG, byte for byte", async () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const vega = require('vega') as typeof import('vega');
  const vl = require('vega-lite') as typeof import('vega-lite');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const plots = [
    plot(Array.from({ length: 30 }, (_, i) => ({ x: i, y: Math.exp(-0.1 * i) }))),
    plot(
      Array.from({ length: 20 }, (_, i) => ({ x: i, y: i % 7, c: `s${i % 3}` })),
      {
        mark: 'point',
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative' },
          color: { field: 'c' },
        },
      },
    ),
  ];
  const sync = renderPlots(plots);
  for (const [i, p] of plots.entries()) {
    const view = new vega.View(vega.parse(vl.compile(vegaLiteSpec(p) as never).spec), { renderer: 'none' });
    expect(sync[i]!.svg).toBe(await view.toSVG());
    view.finalize();
  }
  expect(sync[0]!.svg).toMatch(/^<svg /);
});

test('CSV: a metadata header, every column, RFC 4180 quoting, non-finite numbers as empty cells', () => {
  const csv = plotCsv(
    plot([
      { x: 1, y: 'a, "b"' },
      { x: NaN, z: true },
      { x: 2, y: 'line\nbreak' },
    ]),
  );
  expect(csv).toBe(
    [
      '# plot: a plot',
      '# architecture: 4-8-3',
      '# seed: 7',
      'x,y,z',
      '1,"a, ""b""",',
      ',,true',
      '2,"line\nbreak",',
      '',
    ].join('\n'),
  );
});

test('the fitted slope of an exact power law is its exponent; points at or below the floor are left out', () => {
  const etas = [0.1, 0.05, 0.025, 0.0125];
  expect(
    logSlope(
      etas,
      etas.map((e) => 3 * e ** 2),
      0,
    ),
  ).toBeCloseTo(2, 12);
  expect(
    logSlope(
      etas,
      etas.map((e) => 0.5 * e),
      0,
    ),
  ).toBeCloseTo(1, 12);
  expect(logSlope(etas, [1e-3, 2.5e-4, 1e-20, 1e-20], 1e-15)).toBeCloseTo(2, 12);
  expect(logSlope(etas, [1e-3, 1e-20, 1e-20, 1e-20], 1e-15)).toBeUndefined();
});
