import { randomUUID } from 'node:crypto';
import { REASONS, type TokenClaims } from '@turnpike/protocol';
import { getInvoice } from '../invoices/get-invoice.js';
import { redeemPayment, type Transaction } from '../storage/index.js';
import { issueToken } from '../tokens/issue-token.js';
import { ProofRefusal, type ProofContext } from './context.js';

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
  /** 'settled' for an x402 settlement the portal made, 'redeemed' for a payer's transaction. */
  status: 'redeemed' | 'settled';
}

interface Grant {
  token_jti: string;
  token_expires_at: Date;
  redeemed_at: Date;
}

// Sets (or keeps) the invoice's one grant. A grant that already ran out is replaced, so a payment
// made in time to an invoice whose earlier token expired still buys access.
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
 * Records the payment as redeemed and claims the invoice's grant, in one transaction:
 *
 * - a first redemption of (network, tx, log index) — the unique key, inserted with ON CONFLICT —
 *   sets the invoice redeemed and fixes its token's jti and expiry;
 * - an existing redemption counts only when the watcher recorded it for this very invoice and no
 *   one has taken the invoice's grant yet (`token_jti IS NULL`, a conditional UPDATE): the payer
 *   was simply slower than the watcher;
 * - anything else is `payment_already_redeemed`.
 *
 * A concurrent second attempt waits on the invoice's row lock until the first commits, then finds
 * the payment redeemed and the grant taken: of any number of attempts exactly one succeeds. The
 * token is signed afterwards.
 */
export async function creditInvoice(
  pctx: ProofContext,
  input: CreditInput,
): Promise<{ token: string; claims: TokenClaims }> {
  const jti = randomUUID();
  const grant = await pctx.db
    .transaction(async (tx) => {
      // The invoice row first, as the watcher's crediting transaction takes it (invoice, then
      // redemptions): the same order on both sides, so the two never deadlock on PostgreSQL.
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
        status: input.status,
      });
      return redeemed.ok ? takeGrant(tx, input.invoiceId, jti) : claimWatcherCredit(tx, input, jti);
    })
    .catch(unwrap);
  if (grant === null)
    throw new ProofRefusal(REASONS.PAYMENT_ALREADY_REDEEMED, 'this payment has already been redeemed');

  const invoice = await getInvoice(pctx.db, input.invoiceId);
  if (!invoice) throw new Error(`invoice ${input.invoiceId} vanished after it was credited`);
  const issued = await issueToken(pctx.keys, {
    issuer: pctx.issuer,
    host: invoice.host,
    resource: invoice.resource,
    claims: invoice.claims,
    issuedAt: grant.redeemed_at,
    expiresAt: grant.token_expires_at,
    jti: grant.token_jti,
    payer: input.payer,
    payment: { network: input.network, tx: input.txHash, invoice: invoice.id },
  });
  pctx.onTokenIssued?.();
  return issued;
}

async function takeGrant(tx: Transaction, invoiceId: string, jti: string): Promise<Grant | null> {
  const r = await tx.query<Grant>(
    `UPDATE invoices SET ${GRANT_SET} WHERE id = $1 RETURNING token_jti, token_expires_at, redeemed_at`,
    [invoiceId, jti],
  );
  return r.rows[0] ?? null;
}

async function claimWatcherCredit(tx: Transaction, input: CreditInput, jti: string): Promise<Grant | null> {
  const r = await tx.query<Grant>(
    `UPDATE invoices SET ${GRANT_SET}
     WHERE id = $1 AND token_jti IS NULL
       AND EXISTS (SELECT 1 FROM redemptions r
                   WHERE r.network = $3 AND r.tx_hash = $4 AND r.log_index = $5 AND r.invoice_id = $1)
     RETURNING token_jti, token_expires_at, redeemed_at`,
    [input.invoiceId, jti, input.network, input.txHash, input.logIndex],
  );
  return r.rows[0] ?? null;
}

/** db.transaction wraps what its callback throws; our refusals come back out as they were. */
function unwrap(err: unknown): never {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof ProofRefusal) throw cause;
  throw err;
}
