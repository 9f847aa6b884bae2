/**
 * The unmodified `mppx` 0.11.0 client (`Mppx.create` + `evm.charge`, no polyfill) paying Turnpike
 * through a real gateway (integrations/nginx or integrations/caddy) + authz-service +
 * payment-portal on anvil with Circle's USDC. mppx signs only `authorization` (EIP-3009) for the
 * evm method; the `hash` credential (a transfer the payer broadcast) is built with mppx's own
 * `Credential.serialize`, since its client does not send one. Shared by mpp-nginx and mpp-caddy.
 */
import { Challenge, Credential, Receipt } from 'mppx';
import { Mppx, evm } from 'mppx/client';

import { privateKeyToAccount } from 'viem/accounts';
import type { GatewayKind } from '../support/gateways.js';
import { firstRequirement, paymentSignature } from './x402-payload.js';
import {
  ETH_PRICE_WEI,
  PAY_CHAIN_ID,
  USDC_PRICE_ATOMIC,
  startPaymentStack,
  type DevAccount,
  type PaymentStack,
} from '../support/payments.js';

const USDC_DOMAIN = { name: 'USD Coin', version: '2' };

/** An unmodified mppx client for `payer`: the EVM charge method, the global fetch left alone. */
function mppxFor(payer: DevAccount) {
  return Mppx.create({
    methods: [evm.charge({ account: privateKeyToAccount(payer.privateKey), authorization: USDC_DOMAIN })],
    polyfill: false,
  });
}

/** The `Payment` challenges of a 402, parsed by mppx (the reference parser, not Turnpike's). */
export function challengesOf(res: Response): Challenge.Challenge[] {
  expect(res.status).toBe(402);
  return Challenge.deserializeList(res.headers.get('www-authenticate') ?? '');
}

