// Cookie stuffing (issue 8): junk under a token cookie's name must not hide a valid token, and
// must not cost more than a bounded number of signature checks per request.
import { randomBytes } from 'node:crypto';
import { maxHeaderSize } from 'node:http';
import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import { REASONS, tokenCookieName } from '@turnpike/protocol';
import { createTokenChecker, SIGNATURE_CHECKS_PER_REQUEST } from '../../src/tokens/check.js';
import { indexKeys } from '../../src/tokens/key-index.js';
import { createTokenVerifier } from '../../src/tokens/verify.js';
import { createSigner, hmacToken, unsignedToken, type TestSigner } from '../support/keys.js';

const ISSUER = 'https://portal.test';
const HOST = 'shop.example';
const ctx = { host: HOST, path: '/premium/article', required: { plan: 'gold' } };
const good = { iss: ISSUER, aud: HOST, resource: '/premium', plan: 'gold', sub: '0xpayer', jti: 'tok-1' };
/** The valid token's own cookie, and a more specific name an attacker stuffs (it is tried first). */
const OWN = tokenCookieName('/premium');
const DEEPER = tokenCookieName('/premium/article');

let signer: TestSigner;
let stranger: TestSigner;

beforeAll(async () => {
  signer = await createSigner('k1', 'ES256');
  stranger = await createSigner('k1', 'ES256'); // our kid, another key: every forgery needs a real check
});

/** A checker whose key lookups are counted: jose asks for the key once per signature check. */
function setup(opts: { signatureBudget?: number; refusalCacheMaxBytes?: number } = {}) {
  const jwks = { keys: [signer.jwk] };
  const local = createLocalJWKSet(jwks);
  let checks = 0;
  const getKey: JWTVerifyGetKey = (header, token) => {
    checks++;
    return local(header, token);
  };
  const verifier = createTokenVerifier({
    getKey,
    issuer: ISSUER,
    clockSkewSeconds: 5,
    cacheMaxEntries: 1000,
    ...(opts.refusalCacheMaxBytes === undefined ? {} : { refusalCacheMaxBytes: opts.refusalCacheMaxBytes }),
  });
  const checker = createTokenChecker({
    verifier,
    keys: indexKeys(jwks),
    issuer: ISSUER,
    clockSkewSeconds: 5,
    ...(opts.signatureBudget === undefined ? {} : { signatureBudget: opts.signatureBudget }),
  });
  /** Signature checks since the last call. */
  const spent = (): number => {
    const n = checks;
    checks = 0;
    return n;
  };
  return { checker, verifier, spent };
}

/** `n` distinct forgeries: our kid, claims that would satisfy this request, a signature that fails. */
async function forgeries(
  n: number,
  claims: Record<string, unknown> = good,
  opts: { expSeconds?: number } = {},
): Promise<string[]> {
  const [head, payload] = (await stranger.sign(claims, opts)).split('.');
  return Array.from({ length: n }, () => `${head}.${payload}.${randomBytes(64).toString('base64url')}`);
}

const cookie = (pairs: Array<[string, string]>): { cookie: string } => ({
  cookie: pairs.map(([name, value]) => `${name}=${value}`).join('; '),
});

