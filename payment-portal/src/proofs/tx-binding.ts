import {
  isProtocolError,
  isSealedChallenge,
  openChallenge,
  REASONS,
  type ChallengeClaims,
  type SettleRequest,
  type TxProof,
} from '@turnpike/protocol';
import { challengeBinding, type ProofBinding } from '../ledger/index.js';
import { ProofRefusal } from './context.js';
import { sameTarget } from './target.js';

const RECORDED_ID = /^[A-Za-z0-9_-]{22}$/;

/** How a transaction-hash proof is bound to the one presenting it. */
export type TxBinding =
  /** A sealed API challenge (the default): verified here, nothing of it was ever stored. */
  | { kind: 'sealed'; claims: ChallengeClaims; binding: ProofBinding }
  /** The id of a recorded challenge (a route accepting unbound proofs records its 402s). */
  | { kind: 'recorded'; invoiceId: string }
  /** No challenge: only where the resource opted in (`proofs.tx.unbound: allow`); front-runnable. */
  | { kind: 'unbound' };

/**
 * Reads the binding of a transaction-hash proof. A sealed challenge must be this installation's
 * (its MAC), for this host and resource; a proof without one is refused
 * `payment_challenge_required` unless the resource accepts unbound proofs.
 */
export function txBindingOf(request: SettleRequest & { proof: TxProof }, challengeKey: Buffer): TxBinding {
  const challenge = request.proof.challenge;
  if (challenge === undefined) {
    if (request.request.unboundTxProofs === true) return { kind: 'unbound' };
    throw new ProofRefusal(
      REASONS.PAYMENT_CHALLENGE_REQUIRED,
      'send the challenge this payment was made for in x-payment-challenge (paymentDetails.challengeId)',
    );
  }
  if (!isSealedChallenge(challenge)) {
    if (!RECORDED_ID.test(challenge))
      throw new ProofRefusal(
        REASONS.PAYMENT_CHALLENGE_INVALID,
        'the challenge is not one this service issued',
      );
    return { kind: 'recorded', invoiceId: challenge };
  }
  let claims: ChallengeClaims;
  try {
    claims = openChallenge(challengeKey, challenge);
  } catch (err) {
    if (isProtocolError(err)) throw new ProofRefusal(err.code, err.detail ?? err.message);
    throw err;
  }
  if (!sameTarget({ host: claims.h, resource: claims.r }, request))
    throw new ProofRefusal(
      REASONS.PAYMENT_CHALLENGE_MISMATCH,
      'the challenge was issued for another host or resource',
    );
  return { kind: 'sealed', claims, binding: challengeBinding(claims.id) };
}
