/**
 * x402 v1 on local and custom EVM networks, through real NGINX (integrations/nginx) with the dev
 * stack's chain setup (anvil + Circle's USDC, the network written by protocol's
 * localAnvilNetwork as deploy/dev does):
 * - a custom network on a chain x402 v1 clients can sign for gets that chain's v1 name by default
 *   (no config), and the unmodified v1 clients x402-fetch and x402-axios pay on it;
 * - on anvil's default chain (31337, which no v1 client can sign for: they take the EIP-712 chain
 *   id from the network name; `npm start` runs on 84532 for this reason) the body never carries an empty `accepts`: the v1 part is left out and
 *   `error` says why, while v2 (@x402/fetch, unmodified) pays.
 */
import axios from 'axios';
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { decodeXPaymentResponse, wrapFetchWithPayment as wrapFetchWithPaymentV1 } from 'x402-fetch';
import { withPaymentInterceptor } from 'x402-axios';
import { createWalletClient, defineChain, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { PRICE, USDC_PRICE_ATOMIC, startPaymentStack, type PaymentStack } from '../support/payments.js';
import { startTestUpstream } from '../support/upstream.js';

/** What the upstream asks on `network`: 0.01 USDC. */
const priceOn = (network: string) => ({
  ...PRICE,
  payment: { requests: [{ network, amount: '0.01', asset: 'USDC' }] },
});

function walletOn(stack: PaymentStack, chainId: number, privateKey: `0x${string}`) {
  const chain = defineChain({
    id: chainId,
    name: 'local',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [stack.anvil.rpcUrl] } },
  });
  return createWalletClient({
    account: privateKeyToAccount(privateKey),
    chain,
    transport: http(stack.anvil.rpcUrl),
  });
}

describe('a custom network on a chain x402 v1 clients know (1328): its v1 name by default', () => {
  const CHAIN_ID = 1328; // `sei-testnet` in x402 v1's table
  let stack: PaymentStack;
  beforeAll(async () => {
    stack = await startPaymentStack({
      gateway: 'nginx',
      network: { name: 'devnet', chainId: CHAIN_ID, custom: true },
      upstream: await startTestUpstream({ price: priceOn('devnet') }),
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('the 402 lists the v1 offer under the name v1 clients sign for', async () => {
    const res = await fetch(`${stack.baseUrl}/premium/v1/terms`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(402);
    const body = (await res.json()) as { x402Version: number; accepts: Array<{ network: string }> };
    expect(body.x402Version).toBe(1);
    expect(body.accepts.map((a) => a.network)).toEqual(['sei-testnet']);
  });

  it('x402-fetch (unmodified) pays once; the upstream sees the request once', async () => {
    const payer = stack.payers[0]!;
    const signer = walletOn(stack, CHAIN_ID, payer.privateKey) as unknown as Parameters<
      typeof wrapFetchWithPaymentV1
    >[1];
    const paidFetch = wrapFetchWithPaymentV1(fetch, signer, USDC_PRICE_ATOMIC);
    const before = await stack.usdc.balanceOf(payer.address);
    const hits = stack.appHits('/premium/v1-fetch');
    const res = await paidFetch(`${stack.baseUrl}/premium/v1-fetch/report`, {
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(stack.appHits('/premium/v1-fetch')).toBe(hits + 1);
    expect(await stack.usdc.balanceOf(payer.address)).toBe(before - USDC_PRICE_ATOMIC);
    expect(decodeXPaymentResponse(res.headers.get('x-payment-response')!)).toMatchObject({
      success: true,
      network: 'sei-testnet',
    });
  });

  it('x402-axios (unmodified) pays once; the upstream sees the request once', async () => {
    const payer = stack.payers[1]!;
    const signer = walletOn(stack, CHAIN_ID, payer.privateKey) as unknown as Parameters<
      typeof withPaymentInterceptor
    >[1];
    const client = withPaymentInterceptor(axios.create({ baseURL: stack.baseUrl }), signer);
    const before = await stack.usdc.balanceOf(payer.address);
    const hits = stack.appHits('/premium/v1-axios');
    const res = await client.get('/premium/v1-axios/report', { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(stack.appHits('/premium/v1-axios')).toBe(hits + 1);
    expect(await stack.usdc.balanceOf(payer.address)).toBe(before - USDC_PRICE_ATOMIC);
    expect(decodeXPaymentResponse(String(res.headers['x-payment-response']))).toMatchObject({
      success: true,
    });
    expect(String(res.headers['x-402-token'])).toMatch(/^ey/);
  });
});

describe("anvil's default chain (31337): no v1 name, so no v1 part — and v2 pays", () => {
  let stack: PaymentStack;
  beforeAll(async () => {
    stack = await startPaymentStack({
      gateway: 'nginx',
      network: { name: 'anvil', chainId: 31337, custom: true },
      upstream: await startTestUpstream({ price: priceOn('anvil') }),
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('never an empty accepts: the v1 part is left out and error says why', async () => {
    const res = await fetch(`${stack.baseUrl}/premium/local/terms`, {
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(402);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty('accepts');
    expect(body).not.toHaveProperty('x402Version');
    expect(body['reason']).toBe('token_missing');
    expect(body['error']).toMatch(/x402 v1 cannot pay here: no offer is on a network with an x402 v1 name/);
    const required = JSON.parse(
      Buffer.from(res.headers.get('payment-required')!, 'base64').toString('utf8'),
    ) as {
      accepts: Array<{ network: string }>;
    };
    expect(required.accepts.map((a) => a.network)).toEqual(['eip155:31337']);
  });

  it('discovery is off by default: /.well-known/x402 answers 404 discovery_disabled', async () => {
    const res = await fetch(`${stack.baseUrl}/.well-known/x402`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { reason: string }).reason).toBe('discovery_disabled');
  });

  it('@x402/fetch (v2, unmodified) pays once on it', async () => {
    const payer = stack.payers[2]!;
    const client = new x402Client().setSpendControls(false);
    registerExactEvmScheme(client, { signer: privateKeyToAccount(payer.privateKey) });
    const hits = stack.appHits('/premium/local-v2');
    const res = await wrapFetchWithPayment(fetch, client)(`${stack.baseUrl}/premium/local-v2/report`, {
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(stack.appHits('/premium/local-v2')).toBe(hits + 1);
    expect(decodePaymentResponseHeader(res.headers.get('payment-response')!)).toMatchObject({
      success: true,
      network: 'eip155:31337',
    });
  });
});
