/**
 * The authorizer's /readyz checks its internal token against a real payment-portal (PGlite, no
 * chain needed for the internal API): the right token is ready, a wrong one is 503 with a clear
 * reason, and a portal that cannot be reached leaves it ready (token holders pass without it).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import path from 'node:path';
import { loadAuthzConfig, startAuthzService, type AuthzServiceHandle } from '@turnpike/authz-service';
import { loadPortalConfig, startPaymentPortal, type RunningPaymentPortal } from '@turnpike/payment-portal';
import { credentials, makeGenericClientConstructor, type Client } from '@grpc/grpc-js';
import { createLogger } from '@turnpike/protocol/service';
import { healthServiceDefinition } from '../../authz-service/src/transports/grpc/index.js';
import { createPortalClient } from '../../authz-service/src/portal/client.js';
import { createPortalTokenCheck } from '../../authz-service/src/portal/token-check.js';
import { stringify } from 'yaml';
import { freePort } from '../support/ports.js';

const TOKEN = randomBytes(24).toString('base64url');
let dir: string;
let portal: RunningPaymentPortal;

async function startAuthz(
  token: string,
  internalUrl: string,
  listeners: Record<string, unknown> = {},
): Promise<AuthzServiceHandle> {
  await writeFile(path.join(dir, 'jwks.json'), JSON.stringify({ keys: [] }));
  const { config } = await loadAuthzConfig({
    env: { T: token },
    base: {
      listeners: { host: '127.0.0.1', httpPort: 0, ...listeners },
      issuer: 'https://portal.test',
      jwks: { file: path.join(dir, 'jwks.json') },
      upstreams: { 'shop.example': 'http://127.0.0.1:1' },
      portal: { internalUrl, token: { fromEnv: 'T' }, timeoutMs: 3_000 },
      logLevel: 'silent',
    },
  });
  return startAuthzService(config, { logger: createLogger({ name: 'authz', level: 'silent' }) });
}

const readyz = async (a: AuthzServiceHandle) => {
  const res = await fetch(`http://127.0.0.1:${a.httpPort}/readyz`);
  return {
    status: res.status,
    body: (await res.json()) as { ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> },
  };
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'readyz-'));
  await writeFile(
    path.join(dir, 'portal.yaml'),
    stringify({
      listeners: {
        public: { host: '127.0.0.1', port: 0 },
        internal: { host: '127.0.0.1', port: 0 },
        internalToken: { fromEnv: 'PORTAL_TOKEN' },
      },
      database: { memory: true },
      issuer: 'https://portal.test',
      tokens: { signingKeys: [{ kid: 'k1', privateKey: { fromEnv: 'SIGNING_KEY' } }] },
      logLevel: 'silent',
    }),
  );
  const config = await loadPortalConfig({
    file: path.join(dir, 'portal.yaml'),
    env: {
      PORTAL_TOKEN: TOKEN,
      SIGNING_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString(),
    },
  });
  portal = await startPaymentPortal(config, { logger: createLogger({ name: 'portal', level: 'silent' }) });
});
afterAll(async () => {
  await portal?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('authz-service /readyz and the internal token', () => {
  it('is ready when the portal accepts the token', async () => {
    const authz = await startAuthz(TOKEN, portal.internalUrl);
    try {
      const r = await readyz(authz);
      expect(r.status).toBe(200);
      expect(r.body.checks.portalToken).toEqual({ ok: true });
    } finally {
      await authz.close();
    }
  });

  it('is not ready with a wrong token: 503 naming the refused token', async () => {
    const authz = await startAuthz(`${TOKEN}-wrong`, portal.internalUrl);
    try {
      const r = await readyz(authz);
      expect(r.status).toBe(503);
      expect(r.body.ok).toBe(false);
      expect(r.body.checks.keys).toEqual({ ok: true });
      expect(r.body.checks.portalToken?.ok).toBe(false);
      expect(r.body.checks.portalToken?.detail).toMatch(/refused the internal token \(401\)/);
      expect(JSON.stringify(r.body)).not.toContain(TOKEN);
      expect((await fetch(`http://127.0.0.1:${authz.httpPort}/healthz`)).status).toBe(200);
    } finally {
      await authz.close();
    }
  });

  it('gRPC health turns NOT_SERVING once the portal refused the token (no /readyz needed)', async () => {
    const authz = await startAuthz(`${TOKEN}-wrong`, portal.internalUrl, { grpcPort: 0 });
    const Health = makeGenericClientConstructor(healthServiceDefinition(), 'Health');
    const health = new Health(
      `127.0.0.1:${authz.grpcPort}`,
      credentials.createInsecure(),
    ) as unknown as Client & {
      Check(req: { service: string }, cb: (err: Error | null, res: { status: string }) => void): void;
    };
    const ask = () =>
      new Promise<string>((resolve, reject) =>
        health.Check({ service: '' }, (err, res) => (err ? reject(err) : resolve(res.status))),
      );
    try {
      // The first answer comes from memory (nothing known yet) and starts the check in the background.
      expect(['SERVING', 'NOT_SERVING']).toContain(await ask());
      const deadline = Date.now() + 10_000;
      let status = await ask();
      while (status !== 'NOT_SERVING' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        status = await ask();
      }
      expect(status).toBe('NOT_SERVING');
    } finally {
      health.close();
      await authz.close();
    }
  });

  it('asks the portal at most once per cache period, however often it is probed', async () => {
    // A counting front for the portal's internal listener.
    let calls = 0;
    const front = createServer((req, res) => {
      calls++;
      void fetch(`${portal.internalUrl}${req.url ?? '/'}`, {
        headers: { authorization: req.headers.authorization ?? '', accept: 'application/json' },
      }).then(async (up) => {
        res.writeHead(up.status, { 'content-type': 'application/json' });
        res.end(await up.text());
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => front.listen(port, '127.0.0.1', resolve));
    let clock = 1_000_000;
    const check = createPortalTokenCheck({
      portal: createPortalClient({ baseUrl: `http://127.0.0.1:${port}`, token: 'wrong', timeoutMs: 1_000 }),
      cacheMs: 10_000,
      now: () => clock,
    });
    try {
      expect(check.lastAccepted()).toBe(true);
      const answers = await Promise.all(Array.from({ length: 10 }, () => check.check()));
      for (let i = 0; i < 5; i++) answers.push(await check.check());
      expect(answers.every((a) => !a.ok)).toBe(true);
      expect(calls).toBe(1);
      expect(check.lastAccepted()).toBe(false);
      clock += 10_000;
      expect((await check.check()).ok).toBe(false);
      expect(calls).toBe(2);
    } finally {
      await new Promise<void>((resolve) => front.close(() => resolve()));
    }
  });

  it('stays ready while the portal cannot be reached, saying so', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const authz = await startAuthz(TOKEN, down);
    try {
      const r = await readyz(authz);
      expect(r.status).toBe(200);
      expect(r.body.checks.portalToken?.ok).toBe(true);
      expect(r.body.checks.portalToken?.detail).toMatch(
        /could not check the internal token \(portal_unreachable\)/,
      );
    } finally {
      await authz.close();
    }
  });
});
