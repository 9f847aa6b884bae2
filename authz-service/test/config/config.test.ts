import { fileURLToPath } from 'node:url';
import { ConfigError } from '@turnpike/protocol/service';
import { AUTHZ_DEFAULTS, loadAuthzConfig } from '../../src/config/index.js';

const example = fileURLToPath(new URL('../../config.example.yaml', import.meta.url));
const env = { TURNPIKE_AUTHZ_ADMIN_TOKEN: 'a', TURNPIKE_PORTAL_INTERNAL_TOKEN: 'portal-internal-secret' };

describe('authz-service configuration', () => {
  it('config.example.yaml is valid, with its route request parsed', async () => {
    const { config, routes, registry } = await loadAuthzConfig({ file: example, env });
    expect(config.listeners.grpcPort).toBe(9191);
    expect(config.portal.token.reveal()).toBe('portal-internal-secret');
    expect(routes).toHaveLength(1);
    expect(routes[0]?.request.offers.map((o) => o.atomic)).toEqual([50000n, 50000n]);
    expect(registry.get('anvil')?.caip2).toBe('eip155:31337');
  });

  it('route requests: exp optional (declarations.defaultTokenLifetimeMs), a Go duration noted for the start-up warning', async () => {
    const base = {
      issuer: 'i',
      jwks: { url: 'http://portal/jwks.json' },
      portal: { internalUrl: 'http://portal:8091', token: { fromEnv: 'TURNPIKE_PORTAL_INTERNAL_TOKEN' } },
      declarations: { defaultTokenLifetimeMs: 120_000 },
      routes: [
        {
          name: 'no-exp',
          hosts: ['a.example'],
          paths: ['/x/**'],
          request: { payment: { requests: [{ network: 'base', amount: 1 }] } },
        },
        {
          hosts: ['a.example'],
          paths: ['/y/**'],
          request: { exp: 6_000_000_000_000, payment: { requests: [{ network: 'base', amount: 1 }] } },
        },
      ],
    };
    const { routes, goDurationExps } = await loadAuthzConfig({ env, base });
    expect(routes.map((r) => r.request.tokenLifetimeMs)).toEqual([120_000, 6_000_000]);
    expect(goDurationExps).toEqual([
      { route: 'routes.1', exp: 6_000_000_000_000, tokenLifetimeMs: 6_000_000 },
    ]);
  });

  it('fills defaults (units in the names) and applies TURNPIKE_AUTHZ__ overrides', async () => {
    const { config } = await loadAuthzConfig({
      env: { ...env, TURNPIKE_AUTHZ__probe__timeoutMs: '250' },
      base: {
        issuer: 'i',
        jwks: { url: 'http://portal/jwks.json' },
        portal: { internalUrl: 'http://portal:8091', token: { fromEnv: 'TURNPIKE_PORTAL_INTERNAL_TOKEN' } },
      },
    });
    expect(config.probe.timeoutMs).toBe(250);
    expect(config.probe.maxBodyBytes).toBe(AUTHZ_DEFAULTS.probeMaxBodyBytes);
    expect(config.jwks).toEqual({
      url: 'http://portal/jwks.json',
      timeoutMs: 2000,
      cooldownMs: 30000,
      cacheMaxAgeMs: 600000,
    });
    expect(config.listeners).toEqual({
      host: '0.0.0.0',
      httpPort: 8081,
      trustedProxies: ['127.0.0.0/8', '::1/128'],
      keepAliveTimeoutMs: AUTHZ_DEFAULTS.keepAliveTimeoutMs,
      headersTimeoutMs: AUTHZ_DEFAULTS.headersTimeoutMs,
    });
    expect(config.decision.timeoutMs).toBe(AUTHZ_DEFAULTS.decisionTimeoutMs);
  });

  it('refuses an internal secret shorter than 16 characters (it also keys the sealed 402s)', async () => {
    const load = (secret: string) =>
      loadAuthzConfig({
        env: { SECRET: secret },
        base: {
          issuer: 'i',
          jwks: { url: 'http://portal/jwks.json' },
          portal: { internalUrl: 'http://portal:8091', token: { fromEnv: 'SECRET' } },
        },
      });
    const err = await load('fifteen-chars!!').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      expect.stringMatching(/^portal\.token: at least 16 characters/),
    ]);
    expect((await load('sixteen-chars!!!')).config.portal.token.reveal()).toBe('sixteen-chars!!!');
  });

  it('reports every problem at once', async () => {
    const err = await loadAuthzConfig({
      env: {},
      base: {
        issuer: 'i',
        jwks: { file: 'k.json' },
        listeners: { httpPort: 'eighty', trustedProxies: ['gateway.internal', '10.0.0.0/33', '10.0.0.0/8'] },
        upstreams: { 'Bad Host!': 'http://x' },
        portal: { internalUrl: 'ftp://portal', token: 'inline-secret' },
        typo: true,
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toContain('listeners.httpPort');
    expect(problems).toMatch(/listeners\.trustedProxies\.0: expected an IP address or CIDR range/);
    expect(problems).toMatch(/listeners\.trustedProxies\.1: expected an IP address or CIDR range/);
    expect(problems).not.toContain('listeners.trustedProxies.2');
    expect(problems).toContain('upstreams');
    expect(problems).toContain('portal.internalUrl');
    expect(problems).toContain('portal.token');
    expect(problems).toContain('typo: unknown key');
  });

  it('decisionCache.maxAgeSeconds: 5 by default, an integer 0..300', async () => {
    const base = {
      issuer: 'i',
      jwks: { file: 'k.json' },
      portal: { internalUrl: 'http://p', token: { fromEnv: 'TURNPIKE_PORTAL_INTERNAL_TOKEN' } },
    };
    expect((await loadAuthzConfig({ env, base })).config.decisionCache).toEqual({ maxAgeSeconds: 5 });
    for (const ok of [0, 300])
      expect(
        (await loadAuthzConfig({ env, base: { ...base, decisionCache: { maxAgeSeconds: ok } } })).config
          .decisionCache.maxAgeSeconds,
      ).toBe(ok);
    for (const bad of [-1, 301, 2.5, '5']) {
      const err = await loadAuthzConfig({
        env,
        base: { ...base, decisionCache: { maxAgeSeconds: bad } },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        expect.stringMatching(/^decisionCache\.maxAgeSeconds: /),
      ]);
    }
  });

  it('refuses a headers timeout that does not exceed the keep-alive timeout', async () => {
    const err = await loadAuthzConfig({
      env,
      base: {
        issuer: 'i',
        jwks: { file: 'k.json' },
        listeners: { keepAliveTimeoutMs: '90s', headersTimeoutMs: '60s' },
        portal: { internalUrl: 'http://p', token: { fromEnv: 'TURNPIKE_PORTAL_INTERNAL_TOKEN' } },
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      expect.stringMatching(/^listeners\.headersTimeoutMs: .*greater than keepAliveTimeoutMs/),
    ]);
  });

  it('reports every bad route request with its path and reason', async () => {
    const err = await loadAuthzConfig({
      env,
      base: {
        issuer: 'i',
        jwks: { file: 'k.json' },
        portal: { internalUrl: 'http://p', token: { fromEnv: 'TURNPIKE_PORTAL_INTERNAL_TOKEN' } },
        routes: [
          {
            name: 'a',
            hosts: ['a.example'],
            paths: ['/x'],
            request: { exp: 60000, payment: { requests: [{ network: 'nowhere', amount: '1' }] } },
          },
          {
            name: 'a',
            hosts: ['a.example'],
            paths: ['/y'],
            request: { exp: 60000, payment: { requests: [{ network: 'base', amount: '-1' }] } },
          },
        ],
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      expect.stringMatching(/^routes\.0\.request: network_unknown/),
      'routes.1.name: duplicate route name "a"',
      expect.stringMatching(/^routes\.1\.request: amount_not_positive/),
    ]);
  });
});

describe('docs/configuration/authz-service.md', () => {
  it('lists every option of the schema', async () => {
    const { readFile } = await import('node:fs/promises');
    const { authzConfigSchema } = await import('../../src/config/schema.js');
    const doc = await readFile(
      fileURLToPath(new URL('../../../docs/configuration/authz-service.md', import.meta.url)),
      'utf8',
    );
    type Def = {
      type: string;
      shape?: Record<string, unknown>;
      innerType?: unknown;
      element?: unknown;
      options?: unknown[];
    };
    const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;
    const keys: string[] = [];
    const walk = (schema: unknown, prefix: string): void => {
      let def = defOf(schema);
      while (def.innerType !== undefined) def = defOf(def.innerType);
      if (def.type === 'array' && def.element !== undefined) return walk(def.element, `${prefix}[]`);
      if (def.type === 'union' && def.options !== undefined)
        return def.options.forEach((o) => walk(o, prefix));
      if (def.type !== 'object' || def.shape === undefined || prefix === 'networks') return;
      for (const [k, v] of Object.entries(def.shape)) {
        const key = prefix === '' ? k : `${prefix}.${k}`;
        keys.push(key);
        walk(v, key);
      }
    };
    walk(authzConfigSchema, '');
    expect(keys.length).toBeGreaterThan(30);
    // Leaves only: a section (listeners, probe…) is a heading, its options are the rows.
    const leaves = keys.filter(
      (k) => !keys.some((other) => other.startsWith(`${k}.`) || other.startsWith(`${k}[]`)),
    );
    const missing = leaves.filter((k) => !doc.includes(`\`${k}\``));
    expect(missing).toEqual([]);
  });
});
