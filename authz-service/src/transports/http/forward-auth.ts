import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Decision, DecisionLogger, DenyDecision, NeutralRequest, Transport } from '../../core/types.js';
import { decideNow, failClosed, logFor, recordEarlyDenial, type TransportDeps } from './context.js';
import { stubRequest } from './nginx.js';
import { extractOriginal, type OriginalSources } from './original-request.js';
import { sendAllow, sendRendered } from './respond.js';

const FORWARD_AUTH_SOURCES: OriginalSources = {
  methodHeader: 'x-forwarded-method',
  hostHeader: 'x-forwarded-host',
  protoHeader: 'x-forwarded-proto',
};

/**
 * Shared by forward-auth and Envoy HTTP: allow = 200 with identity headers and an empty body;
 * anything else is the full rendered answer (402 / 403 / 503), which these gateways pass to the
 * client as is.
 */
export function passThroughHandler(
  deps: TransportDeps,
  transport: Transport,
  targetOf: (req: IncomingMessage) => string | undefined,
  sources: OriginalSources,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const log = logFor(deps, req);
    try {
      const extracted = extractOriginal(req, targetOf(req), sources);
      if (!extracted.ok) {
        const early = recordEarlyDenial(deps, transport, extracted.reason, log);
        if (early.kind === 'allow') throw new Error('unreachable: early denial allowed');
        renderAndSend(deps, res, log, early, stubRequest(req));
        return;
      }
      // The common allow is answered in this tick when the core decides from its caches.
      const decision = decideNow(deps, transport, extracted.req, log);
      if (decision instanceof Promise) {
        decision.then(
          (d) => respondPassThrough(deps, res, log, d, extracted.req),
          (err: unknown) => failClosed(res, log, err),
        );
      } else respondPassThrough(deps, res, log, decision, extracted.req);
    } catch (err) {
      failClosed(res, log, err);
    }
  };
}

function respondPassThrough(
  deps: TransportDeps,
  res: ServerResponse,
  log: DecisionLogger,
  decision: Decision,
  neutral: NeutralRequest,
): void {
  if (decision.kind === 'allow') sendAllow(res, decision);
  else renderAndSend(deps, res, log, decision, neutral);
}

function renderAndSend(
  deps: TransportDeps,
  res: ServerResponse,
  log: DecisionLogger,
  decision: DenyDecision,
  neutral: NeutralRequest,
): void {
  let rendered;
  try {
    rendered = deps.render(decision, neutral);
  } catch (err) {
    failClosed(res, log, err);
    return;
  }
  if (rendered instanceof Promise)
    rendered.then(
      (r) => sendRendered(res, r),
      (err: unknown) => failClosed(res, log, err),
    );
  else sendRendered(res, rendered);
}

/**
 * `GET /v1/forward-auth` for Traefik `forwardAuth` and Caddy `forward_auth`: the original request
 * is in X-Forwarded-Method/-Uri/-Host/-Proto (Host is the fallback for the host).
 */
export function forwardAuthHandler(deps: TransportDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return passThroughHandler(
    deps,
    'forward-auth',
    (req) => {
      const uri = req.headers['x-forwarded-uri'];
      return typeof uri === 'string' ? uri : undefined;
    },
    FORWARD_AUTH_SOURCES,
  );
}
