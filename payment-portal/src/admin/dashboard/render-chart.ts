import type { RevenueDay, RevenueTotal } from '../reports/revenue-by-day.js';
import { html, type Html } from './html.js';

const WIDTH = 640;
const HEIGHT = 160;
const LABEL_SPACE = 18;

/** Whole units with the symbol, or atomic units with the asset id when the decimals are unknown. */
export function showAmount(a: {
  amount: string | null;
  amountAtomic: string;
  symbol: string | null;
  asset: string;
}): string {
  return a.amount === null ? `${a.amountAtomic} (atomic) ${a.asset}` : `${a.amount} ${a.symbol ?? a.asset}`;
}

/**
 * One revenue chart: a bar per day of `days` for one site, network and asset (amounts of different
 * assets never share an axis), the total in the caption. Server-rendered SVG: no script, no style
 * attribute (the CSP forbids both); each bar carries its exact amount in a <title> and data attributes.
 */
export function renderRevenueChart(
  total: RevenueTotal,
  days: readonly string[],
  series: readonly RevenueDay[],
): Html {
  const byDay = new Map(
    series
      .filter((s) => s.siteId === total.siteId && s.network === total.network && s.asset === total.asset)
      .map((s) => [s.day, s]),
  );
  const max = [...byDay.values()].reduce(
    (m, s) => (BigInt(s.amountAtomic) > m ? BigInt(s.amountAtomic) : m),
    0n,
  );
  const slot = WIDTH / Math.max(days.length, 1);
  const plot = HEIGHT - LABEL_SPACE;
  const bars = days.map((day, i) => {
    const s = byDay.get(day);
    if (s === undefined || max === 0n) return html``;
    // Scaled in bigint first (per mille of the largest day), so huge atomic amounts stay exact enough.
    const h = Math.max(1, (Number((BigInt(s.amountAtomic) * 1000n) / max) / 1000) * (plot - 4));
    const x = (i * slot + slot * 0.1).toFixed(2);
    return html`<rect
      class="bar"
      x="${x}"
      y="${(plot - h).toFixed(2)}"
      width="${(slot * 0.8).toFixed(2)}"
      height="${h.toFixed(2)}"
      data-day="${day}"
      data-amount-atomic="${s.amountAtomic}"
      ><title>
        ${day}: ${showAmount(s)} (${s.payments} ${s.payments === 1 ? 'payment' : 'payments'})
      </title></rect
    >`;
  });
  const first = days[0] ?? '';
  const last = days[days.length - 1] ?? '';
  const label = `${total.siteId ?? '(no site)'} · ${total.network} · ${total.symbol ?? total.asset}`;
  return html`<figure
    class="chart"
    data-site="${total.siteId ?? ''}"
    data-network="${total.network}"
    data-asset="${total.asset}"
    data-total-atomic="${total.amountAtomic}"
  >
    <figcaption>
      <span>${label}</span
      ><span
        ><span class="total" data-role="chart-total">${showAmount(total)}</span>
        <span class="muted">in ${total.payments} ${total.payments === 1 ? 'payment' : 'payments'}</span></span
      >
    </figcaption>
    <svg
      viewBox="0 0 ${WIDTH} ${HEIGHT}"
      role="img"
      aria-label="${label}: revenue per day, ${first} to ${last}"
    >
      <line class="axis" x1="0" y1="${plot}" x2="${WIDTH}" y2="${plot}"></line>
      ${bars}
      <text x="0" y="${HEIGHT - 4}">${first}</text>
      <text x="${WIDTH}" y="${HEIGHT - 4}" text-anchor="end">${last}</text>
    </svg>
  </figure>`;
}
