import { REASONS, type Reason } from '@turnpike/protocol';
import type { Logger } from '@turnpike/protocol/service';
import { ProofRefusal } from '../../context.js';
import type { SolanaCommitment, SolanaRpcClient } from '../../solana/rpc.js';
import { SolanaRpcAnswerError, type SvmSubmitRpc } from './svm-rpc.js';

const RANK: Record<SolanaCommitment, number> = { processed: 0, confirmed: 1, finalized: 2 };
const POLL_MS = 250;

/**
 * Sends the co-signed transaction (unless it already landed: a retry of a settlement that timed
 * out) and waits until it reaches the network's commitment. A failed preflight sends nothing and is
 * refused with the reason the cluster gave; a transaction that landed with an error, or that does
 * not confirm in time, is refused too (the latter with a Retry-After: presenting the same payment
 * again finds it landed and credits it).
 */
export async function submitAndConfirm(
  rpc: { reads: SolanaRpcClient; submit: SvmSubmitRpc },
  tx: {
    wire: string;
    signature: string;
    commitment: SolanaCommitment;
    timeoutMs: number;
    logger: Logger;
  },
): Promise<void> {
  const known = await rpc.reads.getSignatureStatus(tx.signature);
  if (known === null) {
    try {
      await rpc.submit.sendTransaction(tx.wire);
    } catch (err) {
      if (!(err instanceof SolanaRpcAnswerError)) throw err;
      const text = JSON.stringify([err.message, err.data ?? null]);
      // Landed between the look and the send: go on to wait for it.
      if (!/AlreadyProcessed/i.test(text)) {
        const reason = preflightReason(text);
        if (reason === REASONS.X402_SETTLE_FAILED)
          tx.logger.error(
            { err: { code: err.code, message: err.message } },
            'x402 Solana settlement refused by the cluster',
          );
        throw new ProofRefusal(reason, 'the cluster refused the transaction');
      }
    }
  }
  const deadline = Date.now() + tx.timeoutMs;
  for (;;) {
    const status = await rpc.reads.getSignatureStatus(tx.signature);
    if (status !== null && status.err !== null && status.err !== undefined)
      throw new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'the settlement transaction failed on chain');
    if (status?.confirmationStatus && RANK[status.confirmationStatus] >= RANK[tx.commitment]) return;
    if (Date.now() > deadline)
      throw new ProofRefusal(
        REASONS.X402_SETTLE_FAILED,
        'the settlement transaction has not confirmed yet; present the same payment again',
        { retryAfterSeconds: 5 },
      );
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The reason for a failed preflight, from the cluster's error (Solana's TransactionError names). */
function preflightReason(text: string): Reason {
  // The fee payer itself cannot pay (unfunded): the operator's problem, not the payer's.
  if (/InsufficientFundsForFee|AccountNotFound/i.test(text)) return REASONS.X402_SETTLE_FAILED;
  if (/BlockhashNotFound/i.test(text)) return REASONS.X402_AUTHORIZATION_EXPIRED;
  // SPL Token's InsufficientFunds is custom error 1 (of the transfer instruction, index 2).
  if (/insufficient funds|"Custom":1\b|custom program error: 0x1\b/i.test(text))
    return REASONS.X402_INSUFFICIENT_BALANCE;
  return REASONS.X402_SETTLE_FAILED;
}
