import { formatAtomic, type NetworkRegistry } from '@turnpike/protocol';
import { documentHead } from '../pay-page/document-head.js';
import { escapeHtml as h } from '../pay-page/escape.js';
import type { SignedReceipt } from './sign-receipt.js';

/** The receipt page's CSP: no script at all, styles only from the portal's own assets. */
export const RECEIPT_PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/**
 * An invoice's receipts as a page: what was paid, on which chain (with the explorer link when
 * the network has one), and each signed receipt to copy. Every value is escaped.
 */
export function renderReceiptPage(
  receipts: readonly SignedReceipt[],
  ctx: { registry: NetworkRegistry; returnUrl: string },
): string {
  const first = receipts[0]?.claims;
  const what = first === undefined ? '' : `${first.aud}${first.resource}`;
  return `${documentHead(`Receipt for ${what}`)}
<body>
<main class="tp-card" aria-labelledby="tp-title">
<header class="tp-head">
<p class="tp-eyebrow">Receipt</p>
<h1 id="tp-title">${h(`Payment for ${what}`)}</h1>
</header>
${receipts.map((r, i) => renderOne(r, i, ctx.registry)).join('\n')}
<p class="tp-foot">Each receipt is signed by the site's payment portal; check it against <span class="tp-mono">/_402/.well-known/jwks.json</span>. <a href="${h(ctx.returnUrl)}">Back to ${h(first?.aud ?? 'the site')}</a></p>
</main>
</body>
</html>
`;
}

function renderOne(r: SignedReceipt, i: number, registry: NetworkRegistry): string {
  const { pay } = r.claims;
  const amount =
    pay.decimals === undefined
      ? `${pay.amount} (atomic units of ${pay.asset})`
      : `${formatAtomic(BigInt(pay.amount), pay.decimals)} ${pay.symbol ?? pay.asset}`;
  const template = registry.get(pay.network)?.explorerTxUrl;
  const tx =
    template === undefined
      ? `<span class="tp-mono tp-break">${h(pay.tx)}</span>`
      : `<a class="tp-mono tp-break" href="${h(template.replace('{tx}', encodeURIComponent(pay.tx)))}" rel="noreferrer">${h(pay.tx)}</a>`;
  return `<section class="tp-receipt" aria-labelledby="tp-receipt-${i}">
<h2 id="tp-receipt-${i}">${h(amount)} on ${h(pay.network)}</h2>
<dl class="tp-receipt-fields">
<dt>Paid</dt><dd><time datetime="${new Date(r.claims.iat * 1000).toISOString()}">${new Date(r.claims.iat * 1000).toISOString().replace('T', ' ').slice(0, 19)} UTC</time></dd>
<dt>Transaction</dt><dd>${tx}</dd>
${pay.payer === undefined ? '' : `<dt>From</dt><dd class="tp-mono tp-break">${h(pay.payer)}</dd>\n`}${pay.payTo === undefined ? '' : `<dt>To</dt><dd class="tp-mono tp-break">${h(pay.payTo)}</dd>\n`}<dt>Site</dt><dd>${h(r.claims.site)}</dd>
<dt>Receipt id</dt><dd class="tp-mono tp-break">${h(r.claims.jti)}</dd>
</dl>
<p class="tp-label">Signed receipt (JWS)</p>
<pre class="tp-mono tp-break tp-receipt-jws">${h(r.receipt)}</pre>
</section>`;
}
