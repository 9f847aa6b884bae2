/**
 * A TCP relay in front of a server that counts the connections it relays and which side ended
 * each one. Put between a gateway and a service, it shows whether the gateway reused an idle
 * upstream connection (one connection for several requests) and whether the service closed one.
 * A close on either side closes the other, so the gateway sees exactly what the service did.
 */
import { createConnection, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface CountingProxy {
  /** host:port to give the gateway instead of the service's. */
  address: string;
  /** Connections accepted from the gateway so far. */
  readonly accepted: number;
  /** Connections the service ended (FIN or reset) while the gateway still held them. */
  readonly closedByService: number;
  close(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const [host, port] = splitHostPort(target);
  const sockets = new Set<Socket>();
  const counts = { accepted: 0, closedByService: 0 };
  const server = createServer((client) => {
    counts.accepted++;
    const service = createConnection({ host, port });
    sockets.add(client).add(service);
    let ended = false;
    const end = (byService: boolean) => {
      if (ended) return;
      ended = true;
      if (byService) counts.closedByService++;
      client.destroy();
      service.destroy();
      sockets.delete(client);
      sockets.delete(service);
    };
    client.pipe(service);
    service.pipe(client);
    client
      .on('end', () => end(false))
      .on('error', () => end(false))
      .on('close', () => end(false));
    service
      .on('end', () => end(true))
      .on('error', () => end(true))
      .on('close', () => end(true));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    get accepted() {
      return counts.accepted;
    },
    get closedByService() {
      return counts.closedByService;
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        sockets.clear();
        server.close(() => resolve());
      }),
  };
}

function splitHostPort(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at), Number(address.slice(at + 1))];
}
