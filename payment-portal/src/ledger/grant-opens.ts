import { normalizePath, type SettleRequest } from '@turnpike/protocol';
import type { Grant } from './grant.js';

/**
 * Whether a grant is the access this settle request asks for: its host, its resource, the claims
 * the resource requires. A binding (an x402 authorization, a Solana transaction) names no
 * resource: the same payment presented for another one must not get a token that does not open it.
 */
export function grantOpens(grant: Grant, request: SettleRequest): boolean {
  return (
    grant.host === request.host &&
    grant.resource === normalizePath(request.resource).path &&
    Object.entries(request.request.claims).every(([name, value]) => grant.claims[name] === value)
  );
}
