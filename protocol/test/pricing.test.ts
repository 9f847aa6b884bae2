import {
  ProtocolError,
  REASONS,
  createNetworkRegistry,
  decodePaymentRequest,
  fromWire,
  localAnvilNetwork,
  paymentRequestDigest,
  parseReportedUsage,
  toWire,
} from '@turnpike/protocol';

const registry = createNetworkRegistry({
  anvil: localAnvilNetwork({ usdcAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3' }),
});
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
const base = {
  claims: { resource: '/api' },
  exp: 3_600_000,
  payment: { requests: [{ network: 'anvil', amount: '0.01', asset: 'USDC' }] },
};
const decode = (extra: Record<string, unknown>) => decodePaymentRequest(b64({ ...base, ...extra }), registry);
const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err.code;
    throw err;
  }
  return 'ok';
};

describe('price models in a declaration', () => {
  it('pass is the default and leaves the request, its wire form and its digest as they were', () => {
    const plain = decode({});
    const pass = decode({ model: 'pass' });
    expect(plain.metering).toBeUndefined();
    expect(pass.metering).toBeUndefined();
    expect(toWire(pass)).not.toHaveProperty('metering');
    expect(paymentRequestDigest(pass)).toBe(paymentRequestDigest(plain));
  });

  it('per-request is a single-use balance: credits 1, cost 1', () => {
    expect(decode({ model: 'per-request' }).metering).toEqual({
      model: 'per-request',
      credits: 1n,
      cost: 1n,
    });
  });

  it('credits reads what a payment buys and what a request costs as bigint (numbers or strings)', () => {
    expect(decode({ model: 'credits', credits: 50 }).metering).toEqual({
      model: 'credits',
      credits: 50n,
      cost: 1n,
    });
    expect(decode({ model: 'credits', credits: '1000000000000000000', cost: '3' }).metering).toEqual({
      model: 'credits',
      credits: 10n ** 18n,
      cost: 3n,
    });
  });

  it('a metered request survives the wire form, and its digest differs from the pass one', () => {
    const credits = decode({
      model: 'credits',
      credits: 50,
      cost: 2,
      free: { requests: 3, periodSeconds: 60 },
    });
    const back = fromWire(JSON.parse(JSON.stringify(toWire(credits))), registry);
    expect(back.metering).toEqual(credits.metering);
    expect(back.freeTier).toEqual({ requests: 3, periodSeconds: 60 });
    expect(paymentRequestDigest(credits)).not.toBe(paymentRequestDigest(decode({})));
    const perRequest = toWire(decode({ model: 'per-request' }));
    expect(
      code(() => fromWire({ ...perRequest, metering: { ...perRequest.metering, credits: '5' } }, registry)),
    ).toBe(REASONS.PRICING_CREDITS_INVALID);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an unknown model', { model: 'subscription' }, REASONS.PRICING_MODEL_UNKNOWN],
    ['a model that is not a string', { model: 1 }, REASONS.PRICING_MODEL_UNKNOWN],
    ['credits without a count', { model: 'credits' }, REASONS.PRICING_CREDITS_INVALID],
    ['zero credits', { model: 'credits', credits: 0 }, REASONS.PRICING_CREDITS_INVALID],
    ['fractional credits', { model: 'credits', credits: 1.5 }, REASONS.PRICING_CREDITS_INVALID],
    [
      'credits above 10^18',
      { model: 'credits', credits: '1000000000000000001' },
      REASONS.PRICING_CREDITS_INVALID,
    ],
    ['a cost above the credits', { model: 'credits', credits: 2, cost: 3 }, REASONS.PRICING_CREDITS_INVALID],
    ['credits on a pass', { credits: 5 }, REASONS.PRICING_CREDITS_INVALID],
    ['a cost on per-request', { model: 'per-request', cost: 1 }, REASONS.PRICING_CREDITS_INVALID],
    ['a free tier without a period', { free: { requests: 3 } }, REASONS.FREE_TIER_INVALID],
    ['a free tier of zero requests', { free: { requests: 0, periodSeconds: 60 } }, REASONS.FREE_TIER_INVALID],
    [
      'a free tier with an unknown key',
      { free: { requests: 1, periodSeconds: 60, per: 'ip' } },
      REASONS.FREE_TIER_INVALID,
    ],
    ['a meter claim required by the declaration', { claims: { meter: 'credits' } }, REASONS.CLAIM_RESERVED],
  ])('refuses %s with a stable reason', (_name, extra, reason) => {
    expect(code(() => decode(extra))).toBe(reason);
  });
});

describe('usage-based cost (`usage: true`) in a declaration', () => {
  const credits = { model: 'credits', credits: 20, cost: 1 };

  it('credits with usage keeps the cost as the up-front minimum and survives the wire form', () => {
    const usage = decode({ ...credits, usage: true });
    expect(usage.metering).toEqual({ model: 'credits', credits: 20n, cost: 1n, usage: true });
    const back = fromWire(JSON.parse(JSON.stringify(toWire(usage))), registry);
    expect(back.metering).toEqual(usage.metering);
    expect(paymentRequestDigest(usage)).not.toBe(paymentRequestDigest(decode(credits)));
  });

  it('without usage (or usage false) the wire form and the digest are what they were', () => {
    const plain = decode(credits);
    const off = decode({ ...credits, usage: false });
    expect(toWire(plain).metering).toEqual({ model: 'credits', credits: '20', cost: '1' });
    expect(toWire(off)).toEqual(toWire(plain));
    expect(paymentRequestDigest(off)).toBe(paymentRequestDigest(plain));
  });

  it.each<[string, Record<string, unknown>]>([
    ['a string', { ...credits, usage: 'true' }],
    ['a number', { ...credits, usage: 1 }],
    ['an object naming a header', { ...credits, usage: { header: 'x-cost' } }],
    ['on a pass', { usage: true }],
    ['on per-request', { model: 'per-request', usage: true }],
  ])('refuses usage given as %s (pricing_usage_invalid)', (_name, extra) => {
    expect(code(() => decode(extra))).toBe(REASONS.PRICING_USAGE_INVALID);
  });

  it('refuses usage on the wire form of a per-request resource', () => {
    const perRequest = toWire(decode({ model: 'per-request' }));
    expect(
      code(() => fromWire({ ...perRequest, metering: { ...perRequest.metering, usage: true } }, registry)),
    ).toBe(REASONS.PRICING_USAGE_INVALID);
  });
});

describe("parseReportedUsage (the upstream's x-402-usage value)", () => {
  it.each<[string, bigint]>([
    ['0', 0n],
    ['5', 5n],
    ['1000000000000000000', 10n ** 18n],
  ])('reads %s', (text, value) => {
    expect(parseReportedUsage(text)).toBe(value);
  });

  it.each([
    '',
    ' 5',
    '5 ',
    '+5',
    '-1',
    '05',
    '1.0',
    '1e3',
    '0x10',
    '5,5',
    '1000000000000000001',
    '99999999999999999999',
  ])('refuses %j', (text) => {
    expect(parseReportedUsage(text)).toBeUndefined();
  });
});
