import type { Queryable } from '../types.js';

/**
 * Takes the lowest free pre-derived address of a wallet in ONE statement (the row is chosen with
 * `FOR UPDATE SKIP LOCKED`, so concurrent callers each get a different one and none waits on
 * another). Returns null when the pool is exhausted: derive more with insertReceiveAddresses.
 */
export async function allocateReceiveAddress(
  db: Queryable,
  walletId: string,
  invoiceId?: string | null,
): Promise<string | null> {
  const result = await db.query<{ address: string }>(
    `UPDATE receive_addresses SET allocated_at = now(), invoice_id = $2
     WHERE (wallet_id, derivation_index) = (
       SELECT wallet_id, derivation_index FROM receive_addresses
       WHERE wallet_id = $1 AND allocated_at IS NULL
       ORDER BY derivation_index
       LIMIT 1
       FOR UPDATE SKIP LOCKED)
     RETURNING address`,
    [walletId, invoiceId ?? null],
  );
  return result.rows[0]?.address ?? null;
}
