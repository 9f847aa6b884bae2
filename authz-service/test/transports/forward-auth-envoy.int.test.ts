import {
  checksumEvmAddress,
  decodeX402Header,
  deriveSealKeys,
  openPayLink,
  REASONS,
  x402PaymentRequiredV1Schema,
  x402PaymentRequiredV2Schema,
} from '@turnpike/protocol';
import { IDENTITY_HEADERS } from '../../src/core/identity-headers.js';
import { send } from '../support/http.js';
import { PORTAL_TOKEN, STAND_IN_PAYEE } from '../support/portal-stand-in.js';
import { goldClaims, startStack, type TestStack } from '../support/service.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const forward = (uri: string | undefined, headers: Record<string, string> = {}) =>
  send(stack.service.httpPort, {
    // Caddy appends the original query to the auth URI; the route must still match.
    path: '/v1/forward-auth?id=7',
    headers: {
      host: 'authz.internal',
      'x-forwarded-method': 'GET',
      'x-forwarded-host': 'shop.example',
      'x-forwarded-proto': 'https',
      'x-forwarded-for': '203.0.113.9',
      ...(uri === undefined ? {} : { 'x-forwarded-uri': uri }),
      ...headers,
    },
  });

const envoy = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  send(stack.service.httpPort, {
    method,
    path: `/v1/envoy${path}`,
    headers: { host: 'shop.example', ...headers },
  });

