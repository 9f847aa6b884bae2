import {
  REASONS,
  type EvmNetwork,
  type PriceOfferWire,
  type SettleRequest,
  type SettleResponse,
} from '@turnpike/protocol';
import { creditProof, creditSubjectOf, findBoundGrant, unboundTxBinding } from '../../ledger/index.js';
import { ProofRefusal, type ProofContext } from '../context.js';
import { grantAgain, grantResponse } from '../grant-response.js';
import type { TxReceipt } from './chain-reads.js';
import type { ObservedPayment } from './transfers.js';

/** A request offer with the owner's fixed wallet that one of the transaction's payments goes to. */
export function fixedWalletOffer(
  request: SettleRequest,
  network: EvmNetwork,
  payments: readonly ObservedPayment[],
): PriceOfferWire | undefined {
  return request.request.offers.find(
    (o) =>
      o.network === network.name &&
      o.address !== undefined &&
      payments.some((p) => p.to === o.address?.toLowerCase()),
  );
}

function offerAsset(offer: PriceOfferWire): string {
  return offer.asset.kind === 'erc20' ? offer.asset.address.toLowerCase() : 'native';
}

/**
 * Credits a payment to an owner's fixed wallet (a request offer with `address`; reached only when
 * the resource accepts unbound proofs): nothing binds it to a requester, so whoever presents the
 * hash first gets the grant, and presenting it again returns that grant. Bounded by the maximum
 * transaction age; credited once by its (network, tx, log index).
 */
export async function creditUnbound(
  pctx: ProofContext,
  request: SettleRequest,
  network: EvmNetwork,
  input: {
    txHash: string;
    receipt: TxReceipt;
    block: { timestamp: bigint };
    payments: readonly ObservedPayment[];
    fixed: PriceOfferWire;
    maxAgeSeconds: number;
  },
): Promise<SettleResponse> {
  const { fixed } = input;
  const to = (fixed.address as string).toLowerCase();
  const toWallet = input.payments.filter((p) => p.to === to);
  const matching = toWallet.filter((p) => p.asset === offerAsset(fixed));
  if (matching.length === 0)
    throw new ProofRefusal(
      REASONS.PAYMENT_WRONG_ASSET,
      `the transfer is not ${fixed.asset.symbol} (the token contract differs)`,
    );
  const paid = matching.reduce((s, p) => s + p.amount, 0n);
  const amount = BigInt(fixed.atomic);
  if (paid < amount)
    throw new ProofRefusal(
      REASONS.PAYMENT_UNDERPAID,
      `paid ${paid} of ${amount} atomic units; ${amount - paid} left`,
    );
  const nowMs = (pctx.now ?? Date.now)();
  if (nowMs - Number(input.block.timestamp) * 1000 > input.maxAgeSeconds * 1000) {
    throw new ProofRefusal(REASONS.PAYMENT_TOO_OLD, `the transaction is older than ${input.maxAgeSeconds} s`);
  }
  const first = matching.reduce((a, b) => (b.logIndex < a.logIndex ? b : a));
  const binding = unboundTxBinding(network.name, input.txHash);
  const result = await creditProof(
    pctx.db,
    {
      binding,
      ...creditSubjectOf(request),
      ...(pctx.siteId === undefined ? {} : { siteId: pctx.siteId }),
      payableUntil: new Date(nowMs),
      payment: {
        network: network.name,
        txHash: input.txHash,
        logIndex: first.logIndex,
        payer: first.from,
        payTo: to,
        asset: offerAsset(fixed),
        amountAtomic: paid,
        blockNumber: input.receipt.blockNumber,
        blockHash: input.receipt.blockHash,
        status: 'redeemed',
      },
    },
    (credited) => pctx.events?.paymentsCredited([{ ...credited, dialect: 'tx' }]),
  );
  if (result.ok) return grantResponse(pctx, result.grant);
  if (result.reason === 'binding_taken') {
    const known = await findBoundGrant(pctx.db, binding);
    if (known !== null) return grantAgain(pctx, known, { network: network.name, tx: input.txHash });
  }
  throw new ProofRefusal(REASONS.PAYMENT_ALREADY_REDEEMED, 'this payment has already been redeemed');
}
