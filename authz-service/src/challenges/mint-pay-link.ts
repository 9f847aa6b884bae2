import { sealPayLink, toWire } from '@turnpike/protocol';
import type { ResolvedRequirement } from '../core/types.js';

/**
 * The pay link of a browser 402: `<prefix>/pay?ref=<sealed>` on the protected host itself, sealed
 * here with the key the portal shares — no portal call, nothing written, so a browser 402 works
 * even while the portal is down. It carries the scheme the request came with, so the cookie the
 * portal sets after payment is `Secure` exactly when the page was served over https.
 */
export function mintPayLink(
  r: ResolvedRequirement,
  deps: { key: Buffer; prefix: string; ttlSeconds: number; now?: () => number },
): { path: string; expiresAt: Date } {
  const expiresAt = (deps.now ?? Date.now)() + deps.ttlSeconds * 1000;
  const ref = sealPayLink(deps.key, {
    host: r.host,
    scheme: r.scheme,
    resource: r.request.claims.resource ?? r.path,
    originalUri: r.originalUri,
    request: toWire(r.request),
    expiresAt,
  });
  return { path: `${deps.prefix}/pay?ref=${ref}`, expiresAt: new Date(expiresAt) };
}
