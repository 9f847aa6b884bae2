import {
  DEFAULT_SITE_ID,
  REASONS,
  type ChallengeClaims,
  type ChallengeOfferClaim,
  type EvmNetwork,
  type SettleRequest,
  type SettleResponse,
} from '@turnpike/protocol';
import { creditProof, findBoundGrant, type ProofBinding } from '../../ledger/index.js';
import type { ProofsConfig } from '../config.js';
import { ProofRefusal, type ProofContext } from '../context.js';
import { sealedCreditBase } from '../sealed-credit-base.js';
import { grantAgain, grantResponse } from '../grant-response.js';
import type { EvmReads } from './chain-reads.js';
import { confirmedBlock, type MinedTx } from './read-mined-tx.js';
import type { ObservedPayment } from './transfers.js';

/**
 * Credits a transaction that pays a sealed challenge's own receive address: the challenge names
 * its derivation index and address (re-derived here from the xpub, so even a forged seal could not
 * point elsewhere), the offers and amounts, and when it was payable. The first database write of
 * the whole API flow happens here, through the ledger.
 */
export async function creditSealedEvm(
  request: SettleRequest,
  network: EvmNetwork,
  pctx: ProofContext,
  ctx: {
    claims: ChallengeClaims;
    binding: ProofBinding;
    txHash: string;
    mined: MinedTx;
    reads: EvmReads;
    config: ProofsConfig['tx'];
    /** The challenge address already derived from `claims.i` (derived here when absent). */
    derivedAddress?: string | undefined;
  },
): Promise<SettleResponse> {
  const { claims, mined } = ctx;
  const netCfg = ctx.config.networks[network.name] ?? {};
  const offers = claims.o.filter((o) => o.n === network.name);
  if (offers.length === 0 || claims.p === undefined || claims.i === undefined || claims.w === undefined)
    throw new ProofRefusal(REASONS.PAYMENT_WRONG_NETWORK, `this challenge is not payable on ${network.name}`);
  // The challenge was sealed for one site; the host must still be that site's, and the address
  // is re-derived from that site's wallet.
  if ((claims.st ?? DEFAULT_SITE_ID) !== (pctx.siteId ?? DEFAULT_SITE_ID))
    throw new ProofRefusal(
      REASONS.PAYMENT_SITE_MISMATCH,
      'the challenge was sealed for another site than the one owning this host',
    );
  const deriver = pctx.deriver;
  if (
    deriver === undefined ||
    deriver.walletId !== claims.w ||
    (ctx.derivedAddress ?? deriver.challengeAddress(claims.i)) !== claims.p
  )
    throw new ProofRefusal(REASONS.PAYMENT_CHALLENGE_INVALID, "the challenge's address is not this wallet's");
  const toAddress = mined.payments.filter((p) => p.to === claims.p);
  if (toAddress.length === 0)
    throw new ProofRefusal(
      REASONS.PAYMENT_WRONG_RECIPIENT,
      'the transaction pays no address of this challenge',
    );
  const { offer, matching, paid } = paidOffer(offers, toAddress);

  const block = await confirmedBlock(ctx.reads, mined, network, netCfg);
  const blockMs = Number(block.timestamp) * 1000;
  const skewMs = ctx.config.clockSkewSeconds * 1000;
  if (blockMs < claims.iat * 1000 - skewMs)
    throw new ProofRefusal(REASONS.PAYMENT_TOO_OLD, 'the transaction is older than the challenge');
  const maxAge = netCfg.maxTxAgeSeconds ?? ctx.config.maxTxAgeSeconds;
  if ((pctx.now ?? Date.now)() - blockMs > maxAge * 1000 + skewMs)
    throw new ProofRefusal(REASONS.PAYMENT_TOO_OLD, `the transaction is older than ${maxAge} s`);
  if (blockMs > claims.exp * 1000 + skewMs)
    throw new ProofRefusal(REASONS.PAYMENT_EXPIRED, 'the transaction was mined after the challenge expired');

  const first = matching.reduce((a, b) => (b.logIndex < a.logIndex ? b : a));
  const result = await creditProof(
    pctx.db,
    {
      binding: ctx.binding,
      ...sealedCreditBase(claims, request),
      payment: {
        network: network.name,
        txHash: ctx.txHash,
        logIndex: first.logIndex,
        payer: first.from,
        payTo: claims.p,
        asset: offer.a,
        amountAtomic: paid,
        blockNumber: mined.receipt.blockNumber,
        blockHash: mined.receipt.blockHash,
        status: 'redeemed',
      },
      address: { walletId: claims.w, index: claims.i, address: claims.p },
    },
    (credited) => pctx.events?.paymentsCredited([{ ...credited, dialect: 'tx' }]),
  );
  if (result.ok) return grantResponse(pctx, result.grant);
  if (result.reason === 'binding_taken') {
    const known = await findBoundGrant(pctx.db, ctx.binding);
    if (known !== null) return grantAgain(pctx, known, { network: network.name, tx: ctx.txHash });
  }
  throw new ProofRefusal(REASONS.PAYMENT_ALREADY_REDEEMED, 'this payment has already been redeemed');
}

/**
 * The offer the transfers to the challenge address pay in full (in its own asset), with those
 * transfers and their sum; otherwise `payment_underpaid` (naming what is left) or
 * `payment_wrong_asset`.
 */
function paidOffer(
  offers: readonly ChallengeOfferClaim[],
  toAddress: readonly ObservedPayment[],
): { offer: ChallengeOfferClaim; matching: ObservedPayment[]; paid: bigint } {
  let short: { offer: ChallengeOfferClaim; paid: bigint } | undefined;
  for (const offer of offers) {
    const matching = toAddress.filter((p) => p.asset === offer.a);
    if (matching.length === 0) continue;
    const paid = matching.reduce((sum, p) => sum + p.amount, 0n);
    if (paid >= BigInt(offer.t)) return { offer, matching, paid };
    short ??= { offer, paid };
  }
  if (short !== undefined) {
    const due = BigInt(short.offer.t);
    throw new ProofRefusal(
      REASONS.PAYMENT_UNDERPAID,
      `paid ${short.paid} of ${due} atomic units; ${due - short.paid} left`,
    );
  }
  throw new ProofRefusal(
    REASONS.PAYMENT_WRONG_ASSET,
    'the transfer is not in an asset this challenge offers (the token contract differs)',
  );
}
