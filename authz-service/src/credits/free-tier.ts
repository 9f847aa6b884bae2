import { REASONS, type FreeTier } from '@turnpike/protocol';
import { PortalError, PORTAL_RETRY_AFTER_SECONDS, type PortalClient } from '../portal/client.js';
import type { AuthzReason } from '../reasons.js';

export type FreeVerdict =
  | { kind: 'free' }
  | { kind: 'exhausted'; reason: AuthzReason }
  | { kind: 'unavailable'; reason: AuthzReason }
  | { kind: 'rate_limited'; reason: AuthzReason; retryAfterSeconds: number };

export interface FreeTierCounter {
  /** Counts one free request of `payer` on `scope`, exactly, across replicas (one portal call). */
  take(where: { site: string; scope: string; payer: string }, tier: FreeTier): Promise<FreeVerdict>;
}

/** Payers remembered as exhausted until their period resets (bounded; the oldest go first). */
const MAX_REMEMBERED = 100_000;

/**
 * The free tier (docs/payment-request.md): each free request is counted by the portal in one
 * upsert, so N free requests per payer per period hold across replicas and restarts. A payer
 * whose requests are used up is remembered here until the period resets, so it costs no further
 * portal call; a portal that cannot count is `unavailable`, never a free pass.
 */
export function createFreeTierCounter(opts: {
  portal: Pick<PortalClient, 'countFreeRequest'>;
  now?: () => number;
}): FreeTierCounter {
  const now = opts.now ?? Date.now;
  const exhausted = new Map<string, number>();
  const EXHAUSTED: FreeVerdict = { kind: 'exhausted', reason: REASONS.FREE_TIER_EXHAUSTED };
  return {
    async take(where, tier) {
      const key = `${where.site}\n${where.scope}\n${where.payer}\n${tier.requests}/${tier.periodSeconds}`;
      const until = exhausted.get(key);
      if (until !== undefined) {
        if (now() < until) return EXHAUSTED;
        exhausted.delete(key);
      }
      try {
        const answer = await opts.portal.countFreeRequest({
          ...where,
          limit: tier.requests,
          periodSeconds: tier.periodSeconds,
        });
        if (answer.ok) return { kind: 'free' };
        if (exhausted.size >= MAX_REMEMBERED) exhausted.delete(exhausted.keys().next().value as string);
        exhausted.set(key, Date.parse(answer.resetAt));
        return EXHAUSTED;
      } catch (err) {
        if (err instanceof PortalError && err.status === 429)
          return {
            kind: 'rate_limited',
            reason: REASONS.RATE_LIMITED,
            retryAfterSeconds: err.retryAfterSeconds ?? PORTAL_RETRY_AFTER_SECONDS,
          };
        return { kind: 'unavailable', reason: REASONS.FREE_TIER_UNAVAILABLE };
      }
    },
  };
}
