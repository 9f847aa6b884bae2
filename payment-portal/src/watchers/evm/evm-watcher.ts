import type { EvmNetwork } from '@turnpike/protocol';
import type { Logger } from '@turnpike/protocol/service';
import { refreshInvoicesForAddresses, type RefreshResult } from '../../invoices/refresh-invoices.js';
import {
  acquireWatcherLease,
  advanceCursor,
  getCursor,
  releaseWatcherLease,
  type Database,
} from '../../storage/index.js';
import type { RecordedPayment } from '../../events/portal-events.js';
import type { RpcClient } from './rpc-client.js';
import { blockNumberSchema } from './rpc-schemas.js';
import { blockHashAt, ChainMovedError, scanRange } from './scan-range.js';
import { createPassLoop } from '../pass-loop.js';
import { createWatcherHealth, type WatcherHealth } from '../watcher-health.js';
import {
  confirmPayments,
  pruneBlocks,
  recordBlocks,
  recordTransfers,
  rollBackAbove,
  storedBlocks,
  watchedAddresses,
  watchedAmong,
} from './watcher-store.js';

export interface EvmWatcherOptions {
  db: Database;
  network: EvmNetwork;
  rpc: RpcClient;
  /** Blocks on top of the including block before a transfer counts. */
  confirmations: number;
  pollIntervalMs: number;
  maxBlockRange: number;
  topicOrListMax: number;
  lateGraceMs: number;
  /** This replica's id for the scan lease. */
  owner: string;
  logger: Logger;
  /** Called after a pass that changed invoices or credited payments (the SSE hub, events, metrics). */
  onChange?: (result: RefreshResult) => void;
  /** Called with the transfers a pass recorded for the first time, after they committed. */
  onSeen?: (payments: RecordedPayment[]) => void;
  /** Called after every scheduled pass with its duration (metrics). */
  onPass?: (durationMs: number, ok: boolean) => void;
  /** Where the watcher records its passes, head and cursor (default: its own, without RPC endpoints). */
  health?: WatcherHealth;
}

export interface PassResult {
  /** Whether this replica held the lease and scanned. */
  scanned: boolean;
  fromBlock?: bigint;
  toBlock?: bigint;
  reorgTo?: bigint;
  changed: RefreshResult['changed'];
}

