import type { JWTPayload } from 'jose';
import { DEFAULT_SITE_ID, RESERVED_CLAIMS, type MeteredModel } from '@turnpike/protocol';

/** Claims that describe the token itself rather than what it grants (the issuer's own). */
const NON_GRANT_CLAIMS: ReadonlySet<string> = new Set(RESERVED_CLAIMS);

/** A token's claims in the shape the per-request checks read (audience, time, scope, claims). */
export interface VerifiedToken {
  payload: JWTPayload;
  /** Seconds. */
  exp: number;
  nbf: number | undefined;
  audiences: readonly string[];
  resource: string | undefined;
  payer: string;
  tokenId: string;
  /** String claims the token grants (custom claims, aud, resource). */
  granted: Record<string, string>;
  /** The site the token was issued for (`site`; a token from before sites: `default`). */
  site: string;
  /** The `meter` claim of a metered token (docs/credits.md); absent for a pass. */
  meter: MeteredModel | undefined;
}

/**
 * Reads a claims set into that shape, or undefined without a numeric `exp`. Used on verified
 * payloads, and on not-yet-verified ones to screen out tokens that could not pass anyway.
 */
export function toVerifiedToken(payload: JWTPayload): VerifiedToken | undefined {
  if (typeof payload.exp !== 'number') return undefined;
  const aud = payload.aud;
  const audiences =
    typeof aud === 'string'
      ? [aud]
      : Array.isArray(aud)
        ? aud.filter((a): a is string => typeof a === 'string')
        : [];
  const granted: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload))
    if (typeof v === 'string' && !NON_GRANT_CLAIMS.has(k)) granted[k] = v;
  return {
    payload,
    exp: payload.exp,
    nbf: typeof payload.nbf === 'number' ? payload.nbf : undefined,
    audiences,
    resource: typeof payload.resource === 'string' ? payload.resource : undefined,
    payer: typeof payload.sub === 'string' ? payload.sub : '',
    tokenId: typeof payload.jti === 'string' ? payload.jti : '',
    granted,
    site: typeof payload.site === 'string' ? payload.site : DEFAULT_SITE_ID,
    meter: payload.meter === 'credits' || payload.meter === 'per-request' ? payload.meter : undefined,
  };
}
