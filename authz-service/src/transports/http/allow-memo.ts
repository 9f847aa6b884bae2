import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AllowDecision } from '../../core/types.js';
import { memoKeyReader, sameMemoKey, type MemoKey, type MemoKeySources } from './memo-key.js';

/**
 * The in-process memo of whole cacheable allows (docs/authz-service.md, "The allow memo"): what a
 * caching gateway does in front of the authorizer, done inside it for gateways that do not cache.
 * A request whose key (memo-key.ts: dialect, original method, scheme, host, URI and every token
 * source) matches an allow decided less than its `cacheUntilMs` ago is answered with the same
 * pre-built headers, without building `req.headers`, deciding or allocating a log.
 *
 * Only allows the core marked cacheable are stored (core/cacheability.ts): never a metered,
 * free-tier, proof or redemption allow, never a denial; `decisionCache.maxAgeSeconds: 0` stores
 * nothing. Entries end at their `cacheUntilMs` (≤ the ceiling, ≤ the token's exp − 1 s), and
 * {@link AllowMemo.clear} drops them all: an admin purge, a sites change, a changed upstream
 * declaration and a JWKS refresh call it, so what would change the decision is seen at once. A
 * decision that started before a clear is not stored after it (a generation counter).
 */
export interface AllowMemo {
  /** Drops every entry (and every decision still being made from being stored). */
  clear(): void;
  readonly size: number;
}

interface Entry {
  /** The request's key: the Map holds it by its selector, and the whole tokens are compared on a hit. */
  key: MemoKey;
  untilMs: number;
  /** Identity headers + content-length, as sendAllow writes them. */
  base: readonly string[];
  /** `base` with the caching headers for `n` seconds. */
  n: number;
  flat: string[];
}

/** A request that missed, waiting for its allow to be stored by sendAllow. */
interface Pending {
  memo: AllowMemoStore;
  key: MemoKey;
  generation: number;
}

// The pending store rides on the response object itself: a WeakMap entry per request made every
// miss (a 401, a metered allow) markedly dearer for V8's collector (bench/authz rows c, b-credits).
const PENDING = Symbol('turnpike.allowMemo.pending');
type WithPending = ServerResponse & { [PENDING]?: Pending | undefined };

/**
 * A Map bounded by insertion order (the oldest entry goes first when full), not an LRU: entries
 * live a few seconds at most, so recency buys little, and a hit stays a single Map lookup (an
 * LRU's bookkeeping on every get cost as much as the rest of the hit path together).
 */
export class AllowMemoStore implements AllowMemo {
  /** By selector (memo-key.ts): one entry per selector, the last allow stored under it. */
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  #generation = 0;

  constructor(maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be ≥ 1');
    this.#maxEntries = maxEntries;
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The headers to answer with, or undefined (no entry, or under 1 s of it left). */
  answer(key: MemoKey, nowMs: number): string[] | undefined {
    const entry = this.#entries.get(key.selector);
    // Another token with the same tail (a forgery can copy a signature's tail): not this entry.
    if (entry === undefined || !sameMemoKey(entry.key, key)) return undefined;
    const n = secondsLeft(entry.untilMs, nowMs);
    if (n === 0) {
      this.#entries.delete(key.selector);
      return undefined;
    }
    if (n !== entry.n) {
      entry.n = n;
      entry.flat = withCacheHeaders(entry.base, n);
    }
    return entry.flat;
  }

  /** Marks `res` as answering the request of `key`: its cacheable allow will be stored. */
  expect(res: ServerResponse, key: MemoKey): void {
    (res as WithPending)[PENDING] = { memo: this, key, generation: this.#generation };
  }

  store(p: Pending, untilMs: number, base: readonly string[], n: number, flat: string[]): void {
    if (p.generation !== this.#generation) return;
    const selector = p.key.selector;
    if (!this.#entries.has(selector) && this.#entries.size >= this.#maxEntries)
      this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(selector, { key: p.key, untilMs, base, n, flat });
  }
}

/** Whole seconds from `nowMs` to `untilMs` when at least 1, else 0 (nothing left to cache). */
export function secondsLeft(untilMs: number, nowMs: number): number {
  const n = Math.floor((untilMs - nowMs) / 1000);
  return n >= 1 ? n : 0;
}

/** `base` plus `Cache-Control: private, max-age=n` and `X-Accel-Expires: n`. */
export function withCacheHeaders(base: readonly string[], n: number): string[] {
  return [...base, 'cache-control', `private, max-age=${n}`, 'x-accel-expires', String(n)];
}

/**
 * Called by sendAllow with a cacheable allow it wrote: stores it for the request's key when the
 * request went through a memoised handler and missed.
 */
export function rememberAllow(
  res: ServerResponse,
  decision: AllowDecision,
  base: readonly string[],
  n: number,
  flat: string[],
): void {
  const p = (res as WithPending)[PENDING];
  if (p === undefined || decision.cacheUntilMs === undefined) return;
  (res as WithPending)[PENDING] = undefined;
  p.memo.store(p, decision.cacheUntilMs, base, n, flat);
}

/** What a memo hit records (the decision metrics, as a decided allow would). */
export type RecordHit = (startedMs: number) => void;

/**
 * Wraps a dialect's handler: a request whose key is in the memo is answered from it; any other
 * goes to the handler, and its cacheable allow is stored.
 */
export function memoized(
  memo: AllowMemoStore,
  sources: MemoKeySources,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  recordHit: RecordHit,
): (req: IncomingMessage, res: ServerResponse) => void {
  const keyOf = memoKeyReader(sources);
  return (req, res) => {
    const key = keyOf(req.rawHeaders);
    if (key !== undefined) {
      const started = performance.now();
      const flat = memo.answer(key, Date.now());
      if (flat !== undefined) {
        res.writeHead(200, flat);
        res.end();
        recordHit(started);
        return;
      }
      memo.expect(res, key);
    }
    handler(req, res);
  };
}
