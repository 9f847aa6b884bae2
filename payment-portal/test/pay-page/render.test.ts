import { renderPayPage, type PayPageView } from '../../src/pay-page/index.js';
import { NONCE, baseOffer, devView, ethOffer, solanaOffer, usdcOffer, withStatus } from './fixtures.js';

const render = (view: PayPageView): string => renderPayPage(view, { nonce: NONCE });

/** The JSON state the page embeds for its script, parsed back. */
function embeddedState(html: string): PayPageView {
  const json = /<script id="tp-view" type="application\/json">([\s\S]*?)<\/script>/.exec(html)?.[1];
  if (json === undefined) throw new Error('no embedded state');
  return JSON.parse(json) as PayPageView;
}

const HOSTILE = '</script><script>alert(1)</script><img src=x onerror=alert(2)>"\'&';

describe('renderPayPage: escaping', () => {
  it('renders a hostile description, host, network label and symbol as inert text', () => {
    const view = devView({
      offers: [usdcOffer({ networkLabel: HOSTILE, asset: { ...usdcOffer().asset, symbol: '<b>U</b>' } })],
    });
    view.invoice = {
      ...view.invoice,
      description: HOSTILE,
      host: 'a"><script>x()</script>',
      resource: '/<i>',
    };
    const html = render(view);
    // Exactly two script elements remain: the inert JSON block and our own by nonce.
    expect(html.match(/<script/gi)).toHaveLength(2);
    expect(html).not.toMatch(/<img src=x|<b>U<\/b>|<i>/);
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;&#39;&amp;');
    // The JSON block cannot be closed from inside, and still round-trips the exact text.
    const state = embeddedState(html);
    expect(state.invoice.description).toBe(HOSTILE);
    expect(state.offers[0]?.networkLabel).toBe(HOSTILE);
  });

  it('escapes the line separators JavaScript treats as newlines inside the JSON block', () => {
    const view = devView();
    view.invoice = { ...view.invoice, description: 'a\u2028b\u2029c' };
    const html = render(view);
    expect(html).toContain('a\\u2028b\\u2029c');
    expect(embeddedState(html).invoice.description).toBe('a\u2028b\u2029c');
  });
});

