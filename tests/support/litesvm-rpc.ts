/**
 * A JSON-RPC front for LiteSVM, because no Solana validator can run here (none ships on npm, and
 * release downloads are unreachable: see ../shared/reference/chain.md §2). A node:http server
 * answers the methods @solana/kit's RPC and our verifier and watcher use, in the result shapes of
 * Solana's JSON-RPC documentation, over an in-process LiteSVM that runs the real System and SPL
 * Token programs.
 *
 * What LiteSVM does not have is computed here: pre/post lamport and token balances (snapshotted
 * from the transaction's static account keys around `svm.sendTransaction`, token accounts decoded
 * with @solana-program/token), the address → signatures index, slots (one per transaction) and
 * block times (the wall clock, or `opts.now`).
 *
 * Limits (documented in docs/solana.md): no `jsonParsed`/`base64` getTransaction encodings, no
 * websockets, no address lookup tables (static keys only), no inner instructions; errors are
 * Solana-style JSON only for instruction and fieldless errors (`"BlockhashNotFound"`); every transaction lands at `landAt` (finalized
 * unless told) and moves only when the test says so; the blockhash changes only on
 * `svm.expireBlockhash()`; account reads ignore commitment. Preflight is real: a failing
 * transaction is refused with -32002 unless sent with `skipPreflight`, in which case it lands with
 * its error and its fee charged, as on a cluster.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Address, Lamports } from '@solana/kit';
import { LiteSVM } from 'litesvm';
import { Ledger, type Commitment } from './solana/ledger.js';
import { createMethods, RpcMethodError } from './solana/rpc-methods.js';

export type { Commitment } from './solana/ledger.js';

export interface LiteSvmRpcOptions {
  /** The commitment new transactions are reported at (default 'finalized'). */
  landAt?: Commitment;
  /** Milliseconds since the epoch for block times (default Date.now). */
  now?: () => number;
  /** An existing LiteSVM (default: a new one with the standard programs). */
  svm?: LiteSVM;
}

export interface LiteSvmRpc {
  url: string;
  svm: LiteSVM;
  /** Calls answered per method (for asserting how a watcher polls). */
  calls: Map<string, number>;
  airdrop(pubkey: string, lamports: bigint): void;
  /** The commitment transactions sent from now on land at. */
  setLandAt(level: Commitment): void;
  /** Moves one landed transaction to `level` (e.g. confirmed → finalized). */
  setCommitment(signature: string, level: Commitment): void;
  /** Makes the next requests fail with HTTP 503 until `setDown(false)`. */
  setDown(down: boolean): void;
  stop(): Promise<void>;
}

/** `JSON.stringify` that writes bigints as JSON integers (lamports and u64s exceed 2^53). */
function stringify(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'bigint' ? `__bigint__${v.toString()}` : v,
  ).replace(/"__bigint__(-?\d+)"/g, '$1');
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new RpcMethodError(-32600, 'request too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the front on 127.0.0.1 and a free port. */
export async function startLiteSvmRpc(opts: LiteSvmRpcOptions = {}): Promise<LiteSvmRpc> {
  const svm = opts.svm ?? new LiteSVM();
  let landAt: Commitment = opts.landAt ?? 'finalized';
  let down = false;
  const ledger = new Ledger(svm, { now: opts.now ?? Date.now, landAt: () => landAt });
  const methods = createMethods(svm, ledger);
  const calls = new Map<string, number>();

  const answer = (call: unknown): unknown => {
    const c = call as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
    const id = typeof c?.id === 'string' || typeof c?.id === 'number' ? c.id : null;
    if (typeof c !== 'object' || c === null || c.jsonrpc !== '2.0' || typeof c.method !== 'string') {
      return { jsonrpc: '2.0', id, error: { code: -32600, message: 'Invalid request' } };
    }
    calls.set(c.method, (calls.get(c.method) ?? 0) + 1);
    const handler = methods.get(c.method);
    if (!handler) return { jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found' } };
    try {
      return { jsonrpc: '2.0', id, result: handler(Array.isArray(c.params) ? c.params : []) };
    } catch (err) {
      if (err instanceof RpcMethodError) {
        return {
          jsonrpc: '2.0',
          id,
          error: {
            code: err.code,
            message: err.message,
            ...(err.data !== undefined ? { data: err.data } : {}),
          },
        };
      }
      return {
        jsonrpc: '2.0',
        id,
        error: { code: -32603, message: err instanceof Error ? err.message : String(err) },
      };
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown) => {
      const text = stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    if (down)
      return send(503, { jsonrpc: '2.0', id: null, error: { code: -32603, message: 'node is down (test)' } });
    if (req.method !== 'POST')
      return send(405, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'POST only' } });
    readBody(req, 1 << 20)
      .then((text) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          return send(200, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
        }
        send(200, Array.isArray(parsed) ? parsed.map(answer) : answer(parsed));
      })
      .catch((err: unknown) =>
        send(413, { jsonrpc: '2.0', id: null, error: { code: -32600, message: String(err) } }),
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    svm,
    calls,
    airdrop(pubkey, lamports) {
      svm.airdrop(pubkey as Address, lamports as Lamports);
    },
    setLandAt(level) {
      landAt = level;
    },
    setCommitment(signature, level) {
      const entry = ledger.entries.get(signature);
      if (!entry) throw new Error(`no landed transaction ${signature}`);
      entry.commitment = level;
    },
    setDown(value) {
      down = value;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
