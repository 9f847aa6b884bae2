/**
 * Must show: the operator dashboard in real Chromium (Debian's, through playwright-core) shows the
 * revenue of a scripted day of payments across two sites and two assets (payment-portal/test/admin/
 * scripted-day.ts: real payments on anvil with Circle's USDC, credited by the portal's watcher into
 * PostgreSQL), and every number shown equals the database's own sums, at desktop (1280×800) and
 * phone (390×844) widths. Screenshots are kept under test-artifacts/. The page's CSP is present and
 * blocks nothing it serves; a wrong token is refused; the dashboard is not on the public listener.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { formatAtomic } from '@turnpike/protocol';
import {
  databaseRevenue,
  runScriptedDay,
  SCRIPT,
  type ScriptedDay,
} from '../../payment-portal/test/admin/scripted-day.js';
import { launchChromiumBrowser } from '../support/browser.js';

const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-artifacts');
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;
const SECTIONS = [
  'Revenue per day',
  'Watchers',
  'Settlement failures',
  'Recent invoices',
  'Recent payments',
  'Late payments',
  'Overpaid payments',
  'Payments to expired invoices',
  'Open credit balances',
];

let day: ScriptedDay;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  day = await runScriptedDay();
  browser = await launchChromiumBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await day?.close();
}, 60_000);

/** What the page shows for an asset: the registry's decimals and symbol (anvil: ETH 18, USDC 6). */
function shown(asset: string, atomic: string): string {
  return asset === 'native'
    ? `${formatAtomic(BigInt(atomic), 18)} ETH`
    : `${formatAtomic(BigInt(atomic), 6)} USDC`;
}

/** Signs in through the form; returns the CSP problems the console reported along the way. */
async function signIn(page: Page, token: string): Promise<number> {
  await page.goto(`${day.portal.portal.adminUrl}/dashboard`);
  expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in');
  await page.fill('input[name="token"]', token);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/dashboard/sign-in')),
    page.click('button[type="submit"]'),
  ]);
  await page.waitForLoadState('load');
  return response.status();
}

