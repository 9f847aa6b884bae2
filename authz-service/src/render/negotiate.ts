/**
 * True when the client prefers an HTML page: `Accept` names `text/html` with a quality at least
 * that of `application/json` (browsers); `*\/*` alone, JSON, or no header at all mean an API client.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (accept === undefined || !accept.includes('html')) return false;
  // A browser sends the same long Accept with every request: parsed once, not per 402.
  if (accept === last.accept) return last.html;
  const html = parse(accept);
  last = { accept, html };
  return html;
}

let last = { accept: '', html: false };

function parse(accept: string): boolean {
  let html = 0;
  let json = 0;
  for (const range of accept.split(',')) {
    const [typePart, ...params] = range.split(';');
    const type = (typePart ?? '').trim().toLowerCase();
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    if (type === 'text/html' || type === 'application/xhtml+xml') html = Math.max(html, q);
    else if (type === 'application/json' || type.endsWith('+json')) json = Math.max(json, q);
  }
  return html > 0 && html >= json;
}
