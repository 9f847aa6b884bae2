/**
 * Traefik, Envoy and Istio cannot run here (no binaries): their shipped configs are parsed and
 * held to the essentials — fail closed, every identity header copied, the portal routed — and
 * Envoy's ext_authz blocks are checked field by field against Envoy's own protos.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type protobuf from 'protobufjs';
import { IDENTITY_HEADERS } from '../../authz-service/src/core/identity-headers.js';
import { CLIENT_HEADERS_FOR_AUTHZ, CLIENT_RESPONSE_HEADERS } from '../../integrations/express/src/headers.js';
import { INTEGRATIONS_DIR } from '../support/gateways.js';
import { FORWARDED_HEADER_NAMES, underscoreSpellings } from '../support/identity-smuggling.js';
import { loadEnvoyProtos, unknownFields as unknownEnvoyFields } from './envoy-protos.js';

type Json = Record<string, unknown>;
const read = (rel: string): string => readFileSync(path.join(INTEGRATIONS_DIR, rel), 'utf8');
const lower = (xs: unknown[]): string[] => xs.map((x) => String(x).toLowerCase());

/** Every object in `node` (depth first) that has `key`. */
function findAll(node: unknown, key: string, out: Json[] = []): Json[] {
  if (Array.isArray(node)) for (const x of node) findAll(x, key, out);
  else if (node !== null && typeof node === 'object') {
    if (key in node) out.push(node as Json);
    for (const v of Object.values(node)) findAll(v, key, out);
  }
  return out;
}

function extAuthzFilter(config: Json): Json {
  const filters = findAll(config, 'typed_config').map((f) => f.typed_config as Json);
  const extAuthz = filters.filter(
    (c) => c['@type'] === 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
  );
  expect(extAuthz).toHaveLength(1);
  return extAuthz[0]!;
}

function exactPatterns(matcher: unknown): string[] {
  const patterns = (matcher as { patterns?: Array<{ exact?: string }> } | undefined)?.patterns ?? [];
  return patterns.map((p) => String(p.exact).toLowerCase());
}

/**
 * Client headers the authorizer reads (authz-service tokens/sources.ts and the dialects/ it extracts proofs with, plus
 * `accept` for HTML or JSON): every gateway that lists what it forwards must list all of them.
 */
const AUTHZ_READS = [
  'cookie',
  'authorization',
  'accept',
  'x-402-token',
  'x-payment',
  'x-payment-chain',
  'x-payment-tx',
  'x-payment-challenge',
  'payment-signature',
  'sign-in-with-x',
];

/** Headers of an allow answer for the client: a token issued for a payment proof and its receipt. */
const ALLOW_TO_CLIENT = [
  'set-cookie',
  'x-402-token',
  'payment-response',
  'x-payment-response',
  'payment-receipt',
];

