import type { Queryable } from '../storage/index.js';
import type { Grant } from './grant.js';
import { GRANT_COLUMNS, grantFromRow, type GrantRow } from './grant-row.js';

/**
 * The unexpired grant a payer already bought for exactly this host, resource scope and required
 * claims (the grant's claims hold every one of them), the one lasting longest; null when there is
 * none. What sign-in-with-x answers a returning payer with: the same jti and expiry as the token
 * its payment bought, so signing in never extends access. `payer` is as the ledger stores it
 * (EVM: lower-case 0x address; Solana: base58).
 */
export async function findPayerGrant(
  q: Queryable,
  where: { payer: string; host: string; resource: string; claims: Readonly<Record<string, string>> },
): Promise<Grant | null> {
  const r = await q.query<GrantRow>(
    `SELECT ${GRANT_COLUMNS}
     FROM redemptions r JOIN invoices i ON i.id = r.invoice_id
     WHERE r.payer = $1 AND i.host = $2 AND i.resource = $3
       AND i.token_jti IS NOT NULL AND i.token_expires_at > now()
       AND i.claims @> $4::jsonb
     ORDER BY i.token_expires_at DESC LIMIT 1`,
    [where.payer, where.host, where.resource, JSON.stringify(where.claims)],
  );
  return grantFromRow(r.rows[0]);
}
