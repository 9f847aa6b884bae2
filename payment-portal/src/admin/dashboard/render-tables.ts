import { formatAtomic } from '@turnpike/protocol';
import type { Refund } from '../../refunds/list-refunds.js';
import type { LatePayment } from '../reports/late-payments.js';
import type { OpenCreditBalanceJson } from '../reports/open-credit-balances.js';
import type { RecentInvoice } from '../reports/recent-invoices.js';
import type { RecentPayment } from '../reports/recent-payments.js';
import type { RecordedSettlementFailure } from '../reports/settlement-failure-log.js';
import type { RevenueTotal } from '../reports/revenue-by-day.js';
import type { WatcherLag } from '../reports/watcher-lag.js';
import { html, type Html } from './html.js';
import { showAmount } from './render-chart.js';

const short = (s: string, keep = 10): string =>
  s.length <= keep * 2 + 1 ? s : `${s.slice(0, keep)}…${s.slice(-6)}`;
const time = (iso: string | null): Html =>
  iso === null
    ? html`<span class="muted">–</span>`
    : html`<time datetime="${iso}">${iso.slice(0, 19).replace('T', ' ')}</time>`;
/** Whole units when the decimals are known, else atomic units marked as such. */
const units = (atomic: string, decimals: number | null): string =>
  decimals === null ? `${atomic} (atomic)` : formatAtomic(BigInt(atomic), decimals);
const status = (s: string): Html => html`<span class="status status-${s}">${s}</span>`;

/** A transaction: a link to the network's explorer when the registry has one, else the hash. */
export function txLink(hash: string, url: string | null): Html {
  return url === null
    ? html`<code title="${hash}">${short(hash)}</code>`
    : html`<a class="mono" href="${url}" rel="noreferrer noopener" title="${hash}">${short(hash)}</a>`;
}

