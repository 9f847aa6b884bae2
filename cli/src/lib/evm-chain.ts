import { createRpcClient, type RpcClient } from '@turnpike/payment-portal';
import { z } from '@turnpike/protocol/service';
import { UnavailableError } from '../errors.js';
import { balanceOfData } from './erc20-calls.js';

const quantity = z
  .string()
  .regex(/^0x[0-9a-fA-F]+$/)
  .transform((s) => BigInt(s));
const data = z.string().regex(/^0x[0-9a-fA-F]*$/);
const block = z.looseObject({ baseFeePerGas: quantity.optional() });

/** What a sweep plan needs of one EVM chain, each call with the watcher's RPC timeout and failover. */
export interface EvmChainReader {
  chainId(): Promise<bigint>;
  /** EIP-1559 fees: maxFee = 2 × the latest base fee + the suggested tip (room for two full blocks of rises). */
  fees(): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }>;
  nativeBalance(address: string): Promise<bigint>;
  tokenBalance(token: string, owner: string): Promise<bigint>;
  /** The next nonce, counting pending transactions. */
  nonce(address: string): Promise<number>;
  estimateGas(tx: { from: string; to: string; value?: bigint; data?: string }): Promise<bigint>;
}

/** Wraps RPC failures in UnavailableError `rpc_failed` naming the network. */
export function createEvmChainReader(
  network: string,
  urls: readonly string[],
  timeoutMs: number,
): EvmChainReader {
  const rpc: RpcClient = createRpcClient({ urls, timeoutMs });
  const call = async <T>(method: string, params: unknown[], schema: z.ZodType<T>): Promise<T> => {
    try {
      return await rpc.call(method, params, schema);
    } catch (err) {
      throw new UnavailableError('rpc_failed', `${network}: ${(err as Error).message}`, {
        hint: `check watchers.${network}.rpcUrls`,
        cause: err,
      });
    }
  };
  const hex = (n: bigint): string => `0x${n.toString(16)}`;
  return {
    chainId: () => call('eth_chainId', [], quantity),
    async fees() {
      const latest = await call('eth_getBlockByNumber', ['latest', false], block);
      if (latest.baseFeePerGas === undefined)
        throw new UnavailableError(
          'rpc_failed',
          `${network}: the chain has no EIP-1559 base fee; sweeps need one`,
        );
      const tip = await call('eth_maxPriorityFeePerGas', [], quantity);
      return { maxFeePerGas: latest.baseFeePerGas * 2n + tip, maxPriorityFeePerGas: tip };
    },
    nativeBalance: (address) => call('eth_getBalance', [address, 'latest'], quantity),
    async tokenBalance(token, owner) {
      const result = await call('eth_call', [{ to: token, data: balanceOfData(owner) }, 'latest'], data);
      return result === '0x' ? 0n : BigInt(result);
    },
    async nonce(address) {
      return Number(await call('eth_getTransactionCount', [address, 'pending'], quantity));
    },
    estimateGas: (tx) =>
      call(
        'eth_estimateGas',
        [
          {
            from: tx.from,
            to: tx.to,
            ...(tx.value === undefined ? {} : { value: hex(tx.value) }),
            ...(tx.data ? { data: tx.data } : {}),
          },
        ],
        quantity,
      ),
  };
}
