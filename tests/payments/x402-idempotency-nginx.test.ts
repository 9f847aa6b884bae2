/**
 * x402 `payment-identifier` through real NGINX (integrations/nginx) in front of two payment-portal
 * replicas sharing one PostgreSQL database, on anvil with Circle's USDC. The payment payload is made
 * by the unmodified @x402/core client (through @x402/fetch's exports) with @x402/extensions'
 * `appendPaymentIdentifierToExtensions`, as a client that retries does: one payload, one id, sent
 * again and again. 20 concurrent copies settle once — one transfer, one credit — and every copy
 * passes with the same receipt, whichever replica it reached and even while the first was still
 * settling. The same id with another payload or another request is refused with 409.
 */
import { decodePaymentResponseHeader, x402Client, x402HTTPClient } from '@x402/fetch';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { appendPaymentIdentifierToExtensions, generatePaymentId } from '@x402/extensions/payment-identifier';
import { privateKeyToAccount } from 'viem/accounts';
import { waitFor402 } from '../support/wait-for-402.js';
import { startPaymentStack, USDC_PRICE_ATOMIC, type PaymentStack } from '../support/payments.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';

type PaymentRequired = Parameters<x402HTTPClient['handlePaymentRequired']>[0];

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

/** A client of one payer (spend controls off: the test USDC is not one of its built-in assets). */
function clientOf(privateKey: `0x${string}`): x402Client {
  const client = new x402Client().setSpendControls(false);
  registerExactEvmScheme(client, { signer: privateKeyToAccount(privateKey) });
  return client;
}

/** A 402 of `path` and its PAYMENT-REQUIRED, decoded. */
async function paymentRequiredOf(path: string): Promise<PaymentRequired> {
  const res = await fetch(`${stack.baseUrl}${path}`, { headers: { accept: 'application/json' } });
  expect(res.status).toBe(402);
  return JSON.parse(
    Buffer.from(res.headers.get('payment-required') ?? '', 'base64').toString('utf8'),
  ) as PaymentRequired;
}

/** A PAYMENT-SIGNATURE for `path` carrying payment-identifier `id`. */
async function signedPayment(client: x402Client, path: string, id: string): Promise<string> {
  const required = await paymentRequiredOf(path);
  appendPaymentIdentifierToExtensions(required.extensions ?? {}, id);
  const payload = await client.createPaymentPayload(required);
  expect((payload.extensions?.['payment-identifier'] as { info: { id: string } }).info.id).toBe(id);
  return new x402HTTPClient(client).encodePaymentSignatureHeader(payload)['PAYMENT-SIGNATURE']!;
}

function paid(path: string, signature: string): Promise<Response> {
  return fetch(`${stack.baseUrl}${path}`, {
    headers: { accept: 'application/json', 'payment-signature': signature },
  });
}

