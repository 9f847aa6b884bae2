import { createNetworkRegistry, paymentRequestFromJson } from '@turnpike/protocol';
import { createLogger } from '@turnpike/protocol/service';
import type { NeutralRequest } from '../../src/core/types.js';
import { compileHostPattern } from '../../src/requirements/host-pattern.js';
import { compilePathGlob } from '../../src/requirements/path-glob.js';
import { createProbeCache } from '../../src/requirements/probe-cache.js';
import { createRequirementResolver } from '../../src/requirements/resolve.js';
import { createRouteTable } from '../../src/requirements/static-routes.js';
import { createUpstreamMap } from '../../src/requirements/upstreams.js';
import { BASE_USDC_REQUEST } from '../support/upstream.js';

const registry = createNetworkRegistry();
const request = paymentRequestFromJson(BASE_USDC_REQUEST, registry);
const log = createLogger({ name: 'test', level: 'silent' });
const req = (host: string, method = 'GET', routeName?: string): NeutralRequest => ({
  method,
  scheme: 'http',
  host,
  target: '/',
  headers: {},
  ...(routeName === undefined ? {} : { routeName }),
});

describe('host patterns and path globs', () => {
  it('matches exact hosts, wildcard subdomains (not the apex), ports only when given', () => {
    const wild = compileHostPattern('*.example.com');
    expect(wild.matches('a.example.com')).toBe(true);
    expect(wild.matches('a.b.example.com:8080')).toBe(true);
    expect(wild.matches('example.com')).toBe(false);
    expect(wild.matches('evilexample.com')).toBe(false);
    expect(compileHostPattern('shop.example').matches('shop.example:443')).toBe(true);
    expect(compileHostPattern('shop.example:8443').matches('shop.example')).toBe(false);
  });

  it('globs: * within a segment, ** across, trailing /** covers the directory', () => {
    expect(compilePathGlob('/premium/**')('/premium')).toBe(true);
    expect(compilePathGlob('/premium/**')('/premium/a/b')).toBe(true);
    expect(compilePathGlob('/premium/**')('/premium-x')).toBe(false);
    expect(compilePathGlob('/a/*.pdf')('/a/x.pdf')).toBe(true);
    expect(compilePathGlob('/a/*.pdf')('/a/b/x.pdf')).toBe(false);
    expect(compilePathGlob('/a.b')('/aXb')).toBe(false);
  });
});

describe('requirement resolver', () => {
  const routes = createRouteTable([
    { name: 'gold', hosts: ['api.example'], paths: ['/v1/**'], methods: ['GET'], request },
  ]);
  let probes = 0;
  const resolver = createRequirementResolver({
    routes,
    upstreams: createUpstreamMap({
      '*.example.org': 'http://wild.invalid',
      'exact.example.org': 'http://exact.invalid/',
    }),
    cache: createProbeCache({
      maxEntries: 10,
      defaultTtlSeconds: 60,
      negativeTtlSeconds: 60,
      staleIfErrorSeconds: 0,
    }),
    registry,
    probe: { timeoutMs: 100, maxBodyBytes: 1024, metaFromHtml: true },
    probeFn: async (baseUrl) => {
      probes++;
      return baseUrl === 'http://exact.invalid' ? { kind: 'priced', request } : { kind: 'free' };
    },
  });

  it('static routes first; methods matter; a known host with an unpriced path is free', async () => {
    expect(await resolver.resolve(req('api.example'), '/v1/x', log)).toMatchObject({
      kind: 'priced',
      source: 'route',
      routeName: 'gold',
    });
    expect(await resolver.resolve(req('api.example', 'POST'), '/v1/x', log)).toEqual({ kind: 'free' });
    expect(await resolver.resolve(req('api.example'), '/other', log)).toEqual({ kind: 'free' });
  });

  it('an Envoy route name selects its static route; an unknown name is forbidden', async () => {
    expect(await resolver.resolve(req('anything.example', 'GET', 'gold'), '/whatever', log)).toMatchObject({
      kind: 'priced',
      routeName: 'gold',
    });
    expect(await resolver.resolve(req('anything.example', 'GET', 'nope'), '/x', log)).toEqual({
      kind: 'deny',
      decision: 'forbidden',
      reason: 'route_unknown',
    });
  });

  it('the most specific upstream mapping is probed (trailing slash trimmed)', async () => {
    expect((await resolver.resolve(req('exact.example.org'), '/p', log)).kind).toBe('priced');
    expect((await resolver.resolve(req('x.example.org'), '/p', log)).kind).toBe('free');
    expect(probes).toBe(2);
  });

  it('unknownHosts: free passes hosts nobody configured', async () => {
    const lenient = createRequirementResolver({
      routes,
      upstreams: createUpstreamMap({}),
      cache: createProbeCache({
        maxEntries: 10,
        defaultTtlSeconds: 60,
        negativeTtlSeconds: 60,
        staleIfErrorSeconds: 0,
      }),
      registry,
      probe: { timeoutMs: 100, maxBodyBytes: 1024, metaFromHtml: true },
      unknownHosts: 'free',
    });
    expect(await lenient.resolve(req('nobody.example'), '/', log)).toEqual({ kind: 'free' });
    expect(await lenient.resolve(req('api.example'), '/v1/x', log)).toMatchObject({ kind: 'priced' });
  });

  it('an unknown host is forbidden (host_unknown)', async () => {
    expect(await resolver.resolve(req('nobody.example'), '/', log)).toEqual({
      kind: 'deny',
      decision: 'forbidden',
      reason: 'host_unknown',
    });
  });
});