export function mppSuite(gateway: GatewayKind): void {
  let stack: PaymentStack;

  beforeAll(async () => {
    stack = await startPaymentStack({ gateway });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  const api = { accept: 'application/json' };

  it(`the 402 through ${gateway} carries one Payment challenge per offer, in order, each with its own id`, async () => {
    const res = await fetch(`${stack.baseUrl}/premium/mpp/offers`, { headers: api });
    const challenges = challengesOf(res);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const summary = challenges.map((c) => ({
      method: c.method,
      intent: c.intent,
      realm: c.realm,
      request: c.request,
    }));
    const x402PayTo = stack.portal.context.payee.x402!.payTo;
    // The host as the gateway passes it on (NGINX's $host has no port; Caddy keeps it).
    const realm = expect.stringMatching(/^127\.0\.0\.1(:[0-9]+)?$/);
    // The draft: servers SHOULD keep challenges under 8 KB (all three here, in one field).
    expect((res.headers.get('www-authenticate') ?? '').length).toBeLessThan(8192);
    expect(summary).toEqual([
      {
        method: 'evm',
        intent: 'charge',
        realm,
        request: {
          amount: USDC_PRICE_ATOMIC.toString(),
          currency: stack.usdc.address,
          recipient: expect.stringMatching(new RegExp(`^${x402PayTo}$`, 'i')),
          methodDetails: { chainId: PAY_CHAIN_ID, credentialTypes: ['authorization'], decimals: 6 },
        },
      },
      {
        method: 'evm',
        intent: 'charge',
        realm,
        request: {
          amount: USDC_PRICE_ATOMIC.toString(),
          currency: stack.usdc.address,
          recipient: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/),
          methodDetails: { chainId: PAY_CHAIN_ID, credentialTypes: ['hash'], decimals: 6 },
        },
      },
      {
        method: 'evm',
        intent: 'charge',
        realm,
        request: {
          amount: ETH_PRICE_WEI.toString(),
          currency: '0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE',
          recipient: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/),
          methodDetails: { chainId: PAY_CHAIN_ID, credentialTypes: ['hash'], decimals: 18 },
        },
      },
    ]);
    // The pushed transfers pay this 402's own receive address (the JSON body's, the same sealed challenge).
    const body = (await res.json()) as { paymentDetails: { serviceWallet: string } };
    expect((challenges[1]!.request as { recipient: string }).recipient).toBe(
      body.paymentDetails.serviceWallet,
    );
    expect(new Set(challenges.map((c) => c.id)).size).toBe(3);
    expect(challenges.every((c) => typeof c.expires === 'string' && Date.parse(c.expires) > Date.now())).toBe(
      true,
    );
  });

  it(`mppx pays with an EIP-3009 authorization through ${gateway}: once upstream, a Payment-Receipt, a token for the next call`, async () => {
    const payer = stack.payers[0]!;
    const mppx = mppxFor(payer);
    const sent: string[] = [];
    mppx.onCredentialCreated(({ credential }) => {
      sent.push(credential);
    });
    const before = await stack.usdc.balanceOf(payer.address);
    const hitsBefore = stack.appHits('/premium/mpp/report');

    const res = await mppx.fetch(`${stack.baseUrl}/premium/mpp/report`, { headers: api });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ content: 'premium', path: '/premium/mpp/report' });
    expect(stack.appHits('/premium/mpp/report')).toBe(hitsBefore + 1);
    expect(sent).toHaveLength(1);

    const receipt = Receipt.deserialize(res.headers.get('payment-receipt') ?? '');
    expect(receipt).toMatchObject({ method: 'evm', status: 'success', chainId: PAY_CHAIN_ID });
    const credential = Credential.deserialize(sent[0]!);
    expect((receipt as { challengeId?: string }).challengeId).toBe(credential.challenge.id);
    const onChain = await stack.provider.getTransactionReceipt(receipt.reference);
    expect(onChain?.status).toBe(1);
    expect(await stack.usdc.balanceOf(payer.address)).toBe(before - USDC_PRICE_ATOMIC);
    const credited = await stack.portal.db.query<{ binding: string }>(
      `SELECT i.binding FROM redemptions r JOIN invoices i ON i.id = r.invoice_id WHERE r.tx_hash = $1`,
      [receipt.reference.toLowerCase()],
    );
    expect(credited.rows).toHaveLength(1);

    // The token (header and cookie) opens the next call without paying.
    const token = res.headers.get('x-402-token');
    expect(token).toMatch(/^ey/);
    expect(res.headers.get('set-cookie')).toMatch(/^402_token_/);
    const blockBefore = await stack.provider.getBlockNumber();
    const again = await fetch(`${stack.baseUrl}/premium/mpp/report`, {
      headers: { ...api, authorization: `Bearer ${token}` },
    });
    expect(again.status).toBe(200);
    expect(again.headers.get('payment-receipt')).toBeNull();
    expect(stack.appHits('/premium/mpp/report')).toBe(hitsBefore + 2);
    expect(await stack.provider.getBlockNumber()).toBe(blockBefore);

    // The same credential again is refused (single use): a fresh challenge and problem details.
    const replay = await fetch(`${stack.baseUrl}/premium/mpp/report`, {
      headers: { ...api, authorization: sent[0]! },
    });
    expect(replay.status).toBe(402);
    expect(replay.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(replay.headers.get('payment-receipt')).toBeNull();
    expect(challengesOf(replay).length).toBeGreaterThan(0);
    expect(await replay.json()).toMatchObject({
      type: 'https://paymentauth.org/problems/invalid-challenge',
      status: 402,
      reason: 'x402_nonce_used',
    });
    expect(stack.appHits('/premium/mpp/report')).toBe(hitsBefore + 2);
    expect(await stack.usdc.balanceOf(payer.address)).toBe(before - USDC_PRICE_ATOMIC);
  });

  it(`a hash credential for a native-coin transfer the payer broadcast pays through ${gateway}`, async () => {
    const payer = stack.payers[1]!;
    const hitsBefore = stack.appHits('/premium/mpp/native');
    const first = await fetch(`${stack.baseUrl}/premium/mpp/native`, { headers: api });
    const native = challengesOf(first).find(
      (c) => (c.request as { currency: string }).currency === '0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE',
    )!;
    const request = native.request as { recipient: string; amount: string };
    const sent = await payer.wallet.sendTransaction({ to: request.recipient, value: BigInt(request.amount) });
    await sent.wait();
    await stack.mine(1);
    // A push challenge's id is its seal's tag, not an HMAC of its parameters: an echo that differs
    // from its seal (amount, expiry) is still refused, and nothing is credited.
    const laterExpiry = new Date(Date.parse(native.expires!) + 3_600_000).toISOString().replace('.000Z', 'Z');
    for (const altered of [
      { ...native, request: { ...native.request, amount: '1' } },
      { ...native, expires: laterExpiry },
    ]) {
      const refused = await fetch(`${stack.baseUrl}/premium/mpp/native`, {
        headers: {
          ...api,
          authorization: Credential.serialize(
            Credential.from({ challenge: altered, payload: { type: 'hash', hash: sent.hash } }),
          ),
        },
      });
      expect(refused.status).toBe(402);
      expect(await refused.json()).toMatchObject({ reason: 'mpp_challenge_invalid' });
    }
    expect(stack.appHits('/premium/mpp/native')).toBe(hitsBefore);
    const credential = Credential.serialize(
      Credential.from({ challenge: native, payload: { type: 'hash', hash: sent.hash } }),
    );
    const res = await fetch(`${stack.baseUrl}/premium/mpp/native`, {
      headers: { ...api, authorization: credential },
    });
    expect(res.status).toBe(200);
    expect(stack.appHits('/premium/mpp/native')).toBe(hitsBefore + 1);
    expect(Receipt.deserialize(res.headers.get('payment-receipt') ?? '')).toMatchObject({
      method: 'evm',
      reference: sent.hash.toLowerCase(),
      status: 'success',
    });
    expect(res.headers.get('x-402-token')).toMatch(/^ey/);

    const replay = await fetch(`${stack.baseUrl}/premium/mpp/native`, {
      headers: { ...api, authorization: credential },
    });
    expect(replay.status).toBe(402);
    expect(await replay.json()).toMatchObject({
      type: 'https://paymentauth.org/problems/invalid-challenge',
      reason: 'mpp_credential_used',
    });
    expect(stack.appHits('/premium/mpp/native')).toBe(hitsBefore + 1);
  });

  it(`refusals through ${gateway}: garbled, altered, for another resource, a nonce not the challenge hash: problem details and fresh challenges`, async () => {
    const garbled = await fetch(`${stack.baseUrl}/premium/mpp/bad`, {
      headers: { ...api, authorization: 'Payment not*base64url' },
    });
    expect(garbled.status).toBe(402);
    expect(garbled.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await garbled.json()).toMatchObject({
      type: 'https://paymentauth.org/problems/malformed-credential',
      title: 'Malformed Payment Credential',
      status: 402,
      reason: 'mpp_credential_malformed',
    });
    expect(challengesOf(garbled)).toHaveLength(3);

    const first = await fetch(`${stack.baseUrl}/premium/mpp/bad`, { headers: api });
    const [authorization] = challengesOf(first);
    const cheaper = {
      ...authorization!,
      request: { ...authorization!.request, amount: '1' },
    };
    const altered = Credential.serialize(
      Credential.from({
        challenge: cheaper,
        payload: {
          type: 'authorization',
          from: stack.payers[2]!.address,
          to: (authorization!.request as { recipient: string }).recipient,
          value: '1',
          validAfter: '0',
          validBefore: String(Math.floor(Date.now() / 1000) + 300),
          nonce: `0x${'11'.repeat(32)}`,
          signature: `0x${'22'.repeat(65)}`,
        },
      }),
    );
    const refused = await fetch(`${stack.baseUrl}/premium/mpp/bad`, {
      headers: { ...api, authorization: altered },
    });
    expect(refused.status).toBe(402);
    expect(await refused.json()).toMatchObject({
      type: 'https://paymentauth.org/problems/invalid-challenge',
      reason: 'mpp_challenge_invalid',
    });
    expect(stack.appHits('/premium/mpp/bad')).toBe(0);

    // A valid credential for another resource opens nothing here.
    const elsewhere = await fetch(`${stack.baseUrl}/premium/mpp/elsewhere`, { headers: api });
    const [otherAuthorization] = challengesOf(elsewhere);
    const signed = firstRequirement(first.headers.get('payment-required') ?? '');
    const x402 = JSON.parse(
      Buffer.from(
        await paymentSignature(privateKeyToAccount(stack.payers[2]!.privateKey), signed),
        'base64',
      ).toString('utf8'),
    ) as { payload: { signature: string; authorization: Record<string, string> } };
    const randomNonce = {
      type: 'authorization',
      ...x402.payload.authorization,
      signature: x402.payload.signature,
    };
    const movedResource = await fetch(`${stack.baseUrl}/premium/mpp/bad`, {
      headers: {
        ...api,
        authorization: Credential.serialize(
          Credential.from({ challenge: otherAuthorization!, payload: randomNonce }),
        ),
      },
    });
    expect(movedResource.status).toBe(402);
    expect(await movedResource.json()).toMatchObject({
      type: 'https://paymentauth.org/problems/invalid-challenge',
      reason: 'payment_challenge_mismatch',
    });
    // A real EIP-3009 authorization whose nonce is not the challenge hash (an x402 one) is no MPP credential.
    const wrongNonce = await fetch(`${stack.baseUrl}/premium/mpp/bad`, {
      headers: {
        ...api,
        authorization: Credential.serialize(
          Credential.from({ challenge: authorization!, payload: randomNonce }),
        ),
      },
    });
    expect(wrongNonce.status).toBe(402);
    expect(await wrongNonce.json()).toMatchObject({
      type: 'https://paymentauth.org/problems/verification-failed',
      reason: 'mpp_credential_mismatch',
    });
    expect(stack.appHits('/premium/mpp/bad')).toBe(0);
    // A Bearer value is never read as a credential, nor a Payment one as a token.
    const bearer = await fetch(`${stack.baseUrl}/premium/mpp/bad`, {
      headers: { ...api, authorization: 'Bearer Payment abc' },
    });
    expect(bearer.status).toBe(402);
    expect(bearer.headers.get('content-type')).toMatch(/^application\/json/);
  });
}
