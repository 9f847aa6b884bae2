import type { NetworkRegistry } from '@turnpike/protocol';
import type { Queryable } from '../../storage/index.js';
import { assetIdsFor } from './asset-filter.js';
import { ledgerAmount, type LedgerAmount } from './ledger-amount.js';
import type { ListQuery } from './report-params.js';

export interface InvoiceOfferSummary extends LedgerAmount {
  /** What has been confirmed to this offer so far (atomic units). */
  confirmedAtomic: string;
  payTo: string;
}

export interface RecentInvoice {
  id: string;
  siteId: string;
  host: string;
  resource: string;
  /** pending, seen, confirming, paid, redeemed or expired. */
  status: string;
  /** pay_page, challenge or proof (docs/storage.md). */
  source: string;
  /** Paid in full only after its expiry (credited late). */
  lateCredited: boolean;
  createdAt: string;
  expiresAt: string;
  paidAt: string | null;
  offers: InvoiceOfferSummary[];
}

interface InvoiceRow {
  id: string;
  site_id: string;
  host: string;
  resource: string;
  status: string;
  source: string;
  late_credited: boolean;
  created_at: Date;
  expires_at: Date;
  paid_at: Date | null;
}

interface OfferRow {
  invoice_id: string;
  network: string;
  asset: string;
  amount_atomic: string;
  confirmed_atomic: string;
  pay_to: string;
}

/** The newest invoices (optionally of one site, or offering one network or asset), with their offers. */
export async function recentInvoices(
  db: Queryable,
  registry: NetworkRegistry,
  q: ListQuery,
): Promise<RecentInvoice[]> {
  const invoices = await db.query<InvoiceRow>(
    // An open invoice past its expiry is expired, whether or not the expiry sweep has marked it yet.
    `SELECT i.id, i.site_id, i.host, i.resource,
            CASE WHEN i.status IN ('pending', 'seen') AND i.expires_at <= now() THEN 'expired' ELSE i.status END AS status,
            i.source, i.late_credited, i.created_at, i.expires_at, i.paid_at
       FROM invoices i
      WHERE ($1::text IS NULL OR i.site_id = $1)
        AND ($2::text IS NULL AND $3::text[] IS NULL OR EXISTS (
              SELECT 1 FROM invoice_offers o WHERE o.invoice_id = i.id
                 AND ($2::text IS NULL OR o.network = $2)
                 AND ($3::text[] IS NULL OR CASE o.asset_kind WHEN 'native' THEN 'native' ELSE o.asset_address END = ANY($3::text[]))))
      ORDER BY i.created_at DESC, i.id
      LIMIT $4`,
    [q.site ?? null, q.network ?? null, assetIdsFor(registry, q.asset) ?? null, q.limit],
  );
  const ids = invoices.rows.map((r) => r.id);
  const offers =
    ids.length === 0
      ? []
      : (
          await db.query<OfferRow>(
            `SELECT invoice_id, network, CASE asset_kind WHEN 'native' THEN 'native' ELSE asset_address END AS asset,
                    amount_atomic::text, confirmed_atomic::text, COALESCE(reference, pay_to) AS pay_to
               FROM invoice_offers WHERE invoice_id = ANY($1::text[]) ORDER BY id`,
            [ids],
          )
        ).rows;
  return invoices.rows.map((r) => ({
    id: r.id,
    siteId: r.site_id,
    host: r.host,
    resource: r.resource,
    status: r.status,
    source: r.source,
    lateCredited: r.late_credited,
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    paidAt: r.paid_at?.toISOString() ?? null,
    offers: offers
      .filter((o) => o.invoice_id === r.id)
      .map((o) => ({
        ...ledgerAmount(registry, o.network, o.asset, o.amount_atomic),
        confirmedAtomic: o.confirmed_atomic,
        payTo: o.pay_to,
      })),
  }));
}
