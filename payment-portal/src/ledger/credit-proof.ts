import { randomUUID } from 'node:crypto';
import { DEFAULT_SITE_ID } from '@turnpike/protocol';
import { invoiceClaims, invoicePricing, type WireMetering } from '../credits/invoice-pricing.js';
import { newInvoiceId } from '../invoices/create-invoice.js';
import { redeemPayment, type Database } from '../storage/index.js';
import type { ProofBinding } from './binding.js';
import type { RecordedPayment } from '../events/portal-events.js';
import type { Grant } from './grant.js';

/** A payment proof, verified against its stateless challenge or x402 authorization, to record. */
export interface ProofCredit {
  binding: ProofBinding;
  target: { host: string; scheme: 'http' | 'https'; resource: string; originalUri: string };
  request: {
    claims: Record<string, string>;
    tokenLifetimeMs: number;
    digest: string;
    description: string | undefined;
    /** A metered resource's model and credits (absent: a pass). */
    metering?: WireMetering;
  };
  /** When the challenge (or authorization) stopped being payable. */
  payableUntil: Date;
  clientIp: string | null;
  /** The site the proof paid (docs/sites.md); absent = `default`. */
  siteId?: string;
  payment: {
    network: string;
    /** Lower-case EVM hash, or the Solana signature as is. */
    txHash: string;
    /** The first matching log index; -1 for a native transfer; 0 for Solana. */
    logIndex: number;
    payer: string | null;
    /** Where the money went: the challenge address, the x402 address, or the Solana reference. */
    payTo: string;
    /** 'native', the lower-case token contract, or the mint. */
    asset: string;
    amountAtomic: bigint;
    blockNumber: bigint | null;
    blockHash: string | null;
    /** 'settled' for an x402 settlement the portal made, 'redeemed' for a payer's transaction. */
    status: 'redeemed' | 'settled';
  };
  /** The challenge's receive address, recorded with its index so the operator can sweep it. */
  address?: { walletId: string; index: number; address: string };
}

export type CreditProofResult =
  | { ok: true; grant: Grant }
  /** Another presentation with the same binding was credited first (look its grant up). */
  | { ok: false; reason: 'binding_taken' }
  /** This payment was already credited under another binding. */
  | { ok: false; reason: 'payment_already_redeemed' };

/** Rolls the credit transaction back with a result for the caller. */
class Refused extends Error {
  constructor(readonly result: Extract<CreditProofResult, { ok: false }>) {
    super(result.reason);
  }
}

/**
 * The first database write of a stateless challenge or an x402 authorization, all in one
 * transaction: the invoice (source 'proof', holding the binding and the grant), the observed
 * payment, the redemption — whose unique (network, tx, log index) key is "credited once" — and the
 * challenge address with its derivation index. A second presentation with the same binding waits
 * on the binding's unique key and finds it taken (`binding_taken`: return that grant); the same
 * payment under another binding finds the redemption taken and rolls back.
 */
export async function creditProof(
  db: Database,
  c: ProofCredit,
  /** Told once the credit committed (the event line and revenue metrics). */
  onCredited?: (payment: RecordedPayment) => void,
): Promise<CreditProofResult> {
  try {
    const result = await db.transaction(async (tx) => {
      const id = newInvoiceId();
      const inserted = await tx.query<{ token_jti: string; redeemed_at: Date; token_expires_at: Date }>(
        `INSERT INTO invoices (id, host, scheme, resource, original_uri, claims, token_lifetime_ms, request_digest,
                               description, status, expires_at, paid_at, redeemed_at, token_jti, token_expires_at,
                               client_ip, source, binding, site_id, pricing)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'redeemed', $10, now(), now(), $11,
                 now() + make_interval(secs => $14::double precision / 1000), $12, 'proof', $13, $15, $16)
         ON CONFLICT (binding) DO NOTHING
         RETURNING token_jti, redeemed_at, token_expires_at`,
        [
          id,
          c.target.host,
          c.target.scheme,
          c.target.resource,
          c.target.originalUri,
          JSON.stringify(invoiceClaims(c.request.claims, c.request.metering)),
          c.request.tokenLifetimeMs,
          c.request.digest,
          c.request.description ?? null,
          c.payableUntil,
          randomUUID(),
          c.clientIp,
          c.binding,
          c.request.tokenLifetimeMs,
          c.siteId ?? DEFAULT_SITE_ID,
          invoicePricing(c.request.metering),
        ],
      );
      const grantRow = inserted.rows[0];
      if (!grantRow) throw new Refused({ ok: false, reason: 'binding_taken' });
      const p = c.payment;
      await tx.query(
        `INSERT INTO payments (network, tx_hash, log_index, invoice_id, payer, pay_to, asset, amount_atomic,
                               block_number, block_hash, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'confirmed')
         ON CONFLICT (network, tx_hash, log_index) DO NOTHING`,
        [
          p.network,
          p.txHash,
          p.logIndex,
          id,
          p.payer,
          p.payTo,
          p.asset,
          p.amountAtomic.toString(),
          p.blockNumber?.toString() ?? null,
          p.blockHash,
        ],
      );
      const redeemed = await redeemPayment(tx, {
        network: p.network,
        txHash: p.txHash,
        logIndex: p.logIndex,
        invoiceId: id,
        payer: p.payer,
        asset: p.asset,
        amountAtomic: p.amountAtomic,
        blockNumber: p.blockNumber,
        blockHash: p.blockHash,
        status: p.status,
      });
      if (!redeemed.ok) throw new Refused({ ok: false, reason: 'payment_already_redeemed' });
      if (c.address !== undefined) {
        await tx.query(
          `INSERT INTO challenge_addresses (wallet_id, derivation_index, address, invoice_id)
           VALUES ($1, $2, $3, $4) ON CONFLICT (wallet_id, derivation_index) DO NOTHING`,
          [c.address.walletId, c.address.index, c.address.address, id],
        );
      }
      return {
        ok: true as const,
        grant: {
          invoiceId: id,
          host: c.target.host,
          resource: c.target.resource,
          claims: invoiceClaims(c.request.claims, c.request.metering),
          jti: grantRow.token_jti,
          issuedAt: grantRow.redeemed_at,
          expiresAt: grantRow.token_expires_at,
          payer: p.payer,
          payment: { network: p.network, tx: p.txHash },
          site: c.siteId ?? DEFAULT_SITE_ID,
        },
      };
    });
    const paid = c.payment;
    onCredited?.({
      invoiceId: result.grant.invoiceId,
      host: c.target.host,
      network: paid.network,
      txHash: paid.txHash,
      logIndex: paid.logIndex,
      asset: paid.asset,
      amountAtomic: paid.amountAtomic,
    });
    return result;
  } catch (err) {
    const refused = err instanceof Refused ? err : (err as { cause?: unknown }).cause;
    if (refused instanceof Refused) return refused.result;
    throw err;
  }
}
