/**
 * One payment, one success, whichever dialect presents it (issue 10, "Must show"), through real
 * Caddy + authz-service + payment-portal on anvil with Circle's USDC:
 * - the same on-chain transfer presented as a transaction hash (`x-payment-tx` with the 402's
 *   challenge) and as an MPP `hash` credential answering the same 402, in both orders;
 * - the same EIP-3009 authorization (signed by the unmodified mppx client) presented as an x402 v2
 *   payload (`PAYMENT-SIGNATURE`) and as the MPP `authorization` credential, in both orders.
 * Each time the first presentation passes once to the upstream and the second is refused; the
 * ledger holds one redemption of the transfer.
 */
import { Challenge, Credential } from 'mppx';
import { Mppx, evm } from 'mppx/client';
import { privateKeyToAccount } from 'viem/accounts';
import { PAY_NETWORK, USDC_PRICE_ATOMIC, startPaymentStack, type PaymentStack } from '../support/payments.js';
import { sendToken } from './zelfproof-client.js';

let stack: PaymentStack;
beforeAll(async () => {
  stack = await startPaymentStack({ gateway: 'caddy' });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const api = { accept: 'application/json' };

async function redemptionsOf(tx: string): Promise<number> {
  const r = await stack.portal.db.query<{ n: string }>(
    'SELECT count(*)::text AS n FROM redemptions WHERE tx_hash = $1',
    [tx.toLowerCase()],
  );
  return Number(r.rows[0]!.n);
}

/** A 402 with its sealed challenge (JSON body) and its MPP hash challenge for USDC (header). */
async function quote(path: string) {
  const res = await fetch(`${stack.baseUrl}${path}`, { headers: api });
  expect(res.status).toBe(402);
  const challenges = Challenge.deserializeList(res.headers.get('www-authenticate') ?? '');
  const body = (await res.json()) as { paymentDetails: { challengeId: string; serviceWallet: string } };
  const hash = challenges.find(
    (c) =>
      (c.request as { methodDetails: { credentialTypes: string[] } }).methodDetails.credentialTypes[0] ===
        'hash' && (c.request as { currency: string }).currency === stack.usdc.address,
  )!;
  // Both name this 402's one receive address.
  expect((hash.request as { recipient: string }).recipient).toBe(body.paymentDetails.serviceWallet);
  return { sealed: body.paymentDetails.challengeId, payTo: body.paymentDetails.serviceWallet, hash };
}

function asTxHash(path: string, tx: string, sealed: string) {
  return fetch(`${stack.baseUrl}${path}`, {
    headers: { ...api, 'x-payment-chain': PAY_NETWORK, 'x-payment-tx': tx, 'x-payment-challenge': sealed },
  });
}

function asMpp(path: string, credential: string) {
  return fetch(`${stack.baseUrl}${path}`, { headers: { ...api, authorization: credential } });
}

describe('a transfer presented as x-payment-tx and as an MPP hash credential', () => {
  it.each([['tx hash first'], ['MPP credential first']])('%s: one success, one redemption', async (order) => {
    const path = `/premium/cross/tx-${order.startsWith('tx') ? 'a' : 'b'}`;
    const q = await quote(path);
    const tx = await sendToken(stack.payers[0]!.wallet, stack.usdc.address, q.payTo, USDC_PRICE_ATOMIC);
    await stack.mine(1);
    const credential = Credential.serialize(
      Credential.from({ challenge: q.hash, payload: { type: 'hash', hash: tx } }),
    );
    const hits = stack.appHits(path);
    const [first, second] =
      order === 'tx hash first'
        ? [await asTxHash(path, tx, q.sealed), await asMpp(path, credential)]
        : [await asMpp(path, credential), await asTxHash(path, tx, q.sealed)];
    expect(first.status).toBe(200);
    expect(second.status).toBe(402);
    expect(((await second.json()) as { reason: string }).reason).toBe('payment_already_redeemed');
    expect(stack.appHits(path)).toBe(hits + 1);
    expect(await redemptionsOf(tx)).toBe(1);
  });
});

describe('an EIP-3009 authorization presented as x402 and as an MPP authorization credential', () => {
  it.each([['x402 first'], ['MPP credential first']])('%s: one success, one settlement', async (order) => {
    const path = `/premium/cross/auth-${order.startsWith('x402') ? 'a' : 'b'}`;
    const payer = stack.payers[1]!;
    const mppx = Mppx.create({
      methods: [
        evm.charge({
          account: privateKeyToAccount(payer.privateKey),
          authorization: { name: 'USD Coin', version: '2' },
        }),
      ],
      polyfill: false,
    });
    const res = await fetch(`${stack.baseUrl}${path}`, { headers: api });
    expect(res.status).toBe(402);
    const accepted = (
      JSON.parse(Buffer.from(res.headers.get('payment-required') ?? '', 'base64').toString('utf8')) as {
        accepts: Array<Record<string, unknown>>;
      }
    ).accepts[0]!;
    // mppx signs the authorization for the first evm/charge challenge (nonce = its challenge hash).
    const credential = await mppx.createCredential(res);
    const { payload } = Credential.deserialize(credential) as {
      payload: { signature: string } & Record<
        'from' | 'to' | 'value' | 'validAfter' | 'validBefore' | 'nonce',
        string
      >;
    };
    expect(payload.to.toLowerCase()).toBe(String(accepted.payTo).toLowerCase());
    const x402 = Buffer.from(
      JSON.stringify({
        x402Version: 2,
        accepted,
        payload: {
          signature: payload.signature,
          authorization: {
            from: payload.from,
            to: payload.to,
            value: payload.value,
            validAfter: payload.validAfter,
            validBefore: payload.validBefore,
            nonce: payload.nonce,
          },
        },
      }),
    ).toString('base64');
    const asX402 = () => fetch(`${stack.baseUrl}${path}`, { headers: { ...api, 'payment-signature': x402 } });
    const before = await stack.usdc.balanceOf(payer.address);
    const hits = stack.appHits(path);

    const [first, second] =
      order === 'x402 first'
        ? [await asX402(), await asMpp(path, credential)]
        : [await asMpp(path, credential), await asX402()];
    expect(first.status).toBe(200);
    expect(second.status).toBe(402);
    expect(((await second.json()) as { reason: string }).reason).toBe('x402_nonce_used');
    expect(stack.appHits(path)).toBe(hits + 1);
    expect(await stack.usdc.balanceOf(payer.address)).toBe(before - USDC_PRICE_ATOMIC);
    const settlement = first.headers.get('payment-receipt') ?? first.headers.get('payment-response');
    expect(settlement).not.toBeNull();
    const tx =
      order === 'x402 first'
        ? (JSON.parse(Buffer.from(settlement!, 'base64').toString('utf8')) as { transaction: string })
            .transaction
        : (JSON.parse(Buffer.from(settlement!, 'base64url').toString('utf8')) as { reference: string })
            .reference;
    expect(await redemptionsOf(tx)).toBe(1);
  });
});
