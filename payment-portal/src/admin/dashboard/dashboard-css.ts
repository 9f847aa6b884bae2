/**
 * The dashboard's only stylesheet, served from the admin listener at {@link DASHBOARD_CSS_PATH} (the
 * CSP allows styles from 'self' only: no inline style, no CDN, no web font). Narrow first: tables
 * scroll inside their section and charts scale with the width, so a phone reads it all.
 */
export const DASHBOARD_CSS_PATH = '/dashboard/dashboard.css';

export const DASHBOARD_CSS = `:root {
  --bg: #f3f4f6; --card: #fff; --text: #111827; --muted: #4b5563; --border: #d1d5db;
  --accent: #1d4ed8; --bar: #2563eb; --ok: #14532d; --ok-bg: #dcfce7; --bad: #7f1d1d; --bad-bg: #fee2e2;
  --warn: #713f12; --warn-bg: #fef3c7; color-scheme: light;
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--text); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header.top { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; justify-content: space-between; padding: .75rem 1rem; background: var(--card); border-bottom: 1px solid var(--border); }
header.top h1 { font-size: 1.15rem; margin: 0; }
main { max-width: 80rem; margin: 0 auto; padding: 1rem; display: grid; gap: 1rem; }
section { background: var(--card); border: 1px solid var(--border); border-radius: .5rem; padding: .75rem 1rem; min-width: 0; }
section h2 { font-size: 1rem; margin: 0 0 .5rem; }
.grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 22rem), 1fr)); }
.muted { color: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .875rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--border); white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .8rem; }
.status { display: inline-block; padding: 0 .4rem; border-radius: .25rem; background: var(--bg); }
.status-paid, .status-redeemed, .status-confirmed, .status-ok { background: var(--ok-bg); color: var(--ok); }
.status-expired, .status-reorged, .status-down { background: var(--bad-bg); color: var(--bad); }
.status-seen, .status-confirming, .status-pending { background: var(--warn-bg); color: var(--warn); }
form.filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
form.filters label { display: grid; gap: .15rem; font-size: .8rem; color: var(--muted); }
input, select, button { font: inherit; padding: .3rem .5rem; border: 1px solid var(--border); border-radius: .25rem; background: #fff; color: var(--text); }
button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
button.link { background: none; color: var(--accent); border: none; padding: 0; text-decoration: underline; }
a { color: var(--accent); }
figure.chart { margin: 0; }
figure.chart figcaption { display: flex; flex-wrap: wrap; justify-content: space-between; gap: .25rem 1rem; font-size: .9rem; }
figure.chart .total { font-weight: 600; font-variant-numeric: tabular-nums; }
figure.chart svg { display: block; width: 100%; height: auto; margin-top: .25rem; }
svg .bar { fill: var(--bar); }
svg .axis { stroke: var(--border); stroke-width: 1; }
svg text { fill: var(--muted); font-size: 11px; font-family: system-ui, sans-serif; }
.sign-in { max-width: 24rem; margin: 4rem auto; }
.sign-in form { display: grid; gap: .75rem; }
.error { background: var(--bad-bg); color: var(--bad); padding: .5rem .75rem; border-radius: .25rem; }
.empty { color: var(--muted); font-style: italic; }
`;
