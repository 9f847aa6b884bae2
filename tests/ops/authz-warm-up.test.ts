/**
 * A new authorizer replica (a rolling update, a scale-up) is not ready before it can answer an API
 * 402: its first block of challenge addresses has to arrive from the portal. Here the real portal
 * (PGlite, the dev xpub) sits behind a relay that holds each address lease for longer than the
 * authorizer's ordinary portal timeout, as a portal busy deriving addresses under load does.
 * Found in the Kubernetes try-out: pods went ready at once and answered API clients 503
 * `portal_unavailable` until a lease got through; under load every lease timed out.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadAuthzConfig, startAuthzService, type AuthzServiceHandle } from '@turnpike/authz-service';
import { PORTAL_API_PATHS } from '@turnpike/protocol';
import { createLogger } from '@turnpike/protocol/service';
import { startRealPortal, type RealPortal } from '../gateways/real-portal.js';
import { createTestSigner, type TestSigner } from '../support/tokens.js';
import { DEFAULT_PRICE } from '../support/upstream.js';

const HOST = 'shop.test';
const ISSUER = 'https://shop.test/_402';
/** The authorizer's ordinary portal timeout, and how long the relay holds every lease (longer). */
const PORTAL_TIMEOUT_MS = 800;
const LEASE_DELAY_MS = 2_000;

let signer: TestSigner;
let portal: RealPortal;
let relay: Server;
let authz: AuthzServiceHandle | undefined;
let leasesAnswered = 0;

/** An HTTP relay to the portal's internal API that answers address leases LEASE_DELAY_MS late. */
async function startSlowLeaseRelay(target: string): Promise<Server> {
  const { hostname, port } = new URL(target);
  const server = createServer((req, res) => {
    const forward = () => {
      const upstream = request(
        { host: hostname, port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          if (req.url === PORTAL_API_PATHS.addressLeases) answer.on('end', () => leasesAnswered++);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    };
    if (req.url === PORTAL_API_PATHS.addressLeases) setTimeout(forward, LEASE_DELAY_MS);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const readyz = async () => {
  const res = await fetch(`http://127.0.0.1:${authz!.httpPort}/readyz`);
  return { status: res.status, body: (await res.json()) as { checks: Record<string, { ok: boolean }> } };
};

const api402 = () =>
  fetch(`http://127.0.0.1:${authz!.httpPort}/v1/forward-auth`, {
    headers: {
      'X-Forwarded-Method': 'GET',
      'X-Forwarded-Uri': '/reports/q3',
      'X-Forwarded-Host': HOST,
      'X-Forwarded-Proto': 'https',
      Accept: 'application/json',
    },
  });

beforeAll(async () => {
  signer = await createTestSigner({ issuer: ISSUER });
  portal = await startRealPortal(signer, { network: DEFAULT_PRICE.payment.requests[0]!.network });
  relay = await startSlowLeaseRelay(portal.internalUrl);
  const { config } = await loadAuthzConfig({
    env: { PORTAL_TOKEN: portal.internalToken },
    base: {
      listeners: { host: '127.0.0.1', httpPort: 0 },
      issuer: ISSUER,
      jwks: { file: signer.jwksFile },
      routes: [{ name: 'reports', hosts: [HOST], paths: ['/reports/**'], request: DEFAULT_PRICE }],
      // The warm-up fills half the buffer: one lease here.
      challenges: { addressBuffer: 1_024, leaseSize: 512 },
      portal: {
        internalUrl: `http://127.0.0.1:${(relay.address() as AddressInfo).port}`,
        token: { fromEnv: 'PORTAL_TOKEN' },
        timeoutMs: PORTAL_TIMEOUT_MS,
      },
      logLevel: 'silent',
    },
  });
  authz = await startAuthzService(config, { logger: createLogger({ name: 'authz-test', level: 'silent' }) });
});

afterAll(async () => {
  await authz?.close();
  relay.closeAllConnections();
  await new Promise((resolve) => relay.close(resolve));
  await portal.close();
  signer.cleanup();
});

test('not ready until the first lease of challenge addresses has arrived, then every API client gets its 402', async () => {
  // Started a moment ago: the lease is still held by the relay.
  const early = await readyz();
  expect(leasesAnswered).toBe(0);
  expect(early.status).toBe(503);
  expect(early.body.checks.challengeAddresses?.ok).toBe(false);

  const deadline = Date.now() + 10 * LEASE_DELAY_MS;
  let ready = early;
  while (ready.status !== 200 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    ready = await readyz();
  }
  expect(ready.status).toBe(200);
  expect(leasesAnswered).toBeGreaterThanOrEqual(1);

  // Ready means the API 402 is answered from memory, without waiting for the portal.
  const answers = await Promise.all(Array.from({ length: 20 }, api402));
  expect(answers.map((a) => a.status)).toEqual(Array(20).fill(402));
});
