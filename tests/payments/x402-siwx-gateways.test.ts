/**
 * x402 sign-in-with-x through the other gateway dialects (NGINX, with two portal replicas, is
 * x402-siwx-nginx.test.ts): Caddy `forward_auth` and HAProxy's Lua action forward
 * `SIGN-IN-WITH-X`, and the challenge names the authority the client addressed. The unmodified
 * @x402/fetch client with @x402/extensions' SIWx client extension calls a priced API 5 times and
 * pays once.
 */
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { createSIWxClientExtension } from '@x402/extensions/sign-in-with-x';
import { privateKeyToAccount } from 'viem/accounts';
import type { GatewayKind } from '../support/gateways.js';
import { waitFor402 } from '../support/wait-for-402.js';
import { startPaymentStack, USDC_PRICE_ATOMIC, type PaymentStack } from '../support/payments.js';

describe.each(['caddy', 'haproxy'] as GatewayKind[])('x402 sign-in-with-x through %s', (gateway) => {
  let stack: PaymentStack;
  beforeAll(async () => {
    stack = await startPaymentStack({ gateway });
    await waitFor402(`${stack.baseUrl}/premium/warm-up`);
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('a priced API called 5 times is paid once; the upstream sees 5 requests', async () => {
    const payer = stack.payers[0]!;
    const account = privateKeyToAccount(payer.privateKey);
    const client = new x402Client().setSpendControls(false);
    registerExactEvmScheme(client, { signer: account });
    client.registerExtension(createSIWxClientExtension({ signers: [account] }));
    const paidFetch = wrapFetchWithPayment(fetch, client);
    const before = await stack.usdc.balanceOf(payer.address);
    const path = `/premium/siwx-${gateway}/report`;

    for (let i = 0; i < 5; i++) {
      const res = await paidFetch(`${stack.baseUrl}${path}`, { headers: { accept: 'application/json' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('payment-response') !== null).toBe(i === 0);
    }
    expect(await stack.usdc.balanceOf(payer.address)).toBe(before - USDC_PRICE_ATOMIC);
    expect(stack.appHits(path)).toBe(5);
  });
});
