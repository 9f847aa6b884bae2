import { hash, timingSafeEqual } from 'node:crypto';

/** base64url characters of an HMAC-SHA256 tag (32 bytes). */
const TAG_CHARS = 43;
const SEALED = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;
/** SHA-256's block size: HMAC pads its key to it. */
const BLOCK = 64;

/** A key's HMAC pads (RFC 2104): `K ⊕ ipad` and `K ⊕ opad`, each one block. */
interface Pads {
  inner: Buffer;
  outer: Buffer;
}
const padsByKey = new WeakMap<Buffer, Pads>();

function padsOf(key: Buffer): Pads {
  let pads = padsByKey.get(key);
  if (pads === undefined) {
    if (key.length > BLOCK) throw new RangeError('a seal key is at most one SHA-256 block');
    const inner = Buffer.alloc(BLOCK, 0x36);
    const outer = Buffer.alloc(BLOCK, 0x5c);
    for (let i = 0; i < key.length; i++) {
      inner[i]! ^= key[i]!;
      outer[i]! ^= key[i]!;
    }
    pads = { inner, outer };
    padsByKey.set(key, pads);
  }
  return pads;
}

// Scratch space for the two hash inputs, reused: hashing is synchronous.
let scratch = Buffer.allocUnsafeSlow(4096);
const outerInput = Buffer.allocUnsafeSlow(BLOCK + 32);

/** Writes `K ⊕ ipad ‖ body` into the scratch space: the inner hash's input. */
function innerInput(key: Buffer, body: string): Buffer {
  const pads = padsOf(key);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: room for any body, so the write is never cut.
  const room = BLOCK + 3 * body.length;
  if (scratch.length < room) scratch = Buffer.allocUnsafeSlow(Math.max(room, scratch.length * 2));
  pads.inner.copy(scratch, 0);
  const written = scratch.write(body, BLOCK, 'utf8');
  if (written !== body.length) throw new TypeError('a MAC input must be ASCII');
  return scratch.subarray(0, BLOCK + written);
}

/**
 * HMAC-SHA256 of an ASCII `body` (base64url), as two one-shot hashes over the key's pads. The same
 * value as `createHmac('sha256', key)`, which builds a native object per call whose collection cost
 * a busy authorizer ~10 µs per 402 (bench/402). Throws TypeError on non-ASCII input: the body is
 * written as UTF-8, and a character outside ASCII takes more bytes than characters (checked by the
 * write itself, not by a scan of the string before it).
 */
function tag(key: Buffer, body: string): Buffer {
  const innerHash = hash('sha256', innerInput(key, body), 'buffer') as unknown as Buffer;
  padsOf(key).outer.copy(outerInput, 0);
  innerHash.copy(outerInput, BLOCK);
  return hash('sha256', outerInput, 'buffer') as unknown as Buffer;
}

/**
 * {@link tag} in base64url, with no Buffer made per call: the inner hash comes back as a `binary`
 * string (one byte per character) written into the outer input, the outer one as base64url. Each
 * Buffer `hash` returns is an ArrayBuffer of its own: 3.1 µs per MAC of a sealed challenge with
 * Buffers, 1.8 µs without, in a tight loop.
 */
function tagBase64url(key: Buffer, body: string): string {
  const innerHash = hash('sha256', innerInput(key, body), 'binary');
  padsOf(key).outer.copy(outerInput, 0);
  outerInput.write(innerHash, BLOCK, 'binary');
  return hash('sha256', outerInput, 'base64url');
}

/**
 * base64url HMAC-SHA256 of an ASCII `body` under `key` (the seal's own MAC, for other stateless
 * bindings such as MPP challenge ids). Non-ASCII input is refused (TypeError): callers pass wire
 * strings.
 */
export function macBase64url(key: Buffer, body: string): string {
  return tagBase64url(key, body);
}

/**
 * HMAC-SHA256 of ASCII `text` with a seal key (the same fast path as the seals'): for other values
 * the services MAC per 402, such as sign-in-with-x nonces. Non-ASCII text is refused (TypeError).
 */
export function macAscii(key: Buffer, text: string): Buffer {
  return tag(key, text);
}

/**
 * Seals a JSON value: `base64url(JSON).base64url(HMAC-SHA256(key, first part))`. Not encrypted:
 * what is sealed is readable by whoever holds it (it carries nothing secret), but any change
 * breaks the MAC.
 */
export function seal(key: Buffer, payload: unknown): string {
  return sealJson(key, JSON.stringify(payload));
}

// Scratch space for the UTF-8 bytes of a sealed JSON text, reused: encoding is synchronous.
let jsonScratch = Buffer.allocUnsafeSlow(4096);

/**
 * {@link seal} of a JSON text the caller serialised itself (a hot path that builds it from
 * fragments prepared once): `base64url(json).base64url(HMAC-SHA256(key, first part))`. The text
 * must be JSON; the opener parses it and validates its shape.
 */
export function sealJson(key: Buffer, json: string): string {
  const room = 3 * json.length;
  if (jsonScratch.length < room) jsonScratch = Buffer.allocUnsafeSlow(Math.max(room, jsonScratch.length * 2));
  const bytes = jsonScratch.write(json, 0, 'utf8');
  const body = jsonScratch.toString('base64url', 0, bytes);
  return `${body}.${tagBase64url(key, body)}`;
}

/**
 * The JSON value inside a sealed string, or null when it is malformed, longer than `maxChars`, or
 * its MAC does not verify (compared in constant time). Callers validate the value's shape.
 */
export function unseal(key: Buffer, sealed: string, maxChars: number): unknown {
  if (sealed.length > maxChars || !SEALED.test(sealed)) return null;
  const dot = sealed.length - TAG_CHARS - 1;
  const body = sealed.slice(0, dot);
  const given = Buffer.from(sealed.slice(dot + 1), 'base64url');
  if (!timingSafeEqual(given, tag(key, body))) return null;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
  } catch {
    return null;
  }
}
