import type { IncomingMessage } from 'node:http';

/** A request body read as JSON: the value, or why there is none. */
export type JsonBody = { kind: 'json'; value: unknown } | { kind: 'too_large' } | { kind: 'not_json' };

/**
 * Reads a small JSON body (the authorizer's own POST routes: purge, usage) and calls `done` once.
 * Past `maxBytes` it answers `too_large` at once and, with `drain`, reads the rest and drops it
 * (an authenticated caller then gets its 413), else destroys the request.
 */
export function readJsonBody(
  req: IncomingMessage,
  opts: { maxBytes: number; drain: boolean },
  done: (body: JsonBody) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (c: Buffer) => {
    if (tooLarge) return;
    size += c.length;
    if (size > opts.maxBytes) {
      tooLarge = true;
      chunks.length = 0;
      done({ kind: 'too_large' });
      if (!opts.drain) req.destroy();
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (tooLarge) return;
    try {
      done({ kind: 'json', value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
    } catch {
      done({ kind: 'not_json' });
    }
  });
}
