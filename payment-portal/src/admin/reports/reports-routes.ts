import type { AdminArea } from '../routes.js';
import { lateGraceByNetwork } from '../../refunds/late-grace-by-network.js';
import { listRefunds } from '../../refunds/list-refunds.js';
import { latePayments } from './late-payments.js';
import { listOpenCreditBalances } from '../../credits/list-open-balances.js';
import { recentInvoices } from './recent-invoices.js';
import { recentPayments } from './recent-payments.js';
import { dayRange, listQuerySchema, parseQuery, revenueQuerySchema } from './report-params.js';
import { revenueByDay } from './revenue-by-day.js';
import { watcherLag } from './watcher-lag.js';

/**
 * The reporting admin API (docs/dashboard.md), the JSON the dashboard renders and `turnpike` reads:
 * `/reports/revenue`, `/reports/invoices`, `/reports/payments`, `/reports/late-payments`,
 * `/reports/watchers`, `/reports/settlement-failures`, `/reports/credit-balances`, and `/refunds`.
 */
export const reportsRoutes: AdminArea = {
  api(router, ctx, deps) {
    const { db, registry } = ctx;
    router.get('/reports/revenue', async (req, res) => {
      const q = parseQuery(revenueQuerySchema, req.query);
      res.json(await revenueByDay(db, registry, dayRange(q), q));
    });
    router.get('/reports/invoices', async (req, res) => {
      res.json({ invoices: await recentInvoices(db, registry, parseQuery(listQuerySchema, req.query)) });
    });
    router.get('/reports/payments', async (req, res) => {
      res.json({ payments: await recentPayments(db, registry, parseQuery(listQuerySchema, req.query)) });
    });
    router.get('/reports/late-payments', async (req, res) => {
      res.json({ payments: await latePayments(db, registry, parseQuery(listQuerySchema, req.query)) });
    });
    router.get('/reports/watchers', (_req, res) => {
      res.json(watcherLag(deps.watcherHealths, { staleAfterMs: ctx.config.readiness.watcherStaleAfterMs }));
    });
    router.get('/reports/settlement-failures', (req, res) => {
      const q = parseQuery(listQuerySchema, req.query);
      res.json({ failures: deps.settlementFailures?.recent(q.limit) ?? [] });
    });
    router.get('/reports/credit-balances', async (req, res) => {
      const q = parseQuery(listQuerySchema, req.query);
      const balances = await listOpenCreditBalances(db, {
        ...(q.site === undefined ? {} : { site: q.site }),
        limit: q.limit,
      });
      res.json({ balances });
    });
    router.get('/refunds', async (req, res) => {
      const q = parseQuery(listQuerySchema, req.query);
      const lateGraceMs = lateGraceByNetwork(ctx.config.watchers);
      res.json({ refunds: await listRefunds(db, registry, { ...q, lateGraceMs }) });
    });
  },
};
