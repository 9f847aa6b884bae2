/**
 * The gRPC transport's own failure paths, which the real core never produces on purpose: a
 * decide that throws, an `unavailable` decision, and response headers on allow. The decision
 * function is a stand-in here because these paths are the transport's, not the core's; the
 * real core is exercised through gRPC in tests/gateways/envoy-grpc.test.ts.
 */
import { credentials, type Client } from '@grpc/grpc-js';
import { createLogger, createMetrics } from '@turnpike/protocol/service';
import { createAuthzMetrics } from '../../src/metrics.js';
import type { Decision, DenyDecision, RenderedResponse } from '../../src/core/types.js';
import {
  authorizationClientConstructor,
  startGrpcServer,
  type GrpcServerHandle,
} from '../../src/transports/grpc/index.js';

type CheckResponse = {
  status: { code: number; message?: string };
  ok_response?: {
    headers?: Array<{ header: { key: string; value: string } }>;
    headers_to_remove?: string[];
    response_headers_to_add?: Array<{ header: { key: string; value: string }; append_action: string }>;
  };
  denied_response?: {
    status: { code: string };
    body?: string;
    headers?: Array<{ header: { key: string; value: string } }>;
  };
};

const request = {
  attributes: {
    request: { http: { method: 'GET', path: '/x', host: 'shop.test', scheme: 'http', headers: {} } },
  },
};

let next: () => Promise<Decision>;
let server: GrpcServerHandle;
let client: Client & { Check(req: unknown, cb: (err: Error | null, res: CheckResponse) => void): void };
const rendered: DenyDecision[] = [];

beforeAll(async () => {
  const registry = createMetrics();
  server = await startGrpcServer({
    decide: () => next(),
    renderDenial: (decision): RenderedResponse => {
      rendered.push(decision);
      return {
        status: decision.kind === 'unavailable' ? 503 : 403,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reason: decision.reason }),
      };
    },
    logger: createLogger({ name: 'grpc-test', level: 'silent' }),
    metrics: createAuthzMetrics(registry),
    host: '127.0.0.1',
    port: 0,
  });
  const Ctor = authorizationClientConstructor();
  client = new Ctor(`127.0.0.1:${server.port}`, credentials.createInsecure()) as unknown as typeof client;
});
afterAll(async () => {
  client?.close();
  await server?.close();
});

const check = (headers: Record<string, string> = {}) =>
  new Promise<CheckResponse>((resolve, reject) =>
    client.Check(
      { attributes: { request: { http: { ...request.attributes.request.http, headers } } } },
      (err, res) => (err ? reject(err) : resolve(res)),
    ),
  );

describe('startGrpcServer failure paths', () => {
  it('decide throwing → denied 503 with gRPC UNAVAILABLE (a denial Envoy cannot fail open on)', async () => {
    next = () => Promise.reject(new Error('boom'));
    const res = await check();
    expect(res.status.code).toBe(14);
    expect(res.ok_response).toBeUndefined();
    expect(res.denied_response!.status.code).toBe('ServiceUnavailable');
    expect(JSON.parse(res.denied_response!.body!)).toMatchObject({ reason: 'internal_error' });
  });

  it('an unavailable decision → the rendered 503 with gRPC UNAVAILABLE', async () => {
    next = () => Promise.resolve({ kind: 'unavailable', reason: 'upstream_probe_failed' } as Decision);
    const res = await check();
    expect(res.status.code).toBe(14);
    expect(res.status.message).toBe('upstream_probe_failed');
    expect(res.denied_response!.status.code).toBe('ServiceUnavailable');
    expect(rendered.at(-1)).toEqual({ kind: 'unavailable', reason: 'upstream_probe_failed' });
  });

  it('a forbidden decision → 403 with PERMISSION_DENIED', async () => {
    next = () => Promise.resolve({ kind: 'forbidden', reason: 'host_unknown' } as Decision);
    const res = await check();
    expect(res.status.code).toBe(7);
    expect(res.denied_response!.status.code).toBe('Forbidden');
  });

  it('allow with response headers → response_headers_to_add, each Set-Cookie appended', async () => {
    next = () =>
      Promise.resolve({
        kind: 'allow',
        identity: { payer: '0xabc', tokenId: 'j1', claims: {}, scope: '/p' },
        responseHeaders: { 'set-cookie': ['a=1; Path=/p', 'b=2; Path=/'], 'x-402-token': 'tok' },
      } as Decision);
    const res = await check();
    expect(res.status.code).toBe(0);
    const added = res.ok_response!.response_headers_to_add!;
    expect(
      added.filter((o) => o.header.key === 'set-cookie').map((o) => [o.header.value, o.append_action]),
    ).toEqual([
      ['a=1; Path=/p', 'APPEND_IF_EXISTS_OR_ADD'],
      ['b=2; Path=/', 'APPEND_IF_EXISTS_OR_ADD'],
    ]);
    expect(added.find((o) => o.header.key === 'x-402-token')).toMatchObject({
      header: { value: 'tok' },
      append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
    });
    expect(Object.fromEntries(res.ok_response!.headers!.map((o) => [o.header.key, o.header.value]))).toEqual({
      'x-402-payer': '0xabc',
      'x-402-token-id': 'j1',
      'x-402-scope': '/p',
    });
  });
});

describe('allows answered from one message per identity', () => {
  const headersOf = (res: CheckResponse) =>
    Object.fromEntries((res.ok_response!.headers ?? []).map((o) => [o.header.key, o.header.value]));
  const gold = { payer: '0xa', tokenId: 'ja', claims: { plan: 'gold' }, scope: '/p' };
  const silver = { payer: '0xb', tokenId: 'jb', claims: { plan: 'silver' }, scope: '/q' };
  const free = { payer: '', tokenId: '', claims: {}, scope: '' };

  it('each identity gets its own headers, call after call', async () => {
    for (const identity of [gold, silver, gold, silver]) {
      next = () => Promise.resolve({ kind: 'allow', identity } as Decision);
      const res = await check();
      expect(res.status.code).toBe(0);
      expect(headersOf(res)).toMatchObject({
        'x-402-payer': identity.payer,
        'x-402-token-id': identity.tokenId,
        'x-402-scope': identity.scope,
      });
    }
  });

  it('an identity with empty headers: what is removed follows each request, never a shared answer', async () => {
    next = () => Promise.resolve({ kind: 'allow', identity: free } as Decision);
    const spoofed = await check({ 'x-402-payer': 'mallory' });
    expect(spoofed.ok_response!.headers_to_remove).toEqual(['x-402-payer']);
    const clean = await check();
    expect(clean.ok_response!.headers_to_remove ?? []).toEqual([]);
    const other = await check({ 'x-402-scope': '/x', 'x-402-token-id': 't' });
    expect([...other.ok_response!.headers_to_remove!].sort()).toEqual(['x-402-scope', 'x-402-token-id']);
  });
});
