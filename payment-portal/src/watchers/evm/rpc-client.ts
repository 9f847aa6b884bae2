import { z } from 'zod';

/** Why an RPC call failed on every endpoint. */
export class RpcError extends Error {
  readonly code: 'rpc_unavailable' | 'rpc_error';
  constructor(code: 'rpc_unavailable' | 'rpc_error', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RpcError';
    this.code = code;
  }
}

const envelopeSchema = z.object({
  jsonrpc: z.literal('2.0'),
  result: z.unknown().optional(),
  error: z.object({ code: z.number(), message: z.string() }).optional(),
});

export interface RpcClientOptions {
  urls: readonly string[];
  timeoutMs: number;
  fetch?: typeof fetch;
  /** Called once per HTTP request made (metrics and the benchmark count calls). */
  onCall?: (method: string, url: string, ok: boolean) => void;
}

export interface RpcClient {
  /** Calls `method`, parses the result with `schema`; fails over to the next URL on any failure. */
  call<T>(method: string, params: unknown[], schema: z.ZodType<T>): Promise<T>;
  /** The URL currently preferred (for logs; never contains credentials we add). */
  readonly activeUrl: string;
}

/** Rounds over the endpoints while every one fails fast (anvil under automine: a block a send). */
const ROUNDS = 3;
const RETRY_PAUSE_MS = 50;

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: unknown }).name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/**
 * A JSON-RPC client over several endpoints. Each request has a timeout; a timeout, a transport
 * error, a non-2xx status, a JSON-RPC error or a result that does not match the schema moves on
 * to the next URL, and the one that answered stays preferred; when all failed fast (no timeout),
 * they are tried again (up to three rounds) after a short pause. Results are parsed with zod, so a garbage answer
 * is never trusted.
 */
export function createRpcClient(opts: RpcClientOptions): RpcClient {
  if (opts.urls.length === 0) throw new TypeError('createRpcClient: no URLs');
  const doFetch = opts.fetch ?? fetch;
  let preferred = 0;
  let id = 0;

  async function once<T>(url: string, method: string, params: unknown[], schema: z.ZodType<T>): Promise<T> {
    const response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
      signal: AbortSignal.timeout(opts.timeoutMs),
      redirect: 'error',
    });
    if (!response.ok) throw new RpcError('rpc_unavailable', `${method}: HTTP ${response.status}`);
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new RpcError('rpc_unavailable', `${method}: response is not JSON`);
    }
    const envelope = envelopeSchema.safeParse(json);
    if (!envelope.success) throw new RpcError('rpc_unavailable', `${method}: not a JSON-RPC response`);
    if (envelope.data.error) throw new RpcError('rpc_error', `${method}: ${envelope.data.error.message}`);
    const result = schema.safeParse(envelope.data.result);
    if (!result.success) throw new RpcError('rpc_unavailable', `${method}: result failed validation`);
    return result.data;
  }

  return {
    get activeUrl() {
      return opts.urls[preferred] as string;
    },
    async call<T>(method: string, params: unknown[], schema: z.ZodType<T>): Promise<T> {
      let lastError: unknown;
      for (let round = 1; ; round++) {
        let timedOut = false;
        for (let attempt = 0; attempt < opts.urls.length; attempt++) {
          const index = (preferred + attempt) % opts.urls.length;
          const url = opts.urls[index] as string;
          try {
            const result = await once(url, method, params, schema);
            opts.onCall?.(method, url, true);
            preferred = index;
            return result;
          } catch (err) {
            opts.onCall?.(method, url, false);
            lastError = err;
            timedOut ||= isTimeout(err);
          }
        }
        // Every endpoint answered, and wrongly: a node caught between two blocks (anvil answers
        // "block height is N+1 but requested was N" while it mines), a load balancer's node that
        // lags. Every call here is a read, so another round after a pause is safe; a round
        // with a timeout in it is not repeated (it already took the time budget).
        if (round >= ROUNDS || timedOut) break;
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
      }
      const message = lastError instanceof Error ? lastError.message : String(lastError);
      throw new RpcError('rpc_unavailable', `${method}: every RPC endpoint failed (last: ${message})`, {
        cause: lastError,
      });
    },
  };
}
