import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { Secret } from '@turnpike/protocol/service';
import { issueToken } from '../src/tokens/issue-token.js';
import { loadSigningKeys, SigningKeyError } from '../src/tokens/signing-keys.js';

const key = (curve = 'P-256') => generateKeyPairSync('ec', { namedCurve: curve }).privateKey;
const pemSecret = (k = key()) => new Secret(k.export({ format: 'pem', type: 'pkcs8' }).toString());
const jwkSecret = (k = key()) => new Secret(JSON.stringify(k.export({ format: 'jwk' })));

describe('token signing keys', () => {
  it('signs with the newest key and publishes all of them', async () => {
    const keys = loadSigningKeys([
      { kid: 'new', privateKey: jwkSecret(), createdAt: '2026-02-01T00:00:00Z' },
      { kid: 'old', privateKey: pemSecret(), createdAt: '2026-01-01T00:00:00Z' },
    ]);
    expect(keys.current.kid).toBe('new');
    expect(keys.jwks.keys.map((k) => k.kid)).toEqual(['new', 'old']);
    expect(keys.jwks.keys.every((k) => k.d === undefined)).toBe(true);
    const now = new Date();
    const { token } = await issueToken(keys, {
      issuer: 'https://portal.test',
      host: 'shop.test',
      resource: '/premium',
      claims: { tier: 'gold', aud: 'shop.test' },
      issuedAt: now,
      expiresAt: new Date(now.getTime() + 60_000),
      payment: { network: 'anvil', tx: '0xabc', invoice: 'inv' },
    });
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(keys.jwks), {
      issuer: 'https://portal.test',
      audience: 'shop.test',
    });
    expect(protectedHeader.kid).toBe('new');
    expect(payload).toMatchObject({
      resource: '/premium',
      tier: 'gold',
      pay: { network: 'anvil', tx: '0xabc', invoice: 'inv' },
    });
  });

  it('refuses a key on another curve', () => {
    expect(() => loadSigningKeys([{ kid: 'p384', privateKey: pemSecret(key('P-384')) }])).toThrow(
      SigningKeyError,
    );
  });
});
