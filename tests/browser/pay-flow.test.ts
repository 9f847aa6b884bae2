/**
 * A person pays in Chromium, through real NGINX running the shipped integrations/nginx config:
 * /premium → the 402 page → the pay page → the dev account pays on anvil (1 s blocks) → the page
 * shows confirming, then paid → back on /premium with the content. Once with USDC (Circle's
 * FiatTokenV2_2), once with the chain's coin, each in a fresh browser context.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { tokenCookieName } from '@turnpike/protocol';
import { launchChromiumBrowser } from '../support/browser.js';
import {
  CONFIRMATIONS,
  ETH_PRICE_WEI,
  NETWORK,
  PREMIUM_MARKER,
  USDC_PRICE_ATOMIC,
  startBrowserStack,
  type BrowserStack,
} from './stack.js';

const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-artifacts');
const INVOICE_PAGE = /\/_402\/invoices\/[A-Za-z0-9_-]+$/;
// Generous: a payment needs its block and CONFIRMATIONS more (1 s each), the watcher polls every
// 250 ms.
const PAYMENT_TIMEOUT_MS = 45_000;

// Runs in every page before its own scripts (CDP injects it, so the pay page's CSP does not
// apply): reports each change of the live status region, so no state is missed between polls.
const STATUS_RECORDER = `
document.addEventListener('DOMContentLoaded', function () {
  var el = document.getElementById('tp-status');
  if (!el) return;
  var report = function () { window.__tpStatus(el.getAttribute('data-state') || '', el.textContent || ''); };
  report();
  new MutationObserver(report).observe(el, { attributes: true, childList: true, characterData: true, subtree: true });
});`;

interface Case {
  symbol: 'USDC' | 'ETH';
  price: string;
  screenshot: string;
}

const CASES: Case[] = [
  { symbol: 'USDC', price: '1 USDC', screenshot: 'pay-page-usdc.png' },
  { symbol: 'ETH', price: '0.001 ETH', screenshot: 'pay-page-eth.png' },
];

describe('paying in Chromium through NGINX and the shipped config', () => {
  let stack: BrowserStack | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    stack = await startBrowserStack();
    browser = await launchChromiumBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await stack?.close();
  }, 60_000);

  it.each(CASES)(
    'pays $symbol on the pay page and comes back to /premium with a scoped HttpOnly cookie',
    async ({ symbol, price, screenshot }) => {
      const s = stack!;
      const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      try {
        await payThrough(s, context, page, { symbol, price, screenshot });
      } catch (err) {
        // Leave what the person saw next to the failure.
        await page
          .screenshot({
            path: path.join(ARTIFACTS, `pay-flow-${symbol.toLowerCase()}-failure.png`),
            fullPage: true,
          })
          .catch(() => undefined);
        const text = await page
          .locator('body')
          .innerText()
          .catch(() => '(no page text)');
        throw new Error(`${(err as Error).message}\n--- page ${page.url()} ---\n${text}`, { cause: err });
      } finally {
        await context.close();
      }
    },
    150_000,
  );
});

async function payThrough(s: BrowserStack, context: BrowserContext, page: Page, c: Case): Promise<void> {
  const states: Array<{ state: string; text: string }> = [];
  await context.exposeBinding('__tpStatus', (_source, state: string, text: string) => {
    states.push({ state, text });
  });
  await context.addInitScript(STATUS_RECORDER);
  const navigations: Array<{ url: string; status: number }> = [];
  page.on('response', (r) => {
    if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) {
      navigations.push({ url: r.url(), status: r.status() });
    }
  });

  // 1. The protected page answers 402 with the HTML page whose meta refresh leads to the portal.
  const first = await page.goto(`${s.baseUrl}/premium`, { waitUntil: 'commit' });
  expect(first?.status()).toBe(402);
  expect(first?.headers()['content-type']).toMatch(/^text\/html/);
  expect(first?.headers()['x-402-reason']).toBe('token_missing');
  // A browser does not follow Location on a 402: reaching /_402/pay below is the page's own meta
  // refresh (its body cannot be read once the page has navigated away).
  expect(first?.headers().location).toMatch(/^\/_402\/pay\?ref=[\w.-]+$/);

  // 2. The pay page (through /_402/pay?ref=…, which creates the invoice and 303s to it).
  await page.waitForURL(INVOICE_PAGE, { timeout: 30_000 });
  await page.waitForLoadState('load');
  expect(navigations.find((n) => n.url.includes('/_402/pay?ref='))?.status).toBe(303);
  const status = page.locator('#tp-status');
  expect(await status.getAttribute('data-state')).toBe('waiting');
  expect(await page.locator('h1').innerText()).toContain('127.0.0.1/premium');
  const choices = page.locator('input[name="tp-network"]');
  expect(await choices.count()).toBe(2);
  const labels = await page.locator('label.tp-choice').allInnerTexts();
  // In the order the app declared its offers, each with the chain's name.
  expect(labels.map((l) => l.replace(/\s+/g, ' ').trim())).toEqual([
    'Local dev chain 1 USDC',
    'Local dev chain 0.001 ETH',
  ]);

  // 3. Choose the offer; its panel shows the price, a unique address, and a QR code.
  const choice = page.locator('label.tp-choice', { hasText: c.price });
  await choice.locator('input').check();
  const index = await choice.locator('input').getAttribute('value');
  const panel = page.locator(`#tp-offer-${index}`);
  await panel.waitFor({ state: 'visible' });
  expect(await panel.locator('.tp-amount').innerText()).toContain(c.price);
  const payTo = (await panel.locator('code.tp-mono').innerText()).trim();
  expect(payTo).toMatch(/^0x[0-9a-fA-F]{40}$/);
  expect(await panel.locator('figure.tp-qr svg').count()).toBe(1);
  expect(await page.locator('.tp-offer:visible').count()).toBe(1);
  await page.screenshot({ path: path.join(ARTIFACTS, c.screenshot), fullPage: true });

  // 4. Pay with the dev account; the live status goes to confirming, then paid, then the page
  //    redirects through /_402/invoices/:id/complete (which sets the cookie) back to /premium.
  await panel.getByRole('button', { name: 'Pay with dev account' }).click();
  await page.waitForURL(`${s.baseUrl}/premium`, { timeout: PAYMENT_TIMEOUT_MS });
  await page.locator('h1', { hasText: PREMIUM_MARKER }).waitFor({ timeout: 10_000 });
  expect(navigations.at(-1)).toEqual({ url: `${s.baseUrl}/premium`, status: 200 });
  expect(navigations.some((n) => /\/_402\/invoices\/[^/]+\/complete$/.test(n.url) && n.status === 303)).toBe(
    true,
  );

  const seen = states.map((x) => x.state);
  const confirming = states.findIndex((x) => x.state === 'confirming');
  expect(confirming).toBeGreaterThanOrEqual(0);
  expect(states[confirming]!.text).toMatch(
    new RegExp(
      `^Confirming on Local dev chain \\([0-${CONFIRMATIONS - 1}] of ${CONFIRMATIONS} confirmations\\)\\.$`,
    ),
  );
  expect(seen.indexOf('paid')).toBeGreaterThan(confirming);
  expect(seen[0]).toBe('waiting');
  expect(seen.filter((x) => !['waiting', 'seen', 'confirming', 'paid'].includes(x))).toEqual([]);
  expect(states.some((x) => x.state === 'paid' && /Redirecting to 127\.0\.0\.1\/premium/.test(x.text))).toBe(
    true,
  );

  // 5. The asset chosen is the one that arrived at the offer's address.
  const [tokenBalance, coinBalance] = await Promise.all([
    s.usdc.balanceOf(payTo),
    s.provider.getBalance(payTo),
  ]);
  if (c.symbol === 'USDC') {
    expect({ tokenBalance, coinBalance }).toEqual({ tokenBalance: USDC_PRICE_ATOMIC, coinBalance: 0n });
  } else {
    expect({ tokenBalance, coinBalance }).toEqual({ tokenBalance: 0n, coinBalance: ETH_PRICE_WEI });
  }

  // 6. The cookies: HttpOnly, SameSite=Lax, scoped to the resource. Secure is false only because
  //    this runs over http: the portal adds Secure when the original scheme is https (asserted
  //    in payment-portal/test/portal-http.int.test.ts).
  const cookies = await context.cookies(`${s.baseUrl}/premium`);
  const scoped = cookies.find((k) => k.name === tokenCookieName('/premium'));
  const plain = cookies.find((k) => k.name === tokenCookieName());
  for (const cookie of [scoped, plain]) {
    expect(cookie).toMatchObject({
      domain: '127.0.0.1',
      path: '/premium',
      httpOnly: true,
      sameSite: 'Lax',
      secure: false,
    });
  }
  expect(await context.cookies(`${s.baseUrl}/other`)).toEqual([]);
  // aud is the host without the port: the shipped NGINX config forwards `Host $host`.
  const claims = decodeJwt(scoped!.value);
  expect(claims).toMatchObject({ aud: '127.0.0.1', resource: '/premium', plan: 'premium' });
  expect((claims.pay as { network?: string } | undefined)?.network).toBe(NETWORK);

  // 7. The token keeps working: the page opens again straight away.
  const again = await page.reload();
  expect(again?.status()).toBe(200);
  expect(await page.locator('h1').innerText()).toBe(PREMIUM_MARKER);
}
