import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizePath } from '@turnpike/protocol';
import type { Logger } from '@turnpike/protocol/service';
import { z } from 'zod';
import type { PurgeSelector } from '../../requirements/probe-cache.js';
import { readJsonBody } from './read-json-body.js';

const MAX_BODY_BYTES = 4096;

const purgeBodySchema = z.union([
  z.strictObject({ all: z.literal(true) }),
  z.strictObject({ host: z.string().min(1).max(261), path: z.string().min(1).max(8192).optional() }),
  z.strictObject({ path: z.string().min(1).max(8192) }),
]);

export interface AdminDeps {
  /** The revealed admin bearer secret. */
  token: string;
  purge: (selector: PurgeSelector) => number;
  logger: Logger;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/**
 * `POST /admin/purge` with `Authorization: Bearer <listeners.adminToken>` and a JSON body
 * `{"all":true}`, `{"host":"a.example"}`, `{"host":"a.example","path":"/x"}` or `{"path":"/x"}`:
 * drops cached upstream declarations. Answers `{"purged": n}`.
 */
export function adminPurgeHandler(deps: AdminDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const expected = digest(`Bearer ${deps.token}`);
  return (req, res) => {
    if (req.method !== 'POST') return send(res, 405, { error: 'method_not_allowed' });
    const auth = req.headers.authorization ?? '';
    if (!timingSafeEqual(digest(auth), expected)) {
      req.resume();
      return send(res, 401, { error: 'unauthorized' });
    }
    readJsonBody(req, { maxBytes: MAX_BODY_BYTES, drain: false }, (body) => {
      if (body.kind === 'too_large') return send(res, 413, { error: 'body_too_large' });
      if (body.kind === 'not_json') return send(res, 400, { error: 'invalid_json' });
      const json = body.value;
      const parsed = purgeBodySchema.safeParse(json);
      if (!parsed.success) return send(res, 400, { error: 'invalid_selector' });
      let selector: PurgeSelector;
      try {
        selector = toSelector(parsed.data);
      } catch {
        return send(res, 400, { error: 'invalid_path' });
      }
      const purged = deps.purge(selector);
      deps.logger.info({ selector, purged }, 'probe cache purged');
      send(res, 200, { purged });
    });
  };
}

/** Lower-cases the host and normalises the path the way the cache keys are built. */
function toSelector(body: z.output<typeof purgeBodySchema>): PurgeSelector {
  if ('all' in body) return { all: true };
  const path = body.path === undefined ? undefined : normalizePath(body.path).path;
  if ('host' in body)
    return path === undefined ? { host: body.host.toLowerCase() } : { host: body.host.toLowerCase(), path };
  return { path: path as string };
}
