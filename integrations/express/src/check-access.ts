import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import {
  CLIENT_HEADERS_FOR_AUTHZ,
  CLIENT_RESPONSE_HEADERS,
  HOP_BY_HOP,
  IDENTITY_HEADERS,
} from './headers.js';
import { cgiHeaderName, isGatewayOwned } from './client-headers.js';
import { EXPRESS_REASONS } from './reasons.js';

/** The authorizer's answer, reduced to what a gateway does with it. */
export type AccessVerdict =
  | {
      kind: 'allow';
      /** Every identity header, as the authorizer set it (empty string when it sent none). */
      identity: Record<string, string>;
      /** Headers for the client: a new token, its cookies, the x402 receipt. */
      clientHeaders: Record<string, string | string[]>;
    }
  | {
      kind: 'deny';
      status: number;
      headers: Record<string, string | string[]>;
      body: Buffer;
    };

export interface CheckAccessOptions {
  /** Base URL of the authz-service HTTP listener, e.g. http://127.0.0.1:8081. */
  authzUrl: string;
  timeoutMs: number;
  /** Believe the client's X-Forwarded-Proto / -For (only behind a proxy you run). */
  trustProxy: boolean;
}

// A denial body larger than this is not something the authorizer sends: fail closed instead.
const MAX_DENIAL_BYTES = 1024 * 1024;

function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The scheme the client used to reach us. */
export function clientProto(req: IncomingMessage, trustProxy: boolean): 'http' | 'https' {
  if (trustProxy) {
    const fwd = firstValue(req.headers['x-forwarded-proto'])?.split(',', 1)[0]?.trim().toLowerCase();
    if (fwd === 'https' || fwd === 'http') return fwd;
  }
  return (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
}

/**
 * The client address for rate limits: the peer, or with `trustProxy` the last X-Forwarded-For
 * entry, the one the proxy in front appended (entries to its left are whatever the client wrote).
 */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const xff = req.headers['x-forwarded-for'];
    const last = (Array.isArray(xff) ? xff.join(',') : (xff ?? '')).split(',').at(-1)?.trim();
    if (last !== undefined && last !== '') return last;
  }
  return req.socket.remoteAddress;
}

/** A 503 that says the decision could not be made (fail closed: never a pass). */
export function unavailableVerdict(): Extract<AccessVerdict, { kind: 'deny' }> {
  // The same answer the shipped NGINX and HAProxy configs give when the authorizer is gone.
  const body = Buffer.from(
    JSON.stringify({
      error: 'unavailable',
      reason: EXPRESS_REASONS.AUTHZ_UNAVAILABLE,
      message: 'Authorization is unavailable; retry later.',
    }),
  );
  return {
    kind: 'deny',
    status: 503,
    headers: {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'retry-after': '5',
      'x-402-reason': EXPRESS_REASONS.AUTHZ_UNAVAILABLE,
    },
    body,
  };
}

function authzRequestHeaders(req: IncomingMessage, uri: string, opts: CheckAccessOptions): Headers {
  const headers = new Headers();
  headers.set('x-forwarded-method', req.method ?? 'GET');
  headers.set('x-forwarded-uri', uri);
  headers.set('x-forwarded-host', firstValue(req.headers.host) ?? '');
  headers.set('x-forwarded-proto', clientProto(req, opts.trustProxy));
  const ip = clientIp(req, opts.trustProxy);
  if (ip !== undefined) headers.set('x-forwarded-for', ip);
  for (const name of CLIENT_HEADERS_FOR_AUTHZ) {
    const value = req.headers[name];
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) headers.set(name, value.join(', '));
  }
  return headers;
}

function pickClientHeaders(res: Response): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of CLIENT_RESPONSE_HEADERS) {
    if (name === 'set-cookie') {
      const cookies = res.headers.getSetCookie();
      if (cookies.length > 0) out[name] = cookies;
      continue;
    }
    const value = res.headers.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

function relayHeaders(res: Response): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  res.headers.forEach((value, name) => {
    if (HOP_BY_HOP.has(name) || name === 'content-length' || name === 'set-cookie') return;
    out[name] = value;
  });
  const cookies = res.headers.getSetCookie();
  if (cookies.length > 0) out['set-cookie'] = cookies;
  return out;
}

/**
 * Asks the authorizer (`GET /v1/forward-auth`) whether `req` may pass. `uri` is the original
 * request target (path and query). Any error, timeout or unexpected answer is a 503 denial.
 */
export async function checkAccess(
  req: IncomingMessage,
  uri: string,
  opts: CheckAccessOptions,
): Promise<AccessVerdict> {
  let res: Response;
  try {
    res = await fetch(new URL('/v1/forward-auth', opts.authzUrl), {
      method: 'GET',
      headers: authzRequestHeaders(req, uri, opts),
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch {
    return unavailableVerdict();
  }
  try {
    if (res.status >= 200 && res.status < 300) {
      await res.arrayBuffer();
      const identity: Record<string, string> = {};
      for (const name of IDENTITY_HEADERS) identity[name] = res.headers.get(name) ?? '';
      return { kind: 'allow', identity, clientHeaders: pickClientHeaders(res) };
    }
    // A 5xx other than the authorizer's own 503 (a crash, a proxy error) is not a way to say "pay".
    if (res.status >= 500 && res.status !== 503) {
      await res.arrayBuffer();
      return unavailableVerdict();
    }
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > MAX_DENIAL_BYTES) return unavailableVerdict();
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > MAX_DENIAL_BYTES) return unavailableVerdict();
    return { kind: 'deny', status: res.status, headers: relayHeaders(res), body };
  } catch {
    return unavailableVerdict();
  }
}

/**
 * Removes every client spelling of the identity headers (any case, `_` for `-`, which CGI-style
 * apps read as the same header) and sets the authorizer's.
 */
export function applyIdentity(headers: IncomingHttpHeaders, identity: Record<string, string>): void {
  const identityNames = new Set<string>(IDENTITY_HEADERS);
  for (const name of Object.keys(headers)) if (identityNames.has(cgiHeaderName(name))) delete headers[name];
  for (const [name, value] of Object.entries(identity)) headers[name] = value;
  // A proxy further on that honours Connection tokens must not drop what was just set.
  const connection = headers.connection;
  if (typeof connection === 'string') {
    const kept = connection.split(',').filter((t) => !isGatewayOwned(t.trim()));
    if (kept.length === 0) delete headers.connection;
    else headers.connection = kept.join(',');
  }
}
