/**
 * The services' keep-alive defaults against the idle timeout of every shipped gateway config
 * (docs/gateway-timeouts.md). A gateway reuses an idle upstream connection until its own idle
 * timeout; the service must keep it open longer, or the gateway may write a request into a
 * connection the service is closing (a reset). Each gateway's value is read from the shipped
 * file, falling back to the gateway's documented default when the file does not set it, so
 * changing either side so that the gateway outlives the service breaks this test.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { loadAuthzConfig } from '../../authz-service/src/config/index.js';
import { loadPortalConfig } from '../../payment-portal/src/config/load-portal-config.js';
import { INTEGRATIONS_DIR } from '../support/gateways.js';
import { loadEnvoyProtos, unknownFields } from './envoy-protos.js';

type Json = Record<string, unknown>;
const read = (rel: string): string => readFileSync(path.join(INTEGRATIONS_DIR, rel), 'utf8');

/** Gateway defaults, used when a shipped config leaves the setting out. */
const DEFAULTS_MS = {
  /** NGINX upstream `keepalive_timeout` (ngx_http_upstream_module, since 1.15.3). */
  nginxUpstreamKeepaliveTimeout: 60_000,
  /** Caddy reverse_proxy http transport `keepalive` (IdleConnTimeout, caddyhttp/reverseproxy). */
  caddyKeepalive: 120_000,
  /** HAProxy `pool-purge-delay` (configuration.txt, 2.6). */
  haproxyPoolPurgeDelay: 5_000,
  /** Traefik serversTransport `forwardingTimeouts.idleConnTimeout`; forwardAuth uses Go's DefaultTransport, also 90 s. */
  traefikIdleConnTimeout: 90_000,
} as const;

/**
 * HAProxy closes half of the idle server connections in excess of its estimated need every
 * pool-purge-delay; an idle connection after a single request went after 3 rounds (measured: 15 s
 * with the default 5 s, HAProxy 2.6.12, both for a backend server and for the Lua httpclient).
 */
const HAPROXY_PURGE_ROUNDS = 3;

