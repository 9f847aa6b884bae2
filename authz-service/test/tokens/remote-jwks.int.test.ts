import { REASONS } from '@turnpike/protocol';
import { createTokenChecker } from '../../src/tokens/check.js';
import { createKeyStore } from '../../src/tokens/keys.js';
import { createTokenVerifier } from '../../src/tokens/verify.js';
import { listen, type Listening } from '../support/http.js';
import { createSigner, type TestSigner } from '../support/keys.js';

const ISSUER = 'https://portal.test';
const claims = { iss: ISSUER, aud: 'shop.example', resource: '/', sub: '0xp', jti: 'j' };
const ctx = { host: 'shop.example', path: '/a', required: {} };

describe('remote JWKS (an in-process portal JWKS endpoint)', () => {
  let jwksServer: Listening;
  let k1: TestSigner;
  let k2: TestSigner;
  let keys: Array<TestSigner['jwk']>;
  let up = true;
  let fetches = 0;

  beforeAll(async () => {
    k1 = await createSigner('k1');
    k2 = await createSigner('k2', 'EdDSA');
    keys = [k1.jwk];
    jwksServer = await listen((_req, res) => {
      fetches++;
      if (!up) {
        res.writeHead(503);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys }));
    });
  });
  afterAll(() => jwksServer.close());

  it('is ready only after the first successful fetch; keeps verifying from the last good set when the portal goes down; picks up a rotated kid', async () => {
    up = false;
    const refreshes: string[] = [];
    const store = await createKeyStore(
      {
        url: `${jwksServer.url}/_402/.well-known/jwks.json`,
        timeoutMs: 500,
        cooldownMs: 0,
        cacheMaxAgeMs: 1,
      },
      { onRefresh: (r) => refreshes.push(r) },
    );
    expect(await store.warmUp()).toBe(false);
    expect(store.ready()).toBe(false);
    expect(store.holds('k1', 'ES256')).toBe(false);
    const verifier = createTokenVerifier({
      getKey: store.getKey,
      issuer: ISSUER,
      clockSkewSeconds: 0,
      cacheMaxEntries: 10,
    });
    const checker = createTokenChecker({ verifier, keys: store, issuer: ISSUER, clockSkewSeconds: 0 });
    const t1 = await k1.sign(claims);
    // No keys at all: unavailable, not "pay again".
    expect(await checker.check({ authorization: `Bearer ${t1}` }, ctx)).toEqual({
      ok: false,
      reason: REASONS.KEYS_UNAVAILABLE,
      unavailable: true,
    });

    up = true;
    expect(await store.warmUp()).toBe(true);
    expect(store.ready()).toBe(true);
    expect(store.holds('k1', 'ES256')).toBe(true);
    expect(store.holds('k2', 'EdDSA')).toBe(false);
    expect(refreshes).toContain('ok');
    expect(refreshes).toContain('error');

    // Portal down, cache max age long past: a fresh token (not in the verified cache) still verifies.
    up = false;
    await new Promise((r) => setTimeout(r, 5));
    const t1b = await k1.sign({ ...claims, jti: 'other' });
    expect((await checker.check({ authorization: `Bearer ${t1b}` }, ctx)).ok).toBe(true);

    // Rotation: a token with a new kid makes the key set refetch.
    up = true;
    keys = [k1.jwk, k2.jwk];
    const before = fetches;
    const t2 = await k2.sign(claims);
    expect((await checker.check({ authorization: `Bearer ${t2}` }, ctx)).ok).toBe(true);
    expect(fetches).toBeGreaterThan(before);
    // The index that orders candidates follows the rotation.
    expect(store.holds('k2', 'EdDSA')).toBe(true);
    expect(store.holds('k2', 'ES256')).toBe(false);

    // A kid nobody has: token_kid_unknown.
    const stray = await (await createSigner('k9')).sign(claims);
    expect(await checker.check({ authorization: `Bearer ${stray}` }, ctx)).toEqual({
      ok: false,
      reason: REASONS.TOKEN_KID_UNKNOWN,
    });
  });
});
