import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Interface } from 'ethers';
import type { Page } from 'playwright-core';
import type { PayPageView } from '../../src/pay-page/index.js';
import { launchChromium, startPayPageServer, type Chromium, type PayPageServer } from './browser-harness.js';
import { baseOffer, devView as fixtureView, ethOffer, solanaOffer, usdcOffer } from './fixtures.js';

// Code that runs in the page is written as strings: the repository's tsconfig has no DOM types.

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/pay-page/', import.meta.url));
const ERC20 = new Interface(['function transfer(address to, uint256 amount) returns (bool)']);
const RECORD_VIOLATIONS = `window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));`;
/**
 * No wallet extension runs here: a minimal EIP-1193 provider that records its calls stands in.
 * It starts on Ethereum mainnet (0x1) and switches when asked, unless told it cannot (0x89 stays).
 */
const fakeWallet = (switchable: boolean): string => `window.__calls = [];
let chainId = ${switchable ? "'0x1'" : "'0x89'"};
window.ethereum = {
  request: async ({ method, params }) => {
    window.__calls.push({ method, params });
    if (method === 'eth_requestAccounts') return ['0x1111111111111111111111111111111111111111'];
    if (method === 'eth_chainId') return chainId;
    if (method === 'wallet_switchEthereumChain' && ${switchable}) { chainId = params[0].chainId; return null; }
    if (method === 'eth_sendTransaction') return '0xabcdef0123456789';
    throw Object.assign(new Error('Unrecognized chain ID'), { code: 4902 });
  },
};`;

/** The dev-chain view, expiring in 15 minutes as a fresh invoice does. */
const liveView = (over: Partial<PayPageView> = {}): PayPageView =>
  fixtureView(over, new Date(Date.now() + 15 * 60_000).toISOString());

let chromium: Chromium;
let server: PayPageServer | undefined;

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  chromium = await launchChromium();
});
afterEach(async () => {
  for (const page of chromium.context.pages()) await page.close();
  await server?.close();
  server = undefined;
});
afterAll(async () => {
  await chromium?.close();
});

/** Opens the page (served with its CSP), recording CSP violations and page errors. */
async function open(
  view: PayPageView,
  opts: { width?: number; init?: string } = {},
): Promise<{ page: Page; problems: string[] }> {
  server ??= await startPayPageServer(view);
  const page = await chromium.context.newPage();
  await page.setViewportSize({ width: opts.width ?? 1280, height: 900 });
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  await page.addInitScript(RECORD_VIOLATIONS + (opts.init ?? ''));
  await page.goto(server.origin + view.urls.state);
  // pay.js has run once the countdown shows minutes:seconds.
  await waitFor(page, `document.querySelector('#tp-expiry').textContent.includes(':')`);
  return { page, problems };
}

