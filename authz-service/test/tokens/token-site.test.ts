// A token opens only the hosts of the site it was issued for (docs/sites.md), whatever its aud and
// resource say; a token without `site` (issued before sites) counts as `default`.
import { createLocalJWKSet } from 'jose';
import { REASONS } from '@turnpike/protocol';
import { createTokenChecker } from '../../src/tokens/check.js';
import { indexKeys } from '../../src/tokens/key-index.js';
import { createTokenVerifier } from '../../src/tokens/verify.js';
import { createSigner, type TestSigner } from '../support/keys.js';

const ISSUER = 'https://portal.test';
const HOST = 'shop.example';
const claims = { iss: ISSUER, aud: HOST, resource: '/premium', jti: 'tok-site' };
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

let signer: TestSigner;
let checker: ReturnType<typeof createTokenChecker>;

beforeAll(async () => {
  signer = await createSigner('k1', 'ES256');
  const jwks = { keys: [signer.jwk] };
  const verifier = createTokenVerifier({
    getKey: createLocalJWKSet(jwks),
    issuer: ISSUER,
    clockSkewSeconds: 5,
    cacheMaxEntries: 100,
  });
  checker = createTokenChecker({ verifier, keys: indexKeys(jwks), issuer: ISSUER, clockSkewSeconds: 5 });
});

const ctx = (site?: string) => ({
  host: HOST,
  path: '/premium/a',
  required: {},
  ...(site === undefined ? {} : { site }),
});

test('a token of site a is refused on a host of site b, with aud and resource equal', async () => {
  const token = await signer.sign({ ...claims, site: 'a' });
  expect((await checker.check(bearer(token), ctx('a'))).ok).toBe(true);
  expect(await checker.check(bearer(token), ctx('b'))).toEqual({
    ok: false,
    reason: REASONS.TOKEN_SITE_MISMATCH,
  });
  // Now cached as verified: the cached path refuses it the same way.
  expect(checker.checkCached?.(bearer(token), ctx('b'))).toEqual({
    ok: false,
    reason: REASONS.TOKEN_SITE_MISMATCH,
  });
  expect(await checker.check(bearer(token), ctx('default'))).toMatchObject({
    reason: REASONS.TOKEN_SITE_MISMATCH,
  });
  expect(await checker.check(bearer(token), ctx())).toMatchObject({ reason: REASONS.TOKEN_SITE_MISMATCH });
});

test("a token without `site` is the default site's: it opens default hosts, never another site's", async () => {
  const token = await signer.sign({ ...claims, jti: 'tok-old' });
  expect((await checker.check(bearer(token), ctx())).ok).toBe(true);
  expect((await checker.check(bearer(token), ctx('default'))).ok).toBe(true);
  expect(await checker.check(bearer(token), ctx('a'))).toEqual({
    ok: false,
    reason: REASONS.TOKEN_SITE_MISMATCH,
  });
});

test('the site claim is not a granted claim (it never reaches the identity headers)', async () => {
  const verdict = await checker.check(
    bearer(await signer.sign({ ...claims, jti: 'tok-id', site: 'a' })),
    ctx('a'),
  );
  expect(verdict.ok && verdict.identity.claims).toEqual({ aud: HOST, resource: '/premium' });
});
