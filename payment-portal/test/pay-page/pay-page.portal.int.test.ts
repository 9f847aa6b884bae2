import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { PayPageView } from '../../src/pay-page/index.js';
import { mine, startChain, type ChainFixture } from '../support/chain-fixture.js';
import { startPortal, waitForInvoice, type PortalFixture } from '../support/portal-fixture.js';
import { launchChromium, type Chromium } from './browser-harness.js';

// The real portal on anvil with Circle's USDC, the page as it serves it (CSP header included).
// Code that runs in the page is written as strings: the repository's tsconfig has no DOM types.

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/pay-page/', import.meta.url));

let chain: ChainFixture;
let p: PortalFixture;
let chromium: Chromium;

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  chain = await startChain();
  p = await startPortal(chain, { confirmations: 1 });
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await p?.close();
  await chain?.close();
});

async function openInvoice(): Promise<string> {
  const host = new URL(p.portal.publicUrl).host;
  const ref = p.payLink({
    host,
    scheme: 'http',
    resource: '/premium',
    originalUri: '/premium',
    request: p.wire(),
  });
  return `${p.portal.publicUrl}/_402/pay?ref=${ref}`;
}

async function waitFor(page: Page, expression: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // A navigation (the page reloads itself after a partial payment) fails one evaluation: retry.
  while (!(await page.evaluate(expression).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Chromium, anvil and the portal share two cores with other suites: allow for a slow machine.
jest.setTimeout(120_000);

describe('pay page served by the real portal', () => {
  it('pays ETH (not USDC) with the dev account from the page, follows SSE to paid and completes', async () => {
    const page = await chromium.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (msg) => {
      // With the resource's address: "Failed to load resource" alone does not say which one.
      if (msg.type() === 'error') problems.push(`${msg.text()} (${msg.location().url || page.url()})`);
    });
    const response = await page.goto(await openInvoice());
    expect(response?.headers()['content-security-policy']).toMatch(/^default-src 'none'; script-src 'nonce-/);
    await waitFor(page, `/^\\d+:\\d\\d$/.test(document.querySelector('#tp-expiry').textContent)`);
    await page.screenshot({ path: `${ARTIFACTS}portal-desktop-1280.png`, fullPage: true });
    await page.setViewportSize({ width: 375, height: 800 });
    await page.screenshot({ path: `${ARTIFACTS}portal-mobile-375.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    const id = page.url().split('/').at(-1) ?? '';
    // Both offers are on anvil: the ETH one must be the one paid.
    await page.click('.tp-choice:has-text("ETH") input');
    const index = await page.$eval('input[name="tp-network"]:checked', (el) => el.getAttribute('value'));
    const completed = page.waitForRequest((req) => req.url().endsWith(`/_402/invoices/${id}/complete`), {
      timeout: 60_000,
    });
    await page.click(`[data-devpay="${index}"]`);
    // The payment's own block may already be enough: mine one more only if it is still confirming.
    await waitFor(
      page,
      `location.pathname.endsWith('/complete') || ['confirming', 'paid'].includes(document.querySelector('#tp-status')?.dataset.state)`,
    );
    if (!page.url().endsWith('/complete')) await mine(chain, 1);
    await completed;
    // Completing redirects (303) to the resource paid for. This portal-only test has no upstream
    // behind it, so that page is the portal's 404: expected, and the only load allowed to fail.
    const resource = `${p.portal.publicUrl}/premium`;
    await page.waitForURL(resource, { timeout: 60_000 });

    const view = (await waitForInvoice(
      p.portal.publicUrl,
      id,
      (v) => v.invoice.status !== 'pending',
    )) as unknown as PayPageView;
    const paid = Object.fromEntries(view.offers.map((o) => [o.asset.symbol, o.received]));
    expect(paid).toEqual({ ETH: '0.001', USDC: '0' });
    expect(
      problems.filter((m) => !(m.startsWith('Failed to load resource') && m.endsWith(`(${resource})`))),
    ).toEqual([]);
    // The page is closed with the browser in afterAll.
  });
});
