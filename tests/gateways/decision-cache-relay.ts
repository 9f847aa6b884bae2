/**
 * An HTTP relay between a gateway and the real authorizer that counts the requests it passes on,
 * by path: how many decisions the authorizer was actually asked for, whatever the gateway answered
 * from its own cache. Requests and answers go through unchanged (status, headers, body).
 */
import { Agent, createServer, request, type Server } from 'node:http';
import { closeServer, listenLocal } from '../support/http.js';

export interface CountingRelay {
  /** host:port to give the gateway instead of the authorizer's. */
  address: string;
  /** Requests relayed so far whose path (without the query) is `path`. */
  count(path: string): number;
  close(): Promise<void>;
}

export async function startCountingRelay(target: string): Promise<CountingRelay> {
  const at = target.lastIndexOf(':');
  const host = target.slice(0, at);
  const port = Number(target.slice(at + 1));
  const agent = new Agent({ keepAlive: true });
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const out = request(
      { host, port, method: req.method, path: req.url, headers: req.headers, agent, timeout: 30_000 },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    out.on('timeout', () => out.destroy(new Error('relay timeout')));
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-length': '0' });
      res.end();
    });
    req.pipe(out);
  });
  server.keepAliveTimeout = 120_000;
  const listening = await listenLocal(server);
  return {
    address: `127.0.0.1:${listening}`,
    count: (p) => counts.get(p) ?? 0,
    async close() {
      agent.destroy();
      await closeServer(server);
    },
  };
}
