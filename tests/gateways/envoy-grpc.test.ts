/**
 * Envoy's gRPC ext_authz contract: the Check table through a grpc-js client built from Envoy's
 * own protos (@grpc/grpc-js-xds), against the real authz-service. Envoy itself cannot run here;
 * the CheckRequests are shaped as Envoy sends them (lower-case headers map with pseudo-headers,
 * path with query, host, scheme, context_extensions).
 */
import { credentials, makeGenericClientConstructor, type Client } from '@grpc/grpc-js';
import { IDENTITY_HEADERS } from '@turnpike/authz-service';
import {
  authorizationClientConstructor,
  healthServiceDefinition,
} from '../../authz-service/src/transports/grpc/index.js';
import { BAD_TOKENS, PAYER, SCOPE, SPOOFED, VALID_CLAIMS } from './decision-table.js';
import { HOST, startStack, type Stack } from './stack.js';

interface HeaderOption {
  header: { key: string; value: string };
  append_action?: string;
}
interface CheckResponse {
  status: { code: number; message?: string };
  http_response?: 'ok_response' | 'denied_response';
  ok_response?: {
    headers?: HeaderOption[];
    headers_to_remove?: string[];
    response_headers_to_add?: HeaderOption[];
  };
  denied_response?: { status: { code: string | number }; headers?: HeaderOption[]; body?: string };
}
type Unary<Req, Res> = (req: Req, cb: (err: Error | null, res: Res) => void) => void;

const OK = 0;
const INVALID_ARGUMENT = 3;
const PERMISSION_DENIED = 7;

let stack: Stack;
let client: Client & { Check: Unary<unknown, CheckResponse> };

function checkRequest(opts: {
  path: string;
  headers?: Record<string, string>;
  method?: string;
  host?: string;
  extensions?: Record<string, string>;
}): unknown {
  const host = opts.host ?? HOST;
  const method = opts.method ?? 'GET';
  return {
    attributes: {
      source: { address: { socket_address: { address: '203.0.113.7', port_value: 50_123 } } },
      request: {
        time: { seconds: String(Math.floor(Date.now() / 1000)) },
        http: {
          id: '1234567890',
          method,
          headers: {
            ':authority': host,
            ':path': opts.path,
            ':method': method,
            ':scheme': 'http',
            'x-request-id': 'req-1',
            ...opts.headers,
          },
          path: opts.path,
          host,
          scheme: 'http',
          protocol: 'HTTP/1.1',
        },
      },
      context_extensions: opts.extensions ?? {},
    },
  };
}

