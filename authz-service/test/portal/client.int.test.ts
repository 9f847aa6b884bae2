import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNetworkRegistry, paymentRequestFromJson, PORTAL_API_PATHS, toWire } from '@turnpike/protocol';
import { createPortalClient, PortalError } from '../../src/portal/client.js';
import { PORTAL_TOKEN, startPortalStandIn, type PortalStandIn } from '../support/portal-stand-in.js';
import { BASE_USDC_REQUEST } from '../support/upstream.js';

// The server here is the CONTRACT STAND-IN for the portal's internal API (see support/portal-stand-in.ts).
let portal: PortalStandIn;
beforeAll(async () => {
  portal = await startPortalStandIn();
});
afterAll(() => portal.close());
afterEach(() => {
  portal.mode = 'ok';
});

const request = toWire(paymentRequestFromJson(BASE_USDC_REQUEST, createNetworkRegistry()));
const ctx = {
  host: 'shop.example',
  scheme: 'https' as const,
  resource: '/premium',
  originalUri: '/premium/a',
  request,
};

/** How a portal call failed (it must reject with a PortalError), and after how long. */
async function failureOf(call: () => Promise<unknown>): Promise<{ code: string; afterMs: number }> {
  const started = Date.now();
  const err = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PortalError);
  return { code: (err as PortalError).code, afterMs: Date.now() - started };
}

/** A bare node:http server on a free loopback port, for answers the stand-in cannot give. */
async function serve(
  handler: Parameters<typeof createServer>[1],
): Promise<{ baseUrl: string; server: Server; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A client of `server` for `use`, then both closed, whatever `use` does. */
async function withClient(
  server: { baseUrl: string; close(): Promise<void> },
  timeoutMs: number,
  use: (client: ReturnType<typeof createPortalClient>) => Promise<void>,
): Promise<void> {
  const client = createPortalClient({ baseUrl: server.baseUrl, token: PORTAL_TOKEN, timeoutMs });
  try {
    await use(client);
  } finally {
    client.close();
    await server.close();
  }
}

describe('portal internal API client', () => {
  it('tries once more when the connection is lost before any answer (an idle keep-alive closed under it)', async () => {
    // A server that resets the first connection it gets, then answers normally.
    let resets = 0;
    const flaky = await serve((req, res) => {
      if (resets === 0) {
        resets++;
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ ok: false, reason: 'payment_pending', message: 'wait', retryAfterSeconds: 2 }),
      );
    });
    await withClient(flaky, 500, async (client) => {
      const verdict = await client.settle({ ...ctx, proof: { type: 'tx', network: 'base', tx: '0xabc' } });
      expect(resets).toBe(1);
      expect(verdict).toMatchObject({ ok: false, reason: 'payment_pending' });
    });
  });

  it('fails at once, not at its timeout, when the connection drops in the middle of an answer', async () => {
    const dropping = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"ok":fa', () => req.socket.destroy());
    });
    await withClient(dropping, 5_000, async (client) => {
      const failure = await failureOf(() =>
        client.settle({ ...ctx, proof: { type: 'tx', network: 'base', tx: '0xabc' } }),
      );
      expect(failure.code).toBe('portal_unreachable');
      expect(failure.afterMs).toBeLessThan(2_500);
    });
  });

  it('keeps one connection alive across calls, and times out a body that stalls after the headers', async () => {
    let connections = 0;
    let stall = false;
    const stalling = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (stall)
        res.write('{"ok":fa'); // then nothing: the answer never ends
      else res.end(JSON.stringify({ ok: false, reason: 'payment_pending', message: 'wait' }));
    });
    stalling.server.on('connection', () => connections++);
    await withClient(stalling, 300, async (client) => {
      const settle = () => client.settle({ ...ctx, proof: { type: 'tx', network: 'base', tx: '0xabc' } });
      for (let i = 0; i < 3; i++)
        expect(await settle()).toMatchObject({ ok: false, reason: 'payment_pending' });
      expect(connections).toBe(1);
      stall = true;
      const failure = await failureOf(settle);
      expect(failure.code).toBe('portal_timeout');
      expect(failure.afterMs).toBeLessThan(3_000);
    });
  });

  it('reads the payee, leases addresses and records challenges, parsed with the shared schemas', async () => {
    const client = createPortalClient({ baseUrl: `${portal.url}/`, token: PORTAL_TOKEN, timeoutMs: 500 });
    expect((await client.payee()).x402?.networks).toEqual(['base', 'polygon']);
    const a = await client.leaseAddresses(3);
    const b = await client.leaseAddresses(2);
    expect([a.first, b.first]).toEqual([b.first - 3, b.first]);
    expect(new Set([...a.addresses, ...b.addresses]).size).toBe(5);
    const ch = await client.createChallenge({ ...ctx, client: { ip: '198.51.100.1' } });
    expect(ch.offers.map((o) => o.network)).toEqual(['base', 'polygon']);
    expect(portal.count(PORTAL_API_PATHS.challenges)).toBe(1);
  });

  it('returns settle verdicts (ok:false on a 402) as data', async () => {
    const client = createPortalClient({ baseUrl: portal.url, token: PORTAL_TOKEN, timeoutMs: 500 });
    const verdict = await client.settle({ ...ctx, proof: { type: 'tx', network: 'base', tx: '0xabc' } });
    expect(verdict).toEqual({ ok: false, reason: 'payment_not_found', message: 'no such transaction' });
  });

  const failing: Array<[string, PortalStandIn['mode'] | 'badtoken' | 'down', string]> = [
    ['a 500', 'status500', 'portal_status'],
    ['a body off the schema', 'garbage', 'portal_response_invalid'],
    ['a hang (timeout)', 'hang', 'portal_timeout'],
    ['a wrong bearer secret', 'badtoken', 'portal_status'],
    ['a closed port', 'down', 'portal_unreachable'],
  ];
  it.each(failing)('turns %s into a PortalError with a stable code', async (_name, mode, code) => {
    if (mode !== 'badtoken' && mode !== 'down') portal.mode = mode;
    const client = createPortalClient({
      baseUrl: mode === 'down' ? 'http://127.0.0.1:1' : portal.url,
      token: mode === 'badtoken' ? 'wrong' : PORTAL_TOKEN,
      timeoutMs: 200,
    });
    const failure = await failureOf(() => client.createChallenge({ ...ctx, client: { ip: '198.51.100.1' } }));
    expect(failure.code).toBe(code);
  });
});
