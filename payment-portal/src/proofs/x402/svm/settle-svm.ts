import { getBase58Decoder, getBase64Decoder, getTransactionEncoder, type Address } from '@solana/kit';
import {
  REASONS,
  x402SvmMemo,
  type SettleRequest,
  type SettleResponse,
  type SplAsset,
  type X402Proof,
} from '@turnpike/protocol';
import { findBoundGrant, x402Binding, type Grant } from '../../../ledger/index.js';
import { creditSettlement } from '../credit-settlement.js';
import type { ProofsConfig } from '../../config.js';
import { ProofRefusal, type ProofContext } from '../../context.js';
import { echoedSecret, grantAgainFor, settleOnce } from '../bound-grant.js';
import { readSolanaPayment } from '../../solana/read-payment.js';
import type { SolanaRpcClient } from '../../solana/rpc.js';
import { parseSolanaTx } from '../../solana/tx-schema.js';
import { X402_MAX_TIMEOUT_SECONDS } from '../requirements.js';
import { checkSvmTransfer } from './check-transaction.js';
import { decodeSvmX402Proof, type DecodedSvmX402 } from './decode-svm.js';
import type { SolanaFeePayer } from './fee-payer.js';
import { submitAndConfirm } from './submit.js';
import type { SvmSubmitRpc } from './svm-rpc.js';

export type X402SolanaConfig = NonNullable<NonNullable<ProofsConfig['x402']>['solana']>;

export interface SvmX402Deps {
  config: X402SolanaConfig;
  feePayer: SolanaFeePayer;
  /** The RPC of a Solana network (reads through the verifier's client, sends through `submit`). */
  rpcFor(network: string): { reads: SolanaRpcClient; submit: SvmSubmitRpc } | undefined;
}

/**
 * x402 `exact` on Solana. The payer sends a transfer signed by them with the portal's fee payer
 * left to sign; the portal checks it strictly (check-transaction.ts), co-signs, submits, waits for
 * the network's commitment, reads the landed transaction's balances, and credits it through the
 * ledger — keyed by (network, signature, 0), the same key a transaction-hash proof of it uses, so
 * one payment is one credit whichever way it is presented. The binding: the transaction's Memo is
 * the digest of the secret this requester's 402 carried (`extra.memo` of `extra.challenge`), so
 * only a presentation with that secret is credited — a copy read off the chain carries no secret
 * that hashes to it. The same payment presented again with its secret gets its grant back.
 */
