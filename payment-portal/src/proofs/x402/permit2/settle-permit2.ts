import type { TransactionReceipt } from 'ethers';
import {
  REASONS,
  type Erc20Asset,
  type SettleRequest,
  type SettleResponse,
  type X402Proof,
} from '@turnpike/protocol';
import { findBoundGrant, x402Binding, type Grant } from '../../../ledger/index.js';
import { creditSettlement } from '../credit-settlement.js';
import { TRANSFER_TOPIC, topicAddress } from '../../../watchers/evm/rpc-schemas.js';
import type { ProofsConfig } from '../../config.js';
import { ProofRefusal, type ProofContext } from '../../context.js';
import { readsFor } from '../../evm/chain-reads.js';
import { assertNotCredited, echoedSecret, grantAgainFor, settleOnce } from '../bound-grant.js';
import type { Relayer } from '../relayer.js';
import { checkPermit2, checkPermit2OnChain, permit2NonceHex } from './check-permit2.js';
import { EXACT_PERMIT2_PROXY_ABI, X402_EXACT_PERMIT2_PROXY } from './contracts.js';
import { decodePermit2X402Proof, type DecodedPermit2 } from './decode-permit2.js';

export interface Permit2Deps {
  config: NonNullable<ProofsConfig['x402']>;
  relayer?: Relayer | undefined;
}

/**
 * x402 `exact` on EVM with Permit2 (a token configured `assetTransferMethod: permit2`, one without
 * EIP-3009): the payer approved Permit2 once and signed a witness transfer whose spender is x402's
 * exact Permit2 proxy and whose witness names the portal's x402 address. The portal checks it
 * (check-permit2.ts), has the relayer call the proxy's `settle`, and credits the `Transfer` the
 * token emitted from the payer to the x402 address — once, keyed by (network, tx, log index), bound
 * to the permit and the requester's secret exactly like an EIP-3009 authorization (settle-x402.ts).
 * Relayer mode only: x402's facilitators settle Permit2 too, but this portal settles it itself.
 */
export async function settlePermit2(
  request: SettleRequest & { proof: X402Proof },
  pctx: ProofContext,
  deps: Permit2Deps,
): Promise<SettleResponse> {
  const d = decodePermit2X402Proof(request.proof, pctx.registry);
  const { asset, amount, payTo } = permit2TermsOf(request, d, pctx);
  const a = d.permit2.permit2Authorization;
  checkPermit2(d.permit2, {
    network: d.network,
    asset,
    payTo,
    amount,
    minValiditySeconds: deps.config.minValiditySeconds,
    nowSeconds: Math.floor((pctx.now ?? Date.now)() / 1000),
  });
  const echoed = d.accepted.extra?.['challenge'];
  const secret = echoedSecret(echoed);
  const binding = x402Binding(d.network.name, asset.address, a.from, permit2NonceHex(d.permit2), secret);
  const receiptOf = (tx: string) => ({
    success: true,
    transaction: tx,
    network: d.network.caip2,
    payer: a.from,
  });
  const again = (known: Grant) => grantAgainFor(request, pctx, known, receiptOf(known.payment.tx));
  const known = secret === undefined ? null : await findBoundGrant(pctx.db, binding);
  if (known !== null) return again(known);
  if (deps.config.mode !== 'relayer' || deps.relayer === undefined)
    throw new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'Permit2 payments are settled in relayer mode only');
  const relayer = deps.relayer;
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

  const credit = async (receipt: TransactionReceipt): Promise<Grant> => {
    const log = receipt.logs.find(
      (l) =>
        l.address.toLowerCase() === asset.address.toLowerCase() &&
        l.topics.length === 3 &&
        l.topics[0]?.toLowerCase() === TRANSFER_TOPIC &&
        topicAddress(l.topics[1]!.toLowerCase()) === a.from.toLowerCase() &&
        topicAddress(l.topics[2]!.toLowerCase()) === payTo &&
        BigInt(l.data) >= amount,
    );
    if (log === undefined)
      throw new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'the settlement moved no tokens to this service');
    return creditSettlement(pctx, request, binding, new Date(Number(a.deadline) * 1000), {
      network: d.network.name,
      txHash: receipt.hash.toLowerCase(),
      logIndex: log.index,
      payer: a.from.toLowerCase(),
      payTo,
      asset: asset.address.toLowerCase(),
      amountAtomic: BigInt(log.data),
      blockNumber: BigInt(receipt.blockNumber),
      blockHash: receipt.blockHash.toLowerCase(),
    });
  };

  const settle = async (): Promise<Grant> => {
    await checkPermit2OnChain(d.permit2, reads).catch((err: unknown) => {
      // A spent nonce may be a copy of this permit settling in the lane right now: the lane decides.
      if (err instanceof ProofRefusal && err.code === REASONS.X402_NONCE_USED) return;
      throw err;
    });
    const data = EXACT_PERMIT2_PROXY_ABI.encodeFunctionData('settle', [
      {
        permitted: { token: a.permitted.token, amount: a.permitted.amount },
        nonce: a.nonce,
        deadline: a.deadline,
      },
      a.from,
      { to: a.witness.to, validAfter: a.witness.validAfter },
      d.permit2.signature,
    ]);
    return relayer.submit(d.network, { to: X402_EXACT_PERMIT2_PROXY, data }, deps.config.receiptTimeoutMs, {
      // In the lane: a copy credited meanwhile gets that grant; a nonce spent elsewhere is refused
      // before gas is spent on it.
      beforeSend: async () => {
        await assertNotCredited(pctx, binding);
        await checkPermit2OnChain(d.permit2, reads);
      },
      afterMined: credit,
    });
  };
  return settleOnce(pctx, binding, settle, {
    again,
    receipt: receiptOf,
    // One line per settlement this request ran (copies that joined it do not repeat it).
    failed: (reason) =>
      pctx.events?.settlementFailed({
        network: d.network.name,
        asset: asset.address,
        amountAtomic: amount,
        host: request.host,
        mode: 'relayer',
        reason,
      }),
  });
}

/** The offered Permit2 token the client accepted, at its price, paying the portal's x402 address. */
function permit2TermsOf(
  request: SettleRequest,
  d: DecodedPermit2,
  pctx: ProofContext,
): { asset: Erc20Asset; amount: bigint; payTo: string } {
  const x402 = pctx.payee.x402;
  if (x402 === undefined || !x402.networks.includes(d.network.name))
    throw new ProofRefusal(
      REASONS.PAYMENT_WRONG_NETWORK,
      `x402 payments are not settled on ${d.network.name}`,
    );
  const offer = request.request.offers.find(
    (o) =>
      o.network === d.network.name &&
      o.asset.kind === 'erc20' &&
      o.asset.assetTransferMethod === 'permit2' &&
      o.asset.address.toLowerCase() === d.accepted.asset.toLowerCase(),
  );
  if (offer === undefined)
    throw new ProofRefusal(
      REASONS.PAYMENT_WRONG_ASSET,
      'this resource is offered through Permit2 in no such token',
    );
  if (d.accepted.payTo.toLowerCase() !== x402.payTo)
    throw new ProofRefusal(REASONS.X402_RECIPIENT_MISMATCH, 'the payment is not addressed to this service');
  const amount = BigInt(offer.atomic);
  if (BigInt(d.accepted.amount) !== amount)
    throw new ProofRefusal(REASONS.X402_VALUE_MISMATCH, 'the accepted amount is not the price');
  return { asset: offer.asset as Erc20Asset, amount, payTo: x402.payTo };
}