function check(req: unknown): Promise<CheckResponse> {
  return new Promise((resolve, reject) =>
    client.Check(req, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

const headerMap = (options: HeaderOption[] | undefined): Record<string, string> =>
  Object.fromEntries((options ?? []).map((o) => [o.header.key, o.header.value]));

function expectPaymentRequired(res: CheckResponse, kind: 'json' | 'html'): Record<string, string> {
  expect(res.status.code).toBe(PERMISSION_DENIED);
  expect(res.http_response).toBe('denied_response');
  expect(res.ok_response).toBeUndefined();
  expect(res.denied_response!.status.code).toBe('PaymentRequired');
  const headers = headerMap(res.denied_response!.headers);
  if (kind === 'json') {
    expect(headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(res.denied_response!.body!) as { error: string; accepts: unknown[] };
    expect(body.error).toMatch(/payment required/i); // x402: a human-readable message
    expect(body.accepts.length).toBeGreaterThan(0);
    const terms = JSON.parse(Buffer.from(headers['payment-required']!, 'base64').toString('utf8')) as {
      x402Version: number;
    };
    expect(terms.x402Version).toBe(2);
  } else {
    expect(headers['content-type']).toMatch(/^text\/html/);
    expect(headers.location).toMatch(/^\/_402\/pay\?ref=/);
    expect(res.denied_response!.body).toContain(headers.location);
  }
  return headers;
}

beforeAll(async () => {
  stack = await startStack({ grpc: true, proofAttemptsPerMinute: 2 });
  const Ctor = authorizationClientConstructor();
  client = new Ctor(
    `127.0.0.1:${stack.authz.grpcPort}`,
    credentials.createInsecure(),
  ) as unknown as typeof client;
});
afterAll(async () => {
  client?.close();
  await stack?.close();
});

describe('envoy.service.auth.v3.Authorization/Check', () => {
  it('free resource → OK; identity headers the client sent are removed', async () => {
    const res = await check(checkRequest({ path: '/free/page?x=1', headers: { ...SPOOFED } }));
    expect(res.status.code).toBe(OK);
    expect(res.http_response).toBe('ok_response');
    expect(res.ok_response!.headers ?? []).toEqual([]);
    expect([...(res.ok_response!.headers_to_remove ?? [])].sort()).toEqual([...IDENTITY_HEADERS].sort());
  });

  it('free resource without client identity headers → OK with nothing to remove', async () => {
    const res = await check(checkRequest({ path: '/free/page' }));
    expect(res.status.code).toBe(OK);
    expect(res.ok_response!.headers_to_remove ?? []).toEqual([]);
  });

  it('priced, API client, no token → PERMISSION_DENIED + denied_response 402 JSON with PAYMENT-REQUIRED', async () => {
    expectPaymentRequired(
      await check(checkRequest({ path: '/premium/doc?page=2', headers: { accept: 'application/json' } })),
      'json',
    );
  });

  it('priced, browser, no token → denied_response 402 HTML with Location under /_402/', async () => {
    expectPaymentRequired(
      await check(checkRequest({ path: '/premium/doc', headers: { accept: 'text/html' } })),
      'html',
    );
  });

  it('priced by a <meta> tag (HEAD answers 405) → 402', async () => {
    expectPaymentRequired(
      await check(checkRequest({ path: '/article/one', headers: { accept: 'application/json' } })),
      'json',
    );
  });

  it('valid token → OK with every identity header set (OVERWRITE_IF_EXISTS_OR_ADD)', async () => {
    const token = await stack.signer.sign(VALID_CLAIMS);
    const res = await check(
      checkRequest({ path: '/premium/doc', headers: { authorization: `Bearer ${token}`, ...SPOOFED } }),
    );
    expect(res.status.code).toBe(OK);
    const set = res.ok_response!.headers ?? [];
    for (const option of set) expect(option.append_action).toBe('OVERWRITE_IF_EXISTS_OR_ADD');
    const headers = headerMap(set);
    expect(headers['x-402-payer']).toBe(PAYER);
    expect(headers['x-402-scope']).toBe(SCOPE);
    expect(headers['x-402-token-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(Buffer.from(headers['x-402-claims']!, 'base64url').toString('utf8'))).toMatchObject({
      plan: 'premium',
      aud: HOST,
    });
    // Every spoofed header is either overwritten or removed; none is removed after being set.
    for (const name of IDENTITY_HEADERS) {
      const setHere = name in headers;
      const removed = (res.ok_response!.headers_to_remove ?? []).includes(name);
      expect(setHere !== removed).toBe(true);
    }
  });

  it('valid token in the scope cookie → OK', async () => {
    const token = await stack.signer.sign(VALID_CLAIMS);
    const res = await check(
      checkRequest({
        path: '/premium/a',
        headers: { cookie: `402_token_${Buffer.from(SCOPE).toString('base64url')}=${token}` },
      }),
    );
    expect(res.status.code).toBe(OK);
    expect(headerMap(res.ok_response!.headers)['x-402-payer']).toBe(PAYER);
  });

  it.each(BAD_TOKENS.map((b) => [b.name, b] as const))('token with %s → 402', async (_n, bad) => {
    const token = await bad.token(stack.signer);
    expectPaymentRequired(
      await check(
        checkRequest({
          path: '/premium/doc',
          headers: { accept: 'application/json', authorization: `Bearer ${token}` },
        }),
      ),
      'json',
    );
  });

  it('context_extensions route names a static route: that price applies to any path', async () => {
    expectPaymentRequired(
      await check(
        checkRequest({
          path: '/free/page',
          headers: { accept: 'application/json' },
          extensions: { route: 'reports' },
        }),
      ),
      'json',
    );
  });

  it('a malformed PAYMENT-SIGNATURE → INVALID_ARGUMENT + denied_response 400 (x402: "Invalid Payment | 400")', async () => {
    const res = await check(
      checkRequest({
        path: '/premium/doc',
        headers: { accept: 'application/json', 'payment-signature': 'not base64!' },
      }),
    );
    expect(res.status.code).toBe(INVALID_ARGUMENT);
    expect(res.denied_response!.status.code).toBe('BadRequest');
    expect(JSON.parse(res.denied_response!.body!)).toMatchObject({ reason: 'x402_payload_invalid' });
  });

  it('an unknown context_extensions route → 403, never allowed', async () => {
    const res = await check(checkRequest({ path: '/free/page', extensions: { route: 'no-such-route' } }));
    expect(res.status.code).toBe(PERMISSION_DENIED);
    expect(res.denied_response!.status.code).toBe('Forbidden');
  });

  it('an unknown host → 403', async () => {
    const res = await check(checkRequest({ path: '/free/page', host: 'elsewhere.test' }));
    expect(res.status.code).toBe(PERMISSION_DENIED);
    expect(res.denied_response!.status.code).toBe('Forbidden');
  });

  it('a path escaping the root → denied', async () => {
    const res = await check(checkRequest({ path: '/premium/%2e%2e/%2e%2e/../x%2Fy' }));
    expect(res.status.code).not.toBe(OK);
    expect(res.http_response).toBe('denied_response');
  });

  it.each([
    ['no attributes at all', {}],
    ['no http attributes', { attributes: { request: {} } }],
    ['no path', { attributes: { request: { http: { method: 'GET', host: HOST, headers: {} } } } }],
    ['no method', { attributes: { request: { http: { path: '/free/page', host: HOST, headers: {} } } } }],
  ])('%s → INVALID_ARGUMENT denied, never allowed', async (_n, req) => {
    const res = await check(req);
    expect(res.status.code).toBe(INVALID_ARGUMENT);
    expect(res.http_response).toBe('denied_response');
    expect(res.denied_response!.status.code).toBe('Forbidden');
    expect(JSON.parse(res.denied_response!.body!)).toMatchObject({ reason: 'check_request_invalid' });
  });
});

describe('grpc.health.v1.Health/Check', () => {
  it('payment proofs over the per-client limit → RESOURCE_EXHAUSTED + denied_response 429 with Retry-After', async () => {
    const first = await check(
      checkRequest({ path: '/premium/doc', headers: { accept: 'application/json' } }),
    );
    const challengeId = (
      JSON.parse(first.denied_response!.body!) as { paymentDetails: { challengeId: string } }
    ).paymentDetails.challengeId;
    const proof = () =>
      check(
        checkRequest({
          path: '/premium/doc',
          headers: {
            accept: 'application/json',
            'x-payment-chain': 'base-sepolia',
            'x-payment-tx': `0x${'ab'.repeat(32)}`,
            'x-payment-challenge': challengeId,
          },
        }),
      );
    for (let i = 0; i < 2; i++) expect((await proof()).denied_response!.status.code).toBe('PaymentRequired');
    const limited = await proof();
    expect(limited.status.code).toBe(8); // RESOURCE_EXHAUSTED
    expect(limited.denied_response!.status.code).toBe('TooManyRequests');
    const headers = headerMap(limited.denied_response!.headers);
    expect(Number(headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(limited.denied_response!.body!)).toMatchObject({ error: 'rate_limited' });
  });

  it('answers SERVING once keys are loaded, SERVICE_UNKNOWN for other services', async () => {
    const Health = makeGenericClientConstructor(healthServiceDefinition(), 'Health');
    const health = new Health(
      `127.0.0.1:${stack.authz.grpcPort}`,
      credentials.createInsecure(),
    ) as unknown as Client & {
      Check: Unary<{ service: string }, { status: string }>;
    };
    const ask = (service: string) =>
      new Promise<{ status: string }>((resolve, reject) =>
        health.Check({ service }, (err, res) => (err ? reject(err) : resolve(res))),
      );
    try {
      expect((await ask('')).status).toBe('SERVING');
      expect((await ask('envoy.service.auth.v3.Authorization')).status).toBe('SERVING');
      expect((await ask('something.Else')).status).toBe('SERVICE_UNKNOWN');
    } finally {
      health.close();
    }
  });
});
