/**
 * A real node:http app behind the gateway, declaring its prices the zero-code way:
 *   /free/...      free page (no declaration)
 *   /premium/...   priced by headers: `x-402-required: true` + `x-402-request: <base64 JSON>`
 *   /article/...   priced by `<meta name="x-402-request">` in HTML; answers 405 to HEAD so the
 *                  authorizer has to fall back to a bounded GET
 *   POST /premium/echo  echoes the body (priced)
 * Every request is recorded (method, url, headers, body) so tests assert what the app saw.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** True when the request carried Turnpike's probe marker header. */
  probe: boolean;
}

export interface PaymentRequestWireJson {
  claims: Record<string, string>;
  exp: number;
  payment: { requests: Array<{ network: string; amount: string; address?: string; asset?: string }> };
  customization?: Record<string, string>;
  description?: string;
  mimeType?: string;
  outputSchema?: Record<string, unknown>;
}

export interface TestUpstream {
  port: number;
  /** host:port */
  address: string;
  baseUrl: string;
  requests: RecordedRequest[];
  /** Requests that were not the authorizer's probes (HEAD/GET with the probe marker). */
  appRequests(): RecordedRequest[];
  reset(): void;
  close(): Promise<void>;
}

/** The header the authorizer's probes carry (so the app can tell them apart). */
export const PROBE_HEADER = 'x-402-probe';

export const DEFAULT_PRICE: PaymentRequestWireJson = {
  claims: { plan: 'premium' },
  exp: 3_600_000,
  // USDC (an EIP-3009 token) so the 402 carries x402 terms (`accepts`) as well.
  payment: { requests: [{ network: 'base-sepolia', amount: '0.01', asset: 'USDC' }] },
};

export function encodeRequest(req: PaymentRequestWireJson): string {
  return Buffer.from(JSON.stringify(req)).toString('base64');
}

export async function startTestUpstream(
  opts: { price?: PaymentRequestWireJson } = {},
): Promise<TestUpstream> {
  const price = encodeRequest(opts.price ?? DEFAULT_PRICE);
  const requests: RecordedRequest[] = [];

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '/';
      const method = req.method ?? 'GET';
      const probe = req.headers[PROBE_HEADER] !== undefined;
      requests.push({ method, url, headers: req.headers, body, probe });
      const path = url.split('?')[0] ?? '/';

      if (path.startsWith('/premium')) {
        const headers = {
          'x-402-required': 'true',
          'x-402-request': price,
          'content-type': 'application/json',
        };
        if (method === 'POST' && path === '/premium/echo') {
          res.writeHead(200, headers);
          res.end(JSON.stringify({ echo: body, seenBy: 'upstream' }));
          return;
        }
        res.writeHead(200, headers);
        res.end(method === 'HEAD' ? undefined : JSON.stringify({ content: 'premium', path }));
        return;
      }
      if (path.startsWith('/article')) {
        if (method === 'HEAD') {
          res.writeHead(405, { allow: 'GET, POST' });
          res.end();
          return;
        }
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          `<!doctype html><html><head><title>Article</title><meta name="x-402-request" content="${price}"></head>` +
            `<body><h1>The article</h1><p>Paid content.</p></body></html>`,
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(method === 'HEAD' ? undefined : `free page ${path}\n`);
    });
  });
  return listenUpstream(server, requests);
}

/** Listens on 127.0.0.1 (a free port) and hands back the upstream's test handle over `requests`. */
export async function listenUpstream(server: Server, requests: RecordedRequest[]): Promise<TestUpstream> {
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    appRequests: () => requests.filter((r) => !r.probe),
    reset: () => {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
