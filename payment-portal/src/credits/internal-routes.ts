import {
  creditLeaseRequestSchema,
  creditReturnRequestSchema,
  freeTierRequestSchema,
  PORTAL_API_PATHS,
  REASONS,
} from '@turnpike/protocol';
import type express from 'express';
import type { PortalContext } from '../context.js';
import { PortalError } from '../errors.js';
import { createAttemptLimiter } from '../proofs/attempt-limiter.js';
import { countFreeRequest } from './count-free-request.js';
import { leaseCredits } from './lease-credits.js';
import { returnCredits } from './return-credits.js';

/**
 * Free-tier counts one payer may ask for a minute, per portal replica. A counted row is a write
 * caused by traffic that paid nothing, so it is limited (429 `rate_limited`, never a 5xx); a payer
 * within its free requests asks once per request, and the authorizer remembers an exhausted payer
 * until its period resets, so an honest client never comes near it.
 */
export const FREE_TIER_CALLS_PER_MINUTE_PER_PAYER = 600;

/** Every body of this API is parsed with its shared schema; a bad one is 400 request_schema_invalid. */
function parse<T>(
  schema: { safeParse(x: unknown): { success: true; data: T } | { success: false } },
  body: unknown,
): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new PortalError(REASONS.REQUEST_SCHEMA_INVALID, 400, 'invalid body');
  return r.data;
}

/** The internal API of price models (docs/credits.md): credit leases, their returns, free-tier counts. */
export function mountCreditRoutes(app: express.Express, ctx: PortalContext): void {
  app.post(PORTAL_API_PATHS.creditLeases, async (req, res) => {
    res.json(await leaseCredits(ctx.db, parse(creditLeaseRequestSchema, req.body)));
  });
  app.post(PORTAL_API_PATHS.creditReturns, async (req, res) => {
    res.json(await returnCredits(ctx.db, parse(creditReturnRequestSchema, req.body)));
  });
  const payers = createAttemptLimiter(FREE_TIER_CALLS_PER_MINUTE_PER_PAYER);
  app.post(PORTAL_API_PATHS.freeTier, async (req, res) => {
    const body = parse(freeTierRequestSchema, req.body);
    const wait = payers.take(body.payer);
    if (wait !== undefined)
      throw new PortalError(REASONS.RATE_LIMITED, 429, 'too many free requests from this payer', {
        retryAfterSeconds: wait,
      });
    res.json(await countFreeRequest(ctx.db, body));
  });
}
