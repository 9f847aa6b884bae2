import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { REASONS } from '@turnpike/protocol';
import type { NeutralRequest } from '../../core/types.js';
import { AUTHZ_REASONS, type AuthzReason } from '../../reasons.js';
import { clientAddressOf } from './client-address.js';

export type Extracted = { ok: true; req: NeutralRequest } | { ok: false; reason: AuthzReason };

const METHOD = /^[A-Za-z]{1,20}$/;
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** The one value of a header, or undefined (absent, or repeated with different values). */
function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v : undefined;
}

export interface OriginalSources {
  /** Header carrying the original method; undefined = the auth request's own method (Envoy HTTP). */
  methodHeader: string | undefined;
  /** Header carrying the original host; the Host header is the fallback when it is absent. */
  hostHeader: string | undefined;
  protoHeader: string;
}

/**
 * Builds the neutral request from what the gateway sent. A missing or garbled method, host or
 * URI is refused with its reason (the core then answers forbidden); the URI itself is checked by
 * normalizePath in the core.
 */
export function extractOriginal(
  req: IncomingMessage,
  target: string | undefined,
  src: OriginalSources,
): Extracted {
  if (target === undefined || target === '') return { ok: false, reason: REASONS.URI_MISSING };
  const method = src.methodHeader === undefined ? req.method : single(req.headers, src.methodHeader);
  if (method === undefined || !METHOD.test(method))
    return { ok: false, reason: AUTHZ_REASONS.METHOD_INVALID };
  const host =
    (src.hostHeader === undefined ? undefined : single(req.headers, src.hostHeader)) ??
    single(req.headers, 'host');
  if (host === undefined || host.length > 261 || !HOST.test(host))
    return { ok: false, reason: AUTHZ_REASONS.HOST_INVALID };
  const proto = single(req.headers, src.protoHeader);
  // What a trusted proxy reported, else the peer (resolved by the server: client-address.ts).
  const clientIp = clientAddressOf(req);
  return {
    ok: true,
    req: {
      method: method.toUpperCase(),
      scheme: proto !== undefined && proto.toLowerCase() === 'https' ? 'https' : 'http',
      host: host.toLowerCase(),
      target,
      headers: req.headers as Record<string, string | undefined>,
      ...(clientIp === undefined ? {} : { clientIp }),
    },
  };
}
