/**
 * A site written for the original 402 project (robertlestak/402) switches to Turnpike unchanged:
 * its README's example payment request JSON — byte for byte, `"exp": 6000000000000` (a Go
 * duration in nanoseconds, 100 minutes), `"address": ""`, `"amount": 10` on `polygon` — served as
 * its README's `x-402-required` / `x-402-request` headers and as its README's two `<meta>` tags,
 * through real NGINX (integrations/nginx), paid on anvil (chain id 137, the built-in `polygon`)
 * with a native transfer and the transaction-hash retry. Before the fix it was refused
 * (`request_exp_invalid`, a 503 `upstream_declaration_invalid` through the gateway).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { startPaymentStack, type PaymentStack } from '../support/payments.js';
import type { RecordedRequest, TestUpstream } from '../support/upstream.js';
import { PROBE_HEADER } from '../support/upstream.js';
import {
  offerFor,
  refusalOf,
  retryWhilePending,
  retryWithProof,
  zelfProofClient,
} from './zelfproof-client.js';

/** The README's "Example Payment Request JSON", exactly as printed there. */
const README_EXAMPLE_JSON = `{
    "claims": {
        "aud": "example.com",
        "resource": "/hello-world",
        "userLevel": "silver",
        "moreCustomClaims": "my-custom-data"
    },
    "exp": 6000000000000,
    "payment": {
        "requests": [
            {
                "network": "polygon",
                "address": "",
                "amount": 10
            }
        ]
    },
    "customization": {
        "css": "https://example.com/payment-style.css",
        "js": "https://example.com/payment-scripts.js",
        "image": "https://example.com/payment-image.png"
    }
}`;
/** `x-402-request: [String Base64 JSON]` */
const REQUEST_B64 = Buffer.from(README_EXAMPLE_JSON, 'utf8').toString('base64');
/** The README's two meta tags, `[Boolean]` and `[String Base64 JSON]` filled in. */
const META_TAGS = `<meta name="x-402-required" content="true">
<meta name="x-402-request" content="${REQUEST_B64}">`;

type Mode = 'headers' | 'meta';
let mode: Mode = 'headers';

/** The site: /hello-world declared by headers (HEAD) or, in meta mode, by its HTML head only. */
async function startSite(): Promise<TestUpstream> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const probe = req.headers[PROBE_HEADER] !== undefined;
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '', probe });
    // No caching of the declaration: the test switches the site between the two ways.
    res.setHeader('cache-control', 'no-store');
    if (mode === 'headers') {
      res.setHeader('x-402-required', 'true');
      res.setHeader('x-402-request', REQUEST_B64);
      res.setHeader('content-type', 'application/json');
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ hello: 'world', path: req.url }));
      return;
    }
    if (req.method === 'HEAD') {
      res.statusCode = 405;
      res.end();
      return;
    }
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(
      `<!doctype html><html><head>\n${META_TAGS}\n<title>Hello</title></head><body>Hello, world</body></html>`,
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    appRequests: () => requests.filter((r) => !r.probe),
    reset: () => void requests.splice(0),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let stack: PaymentStack;
beforeAll(async () => {
  stack = await startPaymentStack({
    gateway: 'nginx',
    network: { name: 'polygon', chainId: 137 },
    upstream: await startSite(),
    upstreamHosts: ['example.com'],
  });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const site = () => {
  const client = zelfProofClient(stack.baseUrl);
  client.defaults.headers.common['host'] = 'example.com';
  return client;
};

describe.each<[Mode]>([['headers'], ['meta']])("the original README's example declared by %s", (m) => {
  it('gets a 402 for 10 POL on polygon, pays it, passes once, and the token lives 100 minutes', async () => {
    mode = m;
    const client = site();
    const hits = stack.appHits('/hello-world');
    const refusal = refusalOf(await client.get('/hello-world'));
    expect(refusal.reason).toBe('token_missing');
    const offer = offerFor(refusal.details, 'polygon', 'POL');
    expect(offer).toMatchObject({ amount: '10', atomic: (10n * 10n ** 18n).toString() });
    expect(offer.payTo).toMatch(/^0x[0-9a-fA-F]{40}$/); // "address": "" — Turnpike picks one

    // Explicit fees: on chain id 137 ethers would otherwise ask Polygon's public gas station.
    const sent = await stack.payers[m === 'headers' ? 0 : 1]!.wallet.sendTransaction({
      to: offer.payTo,
      value: BigInt(offer.atomic),
      maxFeePerGas: 10_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
    });
    const tx = sent.hash;
    await stack.provider.waitForTransaction(tx, 1, 15_000);
    const proof = { chain: 'polygon', tx, challenge: refusal.details.challengeId };
    let paid = await retryWithProof(client, '/hello-world', proof);
    if (paid.status === 402) {
      await stack.mine(1);
      paid = await retryWhilePending(client, '/hello-world', proof, 1);
    }
    expect(paid.status).toBe(200);
    expect(stack.appHits('/hello-world')).toBe(hits + 1);
    const token = paid.headers['x-402-token'] as string;
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      aud: 'example.com',
      resource: '/hello-world',
      userLevel: 'silver',
      moreCustomClaims: 'my-custom-data',
    });
    expect(claims.exp! - claims.iat!).toBe(6000); // 6000000000000 ns

    const again = await client.get('/hello-world', { headers: { authorization: `Bearer ${token}` } });
    expect(again.status).toBe(200);
    expect(stack.appHits('/hello-world')).toBe(hits + 2);
  });
});

it('a browser gets the pay page as the 402 (HTML), not a 503', async () => {
  mode = 'meta';
  const res = await site().get('/hello-world', { headers: { accept: 'text/html' } });
  expect(res.status).toBe(402);
  expect(String(res.headers['content-type'])).toContain('text/html');
});
