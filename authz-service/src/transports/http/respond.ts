import type { ServerResponse } from 'node:http';
import type { AllowDecision, Identity, RenderedResponse } from '../../core/types.js';
import { identityHeadersFor } from '../../render/identity.js';
import { rememberAllow, secondsLeft, withCacheHeaders } from './allow-memo.js';

/** What every answer a gateway must not cache carries (every denial, every allow not marked cacheable). */
export const NO_STORE = 'no-store';

// Flat [name, value, …] header lists per identity, built once: `base` (identity headers and
// content-length) and `noStore` (base + Cache-Control: no-store, what an allow that may not be
// cached writes, e.g. every metered allow).
interface AllowHeaders {
  base: string[];
  noStore: string[];
}
const allowHeaderMemo = new WeakMap<Identity, AllowHeaders>();

function allowHeaders(identity: Identity): AllowHeaders {
  let memo = allowHeaderMemo.get(identity);
  if (memo === undefined) {
    const base: string[] = [];
    for (const [k, v] of Object.entries(identityHeadersFor({ identity }))) base.push(k, v);
    base.push('content-length', '0');
    memo = { base, noStore: [...base, 'cache-control', NO_STORE] };
    allowHeaderMemo.set(identity, memo);
  }
  return memo;
}

/**
 * Seconds a gateway may cache this allow (docs/authz-service.md): floor((cacheUntilMs − now) / 1000)
 * when that is at least 1, else 0 (not cacheable).
 */
export function cacheSeconds(decision: AllowDecision, nowMs: number): number {
  return decision.cacheUntilMs === undefined ? 0 : secondsLeft(decision.cacheUntilMs, nowMs);
}

/**
 * 200 with every identity header and an empty body (`Content-Length: 0`, so gateways keep the
 * connection). A cacheable allow says for how long (`Cache-Control: private, max-age=N` and
 * NGINX's `X-Accel-Expires: N`); any other says `Cache-Control: no-store`.
 */
export function sendAllow(res: ServerResponse, decision: AllowDecision): void {
  if (decision.responseHeaders === undefined) {
    const { base, noStore } = allowHeaders(decision.identity);
    const n = cacheSeconds(decision, Date.now());
    if (n === 0) res.writeHead(200, noStore);
    else {
      const flat = withCacheHeaders(base, n);
      res.writeHead(200, flat);
      rememberAllow(res, decision, base, n, flat);
    }
    res.end();
    return;
  }
  // An allow with headers for the client (a redeemed proof's token) is never cacheable.
  const headers: Record<string, string | string[]> = {
    ...identityHeadersFor(decision),
    ...decision.responseHeaders,
    'content-length': '0',
    'cache-control': NO_STORE,
  };
  res.writeHead(200, headers);
  res.end();
}

/** A status with headers and no body (`Content-Length: 0`); never cacheable. */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string>): void {
  headers['content-length'] = '0';
  headers['cache-control'] = NO_STORE;
  res.writeHead(status, headers);
  res.end();
}

/**
 * A rendered answer (always a refusal: 402, 400, 403, 409, 429, 503), never cacheable. The body
 * goes to `end` as a string: node:http then sends head and body in one write (a Buffer body costs
 * a second iovec and a writev).
 */
export function sendRendered(res: ServerResponse, rendered: RenderedResponse): void {
  const headers = rendered.headers;
  headers['content-length'] = String(Buffer.byteLength(rendered.body, 'utf8'));
  headers['cache-control'] = NO_STORE;
  res.writeHead(rendered.status, headers);
  res.end(rendered.body, 'utf8');
}
