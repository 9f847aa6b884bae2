/**
 * Runs {@link DECISION_TABLE} through one real gateway started from integrations/, plus the
 * portal route and the authorizer-down case.
 */
import { IDENTITY_HEADERS } from '@turnpike/authz-service';
import { send as sendHttp, type HttpAnswer } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { startGateway, type GatewayKind, type RunningGateway } from '../support/gateways.js';
import { DECISION_TABLE, PAYER, SCOPE, SPOOFED, type TableRow } from './decision-table.js';
import { HOST, startStack, type Stack } from './stack.js';

export type ClientResponse = HttpAnswer;

/** One request on a fresh connection, Host: shop.test unless the caller sets another. */
export function send(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<ClientResponse> {
  return sendHttp(port, { ...opts, headers: { host: HOST, ...opts.headers } });
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

function assertRow(row: TableRow, res: ClientResponse, stack: Stack, describeOutput: () => string): void {
  const app = stack.upstream.appRequests();
  const context = `${row.name}: ${res.status} ${res.body.slice(0, 300)}\n${describeOutput().slice(-2000)}`;
  switch (row.expect.kind) {
    case 'pass': {
      expect({ status: res.status, context }).toEqual({ status: 200, context });
      expect(app).toHaveLength(1);
      const seen = app[0]!;
      expect(seen.method).toBe(row.method ?? 'GET');
      expect(seen.url).toBe(row.path);
      if (row.expect.body !== undefined) expect(res.body).toBe(row.expect.body);
      for (const [name, spoof] of Object.entries(SPOOFED)) expect(seen.headers[name]).not.toBe(spoof);
      if (row.expect.identity === 'payer') {
        expect(seen.headers['x-402-payer']).toBe(PAYER);
        expect(seen.headers['x-402-scope']).toBe(
          SCOPE === '/premium' && row.path.startsWith('/article') ? '/article' : SCOPE,
        );
        expect(String(seen.headers['x-402-token-id'])).toMatch(/^[0-9a-f-]{36}$/);
        const claims = JSON.parse(
          Buffer.from(String(seen.headers['x-402-claims']), 'base64url').toString('utf8'),
        ) as Record<string, string>;
        expect(claims.plan).toBe('premium');
        expect(claims.aud).toBe(HOST);
      } else {
        // No identity: absent or empty, never a value the client chose.
        for (const name of IDENTITY_HEADERS) expect(seen.headers[name] ?? '').toBe('');
      }
      break;
    }
    case '402-html': {
      expect({ status: res.status, context }).toEqual({ status: 402, context });
      expect(app).toHaveLength(0);
      expect(one(res.headers['content-type'])).toMatch(/^text\/html/);
      const location = one(res.headers.location);
      expect(location).toMatch(/^\/_402\/pay\?ref=[A-Za-z0-9_.-]+$/);
      expect(res.body).toContain(location!);
      expect(one(res.headers['cache-control'])).toContain('no-store');
      break;
    }
    case '400-json': {
      expect({ status: res.status, context }).toEqual({ status: 400, context });
      expect(app).toHaveLength(0);
      expect(one(res.headers['content-type'])).toMatch(/^application\/json/);
      expect((JSON.parse(res.body) as { reason: string }).reason).toBe(row.expect.reason);
      expect(one(res.headers['x-402-reason'])).toBe(row.expect.reason);
      break;
    }
    case '402-json': {
      expect({ status: res.status, context }).toEqual({ status: 402, context });
      expect(app).toHaveLength(0);
      expect(one(res.headers['content-type'])).toMatch(/^application\/json/);
      const body = JSON.parse(res.body) as {
        error: string;
        paymentDetails: {
          cost: string;
          acceptedChains: string[];
          serviceWallet: string;
          challengeId: string;
        };
        x402Version: number;
        accepts: Array<{ network: string; payTo: string }>;
      };
      expect(body.error).toMatch(/payment required/i); // x402: a human-readable message
      expect(body.paymentDetails.cost).toBe('0.01');
      expect(body.paymentDetails.acceptedChains).toEqual(['base-sepolia']);
      expect(body.paymentDetails.serviceWallet).toMatch(/^0x[0-9a-fA-F]{40}$/);
      expect(body.x402Version).toBe(1);
      expect(body.accepts.length).toBeGreaterThan(0);
      const terms = JSON.parse(
        Buffer.from(String(one(res.headers['payment-required'])), 'base64').toString('utf8'),
      ) as {
        x402Version: number;
        accepts: Array<{ payTo: string }>;
        resource: { url: string };
      };
      expect(terms.x402Version).toBe(2);
      // Scheme, host, path and query reached the authorizer as the client sent them.
      expect(terms.resource.url).toBe(`http://${HOST}${row.path}`);
      expect(terms.accepts.length).toBeGreaterThan(0);
      // The challenge was sealed by the authorizer (nothing stored) and reached the client intact;
      // its receive address is the transaction offers' one; x402 pays the portal's x402 address.
      const [claims] = body.paymentDetails.challengeId.split('.');
      const sealed = JSON.parse(Buffer.from(claims!, 'base64url').toString('utf8')) as { p: string };
      expect(sealed.p).toBe(body.paymentDetails.serviceWallet.toLowerCase());
      expect(terms.accepts[0]!.payTo).toBe(body.accepts[0]!.payTo);
      expect(terms.accepts[0]!.payTo.toLowerCase()).not.toBe(body.paymentDetails.serviceWallet.toLowerCase());
      break;
    }
  }
}

/** Declares the whole suite for `kind` (call at the top level of a test file). */
export function describeGatewayTable(kind: GatewayKind): void {
  describe(`${kind} with the shipped integration config`, () => {
    let stack: Stack;
    let gateway: RunningGateway;

    beforeAll(async () => {
      stack = await startStack();
      gateway = await startGateway(kind, {
        authz: stack.authzAddress,
        portal: stack.portal.publicAddress,
        upstream: stack.upstream.address,
      });
    });
    afterAll(async () => {
      await gateway?.stop();
      await stack?.close();
    });
    beforeEach(() => stack.upstream.reset());

    it.each(DECISION_TABLE.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
      const headers = await row.headers(stack.signer);
      const res = await send(gateway.port, {
        method: row.method ?? 'GET',
        path: row.path,
        headers,
        ...(row.body === undefined ? {} : { body: row.body }),
      });
      assertRow(row, res, stack, gateway.output);
    });

    it('/_402/ reaches the portal, not the app, without a check', async () => {
      const res = await send(gateway.port, { path: '/_402/.well-known/jwks.json' });
      expect(res.status).toBe(200);
      const jwks = JSON.parse(res.body) as { keys: Array<{ kid: string }> };
      expect(jwks.keys.map((k) => k.kid)).toContain(stack.signer.kid);
      expect(stack.upstream.appRequests()).toHaveLength(0);
    });

    it("the browser 402's pay link opens the portal's pay page through the gateway", async () => {
      const challenge = await send(gateway.port, { path: '/premium/doc', headers: { accept: 'text/html' } });
      expect(challenge.status).toBe(402);
      const location = String(challenge.headers.location);
      const page = await send(gateway.port, { path: location, headers: { accept: 'text/html' } });
      expect(page.status).toBeLessThan(400);
      expect(stack.upstream.appRequests()).toHaveLength(0);
    });

    it('the 402 carries MPP Payment challenges in WWW-Authenticate, each with an id and this realm', async () => {
      const res = await send(gateway.port, { path: '/premium/doc', headers: { accept: 'application/json' } });
      expect(res.status).toBe(402);
      const value = String(res.headers['www-authenticate']);
      expect(value).toMatch(
        /^Payment id="[A-Za-z0-9_-]{43}", realm="shop\.test", method="evm", intent="charge"/,
      );
      expect(value.match(/(?:^|, )Payment id="/g)?.length).toBeGreaterThan(0);
    });
  });

  describe(`${kind} with the authorizer down`, () => {
    let stack: Stack;
    let gateway: RunningGateway;
    beforeAll(async () => {
      stack = await startStack();
      // Nothing listens on this port: every auth call is refused.
      const deadPort = await freePort();
      gateway = await startGateway(kind, {
        authz: `127.0.0.1:${deadPort}`,
        portal: stack.portal.publicAddress,
        upstream: stack.upstream.address,
      });
    });
    afterAll(async () => {
      await gateway?.stop();
      await stack?.close();
    });

    it.each([
      ['a free page', '/free/page', {}],
      ['a priced page with a valid token', '/premium/doc', 'token'],
      ['a priced page without a token', '/premium/doc', {}],
    ] as const)(
      'fails closed for %s: non-2xx, not a 402, and the app is not reached',
      async (_n, path, how) => {
        stack.upstream.reset();
        const headers =
          how === 'token'
            ? {
                authorization: `Bearer ${await stack.signer.sign({ aud: HOST, resource: SCOPE, plan: 'premium' })}`,
              }
            : {};
        const res = await send(gateway.port, { path, headers });
        expect(res.status).toBeGreaterThanOrEqual(500);
        expect(stack.upstream.appRequests()).toHaveLength(0);
      },
    );
  });
}
