import { refreshInvoicesForAddresses, type RefreshResult } from '../../invoices/refresh-invoices.js';
import type { InvoiceSource, InvoiceStatus } from '../../invoices/types.js';
import type { Queryable } from '../../storage/index.js';

/**
 * The one (network, tx, log index) key a Solana transaction is credited under. Balances are per
 * transaction, not per instruction, so the transaction is the unit: it pays at most one offer
 * (one naming two of our references is refused), and its index is always 0 — a second key for
 * the same transaction can never exist (docs/solana.md).
 */
export const SOLANA_LOG_INDEX = 0;

/** A Solana offer with what the verifier checks of its invoice. */
export interface SolanaOfferRow {
  offerId: string;
  invoiceId: string;
  network: string;
  reference: string;
  payTo: string;
  assetKind: 'native' | 'spl';
  /** The mint for SPL, null for SOL. */
  mint: string | null;
  amountAtomic: bigint;
  invoice: {
    /** Only recorded API challenges are matched to transaction proofs (never pay-page invoices). */
    source: InvoiceSource;
    host: string;
    resource: string;
    requestDigest: string;
    status: InvoiceStatus;
    createdAt: Date;
    expiresAt: Date;
    redeemedAt: Date | null;
    lateCredited: boolean;
    claims: Record<string, string>;
    tokenLifetimeMs: number;
    /** The invoice's site (docs/sites.md): its token opens only that site's hosts. */
    siteId: string;
  };
}

interface Row {
  offer_id: string;
  invoice_id: string;
  network: string;
  reference: string;
  pay_to: string;
  asset_kind: 'native' | 'spl';
  asset_address: string | null;
  amount_atomic: string;
  source: InvoiceSource;
  host: string;
  resource: string;
  request_digest: string;
  status: InvoiceStatus;
  created_at: Date;
  expires_at: Date;
  redeemed_at: Date | null;
  late_credited: boolean;
  claims: Record<string, string>;
  token_lifetime_ms: string;
  site_id: string;
}

const SELECT_OFFERS = `SELECT o.id AS offer_id, o.invoice_id, o.network, o.reference, o.pay_to, o.asset_kind, o.asset_address,
         o.amount_atomic, i.source, i.host, i.resource, i.request_digest, i.status, i.created_at, i.expires_at, i.redeemed_at,
         i.late_credited, i.claims, i.token_lifetime_ms, i.site_id
  FROM invoice_offers o JOIN invoices i ON i.id = o.invoice_id`;

function toOffer(r: Row): SolanaOfferRow {
  return {
    offerId: String(r.offer_id),
    invoiceId: r.invoice_id,
    network: r.network,
    reference: r.reference,
    payTo: r.pay_to,
    assetKind: r.asset_kind,
    mint: r.asset_kind === 'spl' ? r.asset_address : null,
    amountAtomic: BigInt(r.amount_atomic),
    invoice: {
      source: r.source,
      host: r.host,
      resource: r.resource,
      requestDigest: r.request_digest,
      status: r.status,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      redeemedAt: r.redeemed_at,
      lateCredited: r.late_credited,
      claims: r.claims,
      tokenLifetimeMs: Number(r.token_lifetime_ms),
      siteId: r.site_id,
    },
  };
}

/** The offers on `network` whose reference is one of `keys` (the accounts of a transaction). */
export async function findOffersByReferences(
  q: Queryable,
  network: string,
  keys: readonly string[],
): Promise<SolanaOfferRow[]> {
  if (keys.length === 0) return [];
  const result = await q.query<Row>(
    `${SELECT_OFFERS} WHERE o.network = $1 AND o.reference = ANY($2::text[])`,
    [network, [...new Set(keys)]],
  );
  return result.rows.map(toOffer);
}

/**
 * Solana offers still worth watching: every offer with a reference whose invoice has not been
 * expired for longer than the late grace (late payments are still credited), oldest first.
 */
export async function watchedSolanaOffers(
  q: Queryable,
  network: string,
  lateGraceMs: number,
  limit: number,
): Promise<SolanaOfferRow[]> {
  const result = await q.query<Row>(
    `${SELECT_OFFERS}
     WHERE o.network = $1 AND o.reference IS NOT NULL AND i.status IN ('pending', 'seen', 'confirming', 'expired')
       AND o.confirmed_atomic < o.amount_atomic
       AND i.expires_at > now() - make_interval(secs => $2::double precision / 1000)
     ORDER BY i.created_at LIMIT $3`,
    [network, lateGraceMs, limit],
  );
  return result.rows.map(toOffer);
}

/** Signatures among `signatures` already recorded as payments on `network`. */
export async function knownSignatures(
  q: Queryable,
  network: string,
  signatures: readonly string[],
): Promise<Set<string>> {
  if (signatures.length === 0) return new Set();
  const result = await q.query<{ tx_hash: string }>(
    'SELECT tx_hash FROM payments WHERE network = $1 AND tx_hash = ANY($2::text[]) AND log_index = $3',
    [network, [...signatures], SOLANA_LOG_INDEX],
  );
  return new Set(result.rows.map((r) => r.tx_hash));
}

/**
 * Locks invoice rows in id order. Every writer of a Solana invoice (the settle claim and the
 * watcher's crediting) takes these locks first, so they queue on the invoice instead of
 * deadlocking on each other's payment rows.
 */
export async function lockInvoices(q: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await q.query('SELECT id FROM invoices WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [
    [...new Set(ids)],
  ]);
}

export interface SolanaPaymentInput {
  network: string;
  signature: string;
  offer: Pick<SolanaOfferRow, 'invoiceId' | 'reference' | 'assetKind' | 'mint'>;
  payer: string;
  amount: bigint;
  slot: bigint;
}

/**
 * Records a transaction read at the network's commitment as a confirmed payment (Solana has no
 * confirmation count beyond its commitment level). The row's pay_to is the offer's REFERENCE: that
 * is the account that identifies the invoice (the wallet is shared by every invoice). Idempotent
 * on the unique (network, tx, log index) key, so replicas and the settle API can all record it.
 */
export async function recordSolanaPayment(q: Queryable, input: SolanaPaymentInput): Promise<void> {
  await q.query(
    `INSERT INTO payments (network, tx_hash, log_index, invoice_id, payer, pay_to, asset, amount_atomic, block_number, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'confirmed')
     ON CONFLICT (network, tx_hash, log_index) DO NOTHING`,
    [
      input.network,
      input.signature,
      SOLANA_LOG_INDEX,
      input.offer.invoiceId,
      input.payer,
      input.offer.reference,
      input.offer.assetKind === 'native' ? 'native' : input.offer.mint,
      input.amount.toString(),
      input.slot.toString(),
    ],
  );
}

/**
 * Recomputes the totals of the offers with these references from their recorded payments, moves
 * their invoices' status (paid, or credited late after expiry), and records
 * every confirmed payment of a newly paid invoice as redeemed — the same steps the EVM watcher
 * takes, joined on the reference instead of the receive address.
 */
export async function creditSolanaReferences(
  q: Queryable,
  network: string,
  references: readonly string[],
): Promise<RefreshResult> {
  return refreshInvoicesForAddresses(q, network, references, 'reference');
}
