import { REASONS, type SettleResponse } from '@turnpike/protocol';
import { findGrantByInvoice } from '../../../ledger/index.js';
import { ProofRefusal, type ProofContext } from '../../context.js';
import { grantAgain } from '../../grant-response.js';

export interface PaymentIdentifierConfig {
  /** How long a duplicate waits for the first request's outcome before `payment_identifier_in_flight`. */
  waitMs: number;
  /** A 'pending' claim older than this is taken over (its replica died mid-settlement). */
  leaseMs: number;
  /** How long an id and its outcome are kept (then the retention job deletes the row). */
  retentionSeconds: number;
}

interface Row {
  fingerprint: string;
  state: 'pending' | 'done';
  invoice_id: string | null;
  receipt: Record<string, unknown> | null;
  stale: boolean;
}

const POLL_MS = 100;
const IN_FLIGHT_RETRY_SECONDS = 2;

/**
 * Runs `settle` at most once per x402 payment-identifier id, across replicas (the database row is
 * the lock): the first request claims the id with its fingerprint and settles; a duplicate with
 * the same fingerprint waits (up to `waitMs`) for that outcome and answers with the same grant and
 * receipt; a different fingerprint is refused `payment_identifier_conflict`. A refused or failed
 * settlement releases the id (nothing was charged: the same request may try again). An expired
 * row is claimed afresh.
 */
export async function settleOncePerIdentifier(
  pctx: ProofContext,
  id: string,
  fingerprint: string,
  config: PaymentIdentifierConfig,
  settle: () => Promise<SettleResponse>,
): Promise<SettleResponse> {
  const deadline = Date.now() + config.waitMs;
  for (;;) {
    if (await claim(pctx, id, fingerprint, config)) return settleClaimed(pctx, id, settle);
    const row = await read(pctx, id, config.leaseMs);
    if (row === undefined) continue; // released or expired meanwhile: claim it
    if (row.fingerprint !== fingerprint)
      throw new ProofRefusal(
        REASONS.PAYMENT_IDENTIFIER_CONFLICT,
        'this payment-identifier id was already used with another request or payment',
      );
    if (row.state === 'done' && row.invoice_id !== null) {
      const grant = await findGrantByInvoice(pctx.db, row.invoice_id);
      if (grant === null) throw new Error(`payment identifier ${id} names no credited invoice`);
      return grantAgain(pctx, grant, undefined, row.receipt ?? undefined);
    }
    if (row.stale && (await takeOver(pctx, id, config.leaseMs))) return settleClaimed(pctx, id, settle);
    if (Date.now() >= deadline)
      throw new ProofRefusal(
        REASONS.PAYMENT_IDENTIFIER_IN_FLIGHT,
        'the first request with this payment-identifier id is still settling',
        { retryAfterSeconds: IN_FLIGHT_RETRY_SECONDS },
      );
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function claim(pctx: ProofContext, id: string, fingerprint: string, config: PaymentIdentifierConfig) {
  const r = await pctx.db.query(
    `INSERT INTO payment_identifiers (id, fingerprint, state, expires_at)
     VALUES ($1, $2, 'pending', now() + make_interval(secs => $3::double precision))
     ON CONFLICT (id) DO UPDATE
       SET fingerprint = EXCLUDED.fingerprint, state = 'pending', invoice_id = NULL, receipt = NULL,
           claimed_at = now(), expires_at = EXCLUDED.expires_at
       WHERE payment_identifiers.expires_at <= now()
     RETURNING id`,
    [id, fingerprint, config.retentionSeconds],
  );
  return r.rows.length === 1;
}

async function read(pctx: ProofContext, id: string, leaseMs: number): Promise<Row | undefined> {
  const r = await pctx.db.query<Row>(
    `SELECT fingerprint, state, invoice_id, receipt,
            claimed_at < now() - make_interval(secs => $2::double precision / 1000) AS stale
     FROM payment_identifiers WHERE id = $1 AND expires_at > now()`,
    [id, leaseMs],
  );
  return r.rows[0];
}

async function takeOver(pctx: ProofContext, id: string, leaseMs: number): Promise<boolean> {
  const r = await pctx.db.query(
    `UPDATE payment_identifiers SET claimed_at = now()
     WHERE id = $1 AND state = 'pending'
       AND claimed_at < now() - make_interval(secs => $2::double precision / 1000)
     RETURNING id`,
    [id, leaseMs],
  );
  return r.rows.length === 1;
}

async function settleClaimed(
  pctx: ProofContext,
  id: string,
  settle: () => Promise<SettleResponse>,
): Promise<SettleResponse> {
  let answer: SettleResponse;
  try {
    answer = await settle();
  } catch (err) {
    await release(pctx, id);
    throw err;
  }
  const invoice = answer.ok ? invoiceOf(answer.claims) : undefined;
  if (!answer.ok || invoice === undefined) {
    await release(pctx, id);
    return answer;
  }
  await pctx.db.query(
    `UPDATE payment_identifiers SET state = 'done', invoice_id = $2, receipt = $3::jsonb
     WHERE id = $1 AND state = 'pending'`,
    [id, invoice, answer.receipt === undefined ? null : JSON.stringify(answer.receipt)],
  );
  return answer;
}

async function release(pctx: ProofContext, id: string): Promise<void> {
  await pctx.db.query(`DELETE FROM payment_identifiers WHERE id = $1 AND state = 'pending'`, [id]);
}

/** The invoice a grant's token names (`pay.invoice`). */
function invoiceOf(claims: Record<string, unknown>): string | undefined {
  const pay = claims.pay;
  if (pay === null || typeof pay !== 'object') return undefined;
  const invoice = (pay as { invoice?: unknown }).invoice;
  return typeof invoice === 'string' ? invoice : undefined;
}
