/**
 * x402 discovery through real NGINX (integrations/nginx), every part real:
 * - the 402's `extensions.bazaar` (specs/extensions/bazaar.md) from the declaration's
 *   `description` and optional `outputSchema`, checked with x402's own validators
 *   (@x402/extensions: `validateDiscoveryExtension` — Ajv against the extension's schema — and
 *   `validateDiscoveryExtensionSpec`); the unmodified @x402/fetch echoes it and pays;
 * - `/.well-known/x402`: the host's priced resources the authorizer knows (its static routes and
 *   the declarations it probed recently), in the discovery list's shape (x402 v2 spec §8).
 */
import { validateDiscoveryExtension, validateDiscoveryExtensionSpec } from '@x402/extensions/bazaar';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { privateKeyToAccount } from 'viem/accounts';
import { PAY_CAIP2, PAY_NETWORK, PRICE, startPaymentStack, type PaymentStack } from '../support/payments.js';
import { startTestUpstream } from '../support/upstream.js';

const OUTPUT_SCHEMA = {
  type: 'object',
  properties: { content: { type: 'string' }, path: { type: 'string' } },
  required: ['content'],
};
const DESCRIBED = {
  ...PRICE,
  description: 'Premium report',
  outputSchema: OUTPUT_SCHEMA,
  payment: { requests: [{ network: PAY_NETWORK, amount: '0.01', asset: 'USDC' }] },
};

