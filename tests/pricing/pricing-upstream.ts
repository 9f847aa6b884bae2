/**
 * A real node:http app declaring a price model per path, the zero-code way (`x-402-required` +
 * `x-402-request`), each scope `/<kind>/<name>` its own resource:
 *   /credits/<name>/...  model "credits": 50 credits a payment, 1 a request
 *   /single/<name>/...   model "per-request": a payment admits one request
 *   /free/<name>/...     a pass with a free tier of FREE_REQUESTS per FREE_PERIOD_SECONDS per payer
 *   /busy/<name>/...     a free tier larger than the portal lets one payer count a minute (429s)
 *   /mixed/<name>/metered/...  "credits" and /mixed/<name>/... a pass, both in the scope /mixed/<name>
 *   /usage/<name>/...    model "credits" with `usage: true`: USAGE_CREDITS a payment, cost 1 up
 *                        front; the answer reports `x-402-usage: <n>` for `?report=<n>` (as sent)
 * Every request is recorded, as tests/support/upstream.ts does.
 */
import { createServer, type Server } from 'node:http';
import { PAY_NETWORK } from '../support/payments.js';
import {
  listenUpstream,
  PROBE_HEADER,
  type RecordedRequest,
  type TestUpstream,
} from '../support/upstream.js';

export const CREDITS_PER_PAYMENT = 50;
export const FREE_REQUESTS = 3;
export const FREE_PERIOD_SECONDS = 4;
export const USAGE_CREDITS = 20;

/** The declaration of a path, or undefined for a free page. */
export function declarationFor(path: string): Record<string, unknown> | undefined {
  const [, kind, name] = path.split('/');
  if (name === undefined || name === '') return undefined;
  const base = {
    claims: { resource: `/${kind}/${name}` },
    exp: 3_600_000,
    payment: { requests: [{ network: PAY_NETWORK, amount: '0.01', asset: 'USDC' }] },
  };
  switch (kind) {
    case 'credits':
      return { ...base, model: 'credits', credits: CREDITS_PER_PAYMENT, cost: 1 };
    case 'single':
      return { ...base, model: 'per-request' };
    case 'busy':
      return { ...base, free: { requests: 10_000, periodSeconds: 3600 } };
    case 'mixed':
      return path.startsWith(`/mixed/${name}/metered`)
        ? { ...base, model: 'credits', credits: CREDITS_PER_PAYMENT, cost: 1 }
        : base;
    case 'usage':
      return { ...base, model: 'credits', credits: USAGE_CREDITS, cost: 1, usage: true };
    case 'free':
      return { ...base, free: { requests: FREE_REQUESTS, periodSeconds: FREE_PERIOD_SECONDS } };
    default:
      return undefined;
  }
}

export async function startPricingUpstream(): Promise<TestUpstream> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = req.url ?? '/';
      const method = req.method ?? 'GET';
      requests.push({
        method,
        url,
        headers: req.headers,
        body: '',
        probe: req.headers[PROBE_HEADER] !== undefined,
      });
      const path = url.split('?')[0] ?? '/';
      const declaration = declarationFor(path);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (declaration !== undefined) {
        headers['x-402-required'] = 'true';
        headers['x-402-request'] = Buffer.from(JSON.stringify(declaration)).toString('base64');
      }
      // What this call really cost, as a metered API would report it (docs/credits.md, "Usage").
      const report = new URL(url, 'http://upstream').searchParams.get('report');
      if (report !== null) headers['x-402-usage'] = report;
      res.writeHead(200, headers);
      res.end(method === 'HEAD' ? undefined : JSON.stringify({ path }));
    });
  });
  return listenUpstream(server, requests);
}
