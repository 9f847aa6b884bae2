import { request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SendOptions {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Gives up on a silent server after this long (default 10 s), so a test fails instead of hanging. */
  timeoutMs?: number;
  /** The client's own address, e.g. another loopback address (127.0.0.2) to act as a second client. */
  localAddress?: string;
}

/**
 * One request on a fresh connection to 127.0.0.1 with node:http, so Host, odd targets and any
 * header are sent exactly as given (fetch would normalize or refuse them).
 */
export function send(port: number, opts: SendOptions): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path,
        agent: false,
        headers: opts.headers ?? {},
        ...(opts.localAddress === undefined ? {} : { localAddress: opts.localAddress }),
        timeout: opts.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Starts `server` on a free port of 127.0.0.1 and returns the port. */
export function listenLocal(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

/** Closes `server`, dropping kept-alive connections so the close does not wait for them. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
