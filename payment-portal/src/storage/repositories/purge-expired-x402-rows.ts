import type { Queryable } from '../types.js';

/** Rows of the x402 extension tables one call deleted. */
export interface PurgedX402Rows {
  siwxNonces: number;
  paymentIdentifiers: number;
}

/**
 * Deletes at most `batchSize` expired rows from each x402 extension table: sign-in-with-x nonces
 * whose challenge can no longer be accepted (their one use needs no memory after that), and
 * payment-identifier rows past their retention (an id may then be used afresh). Neither is part
 * of the payment ledger. Each DELETE is one short statement; replicas running it at once only
 * delete fewer rows each.
 */
export async function purgeExpiredX402Rows(q: Queryable, batchSize: number): Promise<PurgedX402Rows> {
  const nonces = await q.query(
    `DELETE FROM siwx_nonces WHERE nonce IN (
       SELECT nonce FROM siwx_nonces WHERE expires_at < now() ORDER BY expires_at LIMIT $1)`,
    [batchSize],
  );
  const identifiers = await q.query(
    `DELETE FROM payment_identifiers WHERE id IN (
       SELECT id FROM payment_identifiers WHERE expires_at < now() ORDER BY expires_at LIMIT $1)`,
    [batchSize],
  );
  return { siwxNonces: nonces.rowCount, paymentIdentifiers: identifiers.rowCount };
}
