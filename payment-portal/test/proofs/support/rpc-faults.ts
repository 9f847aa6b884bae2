/**
 * A JSON-RPC pass-through on node:http (127.0.0.1:0) in front of the real anvil that can fail
 * chosen requests the way a flaky endpoint does: `lose-answer` forwards the request to anvil (it
 * takes effect) and answers HTTP 502 instead of anvil's answer; `refuse` answers a JSON-RPC error
 * without forwarding (the node refused it). Everything else passes through unchanged.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RpcFault = 'pass' | 'lose-answer' | { refuse: string };

export interface RpcFaults {
  url: string;
  close(): Promise<void>;
}

export async function startRpcFaults(
  upstream: string,
  fault: (request: { method: string; params: unknown[] }) => RpcFault,
): Promise<RpcFaults> {
  const server = createServer((req, res) => {
    void (async () => {
      let body = '';
      for await (const chunk of req) body += chunk;
      const parsed = JSON.parse(body) as { id: unknown; method: string; params: unknown[] };
      const what = fault(parsed);
      if (typeof what === 'object') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ jsonrpc: '2.0', id: parsed.id, error: { code: -32000, message: what.refuse } }),
        );
        return;
      }
      try {
        const upstreamRes = await fetch(upstream, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(5_000),
        });
        const text = await upstreamRes.text();
        if (what === 'lose-answer') {
          res.writeHead(502).end();
          return;
        }
        res.writeHead(upstreamRes.status, { 'content-type': 'application/json' });
        res.end(text);
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
