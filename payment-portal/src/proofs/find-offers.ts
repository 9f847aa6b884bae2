import type { Queryable } from '../storage/index.js';
import type { InvoiceSource, InvoiceStatus } from '../invoices/types.js';

/** An invoice offer found by its receive address, with what the verifiers need of its invoice. */
export interface OfferMatch {
  invoiceId: string;
  /** How the invoice was made (only recorded API challenges are matched to transaction proofs). */
  source: InvoiceSource;
  host: string;
  resource: string;
  status: InvoiceStatus;
  createdAt: Date;
  expiresAt: Date;
  network: string;
  assetKind: 'native' | 'erc20' | 'spl';
  /** Lower-case token contract (erc20), else null. */
  assetAddress: string | null;
  assetSymbol: string;
  amountAtomic: bigint;
  /** As stored: lower-case hex for EVM. */
  payTo: string;
}

interface Row {
  invoice_id: string;
  source: InvoiceSource;
  host: string;
  resource: string;
  status: InvoiceStatus;
  created_at: Date;
  expires_at: Date;
  network: string;
  asset_kind: OfferMatch['assetKind'];
  asset_address: string | null;
  asset_symbol: string;
  amount_atomic: string;
  pay_to: string;
}

/**
 * The invoice offers whose unique receive address on `network` is one of `payTos` (at most one
 * per address: UNIQUE (network, pay_to)). Addresses must be in their stored form.
 */
export async function findOffersByPayTo(
  q: Queryable,
  network: string,
  payTos: readonly string[],
): Promise<OfferMatch[]> {
  if (payTos.length === 0) return [];
  const result = await q.query<Row>(
    `SELECT o.invoice_id, i.source, i.host, i.resource, i.status, i.created_at, i.expires_at, o.network, o.asset_kind,
            o.asset_address, o.asset_symbol, o.amount_atomic, o.pay_to
     FROM invoice_offers o JOIN invoices i ON i.id = o.invoice_id
     WHERE o.network = $1 AND o.pay_to = ANY($2::text[])`,
    [network, [...new Set(payTos)]],
  );
  return result.rows.map((r) => ({
    invoiceId: r.invoice_id,
    source: r.source,
    host: r.host,
    resource: r.resource,
    status: r.status,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    network: r.network,
    assetKind: r.asset_kind,
    assetAddress: r.asset_address,
    assetSymbol: r.asset_symbol,
    amountAtomic: BigInt(r.amount_atomic),
    payTo: r.pay_to,
  }));
}
