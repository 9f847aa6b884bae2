import { mintPayLink } from '../challenges/mint-pay-link.js';
import type { PaymentRequiredDecision, RenderedResponse } from '../core/types.js';
import { paymentPage } from './html.js';
import { paymentHeaders } from './payment-headers.js';
import type { RenderDeps } from './render-denial.js';

/** The 402 a browser sees: a small page and `Location` sending it to its sealed pay link. */
export function browser402(d: PaymentRequiredDecision, deps: RenderDeps): RenderedResponse {
  const r = d.requirement;
  const link = mintPayLink(r, {
    key: deps.sealKeys.payLink,
    prefix: deps.publicPathPrefix,
    ttlSeconds: deps.payLinkTtlSeconds,
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });
  const headers = paymentHeaders(d, 'text/html; charset=utf-8');
  headers.location = link.path;
  return {
    status: 402,
    headers,
    body: paymentPage({ payUrl: link.path, description: r.request.description, host: r.host }),
  };
}
