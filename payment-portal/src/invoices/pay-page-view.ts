import { formatAtomic, type NetworkRegistry } from '@turnpike/protocol';
import { getAddress } from 'ethers';
import type { PayPageView } from '../pay-page/view.js';
import type { Queryable } from '../storage/index.js';
import { getInvoice } from './get-invoice.js';
import type { InvoiceRecord } from './types.js';

export interface ViewContext {
  registry: NetworkRegistry;
  /** Public prefix, e.g. '/_402'. */
  prefix: string;
  /** Blocks on top required per network (the watcher's setting). */
  confirmations: ReadonlyMap<string, number>;
  /** Whether the dev-pay control is on (config dev.payFromAccount). */
  devPay: boolean;
  /** The local dev chain's id (config dev.chainId). */
  devChainId: number;
  /** A site's branding by id (docs/sites.md); undefined for `default` and unknown sites. */
  brandingOf?: (siteId: string) => PayPageView['branding'];
}

function networkLabel(name: string, devChain: boolean): string {
  if (devChain) return 'Local dev chain';
  return name
    .split('-')
    .map((w) => (w === '' ? w : w[0]!.toUpperCase() + w.slice(1)))
    .join(' ');
}

/**
 * The pay page state of an invoice (also its JSON variant and the SSE payload). An open invoice
 * past its expiry shows as expired even before the sweep has written it.
 */
export function toPayPageView(
  invoice: InvoiceRecord,
  ctx: ViewContext,
  progress: ReadonlyMap<string, { have: number }> = new Map(),
  now = new Date(),
): PayPageView {
  const base = `${ctx.prefix}/invoices/${invoice.id}`;
  const status =
    (invoice.status === 'pending' || invoice.status === 'seen') && invoice.expiresAt <= now
      ? 'expired'
      : invoice.status;
  const offers = invoice.offers.map((o) => {
    const network = ctx.registry.get(o.network);
    const chainId = network?.kind === 'evm' ? network.chainId : undefined;
    const need = ctx.confirmations.get(o.network) ?? (network?.kind === 'evm' ? network.confirmations : 0);
    const remaining = o.amountAtomic > o.receivedAtomic ? o.amountAtomic - o.receivedAtomic : 0n;
    const settled = o.confirmedAtomic >= o.amountAtomic;
    const payTo = network?.kind === 'evm' ? getAddress(o.payTo) : o.payTo;
    const devChain = chainId !== undefined && chainId === ctx.devChainId;
    return {
      network: o.network,
      networkLabel: networkLabel(o.network, devChain),
      caip2: network?.caip2 ?? o.network,
      ...(chainId === undefined ? {} : { chainId }),
      ...(devChain ? { devChain } : {}),
      kind: network?.kind ?? 'evm',
      asset: {
        symbol: o.assetSymbol,
        kind: o.assetKind,
        decimals: o.decimals,
        ...(o.assetKind === 'erc20' && o.assetAddress ? { address: getAddress(o.assetAddress) } : {}),
        ...(o.assetKind === 'spl' && o.assetAddress ? { mint: o.assetAddress } : {}),
      },
      amount: formatAtomic(o.amountAtomic, o.decimals),
      atomic: o.amountAtomic.toString(),
      payTo,
      ...(o.reference === null ? {} : { reference: o.reference }),
      received: formatAtomic(o.receivedAtomic, o.decimals),
      remaining: formatAtomic(remaining, o.decimals),
      confirmations: { have: settled ? need : Math.min(need, progress.get(o.id)?.have ?? 0), need },
    } satisfies PayPageView['offers'][number];
  });
  const devChain = offers.some((o) => o.devChain === true);
  return {
    invoice: {
      id: invoice.id,
      status,
      expiresAt: invoice.expiresAt.toISOString(),
      host: invoice.host,
      resource: invoice.resource,
      ...(invoice.description === null ? {} : { description: invoice.description }),
      returnUrl: `${invoice.scheme}://${invoice.host}${invoice.originalUri}`,
      ...(invoice.lateCredited ? { lateCredited: true } : {}),
    },
    offers,
    customization: invoice.customization,
    ...brandingOf(invoice, ctx),
    urls: {
      state: base,
      events: `${base}/events`,
      complete: `${base}/complete`,
      // Once something was credited, the signed receipts (receipts/receipt-routes.ts).
      ...(status === 'paid' || status === 'redeemed' || invoice.lateCredited
        ? { receipt: `${base}/receipt` }
        : {}),
      ...(ctx.devPay && devChain ? { devPay: `${base}/dev-pay` } : {}),
    },
    devChain,
  };
}

function brandingOf(invoice: InvoiceRecord, ctx: ViewContext): Pick<PayPageView, 'branding'> {
  const branding = ctx.brandingOf?.(invoice.siteId);
  return branding === undefined || Object.keys(branding).length === 0 ? {} : { branding };
}

/** Loads an invoice and its confirmation progress and builds the view; null when unknown. */
export async function loadPayPageView(
  db: Queryable,
  id: string,
  ctx: ViewContext,
): Promise<PayPageView | null> {
  const invoice = await getInvoice(db, id);
  // An invoice written for a credited proof has no pay page: its grant went to the proof.
  if (!invoice || invoice.source === 'proof') return null;
  const rows = await db.query<{ offer_id: string; have: string | null }>(
    `SELECT o.id AS offer_id, (c.last_block - MIN(p.block_number)) AS have
     FROM invoice_offers o
     JOIN payments p ON p.network = o.network AND p.pay_to = COALESCE(o.reference, o.pay_to) AND p.status = 'seen'
     LEFT JOIN watcher_cursors c ON c.network = o.network
     WHERE o.invoice_id = $1 GROUP BY o.id, c.last_block`,
    [id],
  );
  const progress = new Map(
    rows.rows.map((r) => [String(r.offer_id), { have: Math.max(0, Number(r.have ?? 0)) }]),
  );
  return toPayPageView(invoice, ctx, progress);
}
