import type { Queryable } from '../storage/index.js';
import type { ProofBinding } from './binding.js';
import type { Grant } from './grant.js';
import { GRANT_COLUMNS, grantFromRow, type GrantRow } from './grant-row.js';

/**
 * The grant a proof with this binding already bought, with the payment it was credited for, or
 * null. One indexed read (`invoices.binding` is unique): the fast path of a re-presented proof
 * (an EVM transaction-hash proof looks it up while its chain reads run, and does not wait for them).
 */
export async function findBoundGrant(q: Queryable, binding: ProofBinding): Promise<Grant | null> {
  const r = await q.query<GrantRow>(
    `SELECT ${GRANT_COLUMNS}
     FROM invoices i JOIN redemptions r ON r.invoice_id = i.id
     WHERE i.binding = $1
     ORDER BY r.created_at LIMIT 1`,
    [binding],
  );
  return grantFromRow(r.rows[0]);
}
