/**
 * turnpikeGateway and turnpikeMiddleware against real parts: the authz-service (JWKS file, a
 * static route), the payment-portal (PGlite in memory) behind /_402/, and a node:http upstream
 * that records what reached it.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { stringify } from 'yaml';
import { loadAuthzConfig, startAuthzService, type AuthzServiceHandle } from '@turnpike/authz-service';
import { loadPortalConfig, startPaymentPortal, type RunningPaymentPortal } from '@turnpike/payment-portal';
import { createLogger } from '@turnpike/protocol/service';
import { startAnvil, type AnvilChain } from '../../../deploy/dev/index.js';
import { DEV_RECEIVE_XPUB } from '../../../deploy/dev/portal-config.js';
import { closeServer, listenLocal, send as sendHttp, type HttpAnswer } from '../../../tests/support/http.js';
import { identityProblems, SMUGGLING_CASES } from '../../../tests/support/identity-smuggling.js';
import { createTestSigner, type TestSigner } from '../../../tests/support/tokens.js';
import { startTestUpstream, type TestUpstream } from '../../../tests/support/upstream.js';
import { turnpikeGateway, turnpikeMiddleware } from '../src/index.js';

const ISSUER = 'https://turnpike.test/_402';
// A local chain (native coin only) so the portal can watch it and hand out receive addresses.
const NETWORKS = {
  anvil: {
    kind: 'evm',
    chainId: 31337,
    caip2: 'eip155:31337',
    nativeSymbol: 'ETH',
    nativeDecimals: 18,
    confirmations: 1,
    testnet: true,
  },
};
const PRICE = {
  claims: { plan: 'premium' },
  exp: 3_600_000,
  payment: { requests: [{ network: 'anvil', amount: '0.001' }] },
};
const quiet = (name: string) => createLogger({ name, level: 'silent' });

const listen = listenLocal;

/** One request with node:http (so Host and any header can be set). */
function send(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<HttpAnswer> {
  return sendHttp(port, { ...opts, path });
}

describe('@turnpike/express against the real authz-service and portal', () => {
  let signer: TestSigner;
  let portal: RunningPaymentPortal;
  let authz: AuthzServiceHandle;
  let upstream: TestUpstream;
  let gateway: Server;
  let gatewayPort: number;
  let appServer: Server;
  let appPort: number;
  let appSaw: IncomingHttpHeaders[];
  let dir: string | undefined;
  let anvil: AnvilChain | undefined;

  beforeAll(async () => {
    signer = await createTestSigner({ issuer: ISSUER });
    const internalToken = randomBytes(24).toString('base64url');
    anvil = await startAnvil();
    dir = await mkdtemp(path.join(tmpdir(), 'turnpike-express-'));
    await writeFile(
      path.join(dir, 'portal.yaml'),
      stringify({
        listeners: {
          public: { host: '127.0.0.1', port: 0 },
          internal: { host: '127.0.0.1', port: 0 },
          internalToken: { fromEnv: 'T_INTERNAL' },
        },
        database: { memory: true },
        issuer: ISSUER,
        tokens: { signingKeys: [{ kid: 'express-test', privateKey: { fromEnv: 'T_KEY' } }] },
        networks: NETWORKS,
        watchers: { anvil: { rpcUrls: [anvil.rpcUrl], pollIntervalMs: 500, rpcTimeoutMs: 3_000 } },
        wallets: { evm: { xpub: DEV_RECEIVE_XPUB, poolLowWater: 5, poolBatch: 10 } },
        proofs: { x402: { enabled: false } },
        logLevel: 'silent',
      }),
    );
    const portalConfig = await loadPortalConfig({
      file: path.join(dir, 'portal.yaml'),
      env: {
        T_INTERNAL: internalToken,
        T_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ format: 'pem', type: 'pkcs8' })
          .toString(),
      },
    });
    portal = await startPaymentPortal(portalConfig, { logger: quiet('portal') });
    upstream = await startTestUpstream({ price: PRICE });
    const { config } = await loadAuthzConfig({
      env: { T_INTERNAL: internalToken },
      base: {
        listeners: { host: '127.0.0.1', httpPort: 0 },
        issuer: ISSUER,
        jwks: { file: signer.jwksFile },
        networks: NETWORKS,
        routes: [
          {
            name: 'paid',
            hosts: ['127.0.0.1'],
            paths: ['/paid/**'],
            request: PRICE,
          },
        ],
        upstreams: { '127.0.0.1': upstream.baseUrl },
        portal: { internalUrl: portal.internalUrl, token: { fromEnv: 'T_INTERNAL' } },
        logLevel: 'silent',
      },
    });
    authz = await startAuthzService(config, { logger: quiet('authz') });
    const authzUrl = `http://127.0.0.1:${authz.httpPort}`;

    const app = express();
    app.use(
      turnpikeGateway({
        authzUrl,
        portalUrl: portal.publicUrl,
        upstream: upstream.baseUrl,
        timeoutMs: 5_000,
      }),
    );
    gateway = createServer(app);
    gatewayPort = await listen(gateway);

    // An Express app that is itself the protected upstream.
    appSaw = [];
    const own = express();
    own.use(turnpikeMiddleware({ authzUrl, timeoutMs: 5_000 }));
    own.use((req, res) => {
      appSaw.push({ ...req.headers });
      res.json({ path: req.path, payer: req.headers['x-402-payer'] ?? null });
    });
    appServer = createServer(own);
    appPort = await listen(appServer);
  });

  afterAll(async () => {
    if (appServer) await closeServer(appServer);
    if (gateway) await closeServer(gateway);
    await authz?.close();
    await upstream?.close();
    await portal?.close();
    signer?.cleanup();
    await anvil?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => upstream.reset());

  const token = () => signer.sign({ aud: `127.0.0.1:${gatewayPort}`, resource: '/premium', plan: 'premium' });

  it('passes a free page, with empty identity headers in place of spoofed ones', async () => {
    const res = await send(gatewayPort, '/free/page?x=1', {
      headers: { 'x-402-payer': '0xspoofed', 'x-402-claims': '{"plan":"premium"}', 'x-402-scope': '/' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe('free page /free/page\n');
    const seen = upstream.appRequests();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe('/free/page?x=1');
    expect(seen[0]!.headers['x-402-payer']).toBe('');
    expect(seen[0]!.headers['x-402-claims']).toBe('');
    expect(seen[0]!.headers['x-402-scope']).toBe('');
    expect(seen[0]!.headers['x-forwarded-host']).toBe(`127.0.0.1:${gatewayPort}`);
    expect(seen[0]!.headers['x-forwarded-proto']).toBe('http');
  });

  it('relays the 402 as JSON to an API client, with a unique address per challenge, and never reaches the app', async () => {
    const a = await send(gatewayPort, '/premium/report', { headers: { accept: 'application/json' } });
    const b = await send(gatewayPort, '/premium/report', { headers: { accept: 'application/json' } });
    for (const res of [a, b]) {
      expect(res.status).toBe(402);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      // This portal settles no x402 (proofs.x402.enabled: false): the 402 does not offer it.
      expect(res.headers['payment-required']).toBeUndefined();
      // ... nor a v1 part (never an empty `accepts`: x402 v1 clients crash on one).
      expect(JSON.parse(res.body)).not.toHaveProperty('accepts');
    }
    const walletA = (JSON.parse(a.body) as { paymentDetails: { serviceWallet: string } }).paymentDetails
      .serviceWallet;
    const walletB = (JSON.parse(b.body) as { paymentDetails: { serviceWallet: string } }).paymentDetails
      .serviceWallet;
    expect(walletA).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(walletB).not.toBe(walletA);
    expect(upstream.appRequests()).toHaveLength(0);
  });

  it('relays the 402 as an HTML page to a browser', async () => {
    const res = await send(gatewayPort, '/premium/report', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(402);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toMatch(/<html/i);
    expect(res.body).toContain('/_402/');
    expect(upstream.appRequests()).toHaveLength(0);
  });

  it('passes a valid token with its identity, replacing the client copies', async () => {
    const res = await send(gatewayPort, '/premium/report', {
      headers: {
        authorization: `Bearer ${await token()}`,
        'x-402-payer': '0xspoofed',
        'x-402-token-id': 'spoofed',
      },
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ content: 'premium', path: '/premium/report' });
    const seen = upstream.appRequests()[0]!;
    expect(seen.headers['x-402-payer']).toBe('0x1111111111111111111111111111111111111111');
    expect(seen.headers['x-402-token-id']).not.toBe('spoofed');
    expect(seen.headers['x-402-token-id']).not.toBe('');
    expect(seen.headers['x-402-scope']).toBe('/premium');
  });

  describe.each(SMUGGLING_CASES)('a client sending $name', ({ headers }) => {
    it('on a free page: the upstream sees no identity under any name', async () => {
      const res = await send(gatewayPort, '/free/page', { headers });
      expect(res.status).toBe(200);
      const seen = upstream.appRequests();
      expect(seen).toHaveLength(1);
      expect(identityProblems(seen[0]!.headers, {})).toEqual([]);
    });

    it("on a paid page: the upstream sees Turnpike's identity only", async () => {
      const res = await send(gatewayPort, '/premium/report', {
        headers: { ...headers, authorization: `Bearer ${await token()}` },
      });
      expect(res.status).toBe(200);
      const seen = upstream.appRequests();
      expect(seen).toHaveLength(1);
      expect(
        identityProblems(seen[0]!.headers, {
          'x-402-payer': '0x1111111111111111111111111111111111111111',
          'x-402-scope': '/premium',
          'x-402-token-id': /^[0-9a-f-]{36}$/,
          'x-402-claims': /^[A-Za-z0-9_-]{40,}$/,
        }),
      ).toEqual([]);
    });

    it('on the middleware: req.headers holds no client spelling of an identity header', async () => {
      appSaw.length = 0;
      const t = await signer.sign({ aud: `127.0.0.1:${appPort}`, resource: '/paid', plan: 'premium' });
      const res = await send(appPort, '/paid/thing', {
        headers: { ...headers, authorization: `Bearer ${t}` },
      });
      expect(res.status).toBe(200);
      expect(appSaw).toHaveLength(1);
      expect(
        identityProblems(
          appSaw[0]!,
          {
            'x-402-payer': '0x1111111111111111111111111111111111111111',
            'x-402-scope': '/paid',
            'x-402-token-id': /^[0-9a-f-]{36}$/,
            'x-402-claims': /^[A-Za-z0-9_-]{40,}$/,
          },
          { forwardedToo: false },
        ),
      ).toEqual([]);
    });
  });

  it("X-Forwarded-* the gateway sets are never named away by the client's Connection", async () => {
    const res = await send(gatewayPort, '/free/page', {
      headers: {
        connection: 'X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host, X-Real-IP',
        x_forwarded_for: '6.6.6.6',
        'x-real-ip': '6.6.6.6',
      },
    });
    expect(res.status).toBe(200);
    const seen = upstream.appRequests()[0]!.headers;
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-real-ip']).toBe('127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe(`127.0.0.1:${gatewayPort}`);
    expect(seen['x_forwarded_for']).toBeUndefined();
  });

  it('with trustProxy, the client is the address the proxy in front appended (the last), not the first', async () => {
    const app = express();
    app.use(
      turnpikeGateway({
        authzUrl: `http://127.0.0.1:${authz.httpPort}`,
        portalUrl: portal.publicUrl,
        upstream: upstream.baseUrl,
        timeoutMs: 5_000,
        trustProxy: true,
      }),
    );
    const server = createServer(app);
    const port = await listen(server);
    try {
      const res = await send(port, '/free/page', {
        headers: { 'x-forwarded-for': '198.51.100.7, 203.0.113.9' },
      });
      expect(res.status).toBe(200);
      expect(upstream.appRequests()[0]!.headers['x-forwarded-for']).toBe('203.0.113.9');
    } finally {
      await closeServer(server);
    }
  });

  it('other Connection-named client headers are still dropped (hop-by-hop)', async () => {
    const res = await send(gatewayPort, '/free/page', {
      headers: { connection: 'x-hop-only', 'x-hop-only': '1', 'x-end-to-end': '1' },
    });
    expect(res.status).toBe(200);
    const seen = upstream.appRequests()[0]!.headers;
    expect(seen['x-hop-only']).toBeUndefined();
    expect(seen['x-end-to-end']).toBe('1');
  });

  it('streams a POST body to the upstream', async () => {
    const body = Buffer.from(randomBytes(300_000).toString('hex'));
    const res = await send(gatewayPort, '/premium/echo', {
      method: 'POST',
      headers: { authorization: `Bearer ${await token()}`, 'content-type': 'text/plain' },
      body,
    });
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body) as { echo: string }).echo).toBe(body.toString('utf8'));
    expect(upstream.appRequests()[0]!.method).toBe('POST');
  });

  it('refuses a priced POST without a token and does not reach the app', async () => {
    const res = await send(gatewayPort, '/premium/echo', {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'text/plain' },
      body: Buffer.from('hello'),
    });
    expect(res.status).toBe(402);
    expect(upstream.appRequests()).toHaveLength(0);
  });

  it('forwards the normalised target the authorizer decided on, never the raw one', async () => {
    const sneaky = await send(gatewayPort, '/free/../premium/report', {
      headers: { accept: 'application/json' },
    });
    expect(sneaky.status).toBe(402);
    const dotted = await send(gatewayPort, '/premium/..//free/./page');
    expect(dotted.status).toBe(200);
    expect(upstream.appRequests().map((r) => r.url)).toEqual(['/free/page']);
  });

  it('sends /_402/ to the portal', async () => {
    const res = await send(gatewayPort, '/_402/.well-known/jwks.json');
    expect(res.status).toBe(200);
    const jwks = JSON.parse(res.body) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.map((k) => k.kid)).toContain('express-test');
    expect(upstream.requests).toHaveLength(0);
  });

  it('fails closed with 503 when the authorizer is unreachable, and never reaches the upstream', async () => {
    const dead = createServer();
    const deadPort = await listen(dead);
    await closeServer(dead);
    const app = express();
    app.use(
      turnpikeGateway({
        authzUrl: `http://127.0.0.1:${deadPort}`,
        portalUrl: portal.publicUrl,
        upstream: upstream.baseUrl,
        timeoutMs: 2_000,
      }),
    );
    const server = createServer(app);
    const port = await listen(server);
    try {
      for (const path of ['/free/page', '/premium/report']) {
        const res = await send(port, path, { headers: { authorization: `Bearer ${await token()}` } });
        expect(res.status).toBe(503);
        expect(JSON.parse(res.body)).toMatchObject({ reason: 'authz_unavailable' });
      }
      expect(upstream.requests).toHaveLength(0);
    } finally {
      await closeServer(server);
    }
  });

  it('fails closed with 503 when the authorizer hangs past the timeout', async () => {
    const hanging = createServer(() => undefined);
    const hangingPort = await listen(hanging);
    const app = express();
    app.use(
      turnpikeGateway({
        authzUrl: `http://127.0.0.1:${hangingPort}`,
        portalUrl: portal.publicUrl,
        upstream: upstream.baseUrl,
        timeoutMs: 300,
      }),
    );
    const server = createServer(app);
    const port = await listen(server);
    try {
      const res = await send(port, '/free/page');
      expect(res.status).toBe(503);
      expect(upstream.requests).toHaveLength(0);
    } finally {
      await closeServer(server);
      await closeServer(hanging);
    }
  });

  describe('turnpikeMiddleware', () => {
    beforeEach(() => {
      appSaw.length = 0;
    });

    it('calls next() for a free page with spoofed identity headers replaced', async () => {
      const res = await send(appPort, '/free/x', { headers: { 'x-402-payer': '0xspoofed' } });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ path: '/free/x', payer: '' });
      expect(appSaw).toHaveLength(1);
    });

    it('routes the app on the normalised target', async () => {
      const res = await send(appPort, '/paid/../free/./x', { headers: { accept: 'application/json' } });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ path: '/free/x', payer: '' });
      const sneaky = await send(appPort, '/free/../paid/thing', { headers: { accept: 'application/json' } });
      expect(sneaky.status).toBe(402);
      expect(appSaw).toHaveLength(1);
    });

    it('answers the 402 itself for a priced path (static route) without calling the app', async () => {
      const res = await send(appPort, '/paid/thing', { headers: { accept: 'application/json' } });
      expect(res.status).toBe(402);
      expect(JSON.parse(res.body)).toHaveProperty('paymentDetails');
      expect(appSaw).toHaveLength(0);
    });

    it('puts the identity of a valid token on req.headers', async () => {
      const t = await signer.sign({ aud: `127.0.0.1:${appPort}`, resource: '/paid', plan: 'premium' });
      const res = await send(appPort, '/paid/thing', { headers: { authorization: `Bearer ${t}` } });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({
        path: '/paid/thing',
        payer: '0x1111111111111111111111111111111111111111',
      });
      expect(appSaw[0]!['x-402-scope']).toBe('/paid');
    });

    it('fails closed with 503 when the authorizer is unreachable', async () => {
      const dead = createServer();
      const deadPort = await listen(dead);
      await closeServer(dead);
      const own = express();
      let reached = false;
      own.use(turnpikeMiddleware({ authzUrl: `http://127.0.0.1:${deadPort}`, timeoutMs: 2_000 }));
      own.use((_req, res) => {
        reached = true;
        res.send('should not happen');
      });
      const server = createServer(own);
      const port = await listen(server);
      try {
        const res = await send(port, '/free/x');
        expect(res.status).toBe(503);
        expect(reached).toBe(false);
      } finally {
        await closeServer(server);
      }
    });
  });
});
