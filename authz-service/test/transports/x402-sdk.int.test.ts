import { x402Client, x402HTTPClient } from '@x402/core/client';
import { PaymentRequiredV1Schema, PaymentRequiredV2Schema } from '@x402/core/schemas';
import { send } from '../support/http.js';
import { startStack, type TestStack } from '../support/service.js';

// The x402 terms are read here by the real x402 SDK (@x402/core), as an unmodified client would.
let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

describe('the 402 as the x402 SDK reads it', () => {
  it('the v2 PAYMENT-REQUIRED header and the v1 body both pass the SDK’s own parsing', async () => {
    const r = await send(stack.service.httpPort, {
      path: '/v1/envoy/premium/article',
      headers: { host: 'shop.example', 'x-forwarded-proto': 'https' },
    });
    expect(r.status).toBe(402);
    const http = new x402HTTPClient(new x402Client());
    const required = http.getPaymentRequiredResponse((name) => {
      const v = r.headers[name.toLowerCase()];
      return typeof v === 'string' ? v : undefined;
    }, JSON.parse(r.body));
    expect(PaymentRequiredV2Schema.parse(required)).toMatchObject({
      x402Version: 2,
      resource: { url: 'https://shop.example/premium/article' },
      accepts: [
        {
          scheme: 'exact',
          network: 'eip155:8453',
          amount: '10000',
          extra: { name: 'USD Coin', version: '2' },
        },
      ],
    });
    const v1 = PaymentRequiredV1Schema.parse(JSON.parse(r.body));
    expect(v1.accepts[0]).toMatchObject({ network: 'base', maxAmountRequired: '10000' });
  });
});
