import { createHmac, timingSafeEqual } from 'node:crypto';
import { macAscii } from '../sealed/seal.js';
import { randomPoolText } from '../random/index.js';

/** What a sign-in-with-x nonce vouches for: the message fields the 402 fixed. */
export interface SiwxChallengeFields {
  domain: string;
  uri: string;
  issuedAt: string;
  expirationTime: string;
}

const RANDOM_BYTES = 8;
const TAG_BYTES = 8;
const NONCE = /^[0-9a-f]{32}$/;

const nonceKeys = new WeakMap<Buffer, Buffer>();

/**
 * The MAC key of sign-in-with-x nonces, derived from the sealed-challenge key both services hold
 * (SealKeys.challenge), so no new secret is configured and a nonce never opens as anything else.
 * Derived once per challenge key.
 */
export function siwxNonceKey(challengeKey: Buffer): Buffer {
  let key = nonceKeys.get(challengeKey);
  if (key === undefined) {
    key = createHmac('sha256', challengeKey).update('turnpike siwx nonce v1').digest();
    nonceKeys.set(challengeKey, key);
  }
  return key;
}

/** What macAscii takes: printable ASCII and the line breaks between the fields. */
const ASCII = /^[\n\x20-\x7e]*$/;

/**
 * The MAC half of every nonce of these fields: 64 bits of HMAC over the message fields the 402
 * fixed, behind a version line (`v2`; v1 nonces MACed their random half too, see mintSiwxNonce).
 */
export function siwxNonceTag(key: Buffer, f: SiwxChallengeFields): string {
  const text = `v2\n${f.domain}\n${f.uri}\n${f.issuedAt}\n${f.expirationTime}`;
  // Hosts and normalised URIs are ASCII; anything else goes through the general HMAC.
  const mac = ASCII.test(text) ? macAscii(key, text) : createHmac('sha256', key).update(text).digest();
  return mac.toString('hex', 0, TAG_BYTES);
}

/**
 * A fresh sign-in-with-x nonce for a 402, written nowhere (DESIGN invariant 6): 32 hex characters
 * as the extension's spec asks — 64 random bits, then the 64-bit MAC of the message fields the 402
 * fixed (domain, URI, issue and expiry time; {@link siwxNonceTag}). The portal recomputes the MAC
 * to know the fields are the authorizer's, unchanged; the random half makes each 402's nonce its
 * own, and the database remembers a nonce only once it signed a payer in (one use, across
 * replicas). The MAC does not cover the random half: it is the same for every nonce of the same
 * fields, so the authorizer computes it once per resource and second (`issuedAt` is whole
 * seconds), not per 402. Whoever holds one nonce can therefore make others for the same fields
 * until they expire, which gains nothing: a nonce signs in only under the paying wallet's
 * signature, once, and a fresh one is one 402 away anyway. `tag` passes the MAC half already
 * computed for `fields`.
 */
export function mintSiwxNonce(key: Buffer, fields: SiwxChallengeFields, tag?: string): string {
  return randomPoolText(RANDOM_BYTES, 'hex') + (tag ?? siwxNonceTag(key, fields));
}

/** True when `nonce` was minted with `key` for exactly these fields. */
export function isOwnSiwxNonce(key: Buffer, nonce: string, fields: SiwxChallengeFields): boolean {
  if (!NONCE.test(nonce)) return false;
  const given = Buffer.from(nonce.slice(RANDOM_BYTES * 2), 'hex');
  return timingSafeEqual(given, Buffer.from(siwxNonceTag(key, fields), 'hex'));
}