describe('renderPayPage: content', () => {
  it('shows what is bought and the price on each offered network', () => {
    const html = render(devView({ offers: [usdcOffer(), ethOffer(), baseOffer(), solanaOffer()] }));
    expect(html).toContain('<h1 id="tp-title">Premium article</h1>');
    expect(html).toContain('localhost:8080/premium');
    for (const [net, price] of [
      ['Local dev chain', '1 USDC'],
      ['Local dev chain', '0.001 ETH'],
      ['Base Sepolia', '1 USDC'],
      ['Solana Devnet', '1.5 USDC'],
    ])
      expect(html).toMatch(
        new RegExp(
          `<span class="tp-choice-net">${net}</span>\\s*<span class="tp-choice-price">${price}</span>`,
        ),
      );
  });

  it('gives each offer its address, a copy button, a QR code and the payment URI', () => {
    const html = render(devView({ offers: [usdcOffer(), solanaOffer()] }));
    expect(html).toContain(
      '<code id="tp-addr-0" class="tp-mono tp-break">0x9858EfFD232B4033E47d90003D41EC34EcaEda94</code>',
    );
    expect(html).toContain('data-copy="tp-addr-0"');
    expect(html).toContain('data-copy="tp-addr-1"');
    expect(html.match(/<svg role="img" aria-label="QR code of the payment request/g)).toHaveLength(2);
    expect(html).toContain(
      'href="ethereum:0x5FbDB2315678afecb367f032d93F642f64180aa3@31337/transfer?address=0x9858EfFD232B4033E47d90003D41EC34EcaEda94&amp;uint256=1000000"',
    );
    expect(html).toMatch(
      /href="solana:9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin\?amount=1\.5&amp;spl-token=[^"]+&amp;reference=7ZnnAeP2y1aRRBkZ1zQz5pW3Ge1yVjT2Ck6J3M7u2LJx&amp;label=localhost%3A8080/,
    );
  });

  it('after a partial payment the QR code and wallet link ask for the rest', () => {
    const html = render(withStatus('pending', { received: '0.4', remaining: '0.6' }));
    expect(html).toContain(
      '/transfer?address=0x9858EfFD232B4033E47d90003D41EC34EcaEda94&amp;uint256=600000"',
    );
    expect(html).not.toContain('uint256=1000000');
    expect(html).toContain('<h2 id="tp-offer-0-title">Send the remaining 0.6 USDC on Local dev chain</h2>');
    expect(html).toContain('Still to pay: <strong>0.6 USDC</strong> of 1 USDC');
    expect(html).toContain('aria-label="QR code of the payment request for 0.6 USDC"');
  });

  it('offers the browser wallet for EVM offers only', () => {
    const html = render(devView({ offers: [baseOffer(), solanaOffer()] }));
    expect(html).toContain('data-wallet="0"');
    expect(html).not.toContain('data-wallet="1"');
  });

  it('has no URL to another origin except the customization ones', () => {
    const html = render(devView({ offers: [usdcOffer(), baseOffer(), solanaOffer()] }));
    const urls = [...html.matchAll(/(?:src|href|action)="([^"]*)"/g)].map((m) => m[1] ?? '');
    expect(urls.length).toBeGreaterThan(5);
    for (const url of urls)
      expect(url).toMatch(/^(\/_402\/|ethereum:|solana:|data:,$|http:\/\/localhost:8080\/premium$)/);
    expect(html).not.toMatch(/@import|url\(/);
    // The only absolute http(s) URLs: the return link and SVG's namespace (never fetched).
    expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(
      /https?:\/\/(?!localhost:8080\/)/,
    );
  });
});

describe('renderPayPage: dev-pay control', () => {
  it('is shown on dev-chain offers when the portal allows it', () => {
    const html = render(devView());
    expect(html).toContain(
      '<button type="button" class="tp-btn tp-dev" data-devpay="0">Pay with dev account</button>',
    );
    expect(html).toContain('data-devpay="1"');
  });

  it('is not shown without the devPay URL', () => {
    const view = devView();
    const { devPay: _off, ...urls } = view.urls;
    expect(render({ ...view, urls })).not.toContain('data-devpay');
  });

  it('is not shown when the view is not on the dev chain, even with a devPay URL', () => {
    expect(render(devView({ devChain: false, offers: [baseOffer()] }))).not.toContain('data-devpay');
  });

  it('is not shown on a real-chain offer beside a dev-chain one', () => {
    const html = render(devView({ offers: [usdcOffer(), baseOffer()] }));
    expect(html).toContain('data-devpay="0"');
    expect(html).not.toContain('data-devpay="1"');
  });
});

describe('renderPayPage: status', () => {
  const statusRegion = (html: string): string =>
    /<div id="tp-status" class="tp-status" role="status" aria-live="polite" aria-atomic="true" data-state="([a-z-]+)">([^<]*)<\/div>/
      .exec(html)
      ?.slice(1)
      .join('|') ?? '';

  it('renders every state with its message', () => {
    expect(statusRegion(render(devView()))).toBe('waiting|Waiting for your payment.');
    expect(statusRegion(render(withStatus('pending', { received: '0.25', remaining: '0.75' })))).toMatch(
      /^underpaid\|Received 0\.25 USDC .*Send the remaining 0\.75 USDC to the same address\.$/,
    );
    expect(statusRegion(render(withStatus('seen', { received: '1', remaining: '0' })))).toMatch(
      /^seen\|Payment seen/,
    );
    expect(
      statusRegion(
        render(
          withStatus('confirming', { received: '1', remaining: '0', confirmations: { have: 1, need: 2 } }),
        ),
      ),
    ).toBe('confirming|Confirming on Local dev chain (1 of 2 confirmations).');
    expect(statusRegion(render(withStatus('paid', { received: '1', remaining: '0' })))).toBe(
      'paid|Payment received on Local dev chain. Taking you back to localhost:8080/premium…',
    );
    expect(statusRegion(render(withStatus('expired')))).toMatch(
      /^expired\|This payment request has expired\./,
    );
  });

  it('hides the countdown once paid or expired, and shows it while open', () => {
    expect(render(devView())).toMatch(
      /<p class="tp-expiry" id="tp-expiry-line">[^<]*<time id="tp-expiry" datetime="2030-01-01T12:15:00.000Z">until 2030-01-01 12:15 UTC<\/time>/,
    );
    expect(render(withStatus('paid'))).toContain('<p class="tp-expiry" id="tp-expiry-line" hidden>');
    expect(render(withStatus('expired'))).toContain('<p class="tp-expiry" id="tp-expiry-line" hidden>');
  });

  it('without JavaScript links to the completion URL', () => {
    expect(render(devView())).toMatch(/<noscript>.*href="\/_402\/invoices\/inv_0123456789abcdef\/complete"/);
  });
});

describe('renderPayPage: accessibility', () => {
  const html = render(devView({ offers: [usdcOffer(), ethOffer(), solanaOffer()] }));

  it('declares a language, a viewport and a title', () => {
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<title>Pay for Premium article</title>');
  });

  it('uses landmarks and headings: one main labelled by the h1, one h2 per offer', () => {
    expect(html.match(/<main /g)).toHaveLength(1);
    expect(html).toContain('<main class="tp-card" aria-labelledby="tp-title"');
    expect(html.match(/<h1 /g)).toHaveLength(1);
    expect(html.match(/<h2 /g)).toHaveLength(3);
  });

  it('groups the network choice as radios in a fieldset with a legend, each inside its label', () => {
    expect(html).toMatch(/<fieldset class="tp-choose">\s*<legend>Choose how to pay<\/legend>/);
    const radios = [
      ...html.matchAll(/<label class="tp-choice">\s*<input type="radio" name="tp-network" value="(\d)"/g),
    ];
    expect(radios.map((m) => m[1])).toEqual(['0', '1', '2']);
    expect(html.match(/<input type="radio"[^>]* checked/g)).toHaveLength(1);
  });

  it('gives every button and link a text name', () => {
    for (const m of html.matchAll(/<(button|a)\b[^>]*>([^<]*)<\/\1>/g))
      expect((m[2] ?? '').trim()).not.toBe('');
    expect(html).not.toMatch(/<button[^>]*>\s*<\/button>/);
  });

  it('announces status changes politely through one live region', () => {
    expect(html.match(/aria-live=/g)).toHaveLength(1);
    expect(html).toMatch(/id="tp-status"[^>]*role="status"[^>]*aria-live="polite"/);
  });

  it('gives images and the QR codes a text alternative', () => {
    const logo = render({ ...devView(), customization: { image: 'https://img.shop.example/logo.png' } });
    expect(logo).toMatch(/<img class="tp-logo" src="[^"]+" alt="localhost:8080">/);
    expect(html.match(/<svg /g)?.length).toBe(html.match(/<svg role="img" aria-label="[^"]+"/g)?.length);
  });
});
