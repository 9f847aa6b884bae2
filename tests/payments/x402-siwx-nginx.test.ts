/**
 * x402 sign-in-with-x through real NGINX (integrations/nginx) in front of two payment-portal
 * replicas sharing one PostgreSQL database, on anvil with Circle's USDC: the unmodified
 * @x402/fetch client with @x402/extensions' SIWx client extension (configured, never changed)
 * calls a priced API 20 times and pays once — every later call signs in with `SIGN-IN-WITH-X`, the
 * portal (whichever replica) finds the grant that address bought, and the request passes. A
 * replayed sign-in, an address that never paid and a forged nonce are refused, and a 402 writes
 * nothing.
 */
import { wrapFetchWithPayment, x402Client, type x402HTTPClient } from '@x402/fetch';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { createSIWxClientExtension, createSIWxClientHook } from '@x402/extensions/sign-in-with-x';
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts';
import { waitFor402 } from '../support/wait-for-402.js';
import { startPaymentStack, PAY_CAIP2, USDC_PRICE_ATOMIC, type PaymentStack } from '../support/payments.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';

type PaymentRequired = Parameters<x402HTTPClient['handlePaymentRequired']>[0];
interface SiwxExtension {
  info: Record<string, string>;
  supportedChains: Array<{ chainId: string; type: string }>;
}

function extensionsOf(required: PaymentRequired): Record<string, unknown> {
  return (required.extensions ?? {}) as Record<string, unknown>;
}

let pg: TestPostgres;
let stack: PaymentStack;

