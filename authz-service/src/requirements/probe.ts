import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  isProtocolError,
  paymentRequestFromHeaders,
  paymentRequestFromHtml,
  type DeclarationOptions,
  type NetworkRegistry,
  type PaymentRequest,
  type Reason,
} from '@turnpike/protocol';
import { AUTHZ_VERSION } from '../version.js';

/** What the upstream declared for one path. `ttlSeconds` is the upstream's own cache hint, if any. */
export type ProbeAnswer =
  | { kind: 'free'; ttlSeconds?: number }
  | { kind: 'priced'; request: PaymentRequest; ttlSeconds?: number }
  | { kind: 'invalid'; reason: Reason; ttlSeconds?: number };

/** The probe could not get an answer (timeout, refused, 5xx): the decision fails closed. */
export class ProbeError extends Error {
  readonly code = 'upstream_probe_failed' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProbeError';
  }
}

export interface ProbeOptions {
  registry: NetworkRegistry;
  timeoutMs: number;
  maxBodyBytes: number;
  /** GET an HTML page whose HEAD declared nothing, to read its `<meta>` (see docs). */
  metaFromHtml: boolean;
  /** Default token lifetime and the deprecation notice for Go-duration `exp` values. */
  declarations?: DeclarationOptions;
}

export const PROBE_HEADERS = {
  'x-402-probe': 'turnpike',
  'user-agent': `turnpike-probe/${AUTHZ_VERSION}`,
} as const;

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * Asks the upstream itself (never through the gateway) what `path` costs: `HEAD`, reading
 * `x-402-required` / `x-402-request`; on 405/501 (or a silent HTML page, when `metaFromHtml`) a
 * bounded `GET` reading `<meta name="x-402-request">`. Every call has a timeout.
 */
export async function probeUpstream(
  baseUrl: string,
  host: string,
  path: string,
  opts: ProbeOptions,
): Promise<ProbeAnswer> {
  const url = new URL(baseUrl + path);
  const head = await send(url, host, 'HEAD', opts);
  if (head.status >= 500 && head.status !== 501) throw new ProbeError(`upstream answered ${head.status}`);
  const ttlSeconds = cacheSecondsOf(head.headers);
  const declared = fromHeaders(head.headers, ttlSeconds, opts);
  if (declared !== undefined) return declared;

  const headNotAllowed = head.status === 405 || head.status === 501;
  const silentHtml = opts.metaFromHtml && head.status < 300 && isHtml(head.headers);
  if (!headNotAllowed && !silentHtml) return withTtl({ kind: 'free' }, ttlSeconds);

  const get = await send(url, host, 'GET', opts);
  if (get.status >= 500) throw new ProbeError(`upstream answered ${get.status}`);
  const getTtl = cacheSecondsOf(get.headers);
  const fromGetHeaders = fromHeaders(get.headers, getTtl, opts);
  if (fromGetHeaders !== undefined) return fromGetHeaders;
  if (!isHtml(get.headers)) return withTtl({ kind: 'free' }, getTtl);
  try {
    const request = paymentRequestFromHtml(get.body, opts.registry, opts.declarations);
    return withTtl(request === null ? { kind: 'free' } : { kind: 'priced', request }, getTtl);
  } catch (err) {
    if (isProtocolError(err)) return withTtl({ kind: 'invalid', reason: err.code }, getTtl);
    throw err;
  }
}

function fromHeaders(
  headers: IncomingHttpHeaders,
  ttlSeconds: number | undefined,
  opts: ProbeOptions,
): ProbeAnswer | undefined {
  if (headers['x-402-required'] === undefined && headers['x-402-request'] === undefined) return undefined;
  try {
    const request = paymentRequestFromHeaders(headers, opts.registry, opts.declarations);
    if (request !== null && request.mimeType === undefined) {
      // What the resource is, as its own answer says (x402 `resource.mimeType`).
      const type = mediaTypeOf(headers['content-type']);
      if (type !== undefined) request.mimeType = type;
    }
    return withTtl(request === null ? { kind: 'free' } : { kind: 'priced', request }, ttlSeconds);
  } catch (err) {
    if (isProtocolError(err)) return withTtl({ kind: 'invalid', reason: err.code }, ttlSeconds);
    throw err;
  }
}

function withTtl<T extends ProbeAnswer>(answer: T, ttlSeconds: number | undefined): T {
  if (ttlSeconds !== undefined) answer.ttlSeconds = ttlSeconds;
  return answer;
}

/** `type/subtype` of a Content-Type, lower-cased, when it is one. */
function mediaTypeOf(contentType: string | undefined): string | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/.test(type) ? type : undefined;
}

function isHtml(headers: IncomingHttpHeaders): boolean {
  return (headers['content-type'] ?? '').toLowerCase().includes('text/html');
}

/** `x-402-cache: <seconds>` first, else `Cache-Control: max-age` (`no-store`/`no-cache` = 0). */
export function cacheSecondsOf(headers: IncomingHttpHeaders): number | undefined {
  const explicit = headers['x-402-cache'];
  if (typeof explicit === 'string' && /^\d{1,9}$/.test(explicit.trim())) return Number(explicit.trim());
  const cc = headers['cache-control'];
  if (typeof cc !== 'string') return undefined;
  const lower = cc.toLowerCase();
  if (/(^|[\s,])(no-store|no-cache)([\s,=]|$)/.test(lower)) return 0;
  const m = /(?:^|[\s,])max-age\s*=\s*"?(\d{1,9})"?/.exec(lower);
  return m ? Number(m[1]) : undefined;
}

function send(url: URL, host: string, method: 'HEAD' | 'GET', opts: ProbeOptions): Promise<RawResponse> {
  const requestFn = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<RawResponse>((resolve, reject) => {
    const req = requestFn(url, {
      method,
      headers: { ...PROBE_HEADERS, host, accept: method === 'GET' ? 'text/html, */*;q=0.5' : '*/*' },
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    req.on('error', (err) =>
      reject(new ProbeError(`${method} ${url.pathname} failed: ${err.name}`, { cause: err })),
    );
    req.on('response', (res: IncomingMessage) => {
      if (method === 'HEAD') {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' }));
        res.on('error', (err) =>
          reject(new ProbeError(`${method} ${url.pathname} failed: ${err.name}`, { cause: err })),
        );
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      };
      res.on('data', (chunk: Buffer) => {
        if (done) return;
        const room = opts.maxBodyBytes - size;
        if (chunk.length >= room) {
          // The <meta> sits in <head>: the first maxBodyBytes are enough, the rest is not read.
          chunks.push(chunk.subarray(0, room));
          size += room;
          finish();
          req.destroy();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', finish);
      res.on('error', (err) => {
        if (!done) reject(new ProbeError(`${method} ${url.pathname} failed: ${err.name}`, { cause: err }));
      });
    });
    req.end();
  });
}
