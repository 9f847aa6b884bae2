import type { ServerResponse } from 'node:http';
import type { AllowDecision, Identity, RenderedResponse } from '../../core/types.js';
import { identityHeadersFor } from '../../render/identity.js';

// Flat [name, value, …] header lists per identity: the common allow writes a cached array.
const allowHeaderMemo = new WeakMap<Identity, string[]>();

function allowHeaders(identity: Identity): string[] {
  let flat = allowHeaderMemo.get(identity);
  if (flat === undefined) {
    flat = [];
    for (const [k, v] of Object.entries(identityHeadersFor({ identity }))) flat.push(k, v);
    flat.push('content-length', '0');
    allowHeaderMemo.set(identity, flat);
  }
  return flat;
}

/** 200 with every identity header and an empty body (`Content-Length: 0`, so gateways keep the connection). */
export function sendAllow(res: ServerResponse, decision: AllowDecision): void {
  if (decision.responseHeaders === undefined) {
    res.writeHead(200, allowHeaders(decision.identity));
    res.end();
    return;
  }
  const headers: Record<string, string | string[]> = {
    ...identityHeadersFor(decision),
    ...decision.responseHeaders,
    'content-length': '0',
  };
  res.writeHead(200, headers);
  res.end();
}

/** A status with headers and no body (`Content-Length: 0`). */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string>): void {
  headers['content-length'] = '0';
  res.writeHead(status, headers);
  res.end();
}

/**
 * A rendered answer. The body goes to `end` as a string: node:http then sends head and body in one
 * write (a Buffer body costs a second iovec and a writev).
 */
export function sendRendered(res: ServerResponse, rendered: RenderedResponse): void {
  const headers = rendered.headers;
  headers['content-length'] = String(Buffer.byteLength(rendered.body, 'utf8'));
  res.writeHead(rendered.status, headers);
  res.end(rendered.body, 'utf8');
}
