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
