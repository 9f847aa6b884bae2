import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Router } from 'express';
import { canonicalTarget } from './canonical-target.js';
import {
  checkAccess,
  clientIp,
  clientProto,
  unavailableVerdict,
  type AccessVerdict,
} from './check-access.js';
import { TurnpikeExpressError } from './errors.js';
import { proxyRequest } from './proxy.js';

export interface TurnpikeGatewayOptions {
  /** Base URL of the authz-service HTTP listener (`GET /v1/forward-auth`). */
  authzUrl: string;
  /** Base URL of the payment-portal's public listener; `/_402/*` goes there. */
  portalUrl: string;
  /** Base URL of the protected app. */
  upstream: string;
  /** Per call to the authorizer (default 20 s: settling a payment proof may wait for a chain). */
  timeoutMs?: number;
  /** Believe the client's X-Forwarded-Proto/-For (only when a proxy you run sits in front). */
  trustProxy?: boolean;
  /** Waiting for the upstream's (or portal's) response headers (default 60 s). */
  upstreamTimeoutMs?: number;
}

export const DEFAULT_AUTHZ_TIMEOUT_MS = 20_000;
const DEFAULT_UPSTREAM_TIMEOUT_MS = 60_000;
const PORTAL_PREFIX = '/_402';

export function parseBaseUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TurnpikeExpressError('options_invalid', `${name}: not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TurnpikeExpressError('options_invalid', `${name}: expected http(s)`);
  return url;
}

/** Writes a denial exactly as the authorizer rendered it (402, 403, 503, …). */
export function sendVerdict(res: ServerResponse, verdict: Extract<AccessVerdict, { kind: 'deny' }>): void {
  res.writeHead(verdict.status, { ...verdict.headers, 'content-length': String(verdict.body.length) });
  res.end(verdict.body);
}

function isPortalPath(url: string): boolean {
  return url === PORTAL_PREFIX || url.startsWith(`${PORTAL_PREFIX}/`) || url.startsWith(`${PORTAL_PREFIX}?`);
}

/**
 * An Express router that is a whole Turnpike gateway: `/_402/*` goes to the payment portal, every
 * other request is checked with the authorizer and, when allowed, streamed to the upstream with
 * Turnpike's identity headers; a denial (402/403/503) is relayed as the authorizer wrote it.
 * Mount it first and without body parsers, so request bodies stream through untouched.
 */
export function turnpikeGateway(opts: TurnpikeGatewayOptions): Router {
  const authzUrl = parseBaseUrl('authzUrl', opts.authzUrl).toString();
  const portal = parseBaseUrl('portalUrl', opts.portalUrl);
  const upstream = parseBaseUrl('upstream', opts.upstream);
  const trustProxy = opts.trustProxy ?? false;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_AUTHZ_TIMEOUT_MS;
  const upstreamTimeoutMs = opts.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
  const router = express.Router();

  router.use((req, res) => {
    const raw = req as IncomingMessage;
    const target = canonicalTarget(req.originalUrl);
    const proto = clientProto(raw, trustProxy);
    const ip = clientIp(raw, trustProxy);
    if (isPortalPath(target)) {
      proxyRequest(raw, res, {
        target: portal,
        path: target,
        proto,
        clientIp: ip,
        timeoutMs: upstreamTimeoutMs,
      });
      return;
    }
    checkAccess(raw, target, { authzUrl, timeoutMs, trustProxy }).then(
      (verdict) => {
        if (verdict.kind === 'deny') {
          // The body was never read: drop it rather than leave the client waiting to send it.
          req.resume();
          sendVerdict(res, verdict);
          return;
        }
        proxyRequest(raw, res, {
          identity: verdict.identity,
          target: upstream,
          path: target,
          proto,
          clientIp: ip,
          timeoutMs: upstreamTimeoutMs,
          extraResponseHeaders: verdict.clientHeaders,
        });
      },
      () => {
        req.resume();
        sendVerdict(res, unavailableVerdict());
      },
    );
  });
  return router;
}
