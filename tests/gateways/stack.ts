/**
 * The parts every gateway suite runs against: the real authz-service (JWKS file mode), a real
 * upstream declaring prices, the real payment-portal (in-memory PGlite, sharing the test
 * signer's key) and a test signer for tokens.
 */
import { loadAuthzConfig, startAuthzService, type AuthzServiceHandle } from '@turnpike/authz-service';
import { createLogger } from '@turnpike/protocol/service';
import { createTestSigner, type TestSigner } from '../support/tokens.js';
import { DEFAULT_PRICE, startTestUpstream, type TestUpstream } from '../support/upstream.js';
import { startRealPortal, type RealPortal } from './real-portal.js';

/** The protected host every test request names (tokens' `aud`). */
export const HOST = 'shop.test';
export const ISSUER = 'https://shop.test/_402';
const PORTAL_TOKEN_ENV = 'TURNPIKE_TEST_PORTAL_TOKEN';

export interface Stack {
  signer: TestSigner;
  upstream: TestUpstream;
  portal: RealPortal;
  authz: AuthzServiceHandle;
  /** authz-service HTTP, host:port */
  authzAddress: string;
  close(): Promise<void>;
}

export interface StackOptions {
  grpc?: boolean;
  portalRateLimitPerMinutePerIp?: number;
  proofAttemptsPerMinute?: number;
  /** The authorizer's clockSkewSeconds (30 by default): 0 makes a token stop at its `exp`. */
  clockSkewSeconds?: number;
  /** More protected hosts served by the same upstream (their prices are the upstream's). */
  extraHosts?: string[];
  /** More static routes, after `reports`. */
  extraRoutes?: Array<Record<string, unknown>>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const signer = await createTestSigner({ issuer: ISSUER });
  const upstream = await startTestUpstream();
  const network = DEFAULT_PRICE.payment.requests[0]!.network;
  const portal = await startRealPortal(signer, {
    network,
    ...(opts.portalRateLimitPerMinutePerIp === undefined
      ? {}
      : { rateLimitPerMinutePerIp: opts.portalRateLimitPerMinutePerIp }),
    ...(opts.proofAttemptsPerMinute === undefined
      ? {}
      : { proofAttemptsPerMinute: opts.proofAttemptsPerMinute }),
  });
  const { config } = await loadAuthzConfig({
    env: { [PORTAL_TOKEN_ENV]: portal.internalToken },
    base: {
      listeners: { host: '127.0.0.1', httpPort: 0, ...(opts.grpc ? { grpcPort: 0 } : {}) },
      issuer: ISSUER,
      jwks: { file: signer.jwksFile },
      upstreams: Object.fromEntries([HOST, ...(opts.extraHosts ?? [])].map((h) => [h, upstream.baseUrl])),
      routes: [
        { name: 'reports', hosts: [HOST], paths: ['/reports/**'], request: DEFAULT_PRICE },
        ...(opts.extraRoutes ?? []),
      ],
      ...(opts.clockSkewSeconds === undefined ? {} : { clockSkewSeconds: opts.clockSkewSeconds }),
      portal: { internalUrl: portal.internalUrl, token: { fromEnv: PORTAL_TOKEN_ENV } },
      logLevel: 'silent',
    },
  });
  const authz = await startAuthzService(config, {
    logger: createLogger({ name: 'authz-test', level: 'silent' }),
  });
  return {
    signer,
    upstream,
    portal,
    authz,
    authzAddress: `127.0.0.1:${authz.httpPort}`,
    async close() {
      await authz.close();
      await portal.close();
      await upstream.close();
      signer.cleanup();
    },
  };
}
