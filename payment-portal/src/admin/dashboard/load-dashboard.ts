import type { PortalContext } from '../../context.js';
import { lateGraceByNetwork } from '../../refunds/late-grace-by-network.js';
import { listRefunds, type Refund } from '../../refunds/list-refunds.js';
import type { AdminDeps } from '../admin-deps.js';
import { latePayments, type LatePayment } from '../reports/late-payments.js';
import { listOpenCreditBalances } from '../../credits/list-open-balances.js';
import type { OpenCreditBalanceJson } from '../reports/open-credit-balances.js';
import { recentInvoices, type RecentInvoice } from '../reports/recent-invoices.js';
import { recentPayments, type RecentPayment } from '../reports/recent-payments.js';
import { dayRange, type ReportFilter } from '../reports/report-params.js';
import type { RecordedSettlementFailure } from '../reports/settlement-failure-log.js';
import { revenueByDay, type RevenueReport } from '../reports/revenue-by-day.js';
import { watcherLag, type WatcherLag } from '../reports/watcher-lag.js';

/** Rows per table on the dashboard. */
export const DASHBOARD_ROWS = 20;

export interface DashboardData {
  revenue: RevenueReport;
  invoices: RecentInvoice[];
  payments: RecentPayment[];
  late: LatePayment[];
  refunds: Refund[];
  credits: OpenCreditBalanceJson[];
  watchers: { ok: boolean; detail: string; networks: WatcherLag[] };
  settlementFailures: RecordedSettlementFailure[];
}

/**
 * Everything the dashboard shows, from the same query functions as the admin API's JSON (one
 * source of truth: a number on the page is the number `/admin/api/reports/…` returns).
 */
export async function loadDashboard(
  ctx: PortalContext,
  deps: AdminDeps,
  q: ReportFilter & { from?: string | undefined; to?: string | undefined },
): Promise<DashboardData> {
  const { db, registry } = ctx;
  const list = { ...q, limit: DASHBOARD_ROWS };
  const [revenue, invoices, payments, late, refunds, credits] = await Promise.all([
    revenueByDay(db, registry, dayRange(q), q),
    recentInvoices(db, registry, list),
    recentPayments(db, registry, list),
    latePayments(db, registry, list),
    listRefunds(db, registry, { ...list, lateGraceMs: lateGraceByNetwork(ctx.config.watchers) }),
    listOpenCreditBalances(db, { ...(q.site === undefined ? {} : { site: q.site }), limit: DASHBOARD_ROWS }),
  ]);
  return {
    revenue,
    invoices,
    payments,
    late,
    refunds,
    credits,
    watchers: watcherLag(deps.watcherHealths, { staleAfterMs: ctx.config.readiness.watcherStaleAfterMs }),
    settlementFailures: deps.settlementFailures?.recent(DASHBOARD_ROWS) ?? [],
  };
}
