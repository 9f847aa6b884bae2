/**
 * A declaration whose `exp` is a Go duration in nanoseconds (the original 402 project's format)
 * is honoured with a deprecation warning in the log: once per declaration, not per request or
 * probe, and a declaration without `exp` gets the configured default lifetime.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNetworkRegistry } from '@turnpike/protocol';
import type { DecisionLogger, NeutralRequest } from '../../src/core/types.js';
import { createProbeCache } from '../../src/requirements/probe-cache.js';
import { createRequirementResolver } from '../../src/requirements/resolve.js';
import { createRouteTable } from '../../src/requirements/static-routes.js';
import { createUpstreamMap } from '../../src/requirements/upstreams.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
const declaration = (exp?: number) =>
  b64({
    claims: { resource: '/hello-world' },
    ...(exp === undefined ? {} : { exp }),
    payment: { requests: [{ network: 'polygon', address: '', amount: 10 }] },
  });

let server: Server;
let baseUrl: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('x-402-required', 'true');
    res.setHeader(
      'x-402-request',
      req.url?.startsWith('/no-exp') ? declaration() : declaration(6_000_000_000_000),
    );
    res.setHeader('x-402-cache', '0'); // probed again on every request
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function recordingLog(): DecisionLogger & { warnings: Array<{ obj: unknown; msg: string }> } {
  const warnings: Array<{ obj: unknown; msg: string }> = [];
  const noop = () => undefined;
  return {
    warnings,
    warn: ((obj: unknown, msg: string) => void warnings.push({ obj, msg })) as DecisionLogger['warn'],
    error: noop as DecisionLogger['error'],
    info: noop as DecisionLogger['info'],
    debug: noop as DecisionLogger['debug'],
  };
}

const req = (target: string): NeutralRequest => ({
  method: 'GET',
  scheme: 'http',
  host: 'example.com',
  target,
  headers: {},
});

it('warns once for a Go-duration exp however often the declaration is probed; no exp gets the default', async () => {
  const resolver = createRequirementResolver({
    routes: createRouteTable([]),
    upstreams: createUpstreamMap({ 'example.com': baseUrl }),
    cache: createProbeCache({
      maxEntries: 10,
      defaultTtlSeconds: 0,
      negativeTtlSeconds: 0,
      staleIfErrorSeconds: 0,
    }),
    registry: createNetworkRegistry(),
    defaultTokenLifetimeMs: 90_000,
    probe: { timeoutMs: 1_000, maxBodyBytes: 1024, metaFromHtml: false },
  });
  const log = recordingLog();
  for (let i = 0; i < 3; i++) {
    const r = await resolver.resolve(req('/hello-world'), '/hello-world', log);
    expect(r).toMatchObject({ kind: 'priced', request: { tokenLifetimeMs: 6_000_000 } });
  }
  const other = await resolver.resolve(req('/hello-world/2'), '/hello-world/2', log);
  expect(other).toMatchObject({ kind: 'priced', request: { tokenLifetimeMs: 6_000_000 } });
  expect(log.warnings).toHaveLength(1);
  expect(log.warnings[0]!.msg).toMatch(/deprecated.*Go duration in nanoseconds/);
  expect(log.warnings[0]!.obj).toMatchObject({
    host: 'example.com',
    exp: 6_000_000_000_000,
    tokenLifetimeMs: 6_000_000,
  });

  const noExp = await resolver.resolve(req('/no-exp'), '/no-exp', log);
  expect(noExp).toMatchObject({ kind: 'priced', request: { tokenLifetimeMs: 90_000 } });
  expect(log.warnings).toHaveLength(1);
});
