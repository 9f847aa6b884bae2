/**
 * Unmodified x402 clients pay through real NGINX (integrations/nginx) + authz-service +
 * payment-portal on anvil with Circle's USDC: @x402/fetch (v2, PAYMENT-SIGNATURE) with the
 * @x402/evm exact client signer, and the legacy v1 client x402-fetch (X-PAYMENT). The clients are
 * configured (spend controls off: the test USDC is not one of their built-in assets), never changed.
 */
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { decodeXPaymentResponse, wrapFetchWithPayment as wrapFetchWithPaymentV1 } from 'x402-fetch';
import { id } from 'ethers';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { RECEIPT_TYP, receiptClaimsSchema, type ReceiptClaims } from '@turnpike/protocol';
import { createWalletClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { baseSepolia } from 'viem/chains';
import {
  PAY_CAIP2,
  PAY_NETWORK,
  USDC_PRICE_ATOMIC,
  startPaymentStack,
  type PaymentStack,
} from '../support/payments.js';

const TRANSFER_TOPIC = id('Transfer(address,address,uint256)');
let stack: PaymentStack;

beforeAll(async () => {
  stack = await startPaymentStack({ gateway: 'nginx' });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

/** The invoice address the 402 offers for USDC (its unique x402 payTo). */
async function offeredPayTo(path: string): Promise<string> {
  const res = await fetch(`${stack.baseUrl}${path}`, { headers: { accept: 'application/json' } });
  expect(res.status).toBe(402);
  const required = JSON.parse(
    Buffer.from(res.headers.get('payment-required') ?? '', 'base64').toString('utf8'),
  ) as { accepts: Array<{ network: string; payTo: string; amount: string }> };
  expect(required.accepts[0]).toMatchObject({ network: PAY_CAIP2, amount: USDC_PRICE_ATOMIC.toString() });
  return required.accepts[0]!.payTo;
}

describe('x402 v2: @x402/fetch through NGINX', () => {
  it('pays once, the upstream sees the request once, and the returned token opens the next call', async () => {
    const payer = stack.payers[0]!;
    const client = new x402Client().setSpendControls(false);
    registerExactEvmScheme(client, { signer: privateKeyToAccount(payer.privateKey) });
    const paidFetch = wrapFetchWithPayment(fetch, client);
    const before = await stack.usdc.balanceOf(payer.address);
    const hitsBefore = stack.appHits('/premium/v2');

    const res = await paidFetch(`${stack.baseUrl}/premium/v2/report`, {
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ content: 'premium', path: '/premium/v2/report' });
    expect(stack.appHits('/premium/v2')).toBe(hitsBefore + 1);

    const receipt = decodePaymentResponseHeader(res.headers.get('payment-response') ?? '');
    expect(receipt).toMatchObject({ success: true, network: PAY_CAIP2 });
    expect(receipt.transaction).toMatch(/^0x[0-9a-f]{64}$/i);
    const onChain = await stack.provider.getTransactionReceipt(receipt.transaction);
    expect(onChain?.status).toBe(1);
    expect(await stack.usdc.balanceOf(payer.address)).toBe(before - USDC_PRICE_ATOMIC);

    // The USDC went to the portal's x402 address, once, and this authorization is the credit's
    // binding (the payer's signature): the first database write of the whole payment.
    const transfer = onChain!.logs.find(
      (l) => l.address.toLowerCase() === stack.usdc.address.toLowerCase() && l.topics[0] === TRANSFER_TOPIC,
    );
    const x402Address = `0x${transfer!.topics[2]!.slice(26)}`;
    expect(x402Address).toBe(stack.portal.context.payee.x402?.payTo);
    expect(transfer!.topics[1]!.slice(26)).toBe(payer.address.slice(2).toLowerCase());
    const credited = await stack.portal.db.query<{ source: string; binding: string }>(
      `SELECT i.source, i.binding FROM redemptions r JOIN invoices i ON i.id = r.invoice_id WHERE r.tx_hash = $1`,
      [receipt.transaction.toLowerCase()],
    );
    expect(credited.rows).toEqual([
      {
        source: 'proof',
        // The unmodified v2 client echoed the 402's secret (extra.challenge): its hash ends the
        // binding (a payload without one would end in `unbound-…`).
        binding: expect.stringMatching(
          new RegExp(
            `^x402:${PAY_NETWORK}:0x[0-9a-f]{40}:${payer.address.toLowerCase()}:0x[0-9a-f]{64}:[0-9a-f]{32}$`,
          ),
        ),
      },
    ]);

    const token = res.headers.get('x-402-token');
    expect(token).toMatch(/^ey/);
    const blockBefore = await stack.provider.getBlockNumber();
    const again = await fetch(`${stack.baseUrl}/premium/v2/report`, {
      headers: { accept: 'application/json', authorization: `Bearer ${token}` },
    });
    expect(again.status).toBe(200);
    expect(again.headers.get('payment-response')).toBeNull();
    expect(stack.appHits('/premium/v2')).toBe(hitsBefore + 2);
    expect(await stack.provider.getBlockNumber()).toBe(blockBefore);
    expect(await stack.usdc.balanceOf(payer.address)).toBe(before - USDC_PRICE_ATOMIC);

    // The payer's signed receipt, asked for with the same token through the gateway's /_402/ route.
    const receipts = await fetch(`${stack.baseUrl}/_402/receipts`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(receipts.status).toBe(200);
    const [signed, ...more] = (
      (await receipts.json()) as { receipts: Array<{ receipt: string; claims: ReceiptClaims }> }
    ).receipts;
    expect(more).toEqual([]);
    const jwks = await (await fetch(`${stack.baseUrl}/_402/.well-known/jwks.json`)).json();
    const tokenClaims = decodeJwt(token!);
    const { payload } = await jwtVerify(signed!.receipt, createLocalJWKSet(jwks as never), {
      typ: RECEIPT_TYP,
    });
    expect(receiptClaimsSchema.parse(payload)).toMatchObject({
      // The same host and scope the token opens.
      aud: tokenClaims.aud,
      resource: tokenClaims.resource,
      pay: {
        network: PAY_NETWORK,
        tx: receipt.transaction.toLowerCase(),
        amount: USDC_PRICE_ATOMIC.toString(),
        symbol: 'USDC',
        payer: payer.address.toLowerCase(),
      },
    });
  });

  it("the 402's x402 terms pay the portal's one x402 address (the signature binds a payment, not the address)", async () => {
    const a = await offeredPayTo('/premium/v2/a');
    const b = await offeredPayTo('/premium/v2/b');
    expect(a).toBe(b);
    expect(a.toLowerCase()).toBe(stack.portal.context.payee.x402?.payTo);
  });
});

describe('x402 v1: x402-fetch through NGINX', () => {
  it('pays once with X-PAYMENT, gets X-PAYMENT-RESPONSE, and the token opens the next call', async () => {
    const payer = stack.payers[1]!;
    const wallet = createWalletClient({
      account: privateKeyToAccount(payer.privateKey),
      chain: baseSepolia,
      transport: http(stack.anvil.rpcUrl),
    });
    // maxValue is in atomic units: allow exactly the price.
    // x402 v1 types its signer against its own copy of viem; the object is a plain viem wallet client.
    const signer = wallet as unknown as Parameters<typeof wrapFetchWithPaymentV1>[1];
    const paidFetch = wrapFetchWithPaymentV1(fetch, signer, USDC_PRICE_ATOMIC);
    const before = await stack.usdc.balanceOf(payer.address);
    const hitsBefore = stack.appHits('/premium/v1');

    const res = await paidFetch(`${stack.baseUrl}/premium/v1/report`, {
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(stack.appHits('/premium/v1')).toBe(hitsBefore + 1);
    expect(await stack.usdc.balanceOf(payer.address)).toBe(before - USDC_PRICE_ATOMIC);
    const header = res.headers.get('x-payment-response');
    expect(header).not.toBeNull();
    expect(decodeXPaymentResponse(header!)).toMatchObject({ success: true });

    const token = res.headers.get('x-402-token');
    expect(token).toMatch(/^ey/);
    const again = await fetch(`${stack.baseUrl}/premium/v1/report`, {
      headers: { accept: 'application/json', authorization: `Bearer ${token}` },
    });
    expect(again.status).toBe(200);
    expect(stack.appHits('/premium/v1')).toBe(hitsBefore + 2);
    expect(await stack.usdc.balanceOf(payer.address)).toBe(before - USDC_PRICE_ATOMIC);
  });
});
