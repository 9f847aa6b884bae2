import type { IncomingHttpHeaders } from 'node:http';
import { listen, type Listening } from './http.js';

/** What the test upstream answers for one path. */
export interface UpstreamPage {
  /** Headers on HEAD and GET (e.g. x-402-required / x-402-request / x-402-cache). */
  headers?: Record<string, string>;
  /** HTML body on GET (for <meta> declarations). */
  html?: string;
  /** Status for HEAD (405 / 501 make the authorizer fall back to GET). */
  headStatus?: number;
  status?: number;
  /** Never answer (a hung upstream). */
  hang?: boolean;
  /** Answer after this many ms. */
  delayMs?: number;
}

export interface TestUpstream extends Listening {
  pages: Map<string, UpstreamPage>;
  /** Every request seen: method, path and headers. */
  seen: Array<{ method: string; path: string; headers: IncomingHttpHeaders }>;
  count(method: string, path: string): number;
}

/**
 * A real in-process upstream that declares prices the way a site owner would: response headers,
 * or a <meta> tag in HTML. It counts requests so tests can check single-flight probing.
 */
export async function startUpstream(pages: Record<string, UpstreamPage> = {}): Promise<TestUpstream> {
  const map = new Map(Object.entries(pages));
  const seen: TestUpstream['seen'] = [];
  const l = await listen((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    seen.push({ method: req.method ?? '', path, headers: req.headers });
    const page = map.get(path) ?? {};
    if (page.hang === true) return; // never answers
    const answer = (): void => {
      const headers = {
        'content-type': page.html === undefined ? 'text/plain' : 'text/html; charset=utf-8',
        ...page.headers,
      };
      if (req.method === 'HEAD') {
        res.writeHead(page.headStatus ?? page.status ?? 200, headers);
        res.end();
        return;
      }
      res.writeHead(page.status ?? 200, headers);
      res.end(page.html ?? 'ok');
    };
    if (page.delayMs !== undefined) setTimeout(answer, page.delayMs);
    else answer();
  });
  return {
    ...l,
    pages: map,
    seen,
    count: (method, path) => seen.filter((s) => s.method === method && s.path === path).length,
  };
}

/** The x-402-request value for a wire-form payment request. */
export function encodeRequest(wire: unknown): string {
  return Buffer.from(JSON.stringify(wire)).toString('base64');
}

export const BASE_USDC_REQUEST = {
  claims: { plan: 'gold' },
  exp: 3_600_000,
  description: 'Gold article',
  payment: {
    requests: [
      { network: 'base', amount: '0.01', asset: 'USDC' },
      { network: 'polygon', amount: '1' },
    ],
  },
};
