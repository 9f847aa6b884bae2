/**
 * x402 `payment-identifier` conflicts are a 409 in the other gateway dialects too (NGINX is
 * x402-idempotency-nginx.test.ts): Caddy `forward_auth` and HAProxy's Lua action pass the
 * authorizer's 409 as it is. The payloads are made by the unmodified @x402/core client with
 * @x402/extensions' `appendPaymentIdentifierToExtensions`.
 */
import { decodePaymentResponseHeader, x402Client, x402HTTPClient } from '@x402/fetch';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { appendPaymentIdentifierToExtensions, generatePaymentId } from '@x402/extensions/payment-identifier';
import { privateKeyToAccount } from 'viem/accounts';
import { waitFor402 } from '../support/wait-for-402.js';
import { startPaymentStack, type PaymentStack } from '../support/payments.js';
import type { GatewayKind } from '../support/gateways.js';

type PaymentRequired = Parameters<x402HTTPClient['handlePaymentRequired']>[0];

describe.each(['caddy', 'haproxy'] as GatewayKind[])('x402 payment-identifier through %s', (gateway) => {
  let stack: PaymentStack;
  beforeAll(async () => {
    stack = await startPaymentStack({ gateway });
    await waitFor402(`${stack.baseUrl}/premium/warm-up`);
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  async function signedPayment(client: x402Client, path: string, id: string): Promise<string> {
    const res = await fetch(`${stack.baseUrl}${path}`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(402);
    const required = JSON.parse(
      Buffer.from(res.headers.get('payment-required') ?? '', 'base64').toString('utf8'),
    ) as PaymentRequired;
    appendPaymentIdentifierToExtensions(required.extensions ?? {}, id);
    const payload = await client.createPaymentPayload(required);
    return new x402HTTPClient(client).encodePaymentSignatureHeader(payload)['PAYMENT-SIGNATURE']!;
  }

  it('a retry gets the first result; the same id with another payload is a 409 and moves nothing', async () => {
    const payer = stack.payers[0]!;
    const client = new x402Client().setSpendControls(false);
    registerExactEvmScheme(client, { signer: privateKeyToAccount(payer.privateKey) });
    const id = generatePaymentId();
    const path = `/premium/idem-${gateway}/report`;
    const send = (signature: string) =>
      fetch(`${stack.baseUrl}${path}`, {
        headers: { accept: 'application/json', 'payment-signature': signature },
      });

    const first = await signedPayment(client, path, id);
    const paid = await send(first);
    expect(paid.status).toBe(200);
    const retried = await send(first);
    expect(retried.status).toBe(200);
    expect(decodePaymentResponseHeader(retried.headers.get('payment-response') ?? '')).toEqual(
      decodePaymentResponseHeader(paid.headers.get('payment-response') ?? ''),
    );
    const after = await stack.usdc.balanceOf(payer.address);

    const conflict = await send(await signedPayment(client, path, id));
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get('x-402-reason')).toBe('payment_identifier_conflict');
    expect(await conflict.json()).toMatchObject({ reason: 'payment_identifier_conflict' });
    expect(await stack.usdc.balanceOf(payer.address)).toBe(after);
  });
});
