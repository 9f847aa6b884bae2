import { sealPayLink, toWire, type PaymentRequest } from '@turnpike/protocol';
import type { ResolvedRequirement } from '../core/types.js';

export interface PayLinkDeps {
  key: Buffer;
  prefix: string;
  ttlSeconds: number;
  now?: () => number;
}

/**
 * The pay link of a browser 402: `<prefix>/pay?ref=<sealed>` on the protected host itself, sealed
 * here with the key the portal shares — no portal call, nothing written, so a browser 402 works
 * even while the portal is down. It carries the scheme the request came with, so the cookie the
 * portal sets after payment is `Secure` exactly when the page was served over https.
 */
export function mintPayLink(r: ResolvedRequirement, deps: PayLinkDeps): { path: string; expiresAt: Date } {
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

/** A link is handed out again while more than this share of its lifetime is left. */
const REUSE_WHILE_LEFT = 0.9;
/** Links remembered per payment request (hosts × schemes × URIs); past it the memory starts over. */
const MAX_LINKS_PER_REQUEST = 1024;

/**
 * Mints pay links, handing the same one out again while it has most of its lifetime left: a pay
 * link holds nothing about who asked (host, scheme, scope, URI and price, all in the key), so
 * every browser asking for the same page within minutes can share one, and the 402 costs no MAC.
 */
export function createPayLinkMinter(deps: PayLinkDeps): (r: ResolvedRequirement) => string {
  const now = deps.now ?? Date.now;
  const reuseMs = deps.ttlSeconds * 1000 * REUSE_WHILE_LEFT;
  const byRequest = new WeakMap<PaymentRequest, Map<string, { path: string; expiresAt: number }>>();
  // The last link handed out, compared field by field: the next 402 is mostly for the same page,
  // and this skips building the memory's key and looking it up.
  let last: (ResolvedRequirement & { resource: string; link: string; expiresAt: number }) | undefined;
  return (r) => {
    const resource = r.request.claims.resource ?? r.path;
    if (
      last !== undefined &&
      last.request === r.request &&
      last.originalUri === r.originalUri &&
      last.host === r.host &&
      last.scheme === r.scheme &&
      last.resource === resource &&
      last.expiresAt - now() > reuseMs
    )
      return last.link;
    const path = remembered(r, resource);
    last = { ...r, resource, link: path.path, expiresAt: path.expiresAt };
    return path.path;
  };

  function remembered(r: ResolvedRequirement, resource: string): { path: string; expiresAt: number } {
    let links = byRequest.get(r.request);
    if (links === undefined) {
      links = new Map();
      byRequest.set(r.request, links);
    }
    const key = `${r.scheme} ${r.host} ${resource} ${r.originalUri}`;
    const at = now();
    const known = links.get(key);
    if (known !== undefined && known.expiresAt - at > reuseMs) return known;
    const link = mintPayLink(r, deps);
    if (links.size >= MAX_LINKS_PER_REQUEST) links.clear();
    const fresh = { path: link.path, expiresAt: link.expiresAt.getTime() };
    links.set(key, fresh);
    return fresh;
  }
}
