import { ProtocolError } from '../errors.js';
import { findMetaContents } from '../internal/html-meta.js';
import type { NetworkRegistry } from '../networks/types.js';
import { REASONS } from '../reasons.js';
import type { DeclarationOptions } from './decode.js';
import { resolveDeclaration } from './from-headers.js';
import { MAX_HTML_SCAN_BYTES } from './limits.js';
import type { PaymentRequest } from './types.js';

const META_NAMES: ReadonlySet<string> = new Set(['x-402-request', 'x-402-required']);

/**
 * The payment requirement declared in an HTML document's head —
 * `<meta name="x-402-request" content="<base64 JSON>">` (optionally with
 * `<meta name="x-402-required" content="true|false">`, same rules as the headers) — or null
 * when there is none. Only the head is read: scanning stops at `</head>`, `<body>` or after
 * the first 256 KiB. Comments and script/style contents are skipped.
 */
export function paymentRequestFromHtml(
  html: string,
  registry: NetworkRegistry,
  opts: DeclarationOptions = {},
): PaymentRequest | null {
  const head = html.length > MAX_HTML_SCAN_BYTES ? html.slice(0, MAX_HTML_SCAN_BYTES) : html;
  const metas = findMetaContents(head, META_NAMES);
  const request = resolveDeclaration(
    single(metas.get('x-402-required')),
    single(metas.get('x-402-request')),
    registry,
    opts,
  );
  // A page that declares its price in its own <meta> is an HTML page, unless it says otherwise.
  if (request !== null && request.mimeType === undefined) request.mimeType = 'text/html';
  return request;
}

function single(values: string[] | undefined): string | undefined {
  if (values === undefined) return undefined;
  if (new Set(values.map((v) => v.trim())).size > 1) {
    throw new ProtocolError(REASONS.REQUEST_CONFLICT, 'several different <meta> declarations');
  }
  return values[0];
}
