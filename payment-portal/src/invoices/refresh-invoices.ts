import type { CreditedPayment } from '../events/portal-events.js';
import type { Queryable } from '../storage/index.js';

export interface RefreshResult {
  /** Invoices whose status changed: [id, new status]. */
  changed: Array<{ id: string; status: string }>;
  /** Expired invoices now fully paid (credited late). */
  lateCredited: string[];
  /** Payments redeemed by this refresh (each once); report them after the transaction commits. */
  credited: CreditedPayment[];
}

const NOTHING: RefreshResult = { changed: [], lateCredited: [], credited: [] };

interface CreditedRow {
  network: string;
  tx_hash: string;
  log_index: number;
  invoice_id: string;
  asset: string;
  amount_atomic: string;
  host: string;
  source: string;
}

/**
 * Recomputes the offers' received/confirmed totals from the recorded payments on `network` to
 * `addresses`, then moves the affected invoices' status. Each step is one conditional UPDATE, so
 * concurrent watchers, expiry sweeps and redemptions never overwrite each other's transitions:
 * only an open invoice (pending/seen/confirming) changes, and only to a different state. A
 * reorg can move an invoice back (confirming → seen) until it is paid; paid is final.
 */
export async function refreshInvoicesForAddresses(
  q: Queryable,
  network: string,
  addresses: readonly string[],
  /** What the keys are: receive addresses (EVM) or Solana Pay reference keys (payments.pay_to holds the reference). */
  by: 'pay_to' | 'reference' = 'pay_to',
): Promise<RefreshResult> {
  if (addresses.length === 0) return { ...NOTHING, credited: [] };
  // `by` is one of two column names, never input: safe to put into the SQL text.
  const key = by === 'reference' ? 'reference' : 'pay_to';
  const offers = await q.query<{ invoice_id: string }>(
    `UPDATE invoice_offers o
     SET received_atomic = t.received, confirmed_atomic = t.confirmed
     FROM (
       SELECT o2.id,
              COALESCE(SUM(p.amount_atomic) FILTER (WHERE p.status IN ('seen', 'confirmed')), 0) AS received,
              COALESCE(SUM(p.amount_atomic) FILTER (WHERE p.status = 'confirmed'), 0) AS confirmed
       FROM invoice_offers o2
       LEFT JOIN payments p
         ON p.network = o2.network AND p.pay_to = o2.${key}
        AND p.asset = CASE o2.asset_kind WHEN 'native' THEN 'native' ELSE o2.asset_address END
       WHERE o2.network = $1 AND o2.${key} = ANY($2::text[])
       GROUP BY o2.id
     ) t
     WHERE o.id = t.id AND (o.received_atomic <> t.received OR o.confirmed_atomic <> t.confirmed)
     RETURNING o.invoice_id`,
    [network, [...addresses]],
  );
  const ids = [...new Set(offers.rows.map((r) => r.invoice_id))];
  return ids.length === 0 ? { ...NOTHING, credited: [] } : refreshInvoiceStatus(q, ids);
}

/** Moves the given invoices to the status their offers' totals say (see refreshInvoicesForAddresses). */
export async function refreshInvoiceStatus(q: Queryable, ids: readonly string[]): Promise<RefreshResult> {
  // An open invoice past its expiry is expired first, so what it receives now is a late payment.
  const expired = await expireInvoices(q, ids);
  const changed = await q.query<{ id: string; status: string }>(
    `UPDATE invoices i
     SET status = s.next, paid_at = CASE WHEN s.next = 'paid' THEN now() ELSE i.paid_at END
     FROM (
       SELECT invoice_id,
              CASE WHEN bool_or(confirmed_atomic >= amount_atomic) THEN 'paid'
                   WHEN bool_or(received_atomic >= amount_atomic) THEN 'confirming'
                   WHEN bool_or(received_atomic > 0) THEN 'seen'
                   ELSE 'pending' END AS next
       FROM invoice_offers WHERE invoice_id = ANY($1::text[]) GROUP BY invoice_id
     ) s
     WHERE i.id = s.invoice_id AND i.status IN ('pending', 'seen', 'confirming') AND i.status <> s.next
     RETURNING i.id, i.status`,
    [ids],
  );
  const late = await q.query<{ id: string }>(
    `UPDATE invoices i SET late_credited = true, paid_at = COALESCE(i.paid_at, now())
     WHERE i.id = ANY($1::text[]) AND i.status = 'expired' AND NOT i.late_credited
       AND EXISTS (SELECT 1 FROM invoice_offers o WHERE o.invoice_id = i.id AND o.confirmed_atomic >= o.amount_atomic)
     RETURNING i.id`,
    [ids],
  );
  // Every confirmed payment of a paid invoice is recorded as redeemed, so the same transaction can
  // never be credited a second time through the settle API (unique network, tx, log index). A
  // payment names its offer by the receive address (EVM) or by the reference key (Solana).
  const credited = [
    ...changed.rows.filter((r) => r.status === 'paid').map((r) => r.id),
    ...late.rows.map((r) => r.id),
  ];
  // The rows inserted here are the payments credited now (the unique key admits each once).
  const redeemed =
    credited.length === 0
      ? []
      : (
          await q.query<CreditedRow>(
            `WITH inserted AS (
               INSERT INTO redemptions (network, tx_hash, log_index, invoice_id, payer, asset, amount_atomic, block_number, block_hash, status)
               SELECT p.network, p.tx_hash, p.log_index, o.invoice_id, p.payer, p.asset, p.amount_atomic, p.block_number, p.block_hash, 'redeemed'
               FROM payments p JOIN invoice_offers o ON o.network = p.network AND p.pay_to = COALESCE(o.reference, o.pay_to)
               WHERE o.invoice_id = ANY($1::text[]) AND p.status = 'confirmed'
               ON CONFLICT (network, tx_hash, log_index) DO NOTHING
               RETURNING network, tx_hash, log_index, invoice_id, asset, amount_atomic)
             SELECT r.network, r.tx_hash, r.log_index, r.invoice_id, r.asset, r.amount_atomic::text AS amount_atomic, i.host, i.source
             FROM inserted r JOIN invoices i ON i.id = r.invoice_id`,
            [credited],
          )
        ).rows;
  return {
    changed: [...expired.map((id) => ({ id, status: 'expired' })), ...changed.rows],
    lateCredited: late.rows.map((r) => r.id),
    credited: redeemed.map((r) => ({
      invoiceId: r.invoice_id,
      host: r.host,
      network: r.network,
      txHash: r.tx_hash,
      logIndex: Number(r.log_index),
      asset: r.asset,
      amountAtomic: BigInt(r.amount_atomic),
      // A pay-page invoice is a person's; a recorded challenge is an API client's transaction.
      dialect: r.source === 'pay_page' ? ('pay_page' as const) : ('tx' as const),
    })),
  };
}

/**
 * Expires open invoices past their expiry that hold no full payment yet (pending or seen). An
 * invoice already confirming was paid in time and is left to reach paid.
 */
export async function expireInvoices(q: Queryable, ids?: readonly string[]): Promise<string[]> {
  const result = await q.query<{ id: string }>(
    `UPDATE invoices SET status = 'expired'
     WHERE status IN ('pending', 'seen') AND expires_at <= now() ${ids ? 'AND id = ANY($1::text[])' : ''}
     RETURNING id`,
    ids ? [ids] : [],
  );
  return result.rows.map((r) => r.id);
}
