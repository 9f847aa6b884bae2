import {
  decodeX402Header,
  encodeX402Header,
  REASONS,
  tokenCookieName,
  x402SettlementResponseSchema,
  type SettleRequest,
  type SettleResponse,
} from '@turnpike/protocol';
import { send } from '../support/http.js';
import { defaultPages, ISSUER, startStack, type TestStack } from '../support/service.js';
import { BASE_USDC_REQUEST, encodeRequest } from '../support/upstream.js';

const GOOD_TX = `0x${'ab'.repeat(32)}`;
const PENDING_TX = `0x${'cd'.repeat(32)}`;
const CHAIN_DOWN_TX = `0x${'ef'.repeat(32)}`;
const LIMITED_TX = `0x${'12'.repeat(32)}`;
const CONFLICT_TX = `0x${'34'.repeat(32)}`;
/** A challenge id as the 402 hands it out (the stand-in does not verify it; the portal does). */
const CHALLENGE = 'abcdefghijklmnopqrstuv';
/** A transaction-hash proof bound to its challenge. */
const txHeaders = (tx: string) => ({
  'x-payment-chain': 'base',
  'x-payment-tx': tx,
  'x-payment-challenge': CHALLENGE,
});

let stack: TestStack;
let settled: SettleRequest[] = [];
beforeAll(async () => {
  stack = await startStack({
    pages: {
      ...defaultPages(),
      // A resource that opted in to unbound transaction proofs (the original ZelfProof retry).
      '/unbound/item': {
        headers: {
          'x-402-required': 'true',
          'x-402-request': encodeRequest({ ...BASE_USDC_REQUEST, proofs: { tx: { unbound: 'allow' } } }),
        },
      },
    },
  });
  // The contract stand-in settles like the portal would: a known tx (or any x402 payload) is
  // credited and a token is issued for the request's host and resource; another tx is pending.
  stack.portal.settleWith = async (body): Promise<SettleResponse> => {
    settled.push(body);
    if (body.proof.type === 'tx' && body.proof.tx === PENDING_TX)
      return {
        ok: false,
        reason: REASONS.PAYMENT_PENDING,
        message: 'waiting for confirmations',
        retryAfterSeconds: 5,
      };
    if (body.proof.type === 'tx' && body.proof.tx === CONFLICT_TX)
      return {
        ok: false,
        reason: REASONS.PAYMENT_IDENTIFIER_CONFLICT,
        message: 'id used with another payload',
      };
    if (body.proof.type === 'siwx')
      return { ok: false, reason: REASONS.SIWX_NOT_PAID, message: 'never paid' };
    if (body.proof.type === 'tx' && body.proof.tx === LIMITED_TX)
      return { ok: false, reason: REASONS.RATE_LIMITED, message: 'too many proofs', retryAfterSeconds: 30 };
    if (body.proof.type === 'tx' && body.proof.tx === CHAIN_DOWN_TX)
      return {
        ok: false,
        reason: 'chain_unavailable',
        message: 'every RPC endpoint failed',
        retryAfterSeconds: 3,
      };
    if (body.proof.type === 'tx' && body.proof.tx !== GOOD_TX)
      return { ok: false, reason: REASONS.PAYMENT_NOT_FOUND, message: 'no such tx' };
    const claims = {
      iss: ISSUER,
      aud: body.host,
      resource: body.resource,
      ...body.request.claims,
      sub: '0xbuyer',
      jti: `paid-${settled.length}`,
    };
    const token = await stack.signer.sign(claims);
    const receipt = { success: true, transaction: GOOD_TX, network: 'eip155:8453', payer: '0xbuyer' };
    return {
      ok: true,
      token,
      claims: { ...claims, exp: Math.floor(Date.now() / 1000) + 3600 },
      ...(body.proof.type === 'x402' ? { receipt } : {}),
    };
  };
});
afterAll(() => stack.close());
beforeEach(() => {
  settled = [];
});

