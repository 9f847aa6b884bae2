import { LRUCache } from 'lru-cache';
import { paymentRequestDigest, type PaymentRequest } from '@turnpike/protocol';
import type { PortalClient, ReferenceRequest, ReferenceResponse } from '../portal/client.js';

/** Share of a reference's remaining lifetime it is reused for (well inside its validity). */
const REUSE_SHARE = 0.5;

export interface ReferenceCache {
  get(
    key: { host: string; originalUri: string; request: PaymentRequest },
    create: () => ReferenceRequest,
  ): Promise<ReferenceResponse>;
}

/** Milliseconds since the epoch of an `expiresAt` (ISO string, ms or s). */
export function expiresAtMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 1e12 ? value * 1000 : value;
  if (typeof value === 'string') {
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
  }
  if (value instanceof Date) return value.getTime();
  return undefined;
}

/**
 * Caches the portal's stateless signed references per (host, URI, request digest) for half their
 * remaining lifetime, so a browser's repeated 402s cost no portal call. Concurrent misses share
 * one call.
 */
export function createReferenceCache(portal: PortalClient, maxEntries: number): ReferenceCache {
  const cache = new LRUCache<string, ReferenceResponse>({ max: maxEntries });
  const inflight = new Map<string, Promise<ReferenceResponse>>();
  const digests = new WeakMap<PaymentRequest, string>();
  const digestOf = (request: PaymentRequest): string => {
    let d = digests.get(request);
    if (d === undefined) {
      d = paymentRequestDigest(request);
      digests.set(request, d);
    }
    return d;
  };
  return {
    get(key, create) {
      const k = `${key.host}\n${key.originalUri}\n${digestOf(key.request)}`;
      const hit = cache.get(k);
      if (hit !== undefined) return Promise.resolve(hit);
      const pending = inflight.get(k);
      if (pending !== undefined) return pending;
      const call = portal
        .createReference(create())
        .then((ref) => {
          const expires = expiresAtMs(ref.expiresAt);
          if (expires !== undefined) {
            const ttl = Math.floor((expires - Date.now()) * REUSE_SHARE);
            if (ttl > 0) cache.set(k, ref, { ttl });
          }
          return ref;
        })
        .finally(() => inflight.delete(k));
      inflight.set(k, call);
      return call;
    },
  };
}
