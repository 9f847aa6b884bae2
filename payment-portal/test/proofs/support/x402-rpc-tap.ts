/**
 * A JSON-RPC pass-through on node:http (127.0.0.1:0) in front of the real anvil: it forwards every
 * request unchanged and, once the answer is sent, tells the test what was asked. Lets a test act
 * at a precise point of a verifier's chain reads (e.g. "its nonce check has its answer").
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RpcTap {
  url: string;
  close(): Promise<void>;
}

export async function startRpcTap(
  upstream: string,
  answered: (requestBody: string) => void,
): Promise<RpcTap> {
  const server = createServer((req, res) => {
    void (async () => {
      let body = '';
      for await (const chunk of req) body += chunk;
      try {
        const upstreamRes = await fetch(upstream, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(5_000),
        });
        const text = await upstreamRes.text();
        res.writeHead(upstreamRes.status, { 'content-type': 'application/json' });
        res.end(text, () => answered(body));
      } catch {
        res.writeHead(502).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
