import type { Grant } from './grant.js';

/** The columns a grant is read from (`invoices i` joined with `redemptions r`). */
export const GRANT_COLUMNS = `i.id, i.host, i.resource, i.claims, i.token_jti, i.redeemed_at, i.token_expires_at,
            r.network, r.tx_hash, r.payer, i.site_id`;

/** One row of GRANT_COLUMNS. */
export interface GrantRow {
  id: string;
  host: string;
  resource: string;
  claims: Record<string, string>;
  token_jti: string;
  redeemed_at: Date;
  token_expires_at: Date;
  network: string;
  tx_hash: string;
  payer: string | null;
  site_id: string;
}

/** The grant a GRANT_COLUMNS row holds, or null for no row. */
export function grantFromRow(row: GrantRow | undefined): Grant | null {
  if (!row) return null;
  return {
    invoiceId: row.id,
    host: row.host,
    resource: row.resource,
    claims: row.claims,
    jti: row.token_jti,
    issuedAt: row.redeemed_at,
    expiresAt: row.token_expires_at,
    payer: row.payer,
    payment: { network: row.network, tx: row.tx_hash },
    site: row.site_id,
  };
}