beforeAll(async () => {
  pg = await startPostgres();
  stack = await startPaymentStack({ gateway: 'nginx', portals: 2, databaseUrl: await pg.createDatabase() });
  await waitFor402(`${stack.baseUrl}/premium/warm-up`);
}, 180_000);
afterAll(async () => {
  await stack?.close();
  await pg?.stop();
});

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const r = await stack.portal.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM (${sql}) t`, params);
  return Number(r.rows[0]!.n);
}

/** A fresh 402 of `path` and its decoded PAYMENT-REQUIRED. */
async function paymentRequiredOf(path: string): Promise<{ url: string; required: PaymentRequired }> {
  const url = `${stack.baseUrl}${path}`;
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  expect(res.status).toBe(402);
  const required = JSON.parse(
    Buffer.from(res.headers.get('payment-required') ?? '', 'base64').toString('utf8'),
  ) as PaymentRequired;
  return { url, required };
}

/** The SIGN-IN-WITH-X header the unmodified client hook signs for a 402. */
async function signIn(privateKey: `0x${string}`, path: string): Promise<{ url: string; header: string }> {
  const { url, required } = await paymentRequiredOf(path);
  const hook = createSIWxClientHook(privateKeyToAccount(privateKey));
  const out = await hook({ paymentRequired: required, requestUrl: url });
  const header = out?.headers['sign-in-with-x'];
  expect(header).toEqual(expect.any(String));
  return { url, header: header! };
}

describe('x402 sign-in-with-x: @x402/fetch + @x402/extensions through NGINX, two portal replicas', () => {
  it('every 402 advertises sign-in on the offered chain, for the authority the client addressed', async () => {
    const { required } = await paymentRequiredOf('/premium/siwx/advert');
    const siwx = extensionsOf(required)['sign-in-with-x'] as SiwxExtension;
    expect(siwx.supportedChains[0]).toEqual({ chainId: PAY_CAIP2, type: 'eip191' });
    const authority = new URL(stack.baseUrl).host;
    expect(siwx.info).toMatchObject({
      domain: authority,
      uri: `http://${authority}/premium/siwx/advert`,
      version: '1',
      nonce: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(Date.parse(siwx.info.expirationTime!) - Date.parse(siwx.info.issuedAt!)).toBe(300_000);
    expect((extensionsOf(required)['payment-identifier'] as { info: unknown }).info).toEqual({
      required: false,
    });
  });

  it('a priced API called 20 times is paid once; the upstream sees 20 requests; both replicas answered', async () => {
    const payer = stack.payers[0]!;
    const account = privateKeyToAccount(payer.privateKey);
    const client = new x402Client().setSpendControls(false);
    registerExactEvmScheme(client, { signer: account });
    client.registerExtension(createSIWxClientExtension({ signers: [account] }));
    const paidFetch = wrapFetchWithPayment(fetch, client);
    const before = await stack.usdc.balanceOf(payer.address);
    const hitsBefore = stack.appHits('/premium/siwx/report');
    const settlesBefore = stack.internalProxy!.served('/internal/v1/settle');
    const noncesBefore = await count('SELECT 1 FROM siwx_nonces');

    for (let i = 0; i < 20; i++) {
      const res = await paidFetch(`${stack.baseUrl}/premium/siwx/report`, {
        headers: { accept: 'application/json' },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ content: 'premium', path: '/premium/siwx/report' });
      // The first call paid (x402 receipt); every later one signed in (a token, no receipt).
      expect(res.headers.get('payment-response') !== null).toBe(i === 0);
      expect(res.headers.get('x-402-token')).toMatch(/^ey/);
    }

    expect(await stack.usdc.balanceOf(payer.address)).toBe(before - USDC_PRICE_ATOMIC);
    expect(stack.appHits('/premium/siwx/report')).toBe(hitsBefore + 20);
    expect(await count(`SELECT 1 FROM redemptions WHERE payer = $1`, [payer.address.toLowerCase()])).toBe(1);
    // 19 sign-ins, each nonce used once.
    expect(await count('SELECT 1 FROM siwx_nonces')).toBe(noncesBefore + 19);
    // The settle calls (one failed sign-in, one payment, 19 sign-ins; a call on a keep-alive connection
    // the proxy closed is tried once more) went to both replicas.
    const settles = stack.internalProxy!.served('/internal/v1/settle');
    const perReplica = settles.map((n, i) => n - settlesBefore[i]!);
    expect(perReplica.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(21);
    expect(Math.min(...perReplica)).toBeGreaterThan(0);
  });

  it('a sign-in is used once: replaying the same SIGN-IN-WITH-X gets a 402 siwx_nonce_used', async () => {
    const { url, header } = await signIn(stack.payers[0]!.privateKey, '/premium/siwx/report');
    const first = await fetch(url, { headers: { accept: 'application/json', 'sign-in-with-x': header } });
    expect(first.status).toBe(200);
    const replay = await fetch(url, { headers: { accept: 'application/json', 'sign-in-with-x': header } });
    expect(replay.status).toBe(402);
    expect(replay.headers.get('x-402-reason')).toBe('siwx_nonce_used');
  });

  it('an address that never paid gets a 402 siwx_not_paid and writes nothing', async () => {
    const stranger = generatePrivateKey();
    const { url, header } = await signIn(stranger, '/premium/siwx/report');
    const nonces = await count('SELECT 1 FROM siwx_nonces');
    const res = await fetch(url, { headers: { accept: 'application/json', 'sign-in-with-x': header } });
    expect(res.status).toBe(402);
    expect(res.headers.get('x-402-reason')).toBe('siwx_not_paid');
    expect(await count('SELECT 1 FROM siwx_nonces')).toBe(nonces);
  });

  it("a payer's sign-in for another resource it did not buy gets a 402 siwx_not_paid", async () => {
    const { url, header } = await signIn(stack.payers[0]!.privateKey, '/premium/siwx/other');
    const res = await fetch(url, { headers: { accept: 'application/json', 'sign-in-with-x': header } });
    expect(res.status).toBe(402);
    expect(res.headers.get('x-402-reason')).toBe('siwx_not_paid');
  });

  it('a message whose nonce this service did not mint, or signed for another resource, is refused', async () => {
    const payer = stack.payers[0]!;
    const { url, required } = await paymentRequiredOf('/premium/siwx/report');
    const ext = extensionsOf(required)['sign-in-with-x'] as SiwxExtension;
    const hook = createSIWxClientHook(privateKeyToAccount(payer.privateKey));
    const forged = {
      ...required,
      extensions: { 'sign-in-with-x': { ...ext, info: { ...ext.info, nonce: 'a'.repeat(32) } } },
    };
    const out = await hook({ paymentRequired: forged as PaymentRequired, requestUrl: url });
    const res = await fetch(url, {
      headers: { accept: 'application/json', 'sign-in-with-x': out!.headers['sign-in-with-x']! },
    });
    expect(res.status).toBe(402);
    expect(res.headers.get('x-402-reason')).toBe('siwx_challenge_invalid');

    // Signed for /premium/siwx/report, presented on /premium/siwx/other.
    const { header } = await signIn(payer.privateKey, '/premium/siwx/report');
    const elsewhere = await fetch(`${stack.baseUrl}/premium/siwx/other`, {
      headers: { accept: 'application/json', 'sign-in-with-x': header },
    });
    expect(elsewhere.status).toBe(402);
    expect(elsewhere.headers.get('x-402-reason')).toBe('siwx_challenge_invalid');
  });

  it('a signature by another key than the address is refused siwx_signature_invalid', async () => {
    const { url, header } = await signIn(generatePrivateKey(), '/premium/siwx/report');
    const payload = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as Record<string, string>;
    payload.address = stack.payers[0]!.address;
    const res = await fetch(url, {
      headers: {
        accept: 'application/json',
        'sign-in-with-x': Buffer.from(JSON.stringify(payload)).toString('base64'),
      },
    });
    expect(res.status).toBe(402);
    expect(res.headers.get('x-402-reason')).toBe('siwx_signature_invalid');
  });

  it('a 402 writes nothing: 50 API 402s leave siwx_nonces and payment_identifiers as they were', async () => {
    const nonces = await count('SELECT 1 FROM siwx_nonces');
    const ids = await count('SELECT 1 FROM payment_identifiers');
    for (let i = 0; i < 50; i++) await paymentRequiredOf(`/premium/siwx/quiet/${i}`);
    expect(await count('SELECT 1 FROM siwx_nonces')).toBe(nonces);
    expect(await count('SELECT 1 FROM payment_identifiers')).toBe(ids);
  });
});
