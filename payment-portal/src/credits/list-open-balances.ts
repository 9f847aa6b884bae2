import type { Queryable } from '../storage/index.js';

/** One open credit balance, for the dashboard (amounts as decimal strings of bigint). */
export interface OpenCreditBalance {
  tokenId: string;
  siteId: string;
  host: string;
  resource: string;
  model: 'credits' | 'per-request';
  /** What no authorizer holds yet (blocks leased out are not counted). */
  remaining: string;
  total: string;
  expiresAt: string;
}

/**
 * Balances with credit left whose token has not expired, newest first; `site` narrows to one
 * site (invoices.site_id), `limit` caps the rows (default 100, at most 1000).
 */
export async function listOpenCreditBalances(
  db: Queryable,
  opts: { site?: string; limit?: number } = {},
): Promise<OpenCreditBalance[]> {
  const limit = Math.min(Math.max(Math.trunc(opts.limit ?? 100), 1), 1000);
  const r = await db.query<{
    token_jti: string;
    site_id: string;
    host: string;
    resource: string;
    model: 'credits' | 'per-request';
    remaining: string;
    total: string;
    expires_at: Date;
  }>(
    `SELECT b.token_jti, i.site_id, i.host, i.resource, b.model, b.remaining::text AS remaining,
            b.total::text AS total, b.expires_at
     FROM credit_balances b JOIN invoices i ON i.id = b.invoice_id
     WHERE b.remaining > 0 AND b.expires_at > now() AND ($1::text IS NULL OR i.site_id = $1)
     ORDER BY b.created_at DESC LIMIT $2`,
    [opts.site ?? null, limit],
  );
  return r.rows.map((row) => ({
    tokenId: row.token_jti,
    siteId: row.site_id,
    host: row.host,
    resource: row.resource,
    model: row.model,
    remaining: row.remaining,
    total: row.total,
    expiresAt: row.expires_at.toISOString(),
  }));
}
