import type { PaymentRequiredDecision, RenderedResponse } from '../core/types.js';
import { paymentPage } from './html.js';
import { payLinkFor } from './pay-link-for.js';
import { paymentHeaders } from './payment-headers.js';
import type { RenderDeps } from './render-denial.js';

/** The last page rendered, per authorizer: a pay link is handed out again for most of its life. */
interface LastPage {
  payUrl: string;
  description: string | undefined;
  host: string;
  page: string;
}
const lastPages = new WeakMap<RenderDeps, LastPage>();

/** The 402 a browser sees: a small page and `Location` sending it to its sealed pay link. */
export function browser402(d: PaymentRequiredDecision, deps: RenderDeps): RenderedResponse {
  const r = d.requirement;
  const payUrl = payLinkFor(r, deps);
  const headers = paymentHeaders(d, 'text/html; charset=utf-8');
  headers.location = payUrl;
  const description = r.request.description;
  let last = lastPages.get(deps);
  if (
    last === undefined ||
    last.payUrl !== payUrl ||
    last.description !== description ||
    last.host !== r.host
  ) {
    last = { payUrl, description, host: r.host, page: paymentPage({ payUrl, description, host: r.host }) };
    lastPages.set(deps, last);
  }
  return { status: 402, headers, body: last.page };
}
