import { LRUCache } from 'lru-cache';
import { toWire, type PaymentRequest } from '@turnpike/protocol';
import type { ProbeAnswer } from './probe.js';

export interface ProbeCacheOptions {
  maxEntries: number;
  defaultTtlSeconds: number;
  negativeTtlSeconds: number;
  staleIfErrorSeconds: number;
  /** Called once per lookup with how it was served. */
  onResult?: (result: 'hit' | 'miss' | 'stale') => void;
  /**
   * Called when a probe's answer is not the one cached before it for that (host, path) (a new or
   * changed declaration, or none cached any more): what was decided from the old one is stale.
   */
  onChange?: () => void;
  now?: () => number;
}

/** Which cached answers to drop: one host, one path (on one host or on every host), or all. */
export type PurgeSelector = { all: true } | { host: string; path?: string } | { path: string };

interface Entry {
  answer: ProbeAnswer;
  storedAtMs: number;
  freshUntilMs: number;
  staleUntilMs: number;
}

export interface ProbeCache {
  /**
   * The cached answer for (host, path) while fresh; else runs `probe` — once for any number of
   * concurrent callers. When the probe fails, an answer still inside its stale-if-error window is
   * served; otherwise the failure propagates (the caller denies).
   */
  get(host: string, path: string, probe: () => Promise<ProbeAnswer>): Promise<ProbeAnswer>;
  /** The fresh cached answer (counted as a hit), or undefined without probing or counting. */
  peek(host: string, path: string): ProbeAnswer | undefined;
  purge(selector: PurgeSelector): number;
  /** The priced declarations of one host still in the cache (fresh or stale), without probing. */
  pricedOf(host: string): Array<{ path: string; request: PaymentRequest; storedAtMs: number }>;
  readonly size: number;
}

const SEP = '\n';

/** A bounded (LRU) cache of upstream declarations with single-flight probes. */
export function createProbeCache(opts: ProbeCacheOptions): ProbeCache {
  const now = opts.now ?? Date.now;
  const entries = new LRUCache<string, Entry>({ max: opts.maxEntries });
  const inflight = new Map<string, Promise<ProbeAnswer>>();
  // Bumped by every purge, so a probe started before a purge does not refill the cache after it.
  let generation = 0;

  const ttlMsOf = (answer: ProbeAnswer): number => {
    if (answer.ttlSeconds !== undefined) return answer.ttlSeconds * 1000;
    return (answer.kind === 'priced' ? opts.defaultTtlSeconds : opts.negativeTtlSeconds) * 1000;
  };

  const load = (
    key: string,
    stale: Entry | undefined,
    probe: () => Promise<ProbeAnswer>,
  ): Promise<ProbeAnswer> => {
    const started = generation;
    const flight = probe()
      .then((answer) => {
        if (started === generation) {
          const t = now();
          const ttlMs = ttlMsOf(answer);
          if (ttlMs > 0)
            entries.set(key, {
              answer,
              storedAtMs: t,
              freshUntilMs: t + ttlMs,
              staleUntilMs: t + ttlMs + opts.staleIfErrorSeconds * 1000,
            });
          else entries.delete(key);
          // Gone from the cache, new in it, or different: decisions made from the old answer are stale.
          const changed =
            ttlMs <= 0 ? stale !== undefined : stale === undefined || !sameAnswer(stale.answer, answer);
          if (changed) opts.onChange?.();
        }
        return answer;
      })
      .catch((err: unknown) => {
        if (stale !== undefined && stale.staleUntilMs > now()) {
          opts.onResult?.('stale');
          return stale.answer;
        }
        throw err;
      })
      .finally(() => inflight.delete(key));
    inflight.set(key, flight);
    return flight;
  };

  return {
    peek(host, path) {
      const entry = entries.get(host + SEP + path);
      if (entry === undefined || entry.freshUntilMs <= now()) return undefined;
      opts.onResult?.('hit');
      return entry.answer;
    },
    get(host, path, probe) {
      const key = host + SEP + path;
      const entry = entries.get(key);
      if (entry !== undefined && entry.freshUntilMs > now()) {
        opts.onResult?.('hit');
        return Promise.resolve(entry.answer);
      }
      opts.onResult?.('miss');
      return inflight.get(key) ?? load(key, entry, probe);
    },
    purge(selector) {
      generation++;
      if ('all' in selector) {
        const n = entries.size;
        entries.clear();
        return n;
      }
      let n = 0;
      for (const key of [...entries.keys()]) {
        const at = key.indexOf(SEP);
        const host = key.slice(0, at);
        const path = key.slice(at + 1);
        const hostOk = !('host' in selector) || selector.host === host;
        const pathOk = selector.path === undefined || selector.path === path;
        if (hostOk && pathOk && entries.delete(key)) n++;
      }
      return n;
    },
    pricedOf(host) {
      const prefix = host + SEP;
      const t = now();
      const out: Array<{ path: string; request: PaymentRequest; storedAtMs: number }> = [];
      // peek-style iteration: listing does not refresh the LRU order.
      for (const [key, entry] of entries.entries()) {
        if (!key.startsWith(prefix) || entry.answer.kind !== 'priced' || entry.staleUntilMs <= t) continue;
        out.push({
          path: key.slice(prefix.length),
          request: entry.answer.request,
          storedAtMs: entry.storedAtMs,
        });
      }
      return out;
    },
    get size() {
      return entries.size;
    },
  };
}

/** True when two probe answers declare the same thing (TTLs aside). */
function sameAnswer(a: ProbeAnswer, b: ProbeAnswer): boolean {
  if (a.kind === 'free' || b.kind === 'free') return a.kind === b.kind;
  if (a.kind === 'invalid' || b.kind === 'invalid')
    return a.kind === 'invalid' && b.kind === 'invalid' && a.reason === b.reason;
  return JSON.stringify(toWire(a.request)) === JSON.stringify(toWire(b.request));
}
