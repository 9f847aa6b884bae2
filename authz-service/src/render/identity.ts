import type { IDENTITY_HEADERS } from '../core/identity-headers.js';
import type { AllowDecision, Identity } from '../core/types.js';

const EMPTY_CLAIMS = '';
const claimsHeaderMemo = new WeakMap<Record<string, string>, string>();

/** base64url(JSON) of the granted claims ('' when there are none); memoised per claims object. */
function claimsHeader(claims: Record<string, string>): string {
  let value = claimsHeaderMemo.get(claims);
  if (value === undefined) {
    value =
      Object.keys(claims).length === 0
        ? EMPTY_CLAIMS
        : Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
    claimsHeaderMemo.set(claims, value);
  }
  return value;
}

/**
 * The identity headers for the upstream on an allow: every one of {@link IDENTITY_HEADERS}, set
 * or empty, so a copy sent by the client is always overwritten by the gateway.
 */
export function identityHeadersFor(
  decision: AllowDecision | { identity: Identity },
): Record<(typeof IDENTITY_HEADERS)[number], string> {
  const id = decision.identity;
  return {
    'x-402-payer': id.payer,
    'x-402-token-id': id.tokenId,
    'x-402-claims': claimsHeader(id.claims),
    'x-402-scope': id.scope,
  };
}
