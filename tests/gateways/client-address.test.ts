/**
 * The client address behind the portal's per-address invoice limit
 * (`invoice.rateLimitPerMinutePerIp`, 20 here as by default), through real NGINX, Caddy and
 * HAProxy running the shipped configs. A client writing X-Forwarded-For / X-Real-IP must neither
 * escape the limit nor aim it at another address: each gateway sets them from the peer, for the
 * portal route and for the authorizer call. Several loopback addresses (127.0.0.x) play distinct
 * clients, so the tests do not share a count.
 */
import { send as sendHttp, type HttpAnswer } from '../support/http.js';
import { GATEWAY_KINDS, startGateway, type RunningGateway } from '../support/gateways.js';
import { HOST, startStack, type Stack } from './stack.js';

const LIMIT = 20;

describe.each(GATEWAY_KINDS)('%s with the shipped config: the client address', (kind) => {
  let stack: Stack;
  let gateway: RunningGateway;
  let payLink: string;

  /** One request through the gateway from `from`, claiming to be `spoofed`. */
  const request = (
    path: string,
    from: string,
    spoofed: string | undefined,
    accept = 'text/html',
  ): Promise<HttpAnswer> =>
    sendHttp(gateway.port, {
      path,
      localAddress: from,
      headers: {
        host: HOST,
        accept,
        ...(spoofed === undefined ? {} : { 'x-forwarded-for': spoofed, 'x-real-ip': spoofed }),
      },
    });

  beforeAll(async () => {
    stack = await startStack({ portalRateLimitPerMinutePerIp: LIMIT });
    gateway = await startGateway(kind, {
      authz: stack.authzAddress,
      portal: stack.portal.publicAddress,
      upstream: stack.upstream.address,
    });
    // A browser's 402 carries the pay link; opening it creates an invoice (counted per address).
    const challenge = await request('/premium/doc', '127.0.0.1', undefined);
    expect(challenge.status).toBe(402);
    payLink = String(challenge.headers.location);
    expect(payLink).toMatch(/^\/_402\/pay\?ref=/);
  });
  afterAll(async () => {
    await gateway?.stop();
    await stack?.close();
  });

  it(`a client spoofing a new X-Forwarded-For on every pay-link request is refused after ${LIMIT}`, async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= LIMIT + 5; i++)
      statuses.push((await request(payLink, '127.0.0.2', `198.51.100.${i}`)).status);
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(303), ...Array<number>(5).fill(429)]);
  });

  it("a spoofed X-Forwarded-For naming another address does not use up that address's limit", async () => {
    let last = 0;
    for (let i = 1; i <= LIMIT + 1; i++) last = (await request(payLink, '127.0.0.3', '127.0.0.4')).status;
    expect(last).toBe(429);
    const victim = await request(payLink, '127.0.0.4', undefined);
    expect(victim.status).toBe(303);
  });

  it('API 402s write nothing, so they are never limited: far past the pay-link limit, one peer still gets 402s and its pay link', async () => {
    for (let i = 1; i <= LIMIT * 3; i++) {
      const res = await request('/premium/doc', '127.0.0.5', `198.51.100.${i}`, 'application/json');
      expect({ i, status: res.status }).toEqual({ i, status: 402 });
    }
    expect((await request(payLink, '127.0.0.5', '198.51.100.201')).status).toBe(303);
  });
});
