import { REASONS, type EvmNetwork, type SettleRequest, type SettleResponse } from '@turnpike/protocol';
import { creditInvoice } from '../../ledger/index.js';
import type { ProofsConfig } from '../config.js';
import { ProofRefusal, type ProofContext } from '../context.js';
import { findOffersByPayTo, type OfferMatch } from '../find-offers.js';
import { grantResponse } from '../grant-response.js';
import { sameTarget } from '../target.js';
import type { EvmReads } from './chain-reads.js';
import { confirmedBlock, type MinedTx } from './read-mined-tx.js';
import type { ObservedPayment } from './transfers.js';
import { creditUnbound, fixedWalletOffer } from './unbound.js';

/**
 * Credits a transaction to a recorded challenge: an invoice an API 402 of a route that accepts
 * unbound proofs made, found by its unique receive address. Named by its id (bound), or — with
 * no id — by address alone (unbound: front-runnable, the route opted in). Invoices opened on a pay
 * page are never matched here: their grant goes only to their own browser session (/complete).
 * With no invoice, a transfer to an owner's fixed wallet is credited unbound.
 */
export async function creditRecordedEvm(
  request: SettleRequest,
  network: EvmNetwork,
  pctx: ProofContext,
  ctx: {
    /** The recorded challenge named by the proof; undefined = an unbound proof. */
    invoiceId: string | undefined;
    txHash: string;
    mined: MinedTx;
    reads: EvmReads;
    config: ProofsConfig['tx'];
  },
): Promise<SettleResponse> {
  const { mined, txHash } = ctx;
  const netCfg = ctx.config.networks[network.name] ?? {};
  const offers = await findOffersByPayTo(
    pctx.db,
    network.name,
    mined.payments.map((p) => p.to),
  );
  const mine = offers.filter(
    (o) =>
      o.source === 'challenge' &&
      sameTarget(o, request) &&
      (ctx.invoiceId === undefined || o.invoiceId === ctx.invoiceId),
  );
  if (mine.length === 0 && ctx.invoiceId !== undefined) {
    // Bound to one challenge: a hash paying another invoice (someone else's, copied from the
    // chain) or a fixed wallet is never credited to the challenge the presenter named.
    throw new ProofRefusal(
      REASONS.PAYMENT_WRONG_RECIPIENT,
      'the transaction pays no address of the named challenge',
    );
  }
  if (mine.length === 0) {
    const fixed = fixedWalletOffer(request, network, mined.payments);
    if (fixed !== undefined) {
      const block = await confirmedBlock(ctx.reads, mined, network, netCfg);
      return creditUnbound(pctx, request, network, {
        txHash,
        receipt: mined.receipt,
        block,
        payments: mined.payments,
        fixed,
        maxAgeSeconds: netCfg.maxTxAgeSeconds ?? ctx.config.maxTxAgeSeconds,
      });
    }
    // Someone else's transaction copied from the chain lands here: its address belongs to a
    // pay-page invoice, another resource's invoice, or none.
    throw new ProofRefusal(
      REASONS.PAYMENT_WRONG_RECIPIENT,
      'the transaction pays no address of this challenge',
    );
  }
  const offer = mine.length === 1 ? (mine[0] as OfferMatch) : pickPaidOffer(mine, mined.payments);
  const toOffer = mined.payments.filter((p) => p.to === offer.payTo);
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

  const block = await confirmedBlock(ctx.reads, mined, network, netCfg);
  const blockMs = Number(block.timestamp) * 1000;
  const skewMs = ctx.config.clockSkewSeconds * 1000;
  if (blockMs < offer.createdAt.getTime() - skewMs)
    throw new ProofRefusal(REASONS.PAYMENT_TOO_OLD, 'the transaction is older than the challenge');
  const maxAge = netCfg.maxTxAgeSeconds ?? ctx.config.maxTxAgeSeconds;
  if ((pctx.now ?? Date.now)() - blockMs > maxAge * 1000 + skewMs)
    throw new ProofRefusal(REASONS.PAYMENT_TOO_OLD, `the transaction is older than ${maxAge} s`);
  if (blockMs > offer.expiresAt.getTime() + skewMs)
    throw new ProofRefusal(REASONS.PAYMENT_EXPIRED, 'the transaction was mined after the challenge expired');

  const first = matching.reduce((a, b) => (b.logIndex < a.logIndex ? b : a));
  const credited = await creditInvoice(
    pctx.db,
    {
      invoiceId: offer.invoiceId,
      network: network.name,
      txHash,
      logIndex: first.logIndex,
      payer: first.from,
      asset: assetKey(offer),
      amountAtomic: paid,
      blockNumber: mined.receipt.blockNumber,
      blockHash: mined.receipt.blockHash,
    },
    (payment) => pctx.events?.paymentsCredited([{ ...payment, dialect: 'tx' }]),
  );
  if (!credited.ok)
    throw new ProofRefusal(REASONS.PAYMENT_ALREADY_REDEEMED, 'this payment has already been redeemed');
  return grantResponse(pctx, credited.grant);
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
