import { createLocalJWKSet } from 'jose';
import { REASONS } from '@turnpike/protocol';
import { RECEIPT_TYP, tokenCookieName } from '@turnpike/protocol';
import { createTokenChecker } from '../../src/tokens/check.js';
import { indexKeys } from '../../src/tokens/key-index.js';
import { createTokenVerifier } from '../../src/tokens/verify.js';
import { createSigner, hmacToken, unsignedToken, type TestSigner } from '../support/keys.js';

const ISSUER = 'https://portal.test';
const HOST = 'shop.example';
const ctx = { host: HOST, path: '/premium/article', required: { plan: 'gold' } };
const good = { iss: ISSUER, aud: HOST, resource: '/premium', plan: 'gold', sub: '0xpayer', jti: 'tok-1' };

let signer: TestSigner;
let edSigner: TestSigner;
let stranger: TestSigner;
let checker: ReturnType<typeof createTokenChecker>;

beforeAll(async () => {
  signer = await createSigner('k1', 'ES256');
  edSigner = await createSigner('k2', 'EdDSA');
  stranger = await createSigner('k1', 'ES256'); // same kid, other key: a forged signature
  const jwks = { keys: [signer.jwk, edSigner.jwk] };
  const verifier = createTokenVerifier({
    getKey: createLocalJWKSet(jwks),
    issuer: ISSUER,
    clockSkewSeconds: 5,
    cacheMaxEntries: 100,
  });
  checker = createTokenChecker({ verifier, keys: indexKeys(jwks), issuer: ISSUER, clockSkewSeconds: 5 });
});

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

describe('token check', () => {
  it('accepts a valid ES256 token and returns its identity (with its expiry, which bounds caching)', async () => {
    const token = await signer.sign(good);
    const verdict = await checker.check(bearer(token), ctx);
    const exp = (
      JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number }
    ).exp;
    expect(verdict).toEqual({
      ok: true,
      identity: {
        payer: '0xpayer',
        tokenId: 'tok-1',
        scope: '/premium',
        claims: { aud: HOST, resource: '/premium', plan: 'gold' },
        expiresAtSeconds: exp,
      },
    });
  });

  it('accepts a valid EdDSA token', async () => {
    expect((await checker.check(bearer(await edSigner.sign(good)), ctx)).ok).toBe(true);
  });

  it('reports token_missing when there is no token', async () => {
    expect(await checker.check({}, ctx)).toEqual({ ok: false, reason: REASONS.TOKEN_MISSING });
  });

  const cases: Array<[string, () => Promise<string>, string]> = [
    ['alg none', async () => unsignedToken(good), REASONS.TOKEN_ALG_NOT_ALLOWED],
    ['HS256', async () => hmacToken(good, 'k1'), REASONS.TOKEN_ALG_NOT_ALLOWED],
    // A payment receipt is signed by the same key and names the same host and scope; its typ keeps
    // it from ever opening anything.
    [
      'a receipt (typ turnpike-receipt+jwt)',
      async () => signer.sign(good, { typ: RECEIPT_TYP }),
      REASONS.TOKEN_MALFORMED,
    ],
    ['another typ', async () => signer.sign(good, { typ: 'at+jwt' }), REASONS.TOKEN_MALFORMED],
    ['unknown kid', async () => signer.sign(good, { kid: 'nope' }), REASONS.TOKEN_KID_UNKNOWN],
    ['bad signature', async () => stranger.sign(good), REASONS.TOKEN_SIGNATURE_INVALID],
    ['expired', async () => signer.sign(good, { expSeconds: -60 }), REASONS.TOKEN_EXPIRED],
    [
      'not yet valid',
      async () => signer.sign(good, { nbf: Math.floor(Date.now() / 1000) + 600 }),
      REASONS.TOKEN_NOT_YET_VALID,
    ],
    [
      'another host’s aud',
      async () => signer.sign({ ...good, aud: 'other.example' }),
      REASONS.TOKEN_AUDIENCE_MISMATCH,
    ],
    [
      'another resource scope',
      async () => signer.sign({ ...good, resource: '/premium-x' }),
      REASONS.TOKEN_SCOPE_MISMATCH,
    ],
    [
      'no resource claim',
      async () => signer.sign({ ...good, resource: undefined }),
      REASONS.TOKEN_SCOPE_MISMATCH,
    ],
    [
      'missing required claim',
      async () => signer.sign({ ...good, plan: undefined }),
      REASONS.TOKEN_CLAIMS_INSUFFICIENT,
    ],
    [
      'wrong required claim value',
      async () => signer.sign({ ...good, plan: 'silver' }),
      REASONS.TOKEN_CLAIMS_INSUFFICIENT,
    ],
    [
      'other issuer',
      async () => signer.sign({ ...good, iss: 'https://evil.test' }),
      REASONS.TOKEN_ISSUER_MISMATCH,
    ],
    ['garbage', async () => 'abc.def.ghi', REASONS.TOKEN_MALFORMED],
  ];
  it.each(cases)('refuses a token with %s', async (_name, make, reason) => {
    expect(await checker.check(bearer(await make()), ctx)).toEqual({ ok: false, reason });
  });

  it('accepts a token within the clock skew past exp but refuses beyond it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const justExpired = await signer.sign(good, { expSeconds: -2, iat: now - 100 });
    expect((await checker.check(bearer(justExpired), ctx)).ok).toBe(true);
  });

  it('takes tokens from scoped cookie, plain cookie, bearer and x-402-token; the first valid wins', async () => {
    const valid = await signer.sign(good);
    const expired = await signer.sign(good, { expSeconds: -60 });
    for (const headers of [
      { cookie: `${tokenCookieName('/premium')}=${valid}` },
      { cookie: `402_token=${valid}` },
      { 'x-402-token': valid },
      { cookie: `${tokenCookieName('/premium')}=${expired}; 402_token=${valid}` },
    ]) {
      expect((await checker.check(headers, ctx)).ok).toBe(true);
    }
  });

  it('with several conflicting tokens and none valid, reports the most specific one', async () => {
    const wrongAud = await signer.sign({ ...good, aud: 'other.example' });
    const expired = await signer.sign(good, { expSeconds: -60 });
    const forged = await stranger.sign(good);
    const headers = {
      cookie: `402_token=${forged}; ${tokenCookieName('/premium/article')}=${expired}; ${tokenCookieName('/premium')}=${wrongAud}`,
      authorization: `Bearer ${unsignedToken(good)}`,
    };
    // The longest scope (/premium/article) is the most specific.
    expect(await checker.check(headers, ctx)).toEqual({ ok: false, reason: REASONS.TOKEN_EXPIRED });
    // Without it, the /premium cookie leads.
    const rest = { ...headers, cookie: `402_token=${forged}; ${tokenCookieName('/premium')}=${wrongAud}` };
    expect(await checker.check(rest, ctx)).toEqual({ ok: false, reason: REASONS.TOKEN_AUDIENCE_MISMATCH });
  });

  it('ignores a scoped cookie whose scope does not cover the path', async () => {
    const valid = await signer.sign({ ...good, resource: '/other' });
    expect(await checker.check({ cookie: `${tokenCookieName('/other')}=${valid}` }, ctx)).toEqual({
      ok: false,
      reason: REASONS.TOKEN_MISSING,
    });
  });

  it('a cached verified token still fails for another host or path', async () => {
    const valid = await signer.sign(good);
    expect((await checker.check(bearer(valid), ctx)).ok).toBe(true);
    expect(await checker.check(bearer(valid), { ...ctx, host: 'other.example' })).toEqual({
      ok: false,
      reason: REASONS.TOKEN_AUDIENCE_MISMATCH,
    });
    expect(await checker.check(bearer(valid), { ...ctx, path: '/free' })).toEqual({
      ok: false,
      reason: REASONS.TOKEN_SCOPE_MISMATCH,
    });
  });
});

