import type { NetworkRegistry } from '@turnpike/protocol';
import type { Queryable } from '../../storage/index.js';
import { assetIdsFor } from './asset-filter.js';
import { explorerTxUrl, ledgerAmount, type LedgerAmount } from './ledger-amount.js';
import type { ListQuery } from './report-params.js';

/** A payment credited after its invoice expired (within the watcher's late grace): it unlocked late. */
export interface LatePayment extends LedgerAmount {
  invoiceId: string;
  siteId: string;
  host: string;
  resource: string;
  txHash: string;
  explorerUrl: string | null;
  payer: string | null;
  expiresAt: string;
  creditedAt: string;
  /** How long after the invoice's expiry it was credited. */
  lateByMs: number;
}

interface Row {
  invoice_id: string;
  site_id: string;
  host: string;
  resource: string;
  network: string;
  tx_hash: string;
  asset: string;
  amount_atomic: string;
  payer: string | null;
  expires_at: Date;
  created_at: Date;
}

/** Credits of late-credited invoices (invoices.late_credited), newest first. */
export async function latePayments(
  db: Queryable,
  registry: NetworkRegistry,
  q: ListQuery,
): Promise<LatePayment[]> {
  const result = await db.query<Row>(
    `SELECT r.invoice_id, i.site_id, i.host, i.resource, r.network, r.tx_hash, r.asset, r.amount_atomic::text,
            r.payer, i.expires_at, r.created_at
       FROM redemptions r JOIN invoices i ON i.id = r.invoice_id
      WHERE i.late_credited
        AND ($1::text IS NULL OR i.site_id = $1)
        AND ($2::text IS NULL OR r.network = $2)
        AND ($3::text[] IS NULL OR r.asset = ANY($3::text[]))
      ORDER BY r.created_at DESC, r.tx_hash
      LIMIT $4`,
    [q.site ?? null, q.network ?? null, assetIdsFor(registry, q.asset) ?? null, q.limit],
  );
  return result.rows.map((r) => ({
    ...ledgerAmount(registry, r.network, r.asset, r.amount_atomic),
    invoiceId: r.invoice_id,
    siteId: r.site_id,
    host: r.host,
    resource: r.resource,
    txHash: r.tx_hash,
    explorerUrl: explorerTxUrl(registry, r.network, r.tx_hash),
    payer: r.payer,
    expiresAt: r.expires_at.toISOString(),
    creditedAt: r.created_at.toISOString(),
    lateByMs: Math.max(0, r.created_at.getTime() - r.expires_at.getTime()),
  }));
}
