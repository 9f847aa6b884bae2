import type { NetworkRegistry } from '@turnpike/protocol';
import { DASHBOARD_CSS_PATH } from './dashboard-css.js';
import { html, type Html } from './html.js';
import type { DashboardData } from './load-dashboard.js';
import { renderRevenueChart } from './render-chart.js';
import {
  creditsTable,
  invoicesTable,
  latePaymentsTable,
  paymentsTable,
  refundsTable,
  revenueTotalsTable,
  settlementFailuresTable,
  watchersTable,
} from './render-tables.js';

/** The HTML document around a dashboard page: no script, one stylesheet from 'self'. */
export function layout(title: string, body: Html): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>${title}</title>
        <link rel="stylesheet" href="${DASHBOARD_CSS_PATH}" />
      </head>
      <body>
        ${body}
      </body>
    </html>`.html;
}

export interface FilterValues {
  site?: string | undefined;
  network?: string | undefined;
  asset?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

function filters(registry: NetworkRegistry, f: FilterValues, range: { from: string; to: string }): Html {
  const networks = registry.list().map((n) => n.name);
  const assets = [
    ...new Set(registry.list().flatMap((n) => [n.nativeSymbol, ...Object.keys(n.tokens)])),
  ].sort();
  const option = (value: string, chosen: string | undefined) =>
    html`<option value="${value}" ${value === chosen ? html` selected` : ''}>${value}</option>`;
  return html`<form class="filters" method="get" action="/dashboard">
    <label
      >Site
      <input
        name="site"
        value="${f.site ?? ''}"
        placeholder="all"
        pattern="[a-z0-9][a-z0-9-]{0,62}"
        size="12"
    /></label>
    <label
      >Network
      <select name="network">
        <option value="">all</option>
        ${networks.map((n) => option(n, f.network))}
      </select></label
    >
    <label
      >Asset
      <select name="asset">
        <option value="">all</option>
        ${assets.map((a) => option(a, f.asset))}
      </select></label
    >
    <label>From <input type="date" name="from" value="${range.from}" /></label>
    <label>To <input type="date" name="to" value="${range.to}" /></label>
    <button type="submit">Show</button>
  </form>`;
}

/** The dashboard: filters, revenue charts and totals, then every table. */
export function renderDashboard(
  data: DashboardData,
  opts: { registry: NetworkRegistry; filters: FilterValues; csrf: string; issuer: string },
): string {
  const { revenue } = data;
  const overpaid = data.refunds.filter((r) => r.kind === 'overpaid');
  const unpaid = data.refunds.filter((r) => r.kind === 'expired_unpaid');
  const body = html`<header class="top">
      <h1>Turnpike · <span class="muted">${opts.issuer}</span></h1>
      <form method="post" action="/dashboard/sign-out">
        <input type="hidden" name="csrf" value="${opts.csrf}" /><button class="link" type="submit">
          Sign out
        </button>
      </form>
    </header>
    <main>
      <section aria-labelledby="h-filters">
        <h2 id="h-filters">Filters</h2>
        ${filters(opts.registry, opts.filters, revenue)}
      </section>
      <section
        aria-labelledby="h-revenue"
        data-role="revenue"
        data-from="${revenue.from}"
        data-to="${revenue.to}"
      >
        <h2 id="h-revenue">Revenue per day, ${revenue.from} to ${revenue.to} (UTC)</h2>
        <p class="muted">
          Credited payments, per site, network and asset; amounts of different assets are never added
          together.
        </p>
        <div class="grid">
          ${revenue.totals.map((t) => renderRevenueChart(t, revenue.days, revenue.series))}
        </div>
        ${revenueTotalsTable(revenue.totals)}
      </section>
      <div class="grid">
        <section aria-labelledby="h-watchers">
          <h2 id="h-watchers">Watchers</h2>
          <p class="muted">${data.watchers.detail || 'No watcher on this replica.'}</p>
          ${watchersTable(data.watchers.networks)}
        </section>
        <section aria-labelledby="h-failures">
          <h2 id="h-failures">Settlement failures</h2>
          ${settlementFailuresTable(data.settlementFailures)}
        </section>
      </div>
      <section aria-labelledby="h-invoices">
        <h2 id="h-invoices">Recent invoices</h2>
        ${invoicesTable(data.invoices)}
      </section>
      <section aria-labelledby="h-payments">
        <h2 id="h-payments">Recent payments</h2>
        ${paymentsTable(data.payments)}
      </section>
      <section aria-labelledby="h-late">
        <h2 id="h-late">Late payments</h2>
        <p class="muted">
          Credited after the invoice expired (within the watcher's late grace): they unlocked.
        </p>
        ${latePaymentsTable(data.late)}
      </section>
      <section aria-labelledby="h-overpaid">
        <h2 id="h-overpaid">Overpaid payments</h2>
        <p class="muted">
          Received more than the invoice asked: the difference is owed back (<code>turnpike refunds list</code
          >, <code>turnpike sweep plan --refunds</code>).
        </p>
        ${refundsTable('overpaid', overpaid, 'No overpayments.')}
      </section>
      <section aria-labelledby="h-unpaid">
        <h2 id="h-unpaid">Payments to expired invoices</h2>
        <p class="muted">
          Paid to an invoice that expired without unlocking: everything received is owed back.
        </p>
        ${refundsTable('expired-unpaid', unpaid, 'None.')}
      </section>
      <section aria-labelledby="h-credits">
        <h2 id="h-credits">Open credit balances</h2>
        ${creditsTable(data.credits)}
      </section>
    </main>`;
  return layout('Turnpike dashboard', body);
}

/** The sign-in form: the admin token, a CSRF token, and what went wrong last time. */
export function renderSignIn(opts: {
  csrf: string;
  error?: string | undefined;
  reason?: string | undefined;
}): string {
  const body = html`<main>
    <section class="sign-in" aria-labelledby="h-sign-in">
      <h1 id="h-sign-in">Turnpike dashboard</h1>
      ${opts.error === undefined ? '' : html`<p class="error" role="alert" data-reason="${opts.reason ?? ''}">${opts.error}</p>`}
      <form method="post" action="/dashboard/sign-in">
        <input type="hidden" name="csrf" value="${opts.csrf}" />
        <label
          >Admin token <input type="password" name="token" autocomplete="current-password" required
        /></label>
        <button type="submit">Sign in</button>
      </form>
      <p class="muted">
        The portal's <code>admin.token</code>. Signing in sets a session cookie for this listener only.
      </p>
    </section>
  </main>`;
  return layout('Sign in · Turnpike dashboard', body);
}
