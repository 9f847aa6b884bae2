import type { NetworkRegistry, PayeeResponse, SealKeys } from '@turnpike/protocol';
import type { Logger } from '@turnpike/protocol/service';
import type { Registry } from 'prom-client';
import type { AddressPool } from './addresses/address-pool.js';
import type { XpubDeriver } from './addresses/xpub-deriver.js';
import type { PortalConfig } from './config/schema.js';
import type { PortalEvents } from './events/portal-events.js';
import type { CreateInvoiceDeps } from './invoices/create-invoice.js';
import type { ViewContext } from './invoices/pay-page-view.js';
import type { Database } from './storage/index.js';
import type { SigningKeySet } from './tokens/signing-keys.js';
import type { PortalMetrics } from './metrics.js';
import type { InvoiceHub } from './public/invoice-hub.js';
import type { SiteRegistry } from './sites/site-registry.js';

/** Everything the HTTP layers need; built once by startPaymentPortal. */
export interface PortalContext {
  config: PortalConfig;
  db: Database;
  registry: NetworkRegistry;
  keys: SigningKeySet;
  /** Keys of the sealed challenges and pay links (derived from the internal API secret). */
  sealKeys: SealKeys;
  /** EVM challenge and x402 addresses from the xpub; absent without `wallets.evm`. */
  deriver: XpubDeriver | undefined;
  /** What this portal can be paid with (GET /internal/v1/payee). */
  payee: PayeeResponse;
  evmPool: AddressPool | undefined;
  invoiceDeps: CreateInvoiceDeps;
  view: ViewContext;
  hub: InvoiceHub;
  /** RPC URLs per watched network (dev-pay sends through the first). */
  rpcUrls: ReadonlyMap<string, readonly string[]>;
  logger: Logger;
  metrics: PortalMetrics;
  /** The event lines (invoice.created, payment.*, token.issued, settlement.failed) and revenue metrics. */
  events: PortalEvents;
  registryMetrics: Registry;
  /** The sites (docs/sites.md): `default` from this config, the others from the database. */
  sites: SiteRegistry;
}
