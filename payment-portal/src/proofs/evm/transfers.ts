import { TRANSFER_TOPIC, topicAddress } from '../../watchers/evm/rpc-schemas.js';
import type { ChainTx, TxReceipt } from './chain-reads.js';

/** One value movement a transaction made: native value (logIndex -1) or an ERC-20 Transfer log. */
export interface ObservedPayment {
  /** 'native', or the lower-case address of the contract that EMITTED the Transfer event. */
  asset: string;
  from: string;
  to: string;
  amount: bigint;
  logIndex: number;
}

/**
 * What a successful transaction pays: its native value, and every ERC-20 `Transfer` event in its
 * receipt with the emitting contract recorded, so a same-shaped event from another contract is
 * told apart (the ZelfProof parser matched any contract's Transfer). ERC-721 Transfers (the
 * token id as a fourth topic) are not payments.
 */
export function observedPayments(tx: ChainTx, receipt: TxReceipt): ObservedPayment[] {
  const out: ObservedPayment[] = [];
  if (tx.to !== null && tx.value > 0n)
    out.push({ asset: 'native', from: tx.from, to: tx.to, amount: tx.value, logIndex: -1 });
  for (const log of receipt.logs) {
    if (log.topics.length !== 3 || log.topics[0] !== TRANSFER_TOPIC || log.data.length !== 66) continue;
    out.push({
      asset: log.address,
      from: topicAddress(log.topics[1] as string),
      to: topicAddress(log.topics[2] as string),
      amount: BigInt(log.data),
      logIndex: Number(log.logIndex),
    });
  }
  return out;
}
