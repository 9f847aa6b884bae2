import { createHash, randomBytes } from 'node:crypto';

/** The cookie holding a pay page's session secret (scoped to that invoice's path). */
export const PAY_SESSION_COOKIE = '402_pay';

/** Longest a browser keeps a cookie (RFC 6265bis caps Max-Age at 400 days). */
const MAX_AGE_CAP_SECONDS = 400 * 24 * 60 * 60;

/** A pay page's session: the secret for the browser's cookie, and the hash the invoice keeps. */
export function newPaySession(): { secret: string; hash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, hash: paySessionHash(secret) };
}

export function paySessionHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * The session cookie of a new pay-page invoice: HttpOnly, SameSite=Lax, Secure on https, and
 * scoped to the invoice's own path, so only that invoice's pages (and /complete) see it. It lives
 * as long as the invoice can still be paid and its access claimed.
 */
export function paySessionCookie(
  secret: string,
  invoice: { id: string; scheme: 'http' | 'https'; expiresAt: Date; tokenLifetimeMs: number },
  prefix: string,
): string {
  const untilPaid = Math.max(0, Math.floor((invoice.expiresAt.getTime() - Date.now()) / 1000));
  const maxAge = Math.min(MAX_AGE_CAP_SECONDS, untilPaid + Math.ceil(invoice.tokenLifetimeMs / 1000));
  return `${PAY_SESSION_COOKIE}=${secret}; Path=${prefix}/invoices/${invoice.id}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${invoice.scheme === 'https' ? '; Secure' : ''}`;
}
