import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { AUTHZ_DEFAULTS } from '../../config/defaults.js';
import {
  applyServerTimeouts,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  type ServerTimeouts,
} from '@turnpike/protocol/service';
import type { adminPurgeHandler } from './admin.js';
import { memoized, type AllowMemoStore } from './allow-memo.js';
import { trustConnection } from './client-address.js';
import { memoHitRecorder, type TransportDeps } from './context.js';
import { ENVOY_PATH_PREFIX, envoyHttpHandler } from './envoy.js';
import { forwardAuthHandler } from './forward-auth.js';
import { nginxAuthHandler, nginxChallengeHandler } from './nginx.js';
import { trustedProxies, type TrustedProxies } from './trusted-proxies.js';

/** Where each memoised dialect reads the original request (as original-request.ts does). */
const NGINX_MEMO_KEY = {
  dialect: 'nginx',
  method: 'x-original-method',
  host: undefined,
  proto: 'x-forwarded-proto',
  uri: 'x-original-uri',
} as const;
const FORWARD_AUTH_MEMO_KEY = {
  dialect: 'forward-auth',
  method: 'x-forwarded-method',
  host: 'x-forwarded-host',
  proto: 'x-forwarded-proto',
  uri: 'x-forwarded-uri',
} as const;

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HttpServerOptions extends TransportDeps {
  healthz: NodeHandler;
  readyz: NodeHandler;
  metricsHandler: NodeHandler;
  /** `GET /v1/well-known/x402`: a host's priced resources (404 when discovery is off or absent). */
  wellKnown?: (req: IncomingMessage, res: ServerResponse) => void;
  /** `POST /v1/usage` (docs/credits.md, "Usage"); absent when no `usage.token` is configured (404). */
  usage?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Absent when no admin token is configured (the route then answers 404). */
  adminPurge?: ReturnType<typeof adminPurgeHandler>;
  /** Peers whose X-Forwarded-For / X-Real-IP are believed (default: loopback). */
  trustedProxies?: TrustedProxies;
  /** `listeners.keepAliveTimeoutMs` / `headersTimeoutMs`; default the shared defaults. */
  timeouts?: ServerTimeouts;
  /** The memo of cacheable allows for `/v1/nginx` and `/v1/forward-auth`; absent = every request is decided. */
  allowMemo?: AllowMemoStore;
}

function notFound(res: ServerResponse, status = 404): void {
  res.writeHead(status, { 'content-length': '0', 'cache-control': 'no-store' });
  res.end();
}

/**
 * One node:http server for every HTTP dialect, routed by path (the query is ignored: Caddy
 * appends the original query to the auth URI):
 * `/v1/nginx`, `/v1/nginx/challenge`, `/v1/forward-auth`, `/v1/envoy/*`, `/healthz`, `/readyz`,
 * `/metrics`, `GET /v1/well-known/x402`, `POST /v1/usage`, `POST /admin/purge`.
 */
export function createAuthzHttpServer(opts: HttpServerOptions): Server {
  const memo = opts.allowMemo;
  const nginx =
    memo === undefined
      ? nginxAuthHandler(opts)
      : memoized(memo, NGINX_MEMO_KEY, nginxAuthHandler(opts), memoHitRecorder(opts, 'nginx'));
  const challenge = nginxChallengeHandler(opts);
  const forward =
    memo === undefined
      ? forwardAuthHandler(opts)
      : memoized(
          memo,
          FORWARD_AUTH_MEMO_KEY,
          forwardAuthHandler(opts),
          memoHitRecorder(opts, 'forward-auth'),
        );
  const envoy = envoyHttpHandler(opts);
  const trusted = opts.trustedProxies ?? trustedProxies(AUTHZ_DEFAULTS.trustedProxies);
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (
      path.startsWith(ENVOY_PATH_PREFIX) &&
      (path.length === ENVOY_PATH_PREFIX.length || path.charCodeAt(ENVOY_PATH_PREFIX.length) === 47)
    ) {
      return envoy(req, res);
    }
    const isRead = req.method === 'GET' || req.method === 'HEAD';
    switch (path) {
      case '/v1/nginx':
        return isRead ? nginx(req, res) : notFound(res, 405);
      case '/v1/nginx/challenge':
        return isRead ? challenge(req, res) : notFound(res, 405);
      case '/v1/forward-auth':
        return forward(req, res);
      case '/healthz':
        return opts.healthz(req, res);
      case '/readyz':
        return opts.readyz(req, res);
      case '/metrics':
        return opts.metricsHandler(req, res);
      case '/v1/well-known/x402':
        return isRead && opts.wellKnown !== undefined
          ? opts.wellKnown(req, res)
          : notFound(res, isRead ? 404 : 405);
      case '/v1/usage':
        return opts.usage === undefined ? notFound(res) : opts.usage(req, res);
      case '/admin/purge':
        return opts.adminPurge === undefined ? notFound(res) : opts.adminPurge(req, res);
      default:
        return notFound(res);
    }
  });
  // The client address is resolved only by the handlers that need it, through the connection's trust.
  server.on('connection', (socket: Socket) => trustConnection(socket, trusted));
  // Gateways keep idle connections for reuse; outlive their idle timeouts so they close first
  // (a gateway writing into a connection we are closing is a reset; docs/gateway-timeouts.md).
  applyServerTimeouts(
    server,
    opts.timeouts ?? {
      keepAliveTimeoutMs: DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
      headersTimeoutMs: DEFAULT_HEADERS_TIMEOUT_MS,
    },
  );
  return server;
}
