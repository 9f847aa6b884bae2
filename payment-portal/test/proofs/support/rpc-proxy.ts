/**
 * A JSON-RPC pass-through on node:http (127.0.0.1:0) in front of the real anvil. Every request is
 * forwarded unchanged unless `fault` says otherwise for it, the way a flaky endpoint fails:
 * `lose-answer` forwards it (it takes effect) and answers HTTP 502 instead of anvil's answer;
 * `refuse` answers a JSON-RPC error without forwarding (the node refused it). `answered` is told
 * each forwarded request once its answer is sent, so a test can act at a precise point of a
 * verifier's chain reads (e.g. "its nonce check has its answer").
 */
import { createServer } from 'node:http';
import { listenUpstream } from '../../../../tests/support/upstream.js';

export type RpcFault = 'pass' | 'lose-answer' | { refuse: string };

export interface RpcProxy {
  url: string;
  close(): Promise<void>;
}

export async function startRpcProxy(
  upstream: string,
  opts: {
    fault?: (request: { method: string; params: unknown[] }) => RpcFault;
    answered?: (requestBody: string) => void;
  } = {},
): Promise<RpcProxy> {
  const server = createServer((req, res) => {
    void (async () => {
      let body = '';
      for await (const chunk of req) body += chunk;
      const parsed = JSON.parse(body) as { id: unknown; method: string; params: unknown[] };
      const what = opts.fault?.(parsed) ?? 'pass';
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
        res.end(text, () => opts.answered?.(body));
      } catch {
        res.writeHead(502).end();
      }
    })();
  });
  const listening = await listenUpstream(server, []);
  return { url: listening.baseUrl, close: listening.close };
}
