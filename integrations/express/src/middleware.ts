import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { canonicalTarget } from './canonical-target.js';
import { applyIdentity, checkAccess } from './check-access.js';
import { DEFAULT_AUTHZ_TIMEOUT_MS, parseBaseUrl, sendVerdict } from './gateway.js';

export interface TurnpikeMiddlewareOptions {
  /** Base URL of the authz-service HTTP listener. */
  authzUrl: string;
  timeoutMs?: number;
  /** Believe the client's X-Forwarded-Proto/-For (only when a proxy you run sits in front). */
  trustProxy?: boolean;
}

/**
 * For an Express app that is itself the protected upstream: asks the authorizer about each
 * request, then either calls `next()` with Turnpike's identity on `req.headers` (client copies
 * removed; a new token or receipt set on the response) or answers the denial itself. Mount
 * `/_402/` to the portal separately (or use {@link turnpikeGateway}).
 */
export function turnpikeMiddleware(opts: TurnpikeMiddlewareOptions): RequestHandler {
  const authzUrl = parseBaseUrl('authzUrl', opts.authzUrl).toString();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_AUTHZ_TIMEOUT_MS;
  const trustProxy = opts.trustProxy ?? false;
  return (req, res, next) => {
    const raw = req as IncomingMessage;
    const target = canonicalTarget(req.originalUrl);
    checkAccess(raw, target, { authzUrl, timeoutMs, trustProxy }).then(
      (verdict) => {
        if (verdict.kind === 'deny') {
          req.resume();
          sendVerdict(res, verdict);
          return;
        }
        applyIdentity(raw.headers, verdict.identity);
        // Route what was decided on: the app sees the normalised target, never the raw one.
        if (target !== req.originalUrl && req.url === req.originalUrl) req.url = target;
        for (const [name, value] of Object.entries(verdict.clientHeaders)) {
          if (name === 'set-cookie') res.append(name, value);
          else res.setHeader(name, value);
        }
        next();
      },
      (err: unknown) => next(err),
    );
  };
}
