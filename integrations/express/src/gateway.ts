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
import { reportUsage, type UsageReportResult } from './report-usage.js';

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
  /**
   * Usage-based cost (docs/credits.md, "Usage"): when the upstream answers an allowed request with
   * `x-402-usage`, report it to the authorizer's `POST /v1/usage` with its `usage.token` before the
   * answer is relayed. Absent = not reported. The header never reaches the client either way.
   */
  usage?: {
    /** The authorizer's `usage.token` (from a secret store, never from code). */
    token: string;
    /** Per report (default 5 s); an answer is relayed after it even when the report failed. */
    timeoutMs?: number;
    /** Told what became of each report (for logs and metrics: a failed report is unbilled usage). */
    onReport?: (result: UsageReportResult) => void;
  };
}

export const DEFAULT_AUTHZ_TIMEOUT_MS = 20_000;
export const DEFAULT_USAGE_TIMEOUT_MS = 5_000;
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
  const usage =
    opts.usage === undefined
      ? undefined
      : {
          authzUrl,
          token: opts.usage.token,
          timeoutMs: opts.usage.timeoutMs ?? DEFAULT_USAGE_TIMEOUT_MS,
          onReport: opts.usage.onReport,
        };
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
        const tokenId = verdict.identity['x-402-token-id'] ?? '';
        proxyRequest(raw, res, {
          identity: verdict.identity,
          target: upstream,
          path: target,
          proto,
          clientIp: ip,
          timeoutMs: upstreamTimeoutMs,
          extraResponseHeaders: verdict.clientHeaders,
          // Only a request a token paid for can owe more; the authorizer says what the resource costs.
          ...(usage === undefined || tokenId === ''
            ? {}
            : {
                onUsage: (reported: string) =>
                  reportUsage(
                    {
                      tokenId,
                      method: req.method,
                      host: (raw.headers.host ?? '').toLowerCase(),
                      uri: target,
                      reported,
                    },
                    usage,
                  ).then((result) => usage.onReport?.(result)),
              }),
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
