import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { clientHeadersToForward, connectionTokens } from './client-headers.js';
import { HOP_BY_HOP, USAGE_HEADER } from './headers.js';
import { EXPRESS_REASONS } from './reasons.js';

export interface ProxyOptions {
  /** Base URL of the target, e.g. http://127.0.0.1:3000 (its path, if any, is a prefix). */
  target: URL;
  /** Request target to send (path and query). */
  path: string;
  /** The client-facing scheme and host, sent as X-Forwarded-Proto / -Host. */
  proto: 'http' | 'https';
  clientIp: string | undefined;
  /** Gives up when the target sends no response headers within this time. */
  timeoutMs: number;
  /** Turnpike's identity headers for the upstream (absent for the portal route). */
  identity?: Record<string, string>;
  /** Extra response headers for the client (merged; Set-Cookie appended). */
  extraResponseHeaders?: Record<string, string | string[]>;
  /**
   * Called with the upstream's `x-402-usage` value when it sent one; the answer is relayed once the
   * returned promise settles (so the client's next request finds the balance already debited).
   */
  onUsage?: (reported: string) => Promise<unknown>;
}

/** A response's end-to-end headers: hop-by-hop ones and those named in its Connection are dropped. */
function responseEndToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = connectionTokens(headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    // The usage figure is for the gateway and the authorizer, never for the client.
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name) || name === USAGE_HEADER) continue;
    out[name] = value;
  }
  return out;
}

function mergeResponseHeaders(
  upstream: OutgoingHttpHeaders,
  extra: Record<string, string | string[]> | undefined,
): OutgoingHttpHeaders {
  if (extra === undefined) return upstream;
  const out = { ...upstream };
  for (const [name, value] of Object.entries(extra)) {
    if (name === 'set-cookie') {
      const prior = out['set-cookie'];
      const list = prior === undefined ? [] : Array.isArray(prior) ? prior : [String(prior)];
      out['set-cookie'] = [...list, ...(Array.isArray(value) ? value : [value])];
    } else out[name] = value;
  }
  return out;
}

function sendBadGateway(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: 'bad_gateway', reason: EXPRESS_REASONS.UPSTREAM_UNAVAILABLE });
  res.writeHead(502, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Streams `req` (body included) to the target and the answer back to `res`. The Host header is
 * kept (so the target sees the host the client asked for); X-Forwarded-Proto/-Host/-For and the
 * identity headers are set by the gateway, after the client's own spellings of them are removed.
 */
export function proxyRequest(req: IncomingMessage, res: ServerResponse, opts: ProxyOptions): void {
  const headers = clientHeadersToForward(req.headers);
  const host = req.headers.host;
  if (host !== undefined) headers['x-forwarded-host'] = host;
  headers['x-forwarded-proto'] = opts.proto;
  // clientIp already reflects the trust setting; the client's own X-Forwarded-For is never sent.
  if (opts.clientIp !== undefined) {
    headers['x-forwarded-for'] = opts.clientIp;
    headers['x-real-ip'] = opts.clientIp;
  }
  for (const [name, value] of Object.entries(opts.identity ?? {})) headers[name] = value;
  const basePath = opts.target.pathname.replace(/\/+$/, '');
  const send = opts.target.protocol === 'https:' ? httpsRequest : httpRequest;
  const outbound = send({
    protocol: opts.target.protocol,
    hostname: opts.target.hostname,
    port: opts.target.port,
    method: req.method,
    path: `${basePath}${opts.path}`,
    headers,
  });
  // The timeout covers waiting for the answer's headers; a long download is not cut off.
  const timer = setTimeout(() => outbound.destroy(new Error('upstream timeout')), opts.timeoutMs);
  outbound.on('response', (answer) => {
    clearTimeout(timer);
    const relay = (): void => {
      if (res.destroyed) return void answer.destroy();
      const responseHeaders = mergeResponseHeaders(
        responseEndToEnd(answer.headers),
        opts.extraResponseHeaders,
      );
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, responseHeaders);
      answer.pipe(res);
    };
    answer.on('error', () => res.destroy());
    const usage = answer.headers[USAGE_HEADER];
    // The body waits in the socket meanwhile (the answer is not read until it is piped).
    if (opts.onUsage !== undefined && typeof usage === 'string')
      void opts
        .onUsage(usage)
        .catch(() => undefined)
        .then(relay);
    else relay();
  });
  outbound.on('error', () => {
    clearTimeout(timer);
    sendBadGateway(res);
  });
  res.on('close', () => {
    if (!res.writableFinished) outbound.destroy();
  });
  req.pipe(outbound);
}
