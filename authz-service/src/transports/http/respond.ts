import type { ServerResponse } from 'node:http';
import type { AllowDecision, RenderedResponse } from '../../core/types.js';
import { identityHeadersFor } from '../../render/identity.js';

/** 200 with every identity header and an empty body (`Content-Length: 0`, so gateways keep the connection). */
export function sendAllow(res: ServerResponse, decision: AllowDecision): void {
  const headers: Record<string, string | string[]> = identityHeadersFor(decision);
  if (decision.responseHeaders !== undefined) Object.assign(headers, decision.responseHeaders);
  headers['content-length'] = '0';
  res.writeHead(200, headers);
  res.end();
}

/** A status with headers and no body (`Content-Length: 0`). */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string>): void {
  headers['content-length'] = '0';
  res.writeHead(status, headers);
  res.end();
}

export function sendRendered(res: ServerResponse, rendered: RenderedResponse): void {
  const body = Buffer.from(rendered.body, 'utf8');
  res.writeHead(rendered.status, { ...rendered.headers, 'content-length': String(body.length) });
  res.end(body);
}
