import { setTimeout as sleep } from 'node:timers/promises';
import { REASONS } from '@turnpike/protocol';
import { send, type Answer } from '../support/http.js';
import { ADMIN_TOKEN, defaultPages, goldClaims, startStack, type TestStack } from '../support/service.js';
import { BASE_USDC_REQUEST, encodeRequest, type UpstreamPage } from '../support/upstream.js';

/**
 * The in-process memo of cacheable allows (transports/http/allow-memo.ts) through the real HTTP
 * server: it answers only the exact request it remembered (dialect, method, scheme, host, URI,
 * every token source), never a metered or free-tier allow, and an admin purge, a changed
 * declaration and the end of its cacheUntilMs drop what it holds.
 */

const declared = (extra: Record<string, unknown>, headers: Record<string, string> = {}): UpstreamPage => ({
  headers: {
    'x-402-required': 'true',
    'x-402-request': encodeRequest({ ...BASE_USDC_REQUEST, ...extra }),
    ...headers,
  },
});

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({
    pages: {
      ...defaultPages(),
      '/other/a': declared({ claims: { resource: '/other' } }),
      '/credits/a': declared({ claims: { resource: '/credits' }, model: 'credits', credits: 50, cost: 1 }),
      '/single/a': declared({ claims: { resource: '/single' }, model: 'per-request' }),
      '/tier/a': declared({ claims: { resource: '/tier' }, free: { requests: 100, periodSeconds: 60 } }),
      '/short/a': declared({ claims: { resource: '/short', plan: 'gold' } }, { 'x-402-cache': '1' }),
    },
  });
});
afterAll(() => stack.close());
beforeEach(() => stack.service.allowMemo!.clear());

const memoSize = (): number => stack.service.allowMemo!.size;

function nginx(uri: string, headers: Record<string, string> = {}): Promise<Answer> {
  return send(stack.service.httpPort, {
    path: '/v1/nginx',
    headers: {
      host: 'shop.example',
      'x-original-method': 'GET',
      'x-forwarded-proto': 'https',
      'x-original-uri': uri,
      ...headers,
    },
  });
}

function forwardAuth(uri: string, headers: Record<string, string> = {}): Promise<Answer> {
  return send(stack.service.httpPort, {
    path: '/v1/forward-auth',
    headers: {
      host: 'authz.internal',
      accept: 'application/json',
      'x-forwarded-host': 'shop.example',
      'x-forwarded-method': 'GET',
      'x-forwarded-proto': 'https',
      'x-forwarded-uri': uri,
      ...headers,
    },
  });
}

const sign = (claims: Record<string, unknown> = goldClaims(), expSeconds?: number) =>
  stack.signer.sign(claims, expSeconds === undefined ? {} : { expSeconds });

/** The answer's parts the memo must reproduce (not Date, which moves). */
const allowParts = (r: Answer) => ({
  status: r.status,
  payer: r.headers['x-402-payer'],
  tokenId: r.headers['x-402-token-id'],
  claims: r.headers['x-402-claims'],
  scope: r.headers['x-402-scope'],
  length: r.headers['content-length'],
});

