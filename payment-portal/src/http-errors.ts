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

export function errorHandler(logger: Logger, metrics: PortalMetrics): ErrorRequestHandler {
  return (err, _req, res, _next) => sendError(res, err, logger, metrics);
}
