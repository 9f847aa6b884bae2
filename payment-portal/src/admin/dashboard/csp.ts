import { DASHBOARD_CSS_PATH } from './dashboard-css.js';

/**
 * The dashboard's Content-Security-Policy: nothing by default, no script at all, its one stylesheet
 * from the listener itself, forms only back to itself, never framed. The charts are inline SVG
 * markup (no script, no style attribute), which this policy allows.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Headers every dashboard response carries. */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': DASHBOARD_CSP,
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  // Not no-referrer: with it Chromium posts forms with `Origin: null`, which the CSRF check refuses.
  // same-origin still tells the explorers (the chain links) nothing.
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

export { DASHBOARD_CSS_PATH };
