import type { PaymentRequiredDecision } from '../core/types.js';

/** Headers the browser must be able to read from a cross-origin 402 (x402 clients need them). */
export const EXPOSE_HEADERS = 'PAYMENT-REQUIRED, PAYMENT-RESPONSE, X-PAYMENT-RESPONSE, X-402-Token';

/** The headers every 402 carries: type, no caching, the Payment scheme, the reason, Retry-After. */
export function paymentHeaders(d: PaymentRequiredDecision, contentType: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': contentType,
    'cache-control': 'no-store',
    'www-authenticate': `Payment realm="${d.requirement.host.replace(/["\\]/g, '')}"`,
    'access-control-expose-headers': EXPOSE_HEADERS,
    'x-402-reason': d.reason,
  };
  if (d.retryAfterSeconds !== undefined) headers['retry-after'] = String(d.retryAfterSeconds);
  return headers;
}
