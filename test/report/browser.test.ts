/// <reference lib="dom" />
/**
 * The reports opened in a real browser (headless chromium): no console error, no request leaving
 * the page (it is self-contained), no KaTeX error node, every plot drawn with its marks and axis
 * titles, and a screenshot that is not blank.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { runCli } from '../helpers/cli';
import { chromiumPath, launch } from '../helpers/browser';

const chromium = chromiumPath();
const dir = mkdtempSync(join(tmpdir(), 'noether-report-'));
let browser: Browser | undefined;

const REPORTS: readonly { name: string; args: readonly string[]; plots: number; axis: string }[] = [
  {
    name: 'rescale-sgd',
    args: ['rescale', '--rule', 'sgd(lr=0.1, wd=0.01)', '--steps', '40', '--runs', '3'],
    plots: 12,
    axis: 'step k',
  },
  {
    name: 'bn-momentum',
    args: [
      'scale',
      'translation',
      '--arch',
      '4-8-8-3:relu:batch+affine:ce',
      '--rule',
      'momentum(lr=0.05, beta=0.9, wd=0.001)',
      '--steps',
      '30',
      '--runs',
      '3',
      '--data',
      'penguins',
    ],
    plots: 25,
    axis: 'step k',
  },
  {
    name: 'gf',
    args: ['rescale', '--arch', '4-6-3:linear:ce', '--rule', 'gf(wd=0.05)', '--steps', '10', '--runs', '3'],
    plots: 6,
    axis: 'time t',
  },
  {
    name: 'mirror',
    args: ['unit-swap', '--arch', '4-6-3:tanh:ce', '--runs', '3'],
    plots: 1,
    axis: 'predicted threshold γ*',
  },
];

beforeAll(async () => {
  if (chromium) browser = await launch(chromium);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

const maybe = chromium ? test : test.skip;

describe.each(REPORTS)('report $name in headless chromium', ({ name, args, plots, axis }) => {
  maybe(
    'renders: no console error, no network request, no KaTeX error, every plot with marks and axes, not blank',
    async () => {
      const file = join(dir, `${name}.html`);
      const r = runCli('report', ...args, '-o', file);
      expect(r.err).toBe('');
      expect([0, 4]).toContain(r.code);
      expect(readFileSync(file, 'utf8')).toMatch(/^<!DOCTYPE html>/);
      const page = await browser!.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warn') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`));
      await page.setRequestInterception(true);
      page.on('request', (req) => {
        if (req.url().startsWith('file:') || req.url().startsWith('data:')) void req.continue();
        else {
          problems.push(`request: ${req.url()}`);
          void req.abort();
        }
      });
      await page.setViewport({ width: 1200, height: 900 });
      await page.goto(`file://${file}`, { waitUntil: 'load' });
      await page.evaluate(() => document.fonts.ready);
      expect(problems).toEqual([]);
      expect(await page.$$eval('.katex-error', (x) => x.length)).toBe(0);
      expect(await page.$$eval('.katex', (x) => x.length)).toBeGreaterThan(3);
      const figures = await page.$$eval('figure.plot', (fs) =>
        fs.map((f) => ({
          marks: f.querySelectorAll(
            'svg .mark-line path, svg .mark-symbol path, svg .mark-rect path, svg .mark-group path',
          ).length,
          text: Array.from(f.querySelectorAll('svg text')).map((t) => t.textContent ?? ''),
          width: f.querySelector('svg')!.getBoundingClientRect().width,
        })),
      );
      expect(figures).toHaveLength(plots);
      for (const f of figures) {
        expect(f.marks).toBeGreaterThan(0);
        expect(f.width).toBeGreaterThan(100);
        expect(f.text.length).toBeGreaterThan(4);
      }
      expect(figures.some((f) => f.text.includes(axis))).toBe(true);
      // Not blank: the screenshot has many colours (a blank page has one).
      const shot = Buffer.from(await page.screenshot({ fullPage: false })).toString('base64');
      const colours = await page.evaluate(async (b64) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const c = document.createElement('canvas');
        [c.width, c.height] = [img.width, img.height];
        const ctx = c.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        const d = ctx.getImageData(0, 0, c.width, c.height).data;
        const seen = new Set<number>();
        for (let i = 0; i < d.length; i += 4) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
        return seen.size;
      }, shot);
      expect(colours).toBeGreaterThan(50);
      await page.close();
    },
    240_000,
  );
});
