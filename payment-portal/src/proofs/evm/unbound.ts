import { randomUUID } from 'node:crypto';
import {
  normalizePath,
  REASONS,
  type EvmNetwork,
  type PriceOfferWire,
  type SettleRequest,
  type SettleResponse,
} from '@turnpike/protocol';
import { redeemPayment } from '../../storage/index.js';
import { issueToken } from '../../tokens/issue-token.js';
import { ProofRefusal, type ProofContext } from '../context.js';
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
 * Credits a payment to an owner's fixed wallet (only with `allowUnboundProofs`): no invoice
 * binds it, so it is bounded by the maximum transaction age and credited once by its
 * (network, tx, log index); the token carries the request's own claims and lifetime.
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
  const redeemed = await redeemPayment(pctx.db, {
    network: network.name,
    txHash: input.txHash,
    logIndex: first.logIndex,
    invoiceId: null,
    payer: first.from,
    asset: offerAsset(fixed),
    amountAtomic: paid,
    blockNumber: input.receipt.blockNumber,
    blockHash: input.receipt.blockHash,
  });
  if (!redeemed.ok)
    throw new ProofRefusal(REASONS.PAYMENT_ALREADY_REDEEMED, 'this payment has already been redeemed');
  const issuedAt = new Date(nowMs);
  const { token, claims } = await issueToken(pctx.keys, {
    issuer: pctx.issuer,
    host: request.host,
    resource: normalizePath(request.resource).path,
    claims: request.request.claims,
    issuedAt,
    expiresAt: new Date(nowMs + request.request.tokenLifetimeMs),
    jti: randomUUID(),
    payer: first.from,
    payment: { network: network.name, tx: input.txHash },
  });
  pctx.onTokenIssued?.();
  return { ok: true, token, claims: claims as Record<string, unknown> };
}
