import type { IncomingMessage, ServerResponse } from 'node:http';
import { passThroughHandler } from './forward-auth.js';
import type { TransportDeps } from './context.js';

export const ENVOY_PATH_PREFIX = '/v1/envoy';
const ENVOY_SOURCES = {
  methodHeader: undefined,
  hostHeader: undefined,
  protoHeader: 'x-forwarded-proto',
} as const;

/**
 * `ANY /v1/envoy/<original path>` for Envoy / Istio HTTP ext_authz with
 * `path_prefix: /v1/envoy`: the method is the request's own, the host its Host (`:authority`).
 * 200 allows; the 402 passes to the client with its body (a 5xx would become Envoy's 403).
 */
export function envoyHttpHandler(deps: TransportDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return passThroughHandler(
    deps,
    'envoy-http',
    (req) => {
      const url = req.url ?? '';
      if (!url.startsWith(ENVOY_PATH_PREFIX)) return undefined;
      const rest = url.slice(ENVOY_PATH_PREFIX.length);
      // "/v1/envoy" alone or "/v1/envoy?x" is the root of the original.
      return rest === '' || rest.startsWith('?') ? `/${rest}` : rest;
    },
    ENVOY_SOURCES,
  );
}
