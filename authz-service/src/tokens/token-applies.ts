import { claimsSatisfy, DEFAULT_SITE_ID, REASONS, scopeCovers } from '@turnpike/protocol';
import type { AuthzReason } from '../reasons.js';
import type { VerifiedToken } from './verified-token.js';

export interface TokenContext {
  host: string;
  /** The normalised path. */
  path: string;
  /** The requirement's claims; the token's must be a superset. */
  required: Readonly<Record<string, string>>;
  /** The site owning the host (docs/sites.md); absent = `default`. */
  site?: string;
}

/**
 * Why a token's claims do not grant this request (time ± skew, `aud` = host, `site` = the host's
 * site, `resource` covers the path, claims ⊇ required), or undefined when they do.
 */
export function tokenRefusal(
  t: VerifiedToken,
  ctx: TokenContext,
  nowSeconds: number,
  clockSkewSeconds: number,
): AuthzReason | undefined {
  if (t.exp + clockSkewSeconds <= nowSeconds) return REASONS.TOKEN_EXPIRED;
  if (t.nbf !== undefined && t.nbf - clockSkewSeconds > nowSeconds) return REASONS.TOKEN_NOT_YET_VALID;
  if (!t.audiences.includes(ctx.host)) return REASONS.TOKEN_AUDIENCE_MISMATCH;
  // A token opens only its own site's hosts, whatever its aud and resource say.
  if (t.site !== (ctx.site ?? DEFAULT_SITE_ID)) return REASONS.TOKEN_SITE_MISMATCH;
  if (t.resource === undefined || !scopeCovers(t.resource, ctx.path)) return REASONS.TOKEN_SCOPE_MISMATCH;
  if (!claimsSatisfy(t.payload, ctx.required)) return REASONS.TOKEN_CLAIMS_INSUFFICIENT;
  return undefined;
}
