import { randomBytes } from 'node:crypto';
import type { CreditLeaseRequest, CreditLeaseResponse } from '@turnpike/protocol';
import type { Queryable } from '../storage/index.js';

/**
 * Takes a block of a token's balance for one authorizer, in one statement: the UPDATE takes
 * LEAST(remaining, want) only WHERE remaining >= min (the resource's cost), and records the size it
 * took in `last_lease` (every SET expression reads the row as it was), and the same statement
 * inserts the lease. Concurrent leases on one token queue on its row lock and each sees the
 * balance the one before left: the sum of what is granted never exceeds the balance, across any
 * number of portal and authorizer replicas. Nothing is read first and written after.
 */
export async function leaseCredits(db: Queryable, req: CreditLeaseRequest): Promise<CreditLeaseResponse> {
  const leaseId = randomBytes(16).toString('base64url');
  const taken = await db.query<{ granted: string; remaining: string; expires_at: Date }>(
    `WITH taken AS (
       UPDATE credit_balances
       SET remaining = remaining - LEAST(remaining, $2::numeric),
           last_lease = LEAST(remaining, $2::numeric),
           updated_at = now()
       WHERE token_jti = $1 AND remaining >= $3::numeric AND remaining > 0 AND expires_at > now()
       RETURNING token_jti, last_lease, remaining, expires_at
     ), lease AS (
       INSERT INTO credit_leases (id, token_jti, amount, expires_at)
       SELECT $4, token_jti, last_lease, LEAST(expires_at, now() + make_interval(secs => $5::double precision / 1000))
       FROM taken
       RETURNING amount, expires_at
     )
     SELECT lease.amount::text AS granted, taken.remaining::text AS remaining, lease.expires_at
     FROM lease CROSS JOIN taken`,
    [req.tokenId, req.want, req.min, leaseId, req.ttlMs],
  );
  const row = taken.rows[0];
  if (row !== undefined)
    return {
      ok: true,
      leaseId,
      granted: row.granted,
      remaining: row.remaining,
      expiresAt: row.expires_at.toISOString(),
    };
  // Nothing taken: say why (a read for the reason only; it decides nothing).
  const open = await db.query<{ leased_out: string }>(
    `SELECT (SELECT COALESCE(sum(amount), 0) FROM credit_leases l
             WHERE l.token_jti = b.token_jti AND l.expires_at > now())::text AS leased_out
     FROM credit_balances b WHERE b.token_jti = $1 AND b.expires_at > now()`,
    [req.tokenId],
  );
  const balance = open.rows[0];
  return balance === undefined
    ? { ok: false, reason: 'credit_balance_unknown', leasedOut: '0' }
    : { ok: false, reason: 'credits_exhausted', leasedOut: balance.leased_out };
}
