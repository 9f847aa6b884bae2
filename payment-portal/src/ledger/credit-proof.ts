import { randomUUID } from 'node:crypto';
import { DEFAULT_SITE_ID } from '@turnpike/protocol';
import { invoiceClaims, invoicePricing, type WireMetering } from '../credits/invoice-pricing.js';
import { newInvoiceId } from '../invoices/create-invoice.js';
import { StorageError, type Database } from '../storage/index.js';
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

/**
 * $1–$15 the invoice, $16–$25 the payment and its redemption, $26–$28 the challenge address (all
 * null: none), $29 the token lifetime again (as a double for make_interval). Every later INSERT reads the invoice row the first one returned, so a taken binding
 * writes nothing; the redemption has no ON CONFLICT, so a payment credited before aborts it all.
 */
const CREDIT_PROOF_SQL = `
WITH invoice AS (
  INSERT INTO invoices (id, host, scheme, resource, original_uri, claims, token_lifetime_ms, request_digest,
                        description, status, expires_at, paid_at, redeemed_at, token_jti, token_expires_at,
                        client_ip, source, binding, site_id, pricing)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'redeemed', $10, now(), now(), $11,
          now() + make_interval(secs => $29::double precision / 1000), $12, 'proof', $13, $14, $15)
  ON CONFLICT (binding) DO NOTHING
  RETURNING id, token_jti, redeemed_at, token_expires_at
), payment AS (
  INSERT INTO payments (network, tx_hash, log_index, invoice_id, payer, pay_to, asset, amount_atomic,
                        block_number, block_hash, status)
  SELECT $16::text, $17::text, $18::integer, invoice.id, $19::text, $20::text, $21::text, $22::numeric,
         $23::bigint, $24::text, 'confirmed'
  FROM invoice
  ON CONFLICT (network, tx_hash, log_index) DO NOTHING
), redemption AS (
  INSERT INTO redemptions (network, tx_hash, log_index, invoice_id, payer, asset, amount_atomic,
                           block_number, block_hash, status)
  SELECT $16::text, $17::text, $18::integer, invoice.id, $19::text, $21::text, $22::numeric,
         $23::bigint, $24::text, $25::text
  FROM invoice
), challenge_address AS (
  INSERT INTO challenge_addresses (wallet_id, derivation_index, address, invoice_id)
  SELECT $26::text, $27::bigint, $28::text, invoice.id
  FROM invoice WHERE $26::text IS NOT NULL
  ON CONFLICT (wallet_id, derivation_index) DO NOTHING
)
SELECT id, token_jti, redeemed_at, token_expires_at FROM invoice`;

/**
 * The first database write of a stateless challenge or an x402 authorization, as ONE statement
 * (atomic on its own; one round trip instead of BEGIN, four INSERTs and COMMIT): the invoice
 * (source 'proof', holding the binding and the grant), the observed payment, the redemption —
 * whose unique (network, tx, log index) key is "credited once" — and the challenge address with
 * its derivation index. A second presentation with the same binding waits on the binding's unique
 * key and finds it taken (`binding_taken`: no invoice row comes back, so nothing else is written;
 * return that grant); the same payment under another binding fails the redemption's unique key,
 * which aborts the whole statement (`payment_already_redeemed`, nothing written).
 */
export async function creditProof(
  db: Database,
  c: ProofCredit,
  /** Told once the credit committed (the event line and revenue metrics). */
  onCredited?: (payment: RecordedPayment) => void,
): Promise<CreditProofResult> {
  const p = c.payment;
  let inserted;
  try {
    inserted = await db.query<{ id: string; token_jti: string; redeemed_at: Date; token_expires_at: Date }>(
      CREDIT_PROOF_SQL,
      [
        newInvoiceId(),
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
        c.siteId ?? DEFAULT_SITE_ID,
        invoicePricing(c.request.metering),
        p.network,
        p.txHash,
        p.logIndex,
        p.payer,
        p.payTo,
        p.asset,
        p.amountAtomic.toString(),
        p.blockNumber?.toString() ?? null,
        p.blockHash,
        p.status,
        c.address?.walletId ?? null,
        c.address?.index ?? null,
        c.address?.address ?? null,
        c.request.tokenLifetimeMs,
      ],
    );
  } catch (err) {
    if (
      err instanceof StorageError &&
      err.code === 'unique_violation' &&
      (err.constraint ?? err.message).includes('redemptions_network_tx_log_key')
    )
      return { ok: false, reason: 'payment_already_redeemed' };
    throw err;
  }
  const grantRow = inserted.rows[0];
  if (!grantRow) return { ok: false, reason: 'binding_taken' };
  const result = {
    ok: true as const,
    grant: {
      invoiceId: grantRow.id,
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
  onCredited?.({
    invoiceId: result.grant.invoiceId,
    host: c.target.host,
    network: p.network,
    txHash: p.txHash,
    logIndex: p.logIndex,
    asset: p.asset,
    amountAtomic: p.amountAtomic,
  });
  return result;
}
