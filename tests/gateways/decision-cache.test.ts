/**
 * The gateway decision cache (docs/decision-cache.md) through real gateways running the shipped
 * configs, in front of the real authorizer: a relay between them counts the decisions the
 * authorizer was really asked for. NGINX caches with proxy_cache on the auth subrequest, HAProxy in
 * its Lua action; both must reuse a cached allow only for the same scheme, host, method, raw URI
 * and token headers, honour its lifetime (never past the token's `exp`), and never cache a denial,
 * a payment proof or a metered (credits) resource. Caddy has no cache for forward_auth: it asks
 * every time.
 */
import { DEFAULT_PRICE } from '../support/upstream.js';
import {
  startGateway,
  type GatewayKind,
  type GatewayOptions,
  type RunningGateway,
} from '../support/gateways.js';
import { scopeCookieName, otherSigningKey } from '../support/tokens.js';
import { startCountingRelay, type CountingRelay } from './decision-cache-relay.js';
import { SCOPE, VALID_CLAIMS } from './decision-table.js';
import { send, type ClientResponse } from './run-table.js';
import { HOST, startStack, type Stack } from './stack.js';

/** A second protected host with the same upstream: a shop.test token is not valid there. */
const OTHER_HOST = 'other.test';
/** A static route metered in credits (docs/credits.md): each allow spends one. */
const METERED = '/metered';
const METERED_ROUTE = {
  name: 'metered',
  hosts: [HOST],
  paths: [`${METERED}/**`],
  request: { ...DEFAULT_PRICE, claims: { resource: METERED }, model: 'credits', credits: 50, cost: 1 },
};
const API = { accept: 'application/json' };

/** The auth endpoint each gateway's shipped config asks. */
const AUTH_PATH: Record<GatewayKind, string> = {
  nginx: '/v1/nginx',
  haproxy: '/v1/forward-auth',
  caddy: '/v1/forward-auth',
};

type Source = 'cookie' | 'bearer' | 'x-402-token';
const SOURCES: Source[] = ['cookie', 'bearer', 'x-402-token'];

function carry(source: Source, token: string, scope = SCOPE): Record<string, string> {
  switch (source) {
    case 'cookie':
      return { cookie: `${scopeCookieName(scope)}=${token}` };
    case 'bearer':
      return { authorization: `Bearer ${token}` };
    case 'x-402-token':
      return { 'x-402-token': token };
  }
}

function jtiOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { jti: string }).jti;
}

interface Harness {
  stack: Stack;
  relay: CountingRelay;
  gateway: RunningGateway;
  /** Decisions the authorizer was asked for so far. */
  hits(): number;
  get(path: string, headers?: Record<string, string>, method?: string): Promise<ClientResponse>;
  /** The token id the app saw on its last request. */
  lastTokenId(): string | undefined;
}

async function startHarness(kind: GatewayKind, opts: GatewayOptions = {}): Promise<Harness> {
  // clockSkewSeconds 0: a token stops exactly at its `exp`, so the expiry test sees the cache's
  // own bound rather than the authorizer's tolerance.
  const stack = await startStack({
    clockSkewSeconds: 0,
    extraHosts: [OTHER_HOST],
    extraRoutes: [METERED_ROUTE],
  });
  const relay = await startCountingRelay(stack.authzAddress);
  const gateway = await startGateway(
    kind,
    { authz: relay.address, portal: stack.portal.publicAddress, upstream: stack.upstream.address },
    opts,
  );
  return {
    stack,
    relay,
    gateway,
    hits: () => relay.count(AUTH_PATH[kind]),
    get: (path, headers = {}, method = 'GET') =>
      send(gateway.port, { method, path, headers: { ...API, ...headers } }),
    lastTokenId: () => {
      const seen = stack.upstream.appRequests().at(-1);
      const id = seen?.headers['x-402-token-id'];
      return typeof id === 'string' ? id : undefined;
    },
  };
}

