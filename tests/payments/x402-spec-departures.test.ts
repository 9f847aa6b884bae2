/**
 * x402 fields against the spec text (coinbase/x402 specs @dd927a2), through each shipped gateway
 * config with every part real (NGINX, Caddy, HAProxy; anvil with Circle's USDC; the portal's
 * relayer):
 * - transports-v2/http.md, "Error Handling": `Invalid Payment | 400 | Malformed payment payload
 *   or requirements` — a malformed PAYMENT-SIGNATURE / X-PAYMENT is a 400, not a 402 (through
 *   NGINX too, whose auth_request honours only 401/403: the verdict carries it to the renderer);
 * - transports-v2/http.md and transports-v1/http.md, "Settlement Response Delivery", "Example
 *   (Failure)": a failed payment is a 402 carrying PAYMENT-RESPONSE (v1: X-PAYMENT-RESPONSE) with
 *   `success: false` and `errorReason`;
 * - x402-specification-v2.md §5.1.2 `resource.mimeType`: "MIME type of the expected response";
 * - x402-specification-v1.md / v2 §5.1 `error`: "Human-readable error message explaining why
 *   payment is required" (Turnpike's stable code stays in `reason`).
 */
import { decodeX402Header, x402SettlementResponseSchema } from '@turnpike/protocol';
import { privateKeyToAccount } from 'viem/accounts';
import { GATEWAY_KINDS, type GatewayKind } from '../support/gateways.js';
import { PAY_CAIP2, PAY_NETWORK, startPaymentStack, type PaymentStack } from '../support/payments.js';
import { firstRequirement, paymentSignature } from './x402-payload.js';

describe.each<[GatewayKind]>(GATEWAY_KINDS.map((k) => [k]))('x402 spec fields through %s', (kind) => {
  let stack: PaymentStack;
  beforeAll(async () => {
    stack = await startPaymentStack({ gateway: kind });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${stack.baseUrl}${path}`, { headers: { accept: 'application/json', ...headers } });

  it.each([
    ['PAYMENT-SIGNATURE', 'payment-signature', 'not base64 at all!'],
    ['X-PAYMENT', 'x-payment', Buffer.from('{"x402Version":1}').toString('base64')],
  ])('a malformed %s is a 400 with a clear reason; nothing reaches the app', async (_name, header, value) => {
    const path = `/premium/${kind}/malformed-${header}`;
    const hits = stack.appHits(path);
    const res = await get(path, { [header]: value });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-402-reason')).toBe('x402_payload_invalid');
    const body = (await res.json()) as { reason: string; message: string };
    expect(body.reason).toBe('x402_payload_invalid');
    expect(body.message).toMatch(/malformed/);
    expect(stack.appHits(path)).toBe(hits);
  });

  it('a failed v2 payment: 402 with PAYMENT-RESPONSE success:false and its errorReason', async () => {
    const path = `/premium/${kind}/failed-v2`;
    const first = await get(path);
    const accepted = firstRequirement(first.headers.get('payment-required')!);
    const signer = privateKeyToAccount(stack.payers[0]!.privateKey);
    // Signed by one key, claiming another payer: the signature does not recover `from`.
    const header = await paymentSignature(signer, accepted, {
      from: stack.payers[1]!.address as `0x${string}`,
    });
    const res = await get(path, { 'payment-signature': header });
    expect(res.status).toBe(402);
    const receipt = decodeX402Header(res.headers.get('payment-response') ?? '', x402SettlementResponseSchema);
    expect(receipt).toMatchObject({
      success: false,
      errorReason: 'invalid_exact_evm_payload_signature',
      transaction: '',
      network: PAY_CAIP2,
    });
    expect(receipt.errorMessage).toMatch(/signature/);
    expect(((await res.json()) as { reason: string }).reason).toBe('x402_signature_invalid');
  });

  it('a failed v1 payment: 402 with X-PAYMENT-RESPONSE success:false', async () => {
    const path = `/premium/${kind}/failed-v1`;
    const first = await get(path);
    const accepted = firstRequirement(first.headers.get('payment-required')!);
    const signer = privateKeyToAccount(stack.payers[0]!.privateKey);
    const v2 = JSON.parse(
      Buffer.from(await paymentSignature(signer, accepted, { value: 1n }), 'base64').toString('utf8'),
    ) as { payload: unknown };
    const v1 = { x402Version: 1, scheme: 'exact', network: PAY_NETWORK, payload: v2.payload };
    const res = await get(path, { 'x-payment': Buffer.from(JSON.stringify(v1)).toString('base64') });
    expect(res.status).toBe(402);
    expect(res.headers.get('payment-response')).toBeNull();
    const receipt = decodeX402Header(
      res.headers.get('x-payment-response') ?? '',
      x402SettlementResponseSchema,
    );
    expect(receipt).toMatchObject({ success: false, network: PAY_NETWORK, transaction: '' });
    expect(receipt.errorReason).toMatch(/^[a-z0-9_]+$/);
  });

  it('/.well-known/x402 is routed to the authorizer where the shipped config has the route (off by default)', async () => {
    const res = await fetch(`${stack.baseUrl}/.well-known/x402`);
    const hits = stack.appHits('/.well-known');
    if (kind === 'haproxy') {
      // No route in the HAProxy config: the path is an ordinary (free, here) request to the app.
      expect(res.status).toBe(200);
      expect(hits).toBe(1);
    } else {
      expect(res.status).toBe(404);
      expect(((await res.json()) as { reason: string }).reason).toBe('discovery_disabled');
      expect(hits).toBe(0);
    }
  });

  it('resource.mimeType: an HTML page is text/html, a JSON API application/json; error is a sentence', async () => {
    const page = await get(`/article/${kind}/mime`);
    expect(page.status).toBe(402);
    const pageTerms = JSON.parse(
      Buffer.from(page.headers.get('payment-required')!, 'base64').toString('utf8'),
    ) as {
      error: string;
      resource: { mimeType: string };
    };
    expect(pageTerms.resource.mimeType).toBe('text/html');
    expect(pageTerms.error).toBe('Payment required to access this resource');
    const api = await get(`/premium/${kind}/mime`);
    const apiTerms = JSON.parse(
      Buffer.from(api.headers.get('payment-required')!, 'base64').toString('utf8'),
    ) as {
      resource: { mimeType: string };
    };
    expect(apiTerms.resource.mimeType).toBe('application/json');
    const body = (await api.json()) as {
      error: string;
      reason: string;
      accepts: Array<{ mimeType: string }>;
    };
    expect(body.error).toBe('Payment required to access this resource');
    expect(body.reason).toBe('token_missing');
    expect(body.accepts[0]!.mimeType).toBe('application/json');
  });
});