let stack: PaymentStack;
beforeAll(async () => {
  stack = await startPaymentStack({
    gateway: 'nginx',
    upstream: await startTestUpstream({ price: DESCRIBED }),
    authz: {
      discovery: { wellKnown: true },
      routes: [
        {
          name: 'api',
          hosts: ['127.0.0.1'],
          paths: ['/api/**'],
          request: {
            description: 'The data API',
            exp: 60_000,
            payment: { requests: [{ network: PAY_NETWORK, amount: '0.02', asset: 'USDC' }] },
          },
        },
        {
          name: 'plain',
          hosts: ['127.0.0.1'],
          paths: ['/plain/**'],
          request: {
            exp: 60_000,
            payment: { requests: [{ network: PAY_NETWORK, amount: '0.03', asset: 'USDC' }] },
          },
        },
      ],
    },
  });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

interface PaymentRequired {
  resource: { description: string; mimeType: string };
  extensions: {
    bazaar?: {
      info: { input: Record<string, unknown>; output?: unknown };
      schema: { properties: { output: { properties: { example: unknown } } } };
    };
  };
}
const termsOf = (res: Response) =>
  JSON.parse(Buffer.from(res.headers.get('payment-required')!, 'base64').toString('utf8')) as PaymentRequired;

describe('extensions.bazaar', () => {
  it('GET: a valid bazaar extension from the description and output schema', async () => {
    const res = await fetch(`${stack.baseUrl}/premium/report`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(402);
    const terms = termsOf(res);
    expect(terms.resource.description).toBe('Premium report');
    const bazaar = terms.extensions.bazaar!;
    expect(bazaar.info.input).toEqual({ type: 'http', method: 'GET' });
    expect(bazaar.info.output).toEqual({ type: 'json', format: 'application/json' });
    expect(bazaar.schema.properties.output.properties.example).toEqual(OUTPUT_SCHEMA);
    expect(validateDiscoveryExtension(bazaar as never)).toEqual({ valid: true });
    expect(validateDiscoveryExtensionSpec(bazaar as never)).toMatchObject({ valid: true });
  });

  it('POST: the body input shape, still valid', async () => {
    const res = await fetch(`${stack.baseUrl}/premium/echo`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(402);
    const bazaar = termsOf(res).extensions.bazaar!;
    expect(bazaar.info.input).toEqual({ type: 'http', method: 'POST', bodyType: 'json', body: {} });
    expect(validateDiscoveryExtension(bazaar as never)).toEqual({ valid: true });
  });

  it('a static route with a description has one too; without a description, none (the owner’s choice)', async () => {
    const api = await fetch(`${stack.baseUrl}/api/x`, { headers: { accept: 'application/json' } });
    expect(termsOf(api).extensions.bazaar).toMatchObject({
      info: { input: { type: 'http', method: 'GET' } },
    });
    const plain = await fetch(`${stack.baseUrl}/plain/x`, { headers: { accept: 'application/json' } });
    expect(plain.status).toBe(402);
    expect(termsOf(plain).extensions.bazaar).toBeUndefined();
  });

  it('@x402/fetch (unmodified) echoes the extension and pays once', async () => {
    const payer = stack.payers[0]!;
    const client = new x402Client().setSpendControls(false);
    registerExactEvmScheme(client, { signer: privateKeyToAccount(payer.privateKey) });
    const hits = stack.appHits('/premium/bazaar');
    const res = await wrapFetchWithPayment(fetch, client)(`${stack.baseUrl}/premium/bazaar/report`, {
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(stack.appHits('/premium/bazaar')).toBe(hits + 1);
    const seen = stack.upstream
      .appRequests()
      .find((r) => r.url === '/premium/bazaar/report' && r.method === 'GET');
    const sent = JSON.parse(
      Buffer.from(String(seen!.headers['payment-signature']), 'base64').toString('utf8'),
    ) as { extensions?: { bazaar?: { info: unknown } } };
    expect(sent.extensions?.bazaar?.info).toMatchObject({ input: { type: 'http', method: 'GET' } });
  });
});

describe('/.well-known/x402', () => {
  interface Listing {
    x402Version: number;
    items: Array<{
      resource: string;
      type: string;
      x402Version: number;
      accepts: Array<{ network: string; payTo: string; amount: string; extra: Record<string, unknown> }>;
      lastUpdated: number;
      metadata: Record<string, unknown>;
    }>;
    pagination: { limit: number; offset: number; total: number };
  }

  it('lists the static route and the declarations probed so far, through NGINX', async () => {
    await fetch(`${stack.baseUrl}/premium/listed`, { headers: { accept: 'application/json' } });
    const res = await fetch(`${stack.baseUrl}/.well-known/x402`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const list = (await res.json()) as Listing;
    expect(list.x402Version).toBe(2);
    const byResource = new Map(list.items.map((i) => [new URL(i.resource).pathname, i]));
    expect(byResource.get('/api')).toMatchObject({
      type: 'http',
      x402Version: 2,
      metadata: { source: 'route', pathPattern: '/api/**', description: 'The data API' },
      accepts: [{ network: PAY_CAIP2, amount: '20000' }],
    });
    const probed = byResource.get('/premium/listed')!;
    expect(probed).toMatchObject({
      metadata: { source: 'upstream', description: 'Premium report', mimeType: 'application/json' },
      accepts: [{ network: PAY_CAIP2, amount: '10000' }],
    });
    expect((probed.metadata['bazaar'] as object) !== undefined).toBe(true);
    // The list pays the portal's one x402 address and carries no requester's secret.
    expect(probed.accepts[0]!.payTo.toLowerCase()).toBe(stack.portal.context.payee.x402?.payTo);
    expect(probed.accepts[0]!.extra).toEqual({ name: 'USD Coin', version: '2' });
    expect(Math.abs(probed.lastUpdated - Date.now() / 1000)).toBeLessThan(120);
    expect(list.pagination.total).toBe(list.items.length);
  });

  it('pages with limit and offset', async () => {
    const all = (await (await fetch(`${stack.baseUrl}/.well-known/x402`)).json()) as Listing;
    expect(all.pagination.total).toBeGreaterThanOrEqual(2);
    const page = (await (
      await fetch(`${stack.baseUrl}/.well-known/x402?limit=1&offset=1`)
    ).json()) as Listing;
    expect(page.items).toEqual([all.items[1]]);
    expect(page.pagination).toEqual({ limit: 1, offset: 1, total: all.pagination.total });
  });
});
