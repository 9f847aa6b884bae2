import type { PaymentRequiredDecision } from '../core/types.js';

/** Headers the browser must be able to read from a cross-origin 402 (x402 clients need them). */
export const EXPOSE_HEADERS =
  'PAYMENT-REQUIRED, PAYMENT-RESPONSE, X-PAYMENT-RESPONSE, X-402-Token, WWW-Authenticate, Payment-Receipt';

/**
 * The headers every 402 carries: type, no caching, the reason, Retry-After. The API 402 adds its
 * `WWW-Authenticate: Payment` challenges (MPP) itself: a challenge without an `id` is invalid per
 * the draft (and makes MPP clients reject the whole header), so none is sent without one.
 */
export function paymentHeaders(d: PaymentRequiredDecision, contentType: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': contentType,
    'cache-control': 'no-store',
    'access-control-expose-headers': EXPOSE_HEADERS,
    'x-402-reason': d.reason,
  };
  if (d.retryAfterSeconds !== undefined) headers['retry-after'] = String(d.retryAfterSeconds);
  return headers;
}
