import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { GATEWAY_SET_HEADERS, HOP_BY_HOP } from './headers.js';

/**
 * A header name as CGI, WSGI, Rack and PHP see it (`X_402_Payer` and `x-402-payer` are both
 * `HTTP_X_402_PAYER` there): lower case, `_` read as `-`.
 */
export function cgiHeaderName(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}

/** Tokens of the Connection header, lower case. */
export function connectionTokens(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  const list = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(
    list
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== ''),
  );
}

/** True for a client header the gateway owns: any spelling of an identity or X-Forwarded-* header. */
export function isGatewayOwned(name: string): boolean {
  return GATEWAY_SET_HEADERS.has(cgiHeaderName(name));
}

/**
 * The client's headers that go on to the upstream, before the gateway adds its own: hop-by-hop
 * headers, those the client named in Connection, and every spelling of a header the gateway sets
 * (identity, X-Forwarded-*) are left out. The gateway's own headers are added afterwards, so a
 * Connection token can never remove them (the client's Connection header itself is not sent).
 */
export function clientHeadersToForward(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = connectionTokens(headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name) || isGatewayOwned(name)) continue;
    out[name] = value;
  }
  return out;
}