async function stopHarness(h: Harness | undefined): Promise<void> {
  await h?.gateway.stop();
  await h?.relay.close();
  await h?.stack.close();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each<GatewayKind>(['nginx', 'haproxy'])('%s: decision cache', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(kind);
  });
  afterAll(() => stopHarness(h));

  /** Sends, and returns the answer with how many decisions the authorizer made for it. */
  const counted = async (
    path: string,
    headers: Record<string, string> = {},
    method = 'GET',
  ): Promise<{ status: number; asked: number; body: string }> => {
    const before = h.hits();
    const res = await h.get(path, headers, method);
    return { status: res.status, asked: h.hits() - before, body: res.body.slice(0, 300) };
  };

  it('a cached allow avoids the authorizer, and the app still gets the identity on every hit', async () => {
    const token = await h.stack.signer.sign(VALID_CLAIMS);
    const auth = carry('bearer', token);
    expect(await counted('/premium/cached', auth)).toMatchObject({ status: 200, asked: 1 });
    for (let i = 0; i < 5; i++) {
      h.stack.upstream.reset();
      expect(await counted('/premium/cached', auth)).toMatchObject({ status: 200, asked: 0 });
      const seen = h.stack.upstream.appRequests();
      expect(seen).toHaveLength(1);
      expect(seen[0]!.headers['x-402-token-id']).toBe(jtiOf(token));
      expect(seen[0]!.headers['x-402-scope']).toBe(SCOPE);
      expect(seen[0]!.headers['x-402-payer']).toBe('0x1111111111111111111111111111111111111111');
    }
  });

  it.each(SOURCES)('a cached allow (token as %s) never serves another token', async (source) => {
    const path = `/premium/${source}`;
    const mine = await h.stack.signer.sign(VALID_CLAIMS);
    expect(await counted(path, carry(source, mine))).toMatchObject({ status: 200, asked: 1 });
    expect(await counted(path, carry(source, mine))).toMatchObject({ status: 200, asked: 0 });

    // No token, a forgery (same claims, another key), a token for another scope: all asked, all 402.
    const forged = await h.stack.signer.sign(VALID_CLAIMS, { key: await otherSigningKey() });
    const otherScope = await h.stack.signer.sign({ ...VALID_CLAIMS, resource: '/article' });
    for (const headers of [
      {},
      carry(source, forged),
      carry(source, otherScope),
      carry(source, otherScope, '/article'),
    ])
      expect(await counted(path, headers)).toMatchObject({ status: 402, asked: 1 });

    // Another valid token: asked, and the app sees that token, not the cached one.
    const theirs = await h.stack.signer.sign(VALID_CLAIMS);
    expect(await counted(path, carry(source, theirs))).toMatchObject({ status: 200, asked: 1 });
    expect(h.lastTokenId()).toBe(jtiOf(theirs));
    expect(await counted(path, carry(source, mine))).toMatchObject({ status: 200, asked: 0 });
    expect(h.lastTokenId()).toBe(jtiOf(mine));
  });

  it('a cached allow never serves another host', async () => {
    const token = await h.stack.signer.sign(VALID_CLAIMS);
    const auth = carry('cookie', token);
    expect(await counted('/premium/hosts', auth)).toMatchObject({ status: 200, asked: 1 });
    expect(await counted('/premium/hosts', auth)).toMatchObject({ status: 200, asked: 0 });
    // The token names shop.test (`aud`): on other.test it buys nothing.
    expect(await counted('/premium/hosts', { ...auth, host: OTHER_HOST })).toMatchObject({
      status: 402,
      asked: 1,
    });
    // A host no route or upstream names: the authorizer refuses it.
    const unknown = await counted('/premium/hosts', { ...auth, host: 'unknown.test' });
    expect(unknown.asked).toBe(1);
    expect(unknown.status).toBe(403);
  });

  it('a cached allow never serves another scope, another spelling of the URI or another method', async () => {
    const token = await h.stack.signer.sign(VALID_CLAIMS);
    const auth = carry('bearer', token);
    expect(await counted('/premium/doc', auth)).toMatchObject({ status: 200, asked: 1 });
    expect(await counted('/premium/doc', auth)).toMatchObject({ status: 200, asked: 0 });
    // Another scope: asked, refused.
    expect(await counted('/article/doc', auth)).toMatchObject({ status: 402, asked: 1 });
    expect(await counted('/reports/doc', auth)).toMatchObject({ status: 402, asked: 1 });
    // Other spellings of (or near) the same path: each its own decision.
    for (const spelling of [
      '/premium/doc?x=1',
      '/premium//doc',
      '/premium/./doc',
      '/%70remium/doc',
      '/premium/doc/',
    ])
      expect({ spelling, asked: (await counted(spelling, auth)).asked }).toEqual({ spelling, asked: 1 });
    // Other methods: each its own decision.
    for (const method of ['POST', 'HEAD', 'DELETE'])
      expect({ method, asked: (await counted('/premium/doc', auth, method)).asked }).toEqual({
        method,
        asked: 1,
      });
  });

  it('a cached allow stops when its token expires, though the ceiling is longer', async () => {
    // The token lives about 3 s; the authorizer's ceiling (decisionCache.maxAgeSeconds) is 5 s.
    const token = await h.stack.signer.sign(VALID_CLAIMS, { expiresInSeconds: 3 });
    const expMs =
      (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number }).exp *
      1000;
    const auth = carry('cookie', token);
    const answers: Array<{ at: number; status: number; asked: number }> = [];
    const started = h.hits();
    for (;;) {
      const at = Date.now();
      const { status, asked } = await counted('/premium/expiring', auth);
      answers.push({ at, status, asked });
      if (status !== 200 || at > expMs + 3_000) break;
      await sleep(100);
    }
    const passed = answers.filter((a) => a.status === 200);
    const last = answers.at(-1)!;
    // It passed while the token lived, some of that from the cache …
    expect(passed.length).toBeGreaterThan(2);
    expect(h.hits() - started).toBeLessThan(answers.length);
    // … never once the token had expired, and it stopped as soon as it expired.
    for (const a of passed) expect(a.at).toBeLessThan(expMs);
    expect(last.status).toBe(402);
    expect(last.at).toBeLessThan(expMs + 1_000);
  }, 20_000);

  it('a cached allow of a long-lived token lasts the ceiling (decisionCache.maxAgeSeconds, 5 s), then the authorizer is asked again', async () => {
    const auth = carry('bearer', await h.stack.signer.sign(VALID_CLAIMS));
    const storedAt = Date.now();
    expect(await counted('/premium/ceiling', auth)).toMatchObject({ status: 200, asked: 1 });
    let askedAgainAt: number | undefined;
    while (askedAgainAt === undefined && Date.now() - storedAt < 10_000) {
      await sleep(200);
      const at = Date.now();
      const { status, asked } = await counted('/premium/ceiling', auth);
      expect(status).toBe(200);
      if (asked > 0) askedAgainAt = at;
    }
    // NGINX counts whole seconds (an entry lives to the end of its last second), HAProxy milliseconds.
    expect(askedAgainAt).toBeDefined();
    expect(askedAgainAt! - storedAt).toBeGreaterThanOrEqual(3_900);
    expect(askedAgainAt! - storedAt).toBeLessThan(7_000);
  }, 20_000);

  it('denials are never cached', async () => {
    const forged = await h.stack.signer.sign(VALID_CLAIMS, { key: await otherSigningKey() });
    for (const headers of [{}, carry('bearer', forged)])
      for (let i = 0; i < 3; i++)
        expect(await counted('/premium/denied', headers)).toMatchObject({ status: 402, asked: 1 });
    const unknown = { host: 'unknown.test' };
    for (let i = 0; i < 2; i++) expect(await counted('/premium/denied', unknown)).toMatchObject({ asked: 1 });
  });

  it.each([
    ['x-payment-chain', 'base-sepolia'],
    ['x-payment-tx', `0x${'ab'.repeat(32)}`],
    ['x-payment-tx', '0'],
    ['x-payment-challenge', 'c'],
    ['payment-signature', 'e30'],
    ['x-payment', 'e30'],
    ['sign-in-with-x', 'e30'],
  ])(
    'a request with a payment proof (%s: %s) is never answered from the cache nor stored',
    async (name, value) => {
      const token = await h.stack.signer.sign(VALID_CLAIMS);
      const auth = carry('cookie', token);
      const path = `/premium/proof-${name}`;
      expect(await counted(path, auth)).toMatchObject({ status: 200, asked: 1 });
      expect(await counted(path, auth)).toMatchObject({ status: 200, asked: 0 });
      for (let i = 0; i < 2; i++) expect((await counted(path, { ...auth, [name]: value })).asked).toBe(1);
    },
  );

  it('an MPP credential (Authorization: Payment …) is never answered from the cache nor stored', async () => {
    const token = await h.stack.signer.sign(VALID_CLAIMS);
    const headers = { ...carry('cookie', token), authorization: 'Payment eyJjaGFsbGVuZ2UiOnt9fQ' };
    for (let i = 0; i < 3; i++) expect((await counted('/premium/mpp', headers)).asked).toBe(1);
  });

  // The cache key (with the whole Cookie and Authorization) is written ahead of the authorizer's
  // answer in one buffer: large request headers must not turn a decision into a 503.
  it('large request headers (a 6 KB Cookie) still get their decision (NGINX: decided every time, not cached)', async () => {
    const token = await h.stack.signer.sign(VALID_CLAIMS);
    const headers = { cookie: `big=${'c'.repeat(6000)}`, authorization: `Bearer ${token}` };
    expect(await counted('/premium/large', headers)).toMatchObject({ status: 200, asked: 1 });
    expect(await counted('/premium/large', headers)).toMatchObject({
      status: 200,
      asked: kind === 'nginx' ? 1 : 0,
    });
    // Just under NGINX's limits (a 4 KB Cookie; URI, Authorization and X-402-Token under 4 KB):
    // cached by both.
    const near = { cookie: `big=${'c'.repeat(4090)}`, authorization: `Bearer ${token}` };
    expect(await counted('/premium/near', near)).toMatchObject({ status: 200, asked: 1 });
    expect(await counted('/premium/near', near)).toMatchObject({ status: 200, asked: 0 });
  });

  it('a large payment proof (a 3 KB MPP credential beside a 6 KB Cookie) reaches the authorizer and gets its answer', async () => {
    const headers = {
      cookie: `big=${'c'.repeat(6000)}`,
      authorization: `Payment ${Buffer.from(JSON.stringify({ challenge: { id: 'x'.repeat(2200) } })).toString('base64url')}`,
    };
    for (let i = 0; i < 2; i++) {
      const answer = await counted('/premium/mpp-large', headers);
      expect(answer.asked).toBe(1);
      expect(answer.status).not.toBe(503);
      expect([400, 402]).toContain(answer.status);
    }
  });

  it('a credits resource is never cached: every allow is asked (and spends a credit)', async () => {
    const token = await h.stack.signer.sign({
      aud: HOST,
      resource: METERED,
      plan: 'premium',
      meter: 'credits',
    });
    await h.stack.portal.portal.db.query(
      `INSERT INTO credit_balances (token_jti, model, total, remaining, expires_at)
       VALUES ($1, 'credits', 50, 50, now() + interval '1 hour')`,
      [jtiOf(token)],
    );
    for (let i = 0; i < 4; i++)
      expect(await counted(`${METERED}/item`, carry('bearer', token, METERED))).toMatchObject({
        status: 200,
        asked: 1,
      });
  });

  it('an unpriced resource is cached too', async () => {
    expect(await counted('/free/cached')).toMatchObject({ status: 200, asked: 1 });
    expect(await counted('/free/cached')).toMatchObject({ status: 200, asked: 0 });
  });

  it('no value can be shifted into its neighbour to reuse another request’s entry', async () => {
    const token = await h.stack.signer.sign(VALID_CLAIMS);
    // Cached: Cookie "a=1|x" and a bearer token.
    const cached = { cookie: 'a=1|x', authorization: `Bearer ${token}` };
    expect(await counted('/premium/shift', cached)).toMatchObject({ status: 200, asked: 1 });
    expect(await counted('/premium/shift', cached)).toMatchObject({ status: 200, asked: 0 });
    // The same characters with the boundary moved: joined with "|" both would read
    // "a=1|x|Bearer <token>", but this Authorization is no bearer token.
    const shifted = { cookie: 'a=1', authorization: `x|Bearer ${token}` };
    expect(await counted('/premium/shift', shifted)).toMatchObject({ status: 402, asked: 1 });
  });
});

describe('nginx with the decision cache switched off (the include line removed)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('nginx', { decisionCache: false });
  });
  afterAll(() => stopHarness(h));

  it('asks the authorizer for every request, cacheable allows included', async () => {
    const auth = carry('bearer', await h.stack.signer.sign(VALID_CLAIMS));
    const before = h.hits();
    for (let i = 0; i < 3; i++) expect((await h.get('/premium/doc', auth)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await h.get('/free/page')).status).toBe(200);
    expect(h.hits() - before).toBe(5);
  });
});

describe('caddy: forward_auth has no decision cache', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('caddy');
  });
  afterAll(() => stopHarness(h));

  it('asks the authorizer for every request, cacheable allows included', async () => {
    const auth = carry('bearer', await h.stack.signer.sign(VALID_CLAIMS));
    const before = h.hits();
    for (let i = 0; i < 3; i++) expect((await h.get('/premium/doc', auth)).status).toBe(200);
    expect(h.hits() - before).toBe(3);
  });
});
