import { createSolanaRpc } from '@solana/kit';
import type { SolanaNetwork } from '@turnpike/protocol';
import { z } from 'zod';

/** Every configured endpoint failed to give the current slot. */
export class SolanaSlotUnavailableError extends Error {
  readonly code = 'solana_rpc_unavailable';
  constructor(cause: unknown) {
    super('getSlot: every Solana RPC endpoint failed', { cause });
    this.name = 'SolanaSlotUnavailableError';
  }
}

const slotSchema = z.bigint().nonnegative();

/**
 * The current slot at the network's commitment, from the first endpoint that answers (each call
 * with a timeout). The Solana watcher asks it at the start of every pass, as the EVM watcher asks
 * `eth_blockNumber`: a pass then proves the RPC answers even when no offer is open, so /readyz
 * can tell a dead endpoint from an idle one.
 */
export function createSolanaSlotReader(opts: {
  urls: readonly string[];
  timeoutMs: number;
  commitment: SolanaNetwork['commitment'];
  onCall?: (method: string, url: string, ok: boolean) => void;
}): () => Promise<bigint> {
  if (opts.urls.length === 0) throw new Error('a Solana slot reader needs at least one URL');
  const rpcs = opts.urls.map((url) => ({ url, rpc: createSolanaRpc(url) }));
  return async () => {
    let last: unknown;
    for (const { url, rpc } of rpcs) {
      try {
        const answer = await rpc
          .getSlot({ commitment: opts.commitment })
          .send({ abortSignal: AbortSignal.timeout(opts.timeoutMs) });
        const slot = slotSchema.parse(answer);
        opts.onCall?.('getSlot', url, true);
        return slot;
      } catch (err) {
        opts.onCall?.('getSlot', url, false);
        last = err;
      }
    }
    throw new SolanaSlotUnavailableError(last);
  };
}
