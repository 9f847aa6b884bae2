/**
 * Stand-ins for broken RPC endpoints, in front of a real anvil: a TCP proxy that can be taken
 * down and brought back on the same port, a server that accepts requests and never answers, and
 * one that answers every call with a well-formed JSON-RPC envelope around garbage.
 */
import { createServer as createHttpServer, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  url: string;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const up = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
        sockets.add(client).add(upstream);
        client.pipe(upstream).pipe(client);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  await up();
  return { url: `http://127.0.0.1:${port}`, down, up, close: down };
}

export interface FakeRpc {
  url: string;
  calls: number;
  close(): Promise<void>;
}

async function listen(server: HttpServer): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Accepts every request and never answers (the client's timeout must fire). */
export async function startHangingRpc(): Promise<FakeRpc> {
  const pending = new Set<ServerResponse>();
  const state = { calls: 0 };
  const server = createHttpServer((req, res) => {
    state.calls++;
    req.resume();
    pending.add(res);
  });
  const url = await listen(server);
  return {
    url,
    get calls() {
      return state.calls;
    },
    close: () =>
      new Promise((r) => {
        for (const res of pending) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Answers every call with a JSON-RPC envelope whose result is nonsense for the method. */
export async function startGarbageRpc(): Promise<FakeRpc> {
  const state = { calls: 0 };
  const server = createHttpServer((req, res) => {
    state.calls++;
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const id = (JSON.parse(body || '{}') as { id?: number }).id ?? 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ jsonrpc: '2.0', id, result: { number: 'banana', hash: 42, transactions: 'no' } }),
      );
    });
  });
  const url = await listen(server);
  return {
    url,
    get calls() {
      return state.calls;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
