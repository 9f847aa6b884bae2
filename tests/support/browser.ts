/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser), headless, with a
 * fresh throw-away profile per launch.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function assertChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: run scripts/test-deps (apt-get install chromium)`,
    );
  }
}

/**
 * Launches Chromium (no persistent profile: every `browser.newContext()` starts with no cookies
 * and no storage). Fails loudly when Chromium is missing. Close it with `browser.close()`.
 */
export async function launchChromiumBrowser(): Promise<Browser> {
  assertChromium();
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
}

export interface LaunchedBrowser {
  context: BrowserContext;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

/** Launches Chromium with a new temporary user-data-dir. Fails loudly when Chromium is missing. */
export async function launchChromium(
  opts: { viewport?: { width: number; height: number } } = {},
): Promise<LaunchedBrowser> {
  assertChromium();
  const profile = await mkdtemp(join(tmpdir(), 'turnpike-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: opts.viewport ?? { width: 1280, height: 900 },
      timeout: 30_000,
    });
    return {
      context,
      async close() {
        await context.close().catch(() => undefined);
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
}
