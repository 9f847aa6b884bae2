import { createHmac, timingSafeEqual } from 'node:crypto';
import { macAscii } from '../sealed/seal.js';
import { randomPoolBytes } from '../random/index.js';

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

function tagOf(key: Buffer, random: string, f: SiwxChallengeFields): Buffer {
  const text = `${random}\n${f.domain}\n${f.uri}\n${f.issuedAt}\n${f.expirationTime}`;
  // Hosts and normalised URIs are ASCII; anything else goes through the general HMAC.
  const mac = ASCII.test(text) ? macAscii(key, text) : createHmac('sha256', key).update(text).digest();
  return mac.subarray(0, TAG_BYTES);
}

/**
 * A fresh sign-in-with-x nonce for a 402, written nowhere (DESIGN invariant 6): 32 hex characters
 * as the extension's spec asks — 64 random bits, then 64 bits of HMAC over those and the message
 * fields the 402 fixed (domain, URI, issue and expiry time). The portal recomputes the MAC to know
 * the nonce is its own and the fields unchanged; the database remembers a nonce only once it signed
 * a payer in (one use, across replicas).
 */
export function mintSiwxNonce(key: Buffer, fields: SiwxChallengeFields): string {
  const random = randomPoolBytes(RANDOM_BYTES).toString('hex');
  return random + tagOf(key, random, fields).toString('hex');
}

/** True when `nonce` was minted with `key` for exactly these fields. */
export function isOwnSiwxNonce(key: Buffer, nonce: string, fields: SiwxChallengeFields): boolean {
  if (!NONCE.test(nonce)) return false;
  const random = nonce.slice(0, RANDOM_BYTES * 2);
  const given = Buffer.from(nonce.slice(RANDOM_BYTES * 2), 'hex');
  return timingSafeEqual(given, tagOf(key, random, fields));
}
