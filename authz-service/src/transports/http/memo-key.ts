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

const field = (v: string | undefined): string => (v === undefined ? '\n' : `=${v}\n`);

function isBearer(auth: string): boolean {
  return auth.length > 7 && sameName(auth.slice(0, 7), 'bearer ');
}

// Slots of the values the key is made of.
const METHOD = 0;
const HOST = 1;
const HOST_HEADER = 2;
const PROTO = 3;
const URI = 4;
const COOKIE = 5;
const AUTHORIZATION = 6;
const TOKEN = 7;
const SLOTS = 8;

/**
 * Builds the key reader of one dialect: the key, or undefined when the request must take the
 * slow path (a proof header, a repeated header the key reads, `Authorization: Payment`).
 */
export function memoKeyReader(src: MemoKeySources): (rawHeaders: readonly string[]) => string | undefined {
  const names: Array<[string, number]> = [
    [src.method, METHOD],
    ['host', HOST_HEADER],
    [src.proto, PROTO],
    [src.uri, URI],
    ['cookie', COOKIE],
    ['authorization', AUTHORIZATION],
    ['x-402-token', TOKEN],
  ];
  if (src.host !== undefined) names.push([src.host, HOST]);
  const prefix = `${src.dialect}\n`;
  return (raw) => {
    const values = new Array<string | undefined>(SLOTS);
    next: for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      for (const [wanted, slot] of names) {
        if (!sameName(name, wanted)) continue;
        if (values[slot] !== undefined) return undefined;
        values[slot] = raw[i + 1]!;
        continue next;
      }
      for (const proof of PROOF_NAMES) if (sameName(name, proof)) return undefined;
    }
    const auth = values[AUTHORIZATION];
    // No token source: the request is a 402 or an unpriced page, both decided from the core's own
    // caches without I/O; reading a key for it only slowed every 402 (bench/authz row c).
    if (values[COOKIE] === undefined && auth === undefined && values[TOKEN] === undefined) return undefined;
    // An MPP credential is a proof; any scheme but Bearer takes the slow path.
    if (auth !== undefined && !isBearer(auth)) return undefined;
    // Header values never hold a newline (node:http refuses them), so '\n' separates the fields;
    // an absent header is '' and a present one '=value', so the two never collide.
    const key =
      prefix +
      field(values[METHOD]) +
      field(values[HOST] ?? values[HOST_HEADER]) +
      field(values[PROTO]) +
      field(values[URI]) +
      field(values[COOKIE]) +
      field(auth) +
      field(values[TOKEN]);
    return key.length > MAX_MEMO_KEY_CHARS ? undefined : key;
  };
}
