import type { Queryable } from '../storage/index.js';

/**
 * Deletes, a batch at a time, free-tier counts whose period is over and credit leases past their
 * end (never returned: their credit already counts as spent, docs/credits.md). Balances are kept
 * with the payment ledger.
 */
export async function purgeExpiredCreditRows(
  q: Queryable,
  batchSize: number,
): Promise<{ freeTierCounts: number; creditLeases: number }> {
  const counts = await q.query(
    `DELETE FROM free_tier_counts WHERE (site_id, scope, payer, period_start) IN (
       SELECT site_id, scope, payer, period_start FROM free_tier_counts
       WHERE expires_at < now() ORDER BY expires_at LIMIT $1)`,
    [batchSize],
  );
  const leases = await q.query(
    `DELETE FROM credit_leases WHERE id IN (
       SELECT id FROM credit_leases WHERE expires_at < now() ORDER BY expires_at LIMIT $1)`,
    [batchSize],
  );
  return { freeTierCounts: counts.rowCount, creditLeases: leases.rowCount };
}