const forward = (uri: string, headers: Record<string, string> = {}) =>
  send(stack.service.httpPort, {
    path: '/v1/forward-auth',
    headers: {
      'x-forwarded-method': 'GET',
      'x-forwarded-host': 'shop.example',
      'x-forwarded-proto': 'https',
      'x-forwarded-uri': uri,
      accept: 'application/json',
      ...headers,
    },
  });

describe('payment proofs on the request path', () => {
  it('x-payment-chain + x-payment-tx: settled through the portal, allowed, token returned (header and scoped cookie)', async () => {
    const r = await forward('/premium/article', txHeaders(GOOD_TX));
    expect(r.status).toBe(200);
    expect(r.headers['x-402-payer']).toBe('0xbuyer');
    const token = r.headers['x-402-token'] as string;
    expect(token.split('.')).toHaveLength(3);
    const cookie = (r.headers['set-cookie'] ?? [])[0] as string;
    expect(
      cookie.startsWith(`${tokenCookieName('/premium/article')}=${token}; Path=/premium/article; Max-Age=`),
    ).toBe(true);
    expect(cookie).toContain('HttpOnly; SameSite=Lax; Secure');
    expect(settled[0]?.proof).toEqual({ type: 'tx', network: 'base', tx: GOOD_TX, challenge: CHALLENGE });
    // The client's address goes along, for the portal's limit on proof attempts.
    expect(settled[0]?.client).toEqual({ ip: '127.0.0.1' });
    expect(settled[0]?.originalUri).toBe('/premium/article');
    // The returned token opens the resource on its own.
    expect((await forward('/premium/article', { authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it('a pending payment: 402 payment_pending with Retry-After', async () => {
    const r = await forward('/premium/article', txHeaders(PENDING_TX));
    expect(r.status).toBe(402);
    expect(r.headers['retry-after']).toBe('5');
    expect(JSON.parse(r.body).reason).toBe(REASONS.PAYMENT_PENDING);
  });

  it('a refused proof: 402 with the portal’s reason', async () => {
    const r = await forward('/premium/article', txHeaders(`0x${'99'.repeat(32)}`));
    expect(r.status).toBe(402);
    expect(r.headers['x-402-reason']).toBe(REASONS.PAYMENT_NOT_FOUND);
  });

  it('NGINX: the auth subrequest settles once; the challenge call renders its verdict without settling again', async () => {
    const headers = {
      host: 'shop.example',
      'x-original-uri': '/premium/article',
      'x-original-method': 'GET',
      ...txHeaders(PENDING_TX),
      accept: 'application/json',
    };
    const auth = await send(stack.service.httpPort, { path: '/v1/nginx', headers });
    expect(auth.status).toBe(401);
    expect(auth.headers['x-402-reason']).toBe(REASONS.PAYMENT_PENDING);
    expect(auth.headers['x-402-verdict']).toBe('payment_required payment_pending 5');
    // What the shipped config passes on (proxy_set_header X-402-Verdict $turnpike_verdict).
    const challenge = await send(stack.service.httpPort, {
      path: '/v1/nginx/challenge',
      headers: { ...headers, 'x-402-verdict': auth.headers['x-402-verdict'] as string },
    });
    expect(challenge.status).toBe(402);
    expect(JSON.parse(challenge.body).reason).toBe(REASONS.PAYMENT_PENDING);
    expect(challenge.headers['retry-after']).toBe('5');
    expect(settled).toHaveLength(1);
  });

  it('nothing remembers a verdict: the same pending proof asked again is settled again (the ledger decides, on any replica)', async () => {
    await forward('/premium/article', txHeaders(PENDING_TX));
    await forward('/premium/article', txHeaders(PENDING_TX));
    expect(settled).toHaveLength(2);
  });

  it('a bare hash (no x-payment-challenge) is refused payment_challenge_required without a portal call, unless the resource opted in', async () => {
    const r = await forward('/premium/article', { 'x-payment-chain': 'base', 'x-payment-tx': GOOD_TX });
    expect(r.status).toBe(402);
    expect(r.headers['x-402-reason']).toBe(REASONS.PAYMENT_CHALLENGE_REQUIRED);
    expect(JSON.parse(r.body).paymentDetails.challengeId).toMatch(/\./);
    expect(settled).toHaveLength(0);
    const opted = await forward('/unbound/item', { 'x-payment-chain': 'base', 'x-payment-tx': GOOD_TX });
    expect(opted.status).toBe(200);
    expect(settled[0]?.proof).toEqual({ type: 'tx', network: 'base', tx: GOOD_TX });
  });

  it('a limited proof attempt is 429 rate_limited with Retry-After, never a 5xx', async () => {
    const r = await forward('/premium/article', txHeaders(LIMITED_TX));
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('30');
    expect(JSON.parse(r.body)).toMatchObject({ error: 'rate_limited', reason: REASONS.RATE_LIMITED });
    const nginx = await send(stack.service.httpPort, {
      path: '/v1/nginx',
      headers: {
        host: 'shop.example',
        'x-original-uri': '/premium/article',
        'x-original-method': 'GET',
        ...txHeaders(LIMITED_TX),
      },
    });
    expect(nginx.status).toBe(401);
    expect(nginx.headers['x-402-verdict']).toBe('rate_limited rate_limited 30');
  });

  it('a payment-identifier conflict is 409 in every HTTP dialect (NGINX: 401 + a conflict verdict rendered as 409)', async () => {
    const r = await forward('/premium/article', txHeaders(CONFLICT_TX));
    expect(r.status).toBe(409);
    expect(r.headers['x-402-reason']).toBe(REASONS.PAYMENT_IDENTIFIER_CONFLICT);
    expect(JSON.parse(r.body)).toMatchObject({
      error: 'conflict',
      reason: REASONS.PAYMENT_IDENTIFIER_CONFLICT,
    });
    const original = {
      host: 'shop.example',
      'x-original-uri': '/premium/article',
      'x-original-method': 'GET',
    };
    const nginx = await send(stack.service.httpPort, {
      path: '/v1/nginx',
      headers: { ...original, ...txHeaders(CONFLICT_TX) },
    });
    expect(nginx.status).toBe(401);
    expect(nginx.headers['x-402-verdict']).toBe('conflict payment_identifier_conflict');
    const rendered = await send(stack.service.httpPort, {
      path: '/v1/nginx/challenge',
      headers: {
        ...original,
        accept: 'application/json',
        'x-402-verdict': nginx.headers['x-402-verdict'] as string,
      },
    });
    expect(rendered.status).toBe(409);
    expect(JSON.parse(rendered.body)).toMatchObject({ reason: REASONS.PAYMENT_IDENTIFIER_CONFLICT });
  });

  it('SIGN-IN-WITH-X goes to the portal as a siwx proof; a refusal is a fresh 402 with its reason', async () => {
    const header = Buffer.from(JSON.stringify({ domain: 'shop.example', signature: '0x00' })).toString(
      'base64',
    );
    const r = await forward('/premium/article', { 'sign-in-with-x': header });
    expect(r.status).toBe(402);
    expect(r.headers['x-402-reason']).toBe(REASONS.SIWX_NOT_PAID);
    expect(settled.map((s) => s.proof)).toEqual([{ type: 'siwx', header }]);
    const garbled = await forward('/premium/article', { 'sign-in-with-x': 'not base64 at all!' });
    expect(garbled.status).toBe(402);
    expect(garbled.headers['x-402-reason']).toBe(REASONS.SIWX_INVALID);
    expect(settled).toHaveLength(1);
  });

  it('a reason of the portal’s own (not in protocol REASONS) is passed on as it is', async () => {
    const r = await forward('/premium/article', txHeaders(CHAIN_DOWN_TX));
    expect(r.status).toBe(402);
    expect(r.headers['x-402-reason']).toBe('chain_unavailable');
    expect(r.headers['retry-after']).toBe('3');
  });

  it('x-payment-challenge goes to the portal with the tx, binding the hash to that challenge', async () => {
    const r = await forward('/premium/article', {
      'x-payment-chain': 'base',
      'x-payment-tx': GOOD_TX,
      'x-payment-challenge': 'inv_123-abc',
    });
    expect(r.status).toBe(200);
    expect(settled.map((s) => s.proof)).toEqual([
      { type: 'tx', network: 'base', tx: GOOD_TX, challenge: 'inv_123-abc' },
    ]);
  });

  it.each([
    [
      'an unknown chain',
      { 'x-payment-chain': 'narnia', 'x-payment-tx': GOOD_TX },
      REASONS.PAYMENT_CHAIN_UNKNOWN,
      402,
    ],
    [
      'a malformed tx hash',
      { 'x-payment-chain': 'base', 'x-payment-tx': 'not a hash!' },
      REASONS.PAYMENT_TX_MALFORMED,
      402,
    ],
    [
      'a malformed x-payment-challenge',
      { 'x-payment-chain': 'base', 'x-payment-tx': GOOD_TX, 'x-payment-challenge': 'no spaces/here' },
      REASONS.PAYMENT_CHALLENGE_MALFORMED,
      402,
    ],
    // x402 HTTP transport: "Invalid Payment | 400 | Malformed payment payload or requirements".
    ['a garbled PAYMENT-SIGNATURE', { 'payment-signature': '!!!' }, REASONS.X402_PAYLOAD_INVALID, 400],
    [
      'an X-PAYMENT off the schema',
      { 'x-payment': encodeX402Header({ x402Version: 1 }) },
      REASONS.X402_PAYLOAD_INVALID,
      400,
    ],
  ])('refuses %s without calling the portal', async (_name, headers, reason, status) => {
    const r = await forward('/premium/article', headers);
    expect(r.status).toBe(status);
    expect(JSON.parse(r.body).reason).toBe(reason);
    expect(settled).toHaveLength(0);
  });

  it('x402 v2 PAYMENT-SIGNATURE: settled, allowed, PAYMENT-RESPONSE returned', async () => {
    const payload = {
      x402Version: 2,
      accepted: {
        scheme: 'exact',
        network: 'eip155:8453',
        amount: '10000',
        asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
        payTo: '0x00000000000000000000000000000000000000aa',
        maxTimeoutSeconds: 300,
        extra: { name: 'USD Coin', version: '2' },
      },
      payload: { signature: '0x00', authorization: {} },
    };
    const r = await forward('/premium/article', { 'payment-signature': encodeX402Header(payload) });
    expect(r.status).toBe(200);
    expect(settled[0]?.proof).toMatchObject({ type: 'x402', version: 2 });
    const receipt = decodeX402Header(r.headers['payment-response'] as string, x402SettlementResponseSchema);
    expect(receipt.transaction).toBe(GOOD_TX);
  });

  it('through NGINX’s endpoint too: 200 with the token headers for auth_request_set', async () => {
    const r = await send(stack.service.httpPort, {
      path: '/v1/nginx',
      headers: {
        host: 'shop.example',
        'x-original-uri': '/premium/article',
        'x-original-method': 'GET',
        ...txHeaders(GOOD_TX),
      },
    });
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    expect(r.headers['x-402-token']).toBeTruthy();
    expect(r.headers['set-cookie']?.[0]).not.toContain('Secure');
  });

  it('a valid token is used before any proof (no second payment)', async () => {
    const first = await forward('/premium/article', txHeaders(GOOD_TX));
    const again = await forward('/premium/article', {
      authorization: `Bearer ${first.headers['x-402-token'] as string}`,
      ...txHeaders(GOOD_TX),
    });
    expect(again.status).toBe(200);
    expect(settled).toHaveLength(1);
  });

  it('portal down while settling: unavailable (503 portal_unavailable with Retry-After), never allowed', async () => {
    stack.portal.mode = 'status500';
    try {
      const r = await forward('/premium/article', txHeaders(GOOD_TX));
      expect(r.status).toBe(503);
      expect(r.headers['retry-after']).toBe('5');
      expect(JSON.parse(r.body).reason).toBe(REASONS.PORTAL_UNAVAILABLE);
    } finally {
      stack.portal.mode = 'ok';
    }
  });
});
