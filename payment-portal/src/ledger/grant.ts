import type { TokenClaims } from '@turnpike/protocol';
import { issueToken } from '../tokens/issue-token.js';
import type { SigningKeySet } from '../tokens/signing-keys.js';

/** An invoice's grant: the access its payment bought, fixed when it was first credited. */
export interface Grant {
  invoiceId: string;
  host: string;
  resource: string;
  claims: Record<string, string>;
  jti: string;
  issuedAt: Date;
  expiresAt: Date;
  payer: string | null;
  payment: { network: string; tx: string };
  /** The invoice's site (docs/sites.md): the token opens only that site's hosts. */
  site: string;
}

/**
 * Signs the grant as a token. Signing again gives the same jti, scope and expiry (the JWT string
 * differs: ES256 signatures are randomised), so re-presenting a proof never extends access.
 */
export function tokenForGrant(
  signer: { keys: SigningKeySet; issuer: string },
  grant: Grant,
): Promise<{ token: string; claims: TokenClaims }> {
  return issueToken(signer.keys, {
    issuer: signer.issuer,
    host: grant.host,
    resource: grant.resource,
    claims: grant.claims,
    issuedAt: grant.issuedAt,
    expiresAt: grant.expiresAt,
    jti: grant.jti,
    payer: grant.payer,
    payment: { network: grant.payment.network, tx: grant.payment.tx, invoice: grant.invoiceId },
    site: grant.site,
  });
}
