import {
  EVM_NATIVE_CURRENCY,
  isProtocolError,
  mppEvmHashPayloadSchema,
  mppSolanaSignaturePayloadSchema,
  openChallenge,
  REASONS,
  type ChallengeClaims,
  type EvmNetwork,
  type MppEvmChargeRequest,
  type MppSolanaChargeRequest,
  type SettleRequest,
  type SettleResponse,
  type TxProof,
} from '@turnpike/protocol';
import { challengeBinding, findBoundGrant, mppChallengeBinding } from '../../ledger/index.js';
import type { ProofsConfig } from '../config.js';
import { ProofRefusal, type ProofContext } from '../context.js';
import { readsFor } from '../evm/chain-reads.js';
import { creditSealedEvm } from '../evm/credit-sealed.js';
import { readMinedTx } from '../evm/read-mined-tx.js';
import { sameTarget } from '../target.js';
import type { OpenedCredential } from './open-credential.js';
import { mppReceipt } from './receipt.js';

/** The sealed API challenge a push credential's `opaque.c` carries, opened and checked. */
function sealedOf(request: SettleRequest, opened: OpenedCredential, challengeKey: Buffer): ChallengeClaims {
  const sealed = opened.opaque.c;
  if (sealed === undefined)
    throw new ProofRefusal(REASONS.MPP_METHOD_UNSUPPORTED, 'this challenge does not take a pushed transfer');
  let claims: ChallengeClaims;
  try {
    claims = openChallenge(challengeKey, sealed);
  } catch (err) {
    if (isProtocolError(err))
      throw new ProofRefusal(REASONS.MPP_CHALLENGE_INVALID, err.detail ?? err.message);
    throw err;
  }
  if (!sameTarget({ host: claims.h, resource: claims.r }, request))
    throw new ProofRefusal(
      REASONS.PAYMENT_CHALLENGE_MISMATCH,
      'the challenge was issued for another resource',
    );
  return claims;
}

/**
 * Refuses `mpp_challenge_invalid` unless the echoed challenge says what its seal says: the realm is
 * the seal's host, `expires` its expiry, and the request's network, asset and amount one of its
 * offers. A push challenge's id is the seal's tag (mppPushChallengeId), not an HMAC of these
 * parameters, so this is what tells an altered echo apart (the transfer is verified against the
 * seal either way).
 */
function checkEchoedSeal(
  opened: OpenedCredential,
  claims: ChallengeClaims,
  offer: { network: string; asset: string; amount: string },
): void {
  const echoed = opened.credential.challenge;
  const offered = claims.o.some((o) => o.n === offer.network && o.a === offer.asset && o.t === offer.amount);
  if (
    echoed.realm.toLowerCase() !== claims.h.toLowerCase() ||
    opened.expiresMs !== claims.exp * 1000 ||
    !offered
  )
    throw new ProofRefusal(
      REASONS.MPP_CHALLENGE_INVALID,
      'the challenge is not the one its sealed challenge describes, or was altered',
    );
}

/**
 * evm `charge` with `type="hash"`: a transfer the payer broadcast to this 402's own receive
 * address, verified exactly as a transaction-hash proof of the same sealed challenge (chain,
 * asset, amount, address, confirmations, freshness) and credited through the ledger under the
 * challenge's MPP binding. The credential is single-use: presented again, it is refused
 * `mpp_credential_used`; the same transfer presented as `x-payment-tx` finds it redeemed.
 */
export async function creditMppHash(
  request: SettleRequest,
  opened: OpenedCredential,
  charge: MppEvmChargeRequest,
  network: EvmNetwork,
  pctx: ProofContext,
  config: ProofsConfig['tx'],
): Promise<SettleResponse> {
  if (!config.enabled || !charge.methodDetails.credentialTypes.includes('hash'))
    throw new ProofRefusal(REASONS.MPP_METHOD_UNSUPPORTED, 'this challenge does not take a transaction hash');
  const payload = mppEvmHashPayloadSchema.safeParse(opened.credential.payload);
  if (!payload.success)
    throw new ProofRefusal(REASONS.MPP_CREDENTIAL_MALFORMED, 'the payload is not a transaction hash');
  const claims = sealedOf(request, opened, pctx.challengeKey);
  checkEchoedSeal(opened, claims, {
    network: network.name,
    asset: charge.currency === EVM_NATIVE_CURRENCY ? 'native' : charge.currency.toLowerCase(),
    amount: charge.amount,
  });
  if (claims.p === undefined || claims.p !== charge.recipient.toLowerCase())
    throw new ProofRefusal(REASONS.MPP_CREDENTIAL_MISMATCH, "the request's recipient is not the challenge's");
  const binding = mppChallengeBinding(claims.id);
  if ((await findBoundGrant(pctx.db, binding)) !== null)
    throw new ProofRefusal(REASONS.MPP_CREDENTIAL_USED, 'this credential was already used');
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
  const txHash = payload.data.hash.toLowerCase();
  const mined = await readMinedTx(reads, txHash, network, config.networks[network.name] ?? {});
  const answer = await creditSealedEvm(request, network, pctx, {
    claims,
    binding,
    txHash,
    mined,
    reads,
    config,
  });
  if (!answer.ok) return answer;
  return {
    ...answer,
    receipt: mppReceipt(opened.credential.challenge.id, 'evm', txHash, pctx, network.chainId),
  };
}

/**
 * solana `charge` with `type="signature"` (push mode): the Solana verifier checks the transfer
 * against the sealed challenge whose reference key the request names (the transfer must carry it),
 * as for `x-payment-tx`. Presented again with its challenge already credited, it is refused.
 */
export async function creditMppSignature(
  request: SettleRequest,
  opened: OpenedCredential,
  charge: MppSolanaChargeRequest,
  pctx: ProofContext,
  /** The Solana transaction verifier, on this request's portal context. */
  solanaTx: ((request: SettleRequest) => Promise<SettleResponse>) | undefined,
): Promise<SettleResponse> {
  if (solanaTx === undefined)
    throw new ProofRefusal(REASONS.MPP_METHOD_UNSUPPORTED, 'Solana transfers are not verified here');
  const payload = mppSolanaSignaturePayloadSchema.safeParse(opened.credential.payload);
  if (!payload.success)
    throw new ProofRefusal(REASONS.MPP_CREDENTIAL_MALFORMED, 'the payload is not a transaction signature');
  const claims = sealedOf(request, opened, pctx.challengeKey);
  if (claims.k === undefined || claims.k !== charge.methodDetails.reference)
    throw new ProofRefusal(REASONS.MPP_CREDENTIAL_MISMATCH, "the request's reference is not the challenge's");
  const network = claims.o.map((o) => pctx.registry.get(o.n)).find((n) => n?.kind === 'solana');
  if (network === undefined)
    throw new ProofRefusal(REASONS.PAYMENT_WRONG_NETWORK, 'this challenge is not payable on Solana');
  checkEchoedSeal(opened, claims, {
    network: network.name,
    asset: charge.currency === 'sol' ? 'native' : charge.currency,
    amount: charge.amount,
  });
  if ((await findBoundGrant(pctx.db, challengeBinding(claims.id))) !== null)
    throw new ProofRefusal(REASONS.MPP_CREDENTIAL_USED, 'this credential was already used');
  const proof: TxProof = {
    type: 'tx',
    network: network.name,
    tx: payload.data.signature,
    challenge: opened.opaque.c,
  };
  const answer = await solanaTx({ ...request, proof });
  if (!answer.ok) return answer;
  return {
    ...answer,
    receipt: mppReceipt(opened.credential.challenge.id, 'solana', payload.data.signature, pctx),
  };
}
