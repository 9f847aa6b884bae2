import { REASONS } from '@turnpike/protocol';
import { PortalError } from '../errors.js';
import { ADVISORY_LOCK_CLASS, type Queryable } from '../storage/index.js';

/** The window of the per-client invoice limit. */
const WINDOW_SECONDS = 60;

/** Thrown when a client created too many invoices in the last minute. */
export class RateLimitedError extends PortalError {
  constructor(retryAfterSeconds = WINDOW_SECONDS) {
    super(REASONS.RATE_LIMITED, 429, 'too many invoices from this client', { retryAfterSeconds });
    this.name = 'RateLimitedError';
  }
}

/**
 * Refuses a new invoice when `clientIp` already created `limit` in the last minute. Counted: the
 * invoices anybody may open unpaid (a pay page, a recorded challenge). Not counted: the ones a
 * credited proof records (`source = 'proof'`), each written only for a payment verified on chain:
 * a client paying by x402 or transaction hash often would otherwise be refused a pay page. Call it in the
 * transaction that inserts the invoice: it first takes a transaction-scoped advisory lock on the
 * client address, so the creations of one client run one after another on every replica and each
 * count sees the invoices committed before it. Without the lock, parallel requests in READ
 * COMMITTED all count the same old total and all pass. Retry-After says when the oldest counted
 * invoice leaves the window.
 */
export async function enforceClientRateLimit(tx: Queryable, clientIp: string, limit: number): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2))', [
    ADVISORY_LOCK_CLASS.clientInvoices,
    clientIp,
  ]);
  const recent = await tx.query<{ n: string; retry_after: number | null }>(
    `SELECT count(*) AS n,
            GREATEST(1, CEIL(EXTRACT(EPOCH FROM (min(created_at) + make_interval(secs => $2) - clock_timestamp()))))::int AS retry_after
     FROM invoices
     WHERE client_ip = $1 AND created_at > now() - make_interval(secs => $2) AND source <> 'proof'`,
    [clientIp, WINDOW_SECONDS],
  );
  const row = recent.rows[0];
  if (Number(row?.n ?? 0) >= limit)
    throw new RateLimitedError(Math.min(WINDOW_SECONDS, row?.retry_after ?? WINDOW_SECONDS));
}
