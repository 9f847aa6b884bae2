import {
  PORTAL_API_PATHS,
  challengeRequestSchema,
  challengeSchema,
  createNetworkRegistry,
  decodePaymentRequest,
  addressLeaseRequestSchema,
  addressLeaseResponseSchema,
  payeeResponseSchema,
  settleRequestSchema,
  settleResponseSchema,
  toWire,
} from '@turnpike/protocol';

const registry = createNetworkRegistry();
const request = toWire(
  decodePaymentRequest(
    Buffer.from(
      JSON.stringify({
        exp: 60_000,
        payment: { requests: [{ network: 'base', amount: '1', asset: 'USDC' }] },
      }),
    ).toString('base64'),
    registry,
  ),
);
const context = {
  host: 'shop.example',
  scheme: 'https',
  resource: '/premium',
  originalUri: '/premium/a?x=1',
  request,
};

describe('portal internal API schemas', () => {
  it('fixes the paths', () => {
    expect(PORTAL_API_PATHS).toEqual({
      challenges: '/internal/v1/challenges',
      payee: '/internal/v1/payee',
      addressLeases: '/internal/v1/address-leases',
      settle: '/internal/v1/settle',
      sites: '/internal/v1/sites',
      creditLeases: '/internal/v1/credit-leases',
      creditReturns: '/internal/v1/credit-returns',
      freeTier: '/internal/v1/free-tier',
    });
  });

  it('parses the payee and address leases', () => {
    const payee = {
      txNetworks: ['base'],
      evm: { walletId: 'evm:0123456789abcdef' },
      x402: { payTo: `0x${'ab'.repeat(20)}`, networks: ['base'] },
      challengeTtlSeconds: 1800,
    };
    expect(payeeResponseSchema.parse(payee)).toEqual(payee);
    expect(payeeResponseSchema.safeParse({ ...payee, x402: { ...payee.x402, payTo: 'nope' } }).success).toBe(
      false,
    );
    expect(payeeResponseSchema.safeParse({ ...payee, extra: 1 }).success).toBe(false);
    expect(addressLeaseRequestSchema.safeParse({ count: 4096 }).success).toBe(true);
    expect(addressLeaseRequestSchema.safeParse({ count: 4097 }).success).toBe(false);
    expect(addressLeaseRequestSchema.safeParse({ count: 0 }).success).toBe(false);
    // Leased addresses come in EIP-55 form, handed to clients as they are.
    const lease = {
      walletId: 'evm:0123456789abcdef',
      first: 7,
      addresses: ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'],
    };
    expect(addressLeaseResponseSchema.parse(lease)).toEqual(lease);
    for (const bad of [
      `0x${'0a'.repeat(19)}`,
      `0x${'0a'.repeat(21)}`,
      `0x${'0g'.repeat(20)}`,
      '0a'.repeat(21),
    ])
      expect(addressLeaseResponseSchema.safeParse({ ...lease, addresses: [bad] }).success).toBe(false);
  });

  it('parses challenges', () => {
    expect(challengeRequestSchema.safeParse(context).success).toBe(false);
    expect(challengeRequestSchema.parse({ ...context, client: { ip: '203.0.113.9' } }).client.ip).toBe(
      '203.0.113.9',
    );
    const challenge = {
      id: 'inv_1',
      expiresAt: '2026-11-21T06:00:00.000Z',
      payUrl: 'https://shop.example/_402/pay?invoice=inv_1',
      offers: [
        {
          network: 'base',
          caip2: 'eip155:8453',
          asset: {
            symbol: 'USDC',
            kind: 'erc20',
            decimals: 6,
            address: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
            eip712: { name: 'USD Coin', version: '2' },
          },
          amount: '1',
          atomic: '1000000',
          payTo: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
        },
      ],
    };
    expect(challengeSchema.parse(challenge)).toEqual(challenge);
    expect(challengeSchema.safeParse({ ...challenge, offers: [] }).success).toBe(false);
    const solana = {
      network: 'solana',
      caip2: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp',
      asset: {
        symbol: 'USDC',
        kind: 'spl',
        decimals: 6,
        mint: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v',
      },
      amount: '1',
      atomic: '1000000',
      payTo: '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM',
      reference: '8jzwHtxjWQbvyjmHHcaZNSg5J1QqaBjmAfPTLKn87xS5',
    };
    expect(challengeSchema.parse({ ...challenge, offers: [solana] }).offers[0]?.reference).toBe(
      solana.reference,
    );
    expect(
      challengeSchema.safeParse({ ...challenge, offers: [{ ...solana, reference: 'short' }] }).success,
    ).toBe(false);
    expect(
      challengeSchema.safeParse({ ...challenge, offers: [{ ...challenge.offers[0], atomic: '1.5' }] })
        .success,
    ).toBe(false);
  });

  it('parses settle requests and both response shapes', () => {
    const tx = { ...context, proof: { type: 'tx', network: 'base', tx: '0x' + 'ab'.repeat(32) } };
    const x402 = { ...context, proof: { type: 'x402', version: 2, payload: { anything: true } } };
    expect(settleRequestSchema.parse(tx)).toEqual(tx);
    expect(settleRequestSchema.parse(x402)).toEqual(x402);
    expect(
      settleRequestSchema.safeParse({ ...context, proof: { type: 'x402', version: 3, payload: {} } }).success,
    ).toBe(false);
    expect(
      settleRequestSchema.safeParse({ ...context, proof: { type: 'card', number: '4242' } }).success,
    ).toBe(false);

    const ok = { ok: true, token: 'eyJ...', claims: { aud: 'shop.example' }, receipt: { success: true } };
    const no = {
      ok: false,
      reason: 'payment_pending',
      message: 'waiting for 10 confirmations',
      retryAfterSeconds: 5,
    };
    expect(settleResponseSchema.parse(ok)).toEqual(ok);
    expect(settleResponseSchema.parse(no)).toEqual(no);
    expect(
      settleResponseSchema.safeParse({ ok: false, reason: 'Payment Pending', message: '' }).success,
    ).toBe(false);
    expect(settleResponseSchema.safeParse({ ok: true, claims: {} }).success).toBe(false);
  });
});
