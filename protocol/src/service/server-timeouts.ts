import type { Server } from 'node:http';
import { z } from 'zod';
import { durationMsSchema } from './config/duration.js';

/**
 * How long an idle keep-alive connection stays open on our listeners. Gateways keep idle upstream
 * connections for reuse; when the server closes one first, the gateway can write its next request
 * into the closing socket and the client gets a reset (a 502, or a failed settle POST). So the
 * server must wait longer than every gateway we ship a config for: the longest is Caddy's
 * reverse_proxy (2 min idle), then Traefik (90 s) and NGINX (60 s). docs/gateway-timeouts.md has
 * the table; tests/gateways/keep-alive-static.test.ts holds this value above each of them.
 */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 130_000;

/**
 * Time to receive a request's headers. Above keepAliveTimeout, so an idle keep-alive connection is
 * always closed by the keep-alive timer (cleanly, between requests) and never by the headers timer.
 */
export const DEFAULT_HEADERS_TIMEOUT_MS = 131_000;

/** Node's default requestTimeout: headersTimeout may not exceed it. */
const NODE_REQUEST_TIMEOUT_MS = 300_000;

export interface ServerTimeouts {
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
}

/** A listener's `keepAliveTimeoutMs` (a duration; default {@link DEFAULT_KEEP_ALIVE_TIMEOUT_MS}). */
export const keepAliveTimeoutMsSchema = durationMsSchema
  .pipe(
    z
      .number()
      .int()
      .min(1_000)
      .max(NODE_REQUEST_TIMEOUT_MS - 1_000),
  )
  .default(DEFAULT_KEEP_ALIVE_TIMEOUT_MS);

/** A listener's `headersTimeoutMs` (a duration; default {@link DEFAULT_HEADERS_TIMEOUT_MS}). */
export const headersTimeoutMsSchema = durationMsSchema
  .pipe(z.number().int().min(1_000).max(NODE_REQUEST_TIMEOUT_MS))
  .default(DEFAULT_HEADERS_TIMEOUT_MS);

/**
 * The cross-field rule of a listener's timeouts, for a schema's `superRefine`: headersTimeoutMs
 * must exceed keepAliveTimeoutMs.
 */
export function checkServerTimeouts(
  t: ServerTimeouts,
  ctx: { addIssue(issue: { code: 'custom'; message: string; path: string[] }): void },
): void {
  if (t.headersTimeoutMs <= t.keepAliveTimeoutMs)
    ctx.addIssue({
      code: 'custom',
      message: `headersTimeoutMs (${t.headersTimeoutMs}) must be greater than keepAliveTimeoutMs (${t.keepAliveTimeoutMs})`,
      path: ['headersTimeoutMs'],
    });
}

/** Sets a node:http server's keep-alive and headers timeouts. */
export function applyServerTimeouts(server: Server, timeouts: ServerTimeouts): void {
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
  server.headersTimeout = timeouts.headersTimeoutMs;
}
