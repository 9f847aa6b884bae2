import type { Queryable } from '../types.js';

export interface RedeemPaymentInput {
  network: string;
  txHash: string;
  /** Event log index; -1 for a native transfer. */
  logIndex: number;
  invoiceId?: string | null | undefined;
  payer?: string | null | undefined;
  /** Token contract / mint, or the native symbol. */
  asset: string;
  amountAtomic: bigint;
  blockNumber?: bigint | null | undefined;
  blockHash?: string | null | undefined;
  status?: 'redeemed' | 'settled' | undefined;
}

export type RedeemPaymentResult =
  { ok: true; id: string } | { ok: false; reason: 'payment_already_redeemed' };

/**
 * Records that a payment was credited, exactly once per (network, tx, log index): one
 * `INSERT … ON CONFLICT DO NOTHING RETURNING`, so of any number of concurrent attempts exactly one
 * gets a row back. Never read first and write after: that is the race this statement closes.
 */
export async function redeemPayment(db: Queryable, input: RedeemPaymentInput): Promise<RedeemPaymentResult> {
  const result = await db.query<{ id: string }>(
    `INSERT INTO redemptions (network, tx_hash, log_index, invoice_id, payer, asset, amount_atomic, block_number, block_hash, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (network, tx_hash, log_index) DO NOTHING
     RETURNING id`,
    [
      input.network,
      input.txHash,
      input.logIndex,
      input.invoiceId ?? null,
      input.payer ?? null,
      input.asset,
      input.amountAtomic.toString(),
      input.blockNumber === undefined || input.blockNumber === null ? null : input.blockNumber.toString(),
      input.blockHash ?? null,
      input.status ?? 'redeemed',
    ],
  );
  const row = result.rows[0];
  return row ? { ok: true, id: row.id } : { ok: false, reason: 'payment_already_redeemed' };
}
