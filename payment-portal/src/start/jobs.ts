import type { Logger } from '@turnpike/protocol/service';
import { expireInvoices } from '../invoices/refresh-invoices.js';
import type { InvoiceHub } from '../public/invoice-hub.js';
import type { Database } from '../storage/index.js';
import type { Closer } from './closer.js';

const EXPIRY_SWEEP_MS = 5_000;

/** Background upkeep: invoices past their expiry are marked expired (and their pages told). */
export function startJobs(deps: { db: Database; hub: InvoiceHub; logger: Logger; closer: Closer }): void {
  const sweep = setInterval(() => {
    expireInvoices(deps.db)
      .then((ids) => ids.length > 0 && deps.hub.poke(ids))
      .catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, 'expiry sweep failed'));
  }, EXPIRY_SWEEP_MS);
  sweep.unref();
  deps.closer.add(async () => clearInterval(sweep));
}
