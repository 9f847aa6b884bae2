const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** HTML-escapes text and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** The small 402 page a browser sees: a meta refresh and a link to the portal's pay page. */
export function paymentPage(opts: { payUrl: string; description: string | undefined; host: string }): string {
  const url = escapeHtml(opts.payUrl);
  const what = opts.description === undefined ? 'This page' : escapeHtml(opts.description);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="0;url=${url}">
<title>Payment required</title></head>
<body><h1>Payment required</h1>
<p>${what} on ${escapeHtml(opts.host)} requires a payment.</p>
<p><a href="${url}">Continue to payment</a></p>
</body></html>
`;
}

/** The page a browser sees for a 403 or 503 (the reason is shown for support requests). */
export function refusalPage(opts: { status: number; message: string; reason: string }): string {
  const title = opts.status === 403 ? 'Access denied' : 'Temporarily unavailable';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title></head>
<body><h1>${title}</h1>
<p>${escapeHtml(opts.message)}</p>
<p><small>Reason: <code>${escapeHtml(opts.reason)}</code></small></p>
</body></html>
`;
}
