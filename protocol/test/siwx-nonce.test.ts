import { randomBytes } from 'node:crypto';
import { isOwnSiwxNonce, mintSiwxNonce, siwxNonceKey, type SiwxChallengeFields } from '../src/index.js';

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

  it('the nonce key is derived from the challenge key and differs from it', () => {
    const challengeKey = randomBytes(32);
    expect(siwxNonceKey(challengeKey).equals(siwxNonceKey(challengeKey))).toBe(true);
    expect(siwxNonceKey(challengeKey).equals(challengeKey)).toBe(false);
  });
});
