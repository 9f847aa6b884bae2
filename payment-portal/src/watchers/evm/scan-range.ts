import { z } from 'zod';
import type { RpcClient } from './rpc-client.js';
import {
  addressTopic,
  blockSchema,
  logsSchema,
  nullableBlockSchema,
  receiptSchema,
  topicAddress,
  TRANSFER_TOPIC,
  type RpcBlock,
  type RpcLog,
} from './rpc-schemas.js';

/** A transfer to a watched address found in a scanned range. */
export interface ObservedTransfer {
  txHash: string;
  /** Log index; -1 for a native (top-level value) transfer. */
  logIndex: number;
  from: string;
  to: string;
  /** 'native' or the lower-case token contract. */
  asset: string;
  amount: bigint;
  blockNumber: bigint;
  blockHash: string;
}

export interface ScannedRange {
  /** `timestamp`: the block's Unix time in seconds. */
  blocks: Array<{ number: bigint; hash: string; parentHash: string; timestamp: number }>;
  transfers: ObservedTransfer[];
}

/** The chain changed while a range was being read; the pass is abandoned and retried. */
export class ChainMovedError extends Error {
  readonly code = 'chain_moved' as const;
  constructor(message: string) {
    super(message);
    this.name = 'ChainMovedError';
  }
}

export interface ScanRangeOptions {
  rpc: RpcClient;
  from: bigint;
  to: bigint;
  /**
   * Lower-case addresses to look for, when there are at most `topicOrListMax` of them. `null`
   * means "many": the range is read unfiltered and its recipients looked up with `lookup`.
   */
  watched: ReadonlySet<string> | null;
  /** Which of these recipients are watched (used when `watched` is null). */
  lookup?: (candidates: readonly string[]) => Promise<ReadonlySet<string>>;
  /** Lower-case contracts of the network's configured tokens: only their logs count. */
  tokens: readonly string[];
  /** Blocks fetched at once. */
  concurrency?: number;
}

const hex = (n: bigint) => `0x${n.toString(16)}`;

/**
 * Reads blocks `from..to` and the transfers in them to watched addresses:
 *
 * - native: top-level transactions whose `to` is watched and value > 0, from the full blocks
 *   (value moved by contract-internal calls is not seen — documented); the receipt is checked,
 *   so a reverted transaction counts nothing;
 * - ERC-20: `Transfer` logs emitted by the configured token contracts only, fetched with ONE
 *   eth_getLogs for the range: the watched addresses go in the `to` topic as an OR-list when they
 *   are few, else the tokens' Transfer logs of the range are fetched unfiltered by recipient and
 *   the recipients looked up — so the calls per range never grow with the number of open invoices.
 *
 * The blocks must link (each parentHash is the previous block's hash) and every log must come
 * from the block hash read for its number; otherwise the chain moved mid-read (ChainMovedError).
 */
