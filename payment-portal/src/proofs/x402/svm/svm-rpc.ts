import { z } from 'zod';
import { SolanaRpcUnavailableError } from '../../solana/rpc.js';

/** A JSON-RPC error the node answered (an answer, not an outage: e.g. a failed preflight). */
export class SolanaRpcAnswerError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data: unknown,
  ) {
    super(message);
    this.name = 'SolanaRpcAnswerError';
  }
}

/** The two calls settlement and the fee payer's status need beyond the verifier's client. */
export interface SvmSubmitRpc {
  /**
   * Sends a signed base64 transaction with preflight at `confirmed` (a finalized bank may not know
   * the client's recent blockhash yet); resolves to its signature.
   */
  sendTransaction(base64: string): Promise<string>;
  /** Lamports held by `address`. */
  getBalance(address: string): Promise<bigint>;
}

const answerSchema = z.object({
  result: z.unknown().optional(),
  error: z.object({ code: z.number().int(), message: z.string(), data: z.unknown().optional() }).optional(),
});

/**
 * Plain JSON-RPC over fetch, one endpoint after the other: each call has a timeout and no redirects;
 * a transport failure, a timeout or an unreadable answer moves on to the next URL, and only when
 * all fail is it SolanaRpcUnavailableError. A JSON-RPC error is the node's answer and is thrown as
 * SolanaRpcAnswerError at once (sending the same transaction elsewhere would only repeat it).
 */
export function createSvmSubmitRpc(opts: { urls: readonly string[]; timeoutMs: number }): SvmSubmitRpc {
  let id = 0;
  async function call(method: string, params: unknown[]): Promise<unknown> {
    let last: unknown;
    for (const url of opts.urls) {
      let answer: z.output<typeof answerSchema>;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
          signal: AbortSignal.timeout(opts.timeoutMs),
          redirect: 'error',
        });
        answer = answerSchema.parse(await response.json());
      } catch (err) {
        last = err;
        continue;
      }
      if (answer.error !== undefined)
        throw new SolanaRpcAnswerError(answer.error.code, answer.error.message, answer.error.data);
      return answer.result;
    }
    throw new SolanaRpcUnavailableError(method, last);
  }
  return {
    async sendTransaction(base64) {
      const result = await call('sendTransaction', [
        base64,
        { encoding: 'base64', preflightCommitment: 'confirmed', maxRetries: 5 },
      ]);
      return z.string().min(1).parse(result);
    },
    async getBalance(address) {
      const result = await call('getBalance', [address, { commitment: 'confirmed' }]);
      return BigInt(z.object({ value: z.number().int().nonnegative() }).parse(result).value);
    },
  };
}
