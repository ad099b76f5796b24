#!/usr/bin/env node
/**
 * `npm run figures`: regenerate the reports under docs/figures/ (after `npm run build`), and, when
 * chromium is installed, screenshots of their key figures as PNG for the README.
 *   rescale-sgd-iris.html    rescale under SGD with weight decay on iris (full batch and minibatch)
 *   neural-mechanics.html    a BatchNorm MLP trained on iris with SGD, weight decay and momentum:
 *                            scale, translation and rescale charges, measured vs predicted per layer
 *   unit-swap.html           a mirror: predicted threshold against observed collapse
 */
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, readdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const out = join(root, 'docs', 'figures');
const bin = join(root, 'dist', 'src', 'bin.js');

const REPORTS = [
  {
    name: 'rescale-sgd-iris',
    args: ['rescale', '--rule', 'sgd(lr=0.1, wd=0.01)', '--arch', '4-8-8-3:relu:ce', '--steps', '150'],
    shots: ['rescale-batch16-charges', 'rescale-batch16-layers'],
  },
  {
    name: 'neural-mechanics',
    args: [
      ...['scale', 'translation', 'rescale'],
      ...[
        '--arch',
        '4-8-8-3:relu:batch+affine:ce',
        '--rule',
        'momentum(lr=0.05, beta=0.9, wd=0.005)',
        '--steps',
        '150',
      ],
    ],
    shots: ['symmetries-batch16'],
  },
  { name: 'unit-swap', args: ['unit-swap', '--arch', '4-6-3:tanh:ce'], shots: ['unit-swap-collapse'] },
];

mkdirSync(out, { recursive: true });
for (const f of readdirSync(out)) if (/\.(html|csv|png)$/.test(f)) rmSync(join(out, f));
for (const r of REPORTS) {
  const file = join(out, `${r.name}.html`);
  process.stdout.write(`${r.name}: `);
  try {
    execFileSync('node', [bin, 'report', ...r.args, '-o', file], { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (e) {
    // Exit 4 (an inconclusive verdict somewhere) still writes the report; anything else is a failure.
    if (e.status !== 4) throw e;
  }
}

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!chromium) {
  console.log('no chromium: the PNG screenshots were not regenerated');
  process.exit(0);
}
(async () => {
  const puppeteer = require('puppeteer-core');
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ['--no-sandbox'],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 900, deviceScaleFactor: 1 });
  for (const r of REPORTS) {
    await page.goto(`file://${join(out, `${r.name}.html`)}`, { waitUntil: 'load' });
    // eslint-disable-next-line no-undef -- runs in the page
    await page.evaluate(() => document.fonts.ready);
    for (const plot of r.shots) {
      const el = await page.$(`figure.plot[data-plot="${plot}"]`);
      if (!el) throw new Error(`${r.name}.html has no plot ${plot}`);
      await el.screenshot({ path: join(out, `${r.name}.${plot}.png`) });
      console.log(`wrote docs/figures/${r.name}.${plot}.png`);
    }
  }
  await browser.close();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
