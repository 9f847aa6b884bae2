import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@turnpike/protocol/service';
import { Writable } from 'node:stream';
import { startAuthzService, type AuthzServiceHandle, type StartAuthzServiceOptions } from '../../src/app.js';
import { loadAuthzConfig } from '../../src/config/load.js';
import { createSigner, type TestSigner } from './keys.js';
import { PORTAL_TOKEN, startPortalStandIn, type PortalStandIn } from './portal-stand-in.js';
import {
  BASE_USDC_REQUEST,
  encodeRequest,
  startUpstream,
  type TestUpstream,
  type UpstreamPage,
} from './upstream.js';

export const ISSUER = 'https://portal.test';
export const ADMIN_TOKEN = 'admin-secret';

export interface TestStack {
  service: AuthzServiceHandle;
  signer: TestSigner;
  upstream: TestUpstream;
  portal: PortalStandIn;
  /** Every log line the service wrote. */
  logs: string[];
  close(): Promise<void>;
}

/** The pages every stack's upstream serves: free, priced by header, priced by <meta>, broken. */
export function defaultPages(): Record<string, UpstreamPage> {
  const declared = encodeRequest(BASE_USDC_REQUEST);
  return {
    '/free': {},
    '/premium/article': { headers: { 'x-402-required': 'true', 'x-402-request': declared } },
    '/meta/page': {
      headStatus: 405,
      html: `<html><head><meta name="x-402-request" content="${declared}"></head></html>`,
    },
    '/broken': { headers: { 'x-402-required': 'true', 'x-402-request': '%%%' } },
    '/slow': { hang: true },
  };
}

/**
 * The authorizer with real parts around it: an in-process upstream declaring prices, the portal
 * contract stand-in, and a JWKS file holding a freshly generated ES256 key.
 */
export async function startStack(
  extra: {
    config?: Record<string, unknown>;
    pages?: Record<string, UpstreamPage>;
    options?: StartAuthzServiceOptions;
    logLevel?: string;
  } = {},
): Promise<TestStack> {
  const dir = await mkdtemp(join(tmpdir(), 'authz-test-'));
  const signer = await createSigner('k1');
  const jwksFile = join(dir, 'jwks.json');
  await writeFile(jwksFile, JSON.stringify({ keys: [signer.jwk] }));
  const upstream = await startUpstream(extra.pages ?? defaultPages());
  const portal = await startPortalStandIn();
  const { config } = await loadAuthzConfig({
    env: { PORTAL_TOKEN, ADMIN_TOKEN },
    base: {
      listeners: { host: '127.0.0.1', httpPort: 0, adminToken: { fromEnv: 'ADMIN_TOKEN' } },
      issuer: ISSUER,
      jwks: { file: jwksFile },
      upstreams: { 'shop.example': upstream.url, '*.shop.example': upstream.url },
      routes: [
        {
          name: 'api-route',
          hosts: ['api.example'],
          paths: ['/v1/**'],
          methods: ['GET', 'POST'],
          request: BASE_USDC_REQUEST,
        },
      ],
      probe: { timeoutMs: 300 },
      portal: { internalUrl: portal.url, token: { fromEnv: 'PORTAL_TOKEN' }, timeoutMs: 500 },
      decision: { timeoutMs: 1000 },
      ...extra.config,
    },
  });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logger = createLogger({ name: 'authz-test', level: extra.logLevel ?? 'debug', destination });
  const service = await startAuthzService(config, { logger, ...extra.options });
  await settled(service.httpPort);
  return {
    service,
    signer,
    upstream,
    portal,
    logs,
    async close() {
      await service.close();
      await upstream.close();
      await portal.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Claims of a token valid for /premium on shop.example with the gold plan. */
export function goldClaims(host = 'shop.example'): Record<string, string> {
  return { iss: ISSUER, aud: host, resource: '/premium', plan: 'gold', sub: '0xpayer', jti: 'jti-1' };
}

/**
 * Waits (at most 5 s) for the service's start-up warm-up (keys, payee, first address lease) to
 * end, as a gateway's readiness probe would: the stack's tight timeouts (a 500 ms portal call, a
 * 1 s decision) are for the requests under test, not for a cold start on a loaded machine. A
 * service that stays unready (a test may start it so) is handed over after that as it is.
 */
async function settled(port: number): Promise<void> {
  const until = Date.now() + 5_000;
  while (Date.now() < until) {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1_000) })
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ready) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}
