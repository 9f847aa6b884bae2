import { REASONS } from '@turnpike/protocol';
import { send, type Answer as Sent } from '../support/http.js';
import { defaultPages, goldClaims, startStack, type TestStack } from '../support/service.js';
import { BASE_USDC_REQUEST, encodeRequest, type UpstreamPage } from '../support/upstream.js';

/**
 * The decision cacheability contract (docs/authz-service.md, "Which allows a gateway may cache")
 * through the real HTTP dialects: only a free resource or a pass token the client already holds
 * is cacheable, for at most `decisionCache.maxAgeSeconds` and never past the token's expiry;
 * every other answer says `no-store`.
 */

const declared = (extra: Record<string, unknown>): UpstreamPage => ({
  headers: { 'x-402-required': 'true', 'x-402-request': encodeRequest({ ...BASE_USDC_REQUEST, ...extra }) },
});

function pages(): Record<string, UpstreamPage> {
  return {
    ...defaultPages(),
    '/credits/a': declared({ claims: { resource: '/credits' }, model: 'credits', credits: 50, cost: 1 }),
    '/single/a': declared({ claims: { resource: '/single' }, model: 'per-request' }),
    '/usage/a': declared({
      claims: { resource: '/usage' },
      model: 'credits',
      credits: 20,
      cost: 1,
      usage: true,
    }),
    '/tier/a': declared({ claims: { resource: '/tier' }, free: { requests: 100, periodSeconds: 60 } }),
    '/unbound/a': declared({ claims: { resource: '/unbound' }, proofs: { tx: { unbound: 'allow' } } }),
  };
}

type Dialect = 'nginx' | 'forward-auth';

function ask(
  stack: TestStack,
  dialect: Dialect,
  uri: string,
  headers: Record<string, string> = {},
): Promise<Sent> {
  const original =
    dialect === 'nginx'
      ? { host: 'shop.example', 'x-original-method': 'GET', 'x-original-uri': uri }
      : {
          host: 'authz',
          'x-forwarded-host': 'shop.example',
          'x-forwarded-method': 'GET',
          'x-forwarded-uri': uri,
        };
  return send(stack.service.httpPort, {
    path: `/v1/${dialect}`,
    headers: { 'x-forwarded-proto': 'https', accept: 'application/json', ...original, ...headers },
  });
}

/** N of a cacheable answer, or 0 after checking the answer says no-store and nothing else. */
function cacheableFor(r: Sent): number {
  const cc = r.headers['cache-control'];
  if (cc === 'no-store') {
    expect(r.headers['x-accel-expires']).toBeUndefined();
    return 0;
  }
  const m = /^private, max-age=(\d+)$/.exec(String(cc));
  expect(m).not.toBeNull();
  expect(r.headers['x-accel-expires']).toBe(m![1]);
  return Number(m![1]);
}

const dialects: Dialect[] = ['nginx', 'forward-auth'];

