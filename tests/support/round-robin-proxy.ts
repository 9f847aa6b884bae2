/**
 * An HTTP proxy that sends each request to the next of several servers in turn (per request, not
 * per connection), and counts what each one got. Put in front of portal replicas' internal API, it
 * makes consecutive settle calls land on different replicas, as a load balancer would.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobinProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Requests forwarded to each target (same order as the targets), by path prefix. */
  served(pathPrefix: string): number[];
  close(): Promise<void>;
}

export async function startRoundRobinProxy(
  targets: readonly string[],
  /** Keep the client's Host (an authorizer reads the protected host from it); default: the target's. */
  opts: { preserveHost?: boolean } = {},
): Promise<RoundRobinProxy> {
  const bases = targets.map((t) => new URL(t));
  const log: Array<{ target: number; path: string }> = [];
  let next = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const target = next++ % bases.length;
    const base = bases[target]!;
    log.push({ target, path: req.url ?? '' });
    const upstream = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method: req.method,
        path: req.url,
        headers: opts.preserveHost === true ? req.headers : { ...req.headers, host: base.host },
        timeout: 60_000,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('timeout', () => upstream.destroy(new Error('upstream timeout')));
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-length': '0' });
      res.end();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served: (prefix) =>
      bases.map((_, i) => log.filter((l) => l.target === i && l.path.startsWith(prefix)).length),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
