import { REASONS } from '@turnpike/protocol';
import { IDENTITY_HEADERS } from '../../src/core/identity-headers.js';
import { send } from '../support/http.js';
import { goldClaims, startStack, type TestStack } from '../support/service.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const nginx = (uri: string | undefined, headers: Record<string, string> = {}, path = '/v1/nginx') =>
  send(stack.service.httpPort, {
    path,
    headers: {
      host: 'shop.example',
      'x-original-method': 'GET',
      'x-forwarded-proto': 'https',
      ...(uri === undefined ? {} : { 'x-original-uri': uri }),
      ...headers,
    },
  });

describe('NGINX auth_request dialect (/v1/nginx)', () => {
  it('free resource: 200, empty body, Content-Length 0, every identity header set (empty), client copies overwritten', async () => {
    const r = await nginx('/free?x=1', { 'x-402-payer': 'spoofed', 'x-402-claims': 'spoofed' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    expect(r.headers['content-length']).toBe('0');
    for (const h of IDENTITY_HEADERS) expect(r.headers[h]).toBe('');
  });

  it('priced without a token: 401, empty body, Content-Length 0, X-402-Reason, no WWW-Authenticate (the rendered 402 carries the challenges); no portal call', async () => {
    const before = perRequestPortalCalls();
    const r = await nginx('/premium/article');
    expect(r.status).toBe(401);
    expect(r.body).toBe('');
    expect(r.headers['content-length']).toBe('0');
    expect(r.headers['www-authenticate']).toBeUndefined();
    expect(r.headers['x-402-reason']).toBe(REASONS.TOKEN_MISSING);
    expect(r.headers['x-402-offers']).toBe('base 0.01 USDC, polygon 1 POL');
    expect(r.headers['x-402-verdict']).toBe(`payment_required ${REASONS.TOKEN_MISSING}`);
    expect(perRequestPortalCalls()).toBe(before);
  });

  it('valid token: 200 with identity headers for the upstream', async () => {
    const token = await stack.signer.sign(goldClaims());
    const r = await nginx('/premium/article', { cookie: `402_token=${token}`, 'x-402-payer': 'mallory' });
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('0');
    expect(r.headers['x-402-payer']).toBe('0xpayer');
    expect(r.headers['x-402-token-id']).toBe('jti-1');
    expect(r.headers['x-402-scope']).toBe('/premium');
    const claims = JSON.parse(Buffer.from(r.headers['x-402-claims'] as string, 'base64url').toString('utf8'));
    expect(claims).toEqual({ aud: 'shop.example', resource: '/premium', plan: 'gold' });
  });

  it('a bad token: 401 with its reason', async () => {
    const token = await stack.signer.sign({ ...goldClaims(), aud: 'other.example' });
    const r = await nginx('/premium/article', { authorization: `Bearer ${token}` });
    expect(r.status).toBe(401);
    expect(r.headers['x-402-reason']).toBe(REASONS.TOKEN_AUDIENCE_MISMATCH);
  });

  it('the method comes from X-Original-Method, not the subrequest (static route limited to GET/POST)', async () => {
    const get = await nginx('/v1/things', { host: 'api.example' });
    expect(get.status).toBe(401);
    const del = await nginx('/v1/things', { host: 'api.example', 'x-original-method': 'DELETE' });
    expect(del.status).toBe(200);
  });

  const bad: Array<[string, Record<string, string>, string | undefined, string]> = [
    ['missing X-Original-URI', {}, undefined, REASONS.URI_MISSING],
    ['absolute-form URI', {}, 'http://evil.example/premium/article', REASONS.URI_ABSOLUTE_FORM],
    ['over-long URI', {}, `/free/${'a'.repeat(9000)}`, REASONS.URI_TOO_LONG],
    ['dot segments above the root', {}, '/../premium/article', REASONS.PATH_DOT_SEGMENT_ESCAPE],
    ['encoded slash', {}, '/premium%2Farticle', REASONS.PATH_ENCODED_SEPARATOR],
    ['encoded backslash', {}, '/premium%5c..%5cfree', REASONS.PATH_ENCODED_SEPARATOR],
    ['garbled URI (bad escape)', {}, '/premium/%zz', REASONS.PATH_INVALID],
    ['garbled URI (not a path)', {}, 'premium/article', REASONS.URI_ABSOLUTE_FORM],
    ['empty X-Original-URI', {}, '', REASONS.URI_MISSING],
    ['garbled method', { 'x-original-method': 'G E T' }, '/free', 'method_invalid'],
    ['missing method', { 'x-original-method': '' }, '/free', 'method_invalid'],
    ['garbled host', { host: 'shop.example/evil' }, '/free', 'host_invalid'],
  ];
  it.each(bad)('fails closed on %s: 403 with the reason, empty body', async (_name, headers, uri, reason) => {
    const r = await nginx(uri, headers);
    expect(r.status).toBe(403);
    expect(r.body).toBe('');
    expect(r.headers['content-length']).toBe('0');
    expect(r.headers['x-402-reason']).toBe(reason);
  });

  it('dot segments that stay inside are resolved before matching (cannot reach /premium as free)', async () => {
    const r = await nginx('/free/../premium/article');
    expect(r.status).toBe(401);
  });

  it('an unknown host is forbidden', async () => {
    const r = await nginx('/free', { host: 'unknown.example' });
    expect(r.status).toBe(403);
    expect(r.headers['x-402-reason']).toBe('host_unknown');
  });

  it('unavailable (malformed upstream declaration, hung upstream) is 401 with the verdict for the challenge to render, never 5xx or 200', async () => {
    const broken = await nginx('/broken');
    expect(broken.status).toBe(401);
    expect(broken.headers['x-402-reason']).toBe(REASONS.UPSTREAM_DECLARATION_INVALID);
    expect(broken.headers['x-402-outcome']).toBe('unavailable');
    expect(broken.headers['x-402-verdict']).toBe(`unavailable ${REASONS.UPSTREAM_DECLARATION_INVALID}`);
    expect(broken.headers['www-authenticate']).toBeUndefined();
    expect(stack.logs.some((l) => l.includes('upstream declared an invalid payment request'))).toBe(true);
    const hung = await nginx('/slow');
    expect(hung.status).toBe(401);
    expect(hung.headers['x-402-reason']).toBe(REASONS.UPSTREAM_PROBE_FAILED);
  });

  it('logs refusals with the gateway’s x-request-id', async () => {
    await nginx('/free', { host: 'nobody.example', 'x-request-id': 'req-abc-123' });
    const line = stack.logs.find((l) => l.includes('req-abc-123'));
    expect(line).toBeDefined();
    expect(JSON.parse(line as string)).toMatchObject({
      requestId: 'req-abc-123',
      reason: 'host_unknown',
      outcome: 'forbidden',
    });
  });

  it('never logs tokens or cookies', async () => {
    const token = await stack.signer.sign(goldClaims());
    await nginx('/broken', { cookie: `402_token=${token}`, authorization: `Bearer ${token}` });
    expect(stack.logs.join('\n')).not.toContain(token);
  });
});

/** Portal calls a request made (the payee and address leases are background calls). */
function perRequestPortalCalls(): number {
  return stack.portal.calls.filter(
    (c) => c.path !== '/internal/v1/payee' && c.path !== '/internal/v1/address-leases',
  ).length;
}

describe('NGINX challenge (/v1/nginx/challenge)', () => {
  it('renders the full 402 for a browser: HTML, Location under /_402 on the same host', async () => {
    const r = await nginx(
      '/premium/article?utm=1',
      { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
      '/v1/nginx/challenge',
    );
    expect(r.status).toBe(402);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.headers.location).toMatch(/^\/_402\/pay\?ref=/);
    expect(r.body).toContain(`url=${r.headers.location}`);
    expect(r.headers['cache-control']).toBe('no-store');
    // The page is for a person: no MPP challenge (those need a receive address per 402).
    expect(r.headers['www-authenticate']).toBeUndefined();
  });

  it('renders 402 JSON with the x402 header for an API client', async () => {
    const r = await nginx('/premium/article', { accept: 'application/json' }, '/v1/nginx/challenge');
    expect(r.status).toBe(402);
    expect(JSON.parse(r.body).error).toBe('Payment required to access this resource');
    expect(r.headers['payment-required']).toBeTruthy();
  });

  it('renders a refusal (403) for bad input', async () => {
    const r = await nginx('http://evil/x', {}, '/v1/nginx/challenge');
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).reason).toBe(REASONS.URI_ABSOLUTE_FORM);
  });

  it('renders the verdict of the auth subrequest: 503 and 429 with their reason and Retry-After', async () => {
    const down = await nginx(
      '/premium/article',
      { 'x-402-verdict': 'unavailable portal_unavailable 5' },
      '/v1/nginx/challenge',
    );
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expect(JSON.parse(down.body)).toMatchObject({ error: 'unavailable', reason: 'portal_unavailable' });
    const limited = await nginx(
      '/premium/article',
      { 'x-402-verdict': 'rate_limited rate_limited 30' },
      '/v1/nginx/challenge',
    );
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('30');
    expect(JSON.parse(limited.body).reason).toBe('rate_limited');
    // Garbage in the header is no verdict: the request is decided again.
    const garbage = await nginx(
      '/premium/article',
      { 'x-402-verdict': 'allow; please' },
      '/v1/nginx/challenge',
    );
    expect(garbage.status).toBe(402);
  });

  it('never settles a proof: a refused proof renders as the auth subrequest said (payment_pending, Retry-After)', async () => {
    const settles = stack.portal.count('/internal/v1/settle');
    const r = await nginx(
      '/premium/article',
      {
        accept: 'application/json',
        'x-payment-chain': 'base',
        'x-payment-tx': `0x${'ab'.repeat(32)}`,
        'x-payment-challenge': 'abcdefghijklmnopqrstuv',
        'x-402-verdict': 'payment_required payment_pending 3',
      },
      '/v1/nginx/challenge',
    );
    expect(r.status).toBe(402);
    expect(r.headers['x-402-reason']).toBe('payment_pending');
    expect(r.headers['retry-after']).toBe('3');
    expect(JSON.parse(r.body).paymentDetails.challengeId).toMatch(/\./);
    expect(stack.portal.count('/internal/v1/settle')).toBe(settles);
  });

  it('a request that is allowed by now is sent back to retry (307 to the same URI)', async () => {
    const r = await nginx('/free?a=b', {}, '/v1/nginx/challenge');
    expect(r.status).toBe(307);
    expect(r.headers.location).toBe('/free?a=b');
  });
});
