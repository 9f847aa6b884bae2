import { ADVISORY_LOCK_CLASS } from '../advisory-locks.js';
import type { Database } from '../types.js';

/** The retention job's transaction-scoped advisory lock (two-int key). */
export const RETENTION_LOCK = [ADVISORY_LOCK_CLASS.retention, 1] as const;

/** Rows one batch deleted, per table. */
export interface PurgedRows {
  invoices: number;
  offers: number;
  receiveAddresses: number;
}

/**
 * What the ledger says about an invoice `i`: a payment or a redemption names it, a payment went to
 * one of its offers' addresses or Solana references (even one recorded without the invoice id),
 * or a credited challenge address names it. Such an invoice is kept for ever.
 */
const REFERENCED = `(
  EXISTS (SELECT 1 FROM payments p WHERE p.invoice_id = i.id)
  OR EXISTS (SELECT 1 FROM redemptions r WHERE r.invoice_id = i.id)
  OR EXISTS (SELECT 1 FROM challenge_addresses c WHERE c.invoice_id = i.id)
  OR EXISTS (SELECT 1 FROM invoice_offers o JOIN payments p
               ON p.network = o.network AND p.pay_to = COALESCE(o.reference, o.pay_to)
             WHERE o.invoice_id = i.id))`;

/**
 * Deletes one batch of at most `batchSize` expired invoices whose expiry is older than `graceMs`
 * and that nothing in the ledger references, oldest first, with their offers and the receive
 * addresses allocated to them, in one transaction. Returns null (and deletes nothing) when another
 * replica holds the retention lock: a transaction-scoped `pg_try_advisory_xact_lock`, so only one
 * replica works at a time and the lock ends with the transaction.
 *
 * The candidates are locked (FOR UPDATE SKIP LOCKED), then checked again in a second statement:
 * under READ COMMITTED it sees a payment committed after the first statement's snapshot, and a
 * payment inserted after the lock waits for this transaction (its foreign key locks the invoice
 * row). Receive addresses go with their invoice; the pool never derives their indexes again
 * (reserveReceiveAddressIndexes).
 */
export async function purgeExpiredInvoices(
  db: Database,
  opts: { graceMs: number; batchSize: number },
): Promise<PurgedRows | null> {
  return db.transaction(async (tx) => {
    const lock = await tx.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_xact_lock($1::int, $2::int) AS locked',
      [...RETENTION_LOCK],
    );
    if (lock.rows[0]?.locked !== true) return null;
    const candidates = await tx.query<{ id: string }>(
      `SELECT i.id FROM invoices i
       WHERE i.status = 'expired' AND i.expires_at < now() - make_interval(secs => $1::double precision / 1000)
         AND NOT ${REFERENCED}
       ORDER BY i.expires_at
       LIMIT $2
       FOR UPDATE OF i SKIP LOCKED`,
      [opts.graceMs, opts.batchSize],
    );
    if (candidates.rows.length === 0) return { invoices: 0, offers: 0, receiveAddresses: 0 };
    const checked = await tx.query<{ id: string }>(
      `SELECT i.id FROM invoices i WHERE i.id = ANY($1::text[]) AND NOT ${REFERENCED}`,
      [candidates.rows.map((r) => r.id)],
    );
    const ids = checked.rows.map((r) => r.id);
    const addresses = await tx.query('DELETE FROM receive_addresses WHERE invoice_id = ANY($1::text[])', [
      ids,
    ]);
    const offers = await tx.query('DELETE FROM invoice_offers WHERE invoice_id = ANY($1::text[])', [ids]);
    const invoices = await tx.query('DELETE FROM invoices WHERE id = ANY($1::text[])', [ids]);
    return { invoices: invoices.rowCount, offers: offers.rowCount, receiveAddresses: addresses.rowCount };
  });
}
