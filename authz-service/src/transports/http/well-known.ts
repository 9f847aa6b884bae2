import type { IncomingMessage, ServerResponse } from 'node:http';
import { REASONS } from '@turnpike/protocol';
import type { DiscoveredResource } from '../../discovery/priced-resources.js';

/** The public path gateways route to {@link wellKnownHandler} (docs/payments-from-programs.md). */
export const WELL_KNOWN_X402_PATH = '/.well-known/x402';

const HOST = /^[a-z0-9.-]{1,253}(:\d{1,5})?$/;

/**
 * `GET /v1/well-known/x402`, routed by the gateway from `/.well-known/x402` on every protected
 * host: that host's priced resources as x402's discovery list (x402-specification-v2.md §8.1:
 * `{x402Version, items, pagination}`, `type`/`limit`/`offset` parameters). Answers 404 unless
 * `discovery.wellKnown` is on. Read-only and computed from memory: no probe, no portal call.
 */
export function wellKnownHandler(opts: {
  enabled: boolean;
  list: (scheme: string, host: string) => DiscoveredResource[];
}): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const send = (status: number, body?: unknown): void => {
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(text)),
        'cache-control': status === 200 ? 'public, max-age=60' : 'no-store',
        'access-control-allow-origin': '*',
      });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (!opts.enabled) return send(404, { error: 'not_found', reason: REASONS.DISCOVERY_DISABLED });
    const rawHost = req.headers['x-forwarded-host'] ?? req.headers.host;
    const host = (typeof rawHost === 'string' ? rawHost : '').trim().toLowerCase();
    if (!HOST.test(host)) return send(400, { error: 'bad_request', reason: REASONS.HOST_INVALID });
    const proto = req.headers['x-forwarded-proto'];
    const scheme = proto === 'https' ? 'https' : 'http';
    const url = new URL(req.url ?? '/', 'http://x');
    const type = url.searchParams.get('type');
    const limit = clamp(Number(url.searchParams.get('limit') ?? 20), 1, 100, 20);
    const offset = clamp(Number(url.searchParams.get('offset') ?? 0), 0, 1_000_000, 0);
    const all = type !== null && type !== 'http' ? [] : opts.list(scheme, host);
    send(200, {
      x402Version: 2,
      items: all.slice(offset, offset + limit),
      pagination: { limit, offset, total: all.length },
    });
  };
}

function clamp(n: number, min: number, max: number, fallback: number): number {
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : fallback;
}
