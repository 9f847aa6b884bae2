import type { FreeTierRequest, FreeTierResponse } from '@turnpike/protocol';
import type { Queryable } from '../storage/index.js';

/**
 * Counts one free request, exactly, in one statement: the upsert adds 1 only WHERE the period's
 * count is below the limit, so concurrent requests on every replica together never get more than
 * `limit` a period. Periods are fixed windows of the database's clock (the same for all replicas).
 */
export async function countFreeRequest(db: Queryable, req: FreeTierRequest): Promise<FreeTierResponse> {
  const r = await db.query<{ used: number | null; reset_at: Date }>(
    `WITH period AS (
       SELECT to_timestamp(floor(extract(epoch FROM now()) / $5) * $5) AS start
     ), counted AS (
       INSERT INTO free_tier_counts (site_id, scope, payer, period_start, used, expires_at)
       SELECT $1, $2, $3, period.start, 1, period.start + make_interval(secs => $5::double precision) FROM period
       ON CONFLICT (site_id, scope, payer, period_start)
       DO UPDATE SET used = free_tier_counts.used + 1 WHERE free_tier_counts.used < $4
       RETURNING used
     )
     SELECT (SELECT used FROM counted) AS used, period.start + make_interval(secs => $5::double precision) AS reset_at
     FROM period`,
    [req.site, req.scope, req.payer, req.limit, req.periodSeconds],
  );
  const row = r.rows[0]!;
  return row.used === null
    ? { ok: false, used: req.limit, resetAt: row.reset_at.toISOString() }
    : { ok: true, used: Number(row.used), resetAt: row.reset_at.toISOString() };
}
