import {
  REASONS,
  type EvmNetwork,
  type SettleRequest,
  type SettleResponse,
  type TxProof,
} from '@turnpike/protocol';
import { ProofRefusal, type ProofContext } from '../context.js';
import { creditInvoice } from '../credit.js';
import type { ProofsConfig } from '../config.js';
import { findOffersByPayTo, type OfferMatch } from '../find-offers.js';
import { sameTarget } from '../target.js';
import { readsFor, type EvmReads } from './chain-reads.js';
import { confirmationsNeeded, retryAfterSeconds } from './confirmations.js';
import { observedPayments, type ObservedPayment } from './transfers.js';
import { creditUnbound, fixedWalletOffer } from './unbound.js';

const TX_HASH = /^0x[0-9a-fA-F]{64}$/;

export interface TxProofDeps {
  config: ProofsConfig['tx'];
}

/**
 * Verifies a transaction-hash proof on an EVM chain (the ZelfProof flow: the payer sent the
 * transfer and retries with `x-payment-chain` + `x-payment-tx`) and, when it pays the challenge,
 * credits it once and returns the token. Order: shape, chain, receipt, what it pays, to whom
 * (the challenge's unique address), which asset, how much, how deep, how fresh — and only then
 * the atomic redemption.
 */
export async function verifyEvmTxProof(
  request: SettleRequest & { proof: TxProof },
  network: EvmNetwork,
  pctx: ProofContext,
  deps: TxProofDeps,
): Promise<SettleResponse> {
  const hash = request.proof.tx.trim();
  if (!TX_HASH.test(hash))
    throw new ProofRefusal(REASONS.PAYMENT_TX_MALFORMED, 'an EVM transaction hash is 0x and 64 hex digits');
  const txHash = hash.toLowerCase();
  const reads = readsFor(
    pctx.rpcUrls,
    network.name,
    pctx.rpcUrls.get(network.name),
    pctx.rpcTimeoutMs(network.name),
  );
  if (!reads)
    throw new ProofRefusal(
      REASONS.PAYMENT_CHAIN_UNKNOWN,
      `this portal has no RPC endpoint for ${network.name}`,
    );
  const netCfg = deps.config.networks[network.name] ?? {};

  const [receipt, tx, tip] = await Promise.all([
    reads.receipt(txHash),
    reads.transaction(txHash),
    reads.blockNumber(),
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

  const payments = observedPayments(tx, receipt);
  const offers = await findOffersByPayTo(
    pctx.db,
    network.name,
    payments.map((p) => p.to),
  );
  const challenge = request.proof.challenge;
  const mine = offers.filter(
    (o) => sameTarget(o, request) && (challenge === undefined || o.invoiceId === challenge),
  );
  if (mine.length === 0 && challenge !== undefined) {
    // Bound to one challenge: a hash paying another invoice (someone else's, copied from the
    // chain) or a fixed wallet is never credited to the challenge the presenter named.
    throw new ProofRefusal(
      REASONS.PAYMENT_WRONG_RECIPIENT,
      'the transaction pays no address of the named challenge',
    );
  }
  if (mine.length === 0) {
    const fixed = fixedWalletOffer(request, network, payments);
    if (fixed !== undefined) {
      if (!deps.config.allowUnboundProofs) {
        throw new ProofRefusal(
          REASONS.PAYMENT_UNBOUND,
          'this transaction pays a fixed wallet: anyone could present it, and no signature binds it to this challenge',
        );
      }
      const block = await confirmedBlock(reads, receipt, tip, network, netCfg);
      return creditUnbound(pctx, request, network, {
        txHash,
        receipt,
        block,
        payments,
        fixed,
        maxAgeSeconds: netCfg.maxTxAgeSeconds ?? deps.config.maxTxAgeSeconds,
      });
    }
    // Someone else's transaction copied from the chain lands here: its address belongs to another invoice or none.
    throw new ProofRefusal(
      REASONS.PAYMENT_WRONG_RECIPIENT,
      'the transaction pays no address of this challenge',
    );
  }
  const offer = mine.length === 1 ? (mine[0] as OfferMatch) : pickPaidOffer(mine, payments);
  const toOffer = payments.filter((p) => p.to === offer.payTo);
  const matching = toOffer.filter((p) => p.asset === assetKey(offer));
  if (matching.length === 0)
    throw new ProofRefusal(
      REASONS.PAYMENT_WRONG_ASSET,
      `the transfer is not ${offer.assetSymbol} (the token contract differs)`,
    );
  const paid = matching.reduce((sum, p) => sum + p.amount, 0n);
  if (paid < offer.amountAtomic) {
    throw new ProofRefusal(
      REASONS.PAYMENT_UNDERPAID,
      `paid ${paid} of ${offer.amountAtomic} atomic units; ${offer.amountAtomic - paid} left`,
    );
  }

  const block = await confirmedBlock(reads, receipt, tip, network, netCfg);
  const blockMs = Number(block.timestamp) * 1000;
  const skewMs = deps.config.clockSkewSeconds * 1000;
  if (blockMs < offer.createdAt.getTime() - skewMs)
    throw new ProofRefusal(REASONS.PAYMENT_TOO_OLD, 'the transaction is older than the challenge');
  const maxAge = netCfg.maxTxAgeSeconds ?? deps.config.maxTxAgeSeconds;
  if (now(pctx) - blockMs > maxAge * 1000 + skewMs)
    throw new ProofRefusal(REASONS.PAYMENT_TOO_OLD, `the transaction is older than ${maxAge} s`);
  if (blockMs > offer.expiresAt.getTime() + skewMs)
    throw new ProofRefusal(REASONS.PAYMENT_EXPIRED, 'the transaction was mined after the challenge expired');

  const first = matching.reduce((a, b) => (b.logIndex < a.logIndex ? b : a));
  const { token, claims } = await creditInvoice(pctx, {
    invoiceId: offer.invoiceId,
    network: network.name,
    txHash,
    logIndex: first.logIndex,
    payer: first.from,
    asset: assetKey(offer),
    amountAtomic: paid,
    blockNumber: receipt.blockNumber,
    blockHash: receipt.blockHash,
    status: 'redeemed',
  });
  return { ok: true, token, claims: claims as Record<string, unknown> };
}

function assetKey(offer: Pick<OfferMatch, 'assetKind' | 'assetAddress'>): string {
  return offer.assetKind === 'native' ? 'native' : (offer.assetAddress ?? '');
}

/** Of several offers the transaction touches, the one it pays in the offer's own asset. */
function pickPaidOffer(offers: OfferMatch[], payments: ObservedPayment[]): OfferMatch {
  return (
    offers.find((o) => payments.some((p) => p.to === o.payTo && p.asset === assetKey(o))) ??
    (offers[0] as OfferMatch)
  );
}

/** The including block, once the transfer has the network's confirmations (else `payment_pending`). */
async function confirmedBlock(
  reads: EvmReads,
  receipt: { blockHash: string; blockNumber: bigint },
  tip: bigint,
  network: EvmNetwork,
  netCfg: ProofsConfig['tx']['networks'][string],
): Promise<{ number: bigint; hash: string; timestamp: bigint }> {
  const missing = confirmationsNeeded(network, netCfg) - Number(tip - receipt.blockNumber);
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

function now(pctx: ProofContext): number {
  return (pctx.now ?? Date.now)();
}
