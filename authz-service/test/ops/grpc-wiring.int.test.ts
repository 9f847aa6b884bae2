import { connect } from 'node:net';
import { startStack } from '../support/service.js';

describe('startAuthzService with listeners.grpcPort', () => {
  it('starts the gRPC ext_authz listener beside HTTP and closes both', async () => {
    const stack = await startStack({
      config: { listeners: { host: '127.0.0.1', httpPort: 0, grpcPort: 0 } },
    });
    const port = stack.service.grpcPort;
    try {
      expect(port).toBeGreaterThan(0);
      expect(port).not.toBe(stack.service.httpPort);
      await new Promise<void>((resolve, reject) => {
        const socket = connect(port as number, '127.0.0.1', () => {
          socket.end();
          resolve();
        });
        socket.on('error', reject);
      });
    } finally {
      await stack.close();
    }
    await expect(
      new Promise<void>((resolve, reject) => {
        const socket = connect(port as number, '127.0.0.1', () => {
          socket.end();
          resolve();
        });
        socket.on('error', reject);
      }),
    ).rejects.toThrow();
  });
});
