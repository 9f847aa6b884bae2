import type { PaymentRequest } from '@turnpike/protocol';

const memo = new WeakMap<PaymentRequest, string>();

/**
 * A one-line summary of what a resource costs, for header-only answers (NGINX's 401):
 * `base 0.01 USDC, polygon 1 POL`. Memoised per request object (cached requirements are reused).
 */
export function offersHeader(request: PaymentRequest): string {
  let value = memo.get(request);
  if (value === undefined) {
    // Header values must be visible ASCII; a configured symbol could hold anything.
    value = request.offers
      .map((o) => `${o.network} ${o.amount} ${o.asset.symbol}`)
      .join(', ')
      .replace(/[^\x20-\x7e]/g, '?');
    memo.set(request, value);
  }
  return value;
}
