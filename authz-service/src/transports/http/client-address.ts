import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { TrustedProxies } from './trusted-proxies.js';

/**
 * The client's address for the portal's per-address limits. A header naming it is believed only
 * when the socket peer is a trusted proxy; then, in X-Forwarded-For, the rightmost address that
 * is not itself a trusted proxy is the client (entries to its left are whatever the client
 * wrote). An entry that is not an address ends the walk at the last address a trusted hop
 * reported. X-Real-IP counts only from a trusted proxy that sent no X-Forwarded-For: every
 * shipped gateway sets X-Forwarded-For, and some pass a client's X-Real-IP through.
 */
export function resolveClientAddress(
  peer: string | undefined,
  headers: IncomingHttpHeaders,
  trusted: TrustedProxies,
): string | undefined {
  if (peer === undefined || !trusted.has(peer)) return peer;
  const xff = headers['x-forwarded-for'];
  const chain = (Array.isArray(xff) ? xff.join(',') : (xff ?? '')).split(',');
  if (chain.length === 1 && chain[0]!.trim() === '') {
    const real = headers['x-real-ip'];
    return typeof real === 'string' && isIP(real.trim()) !== 0 ? real.trim() : peer;
  }
  let client = peer;
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = chain[i]!.trim();
    if (isIP(hop) === 0) return client;
    client = hop;
    if (!trusted.has(hop)) return hop;
  }
  return client;
}

// Resolved once per request by the HTTP server, which knows the configured trusted proxies; the
// dialect handlers read it without needing that configuration themselves.
const resolved = new WeakMap<IncomingMessage, string>();

/** Resolves and remembers `req`'s client address (called by the server for every request). */
export function recordClientAddress(req: IncomingMessage, trusted: TrustedProxies): void {
  const address = resolveClientAddress(req.socket.remoteAddress, req.headers, trusted);
  if (address !== undefined) resolved.set(req, address);
}

/** The address recorded for `req`; the socket peer when none was (no header is believed then). */
export function clientAddressOf(req: IncomingMessage): string | undefined {
  return resolved.get(req) ?? req.socket.remoteAddress;
}
