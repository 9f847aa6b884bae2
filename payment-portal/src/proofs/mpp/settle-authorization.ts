import { keccak256, toUtf8Bytes } from 'ethers';
import {
  REASONS,
  mppEvmAuthorizationPayloadSchema,
  type EvmNetwork,
  type MppEvmChargeRequest,
  type SettleRequest,
  type SettleResponse,
  type X402Proof,
} from '@turnpike/protocol';
import { ProofRefusal, type ProofContext } from '../context.js';
import type { ProofVerifier } from '../create-proof-verifiers.js';
import type { OpenedCredential } from './open-credential.js';
import { mppReceipt } from './receipt.js';

/**
 * evm `charge` with `type="authorization"`: an EIP-3009 `transferWithAuthorization` to the
 * portal's x402 address, whose nonce must be the challenge hash keccak256(id ‖ realm) (the evm
 * method's binding). It is settled by the x402 path as it is — relayer or facilitator, the same
 * checks of payee, price, validity and signature, the same ledger entry (the settlement's Transfer
 * log) — so an authorization presented once as x402 and once as MPP is credited once. No x402
 * secret goes with it: presenting the credential again finds its nonce spent on chain and is
 * refused, as the draft wants of a used credential.
 */
export async function settleMppAuthorization(
  request: SettleRequest,
  opened: OpenedCredential,
  charge: MppEvmChargeRequest,
  network: EvmNetwork,
  pctx: ProofContext,
  x402: ProofVerifier | undefined,
): Promise<SettleResponse> {
  const { challenge, payload } = opened.credential;
  if (!charge.methodDetails.credentialTypes.includes('authorization'))
    throw new ProofRefusal(REASONS.MPP_METHOD_UNSUPPORTED, 'this challenge does not take an authorization');
  if (x402 === undefined)
    throw new ProofRefusal(REASONS.MPP_METHOD_UNSUPPORTED, 'authorizations are not settled here');
  if ((pctx.now ?? Date.now)() > opened.expiresMs)
    throw new ProofRefusal(REASONS.MPP_CHALLENGE_EXPIRED, 'the challenge has expired');
  const parsed = mppEvmAuthorizationPayloadSchema.safeParse(payload);
  if (!parsed.success)
    throw new ProofRefusal(REASONS.MPP_CREDENTIAL_MALFORMED, 'the payload is not an EIP-3009 authorization');
  const a = parsed.data;
  if (a.nonce.toLowerCase() !== keccak256(toUtf8Bytes(`${challenge.id}${challenge.realm}`)))
    throw new ProofRefusal(REASONS.MPP_CREDENTIAL_MISMATCH, 'the nonce is not the challenge hash');
  if (a.to.toLowerCase() !== charge.recipient.toLowerCase() || a.value !== charge.amount)
    throw new ProofRefusal(REASONS.MPP_CREDENTIAL_MISMATCH, 'the authorization does not pay the challenge');
  const proof: X402Proof = {
    type: 'x402',
    version: 2,
    payload: {
      x402Version: 2,
      accepted: {
        scheme: 'exact',
        network: network.caip2,
        amount: charge.amount,
        asset: charge.currency,
        payTo: charge.recipient,
        maxTimeoutSeconds: Math.max(1, Math.ceil((opened.expiresMs - Date.now()) / 1000)),
      },
      payload: {
        signature: a.signature,
        authorization: {
          from: a.from,
          to: a.to,
          value: a.value,
          validAfter: a.validAfter,
          validBefore: a.validBefore,
          nonce: a.nonce,
        },
      },
    },
  };
  const answer = await x402({ ...request, proof }, pctx);
  if (!answer.ok) return answer;
  const tx = (answer.receipt as { transaction?: unknown } | undefined)?.transaction;
  return {
    ...answer,
    receipt: mppReceipt(challenge.id, 'evm', typeof tx === 'string' ? tx : '', pctx, network.chainId),
  };
}
