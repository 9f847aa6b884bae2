import {
  REASONS,
  type Erc20Asset,
  type SettleRequest,
  type SettleResponse,
  type X402Proof,
} from '@turnpike/protocol';
import { findBoundGrant, x402Binding, type Grant } from '../../ledger/index.js';
import { creditSettlement } from './credit-settlement.js';
import type { ProofsConfig } from '../config.js';
import { ProofRefusal, type ProofContext } from '../context.js';
import { readsFor, type EvmReads, type ReceiptLog } from '../evm/chain-reads.js';
import { assertNotCredited, echoedSecret, grantAgainFor, settleOnce } from './bound-grant.js';
import { TRANSFER_TOPIC, topicAddress } from '../../watchers/evm/rpc-schemas.js';
import { checkAuthorizationOnChain, checkTokenDomain } from './authorization.js';
import { decodeX402Proof, type DecodedX402 } from './decode.js';
import { facilitatorReason, type FacilitatorClient } from './facilitator-client.js';
import { isRevertRefusal, type Relayer } from './relayer.js';
import { requirementFor } from './requirements.js';
import { x402TermsOf, type X402Terms } from './x402-terms.js';

export interface X402Deps {
  config: NonNullable<ProofsConfig['x402']>;
  relayer?: Relayer | undefined;
  facilitator?: FacilitatorClient | undefined;
}

/**
 * Verifies an x402 `exact` payment (EIP-3009 on EVM, v1 or v2) against the resource's price and
 * the portal's x402 address, settles it — through the relayer or a facilitator — and credits the
 * settlement once, keyed by (network, settlement tx, Transfer log index). The binding is the
 * authorization with the secret its 402 handed the requester (v2 `accepted.extra.challenge`):
 * presenting the same payment again with that secret — for the same resource — returns the grant
 * it bought instead of settling twice (copies arriving while it settles wait for it). Someone who
 * rebuilt the payload from the settlement on chain lacks the secret and gets nothing. Returns the
 * token and the x402 receipt.
 */
export async function settleX402(
  request: SettleRequest & { proof: X402Proof },
  pctx: ProofContext,
  deps: X402Deps,
): Promise<SettleResponse> {
  const d = decodeX402Proof(request.proof, pctx.registry);
  const terms = x402TermsOf(request, d, pctx, deps.config.minValiditySeconds);
  const auth = d.exact.authorization;
  // The secret the 402 gave the requester, as its v2 client echoes it (`accepted.extra.challenge`).
  const secret = echoedSecret(d.accepted?.extra?.challenge);
  const binding = x402Binding(d.network.name, terms.asset.address, auth.from, auth.nonce, secret);
  const receiptOf = (tx: string) => ({
    success: true,
    transaction: tx,
    network: d.version === 2 ? d.network.caip2 : (d.network.x402V1Name ?? d.network.name),
    payer: auth.from,
  });
  const again = (known: Grant) => grantAgainFor(request, pctx, known, receiptOf(known.payment.tx));
  const known = secret === undefined ? null : await findBoundGrant(pctx.db, binding);
  if (known !== null) return again(known);

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
  await checkTokenDomain(d.network, terms.asset, reads).catch((err: unknown) => {
    if (err instanceof ProofRefusal)
      pctx.logger.error({ network: d.network.name, asset: terms.asset.address }, err.message);
    throw err;
  });

  const credit = async (settled: Settled): Promise<Grant> => {
    const log = transferLog(settled.logs, terms, auth.from);
    if (log === undefined)
      throw new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'the settlement moved no tokens to this service');
    return creditSettlement(pctx, request, binding, new Date(Number(auth.validBefore) * 1000), {
      network: d.network.name,
      txHash: settled.txHash,
      logIndex: Number(log.logIndex),
      payer: auth.from.toLowerCase(),
      payTo: terms.payTo,
      asset: terms.asset.address.toLowerCase(),
      amountAtomic: BigInt(log.data),
      blockNumber: settled.blockNumber,
      blockHash: settled.blockHash,
    });
  };
  // A copy of an authorization this process is settling waits for that settlement and gets its
  // grant (a second /settle or lane turn would only find the nonce spent).
  return settleOnce(
    pctx,
    binding,
    () =>
      deps.config.mode === 'facilitator'
        ? settleThroughFacilitator(request, d, { ...terms, secret }, reads, deps).then(credit)
        : settleThroughRelayer(d, terms.asset, reads, deps, {
            // Before its turn in the relayer's lane: the same authorization, credited by another request
            // meanwhile, must not be sent (it would fail on chain, its nonce spent) — its grant is
            // the answer.
            beforeSend: () => assertNotCredited(pctx, binding),
            afterMined: credit,
          }),
    {
      again,
      receipt: receiptOf,
      // One line per settlement this request ran (copies that joined it do not repeat it).
      failed: (reason) =>
        pctx.events?.settlementFailed({
          network: d.network.name,
          asset: terms.asset.address,
          amountAtomic: BigInt(auth.value),
          host: request.host,
          mode: deps.config.mode,
          reason,
        }),
    },
  );
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
  // No separate chain check before the lane: the lane simulates the call (eth_estimateGas), and
  // USDC's revert strings name the reason (relayer.ts revertRefusal). Only a revert it cannot name
  // is looked at again (authorizationState ∥ balanceOf) for the precise reason.
  return settleInLane(d, asset, deps.relayer, deps.config.receiptTimeoutMs, hooks).catch(
    async (err: unknown) => {
      if (err instanceof ProofRefusal && err.code === REASONS.X402_SETTLE_FAILED && isRevertRefusal(err))
        await checkAuthorizationOnChain(d.exact, asset, reads);
      throw err;
    },
  );
}

function settleInLane<T>(
  d: DecodedX402,
  asset: Erc20Asset,
  relayer: Relayer,
  receiptTimeoutMs: number,
  hooks: { beforeSend: () => Promise<void>; afterMined: (settled: Settled) => Promise<T> },
): Promise<T> {
  return relayer.settle(d.network, asset, d.exact, receiptTimeoutMs, {
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

async function settleThroughFacilitator(
  request: SettleRequest,
  d: DecodedX402,
  terms: X402Terms & { secret: string | undefined },
  reads: EvmReads,
  deps: X402Deps,
): Promise<Settled> {
  if (!deps.facilitator)
    throw new ProofRefusal(REASONS.FACILITATOR_UNAVAILABLE, 'no facilitator is configured');
  const body = {
    x402Version: d.version,
    paymentPayload: d.raw,
    paymentRequirements: requirementFor(d.version, terms, d.network, terms.asset, request),
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

/** The Transfer event the token contract itself emitted from the payer to the x402 address. */
function transferLog(logs: Settled['logs'], terms: X402Terms, from: string) {
  return logs.find(
    (l) =>
      l.address === terms.asset.address.toLowerCase() &&
      l.topics.length === 3 &&
      l.topics[0] === TRANSFER_TOPIC &&
      topicAddress(l.topics[1] as string) === from.toLowerCase() &&
      topicAddress(l.topics[2] as string) === terms.payTo &&
      BigInt(l.data) >= terms.amount,
  );
}
