/**
 * A real browser for the report tests: Debian's chromium driven by puppeteer-core (headless). In CI
 * it is installed (`.ci/run`), so a missing browser fails the run; elsewhere the tests that need it
 * skip with a visible message.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'puppeteer-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const inCI = process.env['CI'] === 'true';

/** The browser's executable, or undefined (a visible skip outside CI, an error in CI). */
export function chromiumPath(): string | undefined {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (found) return found;
  if (inCI) throw new Error(`CI needs chromium (one of ${CANDIDATES.join(', ')}), installed by .ci/run`);
  console.warn(
    'SKIPPED: no chromium found (installed by .ci/run in CI); the report is not opened in a browser',
  );
  return undefined;
}

/** Launch headless chromium (no sandbox: CI runs as root in a container). */
export async function launch(executablePath: string): Promise<Browser> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const puppeteer = require('puppeteer-core') as typeof import('puppeteer-core');
  return puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}