export async function scanRange(opts: ScanRangeOptions): Promise<ScannedRange> {
  const many = opts.watched === null;
  const wantTxs = many || (opts.watched as ReadonlySet<string>).size > 0;
  const numbers: bigint[] = [];
  for (let n = opts.from; n <= opts.to; n++) numbers.push(n);
  const blocks: RpcBlock[] = new Array(numbers.length);
  const concurrency = opts.concurrency ?? 8;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, numbers.length) }, async () => {
      while (next < numbers.length) {
        const i = next++;
        const block = await opts.rpc.call(
          'eth_getBlockByNumber',
          [hex(numbers[i] as bigint), wantTxs],
          nullableBlockSchema,
        );
        if (block === null) throw new ChainMovedError(`block ${numbers[i]} not found`);
        blocks[i] = block;
      }
    }),
  );
  for (let i = 1; i < blocks.length; i++) {
    if ((blocks[i] as RpcBlock).parentHash !== (blocks[i - 1] as RpcBlock).hash)
      throw new ChainMovedError(`blocks ${numbers[i]} and before do not link`);
  }
  const hashByNumber = new Map(blocks.map((b) => [b.number, b.hash]));

  // One eth_getLogs for the range: recipients as an OR-list when few, else every Transfer of the
  // configured tokens (matched below), so the call count never depends on the invoice count.
  const logs =
    opts.tokens.length > 0 && wantTxs
      ? await opts.rpc.call(
          'eth_getLogs',
          [
            {
              fromBlock: hex(opts.from),
              toBlock: hex(opts.to),
              address: [...opts.tokens],
              topics: many
                ? [TRANSFER_TOPIC]
                : [TRANSFER_TOPIC, null, [...(opts.watched as ReadonlySet<string>)].map(addressTopic)],
            },
          ],
          logsSchema,
        )
      : [];

  let watched: ReadonlySet<string>;
  if (many) {
    // Look up only the addresses that actually received something in these blocks: cost follows
    // chain activity, not the number of open invoices.
    const recipients = new Set<string>();
    for (const block of blocks)
      for (const tx of block.transactions)
        if (typeof tx !== 'string' && tx.to !== null && tx.value > 0n) recipients.add(tx.to);
    for (const log of logs)
      if (log.topics.length === 3 && log.topics[0] === TRANSFER_TOPIC)
        recipients.add(topicAddress(log.topics[2] as string));
    if (!opts.lookup) throw new TypeError('scanRange: lookup is required when watched is null');
    watched = recipients.size === 0 ? new Set() : await opts.lookup([...recipients]);
  } else {
    watched = opts.watched as ReadonlySet<string>;
  }

  const transfers: ObservedTransfer[] = [];
  if (wantTxs) {
    const candidates: Array<{
      tx: { hash: string; from: string; to: string; value: bigint };
      block: RpcBlock;
    }> = [];
    for (const block of blocks) {
      for (const tx of block.transactions) {
        if (typeof tx === 'string' || tx.to === null || tx.value === 0n || !watched.has(tx.to)) continue;
        candidates.push({ tx: { hash: tx.hash, from: tx.from, to: tx.to, value: tx.value }, block });
      }
    }
    for (const { tx, block } of candidates) {
      const receipt = await opts.rpc.call('eth_getTransactionReceipt', [tx.hash], receiptSchema);
      if (receipt === null || receipt.blockHash !== block.hash)
        throw new ChainMovedError(`receipt of ${tx.hash} is not in block ${block.number}`);
      if (receipt.status !== '0x1') continue;
      transfers.push({
        txHash: tx.hash,
        logIndex: -1,
        from: tx.from,
        to: tx.to,
        asset: 'native',
        amount: tx.value,
        blockNumber: block.number,
        blockHash: block.hash,
      });
    }
  }

  const tokens = new Set(opts.tokens);
  for (const log of logs) {
    const transfer = transferFromLog(log, tokens, watched);
    if (!transfer) continue;
    if (hashByNumber.get(transfer.blockNumber) !== transfer.blockHash)
      throw new ChainMovedError(`log in ${transfer.blockHash} is not in the blocks read`);
    transfers.push(transfer);
  }
  return {
    blocks: blocks.map((b) => ({
      number: b.number,
      hash: b.hash,
      parentHash: b.parentHash,
      timestamp: Number(b.timestamp),
    })),
    transfers,
  };
}

const uint256 = z.string().regex(/^0x[0-9a-fA-F]{64}$/);

function transferFromLog(
  log: RpcLog,
  tokens: ReadonlySet<string>,
  watched: ReadonlySet<string>,
): ObservedTransfer | null {
  // The emitting contract is what makes a Transfer event USDC: a look-alike contract is ignored.
  if (log.removed === true || !tokens.has(log.address)) return null;
  if (log.topics.length !== 3 || log.topics[0] !== TRANSFER_TOPIC || !uint256.safeParse(log.data).success)
    return null;
  const to = topicAddress(log.topics[2] as string);
  if (!watched.has(to)) return null;
  return {
    txHash: log.transactionHash,
    logIndex: Number(log.logIndex),
    from: topicAddress(log.topics[1] as string),
    to,
    asset: log.address,
    amount: BigInt(log.data),
    blockNumber: log.blockNumber,
    blockHash: log.blockHash,
  };
}

/** The chain's hash of block `n`, or null when the chain is shorter. */
export async function blockHashAt(rpc: RpcClient, n: bigint): Promise<string | null> {
  const block = await rpc.call('eth_getBlockByNumber', [hex(n), false], nullableBlockSchema);
  return block?.hash ?? null;
}

export { blockSchema };
