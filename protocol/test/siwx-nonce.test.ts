import { createHmac, randomBytes } from 'node:crypto';
import {
  isOwnSiwxNonce,
  mintSiwxNonce,
  siwxNonceKey,
  siwxNonceTag,
  type SiwxChallengeFields,
} from '../src/index.js';

const fields: SiwxChallengeFields = {
  domain: 'shop.test:8443',
  uri: 'https://shop.test:8443/premium/report?x=1',
  issuedAt: '2026-12-07T05:00:00.000Z',
  expirationTime: '2026-12-07T05:05:00.000Z',
};

describe('sign-in-with-x nonces (stateless: an HMAC over the challenge fields)', () => {
  const key = siwxNonceKey(randomBytes(32));

  it('is 32 hex characters, fresh every time, and verifies for exactly its fields and key', () => {
    const a = mintSiwxNonce(key, fields);
    const b = mintSiwxNonce(key, fields);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
    expect(isOwnSiwxNonce(key, a, fields)).toBe(true);
    expect(isOwnSiwxNonce(key, b, fields)).toBe(true);
  });

  it.each(Object.keys(fields) as Array<keyof SiwxChallengeFields>)('a changed %s does not verify', (name) => {
    const nonce = mintSiwxNonce(key, fields);
    expect(isOwnSiwxNonce(key, nonce, { ...fields, [name]: `${fields[name]}x` })).toBe(false);
  });

  it("another key's nonce, an altered nonce or one of another shape does not verify", () => {
    const nonce = mintSiwxNonce(key, fields);
    expect(isOwnSiwxNonce(siwxNonceKey(randomBytes(32)), nonce, fields)).toBe(false);
    const flipped = nonce.slice(0, 31) + (nonce[31] === '0' ? '1' : '0');
    expect(isOwnSiwxNonce(key, flipped, fields)).toBe(false);
    expect(isOwnSiwxNonce(key, nonce.toUpperCase(), fields)).toBe(false);
    expect(isOwnSiwxNonce(key, nonce.slice(0, 30), fields)).toBe(false);
    expect(isOwnSiwxNonce(key, '', fields)).toBe(false);
  });

  it('the MAC half is the HMAC of the fields behind the v2 line, shared by every nonce of them', () => {
    const text = `v2\n${fields.domain}\n${fields.uri}\n${fields.issuedAt}\n${fields.expirationTime}`;
    const expected = createHmac('sha256', key).update(text).digest().subarray(0, 8).toString('hex');
    expect(siwxNonceTag(key, fields)).toBe(expected);
    const a = mintSiwxNonce(key, fields);
    const b = mintSiwxNonce(key, fields, expected);
    expect(a.slice(16)).toBe(expected);
    expect(b.slice(16)).toBe(expected);
    expect(a.slice(0, 16)).not.toBe(b.slice(0, 16));
    // Documented: the random half is not MACed (a nonce of the same fields with another random half
    // verifies; it still signs in only under the payer's signature, once).
    expect(isOwnSiwxNonce(key, `0123456789abcdef${expected}`, fields)).toBe(true);
  });

  it('a v1 nonce (MAC over its random half and the fields) no longer verifies', () => {
    const random = '0123456789abcdef';
    const v1Text = `${random}\n${fields.domain}\n${fields.uri}\n${fields.issuedAt}\n${fields.expirationTime}`;
    const v1 = random + createHmac('sha256', key).update(v1Text).digest().subarray(0, 8).toString('hex');
    expect(isOwnSiwxNonce(key, v1, fields)).toBe(false);
  });

  it('non-ASCII fields take the general HMAC and verify the same way', () => {
    const unicode = { ...fields, uri: 'https://shop.test:8443/premium/r\u00e9sum\u00e9' };
    const nonce = mintSiwxNonce(key, unicode);
    expect(isOwnSiwxNonce(key, nonce, unicode)).toBe(true);
    expect(isOwnSiwxNonce(key, nonce, fields)).toBe(false);
  });

  it('the nonce key is derived from the challenge key and differs from it', () => {
    const challengeKey = randomBytes(32);
    expect(siwxNonceKey(challengeKey).equals(siwxNonceKey(challengeKey))).toBe(true);
    expect(siwxNonceKey(challengeKey).equals(challengeKey)).toBe(false);
  });
});
