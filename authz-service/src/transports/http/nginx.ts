import type { IncomingMessage, ServerResponse } from 'node:http';
import { isPaymentAuthorization, normalizePath } from '@turnpike/protocol';
import type { Decision, DenyDecision, NeutralRequest } from '../../core/types.js';
import { offersHeader } from '../../render/offers-header.js';
import { PROOF_HEADERS, verdictDecision, verdictHeader, verdictOf, type Verdict } from './nginx-verdict.js';
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
 * forbidden = 403, and payment required, rate limited or unavailable = 401 — with an empty body
 * and `Content-Length: 0`, the details in headers, `X-402-Verdict` among them. The shipped config
 * turns the 401 into the full answer through `/v1/nginx/challenge` (402, 429 or 503 with its reason
 * and Retry-After), passing the verdict along, so a payment proof is settled once, here, whichever
 * replica renders.
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
  if (decision.kind === 'allow') return sendAllow(res, decision);
  const headers: Record<string, string> = {
    'x-402-reason': decision.reason,
    'x-402-outcome': decision.kind,
    'cache-control': 'no-store',
  };
  // A request that cannot be authorised at all (a garbled target, an unknown host) gets NGINX's
  // plain 403: nothing to explain to a client that sent it, and no second call to render it.
  if (decision.kind === 'forbidden') return sendEmpty(res, 403, headers);
  headers['x-402-verdict'] = verdictHeader(decision);
  // No WWW-Authenticate here: NGINX 1.22 copies only one from the auth answer, and the challenges
  // (one per offer, each with its own id) come whole with the rendered 402 of the named location.
  if (decision.kind === 'payment_required')
    headers['x-402-offers'] = offersHeader(decision.requirement.request);
  // 401, not 400, 409, 429 or 5xx: NGINX passes only a 401 on to `error_page 401`, where the
  // challenge endpoint renders it — the 402, a 400 (a malformed x402 payload), a 409, a 429 or a
  // 503 with its reason and Retry-After (a 5xx here
  // would become NGINX's own 500, a 429 its own error page).
  return sendEmpty(res, 401, headers);
}

/**
 * `GET /v1/nginx/challenge`, proxied from the `error_page 401 = @turnpike_402` named location
 * with the same X-Original-* headers and the auth answer's `X-402-Verdict`: renders the full answer
 * (402 page or JSON, 403, 429, 503) that NGINX passes to the client as is. A payment proof is
 * never redeemed here — the auth subrequest already did, and its verdict (say `payment_pending`
 * with Retry-After) is what the client gets, whichever authorizer replica renders it. Without a
 * verdict (an older config) the request is decided again, still without redeeming a proof.
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
      const verdict = verdictOf(req.headers['x-402-verdict']);
      const asIs = verdict === undefined ? undefined : verdictDecision(verdict);
      if (asIs !== undefined) return sendRendered(res, await deps.render(asIs, extracted.req));
      const neutral = withoutProofs(extracted.req);
      const decision = await decideAndRecord(deps, 'nginx-challenge', neutral, log);
      if (decision.kind === 'allow') {
        // A token that opens the resource arrived between the auth subrequest and this call (a
        // cookie set meanwhile): send the client back to retry.
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
      sendRendered(res, await deps.render(withVerdict(decision, verdict), extracted.req));
    };
    run().catch((err: unknown) => failClosed(res, log, err));
  };
}

/** The request without its payment proof headers: rendering never settles anything. */
function withoutProofs(req: NeutralRequest): NeutralRequest {
  const headers = { ...req.headers };
  for (const name of PROOF_HEADERS) delete headers[name];
  // An MPP credential, never a bearer token (that one the re-decision must still see).
  if (headers.authorization !== undefined && isPaymentAuthorization(headers.authorization))
    delete headers.authorization;
  return { ...req, headers };
}

/** The auth subrequest's reason (a refused proof's, with its Retry-After) on the 402 being rendered. */
function withVerdict(decision: DenyDecision, verdict: Verdict | undefined): DenyDecision {
  if (verdict === undefined || verdict.kind !== 'payment_required' || decision.kind !== 'payment_required')
    return decision;
  return {
    ...decision,
    reason: verdict.reason,
    ...(verdict.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: verdict.retryAfterSeconds }),
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
