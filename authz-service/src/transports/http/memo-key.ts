import { PROOF_HEADERS } from '../../core/proof-headers.js';

/**
 * The allow memo's key (allow-memo.ts): every request header an allow that may be cached depends
 * on, read from `req.rawHeaders` in one pass, without building `req.headers`.
 *
 * A cacheable allow (core/cacheability.ts) depends on the original method, scheme, host and URI,
 * and on the token sources (Cookie, Authorization, X-402-Token); never on the client address
 * (only a free tier reads it, and a free tier is never cacheable). A request that carries a
 * payment proof header is never memoised (its allow is not cacheable), nor one that repeats any
 * header the key reads (node:http would join or drop the copies: the slow path decides that).
 */

/** Where a dialect reads the original request (lower-case header names). */
export interface MemoKeySources {
  /** A short tag kept in the key, so two dialects never share an entry. */
  dialect: string;
  method: string;
  /** Header naming the original host; `host` is read as the fallback when it is absent. */
  host: string | undefined;
  proto: string;
  uri: string;
}

// The proof headers (lower case, as sameName compares): a request carrying one is never memoised.
const PROOF_NAMES: readonly string[] = PROOF_HEADERS.map((name) => name.toLowerCase());

/** True when `raw` equals the lower-case `lower`, ignoring ASCII case. */
function sameName(raw: string, lower: string): boolean {
  if (raw.length !== lower.length) return false;
  for (let i = 0; i < raw.length; i++) {
    let c = raw.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Longer keys are not memoised (decided every time): an entry holds its key, and URIs (8 KiB) and
 * Cookie headers can be long, so this bounds the memo's memory (4,096 × 4 KiB) whatever clients
 * send. A token (~700 characters) with a typical URI and a few cookies fits.
 */
export const MAX_MEMO_KEY_CHARS = 4096;

/**
 * How much of a bearer token or X-402-Token goes into the selector. The memo is a Map keyed by a
 * string, and V8 hashes every character of a fresh string on each lookup: hashing a whole
 * ~700-character token, then comparing it, was half of a memo hit's cost. The tail of a signed
 * token is its signature (32 base64url characters = 192 bits), so it selects the entry; the whole
 * value is then compared once (sameMemoKey), which a memory compare does quickly.
 */
const TAIL_CHARS = 32;

/** A request's memo key: the selector (a Map key) and the token values it holds only the tail of. */
export interface MemoKey {
  /** Dialect, method, host, scheme, URI, the whole Cookie header and the tails of the two tokens. */
  readonly selector: string;
  readonly bearer: string | undefined;
  readonly token: string | undefined;
}

/** True when two keys with the same selector name the same request (their whole tokens match). */
export function sameMemoKey(a: MemoKey, b: MemoKey): boolean {
  return a.selector === b.selector && a.bearer === b.bearer && a.token === b.token;
}

const tail = (v: string | undefined): string =>
  v === undefined ? '\n' : v.length <= TAIL_CHARS ? `=${v}\n` : `=${v.slice(-TAIL_CHARS)}\n`;
const field = (v: string | undefined): string => (v === undefined ? '\n' : `=${v}\n`);

function isBearer(auth: string): boolean {
  return auth.length > 7 && sameName(auth.slice(0, 7), 'bearer ');
}

// Slots of the values the key is made of; PROOF marks a proof header (never memoised).
const METHOD = 0;
const HOST = 1;
const HOST_HEADER = 2;
const PROTO = 3;
const URI = 4;
const COOKIE = 5;
const AUTHORIZATION = 6;
const TOKEN = 7;
const SLOTS = 8;
const PROOF = -1;

/**
 * Builds the key reader of one dialect: the key, or undefined when the request must take the
 * slow path (a proof header, a repeated header the key reads, `Authorization: Payment`).
 */
export function memoKeyReader(src: MemoKeySources): (rawHeaders: readonly string[]) => MemoKey | undefined {
  const wanted: Array<[string, number]> = [
    [src.method, METHOD],
    ['host', HOST_HEADER],
    [src.proto, PROTO],
    [src.uri, URI],
    ['cookie', COOKIE],
    ['authorization', AUTHORIZATION],
    ['x-402-token', TOKEN],
    ...PROOF_NAMES.map((name): [string, number] => [name, PROOF]),
  ];
  if (src.host !== undefined) wanted.push([src.host, HOST]);
  // Names bucketed by length: most request headers match no bucket entry's length, so a header is
  // compared with at most a couple of names instead of all fifteen.
  const byLength: Array<Array<[string, number]> | undefined> = [];
  for (const entry of wanted) (byLength[entry[0].length] ??= []).push(entry);
  const prefix = `${src.dialect}\n`;
  return (raw) => {
    const values = new Array<string | undefined>(SLOTS);
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      const bucket = byLength[name.length];
      if (bucket === undefined) continue;
      for (let j = 0; j < bucket.length; j++) {
        const entry = bucket[j]!;
        if (!sameName(name, entry[0])) continue;
        const slot = entry[1];
        if (slot === PROOF || values[slot] !== undefined) return undefined;
        values[slot] = raw[i + 1]!;
        break;
      }
    }
    const auth = values[AUTHORIZATION];
    const token = values[TOKEN];
    const cookie = values[COOKIE];
    // No token source: the request is a 402 or an unpriced page, both decided from the core's own
    // caches without I/O; reading a key for it only slowed every 402 (bench/authz row c).
    if (cookie === undefined && auth === undefined && token === undefined) return undefined;
    // An MPP credential is a proof; any scheme but Bearer takes the slow path.
    if (auth !== undefined && !isBearer(auth)) return undefined;
    // Header values never hold a newline (node:http refuses them), so '\n' separates the fields;
    // an absent header is '' and a present one '=value', so the two never collide.
    const selector =
      prefix +
      field(values[METHOD]) +
      field(values[HOST] ?? values[HOST_HEADER]) +
      field(values[PROTO]) +
      field(values[URI]) +
      field(cookie) +
      tail(auth) +
      tail(token);
    const chars = selector.length + (auth?.length ?? 0) + (token?.length ?? 0);
    return chars > MAX_MEMO_KEY_CHARS ? undefined : { selector, bearer: auth, token };
  };
}
