import type { Queryable } from '../storage/index.js';
import type { Grant } from './grant.js';
import { GRANT_COLUMNS, grantFromRow, type GrantRow } from './grant-row.js';

/** The grant a credited invoice holds, with the payment it was credited for, or null. */
export async function findGrantByInvoice(q: Queryable, invoiceId: string): Promise<Grant | null> {
  const r = await q.query<GrantRow>(
    `SELECT ${GRANT_COLUMNS}
     FROM invoices i JOIN redemptions r ON r.invoice_id = i.id
     WHERE i.id = $1 AND i.token_jti IS NOT NULL
     ORDER BY r.created_at LIMIT 1`,
    [invoiceId],
  );
  return grantFromRow(r.rows[0]);
}
