import {
  REASONS,
  type Erc20Asset,
  type SettleRequest,
  type SettleResponse,
  type X402Proof,
} from '@turnpike/protocol';
import { ProofRefusal, type ProofContext } from '../context.js';
import { creditInvoice } from '../credit.js';
import type { ProofsConfig } from '../config.js';
import { readsFor, type EvmReads, type ReceiptLog } from '../evm/chain-reads.js';
import { findOffersByPayTo, type OfferMatch } from '../find-offers.js';
import { sameTarget } from '../target.js';
import { TRANSFER_TOPIC, topicAddress } from '../../watchers/evm/rpc-schemas.js';
import { checkAuthorization, checkAuthorizationOnChain, checkTokenDomain } from './authorization.js';
import { decodeX402Proof, type DecodedX402 } from './decode.js';
import { facilitatorReason, type FacilitatorClient } from './facilitator-client.js';
import type { Relayer } from './relayer.js';
import { offerAsset, requirementFor } from './requirements.js';

export interface X402Deps {
  config: NonNullable<ProofsConfig['x402']>;
  relayer?: Relayer | undefined;
  facilitator?: FacilitatorClient | undefined;
}

/**
 * Verifies an x402 `exact` payment (EIP-3009 on EVM, v1 or v2) against the challenge's invoice,
 * settles it — through the relayer or a facilitator — and credits the settlement once, keyed by
 * (network, settlement tx, Transfer log index). Returns the token and the x402 receipt.
 */
export async function settleX402(
  request: SettleRequest & { proof: X402Proof },
  pctx: ProofContext,
  deps: X402Deps,
): Promise<SettleResponse> {
  const d = decodeX402Proof(request.proof, pctx.registry);
  if (!request.request.offers.some((o) => o.network === d.network.name)) {
    throw new ProofRefusal(
      REASONS.PAYMENT_WRONG_NETWORK,
      `this resource is not offered on ${d.network.name}`,
    );
  }
  const auth = d.exact.authorization;
  const payTo = (d.accepted?.payTo ?? auth.to).toLowerCase();
  const offer = (await findOffersByPayTo(pctx.db, d.network.name, [payTo])).find((o) =>
    sameTarget(o, request),
  );
  if (offer === undefined)
    throw new ProofRefusal(REASONS.X402_RECIPIENT_MISMATCH, 'the payment is not addressed to this challenge');
  const asset = offerAsset(d.network, offer);
  if (
    asset === undefined ||
    (d.accepted !== undefined && d.accepted.asset.toLowerCase() !== asset.address.toLowerCase())
  ) {
    throw new ProofRefusal(REASONS.PAYMENT_WRONG_ASSET, 'x402 pays this challenge only in its ERC-20 offer');
  }
  if (d.accepted !== undefined && BigInt(d.accepted.amount) !== offer.amountAtomic) {
    throw new ProofRefusal(REASONS.X402_VALUE_MISMATCH, 'the accepted amount is not the price');
  }
  const nowMs = (pctx.now ?? Date.now)();
  if (offer.status === 'expired' || offer.expiresAt.getTime() <= nowMs)
    throw new ProofRefusal(REASONS.PAYMENT_EXPIRED, 'the challenge has expired');
  // Settling would move the payer's money a second time for the same access.
  if (offer.status === 'paid' || offer.status === 'redeemed')
    throw new ProofRefusal(REASONS.PAYMENT_ALREADY_REDEEMED, 'this challenge is already paid');
  const reads = readsFor(
    pctx.rpcUrls,
    d.network.name,
    pctx.rpcUrls.get(d.network.name),
    pctx.rpcTimeoutMs(d.network.name),
  );
  if (!reads)
    throw new ProofRefusal(
      REASONS.PAYMENT_CHAIN_UNKNOWN,
      `this portal has no RPC endpoint for ${d.network.name}`,
    );
  await checkTokenDomain(d.network, asset, reads).catch((err: unknown) => {
    if (err instanceof ProofRefusal)
      pctx.logger.error({ network: d.network.name, asset: asset.address }, err.message);
    throw err;
  });

  checkAuthorization(d.exact, {
    network: d.network,
    asset,
    payTo: offer.payTo,
    amount: offer.amountAtomic,
    exactValue: d.version === 2,
    minValiditySeconds: deps.config.minValiditySeconds,
    nowSeconds: Math.floor(nowMs / 1000),
  });
  const credit = async (settled: Settled) => {
    const log = transferLog(settled.logs, asset, offer, auth.from);
    if (log === undefined)
      throw new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'the settlement moved no tokens to this challenge');
    const issued = await creditInvoice(pctx, {
      invoiceId: offer.invoiceId,
      network: d.network.name,
      txHash: settled.txHash,
      logIndex: Number(log.logIndex),
      payer: auth.from.toLowerCase(),
      asset: asset.address.toLowerCase(),
      amountAtomic: BigInt(log.data),
      blockNumber: settled.blockNumber,
      blockHash: settled.blockHash,
      status: 'settled',
    }).catch((err: unknown) => {
      pctx.logger.error(
        { network: d.network.name, tx: settled.txHash, invoice: offer.invoiceId },
        'x402 settled on chain but not credited',
      );
      throw err;
    });
    return { ...issued, txHash: settled.txHash };
  };
  const { token, claims, txHash } =
    deps.config.mode === 'facilitator'
      ? await credit(await settleThroughFacilitator(request, d, offer, asset, reads, deps))
      : await settleThroughRelayer(d, asset, reads, deps, {
          // Inside the relayer's lane: a second authorization for the same challenge, settled
          // meanwhile, must not charge the payer twice.
          beforeSend: () => assertStillOpen(pctx, offer.invoiceId),
          afterMined: (receipt) => credit(receipt),
        });
  const receipt = {
    success: true,
    transaction: txHash,
    network: d.version === 2 ? d.network.caip2 : (d.network.x402V1Name ?? d.network.name),
    payer: auth.from,
  };
  return { ok: true, token, claims: claims as Record<string, unknown>, receipt };
}

