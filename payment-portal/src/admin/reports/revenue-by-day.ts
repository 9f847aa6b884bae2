import type { NetworkRegistry } from '@turnpike/protocol';
import type { Queryable } from '../../storage/index.js';
import { assetIdsFor } from './asset-filter.js';
import { ledgerAmount, type LedgerAmount } from './ledger-amount.js';
import type { DayRange, ReportFilter } from './report-params.js';

/** Credited revenue of one site in one asset on one day (UTC). */
export interface RevenueDay extends LedgerAmount {
  day: string;
  /** The invoice's site; null for a credit whose invoice is gone. */
  siteId: string | null;
  /** Credited payments (redemptions) summed. */
  payments: number;
}

/** The sum over the range of one site in one asset (amounts of different assets are never added). */
export interface RevenueTotal extends LedgerAmount {
  siteId: string | null;
  payments: number;
}

export interface RevenueReport {
  from: string;
  to: string;
  /** Every day of the range, oldest first (days without revenue included, for the bars). */
  days: string[];
  /** Days with revenue only, per site, network and asset. */
  series: RevenueDay[];
  totals: RevenueTotal[];
}

interface Row {
  day: string;
  site_id: string | null;
  network: string;
  asset: string;
  payments: string;
  total: string;
}

/**
 * Credited payments (table redemptions: each (network, tx, log index) once, the moment it was
 * credited) summed per UTC day, site, network and asset over `range`, optionally for one site,
 * network or asset. Sums are exact (numeric in SQL, bigint here); whole units come from the
 * registry's decimals.
 */
export async function revenueByDay(
  db: Queryable,
  registry: NetworkRegistry,
  range: DayRange,
  filter: ReportFilter,
): Promise<RevenueReport> {
  const result = await db.query<Row>(
    `SELECT to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, i.site_id, r.network, r.asset,
            count(*)::text AS payments, sum(r.amount_atomic)::text AS total
       FROM redemptions r LEFT JOIN invoices i ON i.id = r.invoice_id
      WHERE r.created_at >= $1 AND r.created_at < $2
        AND ($3::text IS NULL OR i.site_id = $3)
        AND ($4::text IS NULL OR r.network = $4)
        AND ($5::text[] IS NULL OR r.asset = ANY($5::text[]))
      GROUP BY 1, 2, 3, 4
      ORDER BY 1, 2, 3, 4`,
    [
      range.start,
      range.end,
      filter.site ?? null,
      filter.network ?? null,
      assetIdsFor(registry, filter.asset) ?? null,
    ],
  );
  const series: RevenueDay[] = result.rows.map((r) => ({
    day: r.day,
    siteId: r.site_id,
    payments: Number(r.payments),
    ...ledgerAmount(registry, r.network, r.asset, r.total),
  }));
  const totals = new Map<
    string,
    { siteId: string | null; network: string; asset: string; payments: number; atomic: bigint }
  >();
  for (const s of series) {
    const key = JSON.stringify([s.siteId, s.network, s.asset]);
    const t = totals.get(key) ?? {
      siteId: s.siteId,
      network: s.network,
      asset: s.asset,
      payments: 0,
      atomic: 0n,
    };
    t.payments += s.payments;
    t.atomic += BigInt(s.amountAtomic);
    totals.set(key, t);
  }
  return {
    from: range.fromDay,
    to: range.toDay,
    days: range.days,
    series,
    totals: [...totals.values()].map((t) => ({
      siteId: t.siteId,
      payments: t.payments,
      ...ledgerAmount(registry, t.network, t.asset, t.atomic),
    })),
  };
}