describe('a valid token is found whatever junk shares its cookie name', () => {
  it('behind 8 garbage values under a more specific scoped name', async () => {
    const { checker, spent } = setup();
    const junk = Array.from({ length: 8 }, (_, i): [string, string] => [DEEPER, `garbage-${i}`]);
    const headers = cookie([...junk, [OWN, await signer.sign(good)]]);
    expect(await checker.check(headers, ctx)).toMatchObject({ ok: true, identity: { payer: '0xpayer' } });
    // The garbage never reached a signature check.
    expect(spent()).toBe(1);
  });

  it('behind 8 well-formed forgeries with our kid and plausible claims; the next request costs nothing', async () => {
    const { checker, spent } = setup();
    const forged = await forgeries(8);
    const headers = cookie([
      ...forged.map((f): [string, string] => [DEEPER, f]),
      [OWN, await signer.sign(good)],
    ]);
    expect((await checker.check(headers, ctx)).ok).toBe(true);
    expect(spent()).toBe(9);
    // The valid token is cached and the forgeries remembered: answered synchronously, no check.
    expect(checker.checkCached?.(headers, ctx)).toMatchObject({ ok: true });
    expect((await checker.check(headers, ctx)).ok).toBe(true);
    expect(spent()).toBe(0);
  });

  it('when both the bearer and the cookies are stuffed, the valid x-402-token still passes', async () => {
    const { checker } = setup();
    const forged = await forgeries(10);
    const headers = {
      ...cookie(forged.slice(0, 9).map((f): [string, string] => ['402_token', f])),
      authorization: `Bearer ${forged[9]}`,
      'x-402-token': await signer.sign(good),
    };
    expect((await checker.check(headers, ctx)).ok).toBe(true);
  });

  it('junk that fails a cheap check costs no signature check, even by the hundred', async () => {
    const { checker, spent } = setup();
    const now = Math.floor(Date.now() / 1000);
    const [head, payload, signature] = (await stranger.sign(good)).split('.') as [string, string, string];
    const b64 = (x: unknown): string => Buffer.from(JSON.stringify(x)).toString('base64url');
    const forgedWith = async (claims: Record<string, unknown>, opts: { expSeconds?: number } = {}) =>
      (await forgeries(1, claims, opts))[0]!;
    const kinds: string[] = [
      'x',
      'a.b',
      'a.b.c.d',
      '!!!.???.***',
      `${head}.${payload}`,
      `${head}.${payload}.${signature.slice(0, 40)}`, // not a 64-byte signature
      `${b64({ alg: 'ES256', typ: 'JWT' })}.${payload}.${signature}`, // no kid
      `${b64({ alg: 'ES256', kid: 'k1' })}.${b64([1, 2])}.${signature}`, // payload not an object
      `${b64({ alg: 'ES256', kid: 'k1' })}.not-json.${signature}`,
      unsignedToken(good),
      await hmacToken(good, 'k1'),
      await forgedWith(good, { expSeconds: -3600 }),
      await forgedWith({ ...good, nbf: now + 3600 }),
      await forgedWith({ ...good, iss: 'https://evil.test' }),
      await forgedWith({ ...good, aud: 'other.example' }),
      await forgedWith({ ...good, resource: '/other' }),
      await forgedWith({ ...good, plan: 'silver' }),
      await forgedWith({ ...good, plan: undefined }),
    ];
    const junk: Array<[string, string]> = [];
    for (let i = 0; i < 120; i++)
      junk.push([DEEPER, `${kinds[i % kinds.length]}${i < kinds.length ? '' : `-${i}`}`]);
    const valid = await signer.sign(good);
    expect((await checker.check(cookie([...junk, [OWN, valid]]), ctx)).ok).toBe(true);
    expect(spent()).toBe(1);
    // Junk alone: decided synchronously (no I/O, no check), with the most specific one's reason.
    expect(checker.checkCached?.(cookie(junk), ctx)).toEqual({ ok: false, reason: REASONS.TOKEN_MALFORMED });
    expect(spent()).toBe(0);
    expect(await checker.check(cookie(junk.slice(11)), ctx)).toEqual({
      ok: false,
      reason: REASONS.TOKEN_EXPIRED,
    });
    expect(spent()).toBe(0);
  });

  it('refuses a token without a kid as malformed, without a signature check', async () => {
    const { checker, spent } = setup();
    const [, payload, signature] = (await signer.sign(good)).split('.');
    const kidless = `${Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'JWT' })).toString('base64url')}.${payload}.${signature}`;
    expect(await checker.check({ authorization: `Bearer ${kidless}` }, ctx)).toEqual({
      ok: false,
      reason: REASONS.TOKEN_MALFORMED,
    });
    expect(spent()).toBe(0);
  });

  it('forgeries naming a kid we do not hold are tried after those naming ours', async () => {
    const { checker, spent } = setup({ signatureBudget: 2 });
    const strays = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => (await createSigner(`rotated-${i}`)).sign(good)),
    );
    const headers = cookie([
      ...strays.map((s): [string, string] => [DEEPER, s]),
      [OWN, await signer.sign(good)],
    ]);
    expect((await checker.check(headers, ctx)).ok).toBe(true);
    expect(spent()).toBe(1);
    // Alone, a stray kid is still looked up (the key set may have rotated) and named.
    expect(await checker.check({ authorization: `Bearer ${strays[0]}` }, ctx)).toEqual({
      ok: false,
      reason: REASONS.TOKEN_KID_UNKNOWN,
    });
  });
});

