import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizePath } from '@turnpike/protocol';
import type { Decision, NeutralRequest } from '../../core/types.js';
import { offersHeader } from '../../render/offers-header.js';
import {
  decideAndRecord,
  decideNow,
  failClosed,
  logFor,
  recordEarlyDenial,
  type TransportDeps,
} from './context.js';
import { extractOriginal } from './original-request.js';
import { sendAllow, sendEmpty, sendRendered } from './respond.js';

const NGINX_SOURCES = {
  methodHeader: 'x-original-method',
  hostHeader: undefined,
  protoHeader: 'x-forwarded-proto',
} as const;

function original(req: IncomingMessage): ReturnType<typeof extractOriginal> {
  const uri = req.headers['x-original-uri'];
  return extractOriginal(req, typeof uri === 'string' ? uri : undefined, NGINX_SOURCES);
}

/**
 * `GET /v1/nginx` for `auth_request`. NGINX honours only 2xx, 401 and 403 (anything else becomes
 * its own 500), and reuses the upstream connection only for bodyless answers, so: allow = 200,
 * payment required = 401, forbidden and unavailable = 403 — all with an empty body and
 * `Content-Length: 0`, the details in headers. The portal is never called here; the shipped
 * config turns the 401 into the full 402 through `/v1/nginx/challenge`.
 */
export function nginxAuthHandler(deps: TransportDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const log = logFor(deps, req);
    try {
      const extracted = original(req);
      const decision = extracted.ok
        ? decideNow(deps, 'nginx', extracted.req, log)
        : recordEarlyDenial(deps, 'nginx', extracted.reason, log);
      // Cached decisions are answered in this tick; only a miss waits for the core.
      if (decision instanceof Promise) {
        decision.then(
          (d) => respondNginx(res, d),
          (err: unknown) => failClosed(res, log, err, 403),
        );
      } else respondNginx(res, decision);
    } catch (err) {
      failClosed(res, log, err, 403);
    }
  };
}

/** The NGINX dialect of a decision: status and headers only. */
function respondNginx(res: ServerResponse, decision: Decision): void {
  switch (decision.kind) {
    case 'allow':
      return sendAllow(res, decision);
    case 'payment_required':
      return sendEmpty(res, 401, {
        'www-authenticate': `Payment realm="${decision.requirement.host.replace(/["\\]/g, '')}"`,
        'x-402-reason': decision.reason,
        'x-402-offers': offersHeader(decision.requirement.request),
        'cache-control': 'no-store',
      });
    case 'forbidden':
    case 'unavailable':
      // 403, not 5xx: NGINX would turn a 503 into a 500 with an error-log line per request.
      return sendEmpty(res, 403, {
        'x-402-reason': decision.reason,
        'x-402-outcome': decision.kind,
        'cache-control': 'no-store',
      });
    default: {
      const never: never = decision;
      throw new Error(`unexpected decision ${String(never)}`);
    }
  }
}

/**
 * `GET /v1/nginx/challenge`, proxied from the `error_page 401 = @turnpike_402` named location
 * with the same X-Original-* headers: decides again (cached, cheap) and renders the full answer
 * (402 page or JSON, 403, 503). NGINX passes this response to the client as is.
 */
export function nginxChallengeHandler(
  deps: TransportDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const log = logFor(deps, req);
    const run = async (): Promise<void> => {
      const extracted = original(req);
      if (!extracted.ok) {
        const d = recordEarlyDenial(deps, 'nginx-challenge', extracted.reason, log);
        if (d.kind === 'allow') throw new Error('unreachable');
        return sendRendered(res, await deps.render(d, stubRequest(req)));
      }
      const decision = await decideAndRecord(deps, 'nginx-challenge', extracted.req, log);
      if (decision.kind === 'allow') {
        // Allowed between the auth subrequest and this call (a proof confirmed meanwhile): send
        // the client back to retry, with the token it was just given.
        const { path, query } = normalizePath(extracted.req.target);
        res.writeHead(307, {
          ...decision.responseHeaders,
          location: query === '' ? path : `${path}?${query}`,
          'cache-control': 'no-store',
          'content-length': '0',
        });
        res.end();
        return;
      }
      sendRendered(res, await deps.render(decision, extracted.req));
    };
    run().catch((err: unknown) => failClosed(res, log, err));
  };
}

/** For rendering a refusal when the original request could not be read. */
export function stubRequest(req: IncomingMessage): NeutralRequest {
  return {
    method: 'GET',
    scheme: 'http',
    host: '',
    target: '/',
    headers: req.headers as Record<string, string | undefined>,
  };
}
