import { REASONS, type EvmNetwork } from '@turnpike/protocol';
import type { ProofsConfig } from '../config.js';
import { ProofRefusal } from '../context.js';
import type { ChainTx, EvmReads, TxReceipt } from './chain-reads.js';
import { blockSeconds, confirmationsNeeded, retryAfterSeconds } from './confirmations.js';
import { observedPayments, type ObservedPayment } from './transfers.js';

type NetCfg = ProofsConfig['tx']['networks'][string];

/** A mined, successful transaction and every value movement it made. */
export interface MinedTx {
  tx: ChainTx;
  receipt: TxReceipt;
  /**
   * The chain head around when the receipt was read (a head read up to one block time earlier
   * may be reused, so at least the receipt's block; confirmedBlock reads it again before refusing).
   */
  tip: bigint;
  payments: ObservedPayment[];
}

/**
 * Reads a transaction, its receipt and the chain head (a recent one, shared by concurrent proofs)
 * in parallel: still in the mempool →
 * `payment_pending` (retry), unknown → `payment_not_found`, failed → `payment_reverted`.
 */
export async function readMinedTx(
  reads: EvmReads,
  txHash: string,
  network: EvmNetwork,
  netCfg: NetCfg,
): Promise<MinedTx> {
  const [receipt, tx, tip] = await Promise.all([
    reads.receipt(txHash),
    reads.transaction(txHash),
    reads.recentBlockNumber(blockSeconds(network, netCfg) * 1000),
  ]);
  if (receipt === null) {
    if (tx !== null)
      throw new ProofRefusal(REASONS.PAYMENT_PENDING, 'the transaction is not mined yet', {
        retryAfterSeconds: retryAfterSeconds(network, netCfg, 1),
      });
    throw new ProofRefusal(REASONS.PAYMENT_NOT_FOUND, `no transaction ${txHash} on ${network.name}`);
  }
  if (tx === null)
    throw new ProofRefusal(REASONS.PAYMENT_NOT_FOUND, `no transaction ${txHash} on ${network.name}`);
  if (receipt.status !== '0x1') throw new ProofRefusal(REASONS.PAYMENT_REVERTED, 'the transaction reverted');
  // The receipt proves the chain has its block, whatever a reused head says.
  const head = tip > receipt.blockNumber ? tip : receipt.blockNumber;
  return { tx, receipt, tip: head, payments: observedPayments(tx, receipt) };
}

/** The including block, once the transfer has the network's confirmations (else `payment_pending`). */
export async function confirmedBlock(
  reads: EvmReads,
  mined: MinedTx,
  network: EvmNetwork,
  netCfg: NetCfg,
): Promise<{ number: bigint; hash: string; timestamp: bigint }> {
  const { receipt } = mined;
  const needed = confirmationsNeeded(network, netCfg);
  let missing = needed - Number(mined.tip - receipt.blockNumber);
  // The head may have been a reused read: ask the chain itself before sending the payer away.
  if (missing > 0) missing = needed - Number((await reads.blockNumber()) - receipt.blockNumber);
  if (missing > 0) {
    throw new ProofRefusal(REASONS.PAYMENT_PENDING, `${missing} more confirmation(s) needed`, {
      retryAfterSeconds: retryAfterSeconds(network, netCfg, missing),
    });
  }
  const block = await reads.blockByHash(receipt.blockHash);
  // The receipt's block is gone: a reorg dropped it between the two reads. Nothing is credited.
  if (block === null || block.number !== receipt.blockNumber) {
    throw new ProofRefusal(REASONS.PAYMENT_PENDING, 'the including block was reorganised away', {
      retryAfterSeconds: retryAfterSeconds(network, netCfg, 1),
    });
  }
  return block;
}
