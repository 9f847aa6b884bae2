import type { Logger } from '@turnpike/protocol/service';
import type { SvmSubmitRpc } from './svm-rpc.js';

export interface FeePayerStatus {
  address: string;
  /** Below this many lamports on a network, the fee payer is reported low. */
  lowBalanceLamports: bigint;
  /** SOL balance (lamports) per network, or why it could not be read. */
  networks: Array<{ network: string; lamports?: bigint; low?: boolean; error?: string }>;
}

export interface FeePayerMonitor {
  readonly address: string;
  status(timeoutMs?: number): Promise<FeePayerStatus>;
}

/**
 * Reads the fee payer's SOL balance on every Solana network it settles on, for /readyz and the
 * balance gauge; a balance under `lowBalanceLamports` is flagged and logged (a warning per read),
 * since an unfunded fee payer fails every Solana x402 settlement.
 */
export function createFeePayerMonitor(opts: {
  address: string;
  lowBalanceLamports: bigint;
  networks: readonly string[];
  submitFor(network: string): SvmSubmitRpc | undefined;
  timeoutMs: number;
  logger: Logger;
}): FeePayerMonitor {
  return {
    address: opts.address,
    async status(timeoutMs = opts.timeoutMs) {
      const networks = await Promise.all(
        opts.networks.map(async (network) => {
          const rpc = opts.submitFor(network);
          if (rpc === undefined) return { network, error: 'no RPC endpoint' };
          try {
            const lamports = await Promise.race([
              rpc.getBalance(opts.address),
              new Promise<never>((_, reject) =>
                setTimeout(() => reject(new Error('timeout')), timeoutMs).unref(),
              ),
            ]);
            const low = lamports < opts.lowBalanceLamports;
            if (low)
              opts.logger.warn(
                { network, address: opts.address, lamports: lamports.toString() },
                'x402 Solana fee payer balance is low',
              );
            return { network, lamports, low };
          } catch (err) {
            return { network, error: err instanceof Error ? err.message.slice(0, 200) : 'unavailable' };
          }
        }),
      );
      return { address: opts.address, lowBalanceLamports: opts.lowBalanceLamports, networks };
    },
  };
}
