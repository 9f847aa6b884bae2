import {
  purgeExpiredInvoices,
  purgeExpiredX402Rows,
  type Database,
  type PurgedRows,
  type PurgedX402Rows,
} from '../storage/index.js';
import { purgeExpiredCreditRows } from '../credits/purge-expired-credit-rows.js';

export interface RetentionRound {
  /** Another replica held the retention lock: this one did nothing. */
  skipped: boolean;
  /** Batches (transactions) that deleted something or found nothing left. */
  batches: number;
  deleted: PurgedRows;
  /** Expired sign-in-with-x nonces and payment-identifier rows deleted (one batch each per round). */
  x402: PurgedX402Rows;
}

/**
 * One retention round: one batch of expired x402 extension rows (sign-in-with-x nonces,
 * payment-identifier rows), then expired invoices batch after batch (each its own short
 * transaction, so a large backlog never holds its locks long) until a batch comes back short, another replica takes the
 * lock, or `shouldStop()` says so (the portal is closing).
 */
export async function runRetentionRound(
  db: Database,
  opts: { graceMs: number; batchSize: number; shouldStop?: () => boolean },
): Promise<RetentionRound> {
  const deleted: PurgedRows = { invoices: 0, offers: 0, receiveAddresses: 0 };
  const x402 = await purgeExpiredX402Rows(db, opts.batchSize);
  await purgeExpiredCreditRows(db, opts.batchSize); // price models (docs/credits.md)
  let batches = 0;
  for (;;) {
    const batch = await purgeExpiredInvoices(db, opts);
    if (batch === null) return { skipped: batches === 0, batches, deleted, x402 };
    batches++;
    deleted.invoices += batch.invoices;
    deleted.offers += batch.offers;
    deleted.receiveAddresses += batch.receiveAddresses;
    if (batch.invoices < opts.batchSize || opts.shouldStop?.())
      return { skipped: false, batches, deleted, x402 };
    // Let requests in between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
