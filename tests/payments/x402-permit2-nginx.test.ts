/**
 * x402 `exact` with Permit2, for an ERC-20 without EIP-3009, through real NGINX + authz-service +
 * payment-portal on anvil: the canonical Permit2 contract and x402's exact Permit2 proxy at their
 * canonical addresses, a plain ERC-20 (tests/support/evm/). The unmodified @x402/fetch client with
 * @x402/evm's exact scheme signs a Permit2 witness transfer (the 402 says
 * `assetTransferMethod: permit2`); the portal's relayer settles it through the proxy and credits it
 * once. Refusals the unmodified client never produces are signed by hand.
 */
import { randomBytes } from 'node:crypto';
import { REASONS } from '@turnpike/protocol';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { Contract } from 'ethers';
import { privateKeyToAccount } from 'viem/accounts';
import { PAY_CAIP2, PAY_NETWORK, startPaymentStack, type PaymentStack } from '../support/payments.js';
import { PERMIT2_ADDRESS, PLAIN_TOKEN_ABI, X402_EXACT_PERMIT2_PROXY } from '../support/permit2.js';
import { paymentSignature } from './x402-payload.js';

const PRICE_ATOMIC = 10_000n;
let stack: PaymentStack;

beforeAll(async () => {
  stack = await startPaymentStack({
    gateway: 'nginx',
    permit2: true,
    price: {
      claims: { plan: 'premium' },
      exp: 3_600_000,
      payment: { requests: [{ network: PAY_NETWORK, amount: '0.01', asset: 'PLAIN' }] },
    },
  });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

interface Requirement {
  scheme: string;
  network: string;
  amount: string;
  asset: `0x${string}`;
  payTo: `0x${string}`;
  maxTimeoutSeconds: number;
  extra: Record<string, string>;
}

function client(payerIndex: number) {
  const sent: Headers[] = [];
  const c = new x402Client().setSpendControls(false);
  registerExactEvmScheme(c, { signer: privateKeyToAccount(stack.payers[payerIndex]!.privateKey) });
  const recording: typeof fetch = (input, init) => {
    sent.push(new Request(input, init).headers);
    return fetch(input, init);
  };
  return { paidFetch: wrapFetchWithPayment(recording, c), sent };
}

async function approvePermit2(payerIndex: number): Promise<void> {
  const token = new Contract(stack.plain!.address, PLAIN_TOKEN_ABI, stack.payers[payerIndex]!.wallet);
  await (await token.getFunction('approve')(PERMIT2_ADDRESS, 2n ** 256n - 1n)).wait();
}

async function requirement(
  path: string,
): Promise<{ v2: Requirement; v1Accepts: unknown[] | undefined; v1Version: unknown; error: unknown }> {
  const res = await fetch(`${stack.baseUrl}${path}`, { headers: { accept: 'application/json' } });
  expect(res.status).toBe(402);
  const required = JSON.parse(
    Buffer.from(res.headers.get('payment-required') ?? '', 'base64').toString('utf8'),
  ) as {
    accepts: Requirement[];
  };
  const body = (await res.json()) as { accepts?: unknown[]; x402Version?: unknown; error?: unknown };
  return {
    v2: required.accepts[0]!,
    v1Accepts: body.accepts,
    v1Version: body.x402Version,
    error: body.error,
  };
}

async function present(path: string, header: string) {
  return fetch(`${stack.baseUrl}${path}`, {
    headers: { accept: 'application/json', 'payment-signature': header },
  });
}

async function reasonOf(res: Response): Promise<string> {
  expect(res.status).toBe(402);
  return ((await res.json()) as { reason: string }).reason;
}

/** A hand-signed Permit2 payment for `accepted`, with fields changed. */
async function handSigned(
  payerIndex: number,
  accepted: Requirement,
  change: { amount?: bigint; to?: `0x${string}`; spender?: `0x${string}` } = {},
): Promise<string> {
  const account = privateKeyToAccount(stack.payers[payerIndex]!.privateKey);
  const now = Math.floor(Date.now() / 1000);
  const authorization = {
    from: account.address,
    permitted: { token: accepted.asset, amount: (change.amount ?? BigInt(accepted.amount)).toString() },
    spender: change.spender ?? X402_EXACT_PERMIT2_PROXY,
    nonce: BigInt(`0x${randomBytes(32).toString('hex')}`).toString(),
    deadline: String(now + 300),
    witness: { to: change.to ?? accepted.payTo, validAfter: '0' },
  };
  const signature = await account.signTypedData({
    domain: {
      name: 'Permit2',
      chainId: Number(accepted.network.split(':')[1]),
      verifyingContract: PERMIT2_ADDRESS,
    },
    types: {
      PermitWitnessTransferFrom: [
        { name: 'permitted', type: 'TokenPermissions' },
        { name: 'spender', type: 'address' },
        { name: 'nonce', type: 'uint256' },
        { name: 'deadline', type: 'uint256' },
        { name: 'witness', type: 'Witness' },
      ],
      TokenPermissions: [
        { name: 'token', type: 'address' },
        { name: 'amount', type: 'uint256' },
      ],
      Witness: [
        { name: 'to', type: 'address' },
        { name: 'validAfter', type: 'uint256' },
      ],
    },
    primaryType: 'PermitWitnessTransferFrom',
    message: {
      permitted: { token: accepted.asset, amount: BigInt(authorization.permitted.amount) },
      spender: authorization.spender,
      nonce: BigInt(authorization.nonce),
      deadline: BigInt(authorization.deadline),
      witness: { to: authorization.witness.to, validAfter: 0n },
    },
  });
  return Buffer.from(
    JSON.stringify({ x402Version: 2, accepted, payload: { signature, permit2Authorization: authorization } }),
  ).toString('base64');
}

describe('x402 exact with Permit2 (a plain ERC-20) through NGINX', () => {
  it('the 402 asks for Permit2 for the plain token (v2 only: v1 clients know only EIP-3009)', async () => {
    const { v2, v1Accepts, v1Version, error } = await requirement('/premium/permit2/terms');
    expect(v2).toMatchObject({
      scheme: 'exact',
      network: PAY_CAIP2,
      amount: PRICE_ATOMIC.toString(),
      asset: stack.plain!.address,
      extra: { assetTransferMethod: 'permit2' },
    });
    expect(v2.payTo.toLowerCase()).toBe(stack.portal.context.payee.x402?.payTo);
    expect(v2.extra['challenge']).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    // Nothing payable by v1: the body leaves the v1 part out (never an empty `accepts`) and says why.
    expect(v1Accepts).toBeUndefined();
    expect(v1Version).toBeUndefined();
    expect(error).toEqual(expect.stringMatching(/v1/i));
  });

  it('without the one-time approval of Permit2 the payment is refused and nothing moves', async () => {
    const { paidFetch } = client(3);
    const before = await stack.plain!.balanceOf(stack.payers[3]!.address);
    const res = await paidFetch(`${stack.baseUrl}/premium/permit2/unapproved`, {
      headers: { accept: 'application/json' },
    });
    expect(await reasonOf(res)).toBe(REASONS.X402_PERMIT2_ALLOWANCE_REQUIRED);
    expect(await stack.plain!.balanceOf(stack.payers[3]!.address)).toBe(before);
    expect(stack.appHits('/premium/permit2/unapproved')).toBe(0);
  });

  it('after it, the unmodified client pays once: the proxy moves the tokens to the x402 address, the token opens the next call', async () => {
    await approvePermit2(0);
    const payer = stack.payers[0]!;
    const { paidFetch } = client(0);
    const before = await stack.plain!.balanceOf(payer.address);
    const x402Address = stack.portal.context.payee.x402!.payTo;
    const x402Before = await stack.plain!.balanceOf(x402Address);
    const res = await paidFetch(`${stack.baseUrl}/premium/permit2/pay`, {
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(stack.appHits('/premium/permit2/pay')).toBe(1);
    const receipt = decodePaymentResponseHeader(res.headers.get('payment-response') ?? '');
    expect(receipt).toMatchObject({ success: true, network: PAY_CAIP2 });
    const onChain = await stack.provider.getTransactionReceipt(receipt.transaction);
    expect(onChain?.status).toBe(1);
    expect(onChain?.to?.toLowerCase()).toBe(X402_EXACT_PERMIT2_PROXY.toLowerCase());
    expect(await stack.plain!.balanceOf(payer.address)).toBe(before - PRICE_ATOMIC);
    expect(await stack.plain!.balanceOf(x402Address)).toBe(x402Before + PRICE_ATOMIC);
    const credited = await stack.portal.db.query<{ binding: string }>(
      'SELECT i.binding FROM redemptions r JOIN invoices i ON i.id = r.invoice_id WHERE r.tx_hash = $1',
      [receipt.transaction.toLowerCase()],
    );
    expect(credited.rows).toEqual([
      {
        binding: expect.stringMatching(
          new RegExp(
            `^x402:${PAY_NETWORK}:${stack.plain!.address.toLowerCase()}:${payer.address.toLowerCase()}:0x[0-9a-f]{64}:[0-9a-f]{32}$`,
          ),
        ),
      },
    ]);
    const again = await fetch(`${stack.baseUrl}/premium/permit2/pay`, {
      headers: { accept: 'application/json', authorization: `Bearer ${res.headers.get('x-402-token')}` },
    });
    expect(again.status).toBe(200);
    expect(stack.appHits('/premium/permit2/pay')).toBe(2);
    expect(await stack.plain!.balanceOf(payer.address)).toBe(before - PRICE_ATOMIC);
  });

  it('a replayed permit: its requester gets the same grant (nothing moves); another resource or a copy without the secret gets nothing', async () => {
    await approvePermit2(1);
    const payer = stack.payers[1]!;
    const { paidFetch, sent } = client(1);
    const res = await paidFetch(`${stack.baseUrl}/premium/permit2/replay`, {
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    const tx = decodePaymentResponseHeader(res.headers.get('payment-response') ?? '').transaction;
    const header = sent.map((h) => h.get('payment-signature')).find((h) => h !== null)!;
    const balance = await stack.plain!.balanceOf(payer.address);

    const again = await present('/premium/permit2/replay', header);
    expect(again.status).toBe(200);
    expect(decodePaymentResponseHeader(again.headers.get('payment-response') ?? '').transaction).toBe(tx);
    expect(await reasonOf(await present('/premium/permit2/elsewhere', header))).toBe(
      REASONS.PAYMENT_ALREADY_REDEEMED,
    );
    const copy = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as {
      accepted: { extra: Record<string, unknown> };
    };
    delete copy.accepted.extra['challenge'];
    expect(
      await reasonOf(
        await present('/premium/permit2/replay', Buffer.from(JSON.stringify(copy)).toString('base64')),
      ),
    ).toBe(REASONS.X402_NONCE_USED);
    expect(await stack.plain!.balanceOf(payer.address)).toBe(balance);
    expect(stack.appHits('/premium/permit2/elsewhere')).toBe(0);
  });

  it('refuses a permit of another amount, to another address, or for another spender, and an EIP-3009 authorization for the token', async () => {
    await approvePermit2(2);
    const path = '/premium/permit2/bad';
    const before = await stack.plain!.balanceOf(stack.payers[2]!.address);
    const { v2 } = await requirement(path);
    const other = `0x${'22'.repeat(20)}` as const;
    expect(await reasonOf(await present(path, await handSigned(2, v2, { amount: PRICE_ATOMIC - 1n })))).toBe(
      REASONS.X402_VALUE_MISMATCH,
    );
    expect(await reasonOf(await present(path, await handSigned(2, v2, { to: other })))).toBe(
      REASONS.X402_RECIPIENT_MISMATCH,
    );
    expect(await reasonOf(await present(path, await handSigned(2, v2, { spender: other })))).toBe(
      REASONS.X402_PAYLOAD_INVALID,
    );
    // An EIP-3009 authorization for the plain token: it has no transferWithAuthorization.
    const eip3009 = await paymentSignature(privateKeyToAccount(stack.payers[2]!.privateKey), {
      ...v2,
      scheme: 'exact',
      extra: { name: 'Plain Token', version: '1' },
    });
    expect(await reasonOf(await present(path, eip3009))).toBe(REASONS.PAYMENT_WRONG_ASSET);
    expect(await stack.plain!.balanceOf(stack.payers[2]!.address)).toBe(before);
    expect(stack.appHits(path)).toBe(0);
  });
});
