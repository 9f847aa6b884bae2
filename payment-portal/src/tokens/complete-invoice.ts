import {
  normalizePath,
  REASONS,
  scopeCovers,
  tokenCookieName,
  TOKEN_COOKIE,
  type TokenClaims,
} from '@turnpike/protocol';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { PortalError } from '../errors.js';
import { getInvoice } from '../invoices/get-invoice.js';
import { PORTAL_REASONS } from '../reasons.js';
import type { Database } from '../storage/index.js';
import { paySessionHash } from '../public/pay-session.js';
import { issueToken } from './issue-token.js';
import type { SigningKeySet } from './signing-keys.js';

export interface CompletedInvoice {
  token: string;
  claims: TokenClaims;
  /** Origin-form path on the invoice's host (never another host). */
  location: string;
  cookies: string[];
}

/** The redirect target of an invoice, re-checked: origin-form, normalised, inside the scope. */
export function safeReturnPath(originalUri: string, resource: string): string {
  let target;
  try {
    target = normalizePath(originalUri);
  } catch {
    throw new PortalError(REASONS.REDIRECT_INVALID, 400, 'the return address is not a path on this site');
  }
  const location = target.query === '' ? target.path : `${target.path}?${target.query}`;
  if (location !== originalUri || !scopeCovers(resource, target.path) || location.startsWith('//')) {
    throw new PortalError(REASONS.REDIRECT_INVALID, 400, 'the return address is outside the paid resource');
  }
  return location;
}

/**
 * Issues the token of a paid invoice and the cookies that carry it, only to the browser session
 * that opened the invoice on the pay page (its `402_pay` cookie). The first call fixes the
 * token's jti and expiry and moves the invoice paid → redeemed (one conditional UPDATE); later
 * calls re-issue the same grant (same jti and expiry, never longer), so a person whose cookie was
 * lost can come back through the same invoice link. A late payment unlocks only when configured.
 */
export async function completeInvoice(
  deps: { db: Database; keys: SigningKeySet; issuer: string; latePaymentUnlocks: boolean },
  input: {
    id: string;
    requestHost: string | undefined;
    /** The pay-page session secret from the browser's cookie, if it sent one. */
    sessionSecret?: string | undefined;
  },
): Promise<CompletedInvoice> {
  const invoice = await getInvoice(deps.db, input.id);
  // A proof's invoice has no session: its grant went to the proof that bought it.
  if (!invoice || invoice.source === 'proof')
    throw new PortalError(REASONS.INVOICE_NOT_FOUND, 404, 'no such invoice');
  if (invoice.sessionHash !== null && !sameSession(invoice.sessionHash, input.sessionSecret))
    throw new PortalError(
      REASONS.PAY_SESSION_INVALID,
      403,
      'this invoice was opened in another browser: its access is handed out only there',
    );
  if (
    input.requestHost !== undefined &&
    stripPort(input.requestHost).toLowerCase() !== stripPort(invoice.host).toLowerCase()
  ) {
    throw new PortalError(REASONS.REDIRECT_INVALID, 400, 'this invoice belongs to another site');
  }
  const location = safeReturnPath(invoice.originalUri, invoice.resource);
  const grant = await deps.db.query<{ token_jti: string; token_expires_at: Date; redeemed_at: Date }>(
    `UPDATE invoices
     SET token_jti = COALESCE(token_jti, $2),
         token_expires_at = COALESCE(token_expires_at, now() + make_interval(secs => token_lifetime_ms::double precision / 1000)),
         redeemed_at = COALESCE(redeemed_at, now()),
         status = CASE WHEN status = 'paid' THEN 'redeemed' ELSE status END
     WHERE id = $1 AND (status IN ('paid', 'redeemed') OR (status = 'expired' AND late_credited AND $3))
     RETURNING token_jti, token_expires_at, redeemed_at`,
    [invoice.id, randomUUID(), deps.latePaymentUnlocks],
  );
  const row = grant.rows[0];
  if (!row) throw new PortalError(PORTAL_REASONS.INVOICE_NOT_PAID, 409, 'this invoice is not paid yet');
  if (row.token_expires_at.getTime() <= Date.now())
    throw new PortalError(REASONS.TOKEN_EXPIRED, 410, 'access bought with this invoice has ended');
  const payment = await deps.db.query<{ network: string; tx_hash: string; payer: string | null }>(
    `SELECT network, tx_hash, payer FROM payments WHERE invoice_id = $1 AND status = 'confirmed' ORDER BY block_number, log_index LIMIT 1`,
    [invoice.id],
  );
  const paid = payment.rows[0];
  const { token, claims } = await issueToken(deps.keys, {
    issuer: deps.issuer,
    host: invoice.host,
    resource: invoice.resource,
    claims: invoice.claims,
    issuedAt: row.redeemed_at,
    expiresAt: row.token_expires_at,
    jti: row.token_jti,
    payer: paid?.payer ?? null,
    payment: {
      network: paid?.network ?? invoice.offers[0]?.network ?? 'unknown',
      tx: paid?.tx_hash ?? 'unknown',
      invoice: invoice.id,
    },
    site: invoice.siteId,
  });
  const maxAge = Math.max(0, Math.floor((row.token_expires_at.getTime() - Date.now()) / 1000));
  const attributes = `Path=${invoice.resource}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${invoice.scheme === 'https' ? '; Secure' : ''}`;
  return {
    token,
    claims,
    location,
    cookies: [
      `${tokenCookieName(invoice.resource)}=${token}; ${attributes}`,
      `${TOKEN_COOKIE}=${token}; ${attributes}`,
    ],
  };
}

function sameSession(expectedHash: string, secret: string | undefined): boolean {
  if (secret === undefined) return false;
  return timingSafeEqual(Buffer.from(paySessionHash(secret), 'hex'), Buffer.from(expectedHash, 'hex'));
}

function stripPort(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? host);
}
