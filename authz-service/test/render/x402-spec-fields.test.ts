/**
 * The x402 fields of an API 402 against the spec text (coinbase/x402 specs @dd927a2):
 * - v1 `error`: "Human-readable error message explaining why payment is required"
 *   (x402-specification-v1.md §5.1); v2 `error`: "Human-readable error message explaining why
 *   payment is required" (x402-specification-v2.md §5.1). Turnpike's stable code stays in `reason`.
 * - v2 `resource.mimeType`: "MIME type of the expected response"; v1 `accepts[].mimeType`: "MIME
 *   type of the expected response".
 * - v1 `accepts`: a list of requirements a v1 client can pay; never empty when v2 has offers.
 */
import {
  createNetworkRegistry,
  localAnvilNetwork,
  paymentRequestFromHtml,
  paymentRequestFromJson,
  type ChallengeOffer,
} from '@turnpike/protocol';
import { api402Body } from '../../src/render/api-402-body.js';
import { resourceMimeType } from '../../src/render/resource-mime-type.js';
import { x402ErrorText } from '../../src/render/x402-error-text.js';

const USDC = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const registry = createNetworkRegistry({ anvil: localAnvilNetwork({ usdcAddress: USDC }) });
const offer = (network: string, address: string): ChallengeOffer => ({
  network,
  caip2: registry.require(network).caip2,
  asset: { symbol: 'USDC', kind: 'erc20', decimals: 6, address, eip712: { name: 'USD Coin', version: '2' } },
  amount: '0.01',
  atomic: '10000',
  payTo: '0x00000000000000000000000000000000000000aa',
});
const content = (x402Offers: ChallengeOffer[], mimeType = 'application/json') => ({
  reason: 'token_missing',
  errorText: x402ErrorText('token_missing'),
  mimeType,
  description: 'Gold article',
  resourceUrl: 'https://shop.example/premium',
  payUrl: '/_402/pay?ref=x',
  secret: 'abcdefghijklmnopqrstuv',
  x402Offers,
  firstOffer: undefined,
  registry,
  maxTimeoutSeconds: 60,
  // Sign-in-with-x is covered by its own tests: no chains, not advertised here.
  siwx: {
    challenge: {
      domain: 'shop.example',
      uri: 'https://shop.example/premium',
      nonce: '',
      issuedAt: '',
      expirationTime: '',
    },
    chains: [],
  },
});
type V2 = { error: string; resource: { mimeType: string }; accepts: unknown[] };

describe('error: a human message, the code in reason', () => {
  it('v1 body and v2 PAYMENT-REQUIRED carry a sentence; reason keeps the stable code', () => {
    const { body, paymentRequired } = api402Body(
      content([offer('base', '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913')]),
    );
    const b = body as { error: string; reason: string; accepts: unknown[] };
    expect(b.reason).toBe('token_missing');
    expect(b.error).toBe('Payment required to access this resource');
    expect((paymentRequired as V2).error).toBe('Payment required to access this resource');
    expect(x402ErrorText('x402_insufficient_balance')).toBe('Payment failed: insufficient funds');
    // Every text is a sentence, not a snake_case code.
    expect(x402ErrorText('some_new_reason')).toBe('Payment required (some new reason)');
  });
});

describe('accepts: never empty when v2 has offers', () => {
  it('leaves the v1 part out on a chain without a v1 name, and error says why', () => {
    const { body, paymentRequired } = api402Body(content([offer('anvil', USDC)]));
    expect(body).not.toHaveProperty('accepts');
    expect(body).not.toHaveProperty('x402Version');
    expect((body as { error: string }).error).toMatch(
      /^Payment required to access this resource\. x402 v1 cannot pay here/,
    );
    expect((paymentRequired as V2).accepts).toHaveLength(1);
  });

  it('keeps it with the offers that have a v1 name', () => {
    const { body } = api402Body(
      content([offer('anvil', USDC), offer('base', '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913')]),
    );
    expect(body).toMatchObject({ x402Version: 1, accepts: [{ network: 'base' }] });
  });
});

describe('resource.mimeType says what the resource is', () => {
  const declared = (extra: object) =>
    paymentRequestFromJson(
      { exp: 60_000, payment: { requests: [{ network: 'base', amount: 1 }] }, ...extra },
      registry,
    );

  it("the declaration's mimeType first", () => {
    expect(resourceMimeType(declared({ mimeType: 'Text/CSV' }), 'application/json')).toBe('text/csv');
  });

  it('a page priced by its <meta> tag is text/html', () => {
    const b64 = Buffer.from(
      JSON.stringify({ payment: { requests: [{ network: 'base', amount: 1 }] } }),
    ).toString('base64');
    const page = paymentRequestFromHtml(
      `<html><head><meta name="x-402-request" content="${b64}"></head></html>`,
      registry,
    )!;
    expect(resourceMimeType(page, 'application/json')).toBe('text/html');
    const { paymentRequired } = api402Body(
      content([offer('base', '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913')], resourceMimeType(page, '*/*')),
    );
    expect((paymentRequired as V2).resource.mimeType).toBe('text/html');
  });

  it('else what the request accepts most (a concrete type), else application/json', () => {
    const plain = declared({});
    expect(resourceMimeType(plain, 'text/csv;q=0.9, application/pdf, */*;q=0.1')).toBe('application/pdf');
    expect(resourceMimeType(plain, '*/*')).toBe('application/json');
    expect(resourceMimeType(plain, undefined)).toBe('application/json');
  });

  it('refuses a mimeType that is not a media type', () => {
    expect(() => declared({ mimeType: 'html' })).toThrow(/mimeType/);
  });
});
