import type { Queryable } from '../storage/index.js';
import type { Grant } from './grant.js';

interface Row {
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
}

/** The grant a credited invoice holds, with the payment it was credited for, or null. */
export async function findGrantByInvoice(q: Queryable, invoiceId: string): Promise<Grant | null> {
  const r = await q.query<Row>(
    `SELECT i.id, i.host, i.resource, i.claims, i.token_jti, i.redeemed_at, i.token_expires_at,
            r.network, r.tx_hash, r.payer
     FROM invoices i JOIN redemptions r ON r.invoice_id = i.id
     WHERE i.id = $1 AND i.token_jti IS NOT NULL
     ORDER BY r.created_at LIMIT 1`,
    [invoiceId],
  );
  const row = r.rows[0];
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
  };
}