describe('Traefik / Caddy forward-auth dialect (/v1/forward-auth)', () => {
  it('free: 200 with every identity header emptied', async () => {
    const r = await forward('/free', { 'x-402-scope': '/', 'x-402-token-id': 'spoof' });
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('0');
    for (const h of IDENTITY_HEADERS) expect(r.headers[h]).toBe('');
  });

  it('priced, API client: the full 402 JSON with paymentDetails, instructions, x402 v1 body and v2 header', async () => {
    const r = await forward('/premium/article?q=1', { accept: 'application/json' });
    expect(r.status).toBe(402);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['www-authenticate']).toMatch(
      /^Payment id="[A-Za-z0-9_-]{43}", realm="shop\.example", method="evm", intent="charge", request="/,
    );
    expect(r.headers['access-control-expose-headers']).toContain('PAYMENT-REQUIRED');
    const body = JSON.parse(r.body);
    expect(body).toMatchObject({
      error: 'Payment required to access this resource',
      reason: REASONS.TOKEN_MISSING,
      x402Version: 1,
    });
    expect(body.paymentDetails).toMatchObject({
      cost: '0.01',
      token: 'USDC',
      acceptedChains: ['base', 'polygon'],
      description: 'Gold article',
    });
    expect(body.paymentDetails.serviceWallet).toMatch(/^0x/);
    expect(Object.keys(body.paymentDetails.payTo)).toEqual(['base', 'polygon']);
    // One receive address for the challenge, on every EVM network it offers.
    expect(body.paymentDetails.payTo.polygon).toBe(body.paymentDetails.payTo.base);
    // The challenge is sealed: `<base64url claims>.<mac>`, nothing stored anywhere.
    expect(body.paymentDetails.challengeId).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(body.instructions.retryWith).toEqual(['x-payment-chain', 'x-payment-tx', 'x-payment-challenge']);
    // v1: only the ERC-20 offer (USDC on base), with its EIP-712 domain, paying the portal's x402
    // address (the payer's signature binds an x402 payment; no per-challenge address is needed).
    const x402PayTo = checksumEvmAddress(STAND_IN_PAYEE.x402!.payTo);
    const v1 = x402PaymentRequiredV1Schema.parse(body);
    expect(v1.accepts).toHaveLength(1);
    expect(v1.accepts[0]).toMatchObject({
      scheme: 'exact',
      network: 'base',
      maxAmountRequired: '10000',
      asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
      payTo: x402PayTo,
      resource: 'https://shop.example/premium/article?q=1',
      extra: { name: 'USD Coin', version: '2' },
    });
    const v2 = decodeX402Header(r.headers['payment-required'] as string, x402PaymentRequiredV2Schema);
    expect(v2.accepts).toEqual([
      expect.objectContaining({
        scheme: 'exact',
        network: 'eip155:8453',
        amount: '10000',
        payTo: x402PayTo,
      }),
    ]);
  });

  it('an API 402 writes nothing and calls no portal: a fresh sealed challenge and address from memory each time', async () => {
    const perRequest = () =>
      stack.portal.calls.filter(
        (c) => c.path !== '/internal/v1/payee' && c.path !== '/internal/v1/address-leases',
      ).length;
    const before = perRequest();
    const bodies = await Promise.all(
      [1, 2, 3].map(async () =>
        JSON.parse((await forward('/premium/article', { accept: 'application/json' })).body),
      ),
    );
    expect(perRequest()).toBe(before);
    expect(new Set(bodies.map((b) => b.paymentDetails.challengeId)).size).toBe(3);
    expect(new Set(bodies.map((b) => b.paymentDetails.payTo.base)).size).toBe(3);
  });

  it('priced, browser: the 402 HTML page pointing at the portal on the same host', async () => {
    const r = await forward('/meta/page', { accept: 'text/html' });
    expect(r.status).toBe(402);
    expect(r.headers.location).toMatch(/^\/_402\/pay\?ref=/);
    expect(r.body).toContain('<a href="/_402/pay?ref=');
  });

  it('a browser 402 calls no portal, and its pay link keeps http and https apart (the Secure flag later)', async () => {
    const before = stack.portal.calls.length;
    const https = await forward('/premium/article', { accept: 'text/html', 'x-forwarded-proto': 'https' });
    const http = await forward('/premium/article', { accept: 'text/html', 'x-forwarded-proto': 'http' });
    expect(stack.portal.calls.length).toBe(before);
    const schemeOf = (location: string) =>
      openPayLink(deriveSealKeys(PORTAL_TOKEN).payLink, location.split('ref=')[1]!, Date.now()).scheme;
    expect(schemeOf(https.headers.location as string)).toBe('https');
    expect(schemeOf(http.headers.location as string)).toBe('http');
  });

  it('valid token via Authorization: Bearer passes with identity', async () => {
    const token = await stack.signer.sign(goldClaims());
    const r = await forward('/premium/article', { authorization: `Bearer ${token}` });
    expect(r.status).toBe(200);
    expect(r.headers['x-402-payer']).toBe('0xpayer');
  });

  it('bad forwarded headers fail closed with the reason', async () => {
    expect(JSON.parse((await forward(undefined)).body).reason).toBe(REASONS.URI_MISSING);
    const abs = await forward('https://shop.example/premium/article');
    expect(abs.status).toBe(403);
    expect(JSON.parse(abs.body).reason).toBe(REASONS.URI_ABSOLUTE_FORM);
    expect((await forward('/x', { 'x-forwarded-method': '' })).status).toBe(403);
  });

  it('a browser gets its refusal as a small HTML page', async () => {
    const r = await forward('http://evil.example/x', { accept: 'text/html' });
    expect(r.status).toBe(403);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.body).toContain('<code>uri_absolute_form</code>');
  });

  it('portal down: the 402s go on from memory (payee and leased addresses); never a 200', async () => {
    stack.portal.mode = 'status500';
    try {
      const api = await forward('/premium/article', { accept: 'application/json' });
      expect(api.status).toBe(402);
      expect(JSON.parse(api.body).paymentDetails.challengeId).toMatch(/\./);
      expect((await forward('/premium/article', { accept: 'text/html' })).status).toBe(402);
    } finally {
      stack.portal.mode = 'ok';
    }
  });

  it('a portal never reached: the browser 402 still works, the API 402 is 503 portal_unavailable with Retry-After', async () => {
    const cold = await startStack({
      config: {
        portal: { internalUrl: 'http://127.0.0.1:9', token: { fromEnv: 'PORTAL_TOKEN' }, timeoutMs: 300 },
      },
    });
    try {
      const ask = (accept: string) =>
        send(cold.service.httpPort, {
          path: '/v1/forward-auth',
          headers: {
            'x-forwarded-method': 'GET',
            'x-forwarded-uri': '/premium/article',
            'x-forwarded-host': 'shop.example',
            accept,
          },
        });
      const api = await ask('application/json');
      expect(api.status).toBe(503);
      expect(api.headers['retry-after']).toBe('5');
      expect(JSON.parse(api.body).reason).toBe(REASONS.PORTAL_UNAVAILABLE);
      expect((await ask('text/html')).status).toBe(402);
    } finally {
      await cold.close();
    }
  });
});

describe('Envoy / Istio HTTP ext_authz dialect (/v1/envoy/*)', () => {
  it('takes the original path after the prefix and the method from the request itself', async () => {
    expect((await envoy('/free')).status).toBe(200);
    const post = await envoy('/premium/article', { accept: 'application/json' }, 'POST');
    expect(post.status).toBe(402);
    expect(post.headers['payment-required']).toBeTruthy();
  });

  it('allows a valid token from a scoped cookie', async () => {
    const token = await stack.signer.sign(goldClaims());
    const r = await envoy('/premium/article', {
      cookie: `402_token_${Buffer.from('/premium').toString('base64url')}=${token}`,
    });
    expect(r.status).toBe(200);
    expect(r.headers['x-402-token-id']).toBe('jti-1');
  });

  it('refuses encoded-slash and escaping paths', async () => {
    const enc = await envoy('/premium%2farticle');
    expect(enc.status).toBe(403);
    expect(JSON.parse(enc.body).reason).toBe(REASONS.PATH_ENCODED_SEPARATOR);
  });

  it('unavailable is a 503 (Envoy turns it into its own 403, never an allow)', async () => {
    const r = await envoy('/broken');
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).reason).toBe(REASONS.UPSTREAM_DECLARATION_INVALID);
  });
});
