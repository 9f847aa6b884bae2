import { randomUUID } from 'node:crypto';
import { getInvoice } from '../invoices/get-invoice.js';
import { redeemPayment, type Database, type Transaction } from '../storage/index.js';
import type { RecordedPayment } from '../events/portal-events.js';
import type { Grant } from './grant.js';

export interface CreditInput {
  invoiceId: string;
  network: string;
  /** Lower-case transaction hash (or Solana signature as is). */
  txHash: string;
  /** The first matching log index; -1 for a native transfer. */
  logIndex: number;
  payer: string | null;
  /** 'native' or the lower-case token contract, as the watcher records it. */
  asset: string;
  amountAtomic: bigint;
  blockNumber: bigint | null;
  blockHash: string | null;
}

interface GrantRow {
  token_jti: string;
  token_expires_at: Date;
  redeemed_at: Date;
}

export type CreditInvoiceResult =
  { ok: true; grant: Grant } | { ok: false; reason: 'payment_already_redeemed' };

// Sets (or keeps) the invoice's one grant. A grant that already ran out is replaced, so a new
// payment made in time to an invoice whose earlier token expired still buys access.
const GRANT_SET = `
  token_jti = CASE WHEN token_expires_at IS NULL OR token_expires_at <= now() THEN $2 ELSE token_jti END,
  token_expires_at = CASE WHEN token_expires_at IS NULL OR token_expires_at <= now()
                          THEN now() + make_interval(secs => token_lifetime_ms::double precision / 1000)
                          ELSE token_expires_at END,
  redeemed_at = COALESCE(redeemed_at, now()),
  paid_at = COALESCE(paid_at, now()),
  late_credited = late_credited OR status = 'expired',
  status = CASE WHEN status = 'expired' THEN status ELSE 'redeemed' END`;

/**
 * Credits a payment to a recorded challenge (an invoice made by an API 402 of a route that accepts
 * unbound transaction proofs) and returns its grant, in one transaction:
 *
 * - a first redemption of (network, tx, log index) — the unique key, inserted with ON CONFLICT —
 *   sets the invoice redeemed and fixes its grant (jti and expiry);
 * - a redemption that already exists counts only when it is **this** invoice's (the watcher
 *   recorded it, or this same proof was presented before): the invoice's grant is returned as it
 *   is — re-presenting a proof is idempotent and never extends access; once that grant has
 *   expired the payment buys nothing more;
 * - a redemption for another invoice (or none) is `payment_already_redeemed`.
 *
 * The invoice row is locked first, as the watcher's crediting transaction does (invoice, then
 * redemptions), so the two never deadlock; of concurrent presentations all get the one grant.
 */
export async function creditInvoice(
  db: Database,
  input: CreditInput,
  /** Told once a first redemption committed (not when this invoice's own grant is handed out again). */
  onCredited?: (payment: RecordedPayment) => void,
): Promise<CreditInvoiceResult> {
  let fresh = false;
  const row = await db.transaction(async (tx) => {
    fresh = false;
    await tx.query('SELECT id FROM invoices WHERE id = $1 FOR UPDATE', [input.invoiceId]);
    const redeemed = await redeemPayment(tx, {
      network: input.network,
      txHash: input.txHash,
      logIndex: input.logIndex,
      invoiceId: input.invoiceId,
      payer: input.payer,
      asset: input.asset,
      amountAtomic: input.amountAtomic,
      blockNumber: input.blockNumber,
      blockHash: input.blockHash,
      status: 'redeemed',
    });
    fresh = redeemed.ok;
    return redeemed.ok ? takeGrant(tx, input.invoiceId) : grantOfOwnRedemption(tx, input);
  });
  if (row === null) return { ok: false, reason: 'payment_already_redeemed' };
  const invoice = await getInvoice(db, input.invoiceId);
  if (!invoice) throw new Error(`invoice ${input.invoiceId} vanished after it was credited`);
  if (fresh)
    onCredited?.({
      invoiceId: invoice.id,
      host: invoice.host,
      network: input.network,
      txHash: input.txHash,
      logIndex: input.logIndex,
      asset: input.asset,
      amountAtomic: input.amountAtomic,
    });
  return {
    ok: true,
    grant: {
      invoiceId: invoice.id,
      host: invoice.host,
      resource: invoice.resource,
      claims: invoice.claims,
      jti: row.token_jti,
      issuedAt: row.redeemed_at,
      expiresAt: row.token_expires_at,
      payer: input.payer,
      payment: { network: input.network, tx: input.txHash },
      site: invoice.siteId,
    },
  };
}

async function takeGrant(tx: Transaction, invoiceId: string): Promise<GrantRow | null> {
  const r = await tx.query<GrantRow>(
    `UPDATE invoices SET ${GRANT_SET} WHERE id = $1 RETURNING token_jti, token_expires_at, redeemed_at`,
    [invoiceId, randomUUID()],
  );
  return r.rows[0] ?? null;
}

/**
 * The payment was redeemed before: by the watcher for this invoice (no grant yet: take it), or by
 * this same proof (return the live grant). Never a grant that ran out, never another invoice's.
 */
async function grantOfOwnRedemption(tx: Transaction, input: CreditInput): Promise<GrantRow | null> {
  const r = await tx.query<GrantRow>(
    `UPDATE invoices SET ${GRANT_SET}
     WHERE id = $1 AND (token_jti IS NULL OR token_expires_at > now())
       AND EXISTS (SELECT 1 FROM redemptions r
                   WHERE r.network = $3 AND r.tx_hash = $4 AND r.log_index = $5 AND r.invoice_id = $1)
     RETURNING token_jti, token_expires_at, redeemed_at`,
    [input.invoiceId, randomUUID(), input.network, input.txHash, input.logIndex],
  );
  return r.rows[0] ?? null;
}