describe('the work per request is bounded', () => {
  it('as many forgeries as fit in the largest Cookie header node:http accepts: found on the first request, within the budget', async () => {
    const { checker, spent } = setup();
    // The smallest forgery that passes every cheap check for this request: only the claims it needs.
    const now = Math.floor(Date.now() / 1000);
    const minimal = { iss: ISSUER, aud: HOST, resource: '/', exp: now + 3600, plan: 'gold' };
    const b64 = (x: unknown): string => Buffer.from(JSON.stringify(x)).toString('base64url');
    const [head, payload] = [b64({ alg: 'ES256', kid: 'k1' }), b64(minimal)];
    const valid = await signer.sign(good);
    // All under one name, the valid token last: values of one name are tried in header order.
    const pairs: Array<[string, string]> = [];
    const size = (p: Array<[string, string]>): number => `cookie: ${cookie(p).cookie}\r\n`.length;
    for (;;) {
      const next: [string, string] = [
        '402_token',
        `${head}.${payload}.${randomBytes(64).toString('base64url')}`,
      ];
      if (size([...pairs, next, ['402_token', valid]]) > maxHeaderSize) break;
      pairs.push(next);
    }
    pairs.push(['402_token', valid]);
    const headers = cookie(pairs);
    expect(pairs.length).toBeGreaterThan(50);
    expect((await checker.check(headers, ctx)).ok).toBe(true);
    expect(spent()).toBe(pairs.length);
    expect(pairs.length).toBeLessThanOrEqual(SIGNATURE_CHECKS_PER_REQUEST);
  });

  it('far more forgeries than the budget: at most the budget per request, and the refused ones cost nothing next time, so the valid token is reached', async () => {
    const budget = 4;
    const { checker, spent } = setup({ signatureBudget: budget });
    const forged = await forgeries(3 * budget);
    const headers = cookie([
      ...forged.map((f): [string, string] => [DEEPER, f]),
      [OWN, await signer.sign(good)],
    ]);
    for (let round = 0; round < 3; round++) {
      expect(await checker.check(headers, ctx)).toEqual({
        ok: false,
        reason: REASONS.TOKEN_SIGNATURE_INVALID,
      });
      expect(spent()).toBe(budget);
    }
    expect((await checker.check(headers, ctx)).ok).toBe(true);
    expect(spent()).toBe(1);
    expect((await checker.check(headers, ctx)).ok).toBe(true);
    expect(spent()).toBe(0);
  });

  it('fresh forgeries on every request cost at most the budget each', async () => {
    const budget = 4;
    const { checker, spent } = setup({ signatureBudget: budget });
    for (let round = 0; round < 3; round++) {
      const headers = cookie((await forgeries(50)).map((f): [string, string] => ['402_token', f]));
      expect((await checker.check(headers, ctx)).ok).toBe(false);
      expect(spent()).toBe(budget);
    }
  });

  it('remembered refusals are bounded in bytes as well as in number', async () => {
    const [a, b] = await forgeries(2);
    const { checker, spent } = setup({ refusalCacheMaxBytes: Math.floor(a!.length * 1.5) });
    const check = (t: string) => checker.check({ authorization: `Bearer ${t}` }, ctx);
    await check(a!);
    await check(a!);
    expect(spent()).toBe(1);
    await check(b!); // remembering b pushes a out
    await check(a!);
    expect(spent()).toBe(2);
  });
});
