import type { CreditReturnRequest, CreditReturnResponse } from '@turnpike/protocol';
import type { Queryable } from '../storage/index.js';

/**
 * Gives back what a lease did not spend, in one statement: the lease row is deleted (so a lease is
 * returned once) only while it has not expired, and at most its own amount goes back to the
 * balance. An expired lease returns nothing: its authorizer stopped spending it before it expired,
 * but how much it spent is unknown, so it counts as spent (docs/credits.md).
 */
export async function returnCredits(db: Queryable, req: CreditReturnRequest): Promise<CreditReturnResponse> {
  const r = await db.query<{ returned: string }>(
    `WITH gone AS (
       DELETE FROM credit_leases WHERE id = $1 AND expires_at > now()
       RETURNING token_jti, LEAST(amount, $2::numeric) AS back
     )
     UPDATE credit_balances b
     SET remaining = LEAST(b.total, b.remaining + gone.back), updated_at = now()
     FROM gone WHERE b.token_jti = gone.token_jti AND gone.back > 0
     RETURNING gone.back::text AS returned`,
    [req.leaseId, req.unused],
  );
  return { returned: r.rows[0]?.returned ?? '0' };
}
