import { decodeJwt } from 'jose';
/**
 * The ZelfProof flow through real Caddy (integrations/caddy/Caddyfile) + authz-service +
 * payment-portal on anvil: an axios client reads the 402's `paymentDetails`, pays native ETH or
 * Circle's USDC from its own wallet with ethers, and retries with `x-payment-chain` +
 * `x-payment-tx` + `x-payment-challenge`. The network needs one confirmation, so the retry right
 * after the transfer is told to wait (`payment_pending`, Retry-After) and passes once a block is on top.
 */
import { REASONS } from '@turnpike/protocol';
import {
  ETH_PRICE_WEI,
  PAY_NETWORK,
  USDC_PRICE_ATOMIC,
  startPaymentStack,
  type PaymentStack,
} from '../support/payments.js';
import {
  challenge,
  offerFor,
  pay,
  refusalOf,
  retryWhilePending,
  retryWithProof,
  zelfProofClient,
} from './zelfproof-client.js';

let stack: PaymentStack;

beforeAll(async () => {
  stack = await startPaymentStack({ gateway: 'caddy', confirmations: 1 });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

describe.each([
  ['native ETH', 'ETH', '/premium/zp/eth', ETH_PRICE_WEI],
  ['USDC', 'USDC', '/premium/zp/usdc', USDC_PRICE_ATOMIC],
])('ZelfProof client pays %s through Caddy', (_name, symbol, path, price) => {
  it('402 → pay → pending until confirmed → 200 with a token that opens the next call; the hash is spent', async () => {
    const client = zelfProofClient(stack.baseUrl);
    const payer = stack.payers[symbol === 'ETH' ? 0 : 1]!;
    const first = await challenge(client, path);
    expect(first.reason).toBe(REASONS.TOKEN_MISSING);
    expect(first.details.acceptedChains).toEqual([PAY_NETWORK]);
    expect(first.details.payTo[PAY_NETWORK]).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const offer = offerFor(first.details, PAY_NETWORK, symbol);
    expect(BigInt(offer.atomic)).toBe(price);

    const tx = await pay(payer.wallet, offer);
    const proof = { chain: PAY_NETWORK, tx, challenge: first.details.challengeId };
    const hits = stack.appHits(path);

    // Mined, but no block on top yet.
    const pending = refusalOf(await retryWithProof(client, path, proof));
    expect(pending.reason).toBe(REASONS.PAYMENT_PENDING);
    expect(Number(pending.retryAfter)).toBeGreaterThan(0);
    expect(stack.appHits(path)).toBe(hits);

    await stack.mine(1);
    const paid = await retryWhilePending(client, path, proof, Number(pending.retryAfter));
    expect(paid.status).toBe(200);
    expect(paid.data).toMatchObject({ content: 'premium', path });
    expect(stack.appHits(path)).toBe(hits + 1);
    const token = paid.headers['x-402-token'] as string;
    expect(token).toMatch(/^ey/);
    expect(String(paid.headers['set-cookie'])).toContain('402_token_');

    // Another client presenting the same hash for the same resource gets nothing: without a
    // challenge, or with the challenge of its own 402.
    const other = zelfProofClient(stack.baseUrl);
    const bare = refusalOf(await retryWithProof(other, path, { chain: PAY_NETWORK, tx }));
    expect(bare.reason).toBe(REASONS.PAYMENT_CHALLENGE_REQUIRED);
    const own = await challenge(other, path);
    const copied = refusalOf(
      await retryWithProof(other, path, { chain: PAY_NETWORK, tx, challenge: own.details.challengeId }),
    );
    expect(copied.reason).toBe(REASONS.PAYMENT_WRONG_RECIPIENT);

    // The payer's client, retrying its proof (it lost the answer): the same grant again.
    const again = await retryWithProof(client, path, proof);
    expect(again.status).toBe(200);
    expect(decodeJwt(again.headers['x-402-token'] as string).jti).toBe(decodeJwt(token).jti);

    const next = await client.get(path, { headers: { authorization: `Bearer ${token}` } });
    expect(next.status).toBe(200);
    expect(stack.appHits(path)).toBe(hits + 3);
  });
});
