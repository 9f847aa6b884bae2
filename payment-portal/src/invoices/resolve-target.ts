import { normalizePath, ProtocolError, REASONS, scopeCovers, type PaymentRequest } from '@turnpike/protocol';

export interface PaymentTarget {
  host: string;
  scheme: 'http' | 'https';
  /** Token scope. */
  resource: string;
  /** Where the person is sent back to: a normalised origin-form URI on `host`. */
  originalUri: string;
}

const HOST = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/;

/**
 * Checks what an invoice or reference will be bound to: a plain host, an origin-form URI whose
 * normalised path lies inside the token scope, and a scope matching the requirement's own
 * `resource`/`aud` claims. The invoice later redirects only to this URI on this host.
 */
export function resolveTarget(
  input: { host: string; scheme: string; resource: string; originalUri: string },
  request: PaymentRequest,
): PaymentTarget {
  if (!HOST.test(input.host))
    throw new ProtocolError(REASONS.REDIRECT_INVALID, 'host is not a plain host name');
  if (input.scheme !== 'http' && input.scheme !== 'https')
    throw new ProtocolError(REASONS.REDIRECT_INVALID, 'scheme must be http or https');
  const target = normalizePath(input.originalUri);
  const resource = normalizePath(input.resource);
  if (resource.query !== '' || !scopeCovers(resource.path, target.path)) {
    throw new ProtocolError(REASONS.REDIRECT_INVALID, 'originalUri is outside the resource scope');
  }
  if (request.claims.resource !== undefined && request.claims.resource !== resource.path) {
    throw new ProtocolError(REASONS.REQUEST_CONFLICT, 'claims.resource differs from the resource');
  }
  if (request.claims.aud !== undefined && request.claims.aud !== input.host) {
    throw new ProtocolError(REASONS.REQUEST_CONFLICT, 'claims.aud differs from the host');
  }
  return {
    host: input.host,
    scheme: input.scheme,
    resource: resource.path,
    originalUri: target.query === '' ? target.path : `${target.path}?${target.query}`,
  };
}