export interface EvmWatcher {
  readonly network: string;
  /** Its last passes, head, cursor and RPC endpoints (for /readyz; reading it calls nothing). */
  readonly health: WatcherHealth;
  /** One scan pass (tests and the benchmark drive it directly). */
  pass(): Promise<PassResult>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * The watcher of one EVM network. Each pass, under a lease in the database (one replica scans a
 * network at a time; another takes over when the lease lapses):
 *
 * 1. checks the stored tip still belongs to the chain (else walks back to the common ancestor and
 *    marks the payments above it 'reorged');
 * 2. scans the next range after the cursor (scanRange), and in ONE transaction records the
 *    payments and block hashes and moves the cursor by compare-and-set — a crash before commit
 *    leaves the cursor where it was, so the range is scanned again and nothing is missed;
 * 3. confirms payments with enough blocks on top of the scanned (verified) tip and moves the
 *    affected invoices' status.
 */
export function createEvmWatcher(opts: EvmWatcherOptions): EvmWatcher {
  const { db, network, rpc, logger } = opts;
  const name = network.name;
  const leaseTtlMs = Math.max(15_000, opts.pollIntervalMs * 5);
  const windowSize = BigInt(Math.max(64, opts.confirmations * 2 + 16));
  const tokens = Object.values(network.tokens).map((t) => t.address.toLowerCase());
  const health = opts.health ?? createWatcherHealth({ network: name, kind: 'evm' });

  async function findAncestor(from: bigint): Promise<bigint> {
    const stored = await storedBlocks(db, name, from, Number(windowSize));
    for (const block of stored) {
      if ((await blockHashAt(rpc, block.number)) === block.hash) return block.number;
    }
    const oldest = stored.at(-1)?.number ?? from;
    logger.error(
      { network: name, from, oldest },
      'reorg deeper than the stored window: rescanning from before it',
    );
    return oldest > 0n ? oldest - 1n : 0n;
  }

  async function rollBack(lastBlock: bigint, ancestor: bigint): Promise<RefreshResult> {
    const result = await db.transaction(async (tx) => {
      const addresses = await rollBackAbove(tx, name, ancestor);
      const ancestorHash = (await storedBlocks(tx, name, ancestor, 1))[0]?.hash ?? null;
      if (
        !(await advanceCursor(tx, {
          network: name,
          expectedBlock: lastBlock,
          toBlock: ancestor,
          toBlockHash: ancestorHash,
        }))
      ) {
        throw new ChainMovedError('cursor moved during rollback');
      }
      return refreshInvoicesForAddresses(tx, name, addresses);
    });
    logger.warn({ network: name, from: lastBlock, to: ancestor }, 'chain reorganised: rolled back');
    return result;
  }

  async function pass(): Promise<PassResult> {
    const head = await rpc.call('eth_blockNumber', [], blockNumberSchema);
    let cursor = await getCursor(db, name);
    if (cursor === null) {
      // First run on this network: start at the head; there can be no invoice before the portal ran.
      await advanceCursor(db, {
        network: name,
        expectedBlock: null,
        toBlock: head,
        toBlockHash: await blockHashAt(rpc, head),
      });
      cursor = await getCursor(db, name);
      if (cursor === null) throw new Error('watcher cursor missing after creation');
    }
    if (!(await acquireWatcherLease(db, name, opts.owner, leaseTtlMs))) {
      // Another replica scans; its cursor still tells how far behind the head the network is.
      health.chainAt(head, cursor.lastBlock);
      health.newestBlockAt(undefined);
      return { scanned: false, changed: [] };
    }

    const last = cursor.lastBlock;
    // 1. Is our tip still the chain's?
    let reorg = false;
    if (head < last) reorg = true;
    else if (cursor.lastBlockHash !== null && head === last)
      reorg = (await blockHashAt(rpc, last)) !== cursor.lastBlockHash;
    let scannedTo = last;
    let fromBlock: bigint | undefined;
    const changed: RefreshResult['changed'] = [];
    const credited: RefreshResult['credited'] = [];

    if (!reorg && head > last) {
      // 2. Scan the next range.
      fromBlock = last + 1n;
      const to = head < last + BigInt(opts.maxBlockRange) ? head : last + BigInt(opts.maxBlockRange);
      const watched = await watchedAddresses(db, name, opts.lateGraceMs, opts.topicOrListMax);
      const range = await scanRange({
        rpc,
        from: fromBlock,
        to,
        watched,
        tokens,
        lookup: (candidates) => watchedAmong(db, name, opts.lateGraceMs, candidates),
      });
      const first = range.blocks[0];
      if (cursor.lastBlockHash !== null && first && first.parentHash !== cursor.lastBlockHash) {
        reorg = true;
      } else {
        const tip = range.blocks.at(-1) as { number: bigint; hash: string; timestamp: number };
        const result = await db.transaction(async (tx) => {
          const seen = await recordTransfers(tx, name, range.transfers);
          await recordBlocks(tx, name, range.blocks);
          if (
            !(await advanceCursor(tx, {
              network: name,
              expectedBlock: last,
              toBlock: tip.number,
              toBlockHash: tip.hash,
            }))
          ) {
            throw new ChainMovedError('cursor moved: another scanner committed this range');
          }
          const refreshed = await refreshInvoicesForAddresses(tx, name, [
            ...new Set(range.transfers.map((t) => t.to)),
          ]);
          return { ...refreshed, seen };
        });
        if (result.seen.length > 0) opts.onSeen?.(result.seen);
        changed.push(...result.changed);
        credited.push(...result.credited);
        scannedTo = tip.number;
        health.newestBlockAt(tip.timestamp);
        if (range.transfers.length > 0)
          logger.info(
            { network: name, from: fromBlock, to: tip.number, transfers: range.transfers.length },
            'transfers observed',
          );
      }
    }
    if (reorg) {
      const ancestor = await findAncestor(last > 0n ? last - 1n : 0n);
      const result = await rollBack(last, ancestor);
      health.chainAt(head, ancestor);
      opts.onChange?.(result);
      return { scanned: true, reorgTo: ancestor, changed: result.changed };
    }

    // 3. Confirmations count only blocks we have scanned and linked.
    const confirmedTip = scannedTo - BigInt(opts.confirmations);
    const confirmed = await db.transaction(async (tx) => {
      const addresses = await confirmPayments(tx, name, confirmedTip);
      return refreshInvoicesForAddresses(tx, name, addresses);
    });
    changed.push(...confirmed.changed);
    credited.push(...confirmed.credited);
    if (scannedTo > windowSize) await pruneBlocks(db, name, scannedTo - windowSize);
    health.chainAt(head, scannedTo);
    const result = { changed, lateCredited: confirmed.lateCredited, credited };
    if (changed.length > 0 || confirmed.lateCredited.length > 0 || credited.length > 0)
      opts.onChange?.(result);
    for (const id of confirmed.lateCredited)
      logger.warn({ network: name, invoice: id }, 'payment credited after the invoice expired');
    return { scanned: true, ...(fromBlock !== undefined ? { fromBlock, toBlock: scannedTo } : {}), changed };
  }

  const loop = createPassLoop({
    pass,
    intervalMs: opts.pollIntervalMs,
    onPassDone: (ms, ok) => {
      if (ok) health.passSucceeded();
      opts.onPass?.(ms, ok);
    },
    onError: (err) => {
      health.passFailed(err);
      if (err instanceof ChainMovedError)
        logger.info({ network: name, reason: err.message }, 'scan pass retried');
      else
        logger.warn(
          { network: name, err: err instanceof Error ? err.message : String(err) },
          'scan pass failed',
        );
    },
    onStopped: () =>
      releaseWatcherLease(db, name, opts.owner).then(
        () => undefined,
        () => undefined,
      ),
  });
  return { network: name, health, pass, start: loop.start, stop: loop.stop };
}