describe('the allow memo', () => {
  it('remembers a cacheable allow and answers the same request with the same headers, in both dialects', async () => {
    const cookie = `402_token=${await sign()}`;
    for (const ask of [nginx, forwardAuth]) {
      const first = await ask('/premium/article', { cookie });
      expect(first.status).toBe(200);
      const again = await ask('/premium/article', { cookie });
      expect(allowParts(again)).toEqual(allowParts(first));
      expect(again.headers['x-402-token-id']).toBe('jti-1');
      expect(again.headers['cache-control']).toMatch(/^private, max-age=[1-5]$/);
      expect(again.headers['x-accel-expires']).toBe(/max-age=(\d)/.exec(again.headers['cache-control']!)![1]);
    }
    expect(memoSize()).toBe(2);
  });

  it('a remembered allow is what the decision would be: a changed declaration is not seen until a purge, then at once', async () => {
    const cookie = `402_token=${await sign()}`;
    expect((await nginx('/premium/article', { cookie })).status).toBe(200);
    stack.upstream.pages.set('/premium/article', declared({ claims: { plan: 'platinum' } }));
    try {
      // Remembered (and the probe cache still holds the old declaration anyway).
      expect((await nginx('/premium/article', { cookie })).status).toBe(200);
      const purged = await send(stack.service.httpPort, {
        method: 'POST',
        path: '/admin/purge',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ host: 'shop.example', path: '/premium/article' }),
      });
      expect(purged.status).toBe(200);
      expect(memoSize()).toBe(0);
      const after = await nginx('/premium/article', { cookie });
      expect(after.status).toBe(401);
      expect(after.headers['x-402-reason']).toBe(REASONS.TOKEN_CLAIMS_INSUFFICIENT);
    } finally {
      stack.upstream.pages.set('/premium/article', defaultPages()['/premium/article']!);
      stack.service.purge({ all: true });
    }
  });

  it('never answers for another token', async () => {
    const a = await sign({ ...goldClaims(), jti: 'jti-a' });
    expect(
      (await nginx('/premium/article', { authorization: `Bearer ${a}` })).headers['x-402-token-id'],
    ).toBe('jti-a');
    const b = await sign({ ...goldClaims(), jti: 'jti-b' });
    expect(
      (await nginx('/premium/article', { authorization: `Bearer ${b}` })).headers['x-402-token-id'],
    ).toBe('jti-b');
    const wrongAudience = await sign({ ...goldClaims(), aud: 'elsewhere.example' });
    const refused = await nginx('/premium/article', { authorization: `Bearer ${wrongAudience}` });
    expect(refused.status).toBe(401);
    expect(refused.headers['x-402-reason']).toBe(REASONS.TOKEN_AUDIENCE_MISMATCH);
    // The same token in another source, or with a junk cookie beside it, is another key: decided.
    expect((await nginx('/premium/article', { cookie: `402_token=${a}` })).headers['x-402-token-id']).toBe(
      'jti-a',
    );
    expect((await nginx('/premium/article')).status).toBe(401);
    expect((await nginx('/premium/article', { authorization: `Bearer ${a}x` })).status).toBe(401);
  });

  it('a token forged to end like a remembered one (same signature tail, other claims) is decided, not answered', async () => {
    const real = await sign({ ...goldClaims(), jti: 'jti-real' });
    for (const source of ['authorization', 'x-402-token'] as const) {
      const value = (t: string) => (source === 'authorization' ? `Bearer ${t}` : t);
      expect((await nginx('/premium/article', { [source]: value(real) })).status).toBe(200);
      expect((await nginx('/premium/article', { [source]: value(real) })).headers['x-402-token-id']).toBe(
        'jti-real',
      );
      // Same header, same signature (so the same last characters), another payload: a forgery the
      // memo's selector cannot tell apart; the whole-value compare must.
      const [header, , signature] = real.split('.');
      const payload = Buffer.from(JSON.stringify({ ...goldClaims(), jti: 'jti-forged' })).toString(
        'base64url',
      );
      const forged = await nginx('/premium/article', {
        [source]: value(`${header}.${payload}.${signature}`),
      });
      expect(forged.status).toBe(401);
      expect(forged.headers['x-402-token-id']).toBeUndefined();
    }
  });

  it('never answers for another host, scope, URI, scheme or method', async () => {
    const token = await sign();
    const auth = { authorization: `Bearer ${token}` };
    // Every declaration probed first (a declaration new to the probe cache drops the memo), so
    // each refusal below is the memo declining, not the memo emptied.
    await nginx('/premium/article', { host: 'a.shop.example' });
    await nginx('/other/a');
    expect((await nginx('/premium/article', auth)).status).toBe(200);
    expect(memoSize()).toBe(1);
    // Another host the same upstream serves: the token's audience is shop.example.
    const otherHost = await nginx('/premium/article', { ...auth, host: 'a.shop.example' });
    expect(otherHost.status).toBe(401);
    expect(otherHost.headers['x-402-reason']).toBe(REASONS.TOKEN_AUDIENCE_MISMATCH);
    // Another scope on the same host: the token covers /premium only.
    const otherScope = await nginx('/other/a', auth);
    expect(otherScope.status).toBe(401);
    expect(otherScope.headers['x-402-reason']).toBe(REASONS.TOKEN_SCOPE_MISMATCH);
    expect(memoSize()).toBe(1);
    // The other dialect does not share the entry, and decides the same.
    expect((await forwardAuth('/premium/article', auth)).status).toBe(200);
    // Method: the static route prices GET and POST on api.example; a DELETE is free (and remembered).
    const del = await nginx('/v1/things', { host: 'api.example', 'x-original-method': 'DELETE' });
    expect(del.status).toBe(200);
    expect(del.headers['cache-control']).toMatch(/^private, max-age=/);
    const get = await nginx('/v1/things', { host: 'api.example', 'x-original-method': 'GET' });
    expect(get.status).toBe(401);
    // Scheme: the key holds X-Forwarded-Proto; a garbled URI variant is decided (and refused).
    expect((await nginx('/premium/article', { ...auth, 'x-forwarded-proto': 'http' })).status).toBe(200);
    expect((await nginx('/../premium/article', auth)).status).toBe(403);
  });

  it('a request with a proof header is never answered from the memo', async () => {
    const token = await sign();
    const cookie = `402_token=${token}`;
    expect((await nginx('/premium/article', { cookie })).status).toBe(200);
    const size = memoSize();
    const withProof = await nginx('/premium/article', { cookie, 'payment-signature': 'e30' });
    expect(withProof.status).toBe(200);
    expect(withProof.headers['cache-control']).toBe('no-store');
    expect(memoSize()).toBe(size);
  });

  it.each([
    ['credits', '/credits/a', 'credits'],
    ['per-request', '/single/a', 'per-request'],
  ])('never remembers a %s allow: each request is decided (and debited)', async (_n, uri, meter) => {
    const resource = `/${uri.split('/')[1]}`;
    const token = await sign({ ...goldClaims(), resource, meter, jti: `m-${meter}` });
    for (let i = 0; i < 3; i++) {
      const r = await nginx(uri, { cookie: `402_token=${token}` });
      expect(r.status).toBe(200);
      expect(r.headers['cache-control']).toBe('no-store');
    }
    expect(memoSize()).toBe(0);
    expect(stack.service.credits.held(`m-${meter}`)).toBeGreaterThan(0n);
  });

  it('never remembers a free-tier allow', async () => {
    for (let i = 0; i < 3; i++) expect((await nginx('/tier/a')).status).toBe(200);
    expect(memoSize()).toBe(0);
  });

  it('a changed declaration seen by a later probe drops what was remembered', async () => {
    const a = `402_token=${await sign({ ...goldClaims(), resource: '/short', jti: 'short-a' })}`;
    const b = `402_token=${await sign({ ...goldClaims(), resource: '/short', jti: 'short-b' })}`;
    // The first decision probes (a declaration new to the cache drops the memo, and is not kept
    // by it); the second is remembered.
    expect((await nginx('/short/a', { cookie: a })).status).toBe(200);
    expect((await nginx('/short/a', { cookie: a })).status).toBe(200);
    expect(memoSize()).toBe(1);
    stack.upstream.pages.set('/short/a', declared({ claims: { resource: '/short', plan: 'platinum' } }));
    await sleep(1_100); // the declaration's own cache time (x-402-cache: 1)
    // Another token misses the memo; its decision probes again and sees the new declaration.
    expect((await nginx('/short/a', { cookie: b })).status).toBe(401);
    expect(memoSize()).toBe(0);
    expect((await nginx('/short/a', { cookie: a })).status).toBe(401);
  });

  it('an entry ends with its cacheUntilMs (never past the token expiry − 1 s)', async () => {
    const cookie = `402_token=${await sign(goldClaims(), 3)}`;
    const first = await nginx('/premium/article', { cookie });
    expect(first.status).toBe(200);
    expect(Number(first.headers['x-accel-expires'])).toBeLessThanOrEqual(2);
    expect(memoSize()).toBe(1);
    await sleep(2_100);
    // The token still opens the resource (exp and clock skew), but may no longer be cached.
    const later = await nginx('/premium/article', { cookie });
    expect(later.status).toBe(200);
    expect(later.headers['cache-control']).toBe('no-store');
    expect(memoSize()).toBe(0);
  });
});

describe('the allow memo with decisionCache.maxAgeSeconds 0', () => {
  it('does not exist', async () => {
    const off = await startStack({ config: { decisionCache: { maxAgeSeconds: 0 } } });
    try {
      expect(off.service.allowMemo).toBeUndefined();
      const r = await send(off.service.httpPort, {
        path: '/v1/nginx',
        headers: { host: 'shop.example', 'x-original-method': 'GET', 'x-original-uri': '/free' },
      });
      expect(r.status).toBe(200);
      expect(r.headers['cache-control']).toBe('no-store');
    } finally {
      await off.close();
    }
  });
});
