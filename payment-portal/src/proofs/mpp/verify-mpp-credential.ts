import {
  REASONS,
  mppEvmChargeRequestSchema,
  mppSolanaChargeRequestSchema,
  type MppProof,
  type SettleRequest,
  type SettleResponse,
} from '@turnpike/protocol';
import type { PortalContext } from '../../context.js';
import type { ProofsConfig } from '../config.js';
import { ProofRefusal, type ProofContext } from '../context.js';
import type { ProofVerifier } from '../create-proof-verifiers.js';
import type { SettleVerifier } from '../settle-verifiers.js';
import { creditMppHash, creditMppSignature } from './credit-pushed.js';
import { decodeJson, openCredential } from './open-credential.js';
import { settleMppAuthorization } from './settle-authorization.js';

export interface MppVerifierDeps {
  config: ProofsConfig;
  /** The x402 verifier, which settles `authorization` credentials (absent: x402 disabled). */
  x402?: ProofVerifier | undefined;
  /** The Solana transaction verifier, for `signature` credentials. */
  solanaTx?: SettleVerifier | undefined;
}

/**
 * Verifies an MPP credential (`Authorization: Payment`) and credits it through the ledger: first
 * its challenge (the HMAC id over every parameter — for a pushed transfer, the tag of the seal it
 * carries, its echo then compared with that seal —, this host, this resource), then by method and
 * payload type — evm `authorization` (settled as x402 `exact`), evm `hash` and solana `signature`
 * (verified as transaction proofs of the sealed challenge they carry). The receipt is the draft's
 * Payment-Receipt object. Refusals are ProofRefusals with stable reasons.
 */
export async function verifyMppCredential(
  request: SettleRequest & { proof: MppProof },
  ctx: PortalContext,
  pctx: ProofContext,
  deps: MppVerifierDeps,
): Promise<SettleResponse> {
  const opened = openCredential(ctx.sealKeys.mpp, request, request.proof.credential);
  const { challenge, payload } = opened.credential;
  const type = payload.type;
  if (challenge.method === 'evm') {
    const charge = decodeJson(challenge.request, mppEvmChargeRequestSchema);
    if (charge === undefined)
      throw new ProofRefusal(REASONS.MPP_CHALLENGE_INVALID, 'the challenge request is not an evm charge');
    const network = pctx.registry.byChainId(charge.methodDetails.chainId);
    if (network === undefined)
      throw new ProofRefusal(
        REASONS.PAYMENT_CHAIN_UNKNOWN,
        `no network with chain id ${charge.methodDetails.chainId}`,
      );
    if (type === 'authorization')
      return settleMppAuthorization(request, opened, charge, network, pctx, deps.x402);
    if (type === 'hash') return creditMppHash(request, opened, charge, network, pctx, deps.config.tx);
  } else if (challenge.method === 'solana') {
    const charge = decodeJson(challenge.request, mppSolanaChargeRequestSchema);
    if (charge === undefined)
      throw new ProofRefusal(REASONS.MPP_CHALLENGE_INVALID, 'the challenge request is not a solana charge');
    const solanaTx = deps.solanaTx;
    if (type === 'signature')
      return creditMppSignature(
        request,
        opened,
        charge,
        pctx,
        solanaTx === undefined ? undefined : (r) => solanaTx(r, ctx),
      );
  }
  throw new ProofRefusal(
    REASONS.MPP_METHOD_UNSUPPORTED,
    `credential type "${String(type)}" of method "${challenge.method}" is not accepted`,
  );
}
