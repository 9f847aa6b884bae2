import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyServerTimeouts, type ServerTimeouts } from '@turnpike/protocol/service';
import type { PortalConfig } from '../config/schema.js';
import type { Closer } from './closer.js';

/**
 * Listens on host:port and resolves with the base URL; the closer stops the server. Idle
 * keep-alive connections stay open longer than the gateway's (`timeouts`), so the gateway is
 * always the side that closes them.
 */
export async function listenOn(
  app: RequestListener,
  listener: PortalConfig['listeners']['public'],
  timeouts: ServerTimeouts,
  closer: Closer,
): Promise<string> {
  const server = createServer(app);
  applyServerTimeouts(server, timeouts);
  const url = await new Promise<string>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listener.port, listener.host, () => {
      const address = server.address() as AddressInfo;
      resolve(
        `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
      );
    });
  });
  closer.add(() => closeServer(server));
  return url;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Event streams stay open until the client leaves; do not wait for them.
    server.closeAllConnections();
  });
}
