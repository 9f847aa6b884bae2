// x402 schemas against messages produced by the real x402 SDK (@x402/core, @x402/evm): payloads are
// signed offline with a throwaway anvil key, no network involved.
import { x402Client, x402HTTPClient } from '@x402/core/client';
import { ExactEvmScheme } from '@x402/evm/exact/client';
import { ExactEvmSchemeV1 } from '@x402/evm/exact/v1/client';
import { privateKeyToAccount } from 'viem/accounts';
import {
  ProtocolError,
  X402_HEADERS,
  decodeX402Header,
  encodeX402Header,
  x402ExactEvmPayloadSchema,
  x402PaymentPayloadV1Schema,
  x402PaymentPayloadV2Schema,
  x402PaymentRequiredV1Schema,
  x402PaymentRequiredV2Schema,
  x402SettlementResponseSchema,
  x402VerifyResponseSchema,
  type X402PaymentRequiredV1,
  type X402PaymentRequiredV2,
} from '@turnpike/protocol';

// anvil's well-known account #1 (public test key, never funded anywhere real)
const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const USDC_BASE_SEPOLIA = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';

const requiredV2: X402PaymentRequiredV2 = {
  x402Version: 2,
  error: 'payment required',
  resource: { url: 'https://shop.example/paid/article', description: 'An article', mimeType: 'text/html' },
  accepts: [
    {
      scheme: 'exact',
      network: 'eip155:84532',
      amount: '10000',
      asset: USDC_BASE_SEPOLIA,
      payTo: PAY_TO,
      maxTimeoutSeconds: 120,
      extra: { name: 'USDC', version: '2' },
    },
  ],
};
const requiredV1: X402PaymentRequiredV1 = {
  x402Version: 1,
  error: 'X-PAYMENT header is required',
  accepts: [
    {
      scheme: 'exact',
      network: 'base-sepolia',
      maxAmountRequired: '10000',
      asset: USDC_BASE_SEPOLIA,
      payTo: PAY_TO,
      resource: 'https://shop.example/paid/article',
      description: 'An article',
      mimeType: 'text/html',
      maxTimeoutSeconds: 120,
      extra: { name: 'USDC', version: '2' },
    },
  ],
};

const code = async (fn: () => unknown): Promise<string> => {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err.code;
    throw err;
  }
  return 'ok';
};

describe('x402 v2', () => {
  it('our PAYMENT-REQUIRED header is read by the SDK client as sent', () => {
    const header = encodeX402Header(x402PaymentRequiredV2Schema.parse(requiredV2));
    const http = new x402HTTPClient(new x402Client());
    const seen = http.getPaymentRequiredResponse((name) =>
      name.toLowerCase() === X402_HEADERS.paymentRequired ? header : null,
    );
    expect(seen).toEqual(requiredV2);
  });

  it('decodes a PAYMENT-SIGNATURE the SDK signs, and its exact EVM payload', async () => {
    const client = new x402Client().register('eip155:*', new ExactEvmScheme(account as never));
    const http = new x402HTTPClient(client);
    const payload = await client.createPaymentPayload(requiredV2 as never);
    const headers = http.encodePaymentSignatureHeader(payload) as Record<string, string>;
    const value = headers['PAYMENT-SIGNATURE'];
    expect(value).toBeDefined();

    const decoded = decodeX402Header(value!, x402PaymentPayloadV2Schema);
    expect(decoded.x402Version).toBe(2);
    expect(decoded.accepted).toEqual(requiredV2.accepts[0]);
    const exact = x402ExactEvmPayloadSchema.parse(decoded.payload);
    expect(exact.authorization.from).toBe(account.address);
    expect(exact.authorization.to).toBe(PAY_TO);
    expect(exact.authorization.value).toBe('10000');
    expect(exact.signature).toMatch(/^0x[0-9a-f]{130}$/);
  });

  it('refuses bad headers with x402_payload_invalid', async () => {
    const bad = [
      'not base64 at all!',
      Buffer.from('not json').toString('base64'),
      encodeX402Header({ x402Version: 1, scheme: 'exact', network: 'base', payload: {} }),
      encodeX402Header({
        x402Version: 2,
        accepted: { ...requiredV2.accepts[0], amount: '1.5' },
        payload: {},
      }),
      'A'.repeat(17 * 1024),
    ];
    for (const value of bad)
      expect(await code(() => decodeX402Header(value, x402PaymentPayloadV2Schema))).toBe(
        'x402_payload_invalid',
      );
  });

  it('accepts url-safe base64 too and keeps unknown fields', () => {
    const withExtension = { ...requiredV2, extensions: { bazaar: { discoverable: true } }, futureField: 1 };
    const value = Buffer.from(JSON.stringify(withExtension)).toString('base64url');
    expect(decodeX402Header(value, x402PaymentRequiredV2Schema)).toEqual(withExtension);
  });
});

describe('x402 v1', () => {
  it('the v1 body parses and decodes an X-PAYMENT the SDK signs', async () => {
    expect(x402PaymentRequiredV1Schema.parse(requiredV1)).toEqual(requiredV1);
    const client = new x402Client().registerV1('base-sepolia', new ExactEvmSchemeV1(account as never));
    const http = new x402HTTPClient(client);
    const payload = await client.createPaymentPayload(requiredV1 as never);
    const headers = http.encodePaymentSignatureHeader(payload) as Record<string, string>;
    const decoded = decodeX402Header(headers['X-PAYMENT']!, x402PaymentPayloadV1Schema);
    expect(decoded).toMatchObject({ x402Version: 1, scheme: 'exact', network: 'base-sepolia' });
    expect(x402ExactEvmPayloadSchema.parse(decoded.payload).authorization.value).toBe('10000');
  });

  it('refuses a v1 body with a decimal amount', () => {
    const bad = { ...requiredV1, accepts: [{ ...requiredV1.accepts[0], maxAmountRequired: '0.01' }] };
    expect(x402PaymentRequiredV1Schema.safeParse(bad).success).toBe(false);
  });
});

describe('facilitator responses', () => {
  it('parses settle and verify bodies', () => {
    const settle = { success: true, transaction: '0xabc', network: 'eip155:84532', payer: account.address };
    expect(x402SettlementResponseSchema.parse(settle)).toEqual(settle);
    expect(x402SettlementResponseSchema.safeParse({ success: true }).success).toBe(false);
    expect(x402VerifyResponseSchema.parse({ isValid: false, invalidReason: 'insufficient_funds' })).toEqual({
      isValid: false,
      invalidReason: 'insufficient_funds',
    });
    expect(x402VerifyResponseSchema.safeParse({ isValid: 'yes' }).success).toBe(false);
  });

  it('our PAYMENT-RESPONSE header is read by the SDK client', () => {
    const receipt = {
      success: true,
      transaction: '0x' + 'ab'.repeat(32),
      network: 'eip155:84532',
      payer: account.address,
    };
    const header = encodeX402Header(receipt);
    const http = new x402HTTPClient(new x402Client());
    expect(
      http.getPaymentSettleResponse((n) =>
        n.toLowerCase() === X402_HEADERS.paymentResponse ? header : null,
      ),
    ).toEqual(receipt);
  });
});
