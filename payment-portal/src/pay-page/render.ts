import { PAY_PAGE_ASSETS_PATH } from './assets-dir.js';
import { assertNonce } from './csp.js';
import { documentHead } from './document-head.js';
import { safeCustomizationUrl } from './customization.js';
import { escapeHtml as h, jsonForScript } from './escape.js';
import { buildPaymentUri, dueOffer } from './payment-uri.js';
import { renderQrSvgSync } from './qr.js';
import { statusText } from './status.js';
import type { PayPageOffer, PayPageView } from './view.js';

/** Options of renderPayPage. */
export interface RenderPayPageOptions {
  /** The per-response CSP nonce, the same one given to payPageCsp. */
  nonce: string;
}

/**
 * The pay page as a complete HTML document. Every value from the view is escaped; the only
 * script is the page's own (by nonce) plus the site's customization script, if any.
 */
export function renderPayPage(view: PayPageView, opts: RenderPayPageOptions): string {
  assertNonce(opts.nonce);
  const nonce = h(opts.nonce);
  const { invoice } = view;
  const css = safeCustomizationUrl(view.customization.css);
  const js = safeCustomizationUrl(view.customization.js);
  // The declaration's image first, else the site's logo (docs/sites.md).
  const image = safeCustomizationUrl(view.customization.image ?? view.branding?.logoUrl);
  const siteName = view.branding?.name;
  const colours = brandColours(view.branding);
  const status = statusText(view);
  const what = `${invoice.host}${invoice.resource}`;
  const title = invoice.description ?? `Access to ${what}`;
  const showDevPay = view.devChain && view.urls.devPay !== undefined;
  const closed = status.state === 'paid' || status.state === 'expired';

  return `${documentHead(
    `Pay for ${title}`,
    `${colours === '' ? '' : `<style nonce="${nonce}">:root{${colours}}</style>\n`}${css === undefined ? '' : `<link rel="stylesheet" href="${h(css.href)}">\n`}`,
  )}
<body>
<main class="tp-card" aria-labelledby="tp-title" data-state="${status.state}">
<header class="tp-head">
${image === undefined ? '' : `<img class="tp-logo" src="${h(image.href)}" alt="${h(siteName ?? invoice.host)}">\n`}<p class="tp-eyebrow">Payment required${siteName === undefined ? '' : ` \u00b7 <span class="tp-site">${h(siteName)}</span>`}</p>
<h1 id="tp-title">${h(title)}</h1>
<p class="tp-resource">${invoice.description === undefined ? 'One payment, then the page opens.' : `Unlocks <span class="tp-mono">${h(what)}</span>`}</p>
</header>
<div id="tp-status" class="tp-status" role="status" aria-live="polite" aria-atomic="true" data-state="${status.state}">${h(status.text)}</div>
<p class="tp-expiry" id="tp-expiry-line"${closed ? ' hidden' : ''}>Time left to pay: <time id="tp-expiry" datetime="${h(invoice.expiresAt)}">until ${h(formatUtc(invoice.expiresAt))}</time></p>
${renderChooser(view.offers)}
${view.offers.map((offer, i) => renderOffer(offer, i, view, showDevPay)).join('\n')}
<noscript><p class="tp-note">After paying, reload this page to see the payment; once it says the payment was received, <a href="${h(view.urls.complete)}">continue to ${h(what)}</a>.</p></noscript>
${view.urls.receipt === undefined ? '' : `<p class="tp-note" id="tp-receipt-line"><a href="${h(view.urls.receipt)}">Your receipt</a> (signed by the site's payment portal)</p>\n`}<p class="tp-foot">Payments go straight to the site's own address on the chain you choose. <a href="${h(invoice.returnUrl)}">Back to ${h(invoice.host)}</a></p>
</main>
<script id="tp-view" type="application/json">${jsonForScript(pageState(view, { css, js, image }))}</script>
<script nonce="${nonce}" src="${PAY_PAGE_ASSETS_PATH}pay.js" defer></script>
${js === undefined ? '' : `<script nonce="${nonce}" src="${h(js.href)}" defer></script>\n`}</body>
</html>
`;
}

/** The view for the page's script, its customization reduced to the URLs that passed the check. */
function pageState(
  view: PayPageView,
  safe: { css: URL | undefined; js: URL | undefined; image: URL | undefined },
): PayPageView {
  const customization: PayPageView['customization'] = {};
  if (safe.css) customization.css = safe.css.href;
  if (safe.js) customization.js = safe.js.href;
  if (safe.image) customization.image = safe.image.href;
  return { ...view, customization };
}

function renderChooser(offers: PayPageOffer[]): string {
  if (offers.length === 0) return '<p class="tp-note">No payment option is available for this resource.</p>';
  const options = offers
    .map(
      (o, i) => `<label class="tp-choice">
<input type="radio" name="tp-network" value="${i}"${i === 0 ? ' checked' : ''} aria-controls="tp-offer-${i}">
<span class="tp-choice-net">${h(o.networkLabel)}</span>
<span class="tp-choice-price">${h(o.amount)} ${h(o.asset.symbol)}</span>
</label>`,
    )
    .join('\n');
  return `<fieldset class="tp-choose">
<legend>Choose how to pay</legend>
<div class="tp-choices">
${options}
</div>
</fieldset>`;
}

function renderOffer(offer: PayPageOffer, i: number, view: PayPageView, showDevPay: boolean): string {
  const sym = h(offer.asset.symbol);
  const due = dueOffer(offer);
  const partial = due !== offer;
  const uri = buildPaymentUri(due, {
    label: view.invoice.host,
    message: view.invoice.description ?? view.invoice.resource,
  });
  const token =
    offer.asset.kind === 'erc20' && offer.asset.address !== undefined
      ? `<p class="tp-note">Send the token ${sym} (contract <span class="tp-mono tp-break">${h(offer.asset.address)}</span>), not ${offer.kind === 'evm' ? 'the chain\u2019s coin' : 'SOL'}.</p>`
      : offer.asset.kind === 'spl' && offer.asset.mint !== undefined
        ? `<p class="tp-note">Send the token ${sym} (mint <span class="tp-mono tp-break">${h(offer.asset.mint)}</span>).</p>`
        : '';
  const chain = offer.chainId === undefined ? '' : ` (chain id ${offer.chainId})`;
  return `<section class="tp-offer" id="tp-offer-${i}" data-offer="${i}" aria-labelledby="tp-offer-${i}-title">
<h2 id="tp-offer-${i}-title">Send ${partial ? 'the remaining ' : ''}${h(due.amount)} ${sym} on ${h(offer.networkLabel)}</h2>
<div class="tp-offer-body">
<figure class="tp-qr">
${renderQrSvgSync(uri).replace('<svg ', `<svg role="img" aria-label="QR code of the payment request for ${h(due.amount)} ${sym}" `)}
<figcaption>Scan with a wallet app</figcaption>
</figure>
<div class="tp-offer-info">
<p class="tp-label" id="tp-addr-${i}-label">To this address on ${h(offer.networkLabel)}${h(chain)}</p>
<div class="tp-address">
<code id="tp-addr-${i}" class="tp-mono tp-break">${h(offer.payTo)}</code>
<button type="button" class="tp-btn tp-copy" data-copy="tp-addr-${i}" aria-describedby="tp-addr-${i}-label">Copy address</button>
</div>
<p class="tp-amount">${partial ? `Still to pay: <strong>${h(due.amount)} ${sym}</strong> of ${h(offer.amount)} ${sym}` : `Amount: <strong>${h(offer.amount)} ${sym}</strong>`}</p>
${token}<p class="tp-progress" data-progress="${i}" hidden></p>
<div class="tp-actions">
${offer.kind === 'evm' ? `<button type="button" class="tp-btn tp-primary" data-wallet="${i}">Pay with browser wallet</button>\n` : ''}<a class="tp-btn" href="${h(uri)}">Open in wallet app</a>
${showDevPay && offer.devChain === true ? `<button type="button" class="tp-btn tp-dev" data-devpay="${i}">Pay with dev account</button>\n` : ''}</div>
</div>
</div>
</section>`;
}

const COLOUR = /^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/;

/** The site's colours as CSS custom properties; only #rgb / #rrggbb values get through. */
function brandColours(branding: PayPageView['branding']): string {
  const out: string[] = [];
  if (branding?.accent !== undefined && COLOUR.test(branding.accent))
    out.push(`--tp-accent:${branding.accent}`);
  if (branding?.background !== undefined && COLOUR.test(branding.background))
    out.push(`--tp-bg:${branding.background}`);
  return out.join(';');
}

function formatUtc(iso: string): string {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return iso;
  return `${when.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
