import type { Queryable } from '../storage/index.js';
import type { InvoiceRecord, InvoiceOfferRecord, InvoiceSource, InvoiceStatus } from './types.js';

interface InvoiceRow {
  id: string;
  host: string;
  scheme: 'http' | 'https';
  resource: string;
  original_uri: string;
  claims: Record<string, string>;
  token_lifetime_ms: string;
  request_digest: string;
  description: string | null;
  status: InvoiceStatus;
  created_at: Date;
  expires_at: Date;
  paid_at: Date | null;
  redeemed_at: Date | null;
  late_credited: boolean;
  token_jti: string | null;
  token_expires_at: Date | null;
  customization: InvoiceRecord['customization'];
  source: InvoiceSource;
  session_hash: string | null;
  site_id: string;
}

interface OfferRow {
  id: string;
  network: string;
  asset_symbol: string;
  asset_kind: 'native' | 'erc20' | 'spl';
  asset_address: string | null;
  decimals: number;
  amount_atomic: string;
  pay_to: string;
  reference: string | null;
  received_atomic: string;
  confirmed_atomic: string;
}

const INVOICE_ID = /^[A-Za-z0-9_-]{22}$/;

/** True when `id` has the shape of an invoice id (128 random bits, base64url). */
export function isInvoiceIdShape(id: string): boolean {
  return INVOICE_ID.test(id);
}

/** Loads an invoice with its offers (in creation order), or null. */
export async function getInvoice(db: Queryable, id: string): Promise<InvoiceRecord | null> {
  if (!isInvoiceIdShape(id)) return null;
  const inv = await db.query<InvoiceRow>('SELECT * FROM invoices WHERE id = $1', [id]);
  const row = inv.rows[0];
  if (!row) return null;
  const offers = await db.query<OfferRow>('SELECT * FROM invoice_offers WHERE invoice_id = $1 ORDER BY id', [
    id,
  ]);
  return {
    id: row.id,
    host: row.host,
    scheme: row.scheme,
    resource: row.resource,
    originalUri: row.original_uri,
    claims: row.claims,
    tokenLifetimeMs: Number(row.token_lifetime_ms),
    requestDigest: row.request_digest,
    description: row.description,
    status: row.status,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    paidAt: row.paid_at,
    redeemedAt: row.redeemed_at,
    lateCredited: row.late_credited,
    tokenJti: row.token_jti,
    tokenExpiresAt: row.token_expires_at,
    customization: row.customization,
    source: row.source,
    sessionHash: row.session_hash,
    siteId: row.site_id,
    offers: offers.rows.map(offerFromRow),
  };
}

function offerFromRow(row: OfferRow): InvoiceOfferRecord {
  return {
    id: String(row.id),
    network: row.network,
    assetSymbol: row.asset_symbol,
    assetKind: row.asset_kind,
    assetAddress: row.asset_address,
    decimals: row.decimals,
    amountAtomic: BigInt(row.amount_atomic),
    payTo: row.pay_to,
    reference: row.reference,
    receivedAtomic: BigInt(row.received_atomic),
    confirmedAtomic: BigInt(row.confirmed_atomic),
  };
}
