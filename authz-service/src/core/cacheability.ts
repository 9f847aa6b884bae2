import type { PaymentRequest } from '@turnpike/protocol';
import { FREE_IDENTITY } from './free-identity.js';
import { hasProofHeader } from './proof-headers.js';
import type { AllowDecision, Identity } from './types.js';

/**
 * Which allows a gateway may cache, and until when (docs/authz-service.md, "Which allows a gateway may cache"): a gateway that caches
 * an allow keeps answering it without asking again, so only an answer that the next identical
 * request would get anyway, without anything being spent or counted, may be cached:
 *
 * - an unpriced (free) resource;
 * - a `pass` resource opened by a token the client already holds: no payment proof in the request
 *   (its redemption issues a token), no free tier (counted per request), no unbound-proof opt-in.
 *
 * Never a `per-request`, `credits` or usage resource (each request spends), never a denial.
 * `cacheUntilMs` = min(now + maxAge, token exp − 1 s); a maxAge of 0 marks nothing.
 */
export interface Cacheability {
  /** The allow of an unpriced resource. */
  free(): AllowDecision;
  /** The allow of a token that granted `request`, marked cacheable when it may be. */
  tokenAllow(
    identity: Identity,
    request: PaymentRequest,
    headers: Record<string, string | undefined>,
  ): AllowDecision;
}

const FREE: AllowDecision = Object.freeze({ kind: 'allow', identity: FREE_IDENTITY });

export function createCacheability(opts: { maxAgeMs: number; now?: () => number }): Cacheability {
  const now = opts.now ?? Date.now;
  const maxAgeMs = opts.maxAgeMs;
  if (!Number.isInteger(maxAgeMs) || maxAgeMs < 0) throw new RangeError('maxAgeMs must be an integer ≥ 0');
  if (maxAgeMs === 0) return { free: () => FREE, tokenAllow: (identity) => ({ kind: 'allow', identity }) };
  return {
    free: () => ({ kind: 'allow', identity: FREE_IDENTITY, cacheUntilMs: now() + maxAgeMs }),
    tokenAllow(identity, request, headers) {
      const allow: AllowDecision = { kind: 'allow', identity };
      if (
        identity.expiresAtSeconds === undefined ||
        identity.meter !== undefined ||
        request.metering !== undefined ||
        request.freeTier !== undefined ||
        request.unboundTxProofs === true ||
        hasProofHeader(headers)
      )
        return allow;
      const t = now();
      const until = Math.min(t + maxAgeMs, identity.expiresAtSeconds * 1000 - 1000);
      if (until > t) allow.cacheUntilMs = until;
      return allow;
    },
  };
}
