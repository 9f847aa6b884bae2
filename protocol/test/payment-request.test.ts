import { readFileSync } from 'node:fs';
import {
  ProtocolError,
  createNetworkRegistry,
  decodePaymentRequest,
  encodePaymentRequest,
  fromWire,
  localAnvilNetwork,
  paymentRequestDigest,
  paymentRequestFromHeaders,
  paymentRequestWireSchema,
  toWire,
} from '@turnpike/protocol';

const registry = createNetworkRegistry({
  anvil: localAnvilNetwork({ usdcAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3' }),
});
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err.code;
    throw err;
  }
  return 'ok';
};
const sample = {
  claims: { aud: 'shop.example', resource: '/premium', plan: 'gold' },
  exp: 86_400_000,
  description: 'A day of premium',
  customization: { image: 'https://cdn.example/logo.png' },
  payment: {
    requests: [
      { network: 'base', amount: '1.5', asset: 'USDC' },
      {
        network: 'anvil',
        amount: 0.25,
        asset: 'USDC',
        address: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
      },
      { network: 'solana', amount: '0.01' },
    ],
  },
};

describe('decodePaymentRequest', () => {
  it('resolves offers against the registry', () => {
    const pr = decodePaymentRequest(b64(sample), registry);
    expect(pr.tokenLifetimeMs).toBe(86_400_000);
    expect(pr.claims).toEqual(sample.claims);
    expect(pr.description).toBe('A day of premium');
    expect(pr.customization).toEqual({ image: 'https://cdn.example/logo.png' });
    expect(pr.offers).toEqual([
      { network: 'base', asset: registry.asset('base', 'USDC'), amount: '1.5', atomic: 1_500_000n },
      {
        network: 'anvil',
        asset: registry.asset('anvil', 'USDC'),
        amount: '0.25',
        atomic: 250_000n,
        address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      },
      {
        network: 'solana',
        asset: { kind: 'native', symbol: 'SOL', decimals: 9 },
        amount: '0.01',
        atomic: 10_000_000n,
      },
    ]);
  });

  it('accepts exactly 8192 bytes and refuses 8193', () => {
    const base = b64({ ...sample, description: '' });
    // pad with a claim so the JSON stays valid; base64 grows by 4 chars per 3 bytes
    const pad = (n: number) => {
      const claims: Record<string, string> = { ...sample.claims };
      for (let i = 0; i * 1000 < n; i++) claims[`pad${i}`] = 'x'.repeat(Math.min(1000, n - i * 1000));
      return b64({ ...sample, claims });
    };
    let n = Math.max(0, Math.floor(((8192 - base.length) * 3) / 4) - 100);
    while (pad(n + 1).length <= 8192) n++;
    expect(pad(n).length).toBe(8192);
    expect(code(() => decodePaymentRequest(pad(n), registry))).toBe('ok');
    const over = `${pad(n)}${'='.repeat(8193 - pad(n).length)}`;
    expect(code(() => decodePaymentRequest(over, registry))).toBe('request_too_large');
  });

  it('trims surrounding whitespace of a header value', () => {
    expect(decodePaymentRequest(`  ${b64(sample)}\t`, registry).offers).toHaveLength(3);
  });

  it('refuses a claim called __proto__ without touching prototypes', () => {
    const json = `{"exp":1000,"claims":{"__proto__":"x"},"payment":{"requests":[{"network":"base","amount":"1"}]}}`;
    expect(code(() => decodePaymentRequest(Buffer.from(json).toString('base64'), registry))).toBe(
      'request_schema_invalid',
    );
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });
});

