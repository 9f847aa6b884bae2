import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The request id to use for a request: the incoming `x-request-id` when it is a plain token
 * (at most 128 of `[A-Za-z0-9._-]`, so it cannot forge log lines), else a new UUID.
 */
export function requestIdFrom(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): string {
  const raw = headers['x-request-id'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : randomUUID();
}

/** A child logger bound to the request's id (see {@link requestIdFrom}). */
export function requestContext(
  logger: Logger,
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): { log: Logger; requestId: string } {
  const requestId = requestIdFrom(headers);
  return { log: logger.child({ requestId }), requestId };
}
