import type { Logger } from '@turnpike/protocol/service';
import type { PortalConfig } from '../config/schema.js';
import { expireInvoices } from '../invoices/refresh-invoices.js';
import type { PortalMetrics } from '../metrics.js';
import type { InvoiceHub } from '../public/invoice-hub.js';
import { retentionGraceMs, runRetentionRound } from '../retention/index.js';
import type { Database } from '../storage/index.js';
import type { Closer } from './closer.js';

const EXPIRY_SWEEP_MS = 5_000;

export interface JobsDeps {
  config: PortalConfig;
  db: Database;
  hub: InvoiceHub;
  metrics: PortalMetrics;
  logger: Logger;
  closer: Closer;
}

/**
 * Background upkeep: invoices past their expiry are marked expired (and their pages told); expired
 * invoices nothing was paid to are deleted after the retention grace.
 */
export function startJobs(deps: JobsDeps): void {
  const sweep = setInterval(() => {
    expireInvoices(deps.db)
      .then((ids) => ids.length > 0 && deps.hub.poke(ids))
      .catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, 'expiry sweep failed'));
  }, EXPIRY_SWEEP_MS);
  sweep.unref();
  deps.closer.add(async () => clearInterval(sweep));
  if (deps.config.retention.enabled) startRetention(deps);
}

/** Retention rounds every `retention.intervalMs`, one at a time; the closer waits for one in flight. */
function startRetention(deps: JobsDeps): void {
  const { db, metrics, logger } = deps;
  const graceMs = retentionGraceMs(deps.config);
  const { batchSize, intervalMs } = deps.config.retention;
  let running: Promise<void> | undefined;
  let stopped = false;
  const round = async (): Promise<void> => {
    try {
      const r = await runRetentionRound(db, { graceMs, batchSize, shouldStop: () => stopped });
      metrics.retentionRounds.inc({ outcome: r.skipped ? 'skipped' : 'done' });
      metrics.retentionDeleted.inc({ table: 'invoices' }, r.deleted.invoices);
      metrics.retentionDeleted.inc({ table: 'invoice_offers' }, r.deleted.offers);
      metrics.retentionDeleted.inc({ table: 'receive_addresses' }, r.deleted.receiveAddresses);
      metrics.retentionDeleted.inc({ table: 'siwx_nonces' }, r.x402.siwxNonces);
      metrics.retentionDeleted.inc({ table: 'payment_identifiers' }, r.x402.paymentIdentifiers);
      if (r.deleted.invoices > 0)
        logger.info({ ...r.deleted, batches: r.batches }, 'retention deleted expired invoices');
    } catch (err) {
      metrics.retentionRounds.inc({ outcome: 'failed' });
      logger.warn({ err: (err as Error).message }, 'retention round failed');
    }
  };
  const timer = setInterval(() => {
    running ??= round().finally(() => {
      running = undefined;
    });
  }, intervalMs);
  timer.unref();
  logger.debug({ graceMs, intervalMs, batchSize }, 'retention started');
  deps.closer.add(async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  });
}
