import type { Queryable } from '../storage/index.js';

/** One credited payment (a redemption) with the invoice it was credited to. */
export interface CreditedPayment {
  /** The redemption's id: the receipt's `jti`. */
  id: string;
  network: string;
  txHash: string;
  logIndex: number;
  payer: string | null;
  payTo: string | null;
  asset: string;
  amountAtomic: bigint;
  creditedAt: Date;
  invoiceId: string;
  siteId: string;
  host: string;
  resource: string;
}

interface Row {
  id: string;
  network: string;
  tx_hash: string;
  log_index: number;
  payer: string | null;
  pay_to: string | null;
  asset: string;
  amount_atomic: string;
  created_at: Date;
  invoice_id: string;
  site_id: string;
  host: string;
  resource: string;
}

/**
 * The payments credited to any of `invoiceIds` (each one a redemption, the ledger's "credited
 * once" row), oldest first. The payment row, kept beside it, adds where the money went.
 */
export async function loadCreditedPayments(
  db: Queryable,
  invoiceIds: readonly string[],
): Promise<CreditedPayment[]> {
  if (invoiceIds.length === 0) return [];
  const { rows } = await db.query<Row>(
    `SELECT r.id::text AS id, r.network, r.tx_hash, r.log_index, r.payer, p.pay_to, r.asset,
            r.amount_atomic::text AS amount_atomic, r.created_at, i.id AS invoice_id, i.site_id, i.host, i.resource
       FROM redemptions r
       JOIN invoices i ON i.id = r.invoice_id
       LEFT JOIN payments p ON p.network = r.network AND p.tx_hash = r.tx_hash AND p.log_index = r.log_index
      WHERE r.invoice_id = ANY($1::text[])
      ORDER BY r.created_at, r.id`,
    [invoiceIds],
  );
  return rows.map((r) => ({
    id: r.id,
    network: r.network,
    txHash: r.tx_hash,
    logIndex: Number(r.log_index),
    payer: r.payer,
    payTo: r.pay_to,
    asset: r.asset,
    amountAtomic: BigInt(r.amount_atomic),
    creditedAt: new Date(r.created_at),
    invoiceId: r.invoice_id,
    siteId: r.site_id,
    host: r.host,
    resource: r.resource,
  }));
}
