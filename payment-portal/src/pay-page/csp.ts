import { customizationOrigin } from './customization.js';
import type { PayPageView } from './view.js';

const NONCE_PATTERN = /^[A-Za-z0-9+/_-]{16,}={0,2}$/;

/** Thrown when a CSP nonce is missing, short or not base64: the page must not render without one. */
export class PayPageNonceError extends Error {
  readonly code = 'PAY_PAGE_ERR_NONCE';
  constructor() {
    super('the pay page needs a base64 nonce of at least 16 characters');
    this.name = 'PayPageNonceError';
  }
}

/** Throws PayPageNonceError unless the nonce can be placed in a CSP header and an attribute as is. */
export function assertNonce(nonce: string): void {
  if (!NONCE_PATTERN.test(nonce)) throw new PayPageNonceError();
}

/**
 * The Content-Security-Policy of the pay page: nothing by default; our own script only by nonce;
 * styles and images from the portal itself; the site's customization origins and nothing else.
 */
export function payPageCsp(view: PayPageView, nonce: string): string {
  assertNonce(nonce);
  const js = customizationOrigin(view.customization.js);
  const css = customizationOrigin(view.customization.css);
  const image = customizationOrigin(view.customization.image ?? view.branding?.logoUrl);
  const join = (...parts: Array<string | undefined>): string =>
    parts.filter((p) => p !== undefined).join(' ');
  return [
    "default-src 'none'",
    `script-src ${join(`'nonce-${nonce}'`, js)}`,
    `style-src ${join("'self'", `'nonce-${nonce}'`, css)}`,
    `img-src ${join("'self'", 'data:', image)}`,
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}