/** NGINX / Caddy / Go style durations: `60`, `60s`, `2m`, `500ms`, `1h`. */
function durationMs(text: string, bareUnit: 's' | 'ms' = 's'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text}`);
  const unit = (m[2] ?? bareUnit) as 'ms' | 's' | 'm' | 'h';
  return Number(m[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit];
}

/** The `{ … }` block that follows `head` in a brace-structured config (NGINX, Caddyfile), or ''. */
function blockAfter(text: string, head: RegExp): string {
  const m = head.exec(text);
  if (!m) throw new Error(`${head} not found`);
  const open = text.indexOf('{', m.index + m[0].length);
  const lineEnd = text.indexOf('\n', m.index);
  if (open === -1 || open > lineEnd) return '';
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error(`unbalanced block after ${head}`);
}

const nginxUpstreamIdle = (upstream: string): number => {
  const block = blockAfter(read('nginx/turnpike.conf'), new RegExp(`^upstream ${upstream}\\b`, 'm'));
  expect(block).toMatch(/\bkeepalive \d+;/);
  const set = /\bkeepalive_timeout\s+([^;\s]+);/.exec(block);
  return set ? durationMs(set[1]!) : DEFAULTS_MS.nginxUpstreamKeepaliveTimeout;
};

const caddyIdle = (placeholder: string): number => {
  const block = blockAfter(read('caddy/Caddyfile'), new RegExp(`reverse_proxy ${placeholder}\\b`));
  const set = /\bkeepalive\s+(\S+)/.exec(block);
  if (set?.[1] === 'off') return 0;
  return set ? durationMs(set[1]!) : DEFAULTS_MS.caddyKeepalive;
};

const haproxyIdle = (): number => {
  const cfg = read('haproxy/haproxy.cfg');
  const set = /\bpool-purge-delay\s+(\S+)/.exec(cfg);
  return (set ? durationMs(set[1]!, 'ms') : DEFAULTS_MS.haproxyPoolPurgeDelay) * HAPROXY_PURGE_ROUNDS;
};

const traefikPortalIdle = (): number => {
  const config = parse(read('traefik/dynamic.yaml')) as {
    http: {
      services: Record<string, { loadBalancer: { serversTransport?: string } }>;
      serversTransports?: Json;
    };
  };
  const name = config.http.services['turnpike-portal']?.loadBalancer.serversTransport;
  const transport = name ? (config.http.serversTransports?.[name] as Json | undefined) : undefined;
  const set = (transport?.forwardingTimeouts as Json | undefined)?.idleConnTimeout;
  return set === undefined ? DEFAULTS_MS.traefikIdleConnTimeout : durationMs(String(set));
};

const envoyClusters = (file: string): Json[] =>
  ((parse(read(file)) as { static_resources: { clusters: Json[] } }).static_resources.clusters ?? []).filter(
    (c) => String(c.name).startsWith('turnpike_'),
  );

const envoyIdle = (cluster: Json): number | undefined => {
  const options = (cluster.typed_extension_protocol_options as Json | undefined)?.[
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions'
  ] as Json | undefined;
  const idle = (options?.common_http_protocol_options as Json | undefined)?.idle_timeout;
  return idle === undefined ? undefined : durationMs(String(idle));
};

/** The services' defaults, as their config loaders produce them from a minimal config. */
async function serviceDefaults(): Promise<
  Array<{ service: string; keepAliveMs: number; headersMs: number }>
> {
  const env = { TOKEN: 'unused-internal-secret', KEY: 'unused' };
  const { config: authz } = await loadAuthzConfig({
    env,
    base: {
      issuer: 'https://portal.test',
      jwks: { url: 'https://portal.test/_402/.well-known/jwks.json' },
      portal: { internalUrl: 'http://127.0.0.1:1', token: { fromEnv: 'TOKEN' } },
    },
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'keep-alive-static-'));
  try {
    const file = path.join(dir, 'portal.yaml');
    writeFileSync(
      file,
      stringify({
        listeners: { internalToken: { fromEnv: 'TOKEN' } },
        database: { memory: true },
        issuer: 'https://portal.test',
        tokens: { signingKeys: [{ kid: 'k1', privateKey: { fromEnv: 'KEY' } }] },
      }),
    );
    const portal = await loadPortalConfig({ file, env });
    return [
      {
        service: 'authz-service',
        keepAliveMs: authz.listeners.keepAliveTimeoutMs,
        headersMs: authz.listeners.headersTimeoutMs,
      },
      {
        service: 'payment-portal',
        keepAliveMs: portal.listeners.keepAliveTimeoutMs,
        headersMs: portal.listeners.headersTimeoutMs,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('keep-alive: the services outlive every shipped gateway', () => {
  let services: Awaited<ReturnType<typeof serviceDefaults>>;
  let shortest: number;
  beforeAll(async () => {
    services = await serviceDefaults();
    shortest = Math.min(...services.map((s) => s.keepAliveMs));
  });

  it('each service closes a connection by its keep-alive timer, never by the headers timer', () => {
    for (const s of services)
      expect({ [s.service]: s.headersMs > s.keepAliveMs }).toEqual({ [s.service]: true });
  });

  it.each([
    ['NGINX → authz-service', () => nginxUpstreamIdle('turnpike_authz')],
    ['NGINX → payment-portal', () => nginxUpstreamIdle('turnpike_portal')],
    ['Caddy → authz-service', () => caddyIdle('__AUTHZ_ADDR__')],
    ['Caddy → payment-portal', () => caddyIdle('__PORTAL_ADDR__')],
    ['HAProxy (backend and Lua httpclient)', haproxyIdle],
    ['Traefik forwardAuth → authz-service', () => DEFAULTS_MS.traefikIdleConnTimeout],
    ['Traefik → payment-portal', traefikPortalIdle],
  ])('%s: the gateway drops an idle connection first', (_name, gatewayIdleMs) => {
    const idle = gatewayIdleMs();
    expect(idle).toBeGreaterThan(0);
    expect(idle).toBeLessThan(shortest);
  });

  it.each(['envoy/envoy-http.yaml', 'envoy/envoy-grpc.yaml'])(
    '%s: every Turnpike cluster sets an upstream idle timeout below the services’ (Envoy’s default is 1 h)',
    (file) => {
      const root = loadEnvoyProtos(['envoy/extensions/upstreams/http/v3/http_protocol_options.proto']);
      const clusters = envoyClusters(file);
      expect(clusters.length).toBeGreaterThanOrEqual(2);
      for (const cluster of clusters) {
        const idle = envoyIdle(cluster);
        expect({ cluster: cluster.name, idle }).toEqual({ cluster: cluster.name, idle: expect.any(Number) });
        expect(idle).toBeLessThan(shortest);
        const options = (cluster.typed_extension_protocol_options as Json)[
          'envoy.extensions.upstreams.http.v3.HttpProtocolOptions'
        ] as Json;
        expect(
          unknownFields(root, 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions', options),
        ).toEqual([]);
        // The message's protocol choice is required: HTTP/1.1 or HTTP/2 stated explicitly.
        expect(options).toHaveProperty('explicit_http_config');
      }
    },
  );

  it('Istio: a DestinationRule for the authorizer and for the portal sets an idle timeout below the services’ (Istio’s default is 1 h)', () => {
    const mesh = parse(read('istio/mesh-config.yaml')) as { meshConfig: { extensionProviders: Json[] } };
    const authzHosts = new Set(
      mesh.meshConfig.extensionProviders.map(
        (p) => ((p.envoyExtAuthzGrpc ?? p.envoyExtAuthzHttp) as Json).service as string,
      ),
    );
    const vs = parse(read('istio/virtual-service.yaml')) as { spec: { http: Json[] } };
    const portalHost = JSON.stringify(vs.spec.http[0]!.route).match(/"host":"([^"]+)"/)![1]!;
    const rules = parseAllDocuments(read('istio/destination-rules.yaml')).map(
      (d) => d.toJS() as { kind: string; spec: { host: string; trafficPolicy?: Json } },
    );
    for (const host of [...authzHosts, portalHost]) {
      const rule = rules.find((r) => r.kind === 'DestinationRule' && r.spec.host === host);
      const idle = ((rule?.spec.trafficPolicy?.connectionPool as Json | undefined)?.http as Json | undefined)
        ?.idleTimeout;
      expect({ host, idle }).toEqual({ host, idle: expect.any(String) });
      expect(durationMs(String(idle))).toBeLessThan(shortest);
    }
  });
});