describe('x402 payment-identifier through NGINX, two portal replicas', () => {
  it('20 concurrent retries with the same id settle once; every one passes with the same receipt', async () => {
    const payer = stack.payers[0]!;
    const client = clientOf(payer.privateKey);
    const id = generatePaymentId();
    const signature = await signedPayment(client, '/premium/idem/report', id);
    const before = await stack.usdc.balanceOf(payer.address);
    const hitsBefore = stack.appHits('/premium/idem/report');
    const settlesBefore = stack.internalProxy!.served('/internal/v1/settle');

    const answers = await Promise.all(
      Array.from({ length: 20 }, () => paid('/premium/idem/report', signature)),
    );

    expect(answers.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 200));
    const receipts = answers.map((r) => decodePaymentResponseHeader(r.headers.get('payment-response') ?? ''));
    const transactions = new Set(receipts.map((r) => r.transaction));
    expect(transactions.size).toBe(1);
    expect(receipts[0]).toMatchObject({ success: true, payer: payer.address });
    const [tx] = [...transactions];
    expect((await stack.provider.getTransactionReceipt(tx!))?.status).toBe(1);
    // One transfer, one credit, the upstream saw all 20.
    expect(await stack.usdc.balanceOf(payer.address)).toBe(before - USDC_PRICE_ATOMIC);
    expect(await count('SELECT 1 FROM redemptions WHERE payer = $1', [payer.address.toLowerCase()])).toBe(1);
    expect(stack.appHits('/premium/idem/report')).toBe(hitsBefore + 20);
    // The id is recorded once, done, naming the credited invoice.
    const row = await stack.portal.db.query<{ state: string; invoice_id: string | null }>(
      'SELECT state, invoice_id FROM payment_identifiers WHERE id = $1',
      [id],
    );
    expect(row.rows).toEqual([{ state: 'done', invoice_id: expect.any(String) }]);
    // Both replicas took some of the 20 settle calls.
    const perReplica = stack
      .internalProxy!.served('/internal/v1/settle')
      .map((n, i) => n - settlesBefore[i]!);
    expect(perReplica.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(20);
    expect(Math.min(...perReplica)).toBeGreaterThan(0);

    // A later retry (the first long finished) gets the same answer again.
    const later = await paid('/premium/idem/report', signature);
    expect(later.status).toBe(200);
    expect(decodePaymentResponseHeader(later.headers.get('payment-response') ?? '').transaction).toBe(tx);
    expect(await stack.usdc.balanceOf(payer.address)).toBe(before - USDC_PRICE_ATOMIC);
  });

  it('the same id with another payment payload is refused with 409 payment_identifier_conflict', async () => {
    const payer = stack.payers[1]!;
    const client = clientOf(payer.privateKey);
    const id = generatePaymentId();
    const first = await signedPayment(client, '/premium/idem/conflict', id);
    expect((await paid('/premium/idem/conflict', first)).status).toBe(200);
    const before = await stack.usdc.balanceOf(payer.address);

    // A new authorization (another EIP-3009 nonce) under the same id.
    const second = await signedPayment(client, '/premium/idem/conflict', id);
    expect(second).not.toBe(first);
    const res = await paid('/premium/idem/conflict', second);
    expect(res.status).toBe(409);
    expect(res.headers.get('x-402-reason')).toBe('payment_identifier_conflict');
    expect(await res.json()).toMatchObject({ reason: 'payment_identifier_conflict' });
    expect(await stack.usdc.balanceOf(payer.address)).toBe(before);
  });

  it('the same id and payload presented for another request is refused with 409', async () => {
    const payer = stack.payers[2]!;
    const client = clientOf(payer.privateKey);
    const id = generatePaymentId();
    const signature = await signedPayment(client, '/premium/idem/here', id);
    expect((await paid('/premium/idem/here', signature)).status).toBe(200);
    const hitsBefore = stack.appHits('/premium/idem/there');

    const res = await paid('/premium/idem/there', signature);
    expect(res.status).toBe(409);
    expect(res.headers.get('x-402-reason')).toBe('payment_identifier_conflict');
    expect(stack.appHits('/premium/idem/there')).toBe(hitsBefore);
  });

  it('an id that is not 16-128 characters of [A-Za-z0-9_-] is refused before anything is settled', async () => {
    const payer = stack.payers[3]!;
    const client = clientOf(payer.privateKey);
    const required = await paymentRequiredOf('/premium/idem/bad-id');
    const payload = await client.createPaymentPayload(required);
    const ext = payload.extensions?.['payment-identifier'] as { info: Record<string, unknown> };
    ext.info.id = 'short';
    const before = await stack.usdc.balanceOf(payer.address);
    const res = await paid(
      '/premium/idem/bad-id',
      new x402HTTPClient(client).encodePaymentSignatureHeader(payload)['PAYMENT-SIGNATURE']!,
    );
    expect(res.status).toBe(402);
    expect(res.headers.get('x-402-reason')).toBe('payment_identifier_invalid');
    expect(await stack.usdc.balanceOf(payer.address)).toBe(before);
  });
});