export async function settleX402Svm(
  request: SettleRequest & { proof: X402Proof },
  pctx: ProofContext,
  deps: SvmX402Deps,
): Promise<SettleResponse> {
  const d = decodeSvmX402Proof(request.proof, pctx.registry);
  const { asset, amount, payTo, secret } = svmTermsOf(request, d, pctx, deps);
  const checked = await checkSvmTransfer(d.transaction, {
    feePayer: deps.feePayer.address,
    mint: asset.mint,
    payTo,
    amount,
    decimals: asset.decimals,
    maxComputeUnitPriceMicroLamports: BigInt(deps.config.maxComputeUnitPriceMicroLamports),
    maxComputeUnitLimit: deps.config.maxComputeUnitLimit,
    memo: x402SvmMemo(secret),
  });
  const binding = x402Binding(
    d.network.name,
    asset.mint,
    checked.payer,
    Buffer.from(checked.payerSignature).toString('hex'),
    secret,
  );
  const receiptOf = (tx: string) => ({
    success: true,
    transaction: tx,
    network: d.network.caip2,
    payer: checked.payer,
  });
  const again = (known: Grant) => grantAgainFor(request, pctx, known, receiptOf(known.payment.tx));
  const known = await findBoundGrant(pctx.db, binding);
  if (known !== null) return again(known);
  const rpc = deps.rpcFor(d.network.name);
  if (rpc === undefined)
    throw new ProofRefusal(
      REASONS.PAYMENT_CHAIN_UNKNOWN,
      `this portal has no RPC endpoint for ${d.network.name}`,
    );

  const settle = async (): Promise<Grant> => {
    // The fee payer's signature is deterministic (Ed25519): the same message always gives the same
    // transaction signature, so a retry finds the transaction it already sent.
    const feePayerSignature = deps.feePayer.sign(checked.transaction.messageBytes as unknown as Uint8Array);
    const signature = getBase58Decoder().decode(feePayerSignature);
    const wire = getBase64Decoder().decode(
      getTransactionEncoder().encode({
        messageBytes: checked.transaction.messageBytes,
        signatures: {
          ...checked.transaction.signatures,
          [deps.feePayer.address as Address]: feePayerSignature,
        },
      } as Parameters<ReturnType<typeof getTransactionEncoder>['encode']>[0]),
    );
    await submitAndConfirm(rpc, {
      wire,
      signature,
      commitment: d.network.commitment,
      timeoutMs: deps.config.confirmTimeoutMs,
      logger: pctx.logger,
    });
    // Trust the landed transaction's balances, not the instruction data alone.
    const landed = parseSolanaTx(await rpc.reads.getTransaction(signature, d.network.commitment), signature);
    if (landed === null)
      throw new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'the settled transaction could not be read back', {
        retryAfterSeconds: 2,
      });
    const paid = readSolanaPayment(landed, { payTo, assetKind: 'spl', mint: asset.mint });
    if (!paid.ok || paid.amount < amount)
      throw new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'the settlement moved no tokens to this service');
    const payableUntil = new Date((pctx.now ?? Date.now)() + X402_MAX_TIMEOUT_SECONDS * 1000);
    return creditSettlement(pctx, request, binding, payableUntil, {
      network: d.network.name,
      txHash: signature,
      logIndex: 0,
      payer: checked.payer,
      payTo,
      asset: asset.mint,
      amountAtomic: paid.amount,
      blockNumber: landed.slot,
      blockHash: null,
    });
  };

  // A copy of a payment this process is settling waits for that settlement and gets its grant.
  return settleOnce(pctx, binding, settle, {
    again,
    receipt: receiptOf,
    // One line per settlement this request ran (copies that joined it do not repeat it).
    failed: (reason) =>
      pctx.events?.settlementFailed({
        network: d.network.name,
        asset: asset.mint,
        amountAtomic: amount,
        host: request.host,
        // The portal submits the transaction itself, as the EVM relayer does.
        mode: 'relayer',
        reason,
      }),
  });
}

/**
 * The resource's Solana terms the payment must meet, from the portal's own configuration: an SPL
 * offer of the resource on this network in the mint the client accepted, paying the owner's wallet,
 * at the price, with this portal's fee payer and the requester's secret echoed.
 */
function svmTermsOf(
  request: SettleRequest,
  d: DecodedSvmX402,
  pctx: ProofContext,
  deps: SvmX402Deps,
): { asset: SplAsset; amount: bigint; payTo: string; secret: string } {
  const wallet = pctx.payee.solana?.wallet;
  if (wallet === undefined || !(pctx.payee.x402Svm?.networks ?? []).includes(d.network.name))
    throw new ProofRefusal(
      REASONS.PAYMENT_WRONG_NETWORK,
      `x402 payments are not settled on ${d.network.name}`,
    );
  const offered = request.request.offers.filter(
    (o) => o.network === d.network.name && o.asset.kind === 'spl',
  );
  if (offered.length === 0)
    throw new ProofRefusal(
      REASONS.PAYMENT_WRONG_NETWORK,
      `this resource is not offered in a token on ${d.network.name}`,
    );
  const offer = offered.find((o) => (o.asset as SplAsset).mint === d.accepted.asset);
  if (offer === undefined)
    throw new ProofRefusal(REASONS.PAYMENT_WRONG_ASSET, 'x402 pays this resource only in its offered tokens');
  if (d.accepted.payTo !== wallet)
    throw new ProofRefusal(REASONS.X402_RECIPIENT_MISMATCH, 'the payment is not addressed to this service');
  const amount = BigInt(offer.atomic);
  if (BigInt(d.accepted.amount) !== amount)
    throw new ProofRefusal(REASONS.X402_VALUE_MISMATCH, 'the accepted amount is not the price');
  if (d.accepted.extra?.['feePayer'] !== deps.feePayer.address)
    throw new ProofRefusal(
      REASONS.X402_SVM_FEE_PAYER_MISUSED,
      "the accepted fee payer is not this service's",
    );
  const secret = echoedSecret(d.accepted.extra?.['challenge']);
  if (secret === undefined)
    throw new ProofRefusal(
      REASONS.PAYMENT_UNBOUND,
      'x402 on Solana needs the `extra.challenge` of the 402 echoed in `accepted`',
    );
  return { asset: offer.asset as SplAsset, amount, payTo: wallet, secret };
}
