import { createHash, randomBytes } from 'node:crypto';

/**
 * What binds a credited proof to the one who presented it, stored as `invoices.binding` (unique).
 * Presenting the same proof with the same binding again returns the grant it bought; the same
 * payment under another binding is refused.
 */
export type ProofBinding = `challenge:${string}` | `x402:${string}` | `tx:${string}` | `mpp:${string}`;

/** A sealed API challenge: its 128-bit id, which only the requester was given. */
export function challengeBinding(challengeId: string): ProofBinding {
  return `challenge:${challengeId}`;
}

/**
 * A sealed API challenge answered by an MPP push credential (`hash`): its own namespace, so the same
 * transfer presented as `x-payment-tx` with the same challenge finds the payment already redeemed
 * (one success) instead of the grant, and the other way round.
 */
export function mppChallengeBinding(challengeId: string): ProofBinding {
  return `mpp:challenge:${challengeId}`;
}

/**
 * An x402 authorization and the secret its 402 handed the requester (`accepted.extra.challenge`,
 * echoed back by v2 clients). The authorization alone is no binding once it settles: the
 * settlement transaction puts every field of it, the signature included, on chain. The secret never
 * goes on chain, so only the requester can present the payment again for its grant. Without one (a
 * v1 payload, a client that drops `extra`) the binding is unique and unguessable: presenting the
 * authorization again never finds its grant (the chain then refuses its spent nonce).
 */
export function x402Binding(
  network: string,
  token: string,
  from: string,
  nonce: string,
  secret: string | undefined,
): ProofBinding {
  const suffix =
    secret === undefined
      ? `unbound-${randomBytes(16).toString('hex')}`
      : createHash('sha256').update(secret).digest('hex').slice(0, 32);
  return `x402:${network}:${token.toLowerCase()}:${from.toLowerCase()}:${nonce.toLowerCase()}:${suffix}`;
}

/**
 * No binding at all: a transaction paying an owner's fixed wallet, accepted only where the resource
 * opted in to unbound proofs. Whoever presents the hash gets its grant (front-runnable by design).
 */
export function unboundTxBinding(network: string, txHash: string): ProofBinding {
  return `tx:${network}:${txHash}`;
}