describe('decision cacheability (default ceiling, 5 s)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ pages: pages() });
  });
  afterAll(() => stack.close());

  const token = (claims: Record<string, unknown> = goldClaims(), expSeconds?: number) =>
    stack.signer.sign(claims, expSeconds === undefined ? {} : { expSeconds });

  it.each(dialects)('%s: a pass token the client holds: cacheable for the ceiling at most', async (d) => {
    const r = await ask(stack, d, '/premium/article', { cookie: `402_token=${await token()}` });
    expect(r.status).toBe(200);
    const n = cacheableFor(r);
    expect(n).toBeGreaterThanOrEqual(4);
    expect(n).toBeLessThanOrEqual(5);
  });

  it.each(dialects)('%s: a free resource: cacheable', async (d) => {
    const r = await ask(stack, d, '/free');
    expect(r.status).toBe(200);
    expect(cacheableFor(r)).toBeGreaterThanOrEqual(4);
  });

  it.each(dialects)('%s: never past the token expiry (exp − 1 s)', async (d) => {
    const r = await ask(stack, d, '/premium/article', {
      authorization: `Bearer ${await token(goldClaims(), 3)}`,
    });
    expect(r.status).toBe(200);
    // exp = now + 3 s (whole seconds, rounded down when signed): at most 2 s of cache.
    expect(cacheableFor(r)).toBeLessThanOrEqual(2);
  });

  it.each(dialects)('%s: a token with under 2 s left: allowed, not cacheable', async (d) => {
    const r = await ask(stack, d, '/premium/article', {
      cookie: `402_token=${await token(goldClaims(), 1)}`,
    });
    expect(r.status).toBe(200);
    expect(cacheableFor(r)).toBe(0);
  });

  const proofs: Array<[string, Record<string, string>]> = [
    ['x-payment-tx', { 'x-payment-chain': 'base', 'x-payment-tx': `0x${'ab'.repeat(32)}` }],
    ['PAYMENT-SIGNATURE', { 'payment-signature': 'e30' }],
    ['X-PAYMENT', { 'x-payment': 'e30' }],
    ['Authorization: Payment', { authorization: 'Payment e30' }],
  ];
  it.each(proofs)('a valid pass token sent with a proof (%s): allowed, not cacheable', async (_n, proof) => {
    for (const d of dialects) {
      const r = await ask(stack, d, '/premium/article', { cookie: `402_token=${await token()}`, ...proof });
      expect(r.status).toBe(200);
      expect(cacheableFor(r)).toBe(0);
    }
  });

  const metered: Array<[string, string, string]> = [
    ['credits', '/credits/a', 'credits'],
    ['per-request', '/single/a', 'per-request'],
    ['usage (credits)', '/usage/a', 'credits'],
  ];
  it.each(metered)('a %s allow is never cacheable', async (_n, uri, meter) => {
    const resource = `/${uri.split('/')[1]}`;
    for (const d of dialects) {
      const t = await token({ ...goldClaims(), resource, meter, jti: `jti-${d}-${uri}` });
      const r = await ask(stack, d, uri, { cookie: `402_token=${t}` });
      expect(r.status).toBe(200);
      expect(r.headers['x-402-token-id']).toBe(`jti-${d}-${uri}`);
      expect(cacheableFor(r)).toBe(0);
    }
  });

  it.each(dialects)(
    '%s: a free-tier allow is never cacheable, nor a token on a free-tier resource',
    async (d) => {
      const free = await ask(stack, d, '/tier/a');
      expect(free.status).toBe(200);
      expect(free.headers['x-402-token-id']).toBe('');
      expect(cacheableFor(free)).toBe(0);
      const withToken = await ask(stack, d, '/tier/a', {
        cookie: `402_token=${await token({ ...goldClaims(), resource: '/tier' })}`,
      });
      expect(withToken.status).toBe(200);
      expect(withToken.headers['x-402-token-id']).toBe('jti-1');
      expect(cacheableFor(withToken)).toBe(0);
    },
  );

  it.each(dialects)('%s: a token on a resource taking unbound proofs: not cacheable', async (d) => {
    const r = await ask(stack, d, '/unbound/a', {
      cookie: `402_token=${await token({ ...goldClaims(), resource: '/unbound' })}`,
    });
    expect(r.status).toBe(200);
    expect(cacheableFor(r)).toBe(0);
  });

  it('a redeemed proof (an allow that issues a token): not cacheable', async () => {
    const issued = await token();
    stack.portal.settleWith = async () => ({
      ok: true,
      token: issued,
      claims: { ...goldClaims(), exp: Math.floor(Date.now() / 1000) + 3600 },
    });
    try {
      for (const d of dialects) {
        const r = await ask(stack, d, '/premium/article', {
          'x-payment-chain': 'base',
          'x-payment-tx': `0x${'cd'.repeat(32)}`,
          'x-payment-challenge': 'ch_1',
        });
        expect(r.status).toBe(200);
        expect(r.headers['x-402-token']).toBe(issued);
        expect(cacheableFor(r)).toBe(0);
      }
    } finally {
      stack.portal.settleWith = undefined;
    }
  });

  it('every denial says no-store: 401 and 403 (nginx), rendered 402 and 403 (forward-auth), 307 (challenge)', async () => {
    const denials = [
      await ask(stack, 'nginx', '/premium/article'),
      await ask(stack, 'nginx', '/premium/article', {
        cookie: `402_token=${await token({ ...goldClaims(), aud: 'x.example' })}`,
      }),
      await ask(stack, 'nginx', '/../premium'),
      await ask(stack, 'nginx', '/broken'),
      await ask(stack, 'forward-auth', '/premium/article'),
      await ask(stack, 'forward-auth', '/../premium'),
      await ask(stack, 'forward-auth', '/premium/article', {
        cookie: `402_token=${await token(goldClaims(), -60)}`,
      }),
    ];
    expect(denials.map((r) => r.status)).toEqual([401, 401, 403, 401, 402, 403, 402]);
    for (const r of denials) expect(cacheableFor(r)).toBe(0);
    const challenge = await send(stack.service.httpPort, {
      path: '/v1/nginx/challenge',
      headers: {
        host: 'shop.example',
        'x-original-method': 'GET',
        'x-original-uri': '/premium/article',
        cookie: `402_token=${await token()}`,
      },
    });
    expect(challenge.status).toBe(307);
    expect(cacheableFor(challenge)).toBe(0);
    const rendered = await send(stack.service.httpPort, {
      path: '/v1/nginx/challenge',
      headers: {
        host: 'shop.example',
        accept: 'application/json',
        'x-original-method': 'GET',
        'x-original-uri': '/premium/article',
        'x-402-verdict': `payment_required ${REASONS.TOKEN_MISSING}`,
      },
    });
    expect(rendered.status).toBe(402);
    expect(cacheableFor(rendered)).toBe(0);
  });
});

describe('decision cacheability with another ceiling', () => {
  it('maxAgeSeconds 2: N never exceeds it', async () => {
    const stack = await startStack({ config: { decisionCache: { maxAgeSeconds: 2 } } });
    try {
      const t = await stack.signer.sign(goldClaims());
      for (const d of dialects) {
        const r = await ask(stack, d, '/premium/article', { cookie: `402_token=${t}` });
        expect(r.status).toBe(200);
        const n = cacheableFor(r);
        expect(n).toBeGreaterThanOrEqual(1);
        expect(n).toBeLessThanOrEqual(2);
        expect(cacheableFor(await ask(stack, d, '/free'))).toBeLessThanOrEqual(2);
      }
    } finally {
      await stack.close();
    }
  });

  it('maxAgeSeconds 0: nothing is cacheable, not even a free resource', async () => {
    const stack = await startStack({ config: { decisionCache: { maxAgeSeconds: 0 } } });
    try {
      const t = await stack.signer.sign(goldClaims());
      for (const d of dialects) {
        const r = await ask(stack, d, '/premium/article', { cookie: `402_token=${t}` });
        expect(r.status).toBe(200);
        expect(cacheableFor(r)).toBe(0);
        const free = await ask(stack, d, '/free');
        expect(free.status).toBe(200);
        expect(cacheableFor(free)).toBe(0);
      }
    } finally {
      await stack.close();
    }
  });
});
