/**
 * Browser test set-up: Chromium from Debian (installed here when missing and we are root),
 * driven by playwright-core; the console built if web/dist is missing or stale; one
 * screenshot per page kept in test-artifacts/screenshots/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ensureConsoleBuilt } from '../../web/scripts/ensure-built.ts';
import { testEngine } from '../helpers/engine.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const SCREENSHOTS = path.resolve('test-artifacts', 'screenshots');

function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0)
    throw new Error(`${CHROMIUM} is missing: install it with apt-get install chromium.`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', 'chromium'],
  ]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed`);
  }
}

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Saves a screenshot of the whole page as test-artifacts/screenshots/<name>.png. */
  shot(name: string, page?: Page): Promise<void>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<TestBrowser> {
  ensureChromium();
  await ensureConsoleBuilt();
  const profile = mkdtempSync(path.join(tmpdir(), 'gatehouse-chromium-'));
  const downloads = path.join(profile, 'downloads');
  mkdirSync(SCREENSHOTS, { recursive: true });
  // A persistent context on a fresh profile directory: nothing is shared between runs.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    downloadsPath: downloads,
    viewport: { width: 1280, height: 860 },
    acceptDownloads: true,
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return {
    context,
    page,
    async shot(name, p = page) {
      // Let transitions and notifications settle so the picture shows the page at rest.
      await p.waitForLoadState('networkidle');
      // The function runs in the page, where `window` exists; Node's types do not know it.
      await p.evaluate('window.scrollTo(0, 0)');
      await p.screenshot({
        path: path.join(SCREENSHOTS, `${testEngine()}-${name}.png`),
        fullPage: true,
        animations: 'disabled',
      });
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      if (errors.length > 0) throw new Error(`Errors in the page: ${errors.join('; ')}`);
    },
  };
}
