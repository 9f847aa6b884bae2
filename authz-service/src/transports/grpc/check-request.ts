import type { NeutralRequest } from '../../core/types.js';

/** Shape of the CheckRequest fields the transport reads (proto names, keepCase). */
export interface CheckRequestMessage {
  attributes?: {
    source?: { address?: { socket_address?: { address?: string } } };
    request?: {
      http?: {
        method?: string;
        headers?: Record<string, string>;
        path?: string;
        host?: string;
        scheme?: string;
      };
    };
    context_extensions?: Record<string, string>;
  };
}

/** Why a CheckRequest cannot be decided on: it is denied, never allowed. */
export class InvalidCheckRequestError extends Error {
  readonly code = 'AUTHZ_ERR_CHECK_REQUEST_INVALID';
  constructor(readonly missing: string) {
    super(`CheckRequest lacks attributes.request.http.${missing}`);
    this.name = 'InvalidCheckRequestError';
  }
}

/** context_extensions keys that name a static route for the Envoy route (first one present wins). */
export const ROUTE_EXTENSION_KEYS = ['route', 'route_name'] as const;

/**
 * CheckRequest → the neutral request the core decides on. Pseudo-headers (`:path`,
 * `:authority`, …) are dropped: their values arrive in the dedicated fields.
 */
export function toNeutralRequest(message: CheckRequestMessage): NeutralRequest {
  const http = message.attributes?.request?.http;
  if (!http) throw new InvalidCheckRequestError('http');
  const method = http.method?.trim();
  if (!method) throw new InvalidCheckRequestError('method');
  const target = http.path;
  if (!target) throw new InvalidCheckRequestError('path');
  const host = http.host?.trim() || http.headers?.[':authority']?.trim();
  if (!host) throw new InvalidCheckRequestError('host');

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(http.headers ?? {})) {
    if (name.startsWith(':')) continue;
    headers[name.toLowerCase()] = value;
  }

  const request: NeutralRequest = {
    method: method.toUpperCase(),
    scheme: http.scheme === 'https' ? 'https' : 'http',
    host: host.toLowerCase(),
    target,
    headers,
  };
  const extensions = message.attributes?.context_extensions ?? {};
  for (const key of ROUTE_EXTENSION_KEYS) {
    const routeName = extensions[key];
    if (routeName) {
      request.routeName = routeName;
      break;
    }
  }
  const clientAddress = message.attributes?.source?.address?.socket_address?.address;
  if (clientAddress) request.clientIp = clientAddress;
  return request;
}