describe('the operator dashboard in Chromium', () => {
  it.each(VIEWPORTS)(
    'shows the scripted day equal to the database sums at $name width ($width×$height)',
    async (viewport) => {
      const context = await browser.newContext({
        viewport: { width: viewport.width, height: viewport.height },
      });
      const page = await context.newPage();
      const cspProblems: string[] = [];
      page.on('console', (m) => {
        if (/Content.Security.Policy|Refused to/i.test(m.text())) cspProblems.push(m.text());
      });
      const failed: string[] = [];
      page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
      try {
        // A wrong token is refused and shown as such; the right one signs in.
        expect(await signIn(page, 'not-the-admin-token-0000')).toBe(401);
        await expect(page.locator('[data-reason="dashboard_sign_in_failed"]').count()).resolves.toBe(1);
        expect(await signIn(page, day.portal.adminToken)).toBe(303);
        expect(new URL(page.url()).pathname).toBe('/dashboard');
        const response = await page.reload();
        const csp = response!.headers()['content-security-policy'] ?? '';
        expect(csp).toContain("default-src 'none'");
        expect(csp).toContain("style-src 'self'");
        // The stylesheet applied (CSP let it through): the body background is the dashboard's.
        expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe(
          'rgb(243, 244, 246)',
        );

        for (const title of SECTIONS)
          await expect(page.locator('h2', { hasText: title }).count()).resolves.toBe(1);

        // Every chart and total equals the database's sum over the shown range.
        const revenue = page.locator('[data-role="revenue"]');
        const range = {
          from: (await revenue.getAttribute('data-from'))!,
          to: (await revenue.getAttribute('data-to'))!,
        };
        expect(range.to).toBe(day.today);
        const sums = await databaseRevenue(day, range);
        expect(sums.map((s) => s.site_id).sort()).toEqual(['default', 'default', 'shop-b', 'shop-b']);
        expect(await page.locator('figure.chart').count()).toBe(sums.length);
        for (const s of sums) {
          const chart = page.locator(
            `figure.chart[data-site="${s.site_id}"][data-network="${s.network}"][data-asset="${s.asset}"]`,
          );
          await expect(chart.getAttribute('data-total-atomic')).resolves.toBe(s.total);
          await expect(chart.locator('[data-role="chart-total"]').innerText()).resolves.toBe(
            shown(s.asset, s.total),
          );
          const bars = await chart
            .locator('rect.bar')
            .evaluateAll((rects) => rects.map((r) => r.getAttribute('data-amount-atomic') ?? '0'));
          expect(bars.reduce((n, b) => n + BigInt(b), 0n)).toBe(BigInt(s.total));
          const row = page.locator(
            `table[data-role="revenue-totals"] tr[data-site="${s.site_id}"][data-asset="${s.asset}"]`,
          );
          await expect(row.locator('[data-role="total"]').innerText()).resolves.toBe(shown(s.asset, s.total));
        }
        // Two days of bars for the default site's USDC (one credit was moved to yesterday).
        await expect(
          page
            .locator('figure.chart[data-site="default"][data-asset]:not([data-asset="native"]) rect.bar')
            .count(),
        ).resolves.toBe(2);

        // Payments with their chain links; late, overpaid and expired-unpaid ones listed.
        const links = await page
          .locator('table[data-role="payments"] a')
          .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        expect(links).toHaveLength(SCRIPT.length);
        for (const href of links) expect(href).toMatch(/^https:\/\/explorer\.test\/tx\/0x[0-9a-f]{64}$/);
        const overpaid = page.locator(
          `table[data-role="overpaid"] tr[data-invoice="${day.invoices.get('b-usdc-over')}"]`,
        );
        await expect(overpaid.locator('td.num').first().innerText()).resolves.toBe('0.5 USDC');
        const unpaid = page.locator(
          `table[data-role="expired-unpaid"] tr[data-invoice="${day.invoices.get('b-usdc-short')}"]`,
        );
        await expect(unpaid.locator('td.num').first().innerText()).resolves.toBe('0.4 USDC');
        await expect(
          page
            .locator(`table[data-role="late-payments"] tr[data-invoice="${day.invoices.get('a-usdc-late')}"]`)
            .count(),
        ).resolves.toBe(1);
        await expect(
          page.locator('table[data-role="watchers"] tr[data-network="anvil"] .status').innerText(),
        ).resolves.toBe('ok');
        await expect(page.locator('[data-role="credit-balances-empty"]').count()).resolves.toBe(1);

        // Readable at this width: nothing makes the page itself scroll sideways (tables scroll inside).
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - window.innerWidth',
        );
        expect(overflow).toBeLessThanOrEqual(0);
        await page.screenshot({
          path: path.join(ARTIFACTS, `dashboard-${viewport.name}.png`),
          fullPage: true,
        });

        // Filters by query string, from the form: one site.
        await page.fill('input[name="site"]', 'shop-b');
        await Promise.all([page.waitForURL(/site=shop-b/), page.click('form.filters button[type="submit"]')]);
        const sites = await page
          .locator('figure.chart')
          .evaluateAll((fs) => fs.map((f) => f.getAttribute('data-site')));
        expect(sites).toEqual(['shop-b', 'shop-b']);
        await expect(
          page.locator('figure.chart[data-asset="native"] [data-role="chart-total"]').innerText(),
        ).resolves.toBe(
          shown('native', sums.find((s) => s.site_id === 'shop-b' && s.asset === 'native')!.total),
        );

        expect(cspProblems).toEqual([]);
        expect(failed).toEqual([]);
      } catch (err) {
        await page
          .screenshot({
            path: path.join(ARTIFACTS, `dashboard-${viewport.name}-failure.png`),
            fullPage: true,
          })
          .catch(() => undefined);
        throw err;
      } finally {
        await context.close();
      }
    },
    120_000,
  );

  it('is not served on the public listener', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      const res = await page.goto(`${day.portal.portal.publicUrl}/dashboard`);
      expect(res!.status()).toBe(404);
      expect(await page.locator('input[name="token"]').count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
