import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transport } from '../../core/types.js';
import { decideAndRecord, failClosed, logFor, recordEarlyDenial, type TransportDeps } from './context.js';
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
    const run = async (): Promise<void> => {
      const extracted = extractOriginal(req, targetOf(req), sources);
      if (!extracted.ok) {
        const d = recordEarlyDenial(deps, transport, extracted.reason, log);
        if (d.kind === 'allow') throw new Error('unreachable');
        return sendRendered(res, await deps.render(d, stubRequest(req)));
      }
      const decision = await decideAndRecord(deps, transport, extracted.req, log);
      if (decision.kind === 'allow') return sendAllow(res, decision);
      sendRendered(res, await deps.render(decision, extracted.req));
    };
    run().catch((err: unknown) => failClosed(res, log, err));
  };
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
