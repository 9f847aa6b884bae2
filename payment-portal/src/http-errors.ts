import { isProtocolError, REASONS } from '@turnpike/protocol';
import type { Logger } from '@turnpike/protocol/service';
import type { ErrorRequestHandler, Response } from 'express';
import { PortalError } from './errors.js';
import type { PortalMetrics } from './metrics.js';

/** A refusal as `{ status, reason, message }`; unknown errors are internal_error (500), logged. */
export function describeError(err: unknown): {
  status: number;
  reason: string;
  message: string;
  retryAfterSeconds?: number;
} {
  if (err instanceof PortalError) {
    return {
      status: err.status,
      reason: err.code,
      message: err.message,
      ...(err.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: err.retryAfterSeconds }),
    };
  }
  if (isProtocolError(err)) return { status: 400, reason: err.code, message: err.detail ?? err.code };
  const type = (err as { type?: unknown }).type;
  if (type === 'entity.parse.failed' || type === 'entity.too.large')
    return { status: 400, reason: REASONS.REQUEST_NOT_JSON, message: 'the body is not acceptable JSON' };
  // serve-static and body-parser signal client errors with a status (a missing asset is a 404).
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return {
      status,
      reason: status === 404 ? REASONS.INVOICE_NOT_FOUND : REASONS.REQUEST_SCHEMA_INVALID,
      message: status === 404 ? 'not found' : 'bad request',
    };
  }
  return { status: 500, reason: REASONS.INTERNAL_ERROR, message: 'internal error' };
}

export function sendError(res: Response, err: unknown, logger: Logger, metrics: PortalMetrics): void {
  const d = describeError(err);
  metrics.refusals.inc({ reason: d.reason });
  if (d.status >= 500) logger.error({ err }, 'request failed');
  if (d.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(d.retryAfterSeconds));
  res
    .status(d.status)
    .setHeader('Cache-Control', 'no-store')
    .json({ error: d.reason, reason: d.reason, message: d.message });
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);

/**
 * The error handler of an Express app. With `html`, a browser (Accept prefers text/html) gets a
 * small page saying what went wrong instead of JSON; programs still get JSON.
 */
export function errorHandler(
  logger: Logger,
  metrics: PortalMetrics,
  opts: { html?: boolean } = {},
): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (opts.html && req.accepts(['json', 'html']) === 'html') {
      const d = describeError(err);
      metrics.refusals.inc({ reason: d.reason });
      if (d.status >= 500) logger.error({ err }, 'request failed');
      if (d.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(d.retryAfterSeconds));
      res
        .status(d.status)
        .setHeader('Cache-Control', 'no-store')
        .setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
        .type('html')
        .send(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Payment</title></head>` +
            `<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem"><h1>Payment</h1><p>${escapeHtml(d.message)}</p>` +
            `<p><small>${escapeHtml(d.reason)}</small></p></body></html>`,
        );
      return;
    }
    sendError(res, err, logger, metrics);
  };
}
