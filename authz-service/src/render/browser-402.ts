import type { PaymentRequiredDecision, RenderedResponse } from '../core/types.js';
import { paymentPage } from './html.js';
import { payLinkFor } from './pay-link-for.js';
import { paymentHeaders } from './payment-headers.js';
import type { RenderDeps } from './render-denial.js';

/** The 402 a browser sees: a small page and `Location` sending it to its sealed pay link. */
export function browser402(d: PaymentRequiredDecision, deps: RenderDeps): RenderedResponse {
  const r = d.requirement;
  const payUrl = payLinkFor(r, deps);
  const headers = paymentHeaders(d, 'text/html; charset=utf-8');
  headers.location = payUrl;
  return {
    status: 402,
    headers,
    body: paymentPage({ payUrl, description: r.request.description, host: r.host }),
  };
}
