/**
 * Which client address the authorizer hands the portal (for its per-address limits):
 * X-Forwarded-For / X-Real-IP are believed only from a configured proxy
 * (`listeners.trustedProxies`, loopback by default); in an X-Forwarded-For chain the rightmost
 * address that is not itself a trusted proxy is the client. Runs the real service (every HTTP
 * dialect goes through the same server) against the portal contract stand-in.
 */
import { send } from '../support/http.js';
import { startStack, type TestStack } from '../support/service.js';

/**
 * The client address the portal was given with the last payment proof (a 402 calls no portal: the
 * address goes along with what writes, the settle call, for the portal's limit on proof attempts).
 */
function lastClientIp(stack: TestStack): string {
  const call = stack.portal.calls.filter((c) => c.path.endsWith('/settle')).at(-1);
  return (call?.body as { client?: { ip: string } } | undefined)?.client?.ip ?? 'no settle call';
}

/** A priced request with a payment proof in the forward-auth dialect (Caddy, Traefik, HAProxy, Express). */
async function forwardAuth(stack: TestStack, headers: Record<string, string>): Promise<string> {
  const res = await send(stack.service.httpPort, {
    path: '/v1/forward-auth',
    headers: {
      host: 'authz.internal',
      'x-forwarded-method': 'GET',
      'x-forwarded-host': 'shop.example',
      'x-forwarded-proto': 'https',
      'x-forwarded-uri': '/premium/article',
      accept: 'application/json',
      'x-payment-chain': 'base',
      'x-payment-tx': `0x${'ab'.repeat(32)}`,
      'x-payment-challenge': 'abcdefghijklmnopqrstuv',
      ...headers,
    },
  });
  expect(res.status).toBe(402);
  return lastClientIp(stack);
}

describe('client address with the default trusted proxies (loopback)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('takes the address a loopback proxy reported in X-Forwarded-For', async () => {
    expect(await forwardAuth(stack, { 'x-forwarded-for': '203.0.113.9' })).toBe('203.0.113.9');
  });

  it('takes the rightmost untrusted address of a chain, not the first one a client can write', async () => {
    expect(await forwardAuth(stack, { 'x-forwarded-for': '198.51.100.7, 203.0.113.9' })).toBe('203.0.113.9');
    expect(await forwardAuth(stack, { 'x-forwarded-for': '198.51.100.7, 203.0.113.9, 127.0.0.1' })).toBe(
      '203.0.113.9',
    );
  });

  it('prefers X-Forwarded-For to an X-Real-IP a gateway may have passed on from the client', async () => {
    expect(await forwardAuth(stack, { 'x-forwarded-for': '203.0.113.9', 'x-real-ip': '198.51.100.66' })).toBe(
      '203.0.113.9',
    );
  });

  it('takes X-Real-IP from a trusted proxy that sends no X-Forwarded-For', async () => {
    expect(await forwardAuth(stack, { 'x-real-ip': '203.0.113.10' })).toBe('203.0.113.10');
  });

  it('stops at an entry that is not an address, keeping the last address a trusted hop reported', async () => {
    expect(await forwardAuth(stack, { 'x-forwarded-for': 'not-an-ip' })).toBe('127.0.0.1');
    expect(await forwardAuth(stack, { 'x-forwarded-for': 'not-an-ip, 127.0.0.2' })).toBe('127.0.0.2');
  });

  it('the NGINX dialect reads the address the same way', async () => {
    // The auth subrequest settles the proof (the challenge endpoint never does).
    const res = await send(stack.service.httpPort, {
      path: '/v1/nginx',
      headers: {
        host: 'shop.example',
        'x-original-uri': '/premium/article',
        'x-original-method': 'GET',
        'x-forwarded-proto': 'https',
        'x-forwarded-for': '198.51.100.7, 203.0.113.11',
        'x-real-ip': '198.51.100.66',
        accept: 'application/json',
        'x-payment-chain': 'base',
        'x-payment-tx': `0x${'cd'.repeat(32)}`,
        'x-payment-challenge': 'abcdefghijklmnopqrstuv',
      },
    });
    expect(res.status).toBe(401);
    expect(lastClientIp(stack)).toBe('203.0.113.11');
  });
});

describe('client address when the peer is not a trusted proxy', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      config: {
        listeners: { host: '127.0.0.1', httpPort: 0, trustedProxies: ['10.0.0.0/8', 'fd00::/8'] },
      },
    });
  });
  afterAll(() => stack.close());

  it('ignores X-Forwarded-For and X-Real-IP: the socket peer is the client', async () => {
    expect(await forwardAuth(stack, { 'x-forwarded-for': '203.0.113.9' })).toBe('127.0.0.1');
    expect(await forwardAuth(stack, { 'x-real-ip': '203.0.113.9' })).toBe('127.0.0.1');
  });
});
