import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { isIP, type Socket } from 'node:net';
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

// The trusted proxies of the server a connection came in on, set once per connection by that
// server: the dialect handlers resolve the address (only when they need it) without that
// configuration, and a request that never needs it costs nothing.
const trustedOf = new WeakMap<Socket, TrustedProxies>();

/** Remembers which proxies `socket`'s server trusts (called by the server for every connection). */
export function trustConnection(socket: Socket, trusted: TrustedProxies): void {
  trustedOf.set(socket, trusted);
}

/**
 * `req`'s client address: resolved through the trusted proxies of its server's connection, or
 * the socket peer when none were recorded (no header is believed then).
 */
export function clientAddressOf(req: IncomingMessage): string | undefined {
  const trusted = trustedOf.get(req.socket);
  return trusted === undefined
    ? req.socket.remoteAddress
    : resolveClientAddress(req.socket.remoteAddress, req.headers, trusted);
}