describe('wire form', () => {
  const pr = decodePaymentRequest(b64(sample), registry);

  it('round-trips through JSON', () => {
    const wire = JSON.parse(JSON.stringify(toWire(pr))) as unknown;
    expect(paymentRequestWireSchema.parse(wire)).toEqual(toWire(pr));
    expect(fromWire(wire, registry)).toEqual(pr);
  });

  it('refuses an atomic amount that disagrees with the decimal one', () => {
    const wire = toWire(pr);
    wire.offers[0]!.atomic = '1500001';
    expect(code(() => fromWire(wire, registry))).toBe('request_schema_invalid');
  });

  it('refuses an asset that differs from this side’s registry (config drift)', () => {
    const other = createNetworkRegistry({
      anvil: localAnvilNetwork({ usdcAddress: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' }),
    });
    expect(code(() => fromWire(toWire(pr), other))).toBe('asset_unknown');
    expect(code(() => fromWire(toWire(pr), createNetworkRegistry()))).toBe('network_unknown');
  });

  it('re-validates semantics (reserved claims, URLs)', () => {
    const wire = toWire(pr);
    expect(code(() => fromWire({ ...wire, claims: { iss: 'me' } }, registry))).toBe('claim_reserved');
    expect(code(() => fromWire({ ...wire, customization: { js: 'data:text/javascript,1' } }, registry))).toBe(
      'customization_url_invalid',
    );
    expect(code(() => fromWire({ ...wire, extra: 1 }, registry))).toBe('request_schema_invalid');
  });
});

describe('paymentRequestDigest', () => {
  const pr = decodePaymentRequest(b64(sample), registry);

  it('is stable across key order and spelling of equal requests', () => {
    const reordered = {
      payment: { requests: [...sample.payment.requests] },
      customization: sample.customization,
      exp: sample.exp,
      description: sample.description,
      claims: { plan: 'gold', resource: '/premium', aud: 'shop.example' },
    };
    reordered.payment.requests[0] = { asset: 'usdc', amount: '1.500', network: 'base' };
    const digest = paymentRequestDigest(pr);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(paymentRequestDigest(decodePaymentRequest(b64(reordered), registry))).toBe(digest);
  });

  it('changes with the price, a claim or the lifetime', () => {
    const digest = paymentRequestDigest(pr);
    const variants = [
      { ...sample, exp: 3_600_000 },
      { ...sample, claims: { ...sample.claims, plan: 'silver' } },
      { ...sample, payment: { requests: [{ network: 'base', amount: '1.51', asset: 'USDC' }] } },
    ];
    for (const v of variants)
      expect(paymentRequestDigest(decodePaymentRequest(b64(v), registry))).not.toBe(digest);
  });
});

describe('docs/payment-request.md', () => {
  it('its header example decodes to what the page says', () => {
    const doc = readFileSync(new URL('../../docs/payment-request.md', import.meta.url), 'utf8');
    const header = /^x-402-request: (\S+)$/m.exec(doc)?.[1];
    const metaContent = /<meta name="x-402-request" content="([^"]+)">/.exec(doc)?.[1];
    expect(header).toBeDefined();
    expect(metaContent).toBe(header);
    const pr = decodePaymentRequest(header!, createNetworkRegistry());
    expect(pr.claims).toEqual({ aud: 'shop.example', resource: '/premium' });
    expect(pr.tokenLifetimeMs).toBe(86_400_000);
    expect(pr.offers.map((o) => `${o.amount} ${o.asset.symbol} on ${o.network}`)).toEqual([
      '1.5 USDC on base',
      '10 POL on polygon',
    ]);
    const wireExample = /```json\n(\{\n {2}"claims"[\s\S]*?)```/.exec(
      doc.slice(doc.indexOf('## The parsed form')),
    )?.[1];
    expect(JSON.parse(wireExample!)).toEqual(toWire(pr));
  });
});

describe('encodePaymentRequest', () => {
  it('produces a header value that decodes to the same request', () => {
    const pr = decodePaymentRequest(b64(sample), registry);
    expect(decodePaymentRequest(encodePaymentRequest(pr), registry)).toEqual(pr);
  });

  it('keeps the price model, the free tier and an unbound-proof opt-in', () => {
    for (const extra of [
      { model: 'credits', credits: '1000', cost: 3, usage: true, free: { requests: 5, periodSeconds: 60 } },
      { model: 'per-request', proofs: { tx: { unbound: 'allow' } } },
      { model: 'credits', credits: 50 },
    ]) {
      const pr = decodePaymentRequest(b64({ ...sample, ...extra }), registry);
      expect(pr.metering ?? pr.unboundTxProofs).toBeDefined();
      expect(decodePaymentRequest(encodePaymentRequest(pr), registry)).toEqual(pr);
    }
  });
});

describe('paymentRequestFromHeaders', () => {
  it('matches header names case-insensitively and ignores undefined values', () => {
    const pr = paymentRequestFromHeaders(
      { 'X-402-REQUIRED': 'TRUE', 'x-402-Request': b64(sample), other: undefined },
      registry,
    );
    expect(pr?.offers).toHaveLength(3);
  });

  it('reads a fetch Headers object', () => {
    const headers = new Headers({ 'x-402-required': 'true', 'x-402-request': b64(sample) });
    expect(paymentRequestFromHeaders(headers, registry)?.offers).toHaveLength(3);
    expect(code(() => paymentRequestFromHeaders(new Headers({ 'x-402-required': 'true' }), registry))).toBe(
      'request_missing',
    );
    expect(paymentRequestFromHeaders(new Headers(), registry)).toBeNull();
  });

  it('treats a blank request with required false as free, and with required true as missing', () => {
    expect(paymentRequestFromHeaders({ 'x-402-required': '0', 'x-402-request': '' }, registry)).toBeNull();
    expect(
      code(() => paymentRequestFromHeaders({ 'x-402-required': '1', 'x-402-request': ' ' }, registry)),
    ).toBe('request_missing');
  });
});
