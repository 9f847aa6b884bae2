import { createSolanaRpc, type Address, type Signature } from '@solana/kit';
import type { SolanaNetwork } from '@turnpike/protocol';
import { z } from 'zod';

export type SolanaCommitment = SolanaNetwork['commitment'];

/** Every configured endpoint failed or timed out. */
export class SolanaRpcUnavailableError extends Error {
  readonly code = 'solana_rpc_unavailable';
  constructor(method: string, cause: unknown) {
    super(`${method}: every Solana RPC endpoint failed`, { cause });
    this.name = 'SolanaRpcUnavailableError';
  }
}

const statusSchema = z
  .object({
    err: z.unknown(),
    confirmationStatus: z.enum(['processed', 'confirmed', 'finalized']).nullish(),
  })
  .nullable();

const signatureInfoSchema = statusSchema.unwrap().extend({ signature: z.string().min(1) });
export type SignatureInfo = z.output<typeof signatureInfoSchema>;

/** The Solana RPC calls the verifier and the watcher make, each with a timeout and failover. */
export interface SolanaRpcClient {
  /** The raw `getTransaction` (json) answer, or null; parse it with parseSolanaTx. */
  getTransaction(signature: string, commitment: SolanaCommitment): Promise<unknown>;
  getSignatureStatus(signature: string): Promise<z.output<typeof statusSchema>>;
  /** Newest first; at most `limit`, stopping before `until`. */
  getSignaturesForAddress(
    address: string,
    opts: { commitment: SolanaCommitment; limit: number; until?: string },
  ): Promise<SignatureInfo[]>;
}

export interface SolanaRpcClientOptions {
  urls: readonly string[];
  timeoutMs: number;
  /** Called once per attempt (metrics). */
  onCall?: (method: string, url: string, ok: boolean) => void;
}

/**
 * getTransaction and getSignaturesForAddress refuse `processed` (Solana answers "Method does not
 * support commitment below `confirmed`"), so `processed` networks read at `confirmed`.
 */
export function readableCommitment(c: SolanaCommitment): 'confirmed' | 'finalized' {
  return c === 'finalized' ? 'finalized' : 'confirmed';
}

/**
 * A @solana/kit RPC per URL. Each call gets `AbortSignal.timeout(timeoutMs)`; a transport error,
 * a timeout or a JSON-RPC error moves on to the next URL, and only when all fail does the call
 * throw SolanaRpcUnavailableError. Answers are parsed with zod here, at the boundary.
 */
export function createSolanaRpcClient(opts: SolanaRpcClientOptions): SolanaRpcClient {
  if (opts.urls.length === 0) throw new Error('a Solana RPC client needs at least one URL');
  const rpcs = opts.urls.map((url) => ({ url, rpc: createSolanaRpc(url) }));

  async function attempt<T>(
    method: string,
    call: (rpc: (typeof rpcs)[number]['rpc'], signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    let last: unknown;
    for (const { url, rpc } of rpcs) {
      try {
        const result = await call(rpc, AbortSignal.timeout(opts.timeoutMs));
        opts.onCall?.(method, url, true);
        return result;
      } catch (err) {
        opts.onCall?.(method, url, false);
        last = err;
      }
    }
    throw new SolanaRpcUnavailableError(method, last);
  }

  return {
    getTransaction: (signature, commitment) =>
      attempt(
        'getTransaction',
        (rpc, abortSignal) =>
          rpc
            .getTransaction(signature as Signature, {
              commitment: readableCommitment(commitment),
              encoding: 'json',
              maxSupportedTransactionVersion: 0,
            })
            .send({ abortSignal }) as Promise<unknown>,
      ),
    getSignatureStatus: (signature) =>
      attempt('getSignatureStatuses', async (rpc, abortSignal) => {
        const answer = await rpc
          .getSignatureStatuses([signature as Signature], { searchTransactionHistory: true })
          .send({ abortSignal });
        return statusSchema.parse(answer.value[0] ?? null);
      }),
    getSignaturesForAddress: (address, o) =>
      attempt('getSignaturesForAddress', async (rpc, abortSignal) => {
        const answer = await rpc
          .getSignaturesForAddress(address as Address, {
            commitment: readableCommitment(o.commitment),
            limit: o.limit,
            ...(o.until === undefined ? {} : { until: o.until as Signature }),
          })
          .send({ abortSignal });
        return z.array(signatureInfoSchema).parse(answer);
      }),
  };
}