describe('verified-token cache', () => {
  it('verifies a token once, and never serves it past exp', async () => {
    let lookups = 0;
    const keys = createLocalJWKSet({ keys: [signer.jwk] });
    const verifier = createTokenVerifier({
      getKey: async (h, t) => {
        lookups++;
        return keys(h, t);
      },
      issuer: ISSUER,
      clockSkewSeconds: 0,
      cacheMaxEntries: 10,
    });
    let now = Date.now();
    const checker2 = createTokenChecker({
      verifier,
      keys: indexKeys({ keys: [signer.jwk] }),
      issuer: ISSUER,
      clockSkewSeconds: 0,
      now: () => now,
    });
    const token = await signer.sign(good, { expSeconds: 30 });
    for (let i = 0; i < 5; i++) expect((await checker2.check(bearer(token), ctx)).ok).toBe(true);
    expect(lookups).toBe(1);
    now += 31_000;
    expect(await checker2.check(bearer(token), ctx)).toEqual({ ok: false, reason: REASONS.TOKEN_EXPIRED });
  });

  it('remembers refusals that cannot change (expired, forged) but not an unknown kid', async () => {
    let lookups = 0;
    const keys = createLocalJWKSet({ keys: [signer.jwk] });
    const verifier = createTokenVerifier({
      getKey: async (h, t) => {
        lookups++;
        return keys(h, t);
      },
      issuer: ISSUER,
      clockSkewSeconds: 0,
      cacheMaxEntries: 10,
    });
    const checker3 = createTokenChecker({
      verifier,
      keys: indexKeys({ keys: [signer.jwk] }),
      issuer: ISSUER,
      clockSkewSeconds: 0,
    });
    const expired = await signer.sign(good, { expSeconds: -60 });
    const forged = await stranger.sign(good);
    const strayKid = await signer.sign(good, { kid: 'rotated-later' });
    for (const [token, reason] of [
      [expired, REASONS.TOKEN_EXPIRED],
      [forged, REASONS.TOKEN_SIGNATURE_INVALID],
      [strayKid, REASONS.TOKEN_KID_UNKNOWN],
    ] as const) {
      for (let i = 0; i < 3; i++)
        expect(await checker3.check(bearer(token), ctx)).toEqual({ ok: false, reason });
    }
    // Expired: refused before any key lookup; forged: checked once, then remembered; unknown kid:
    // looked up every time.
    expect(lookups).toBe(0 + 1 + 3);
    // The synchronous path answers from the remembered refusal too.
    expect(checker3.checkCached?.(bearer(expired), ctx)).toEqual({
      ok: false,
      reason: REASONS.TOKEN_EXPIRED,
    });
    expect(checker3.checkCached?.(bearer(strayKid), ctx)).toBeUndefined();
  });
});
