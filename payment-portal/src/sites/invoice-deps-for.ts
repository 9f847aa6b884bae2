import type { PortalContext } from '../context.js';
import type { CreateInvoiceDeps } from '../invoices/create-invoice.js';
import type { PortalSite } from './site-registry.js';

/**
 * The invoice dependencies of one site: its own receive address pool and Solana wallet (its
 * invoices pay into its wallets), its per-client invoice limit and its id on every invoice.
 */
export function invoiceDepsFor(ctx: PortalContext, site: PortalSite): CreateInvoiceDeps {
  const limit = site.definition?.limits.invoicesPerMinutePerIp;
  const accept = site.definition?.accept;
  return {
    ...ctx.invoiceDeps,
    evmPool: site.evmPool,
    solanaWallet: site.solanaWallet,
    siteId: site.id,
    ...(limit === undefined ? {} : { rateLimitPerMinutePerIp: limit }),
    ...(accept === undefined ? {} : { accept }),
    ...(site.definition?.branding.customization === undefined
      ? {}
      : { defaultCustomization: site.definition.branding.customization }),
  };
}
