import { z } from 'zod';
import { createRpcClient, type RpcClient } from '../../watchers/evm/rpc-client.js';
import { address, hash32, hexQuantity } from '../../watchers/evm/rpc-schemas.js';

// The same hex shapes the watcher parses its RPC answers with.
const quantity = hexQuantity;
const data = z.string().regex(/^0x[0-9a-fA-F]*$/);

const logSchema = z.object({
  address,
  topics: z.array(hash32),
  data,
  logIndex: quantity,
});

export const receiptSchema = z
  .object({
    transactionHash: hash32,
    status: z.string().regex(/^0x[01]$/),
    blockHash: hash32,
    blockNumber: quantity,
    from: address,
    to: address.nullable(),
    logs: z.array(logSchema),
  })
  .nullable();

export const txSchema = z
  .object({
    hash: hash32,
    from: address,
    to: address.nullable(),
    value: quantity,
    blockNumber: quantity.nullable(),
  })
  .nullable();

const blockSchema = z.object({ number: quantity, hash: hash32, timestamp: quantity }).nullable();

export type TxReceipt = NonNullable<z.output<typeof receiptSchema>>;
export type ChainTx = NonNullable<z.output<typeof txSchema>>;
export type ReceiptLog = TxReceipt['logs'][number];

/** The JSON-RPC reads the verifiers make on one EVM network, each parsed with zod. */
export interface EvmReads {
  receipt(hash: string): Promise<TxReceipt | null>;
  transaction(hash: string): Promise<ChainTx | null>;
  blockByHash(hash: string): Promise<{ number: bigint; hash: string; timestamp: bigint } | null>;
  blockNumber(): Promise<bigint>;
  /**
   * The chain head as read at most `maxAgeMs` ago: concurrent callers share one eth_blockNumber
   * (one in flight at a time). It may lag the chain by that long, never lead it.
   */
  recentBlockNumber(maxAgeMs: number): Promise<bigint>;
  /** eth_call at `latest`; the raw return data. */
  call(to: string, data: string): Promise<string>;
}

/** EvmReads over the watcher's RPC client (failover across URLs, a timeout on every call). */
export function evmReads(rpc: RpcClient): EvmReads {
  let head: { value: Promise<bigint>; askedAt: number } | undefined;
  const blockNumber = () => rpc.call('eth_blockNumber', [], quantity);
  return {
    receipt: (hash) => rpc.call('eth_getTransactionReceipt', [hash], receiptSchema),
    transaction: (hash) => rpc.call('eth_getTransactionByHash', [hash], txSchema),
    blockByHash: (hash) => rpc.call('eth_getBlockByHash', [hash, false], blockSchema),
    blockNumber,
    recentBlockNumber(maxAgeMs) {
      const now = performance.now();
      // Aged from when it was asked: the answer can only be that fresh.
      if (head === undefined || now - head.askedAt > maxAgeMs) {
        const read = { value: blockNumber(), askedAt: now };
        head = read;
        // A failed read is not kept: the next caller asks again.
        read.value.catch(() => {
          if (head === read) head = undefined;
        });
      }
      return head.value;
    },
    call: (to, input) => rpc.call('eth_call', [{ to, data: input }, 'latest'], data),
  };
}

const clients = new WeakMap<object, Map<string, EvmReads>>();

/** One EvmReads per (portal, network), built on first use from the portal's RPC URLs. */
export function readsFor(
  owner: object,
  network: string,
  urls: readonly string[] | undefined,
  timeoutMs: number,
): EvmReads | undefined {
  if (urls === undefined || urls.length === 0) return undefined;
  let perOwner = clients.get(owner);
  if (!perOwner) clients.set(owner, (perOwner = new Map()));
  let reads = perOwner.get(network);
  if (!reads) perOwner.set(network, (reads = evmReads(createRpcClient({ urls, timeoutMs }))));
  return reads;
}
