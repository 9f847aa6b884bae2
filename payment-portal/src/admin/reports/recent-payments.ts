import type { NetworkRegistry } from '@turnpike/protocol';
import type { Queryable } from '../../storage/index.js';
import { assetIdsFor } from './asset-filter.js';
import { explorerTxUrl, ledgerAmount, type LedgerAmount } from './ledger-amount.js';
import type { ListQuery } from './report-params.js';

export interface RecentPayment extends LedgerAmount {
  txHash: string;
  logIndex: number;
  /** The network's explorer page of the transaction, when the registry has a template. */
  explorerUrl: string | null;
  invoiceId: string | null;
  siteId: string | null;
  host: string | null;
  payer: string | null;
  payTo: string;
  /** seen, confirmed or reorged (the watcher's view of the transfer). */
  status: string;
  /** A redemption exists: this transfer counted towards an invoice (once). */
  credited: boolean;
  blockNumber: string | null;
  createdAt: string;
}

interface Row {
  network: string;
  tx_hash: string;
  log_index: number;
  invoice_id: string | null;
  site_id: string | null;
  host: string | null;
  payer: string | null;
  pay_to: string;
  asset: string;
  amount_atomic: string;
  status: string;
  credited: boolean;
  block_number: string | null;
  created_at: Date;
}

/** The newest recorded transfers (table payments), with whether each was credited and its chain link. */
export async function recentPayments(
  db: Queryable,
  registry: NetworkRegistry,
  q: ListQuery,
): Promise<RecentPayment[]> {
  const result = await db.query<Row>(
    `SELECT p.network, p.tx_hash, p.log_index, p.invoice_id, i.site_id, i.host, p.payer, p.pay_to, p.asset,
            p.amount_atomic::text, p.status, p.block_number::text, p.created_at,
            EXISTS (SELECT 1 FROM redemptions r WHERE r.network = p.network AND r.tx_hash = p.tx_hash
                       AND r.log_index = p.log_index) AS credited
       FROM payments p LEFT JOIN invoices i ON i.id = p.invoice_id
      WHERE ($1::text IS NULL OR i.site_id = $1)
        AND ($2::text IS NULL OR p.network = $2)
        AND ($3::text[] IS NULL OR p.asset = ANY($3::text[]))
      ORDER BY p.created_at DESC, p.tx_hash, p.log_index
      LIMIT $4`,
    [q.site ?? null, q.network ?? null, assetIdsFor(registry, q.asset) ?? null, q.limit],
  );
  return result.rows.map((r) => ({
    ...ledgerAmount(registry, r.network, r.asset, r.amount_atomic),
    txHash: r.tx_hash,
    logIndex: Number(r.log_index),
    explorerUrl: explorerTxUrl(registry, r.network, r.tx_hash),
    invoiceId: r.invoice_id,
    siteId: r.site_id,
    host: r.host,
    payer: r.payer,
    payTo: r.pay_to,
    status: r.status,
    credited: r.credited,
    blockNumber: r.block_number,
    createdAt: r.created_at.toISOString(),
  }));
}
