/**
 * Identity-header smuggling through real NGINX, Caddy and HAProxy running the shipped configs:
 * a client's `Connection: X-402-Payer, …` must not remove Turnpike's identity headers, and an
 * underscore spelling (`X_402_Payer`, read as `X-402-Payer` by CGI, WSGI, Rack and PHP) must not
 * reach the app at all, on a free and on a paid request.
 */
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { closeServer, listenLocal } from '../support/http.js';
import { GATEWAY_KINDS, startGateway, type RunningGateway } from '../support/gateways.js';
import { identityProblems, SMUGGLING_CASES } from '../support/identity-smuggling.js';
import { PAYER, SCOPE, VALID_CLAIMS } from './decision-table.js';
import { send } from './run-table.js';
import { HOST, startStack, type Stack } from './stack.js';

describe.each(GATEWAY_KINDS)('%s with the shipped config: identity-header smuggling', (kind) => {
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

  it("the app sees the gateway's X-Forwarded-* and X-Real-IP, never the client's", async () => {
    const res = await send(gateway.port, {
      path: '/free/page',
      headers: {
        'x-forwarded-for': '198.51.100.6',
        'x-forwarded-host': 'evil.test',
        'x-forwarded-proto': 'https',
        'x-real-ip': '198.51.100.6',
      },
    });
    expect(res.status).toBe(200);
    const seen = stack.upstream.appRequests()[0]!.headers;
    expect({
      for: seen['x-forwarded-for'],
      host: seen['x-forwarded-host'] ?? HOST,
      proto: seen['x-forwarded-proto'] ?? 'http',
      realIp: seen['x-real-ip'] ?? '127.0.0.1',
    }).toEqual({ for: '127.0.0.1', host: HOST, proto: 'http', realIp: '127.0.0.1' });
  });

  describe.each(SMUGGLING_CASES)('a client sending $name', ({ headers }) => {
    it('on a free page: the app sees no identity under any name', async () => {
      const res = await send(gateway.port, { path: '/free/page', headers });
      expect({ status: res.status, log: res.status === 200 ? '' : gateway.output() }).toEqual({
        status: 200,
        log: '',
      });
      const seen = stack.upstream.appRequests();
      expect(seen).toHaveLength(1);
      expect(identityProblems(seen[0]!.headers, {})).toEqual([]);
    });

    it("on a paid page: the app sees Turnpike's identity only", async () => {
      const token = await stack.signer.sign(VALID_CLAIMS);
      const res = await send(gateway.port, {
        path: '/premium/doc',
        headers: { ...headers, authorization: `Bearer ${token}` },
      });
      expect({ status: res.status, log: res.status === 200 ? '' : gateway.output() }).toEqual({
        status: 200,
        log: '',
      });
      const seen = stack.upstream.appRequests();
      expect(seen).toHaveLength(1);
      expect(
        identityProblems(seen[0]!.headers, {
          'x-402-payer': PAYER,
          'x-402-scope': SCOPE,
          'x-402-token-id': /^[0-9a-f-]{36}$/,
          'x-402-claims': /^[A-Za-z0-9_-]{40,}$/,
        }),
      ).toEqual([]);
    });
  });
});

/** An app that accepts a WebSocket-style upgrade (101) and records the headers it got. */
async function startUpgradeApp(): Promise<{
  address: string;
  seen: IncomingHttpHeaders[];
  close(): Promise<void>;
}> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((_req, res) => res.writeHead(426).end());
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    seen.push(req.headers);
    socket.on('error', () => socket.destroy());
    socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
  });
  const port = await listenLocal(server);
  return { address: `127.0.0.1:${port}`, seen, close: () => closeServer(server) };
}

/** Sends an upgrade request; resolves with the status line's code. */
function upgrade(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      headers: { host: HOST, ...headers },
    });
    req.on('upgrade', (res: IncomingMessage, socket: Duplex) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res: IncomingMessage) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

// Caddy is the one shipped config that passes upgrades: NGINX's sets `Connection ""` and no
// `Upgrade`, and HAProxy's answers 502 to an upgrade (as it did before its Connection rules).
describe.each(['caddy'] as const)('%s with the shipped config: upgrades still pass', (kind) => {
  let stack: Stack;
  let app: Awaited<ReturnType<typeof startUpgradeApp>>;
  let gateway: RunningGateway;
  beforeAll(async () => {
    stack = await startStack();
    app = await startUpgradeApp();
    // The authorizer probes its own upstream for prices; the gateway sends the request to `app`.
    gateway = await startGateway(kind, {
      authz: stack.authzAddress,
      portal: stack.portal.publicAddress,
      upstream: app.address,
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await app?.close();
    await stack?.close();
  });

  it("a paid WebSocket upgrade reaches the app with Turnpike's identity, even with Connection naming it", async () => {
    const status = await upgrade(gateway.port, '/premium/socket', {
      authorization: `Bearer ${await stack.signer.sign(VALID_CLAIMS)}`,
      connection: 'Upgrade, X-402-Payer, X-402-Scope',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    });
    expect({ status, log: status === 101 ? '' : gateway.output().slice(-1500) }).toEqual({
      status: 101,
      log: '',
    });
    expect(app.seen).toHaveLength(1);
    expect(String(app.seen[0]!.upgrade).toLowerCase()).toBe('websocket');
    expect(
      identityProblems(app.seen[0]!, {
        'x-402-payer': PAYER,
        'x-402-scope': SCOPE,
        'x-402-token-id': /^[0-9a-f-]{36}$/,
        'x-402-claims': /^[A-Za-z0-9_-]{40,}$/,
      }),
    ).toEqual([]);
  });
});