const inPage = <T>(page: Page, expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;

/**
 * Waits until an expression is true in the page. Not page.waitForFunction: with a string it
 * evaluates through eval in the page, which the page's CSP rightly forbids.
 */
async function waitFor(page: Page, expression: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // A navigation (the page reloads itself after a partial payment) fails one evaluation: retry.
  while (!(await inPage<unknown>(page, expression).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const violations = (page: Page): Promise<string[]> => inPage(page, 'window.__violations');
const statusOf = (page: Page): Promise<[string, string]> =>
  inPage(
    page,
    `(() => { const s = document.querySelector('#tp-status'); return [s.dataset.state, s.textContent]; })()`,
  );
const waitState = (page: Page, state: string): Promise<unknown> =>
  waitFor(page, `document.querySelector('#tp-status').dataset.state === ${JSON.stringify(state)}`);
const waitStatusText = (page: Page, start: string): Promise<unknown> =>
  waitFor(page, `document.querySelector('#tp-status').textContent.startsWith(${JSON.stringify(start)})`);

function progressed(view: PayPageView, status: PayPageView['invoice']['status'], have: number): PayPageView {
  const [usdc, eth] = view.offers;
  if (!usdc || !eth) throw new Error('the dev view has two offers');
  return {
    ...view,
    invoice: { ...view.invoice, status },
    offers: [usdc, { ...eth, received: '0.001', remaining: '0', confirmations: { have, need: 2 } }],
  };
}

describe('pay page in Chromium', () => {
  it('dev chain: keyboard picks ETH, dev pay names that offer, SSE moves it to paid and redirects', async () => {
    const view = liveView();
    const { page, problems } = await open(view);
    await page.screenshot({ path: `${ARTIFACTS}desktop-waiting.png`, fullPage: true });

    expect(await page.isVisible('#tp-offer-0')).toBe(true);
    expect(await page.isVisible('#tp-offer-1')).toBe(false);
    await page.focus('input[name="tp-network"][value="0"]');
    await page.keyboard.press('ArrowDown');
    expect(await page.isChecked('input[name="tp-network"][value="1"]')).toBe(true);
    expect(await page.isVisible('#tp-offer-0')).toBe(false);
    expect(await page.isVisible('#tp-offer-1')).toBe(true);

    await page.click('[data-devpay="1"]');
    await waitStatusText(page, 'Dev payment sent');
    expect(server!.devPayBodies).toEqual([{ network: 'anvil', payTo: ethOffer().payTo, asset: 'ETH' }]);

    server!.push(progressed(view, 'confirming', 1));
    await waitState(page, 'confirming');
    expect(await statusOf(page)).toEqual([
      'confirming',
      'Confirming on Local dev chain (1 of 2 confirmations).',
    ]);
    expect(await page.textContent('[data-progress="1"]')).toBe('Received 0.001 ETH.');
    await page.screenshot({ path: `${ARTIFACTS}desktop-confirming.png`, fullPage: true });

    server!.push(progressed(view, 'paid', 2));
    await page.waitForURL(`${server!.origin}${view.urls.complete}`);
    expect(server!.completeHits).toBe(1);
    expect(problems).toEqual([]);
  });

  it('says "redirecting" once paid', async () => {
    const view = liveView();
    // Paid on arrival: the page announces the redirect, then goes to the completion URL.
    server = await startPayPageServer(progressed(view, 'paid', 2));
    const page = await chromium.context.newPage();
    const said: string[] = [];
    await page.exposeFunction('__said', (text: string) => said.push(text));
    await page.addInitScript(`new MutationObserver(() => window.__said(document.querySelector('#tp-status').textContent))
      .observe(document, { subtree: true, childList: true, characterData: true });`);
    await page.goto(server.origin + view.urls.state);
    await page.waitForURL(`${server.origin}${view.urls.complete}`);
    expect(said).toContain('Paid. Redirecting to localhost:8080/premium…');
  });

  it('shows what is left when underpaid, and only the expired message once expired', async () => {
    const view = liveView();
    const { page, problems } = await open(view);
    server!.push({ ...view, offers: [usdcOffer({ received: '0.4', remaining: '0.6' }), ethOffer()] });
    await waitState(page, 'underpaid');
    expect((await statusOf(page))[1]).toContain('Send the remaining 0.6 USDC to the same address.');
    // The page reloaded itself: the QR code and the wallet link now ask for the rest.
    await waitFor(page, `document.querySelector('#tp-offer-0 a[href$="uint256=600000"]') !== null`);
    await waitFor(page, `!document.querySelector('[data-progress="0"]').hidden`);
    expect(await page.textContent('[data-progress="0"]')).toBe('Received 0.4 USDC; still to pay 0.6 USDC.');
    await page.screenshot({ path: `${ARTIFACTS}desktop-underpaid.png`, fullPage: true });

    server!.push({ ...view, invoice: { ...view.invoice, status: 'expired' } });
    await waitState(page, 'expired');
    expect((await statusOf(page))[1]).toMatch(/^This payment request has expired\./);
    expect(await page.isVisible('#tp-expiry-line')).toBe(false);
    // The addresses no longer invite a payment.
    expect(await page.isVisible('#tp-offer-0')).toBe(false);
    expect(await page.isVisible('.tp-choose')).toBe(false);
    expect(await page.isDisabled('[data-devpay="0"]')).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}desktop-expired.png`, fullPage: true });
    expect(problems).toEqual([]);
  });

  it('applies the customization from its own origin, keeps a hostile description inert, blocks other scripts', async () => {
    const view: PayPageView = liveView({ offers: [baseOffer(), solanaOffer()], devChain: false });
    view.invoice = { ...view.invoice, description: 'Report <img src=x onerror="window.__pwned=1">' };
    const { devPay: _none, ...urls } = view.urls;
    view.urls = urls;
    server = await startPayPageServer(view);
    // The harness serves the customization files itself; `localhost` makes them another origin.
    const site = server.origin.replace('127.0.0.1', 'localhost');
    server.view = {
      ...view,
      customization: {
        css: `${site}/custom/brand.css`,
        js: `${site}/custom/brand.js`,
        image: `${site}/custom/logo.svg`,
      },
    };
    const { page, problems } = await open(view);
    await waitFor(page, `document.body.dataset.brand === 'loaded'`);
    expect(await inPage(page, `getComputedStyle(document.querySelector('.tp-eyebrow')).color`)).toBe(
      'rgb(109, 40, 217)',
    );
    expect(await inPage(page, `document.querySelector('.tp-logo').naturalWidth`)).toBe(120);
    expect(await page.textContent('h1')).toBe('Report <img src=x onerror="window.__pwned=1">');
    expect(await inPage(page, 'window.__pwned')).toBeUndefined();
    expect(await page.$('[data-devpay]')).toBeNull();
    expect(await violations(page)).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}desktop-customized.png`, fullPage: true });

    // Neither an inline script nor one from the page's own origin without the nonce may run.
    await inPage(
      page,
      `(() => {
        const inline = document.createElement('script');
        inline.textContent = 'window.__inline = 1';
        document.body.append(inline);
        const external = document.createElement('script');
        external.src = ${JSON.stringify(`${server.origin}/custom/brand.js`)};
        document.body.append(external);
      })()`,
    );
    await waitFor(page, 'window.__violations.length >= 2');
    expect(await inPage(page, 'window.__inline')).toBeUndefined();
    expect(new Set(await violations(page))).toEqual(new Set(['script-src-elem']));
    expect(problems.filter((p) => !p.includes('Content Security Policy'))).toEqual([]);
  });

  it('pays the ERC-20 offer through an injected EIP-1193 wallet, switching chain first', async () => {
    const view = liveView({ offers: [baseOffer(), ethOffer()], devChain: false });
    const { page, problems } = await open(view, { init: fakeWallet(true) });
    await page.click('[data-wallet="0"]');
    await waitStatusText(page, 'Transaction sent');
    const calls = await inPage<Array<{ method: string; params?: unknown }>>(page, 'window.__calls');
    expect(calls.map((c) => c.method)).toEqual([
      'eth_requestAccounts',
      'eth_chainId',
      'wallet_switchEthereumChain',
      'eth_chainId',
      'eth_sendTransaction',
    ]);
    expect(calls[2]?.params).toEqual([{ chainId: '0x14a34' }]);
    const offer = baseOffer();
    expect(calls[4]?.params).toEqual([
      {
        from: '0x1111111111111111111111111111111111111111',
        to: offer.asset.address,
        value: '0x0',
        data: ERC20.encodeFunctionData('transfer', [offer.payTo, 1_000_000n]),
      },
    ]);
    expect(problems).toEqual([]);
  });

  it('pays the native offer through the wallet with the value in wei', async () => {
    const view = liveView({ offers: [ethOffer()] });
    const { page } = await open(view, { init: fakeWallet(true) });
    await page.click('[data-wallet="0"]');
    await waitStatusText(page, 'Transaction sent');
    const calls = await inPage<Array<{ method: string; params?: unknown }>>(page, 'window.__calls');
    expect(calls.at(-1)).toEqual({
      method: 'eth_sendTransaction',
      params: [
        {
          from: '0x1111111111111111111111111111111111111111',
          to: ethOffer().payTo,
          value: '0x38d7ea4c68000',
        },
      ],
    });
  });

  it('says so when the wallet will not switch to the offer network', async () => {
    const view = liveView({ offers: [ethOffer()] });
    const { page } = await open(view, { init: fakeWallet(false) });
    await page.click('[data-wallet="0"]');
    await waitState(page, 'wrong-network');
    expect((await statusOf(page))[1]).toBe(
      'Your wallet is on another network (chain id 137). Switch it to Local dev chain (chain id 31337) and try again.',
    );
    await page.screenshot({ path: `${ARTIFACTS}desktop-wrong-network.png`, fullPage: true });
  });

  it.each([375, 360])('fits a %i px wide phone without sideways scrolling', async (width) => {
    const { page, problems } = await open(liveView({ offers: [usdcOffer(), ethOffer(), solanaOffer()] }), {
      width,
    });
    expect(await inPage(page, 'document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
    const right = await inPage<number>(
      page,
      `document.querySelector('[data-copy="tp-addr-0"]').getBoundingClientRect().right`,
    );
    expect(right).toBeLessThanOrEqual(width);
    await page.screenshot({ path: `${ARTIFACTS}mobile-${width}-waiting.png`, fullPage: true });
    expect(problems).toEqual([]);
  });

  it('shows a visible focus ring when tabbing to the controls', async () => {
    const { page } = await open(liveView());
    await page.focus('input[name="tp-network"][value="0"]');
    await page.keyboard.press('Tab');
    const focused = await inPage<[string, string]>(
      page,
      `(() => { const el = document.activeElement; return [el.textContent, getComputedStyle(el).outlineStyle]; })()`,
    );
    expect(focused).toEqual(['Copy address', 'solid']);
  });
});