function table(id: string, headers: readonly string[], rows: readonly Html[], empty: string): Html {
  if (rows.length === 0) return html`<p class="empty" data-role="${id}-empty">${empty}</p>`;
  const head = headers.map((h) =>
    h.startsWith('#') ? html`<th class="num">${h.slice(1)}</th>` : html`<th>${h}</th>`,
  );
  return html`<div class="scroll">
    <table data-role="${id}">
      <thead>
        <tr>
          ${head}
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}

export function revenueTotalsTable(totals: readonly RevenueTotal[]): Html {
  return table(
    'revenue-totals',
    ['Site', '#Total', '#Payments', 'Network', 'Asset'],
    totals.map(
      (t) =>
        html`<tr
          data-site="${t.siteId ?? ''}"
          data-network="${t.network}"
          data-asset="${t.asset}"
          data-total-atomic="${t.amountAtomic}"
        >
          <td>${t.siteId ?? '(none)'}</td>
          <td class="num" data-role="total">${showAmount(t)}</td>
          <td class="num">${t.payments}</td>
          <td>${t.network}</td>
          <td>${t.symbol ?? t.asset}</td>
        </tr>`,
    ),
    'No credited payments in this range.',
  );
}

export function invoicesTable(invoices: readonly RecentInvoice[]): Html {
  return table(
    'invoices',
    ['Created', 'Site', 'Resource', 'Status', 'Asks', 'Paid'],
    invoices.map(
      (i) =>
        html`<tr data-invoice="${i.id}">
          <td>${time(i.createdAt)}</td>
          <td>${i.siteId}</td>
          <td title="${i.id}">${i.host}${i.resource}</td>
          <td>
            ${status(i.status)}${i.lateCredited ? html` <span class="status status-seen">late</span>` : ''}
          </td>
          <td>
            ${i.offers.map((o, n) => html`${n > 0 ? ' or ' : ''}${showAmount(o)} <span class="muted">(${o.network})</span>`)}
          </td>
          <td>${time(i.paidAt)}</td>
        </tr>`,
    ),
    'No invoices.',
  );
}

export function paymentsTable(payments: readonly RecentPayment[]): Html {
  return table(
    'payments',
    ['Seen', '#Amount', 'Status', 'Credited', 'Site', 'Network', 'Transaction', 'From'],
    payments.map(
      (p) =>
        html`<tr data-tx="${p.txHash}">
          <td>${time(p.createdAt)}</td>
          <td class="num">${showAmount(p)}</td>
          <td>${status(p.status)}</td>
          <td>${p.credited ? 'yes' : 'no'}</td>
          <td>${p.siteId ?? '–'}</td>
          <td>${p.network}</td>
          <td>${txLink(p.txHash, p.explorerUrl)}</td>
          <td><code title="${p.payer ?? ''}">${p.payer === null ? '–' : short(p.payer, 6)}</code></td>
        </tr>`,
    ),
    'No payments recorded.',
  );
}

export function latePaymentsTable(late: readonly LatePayment[]): Html {
  return table(
    'late-payments',
    ['Credited', 'Site', 'Resource', '#Amount', 'Late by', 'Transaction'],
    late.map(
      (l) =>
        html`<tr data-invoice="${l.invoiceId}">
          <td>${time(l.creditedAt)}</td>
          <td>${l.siteId}</td>
          <td>${l.host}${l.resource}</td>
          <td class="num">${showAmount(l)}</td>
          <td>${Math.round(l.lateByMs / 1000)} s</td>
          <td>${txLink(l.txHash, l.explorerUrl)}</td>
        </tr>`,
    ),
    'No late payments.',
  );
}

export function refundsTable(id: string, refunds: readonly Refund[], empty: string): Html {
  return table(
    id,
    ['Invoice', 'Site', '#Refund', '#Asked', '#Received', 'To', 'From (path)', 'Transaction'],
    refunds.map(
      (r) =>
        html`<tr data-invoice="${r.invoiceId}" data-amount-atomic="${r.amountAtomic}">
          <td title="${r.invoiceId}">${short(r.invoiceId, 6)} ${status(r.invoiceStatus)}</td>
          <td>${r.siteId}</td>
          <td class="num">${showAmount(r)}</td>
          <td class="num">${units(r.askedAtomic, r.decimals)}</td>
          <td class="num">${units(r.confirmedAtomic, r.decimals)}</td>
          <td>
            <code title="${r.to ?? ''}">${r.to === null ? 'unknown' : short(r.to, 6)}</code
            >${r.payers.length > 1 ? html` <span class="status status-seen">${r.payers.length} payers</span>` : ''}
          </td>
          <td>
            <code title="${r.from.address}">${short(r.from.address, 6)}</code>
            <span class="muted">${r.from.path ?? ''}</span>
          </td>
          <td>
            ${r.payments[0] === undefined ? '–' : txLink(r.payments[0].txHash, r.payments[0].explorerUrl)}
          </td>
        </tr>`,
    ),
    empty,
  );
}

export function creditsTable(credits: readonly OpenCreditBalanceJson[]): Html {
  return table(
    'credit-balances',
    ['Token', 'Site', 'Resource', 'Model', '#Remaining', '#Bought', 'Expires'],
    credits.map(
      (c) =>
        html`<tr>
          <td><code>${short(c.tokenId, 6)}</code></td>
          <td>${c.siteId}</td>
          <td>${c.host}${c.resource}</td>
          <td>${c.model}</td>
          <td class="num">${c.remaining}</td>
          <td class="num">${c.total}</td>
          <td>${time(c.expiresAt)}</td>
        </tr>`,
    ),
    'No open credit balances.',
  );
}

export function watchersTable(networks: readonly WatcherLag[]): Html {
  return table(
    'watchers',
    ['Network', 'State', '#Lag (blocks)', '#Newest block age', '#Last pass', '#Failures', 'Last error'],
    networks.map(
      (w) =>
        html`<tr data-network="${w.network}">
          <td>${w.network}</td>
          <td>${status(w.ok ? 'ok' : 'down')}</td>
          <td class="num">${w.lagBlocks ?? '–'}</td>
          <td class="num">${w.newestBlockAgeSeconds === null ? '–' : `${w.newestBlockAgeSeconds} s`}</td>
          <td class="num">
            ${w.lastSuccessAgoMs === undefined ? 'never' : `${(w.lastSuccessAgoMs / 1000).toFixed(1)} s ago`}
          </td>
          <td class="num">${w.consecutiveFailures}</td>
          <td>${w.lastError ?? ''}</td>
        </tr>`,
    ),
    'No watcher runs on this replica.',
  );
}

export function settlementFailuresTable(failures: readonly RecordedSettlementFailure[]): Html {
  return table(
    'settlement-failures',
    ['At', 'Host', 'Network', '#Amount', 'Mode', 'Reason'],
    failures.map(
      (f) =>
        html`<tr>
          <td>${time(f.at)}</td>
          <td>${f.host}</td>
          <td>${f.network}</td>
          <td class="num">${showAmount(f)}</td>
          <td>${f.mode}</td>
          <td><code>${f.reason}</code></td>
        </tr>`,
    ),
    'No settlement failures on this replica since it started.',
  );
}
