/**
 * What a client is told when Turnpike cannot or will not settle, through real NGINX, Caddy and
 * HAProxy running the shipped configs, and the Express gateway of integrations/express: over a limit, a 429 `rate_limited` with Retry-After (never
 * a 5xx); the portal gone while settling, a 503 with its reason and Retry-After (never NGINX's
 * bare 403); the authorizer gone, a 503 that says so where the gateway can (NGINX, HAProxy).
 */
import { createServer } from 'node:http';
import express from 'express';
import { turnpikeGateway } from '../../integrations/express/src/index.js';
import { closeServer, listenLocal, send as sendHttp, type HttpAnswer } from '../support/http.js';
import { GATEWAY_KINDS, startGateway, type GatewayKind } from '../support/gateways.js';
import { HOST, startStack, type Stack } from './stack.js';

const ATTEMPTS_PER_MINUTE = 3;

type Kind = GatewayKind | 'express';

/** A running gateway of `kind` in front of the stack: a real binary, or the Express gateway in-process. */
async function startFront(kind: Kind, stack: Stack): Promise<{ port: number; stop(): Promise<void> }> {
  if (kind !== 'express')
    return startGateway(kind, {
      authz: stack.authzAddress,
      portal: stack.portal.publicAddress,
      upstream: stack.upstream.address,
    });
  const app = express();
  app.use(
    turnpikeGateway({
      authzUrl: `http://${stack.authzAddress}`,
      portalUrl: `http://${stack.portal.publicAddress}`,
      upstream: stack.upstream.baseUrl,
      timeoutMs: 5_000,
    }),
  );
  const server = createServer(app);
  const port = await listenLocal(server);
  return { port, stop: () => closeServer(server) };
}

describe.each<Kind>([...GATEWAY_KINDS, 'express'])('%s: limits and outages', (kind) => {
  let stack: Stack;
  let gateway: { port: number; stop(): Promise<void> };
  let challengeId: string;

  const get = (headers: Record<string, string> = {}): Promise<HttpAnswer> =>
    sendHttp(gateway.port, {
      path: '/premium/doc',
      headers: { host: HOST, accept: 'application/json', ...headers },
    });
  /** A transaction proof naming a real challenge of this resource (the chain behind it is unreachable). */
  const proof = () =>
    get({
      'x-payment-chain': 'base-sepolia',
      'x-payment-tx': `0x${'ab'.repeat(32)}`,
      'x-payment-challenge': challengeId,
    });

  beforeAll(async () => {
    stack = await startStack({ proofAttemptsPerMinute: ATTEMPTS_PER_MINUTE });
    gateway = await startFront(kind, stack);
    const first = await get();
    expect(first.status).toBe(402);
    challengeId = (JSON.parse(first.body) as { paymentDetails: { challengeId: string } }).paymentDetails
      .challengeId;
  });
  afterAll(async () => {
    await gateway?.stop();
    await stack?.close();
  });

  it('over the per-client limit on payment proofs: 429 rate_limited with Retry-After', async () => {
    for (let i = 0; i < ATTEMPTS_PER_MINUTE; i++) {
      const res = await proof();
      // The RPC behind this network is down: nothing decided, retry later (a 402, not a 5xx).
      expect({ status: res.status, reason: res.headers['x-402-reason'] }).toEqual({
        status: 402,
        reason: 'chain_unavailable',
      });
    }
    const limited = await proof();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(limited.body)).toMatchObject({ error: 'rate_limited', reason: 'rate_limited' });
    expect(stack.upstream.appRequests()).toHaveLength(0);
  });

  it('the portal gone while settling: 503 portal_unavailable with Retry-After, then the authorizer gone too', async () => {
    await stack.portal.close();
    const settling = await proof();
    expect(settling.status).toBe(503);
    expect(settling.headers['x-402-reason']).toBe('portal_unavailable');
    expect(settling.headers['retry-after']).toBe('5');

    await stack.authz.close();
    const down = await get();
    if (kind === 'caddy') {
      // Caddy answers its own 502 when forward_auth's upstream is unreachable (documented).
      expect(down.status).toBe(502);
    } else {
      expect(down.status).toBe(503);
      expect(down.headers['x-402-reason']).toBe('authz_unavailable');
      expect(down.headers['retry-after']).toBe('5');
      expect(JSON.parse(down.body)).toMatchObject({ error: 'unavailable', reason: 'authz_unavailable' });
    }
    expect(stack.upstream.appRequests()).toHaveLength(0);
  });
});
