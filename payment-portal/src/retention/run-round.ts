import { purgeExpiredInvoices, type Database, type PurgedRows } from '../storage/index.js';

export interface RetentionRound {
  /** Another replica held the retention lock: this one did nothing. */
  skipped: boolean;
  /** Batches (transactions) that deleted something or found nothing left. */
  batches: number;
  deleted: PurgedRows;
}

/**
 * One retention round: deletes batch after batch (each its own short transaction, so a large
 * backlog never holds its locks long) until a batch comes back short, another replica takes the
 * lock, or `shouldStop()` says so (the portal is closing).
 */
export async function runRetentionRound(
  db: Database,
  opts: { graceMs: number; batchSize: number; shouldStop?: () => boolean },
): Promise<RetentionRound> {
  const deleted: PurgedRows = { invoices: 0, offers: 0, receiveAddresses: 0 };
  let batches = 0;
  for (;;) {
    const batch = await purgeExpiredInvoices(db, opts);
    if (batch === null) return { skipped: batches === 0, batches, deleted };
    batches++;
    deleted.invoices += batch.invoices;
    deleted.offers += batch.offers;
    deleted.receiveAddresses += batch.receiveAddresses;
    if (batch.invoices < opts.batchSize || opts.shouldStop?.()) return { skipped: false, batches, deleted };
    // Let requests in between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