/** The quoted strings of the Lua table `local <name> = { ... }` in the HAProxy action. */
function luaList(name: string): string[] {
  const table = new RegExp(`local ${name} = \\{([^}]*)\\}`).exec(read('haproxy/turnpike.lua'));
  expect(table).not.toBeNull();
  return [...table![1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!.toLowerCase());
}

let root: protobuf.Root;
beforeAll(() => {
  root = loadEnvoyProtos([
    'envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto',
    'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  ]);
});

const unknownFields = (typeName: string, value: unknown): string[] =>
  unknownEnvoyFields(root, typeName, value);

describe('Envoy configs', () => {
  const modes = ['envoy/envoy-grpc.yaml', 'envoy/envoy-http.yaml'] as const;

  it.each(modes)('%s: ext_authz fails closed, never sends the body, and matches Envoy protos', (file) => {
    const config = parse(read(file)) as Json;
    const filter = extAuthzFilter(config);
    expect(filter.failure_mode_allow).toBe(false);
    expect(filter.transport_api_version).toBe('V3');
    expect(filter).not.toHaveProperty('with_request_body');
    expect(unknownFields('envoy.extensions.filters.http.ext_authz.v3.ExtAuthz', filter)).toEqual([]);
  });

  it.each(modes)('%s: /_402/ goes to the portal with ext_authz disabled there', (file) => {
    const config = parse(read(file)) as Json;
    const routes = findAll(config, 'match').filter((r) => (r.match as Json).prefix === '/_402/');
    expect(routes).toHaveLength(1);
    expect((routes[0]!.route as Json).cluster).toBe('turnpike_portal');
    const perRoute = (routes[0]!.typed_per_filter_config as Json)['envoy.filters.http.ext_authz'] as Json;
    expect(perRoute.disabled).toBe(true);
    expect(unknownFields('envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute', perRoute)).toEqual(
      [],
    );
  });

  it.each(modes)(
    '%s: the client address is the peer (use_remote_address), not what a client wrote in X-Forwarded-For',
    (file) => {
      const hcmType = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
      const managers = findAll(parse(read(file)), 'typed_config')
        .map((f) => f.typed_config as Json)
        .filter((c) => c['@type'] === `type.googleapis.com/${hcmType}`);
      expect(managers).toHaveLength(1);
      expect(managers[0]!.use_remote_address).toBe(true);
      expect(managers[0]!.xff_num_trusted_hops ?? 0).toBe(0);
      expect(root.lookupType(hcmType).fields.use_remote_address).toBeDefined();
    },
  );

  it('gRPC mode calls the authorizer over an HTTP/2 cluster', () => {
    const config = parse(read('envoy/envoy-grpc.yaml')) as Json;
    const filter = extAuthzFilter(config);
    const cluster = ((filter.grpc_service as Json).envoy_grpc as Json).cluster_name;
    const clusters = findAll(config, 'load_assignment').filter((c) => c.name === cluster);
    expect(clusters).toHaveLength(1);
    expect(JSON.stringify(clusters[0])).toContain('http2_protocol_options');
  });

  it('HTTP mode: path_prefix, cookie sent, every identity header copied upstream, the 402 headers to the client', () => {
    const filter = extAuthzFilter(parse(read('envoy/envoy-http.yaml')) as Json);
    const http = filter.http_service as Json;
    expect(http.path_prefix).toBe('/v1/envoy');
    expect(exactPatterns(filter.allowed_headers)).toEqual(expect.arrayContaining(AUTHZ_READS));
    const response = http.authorization_response as Json;
    expect(exactPatterns(response.allowed_upstream_headers).sort()).toEqual([...IDENTITY_HEADERS].sort());
    for (const h of ['location', 'payment-required', 'www-authenticate', 'content-type'])
      expect(exactPatterns(response.allowed_client_headers)).toContain(h);
    expect(exactPatterns(response.allowed_client_headers_on_success)).toEqual(
      expect.arrayContaining(ALLOW_TO_CLIENT),
    );
  });
});

describe('Istio', () => {
  it('mesh config: gRPC and HTTP providers, fail closed, identity headers to the upstream', () => {
    const mesh = parse(read('istio/mesh-config.yaml')) as { meshConfig: { extensionProviders: Json[] } };
    const providers = mesh.meshConfig.extensionProviders;
    const grpc = providers.find((p) => 'envoyExtAuthzGrpc' in p)?.envoyExtAuthzGrpc as Json;
    const http = providers.find((p) => 'envoyExtAuthzHttp' in p)?.envoyExtAuthzHttp as Json;
    expect(grpc.failOpen).toBe(false);
    expect(http.failOpen).toBe(false);
    expect(http.pathPrefix).toBe('/v1/envoy');
    // X-Forwarded-For carries the client address for the portal's per-address limit.
    expect(lower(http.includeRequestHeadersInCheck as unknown[])).toEqual(
      expect.arrayContaining([...AUTHZ_READS, 'x-forwarded-for']),
    );
    expect(lower(http.headersToUpstreamOnAllow as unknown[]).sort()).toEqual([...IDENTITY_HEADERS].sort());
    expect(lower(http.headersToDownstreamOnDeny as unknown[])).toEqual(
      expect.arrayContaining(['location', 'payment-required', 'www-authenticate']),
    );
    expect(lower(http.headersToDownstreamOnAllow as unknown[])).toEqual(
      expect.arrayContaining(ALLOW_TO_CLIENT),
    );
  });

  it('AuthorizationPolicy is CUSTOM with a declared provider and skips /_402/', () => {
    const mesh = parse(read('istio/mesh-config.yaml')) as { meshConfig: { extensionProviders: Json[] } };
    const names = mesh.meshConfig.extensionProviders.map((p) => p.name);
    const docs = parseAllDocuments(read('istio/authorization-policy.yaml')).map((d) => d.toJS() as Json);
    expect(docs).toHaveLength(1);
    const policy = docs[0]!;
    expect(policy.kind).toBe('AuthorizationPolicy');
    const spec = policy.spec as Json;
    expect(spec.action).toBe('CUSTOM');
    expect(names).toContain((spec.provider as Json).name);
    expect(JSON.stringify(spec.rules)).toContain('"notPaths":["/_402/*"]');
  });

  it('VirtualService routes /_402/ to the portal before the app', () => {
    const vs = parse(read('istio/virtual-service.yaml')) as { kind: string; spec: { http: Json[] } };
    expect(vs.kind).toBe('VirtualService');
    const first = vs.spec.http[0]!;
    expect(JSON.stringify(first.match)).toContain('"prefix":"/_402/"');
    expect(JSON.stringify(first.route)).toContain('turnpike-portal');
  });
});

describe('Traefik', () => {
  const config = () =>
    parse(read('traefik/dynamic.yaml')) as { http: { middlewares: Json; routers: Record<string, Json> } };

  it('forwardAuth: the forward-auth endpoint, no trusted forward headers, every identity header copied', () => {
    const fa = (config().http.middlewares.turnpike as Json).forwardAuth as Json;
    expect(String(fa.address)).toMatch(/\/v1\/forward-auth$/);
    expect(fa.trustForwardHeader).toBe(false);
    expect(lower(fa.authResponseHeaders as unknown[]).sort()).toEqual([...IDENTITY_HEADERS].sort());
    expect(lower(fa.authRequestHeaders as unknown[])).toEqual(expect.arrayContaining(AUTHZ_READS));
  });

  it('removes every underscore spelling of the identity and X-Forwarded-* headers before forwardAuth', () => {
    const http = config().http;
    const strip = ((http.middlewares['turnpike-strip'] as Json).headers as Json).customRequestHeaders as Json;
    const removed = Object.entries(strip)
      .filter(([, v]) => v === '')
      .map(([k]) => k.toLowerCase());
    const spellings = [...IDENTITY_HEADERS, ...FORWARDED_HEADER_NAMES].flatMap((h) =>
      underscoreSpellings(h).map((s) => s.toLowerCase()),
    );
    expect(removed.sort()).toEqual(spellings.sort());
    expect(http.routers.shop!.middlewares).toEqual(['turnpike-strip', 'turnpike']);
  });

  it('routes /_402/ to the portal without the middleware, everything else through it', () => {
    const routers = config().http.routers;
    const portal = Object.values(routers).find((r) => String(r.rule).includes('PathPrefix(`/_402/`)'));
    expect(portal).toBeDefined();
    expect(portal!.middlewares).toBeUndefined();
    const protectedRouters = Object.values(routers).filter((r) => r !== portal);
    expect(protectedRouters.length).toBeGreaterThan(0);
    for (const r of protectedRouters) expect(r.middlewares).toContain('turnpike');
    expect(Number(portal!.priority)).toBeGreaterThan(0);
  });
});

describe('Header lists of the gateways that run here', () => {
  it('HAProxy Lua: forwards every header the authorizer reads, hands the client the allow headers', () => {
    expect(luaList('FORWARDED_CLIENT_HEADERS')).toEqual(expect.arrayContaining(AUTHZ_READS));
    expect(luaList('ALLOW_RESPONSE_HEADERS')).toEqual(expect.arrayContaining(ALLOW_TO_CLIENT));
  });

  it('NGINX and Caddy hand the client every allow header', () => {
    const nginx = read('nginx/snippets/turnpike-auth.conf');
    for (const h of ALLOW_TO_CLIENT) expect(nginx).toContain(`$upstream_http_${h.replaceAll('-', '_')}`);
    const include = /copy_response_headers\s*\{\s*include ([^\n]+)/.exec(read('caddy/Caddyfile'));
    expect(include).not.toBeNull();
    expect(lower(include![1]!.trim().split(/\s+/))).toEqual(expect.arrayContaining(ALLOW_TO_CLIENT));
  });

  it('Express middleware: forwards every header the authorizer reads, hands the client the allow headers', () => {
    expect([...CLIENT_HEADERS_FOR_AUTHZ]).toEqual(expect.arrayContaining(AUTHZ_READS));
    expect([...CLIENT_RESPONSE_HEADERS]).toEqual(expect.arrayContaining(ALLOW_TO_CLIENT));
  });
});