interface Settled {
  txHash: string;
  blockNumber: bigint;
  blockHash: string;
  logs: ReadonlyArray<Pick<ReceiptLog, 'address' | 'topics' | 'data' | 'logIndex'>>;
}

async function settleThroughRelayer<T>(
  d: DecodedX402,
  asset: Erc20Asset,
  reads: EvmReads,
  deps: X402Deps,
  hooks: { beforeSend: () => Promise<void>; afterMined: (settled: Settled) => Promise<T> },
): Promise<T> {
  if (!deps.relayer) throw new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'no relayer is configured');
  await checkAuthorizationOnChain(d.exact, asset, reads);
  return deps.relayer.settle(d.network, asset, d.exact, deps.config.receiptTimeoutMs, {
    beforeSend: hooks.beforeSend,
    afterMined: (r) =>
      hooks.afterMined({
        txHash: r.hash.toLowerCase(),
        blockNumber: BigInt(r.blockNumber),
        blockHash: r.blockHash.toLowerCase(),
        logs: r.logs.map((l) => ({
          address: l.address.toLowerCase(),
          topics: l.topics.map((t) => t.toLowerCase()),
          data: l.data,
          logIndex: BigInt(l.index),
        })),
      }),
  });
}

async function assertStillOpen(pctx: ProofContext, invoiceId: string): Promise<void> {
  const r = await pctx.db.query<{ status: string }>('SELECT status FROM invoices WHERE id = $1', [invoiceId]);
  const status = r.rows[0]?.status;
  if (status === 'paid' || status === 'redeemed')
    throw new ProofRefusal(REASONS.PAYMENT_ALREADY_REDEEMED, 'this challenge is already paid');
}

async function settleThroughFacilitator(
  request: SettleRequest,
  d: DecodedX402,
  offer: OfferMatch,
  asset: Erc20Asset,
  reads: EvmReads,
  deps: X402Deps,
): Promise<Settled> {
  if (!deps.facilitator)
    throw new ProofRefusal(REASONS.FACILITATOR_UNAVAILABLE, 'no facilitator is configured');
  const body = {
    x402Version: d.version,
    paymentPayload: d.raw,
    paymentRequirements: requirementFor(d.version, offer, d.network, asset, request),
  };
  const verified = await deps.facilitator.verify(body);
  if (!verified.isValid)
    throw new ProofRefusal(
      facilitatorReason(verified.invalidReason, REASONS.X402_PAYLOAD_INVALID),
      verified.invalidMessage ?? 'the facilitator refused the payment',
    );
  const settled = await deps.facilitator.settle(body);
  if (!settled.success)
    throw new ProofRefusal(
      facilitatorReason(settled.errorReason, REASONS.X402_SETTLE_FAILED),
      settled.errorMessage ?? 'the facilitator could not settle',
    );
  if (!/^0x[0-9a-fA-F]{64}$/.test(settled.transaction))
    throw new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'the facilitator returned no transaction hash');
  // Trust the chain, not the facilitator's word: the receipt must show the transfer.
  const receipt = await waitForReceipt(
    reads,
    settled.transaction.toLowerCase(),
    deps.config.receiptTimeoutMs,
  );
  if (receipt.status !== '0x1')
    throw new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'the settlement transaction reverted');
  return {
    txHash: receipt.transactionHash,
    blockNumber: receipt.blockNumber,
    blockHash: receipt.blockHash,
    logs: receipt.logs,
  };
}

async function waitForReceipt(reads: EvmReads, hash: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await reads.receipt(hash);
    if (r !== null) return r;
    if (Date.now() > deadline)
      throw new ProofRefusal(
        REASONS.X402_SETTLE_FAILED,
        'the settlement transaction was not found on chain in time',
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The Transfer event the token contract itself emitted from the payer to the invoice address. */
function transferLog(logs: Settled['logs'], asset: Erc20Asset, offer: OfferMatch, from: string) {
  return logs.find(
    (l) =>
      l.address === asset.address.toLowerCase() &&
      l.topics.length === 3 &&
      l.topics[0] === TRANSFER_TOPIC &&
      topicAddress(l.topics[1] as string) === from.toLowerCase() &&
      topicAddress(l.topics[2] as string) === offer.payTo &&
      BigInt(l.data) >= offer.amountAtomic,
  );
}
